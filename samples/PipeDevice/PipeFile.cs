using System;
using KernelOps;

namespace KernelOps.Samples.PipeDevice;

/// <summary>
/// LDD3's scullpipe as a misc device: blocking read and write on a bounded buffer (wait queues,
/// O_NONBLOCK gives EAGAIN, a signal gives EINTR), poll, and ioctls to query and resize the buffer.
/// As scullpipe: reading an empty pipe waits even when no writer is left (there is no EOF), poll
/// never reports POLLHUP, and the data goes when the last file closes. Two deliberate differences:
/// open does not reset the buffer (scullpipe's open rewinds rp/wp, losing data a writer left for a
/// reader still to come), and a write no larger than the buffer is atomic (it waits for room for
/// all of it, as pipe(7) promises for PIPE_BUF), so concurrent writers' chunks never interleave.
/// </summary>
[FileOperations]
internal static partial class PipeFile
{
    [Open]
    private static OpenResult<PipeEnd> Open(Inode inode, FileRef file)
    {
        Pipe? pipe = file.DeviceData<Pipe>();
        if (pipe is null) return Errno.ENODEV;
        var end = new PipeEnd(pipe, file.CanRead, file.CanWrite);
        lock (pipe.Gate)
        {
            // use f_mode, not f_flags (scull_p_open)
            if (end.Reads) pipe.Readers++;
            if (end.Writes) pipe.Writers++;
        }
        file.NonseekableOpen();
        return end;
    }

    [Release]
    private static KResult Release(PipeEnd end, Inode inode, FileRef file)
    {
        Pipe pipe = end.Pipe;
        lock (pipe.Gate)
        {
            if (end.Reads) pipe.Readers--;
            if (end.Writes) pipe.Writers--;
            if (pipe.Readers + pipe.Writers == 0) pipe.Discard();
        }
        return KResult.Ok;
    }

    // mirrors LDD3 pipe.c:scull_p_read
    [Read]
    private static KResult<nuint> Read(PipeEnd end, FileRef file, UserSliceWriter destination, ref long position)
    {
        Pipe pipe = end.Pipe;
        if (destination.IsEmpty) return (nuint)0;
        byte[] chunk = new byte[(int)Math.Min(destination.Length, (nuint)Math.Max(pipe.Capacity, 1))];
        while (true)
        {
            int n = 0;
            lock (pipe.Gate)
            {
                if (pipe.Used > 0)
                {
                    n = pipe.Peek(chunk);
                    // copy_to_user under the lock: a fault consumes nothing
                    if (!destination.Write(chunk.AsSpan(0, n)).IsOk) return Errno.EFAULT;
                    pipe.Consume(n);
                }
            }
            if (n > 0)
            {
                pipe.WriteQueue.WakeUp(); // finally, awake any writers
                return (nuint)n;
            }
            if ((file.Flags & OpenFlags.O_NONBLOCK) != 0) return Errno.EAGAIN;
            KResult slept = pipe.ReadQueue.WaitEventInterruptible(() => pipe.Used > 0);
            if (!slept.IsOk) return slept.Error; // ERESTARTSYS: signal
        }
    }

    // mirrors LDD3 pipe.c:scull_p_write + scull_getwritespace
    [Write]
    private static KResult<nuint> Write(PipeEnd end, FileRef file, UserSliceReader source, ref long position)
    {
        Pipe pipe = end.Pipe;
        if (source.IsEmpty) return (nuint)0;
        while (true)
        {
            int n = 0;
            lock (pipe.Gate)
            {
                int need = source.Length <= (nuint)pipe.Capacity ? (int)source.Length : 1;
                if (pipe.Free >= need)
                {
                    n = (int)Math.Min(source.Length, (nuint)pipe.Free);
                    byte[] chunk = new byte[n];
                    if (!source.Read(chunk).IsOk) return Errno.EFAULT;
                    pipe.Append(chunk);
                }
            }
            if (n > 0)
            {
                pipe.ReadQueue.WakeUp(); // blocked in read() and select()
                return (nuint)n;
            }
            if ((file.Flags & OpenFlags.O_NONBLOCK) != 0) return Errno.EAGAIN;
            nuint wanted = source.Length;
            KResult slept = pipe.WriteQueue.WaitEventInterruptible(() =>
                pipe.Free >= (wanted <= (nuint)pipe.Capacity ? (int)wanted : 1));
            if (!slept.IsOk) return slept.Error;
        }
    }

    // mirrors LDD3 pipe.c:scull_p_poll
    [Poll]
    private static PollEvents Poll(PipeEnd end, FileRef file, PollTable table)
    {
        Pipe pipe = end.Pipe;
        table.Wait(file, pipe.ReadQueue);
        table.Wait(file, pipe.WriteQueue);
        PollEvents mask = PollEvents.None;
        lock (pipe.Gate)
        {
            if (pipe.Used > 0) mask |= PollEvents.In | PollEvents.RdNorm; // readable
            if (pipe.Free > 0) mask |= PollEvents.Out | PollEvents.WrNorm; // writable
        }
        return mask;
    }

    [Ioctl]
    private static KResult<long> Ioctl(PipeEnd end, FileRef file, uint command, nuint argument)
    {
        Pipe pipe = end.Pipe;
        if (command == PipeIoctl.GetInfo)
        {
            PipeInfo info;
            lock (pipe.Gate)
                info = new PipeInfo { Capacity = (uint)pipe.Capacity, Used = (uint)pipe.Used, Readers = pipe.Readers, Writers = pipe.Writers };
            return new UserPtr<PipeInfo>(argument).Write(in info).WithValue(0L); // copy_to_user ? -EFAULT : 0
        }
        if (command == PipeIoctl.Resize)
        {
            KResult copied = new UserPtr<PipeResize>(argument).Read(out PipeResize request);
            if (!copied.IsOk) return copied.Error;
            if (request.Capacity == 0 || request.Capacity > PipeIoctl.MaxCapacity) return Errno.EINVAL;
            lock (pipe.Gate)
            {
                if (pipe.Used > request.Capacity) return Errno.EBUSY;
                pipe.Resize((int)request.Capacity);
            }
            pipe.WriteQueue.WakeUp(); // more room, maybe
            return KResult<long>.Ok(0);
        }
        return Errno.ENOTTY;
    }
}

/// <summary>Per-open state: which pipe, and whether this file counts as a reader, a writer or both.</summary>
internal sealed class PipeEnd(Pipe pipe, bool reads, bool writes)
{
    public Pipe Pipe { get; } = pipe;
    public bool Reads { get; } = reads;
    public bool Writes { get; } = writes;
}
