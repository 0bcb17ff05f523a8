using System;
using System.IO;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using KernelOps.Model;

namespace KernelOps.Testing;

/// <summary>
/// An open file descriptor of a <see cref="TestProcess"/>. Each call copies through the process's
/// user memory, as a program's would, and throws a <see cref="KernelErrorException"/> naming the
/// syscall, the fd, the path and the errno instead of returning <c>-errno</c>. Dispose closes it.
/// </summary>
public sealed class TestFile : IDisposable
{
    private readonly TestProcess _owner;
    private bool _closed;

    internal TestFile(TestProcess owner, int fd, string path)
    {
        _owner = owner;
        Fd = fd;
        Path = path;
    }

    /// <summary>The file descriptor.</summary>
    public int Fd { get; }

    /// <summary>The path it was opened with.</summary>
    public string Path { get; }

    private UserProcess Process => _owner.Process;

    /// <summary>read(2) of up to <paramref name="count"/> bytes: what it returned (empty at end of file).</summary>
    /// <exception cref="KernelErrorException">read failed (EAGAIN, EINTR, EFAULT, the driver's errno, ...).</exception>
    public byte[] Read(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return WithBuffer(count, address =>
        {
            nint n = Process.Read(Fd, address, (nuint)count);
            return n < 0 ? throw Failed(n, "read", $", {count}") : CopyOut(address, (int)n);
        });
    }

    /// <summary><see cref="Read"/> decoded as UTF-8.</summary>
    /// <exception cref="KernelErrorException">read failed.</exception>
    public string ReadText(int count = 4096) => Encoding.UTF8.GetString(Read(count));

    /// <summary>Reads until read(2) returns 0, as cat does, <paramref name="chunk"/> bytes at a time.</summary>
    /// <exception cref="KernelErrorException">a read failed.</exception>
    public byte[] ReadToEnd(int chunk = 4096)
    {
        var all = new MemoryStream();
        for (byte[] piece; (piece = Read(chunk)).Length > 0;) all.Write(piece);
        return all.ToArray();
    }

    /// <summary>pread(2) of up to <paramref name="count"/> bytes at <paramref name="position"/>.</summary>
    /// <exception cref="KernelErrorException">pread failed (ESPIPE on a stream, EINVAL for a negative position, ...).</exception>
    public byte[] Pread(int count, long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return WithBuffer(count, address =>
        {
            nint n = Process.Pread(Fd, address, (nuint)count, position);
            return n < 0 ? throw Failed(n, "pread", $", {count}, {position}") : CopyOut(address, (int)n);
        });
    }

    /// <summary>write(2) of <paramref name="data"/>: the count the driver took (a short write is not an error).</summary>
    /// <exception cref="KernelErrorException">write failed.</exception>
    public int Write(ReadOnlySpan<byte> data)
    {
        byte[] copy = data.ToArray();
        return WithBuffer(copy.Length, address =>
        {
            Process.Memory.CopyToUser(address, copy);
            nint n = Process.Write(Fd, address, (nuint)copy.Length);
            return n < 0 ? throw Failed(n, "write", $", {copy.Length}") : (int)n;
        });
    }

    /// <summary>write(2) of <paramref name="text"/> as UTF-8.</summary>
    /// <exception cref="KernelErrorException">write failed.</exception>
    public int Write(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return Write(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>lseek(2): the new position.</summary>
    /// <exception cref="KernelErrorException">lseek failed (ESPIPE, EINVAL, ENXIO, ...).</exception>
    public long Seek(long offset, Whence whence = Whence.Set)
    {
        long rc = Process.Lseek(Fd, offset, (int)whence);
        return rc < 0 ? throw Failed(rc, "lseek", $", {offset}, {whence}") : rc;
    }

    /// <summary>ioctl(2) with a plain word argument: what the driver returned.</summary>
    /// <exception cref="KernelErrorException">ioctl failed (ENOTTY, EINVAL, EFAULT, ...).</exception>
    public long Ioctl(uint command, nuint argument = 0)
    {
        long rc = Process.Ioctl(Fd, command, argument);
        return rc < 0 ? throw Failed(rc, "ioctl", $", 0x{command:x}, 0x{argument:x}") : rc;
    }

    /// <summary>
    /// ioctl(2) whose argument points at a <typeparamref name="T"/> (an <c>_IOR</c>/<c>_IOW</c>/
    /// <c>_IOWR</c> command): <paramref name="argument"/> is copied into the process's memory, its
    /// address passed, and what the driver left there copied back. Returns the driver's result.
    /// </summary>
    /// <exception cref="KernelErrorException">ioctl failed.</exception>
    public long Ioctl<T>(uint command, ref T argument) where T : unmanaged
    {
        T value = argument;
        long result = WithBuffer(Unsafe.SizeOf<T>(), address =>
        {
            Process.Memory.CopyToUser(address, MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)));
            long rc = Process.Ioctl(Fd, command, address);
            if (rc < 0) throw Failed(rc, "ioctl", $", 0x{command:x}, &{typeof(T).Name}");
            Process.Memory.CopyFromUser(MemoryMarshal.AsBytes(new Span<T>(ref value)), address);
            return rc;
        });
        argument = value;
        return result;
    }

    /// <summary>poll(2) of this file alone: the events ready (revents), or none after <paramref name="timeoutMs"/> (0: do not wait; -1: forever).</summary>
    /// <exception cref="KernelErrorException">poll failed (EINTR on a signal, ...).</exception>
    public PollEvents Poll(PollEvents events = PollEvents.In | PollEvents.Out, int timeoutMs = 0)
    {
        Span<PollFd> fds = stackalloc PollFd[1];
        fds[0] = new PollFd(Fd, events);
        int rc = Process.Poll(fds, timeoutMs);
        return rc < 0 ? throw Failed(rc, "poll", $", {events}, {timeoutMs}") : fds[0].ReturnedEvents;
    }

    /// <summary>fsync(2).</summary>
    /// <exception cref="KernelErrorException">fsync failed (EINVAL without an fsync op, the driver's errno).</exception>
    public void Fsync()
    {
        int rc = Process.Fsync(Fd);
        if (rc != 0) throw Failed(rc, "fsync", "");
    }

    /// <summary>fstat(2).</summary>
    /// <exception cref="KernelErrorException">fstat failed.</exception>
    public StatResult Stat()
    {
        int rc = Process.Fstat(Fd, out StatResult status);
        return rc == 0 ? status : throw Failed(rc, "fstat", "");
    }

    /// <summary>close(2): the driver's flush runs, and its release when this was the last reference.</summary>
    /// <exception cref="KernelErrorException">close failed (the flush's errno; the descriptor is closed anyway, as on Linux).</exception>
    public void Close()
    {
        if (_closed) return;
        _closed = true;
        int rc = Process.Close(Fd);
        if (rc != 0) throw Failed(rc, "close", "");
    }

    /// <summary>Closes the descriptor if <see cref="Close"/> did not; a flush error is not thrown here.</summary>
    public void Dispose()
    {
        if (_closed) return;
        _closed = true;
        Process.Close(Fd);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Fd} \"{Path}\"";

    private KernelErrorException Failed(long rc, string syscall, string rest) =>
        TestProcess.Failed(rc, $"{syscall}({Fd} \"{Path}\"{rest})");

    private TResult WithBuffer<TResult>(int length, Func<nuint, TResult> use)
    {
        UserMapping buffer = Process.Memory.Map((nuint)Math.Max(1, length));
        try
        {
            return use(buffer.Address);
        }
        finally
        {
            Process.Memory.Unmap(buffer.Address);
        }
    }

    private byte[] CopyOut(nuint address, int count)
    {
        var bytes = new byte[count];
        Process.Memory.CopyFromUser(bytes, address);
        return bytes;
    }
}
