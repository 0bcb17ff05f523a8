using System;
using System.Collections.Generic;
using System.Threading;

namespace KernelOps.Model;

/// <summary>
/// The model's kernel ring buffer (printk/dmesg). Bounded: the oldest lines are dropped, as the
/// real log_buf wraps. Thread-safe.
/// </summary>
public sealed class KernelLog
{
    private readonly Lock _lock = new();
    private readonly Queue<string> _lines = new();
    private readonly int _capacity;
    private long _dropped;

    /// <summary>Creates a log that keeps the last <paramref name="capacity"/> lines.</summary>
    public KernelLog(int capacity = 4096)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _capacity = capacity;
    }

    /// <summary>Raised after each line is added (on the printing thread).</summary>
    public event Action<string>? LineWritten;

    /// <summary>Appends one line (printk).</summary>
    public void Printk(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        lock (_lock)
        {
            if (_lines.Count == _capacity)
            {
                _lines.Dequeue();
                _dropped++;
            }
            _lines.Enqueue(line);
        }
        LineWritten?.Invoke(line);
    }

    /// <summary>A snapshot of the lines still in the buffer, oldest first (dmesg).</summary>
    public IReadOnlyList<string> Lines
    {
        get { lock (_lock) return _lines.ToArray(); }
    }

    /// <summary>How many lines were dropped because the buffer was full.</summary>
    public long Dropped
    {
        get { lock (_lock) return _dropped; }
    }
}
