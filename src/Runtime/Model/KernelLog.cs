using System;
using System.Collections.Generic;
using System.Threading;

namespace KernelOps.Model;

/// <summary>
/// The model's kernel ring buffer (printk/dmesg). Bounded in lines and in bytes, as the real
/// printk ring buffer is (a descriptor ring and a text ring): the oldest lines are dropped when
/// either is full, and one line keeps at most <see cref="MaxLineBytes"/> bytes of UTF-8. Lines a
/// loop can trigger go through <see cref="PrintkRatelimited"/>. Thread-safe.
/// </summary>
public sealed class KernelLog
{
    /// <summary>
    /// The longest line kept, in UTF-8 bytes: kernel/printk/printk.c:vprintk_store reserves at
    /// most PRINTKRB_RECORD_MAX (1024) bytes, the terminating NUL included; the rest is cut.
    /// </summary>
    public const int MaxLineBytes = 1023;

    // kernel/printk/printk.c: the text ring is 1 << CONFIG_LOG_BUF_SHIFT bytes and the descriptor
    // ring has one descriptor per 1 << PRB_AVGBITS (5) of them: 4096 lines budget 128 KiB of text.
    private const int AverageLineBytesShift = 5;

    private readonly Lock _lock = new();
    private readonly Queue<(string Line, int Bytes)> _lines = new();
    private readonly RateLimiter _rateLimiter;
    private long _bytes;
    private long _dropped;

    /// <summary>Creates a log that keeps the last <paramref name="capacity"/> lines.</summary>
    /// <param name="capacity">Lines kept; the text kept is bounded by 32 bytes per line on average (<see cref="ByteCapacity"/>).</param>
    /// <param name="clock">The time rate limits are measured in (the kernel's jiffies); the system clock when null.</param>
    public KernelLog(int capacity = 4096, TimeProvider? clock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        Capacity = capacity;
        ByteCapacity = (long)capacity << AverageLineBytesShift;
        _rateLimiter = new RateLimiter(clock ?? TimeProvider.System);
    }

    /// <summary>Raised after each line is added (on the printing thread).</summary>
    public event Action<string>? LineWritten;

    /// <summary>Lines the buffer keeps.</summary>
    public int Capacity { get; }

    /// <summary>
    /// UTF-8 bytes of text the buffer keeps (32 per line of <see cref="Capacity"/>); older lines
    /// go first. The newest line always stays, so one line of up to <see cref="MaxLineBytes"/>
    /// fits even a tiny buffer.
    /// </summary>
    public long ByteCapacity { get; }

    /// <summary>
    /// Appends one line (printk). A trailing newline ends the record and is not kept
    /// (printk_sprint); text past <see cref="MaxLineBytes"/> is cut.
    /// </summary>
    public void Printk(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.EndsWith('\n')) line = line[..^1];
        int bytes = Utf8PrefixLength(line, MaxLineBytes, out int chars);
        if (chars < line.Length) line = line[..chars];
        lock (_lock)
        {
            _lines.Enqueue((line, bytes));
            _bytes += bytes;
            while (_lines.Count > Capacity || (_bytes > ByteCapacity && _lines.Count > 1))
            {
                _bytes -= _lines.Dequeue().Bytes;
                _dropped++;
            }
        }
        LineWritten?.Invoke(line);
    }

    /// <summary>
    /// printk_ratelimited (include/linux/printk.h): prints <paramref name="line"/> unless
    /// <paramref name="site"/> has used its burst in the current window. The first line printed
    /// after a window that refused some is preceded by "<c>function: N callbacks suppressed</c>".
    /// </summary>
    /// <returns>True when the line was printed.</returns>
    public bool PrintkRatelimited(RateLimitSite site, string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!RateLimit(site)) return false;
        Printk(line);
        return true;
    }

    /// <summary>
    /// __ratelimit (lib/ratelimit.c): true when the caller may print now. Use it to skip
    /// formatting a line that would be suppressed: <c>if (log.RateLimit(Site)) log.Printk($"...")</c>.
    /// </summary>
    public bool RateLimit(RateLimitSite site)
    {
        ArgumentNullException.ThrowIfNull(site);
        bool allowed = _rateLimiter.Check(site, out long missed);
        // printk_deferred in ___ratelimit, at the first call of the next window
        if (missed != 0) Printk($"{site.Function}: {missed} callbacks suppressed");
        return allowed;
    }

    /// <summary>A snapshot of the lines still in the buffer, oldest first (dmesg).</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lock)
            {
                var lines = new string[_lines.Count];
                int i = 0;
                foreach ((string line, _) in _lines) lines[i++] = line;
                return lines;
            }
        }
    }

    /// <summary>How many lines were dropped because the buffer was full (of lines or of bytes).</summary>
    public long Dropped
    {
        get { lock (_lock) return _dropped; }
    }

    /// <summary>How many lines rate limits refused since boot, whether a suppressed-count line reported them yet or not.</summary>
    public long Suppressed => _rateLimiter.Suppressed;

    /// <summary>
    /// The UTF-8 length of the longest prefix of <paramref name="text"/> that fits in
    /// <paramref name="limit"/> bytes without splitting a character; <paramref name="chars"/> is its
    /// length in chars. Reads at most the prefix, so a huge line costs no more than a short one.
    /// </summary>
    private static int Utf8PrefixLength(string text, int limit, out int chars)
    {
        int bytes = 0;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            int width, length = 1;
            if (c < 0x80) width = 1;
            else if (c < 0x800) width = 2;
            else if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1])) { width = 4; length = 2; }
            else width = 3; // the BMP, and a lone surrogate, which UTF-8 writes as U+FFFD
            if (bytes + width > limit) break;
            bytes += width;
            i += length;
        }
        chars = i;
        return bytes;
    }
}
