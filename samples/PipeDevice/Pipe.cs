using System;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps;

namespace KernelOps.Samples.PipeDevice;

/// <summary>PIPE_IOC_GETINFO's argument: what the device holds and who has it open.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PipeInfo
{
    /// <summary>Buffer size in bytes.</summary>
    public uint Capacity;
    /// <summary>Bytes waiting to be read.</summary>
    public uint Used;
    /// <summary>Files open for reading (nreaders).</summary>
    public int Readers;
    /// <summary>Files open for writing (nwriters).</summary>
    public int Writers;
}

/// <summary>PIPE_IOC_RESIZE's argument.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PipeResize
{
    /// <summary>The new buffer size in bytes.</summary>
    public uint Capacity;
}

/// <summary>The device's ioctl numbers (type 'p'), built as include/uapi/asm-generic/ioctl.h builds them.</summary>
public static class PipeIoctl
{
    /// <summary>The ioctl type byte.</summary>
    public const uint Type = 'p';

    /// <summary>_IOR('p', 1, struct pipe_info): query the buffer.</summary>
    public static readonly uint GetInfo = IoctlNumber.IOR<PipeInfo>(Type, 1);

    /// <summary>_IOW('p', 2, struct pipe_resize): resize the buffer (EBUSY if it holds more than the new size).</summary>
    public static readonly uint Resize = IoctlNumber.IOW<PipeResize>(Type, 2);

    /// <summary>The largest buffer PIPE_IOC_RESIZE accepts.</summary>
    public const uint MaxCapacity = 1 << 20;
}

/// <summary>
/// The device's shared state (LDD3's <c>struct scull_pipe</c>): a bounded ring buffer, the reader
/// and writer wait queues, and the open counts. All fields are guarded by <see cref="Gate"/>;
/// the wait conditions read <see cref="Used"/> and <see cref="Capacity"/> without it, as scullpipe's
/// <c>wait_event_interruptible(dev-&gt;inq, dev-&gt;rp != dev-&gt;wp)</c> does.
/// </summary>
public sealed class Pipe
{
    private byte[] _buffer;
    private int _head; // next byte to read
    private int _used;

    /// <summary>A pipe of <paramref name="capacity"/> bytes.</summary>
    public Pipe(int capacity = 4000)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _buffer = new byte[capacity];
    }

    internal Lock Gate { get; } = new();

    /// <summary>Readers sleep here (dev-&gt;inq).</summary>
    public WaitQueueHead ReadQueue { get; } = new();

    /// <summary>Writers sleep here (dev-&gt;outq).</summary>
    public WaitQueueHead WriteQueue { get; } = new();

    /// <summary>Buffer size.</summary>
    public int Capacity => Volatile.Read(ref _buffer).Length;

    /// <summary>Bytes waiting.</summary>
    public int Used => Volatile.Read(ref _used);

    /// <summary>Free bytes.</summary>
    public int Free => Capacity - Used;

    internal int Readers { get; set; }

    internal int Writers { get; set; }

    /// <summary>Copies up to <paramref name="destination"/>.Length waiting bytes without consuming them. Under Gate.</summary>
    internal int Peek(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, _used);
        int first = Math.Min(n, _buffer.Length - _head);
        _buffer.AsSpan(_head, first).CopyTo(destination);
        _buffer.AsSpan(0, n - first).CopyTo(destination[first..]);
        return n;
    }

    /// <summary>Drops <paramref name="count"/> bytes that were read. Under Gate.</summary>
    internal void Consume(int count)
    {
        _head = (_head + count) % _buffer.Length;
        Volatile.Write(ref _used, _used - count);
    }

    /// <summary>Appends <paramref name="source"/> (which fits). Under Gate.</summary>
    internal void Append(ReadOnlySpan<byte> source)
    {
        int tail = (_head + _used) % _buffer.Length;
        int first = Math.Min(source.Length, _buffer.Length - tail);
        source[..first].CopyTo(_buffer.AsSpan(tail));
        source[first..].CopyTo(_buffer);
        Volatile.Write(ref _used, _used + source.Length);
    }

    /// <summary>Replaces the buffer, keeping what it holds. Under Gate; the caller checked it fits.</summary>
    internal void Resize(int capacity)
    {
        var fresh = new byte[capacity];
        int n = Peek(fresh);
        _head = 0;
        Volatile.Write(ref _buffer, fresh);
        Volatile.Write(ref _used, n);
    }

    /// <summary>scull_p_release's kfree when the last reader and writer are gone: what is unread is dropped.</summary>
    internal void Discard()
    {
        _head = 0;
        Volatile.Write(ref _used, 0);
    }
}
