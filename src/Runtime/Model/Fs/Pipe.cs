using System;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A FIFO's pipe (fs/pipe.c <c>struct pipe_inode_info</c>): a ring of 16 page buffers
/// (PIPE_DEF_BUFFERS), its reader and writer counts, and the wait queues readers, writers and
/// opening partners sleep on. One per FIFO inode while any end is open. Like Linux's, it counts
/// buffers, not bytes: a write fills new pages and merges only a short tail into the last one, so
/// how much fits depends on the sizes written, exactly as on Linux.
/// </summary>
internal sealed class Pipe
{
    /// <summary>PIPE_DEF_BUFFERS: the buffers (pages) a pipe holds.</summary>
    public const int Buffers = 16;

    /// <summary>PAGE_SIZE: one buffer.</summary>
    public const int PageSize = 4096;

    public readonly Lock Mutex = new();
    public readonly WaitQueueHead ReadWait = new();
    public readonly WaitQueueHead WriteWait = new();
    // struct pipe_buffer: a page, the offset of its data and its length (anonymous buffers can merge)
    private readonly (byte[] Page, int Offset, int Length)[] _bufs = new (byte[], int, int)[Buffers];
    private int _tail, _count, _bytes;

    public int Readers, Writers, ReadCounter, WriteCounter;

    /// <summary>pipe->files: the open files of the FIFO (under the inode's lock); the last close frees the pipe and what it held.</summary>
    public int Files;

    /// <summary>
    /// mirrors fs/pipe.c:fifo_open's start: the inode's pipe with one more file, made when none is
    /// (the first opener after the last close gets an empty one).
    /// </summary>
    public static Pipe GetForOpen(VfsInode inode)
    {
        lock (inode.Sb.InodeLock)
        {
            Pipe pipe = inode.Pipe ??= new Pipe();
            pipe.Files++;
            return pipe;
        }
    }

    /// <summary>mirrors fs/pipe.c:put_pipe_info: at the last file, the inode forgets the pipe (free_pipe_info: its buffers go).</summary>
    public void Put(VfsInode inode)
    {
        lock (inode.Sb.InodeLock)
        {
            if (--Files == 0 && inode.Pipe == this) inode.Pipe = null;
        }
    }

    /// <summary>Bytes buffered.</summary>
    public int Used => Volatile.Read(ref _bytes);

    /// <summary>pipe_empty.</summary>
    public bool IsEmpty => Volatile.Read(ref _count) == 0;

    /// <summary>pipe_full.</summary>
    public bool IsFull => Volatile.Read(ref _count) >= Buffers;

    /// <summary>
    /// The read side of fs/pipe.c:pipe_read under <see cref="Mutex"/>: copies from the oldest buffers
    /// on until <paramref name="destination"/> is full or the pipe empty, freeing emptied buffers.
    /// </summary>
    public int TakeLocked(Span<byte> destination)
    {
        int done = 0;
        while (done < destination.Length && _count > 0)
        {
            ref (byte[] Page, int Offset, int Length) buf = ref _bufs[_tail];
            int chars = Math.Min(buf.Length, destination.Length - done);
            buf.Page.AsSpan(buf.Offset, chars).CopyTo(destination[done..]);
            buf.Offset += chars;
            buf.Length -= chars;
            done += chars;
            if (buf.Length == 0)
            {
                buf = default; // pipe_update_tail: the page is released
                _tail = (_tail + 1) % Buffers;
                Volatile.Write(ref _count, _count - 1);
            }
        }
        Volatile.Write(ref _bytes, _bytes - done);
        return done;
    }

    /// <summary>
    /// The merge step of fs/pipe.c:pipe_write under <see cref="Mutex"/>: when the pipe is not empty
    /// and <paramref name="chars"/> (the write's length modulo PAGE_SIZE) fits after the last buffer's
    /// data, true: the caller copies that many bytes there with <see cref="MergeLocked"/>.
    /// </summary>
    public bool CanMergeLocked(int chars)
    {
        if (chars == 0 || _count == 0) return false;
        (byte[] _, int offset, int length) = _bufs[(_tail + _count - 1) % Buffers];
        return offset + length + chars <= PageSize;
    }

    /// <summary>Appends <paramref name="source"/> to the last buffer (after <see cref="CanMergeLocked"/>).</summary>
    public void MergeLocked(ReadOnlySpan<byte> source)
    {
        ref (byte[] Page, int Offset, int Length) buf = ref _bufs[(_tail + _count - 1) % Buffers];
        source.CopyTo(buf.Page.AsSpan(buf.Offset + buf.Length));
        buf.Length += source.Length;
        Volatile.Write(ref _bytes, _bytes + source.Length);
    }

    /// <summary>A new buffer holding <paramref name="source"/> (at most a page); the pipe must not be full.</summary>
    public void PushLocked(ReadOnlySpan<byte> source)
    {
        var page = new byte[PageSize];
        source.CopyTo(page);
        _bufs[(_tail + _count) % Buffers] = (page, 0, source.Length);
        Volatile.Write(ref _count, _count + 1);
        Volatile.Write(ref _bytes, _bytes + source.Length);
    }
}

/// <summary>Which end of a pipe an open file holds, released once by __fput.</summary>
internal struct PipeEnd
{
    public Pipe? Pipe;
    public VfsInode? Inode;
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
        if (Inode is { } inode) pipe.Put(inode);
        Inode = null;
    }
}

/// <summary>
/// fs/pipe.c's <c>pipefifo_fops</c>, what init_special_inode gives a FIFO: fifo_open (blocking until
/// the other end opens, or not with O_NONBLOCK), pipe_read, pipe_write, pipe_poll; a stream (no
/// lseek, pread or pwrite).
/// </summary>
internal sealed class PipeFifoDispatch : FileDispatch
{
    public static readonly PipeFifoDispatch Instance = new();

    private PipeFifoDispatch() { }

    public override unsafe void* Ops => null;
    public override bool HasRead => true;
    public override bool HasWrite => true;
    public override bool HasLlseek => false;
    public override bool HasIoctl => false;

    private static unsafe OpenFile File(NativeFile* file) => OpenFile.FromNative(file)!;

    // mirrors fs/pipe.c:fifo_open
    public override unsafe int Open(NativeInode* inode, NativeFile* file)
    {
        OpenFile f = File(file);
        VfsInode vi = f.Inode!;
        Pipe pipe = Pipe.GetForOpen(vi);
        new FileRef(file).StreamOpen(); // We can only do regular read/write on fifos
        // SAFETY: the VFS passes the NativeFile of an open file it holds for the call; it is freed only by __fput after the last reference.
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
                f.PipeEnd = new PipeEnd { Pipe = pipe, Inode = vi, Reader = true };
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
                    if (nonBlock && pipe.Readers == 0)
                    {
                        pipe.Put(vi); // fifo_open's err: put_pipe_info
                        return -(int)Errno.ENXIO;
                    }
                    pipe.WriteCounter++;
                    pipe.Writers++;
                    seen = pipe.ReadCounter;
                }
                f.PipeEnd = new PipeEnd { Pipe = pipe, Inode = vi, Writer = true };
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
                f.PipeEnd = new PipeEnd { Pipe = pipe, Inode = vi, Reader = true, Writer = true };
                pipe.ReadWait.WakeUp();
                pipe.WriteWait.WakeUp();
                return 0;
            default:
                pipe.Put(vi);
                return -(int)Errno.EINVAL;
        }
    }

    private static int Fail(OpenFile f, int error)
    {
        f.PipeEnd.Release();
        return error;
    }

    // mirrors fs/pipe.c:pipe_read: everything buffered up to count, from as many buffers as that takes
    public override unsafe nint Read(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        OpenFile f = File(file);
        Pipe pipe = f.PipeEnd.Pipe!;
        if (count == 0) return 0;
        var writer = new UserSliceWriter(CurrentTask.MemorySlot, (nuint)buffer, count);
        // SAFETY: the VFS passes the NativeFile of an open file it holds for the call; it is freed only by __fput after the last reference.
        byte[] bounce = new byte[(int)Math.Min(count, (nuint)(Pipe.Buffers * Pipe.PageSize))];
        while (true)
        {
            lock (pipe.Mutex)
            {
                if (!pipe.IsEmpty)
                {
                    bool wasFull = pipe.IsFull;
                    int n = pipe.TakeLocked(bounce);
                    KResult<nuint> copied = writer.WriteSome(bounce.AsSpan(0, n));
                    if (wasFull) pipe.WriteWait.WakeUp();
                    return copied.TryGetValue(out nuint c) && c > 0 ? (nint)c : -(nint)Errno.EFAULT;
                }
                if (pipe.Writers == 0) return 0;
            }
            if ((f.Flags & OpenFlags.O_NONBLOCK) != 0) return -(nint)Errno.EAGAIN;
            KResult r = pipe.ReadWait.WaitEventInterruptible(() => !pipe.IsEmpty || Volatile.Read(ref pipe.Writers) == 0);
            if (!r.IsOk) return -(nint)Errno.ERESTARTSYS;
        }
    }

    // mirrors fs/pipe.c:pipe_write: the write's tail (length modulo PAGE_SIZE) first merges into the
    // last buffer when it fits there, then whole pages go into new buffers while any is free. A
    // write of PIPE_BUF or less lands in one buffer, so it is atomic.
    public override unsafe nint Write(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        OpenFile f = File(file);
        Pipe pipe = f.PipeEnd.Pipe!;
        if (count == 0) return 0; // Null write succeeds.
        var reader = new UserSliceReader(CurrentTask.MemorySlot, (nuint)buffer, count);
        nuint done = 0;
        Span<byte> bounce = stackalloc byte[Pipe.PageSize];
        bool merged = false;
        while (true)
        {
            lock (pipe.Mutex)
            {
                if (pipe.Readers == 0) return done > 0 ? (nint)done : -(nint)Errno.EPIPE;
                if (!merged)
                {
                    merged = true;
                    int chars = (int)(count & (Pipe.PageSize - 1));
                    if (pipe.CanMergeLocked(chars))
                    {
                        if (!reader.ReadSome(bounce[..chars]).TryGetValue(out nuint got) || got < (nuint)chars) return -(nint)Errno.EFAULT;
                        pipe.MergeLocked(bounce[..chars]);
                        done += (nuint)chars;
                        pipe.ReadWait.WakeUp();
                        if (done == count) return (nint)done;
                    }
                }
                while (!pipe.IsFull && done < count)
                {
                    int chunk = (int)Math.Min((nuint)Pipe.PageSize, count - done);
                    if (!reader.ReadSome(bounce[..chunk]).TryGetValue(out nuint got) || got < (nuint)chunk) return done > 0 ? (nint)done : -(nint)Errno.EFAULT;
                    pipe.PushLocked(bounce[..chunk]);
                    done += (nuint)chunk;
                    pipe.ReadWait.WakeUp();
                }
                if (done == count) return (nint)done;
            }
            // Wait for buffer space to become available.
            if ((f.Flags & OpenFlags.O_NONBLOCK) != 0) return done > 0 ? (nint)done : -(nint)Errno.EAGAIN;
            KResult r = pipe.WriteWait.WaitEventInterruptible(() => !pipe.IsFull || Volatile.Read(ref pipe.Readers) == 0);
            if (!r.IsOk) return done > 0 ? (nint)done : -(nint)Errno.ERESTARTSYS;
        }
    }

    public override unsafe long Llseek(NativeFile* file, long offset, int whence) => -(long)Errno.ESPIPE;

    public override unsafe nint Ioctl(NativeFile* file, uint command, nuint argument) => -(nint)Errno.ENOTTY;

    // mirrors fs/pipe.c:pipe_poll
    public override unsafe uint Poll(NativeFile* file, NativePollTable* table)
    {
        OpenFile f = File(file);
        Pipe pipe = f.PipeEnd.Pipe!;
        var pt = new PollTable(table);
        var fileRef = new FileRef(file);
        // SAFETY: the VFS passes the NativeFile of an open file it holds for the call; it is freed only by __fput after the last reference.
        var mode = (FMode)file->f_mode;
        if ((mode & FMode.FMODE_READ) != 0) pt.Wait(fileRef, pipe.ReadWait);
        if ((mode & FMode.FMODE_WRITE) != 0) pt.Wait(fileRef, pipe.WriteWait);
        PollEvents mask = 0;
        lock (pipe.Mutex)
        {
            if ((mode & FMode.FMODE_READ) != 0)
            {
                if (!pipe.IsEmpty) mask |= PollEvents.In | PollEvents.RdNorm;
                if (pipe.Writers == 0 && pipe.WriteCounter > 0) mask |= PollEvents.Hup;
            }
            if ((mode & FMode.FMODE_WRITE) != 0)
            {
                if (!pipe.IsFull) mask |= PollEvents.Out | PollEvents.WrNorm;
                if (pipe.Readers == 0) mask |= PollEvents.Err;
            }
        }
        return (uint)mask;
    }

    public override unsafe int Release(NativeInode* inode, NativeFile* file)
    {
        File(file).PipeEnd.Release();
        return 0;
    }
}
