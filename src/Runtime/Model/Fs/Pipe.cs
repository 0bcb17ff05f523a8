using System;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A FIFO's pipe (fs/pipe.c <c>struct pipe_inode_info</c>): a 64 KiB ring, its reader and writer
/// counts, and the wait queues readers, writers and opening partners sleep on. One per FIFO inode
/// while any end is open.
/// </summary>
internal sealed class Pipe
{
    /// <summary>The default pipe size (PIPE_DEF_BUFFERS pages).</summary>
    public const int Capacity = 16 * 4096;

    /// <summary>PIPE_BUF: writes up to this size are atomic.</summary>
    public const int PipeBuf = 4096;

    public readonly Lock Mutex = new();
    public readonly WaitQueueHead ReadWait = new();
    public readonly WaitQueueHead WriteWait = new();
    private readonly byte[] _ring = new byte[Capacity];
    private int _head, _used;

    public int Readers, Writers, ReadCounter, WriteCounter;

    /// <summary>Bytes buffered.</summary>
    public int Used => Volatile.Read(ref _used);

    /// <summary>Copies up to <paramref name="destination"/>'s length out. Under <see cref="Mutex"/>.</summary>
    public int TakeLocked(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, _used);
        for (int i = 0; i < n; i++) destination[i] = _ring[(_head + i) % Capacity];
        _head = (_head + n) % Capacity;
        Volatile.Write(ref _used, _used - n);
        return n;
    }

    /// <summary>Copies as much of <paramref name="source"/> as fits in. Under <see cref="Mutex"/>.</summary>
    public int PutLocked(ReadOnlySpan<byte> source)
    {
        int n = Math.Min(source.Length, Capacity - _used);
        int tail = (_head + _used) % Capacity;
        for (int i = 0; i < n; i++) _ring[(tail + i) % Capacity] = source[i];
        Volatile.Write(ref _used, _used + n);
        return n;
    }
}

/// <summary>Which end of a pipe an open file holds, released once by __fput.</summary>
internal struct PipeEnd
{
    public Pipe? Pipe;
    public bool Reader, Writer;

    /// <summary>mirrors fs/pipe.c:pipe_release: drop this file's reader/writer count and wake the other side.</summary>
    public void Release()
    {
        Pipe? pipe = Pipe;
        if (pipe is null) return;
        Pipe = null;
        lock (pipe.Mutex)
        {
            if (Reader) pipe.Readers--;
            if (Writer) pipe.Writers--;
        }
        pipe.ReadWait.WakeUp();
        pipe.WriteWait.WakeUp();
    }
}

/// <summary>
/// fs/pipe.c's <c>pipefifo_fops</c>, what init_special_inode gives a FIFO: fifo_open (blocking until
/// the other end opens, or not with O_NONBLOCK), pipe_read, pipe_write, pipe_poll; a stream (no
/// lseek, pread or pwrite).
/// </summary>
internal sealed unsafe class PipeFifoDispatch : FileDispatch
{
    public static readonly PipeFifoDispatch Instance = new();

    private PipeFifoDispatch() { }

    public override void* Ops => null;
    public override bool HasRead => true;
    public override bool HasWrite => true;
    public override bool HasLlseek => false;
    public override bool HasIoctl => false;

    private static OpenFile File(NativeFile* file) => OpenFile.FromNative(file)!;

    // mirrors fs/pipe.c:fifo_open
    public override int Open(NativeInode* inode, NativeFile* file)
    {
        OpenFile f = File(file);
        VfsInode vi = f.Inode!;
        Pipe pipe;
        lock (vi.Sb.InodeLock) pipe = vi.Pipe ??= new Pipe();
        new FileRef(file).StreamOpen(); // We can only do regular read/write on fifos
        var mode = (FMode)file->f_mode & (FMode.FMODE_READ | FMode.FMODE_WRITE);
        bool nonBlock = (f.Flags & OpenFlags.O_NONBLOCK) != 0;
        switch (mode)
        {
            case FMode.FMODE_READ:
            {
                // POSIX.1 says that O_NONBLOCK means return with the FIFO opened, even when there
                // is no process writing the FIFO.
                int seen;
                lock (pipe.Mutex)
                {
                    pipe.ReadCounter++;
                    pipe.Readers++;
                    seen = pipe.WriteCounter;
                }
                f.PipeEnd = new PipeEnd { Pipe = pipe, Reader = true };
                pipe.WriteWait.WakeUp(); // wake_up_partner
                if (!nonBlock && pipe.Writers == 0)
                {
                    KResult r = pipe.ReadWait.WaitEventInterruptible(() => Volatile.Read(ref pipe.WriteCounter) != seen);
                    if (!r.IsOk) return Fail(f, -(int)Errno.ERESTARTSYS);
                }
                return 0;
            }
            case FMode.FMODE_WRITE:
            {
                // POSIX.1 says that O_NONBLOCK means return -1 with errno=ENXIO when there is no
                // process reading the FIFO.
                int seen;
                lock (pipe.Mutex)
                {
                    if (nonBlock && pipe.Readers == 0) return -(int)Errno.ENXIO;
                    pipe.WriteCounter++;
                    pipe.Writers++;
                    seen = pipe.ReadCounter;
                }
                f.PipeEnd = new PipeEnd { Pipe = pipe, Writer = true };
                pipe.ReadWait.WakeUp();
                if (pipe.Readers == 0)
                {
                    KResult r = pipe.WriteWait.WaitEventInterruptible(() => Volatile.Read(ref pipe.ReadCounter) != seen);
                    if (!r.IsOk) return Fail(f, -(int)Errno.ERESTARTSYS);
                }
                return 0;
            }
            case FMode.FMODE_READ | FMode.FMODE_WRITE:
                // This implementation will NEVER block on a O_RDWR open, since the process can at
                // least talk to itself.
                lock (pipe.Mutex)
                {
                    pipe.Readers++;
                    pipe.Writers++;
                    pipe.ReadCounter++;
                    pipe.WriteCounter++;
                }
                f.PipeEnd = new PipeEnd { Pipe = pipe, Reader = true, Writer = true };
                pipe.ReadWait.WakeUp();
                pipe.WriteWait.WakeUp();
                return 0;
            default:
                return -(int)Errno.EINVAL;
        }
    }

    private static int Fail(OpenFile f, int error)
    {
        f.PipeEnd.Release();
        return error;
    }

    // mirrors fs/pipe.c:pipe_read
    public override nint Read(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        OpenFile f = File(file);
        Pipe pipe = f.PipeEnd.Pipe!;
        if (count == 0) return 0;
        Span<byte> bounce = stackalloc byte[4096];
        while (true)
        {
            lock (pipe.Mutex)
            {
                if (pipe.Used > 0)
                {
                    int n = pipe.TakeLocked(bounce[..(int)Math.Min(count, (nuint)bounce.Length)]);
                    var writer = new UserSliceWriter(CurrentTask.MemorySlot, (nuint)buffer, count);
                    KResult<nuint> copied = writer.WriteSome(bounce[..n]);
                    pipe.WriteWait.WakeUp();
                    return copied.TryGetValue(out nuint c) ? (nint)c : -(nint)Errno.EFAULT;
                }
                if (pipe.Writers == 0) return 0;
            }
            if ((f.Flags & OpenFlags.O_NONBLOCK) != 0) return -(nint)Errno.EAGAIN;
            KResult r = pipe.ReadWait.WaitEventInterruptible(() => pipe.Used > 0 || Volatile.Read(ref pipe.Writers) == 0);
            if (!r.IsOk) return -(nint)Errno.ERESTARTSYS;
        }
    }

    // mirrors fs/pipe.c:pipe_write (PIPE_BUF atomicity: a small write waits for room for all of it)
    public override nint Write(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        OpenFile f = File(file);
        Pipe pipe = f.PipeEnd.Pipe!;
        if (count == 0) return 0;
        var reader = new UserSliceReader(CurrentTask.MemorySlot, (nuint)buffer, count);
        nuint done = 0;
        Span<byte> bounce = stackalloc byte[4096];
        while (done < count)
        {
            lock (pipe.Mutex)
            {
                if (pipe.Readers == 0) return done > 0 ? (nint)done : -(nint)Errno.EPIPE;
                int room = Pipe.Capacity - pipe.Used;
                bool atomic = count <= Pipe.PipeBuf;
                if (room > 0 && (!atomic || room >= (int)count))
                {
                    int chunk = (int)Math.Min((nuint)Math.Min(room, bounce.Length), count - done);
                    KResult<nuint> got = reader.ReadSome(bounce[..chunk]);
                    if (!got.TryGetValue(out nuint n) || n == 0) return done > 0 ? (nint)done : -(nint)Errno.EFAULT;
                    pipe.PutLocked(bounce[..(int)n]);
                    done += n;
                    pipe.ReadWait.WakeUp();
                    continue;
                }
            }
            if ((f.Flags & OpenFlags.O_NONBLOCK) != 0) return done > 0 ? (nint)done : -(nint)Errno.EAGAIN;
            KResult r = pipe.WriteWait.WaitEventInterruptible(() => Pipe.Capacity - pipe.Used >= (int)Math.Min(count - done, Pipe.PipeBuf) || Volatile.Read(ref pipe.Readers) == 0);
            if (!r.IsOk) return done > 0 ? (nint)done : -(nint)Errno.ERESTARTSYS;
        }
        return (nint)done;
    }

    public override long Llseek(NativeFile* file, long offset, int whence) => -(long)Errno.ESPIPE;

    public override nint Ioctl(NativeFile* file, uint command, nuint argument) => -(nint)Errno.ENOTTY;

    // mirrors fs/pipe.c:pipe_poll
    public override uint Poll(NativeFile* file, NativePollTable* table)
    {
        OpenFile f = File(file);
        Pipe pipe = f.PipeEnd.Pipe!;
        var pt = new PollTable(table);
        var fileRef = new FileRef(file);
        var mode = (FMode)file->f_mode;
        if ((mode & FMode.FMODE_READ) != 0) pt.Wait(fileRef, pipe.ReadWait);
        if ((mode & FMode.FMODE_WRITE) != 0) pt.Wait(fileRef, pipe.WriteWait);
        PollEvents mask = 0;
        lock (pipe.Mutex)
        {
            if ((mode & FMode.FMODE_READ) != 0)
            {
                if (pipe.Used > 0) mask |= PollEvents.In | PollEvents.RdNorm;
                if (pipe.Writers == 0 && pipe.WriteCounter > 0) mask |= PollEvents.Hup;
            }
            if ((mode & FMode.FMODE_WRITE) != 0)
            {
                if (Pipe.Capacity - pipe.Used >= Pipe.PipeBuf) mask |= PollEvents.Out | PollEvents.WrNorm;
                if (pipe.Readers == 0) mask |= PollEvents.Err;
            }
        }
        return (uint)mask;
    }

    public override int Release(NativeInode* inode, NativeFile* file)
    {
        File(file).PipeEnd.Release();
        return 0;
    }
}
