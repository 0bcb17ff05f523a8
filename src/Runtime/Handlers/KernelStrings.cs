using System;
using System.Globalization;
using System.Text;

namespace KernelOps;

/// <summary>
/// The kernel's text-to-number helpers (lib/kstrtox.c) on user bytes, as debugfs files parse what
/// is written to them: base 0 (<c>0x</c> hex, leading <c>0</c> octal, else decimal), an optional
/// leading <c>+</c> (and <c>-</c> for signed types), at most one trailing newline, nothing else.
/// Unparsable or empty input is EINVAL; a value that does not fit the type is ERANGE. A NUL byte
/// ends the input, as it ends the C string the kernel parses.
/// </summary>
public static class KernelStrings
{
    /// <summary>mirrors lib/kstrtox.c:kstrtoull(s, 0, &amp;res).</summary>
    public static KResult ParseUInt64(ReadOnlySpan<byte> text, out ulong value)
    {
        text = UntilNul(text);
        if (text.Length > 0 && text[0] == (byte)'+') text = text[1..];
        return ParseUnsigned(text, out value);
    }

    /// <summary>mirrors lib/kstrtox.c:kstrtoll(s, 0, &amp;res).</summary>
    public static KResult ParseInt64(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        text = UntilNul(text);
        if (text.Length > 0 && text[0] == (byte)'-')
        {
            KResult r = ParseUnsigned(text[1..], out ulong magnitude);
            if (!r.IsOk) return r;
            if (magnitude > (ulong)long.MaxValue + 1) return Errno.ERANGE; // "(long long)-tmp > 0"
            value = unchecked(-(long)magnitude);
            return KResult.Ok;
        }
        KResult u = ParseUInt64(text, out ulong positive);
        if (!u.IsOk) return u;
        if (positive > long.MaxValue) return Errno.ERANGE;
        value = (long)positive;
        return KResult.Ok;
    }

    /// <summary>
    /// mirrors lib/kstrtox.c:kstrtobool: the first character decides: <c>1 y Y t T</c> true,
    /// <c>0 n N f F</c> false, <c>on</c>/<c>off</c> (any case); anything else, or nothing, is EINVAL.
    /// </summary>
    public static KResult ParseBool(ReadOnlySpan<byte> text, out bool value)
    {
        value = false;
        text = UntilNul(text);
        if (text.Length == 0) return Errno.EINVAL;
        switch (text[0])
        {
            case (byte)'y' or (byte)'Y' or (byte)'t' or (byte)'T' or (byte)'1':
                value = true;
                return KResult.Ok;
            case (byte)'n' or (byte)'N' or (byte)'f' or (byte)'F' or (byte)'0':
                return KResult.Ok;
            case (byte)'o' or (byte)'O' when text.Length > 1:
                switch (text[1])
                {
                    case (byte)'n' or (byte)'N':
                        value = true;
                        return KResult.Ok;
                    case (byte)'f' or (byte)'F':
                        return KResult.Ok;
                }
                break;
        }
        return Errno.EINVAL;
    }

    // mirrors lib/kstrtox.c:_kstrtoull with _parse_integer_fixup_radix(base 0) and _parse_integer
    private static KResult ParseUnsigned(ReadOnlySpan<byte> s, out ulong value)
    {
        value = 0;
        uint radix = 10;
        if (s.Length > 0 && s[0] == (byte)'0')
        {
            if (s.Length > 2 && (s[1] | 0x20) == (byte)'x' && HexDigit(s[2]) >= 0) { radix = 16; s = s[2..]; }
            else radix = 8;
        }
        int digits = 0;
        bool overflow = false;
        ulong result = 0;
        while (digits < s.Length)
        {
            int d = HexDigit(s[digits]);
            if (d < 0 || (uint)d >= radix) break;
            if (result > (ulong.MaxValue - (uint)d) / radix) overflow = true;
            result = unchecked(result * radix + (uint)d);
            digits++;
        }
        if (overflow) return Errno.ERANGE;
        if (digits == 0) return Errno.EINVAL;
        s = s[digits..];
        if (s.Length > 0 && s[0] == (byte)'\n') s = s[1..];
        if (s.Length > 0) return Errno.EINVAL;
        value = result;
        return KResult.Ok;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    private static ReadOnlySpan<byte> UntilNul(ReadOnlySpan<byte> text)
    {
        int nul = text.IndexOf((byte)0);
        return nul < 0 ? text : text[..nul];
    }
}

/// <summary>
/// Where a debugfs read callback writes its text: a fixed buffer (one page, as a first seq_file
/// buffer) on the reader's stack, so formatting allocates nothing. Text that does not fit marks the
/// writer <see cref="Overflowed"/>, and the read answers ENOMEM.
/// </summary>
public ref struct DebugFsTextWriter
{
    private readonly Span<byte> _buffer;
    private int _length;

    /// <summary>A writer filling <paramref name="buffer"/>.</summary>
    public DebugFsTextWriter(Span<byte> buffer)
    {
        _buffer = buffer;
        _length = 0;
        Overflowed = false;
    }

    /// <summary>What has been written.</summary>
    public readonly ReadOnlySpan<byte> Written => _buffer[.._length];

    /// <summary>True when some text did not fit.</summary>
    public bool Overflowed { readonly get; private set; }

    /// <summary>Appends UTF-8 bytes.</summary>
    public void Write(scoped ReadOnlySpan<byte> utf8)
    {
        if (utf8.TryCopyTo(_buffer[_length..])) _length += utf8.Length;
        else Overflowed = true;
    }

    /// <summary>Appends a string as UTF-8.</summary>
    public void Write(string? text)
    {
        if (text is null) return;
        if (Encoding.UTF8.TryGetBytes(text, _buffer[_length..], out int written)) _length += written;
        else Overflowed = true;
    }

    /// <summary>Appends a number (or any UTF-8-formattable value) in the invariant culture, as <c>%lld</c>/<c>%llu</c> would.</summary>
    public void Write<T>(T value) where T : IUtf8SpanFormattable
    {
        if (value.TryFormat(_buffer[_length..], out int written, default, CultureInfo.InvariantCulture)) _length += written;
        else Overflowed = true;
    }

    /// <summary>Appends <c>Y</c> or <c>N</c>, as debugfs_read_file_bool shows a bool.</summary>
    public void WriteBool(bool value) => Write(value ? "Y"u8 : "N"u8);

    /// <summary>Appends a newline.</summary>
    public void NewLine() => Write("\n"u8);
}
