using System;
using System.Collections.Generic;

namespace KernelOps.Model;

/// <summary>One <c>struct pollfd</c>: the fd, the events asked for, and revents (filled by poll).</summary>
public struct PollFd
{
    /// <summary>An entry watching <paramref name="fd"/> for <paramref name="events"/>.</summary>
    public PollFd(int fd, PollEvents events)
    {
        Fd = fd;
        Events = events;
        ReturnedEvents = 0;
    }

    /// <summary>The fd; negative entries are ignored (revents 0).</summary>
    public int Fd { get; set; }

    /// <summary>events: what the caller waits for.</summary>
    public PollEvents Events { get; set; }

    /// <summary>revents: what is ready (filled by <see cref="UserProcess.Poll"/>).</summary>
    public PollEvents ReturnedEvents { get; set; }
}

/// <summary>An <c>fd_set</c> for <see cref="UserProcess.Select"/> (FD_SET/FD_ISSET/FD_CLR/FD_ZERO).</summary>
public sealed class FdSet
{
    private readonly ulong[] _bits = new ulong[UserProcess.MaxOpenFiles / 64];

    /// <summary>A set holding <paramref name="fds"/>.</summary>
    public FdSet(params int[] fds)
    {
        ArgumentNullException.ThrowIfNull(fds);
        foreach (int fd in fds) Set(fd);
    }

    /// <summary>FD_SET.</summary>
    public void Set(int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(fd, UserProcess.MaxOpenFiles);
        _bits[fd / 64] |= 1UL << (fd % 64);
    }

    /// <summary>FD_CLR.</summary>
    public void Clear(int fd)
    {
        if ((uint)fd < UserProcess.MaxOpenFiles) _bits[fd / 64] &= ~(1UL << (fd % 64));
    }

    /// <summary>FD_ISSET.</summary>
    public bool IsSet(int fd) => (uint)fd < UserProcess.MaxOpenFiles && (_bits[fd / 64] & (1UL << (fd % 64))) != 0;

    /// <summary>FD_ZERO.</summary>
    public void ClearAll() => Array.Clear(_bits);
}

/// <summary>
/// fs/select.c's <c>struct poll_wqueues</c>: the polling task's wait entries, one per wait queue
/// a handler named in poll_wait, removed all at once by <see cref="FreeWait"/>.
/// </summary>
internal sealed class PollWaitQueues
{
    private readonly List<WaitQueueHead> _queues = new();
    private readonly List<DisconnectGate> _devices = new();
    private readonly object _gate = new();

    /// <summary>The polling thread's own waiter, so a signal sent to that thread alone wakes the poll too.</summary>
    public TaskWaiter Waiter { get; } = TaskWaiter.ForCurrentThread();

    /// <summary>mirrors fs/select.c:__pollwait: add the polling task to <paramref name="queue"/>.</summary>
    public void QueueProc(WaitQueueHead queue)
    {
        // A driver's device file: its disconnect wakes this poller too, whose next ->poll then
        // answers EPOLLHUP | EPOLLERR through the device's proxy.
        DisconnectGate? device = DeviceCalls.Current;
        lock (_gate)
        {
            _queues.Add(queue);
            if (device is not null) _devices.Add(device);
        }
        device?.AddSleeper(Waiter);
        queue.Add(Waiter);
    }

    /// <summary>mirrors fs/select.c:poll_freewait.</summary>
    public void FreeWait()
    {
        WaitQueueHead[] queues;
        DisconnectGate[] devices;
        lock (_gate)
        {
            queues = _queues.ToArray();
            _queues.Clear();
            devices = _devices.ToArray();
            _devices.Clear();
        }
        foreach (WaitQueueHead q in queues) q.Remove(Waiter);
        foreach (DisconnectGate d in devices) d.RemoveSleeper(Waiter);
    }
}
