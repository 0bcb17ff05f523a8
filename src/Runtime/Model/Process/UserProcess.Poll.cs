using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

// fs/select.c: poll(2) and select(2).
public sealed partial class UserProcess
{
    /// <summary>
    /// poll(2) (fs/select.c:do_sys_poll → do_poll): asks each file's -&gt;poll (vfs_poll) and sleeps
    /// on the wait queues the handlers registered with poll_wait until one is ready, the timeout
    /// passes or a signal arrives. <paramref name="timeoutMs"/> is in milliseconds, negative for
    /// no limit, 0 to return at once. Returns the number of entries with non-zero revents, 0 on
    /// timeout, or -errno (EINTR). Each entry's revents is filled as Linux does: the events asked
    /// for plus POLLERR/POLLHUP, POLLNVAL for a closed fd, 0 for a negative fd.
    /// </summary>
    public unsafe int Poll(Span<PollFd> fds, int timeoutMs)
    {
        using TaskScope task = EnterTask();
        if ((uint)fds.Length > MaxOpenFiles) return -(int)Errno.EINVAL; // RLIMIT_NOFILE
        var table = new PollWaitQueues();
        GCHandle handle = GCHandle.Alloc(table);
        try
        {
            NativePollTable pt = new() { _qproc = GCHandle.ToIntPtr(handle) };
            long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
            bool timedOut = timeoutMs == 0;
            while (true)
            {
                table.Waiter.Arm(); // set_current_state(TASK_INTERRUPTIBLE) before looking
                int count = 0;
                for (int i = 0; i < fds.Length; i++)
                {
                    PollEvents revents = DoPollFd(ref fds[i], &pt);
                    fds[i].ReturnedEvents = revents;
                    if (revents != 0)
                    {
                        count++;
                        pt._qproc = 0; // found something: no need to queue on the rest
                    }
                }
                pt._qproc = 0; // queued (or not) once: later passes only re-check
                if (count > 0 || timedOut) return count;
                if (SignalPending || table.Waiter.SignalPending) return (int)SyscallReturn(-(nint)Errno.ERESTARTSYS);
                long left = deadline == long.MaxValue ? Timeout.Infinite : deadline - Environment.TickCount64;
                if (left != Timeout.Infinite && left <= 0) { timedOut = true; continue; }
                AddSleeper(table.Waiter);
                try
                {
                    if (!SignalPending && !table.Waiter.SignalPending && !table.Waiter.Sleep(left == Timeout.Infinite ? Timeout.Infinite : (int)Math.Min(left, int.MaxValue)) &&
                        deadline != long.MaxValue && Environment.TickCount64 >= deadline)
                        timedOut = true;
                }
                finally { RemoveSleeper(table.Waiter); }
            }
        }
        finally
        {
            table.FreeWait(); // poll_freewait
            handle.Free();
        }
    }

    /// <summary>
    /// select(2) (fs/select.c:do_select) over fds below <paramref name="nfds"/>: each set is read
    /// as the fds to watch and overwritten with the ready ones (null sets are ignored). Readable
    /// means POLLIN_SET (IN|RDNORM|RDBAND|HUP|ERR), writable POLLOUT_SET (OUT|WRNORM|WRBAND|ERR),
    /// exceptional POLLEX_SET (PRI). Returns the number of bits set, 0 on timeout, -EBADF for a
    /// closed fd in a set, -EINVAL for a bad nfds, -EINTR.
    /// </summary>
    public int Select(int nfds, FdSet? readFds, FdSet? writeFds, FdSet? exceptFds, int timeoutMs)
    {
        if (nfds < 0 || nfds > MaxOpenFiles) return -(int)Errno.EINVAL;
        var watched = new List<int>();
        for (int fd = 0; fd < nfds; fd++)
            if (readFds?.IsSet(fd) == true || writeFds?.IsSet(fd) == true || exceptFds?.IsSet(fd) == true) watched.Add(fd);
        var pfds = new PollFd[watched.Count];
        for (int i = 0; i < pfds.Length; i++)
        {
            int fd = watched[i];
            PollEvents want = 0;
            if (readFds?.IsSet(fd) == true) want |= PollInSet;
            if (writeFds?.IsSet(fd) == true) want |= PollOutSet;
            if (exceptFds?.IsSet(fd) == true) want |= PollExSet;
            pfds[i] = new PollFd(fd, want);
        }
        // do_select's max_select_fd: a set naming a closed fd is EBADF before anything waits.
        lock (_fdLock)
            foreach (int fd in watched)
                if (_fds[fd] is null) return -(int)Errno.EBADF;
        int n = Poll(pfds, timeoutMs);
        if (n < 0) return n;
        readFds?.ClearAll();
        writeFds?.ClearAll();
        exceptFds?.ClearAll();
        int bits = 0;
        foreach (PollFd p in pfds)
        {
            if ((p.ReturnedEvents & PollEvents.Nval) != 0) return -(int)Errno.EBADF;
            if ((p.Events & PollInSet) != 0 && (p.ReturnedEvents & PollInSet) != 0) { readFds!.Set(p.Fd); bits++; }
            if ((p.Events & PollOutSet) != 0 && (p.ReturnedEvents & PollOutSet) != 0) { writeFds!.Set(p.Fd); bits++; }
            if ((p.Events & PollExSet) != 0 && (p.ReturnedEvents & PollExSet) != 0) { exceptFds!.Set(p.Fd); bits++; }
        }
        return bits;
    }

    private const PollEvents PollInSet = PollEvents.RdNorm | PollEvents.RdBand | PollEvents.In | PollEvents.Hup | PollEvents.Err;
    private const PollEvents PollOutSet = PollEvents.WrBand | PollEvents.WrNorm | PollEvents.Out | PollEvents.Err;
    private const PollEvents PollExSet = PollEvents.Pri;

    // mirrors fs/select.c:do_pollfd
    private unsafe PollEvents DoPollFd(ref PollFd pollfd, NativePollTable* pt)
    {
        if (pollfd.Fd < 0) return 0;
        using FileHandle f = FdGet(pollfd.Fd);
        if (f.File is null) return PollEvents.Nval;
        // userland can ask for only the events it wants, but always gets POLLERR and POLLHUP
        PollEvents filter = pollfd.Events | PollEvents.Err | PollEvents.Hup;
        // SAFETY: pt points at the caller's poll_table on this stack frame, live for the call.
        pt->_key = (uint)filter;
        var mask = (PollEvents)f.File.Dispatch.Poll(f.File.File, pt);
        return mask & filter;
    }
}
