using System;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Model;

namespace KernelOps;

/// <summary>
/// A <c>wait_queue_head_t</c> (include/linux/wait.h): tasks sleep on it until a condition holds;
/// <see cref="WakeUp"/> wakes every sleeper to re-check. Sleeps are interruptible: a signal sent to
/// the sleeping task's process (<see cref="UserProcess.SendSignal"/>) ends them with
/// <see cref="Errno.ERESTARTSYS"/>, which the syscall returns to user space as EINTR. A sleep inside a
/// call on a driver's device file also ends when that device is disconnected (unbound, unplugged),
/// with <see cref="Errno.ENODEV"/>: the driver needs no code of its own to let its sleepers go.
/// Thread-safe.
/// </summary>
public sealed class WaitQueueHead
{
    private readonly Lock _lock = new();
    private readonly List<TaskWaiter> _waiters = new();

    /// <summary>Number of tasks queued (sleeping or polling) right now.</summary>
    public int WaiterCount
    {
        get { lock (_lock) return _waiters.Count; }
    }

    /// <summary>wake_up_interruptible / wake_up_all: every queued task re-checks its condition.</summary>
    public void WakeUp()
    {
        TaskWaiter[] snapshot;
        lock (_lock)
        {
            if (_waiters.Count == 0) return;
            snapshot = _waiters.ToArray();
        }
        foreach (TaskWaiter waiter in snapshot) waiter.Wake();
    }

    /// <summary>
    /// mirrors include/linux/wait.h:wait_event_interruptible: returns Ok once
    /// <paramref name="condition"/> is true, or <see cref="Errno.ERESTARTSYS"/> when a signal is
    /// pending for the calling task, or <see cref="Errno.ENODEV"/> when the device whose file the task
    /// is in a call on is disconnected. The condition is evaluated after the task is queued, so a
    /// wake-up between the check and the sleep is never lost. Do not hold a lock the waker needs.
    /// </summary>
    [Abi.CallScoped]
    public KResult WaitEventInterruptible(Func<bool> condition) => WaitEventInterruptibleTimeout(condition, Timeout.Infinite).Error switch
    {
        0 => KResult.Ok,
        var e => e,
    };

    /// <summary>
    /// mirrors include/linux/wait.h:wait_event_interruptible_timeout with the timeout in
    /// milliseconds (<see cref="Timeout.Infinite"/> for none): the milliseconds left (at least 1)
    /// when the condition became true, 0 on timeout, <see cref="Errno.ERESTARTSYS"/>, or
    /// <see cref="Errno.ENODEV"/> when the device of the call the task is in is disconnected.
    /// </summary>
    [Abi.CallScoped]
    public KResult<long> WaitEventInterruptibleTimeout(Func<bool> condition, int timeoutMs)
    {
        ArgumentNullException.ThrowIfNull(condition);
        if (condition()) return Math.Max(1L, timeoutMs);
        long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
        TaskWaiter waiter = TaskWaiter.ForCurrentThread();
        UserProcess? process = CurrentTask.Process;
        DisconnectGate? device = DeviceCalls.Current; // the driver's device this call is on, if disconnectable
        Add(waiter);
        process?.AddSleeper(waiter);
        device?.AddSleeper(waiter);
        try
        {
            while (true)
            {
                waiter.Arm(); // prepare_to_wait: set the task state before testing the condition
                if (condition()) return timeoutMs < 0 ? 1L : Math.Max(1L, deadline - Environment.TickCount64);
                if (process?.SignalPending == true || waiter.SignalPending) return Errno.ERESTARTSYS;
                if (device is { IsDisconnected: true }) return DisconnectGate.DisconnectedErrno;
                long left = deadline == long.MaxValue ? Timeout.Infinite : deadline - Environment.TickCount64;
                if (deadline != long.MaxValue && left <= 0) return condition() ? 1L : 0L;
                waiter.Sleep(left == Timeout.Infinite ? Timeout.Infinite : (int)Math.Min(left, int.MaxValue));
            }
        }
        finally
        {
            device?.RemoveSleeper(waiter);
            process?.RemoveSleeper(waiter);
            Remove(waiter);
        }
    }

    internal void Add(TaskWaiter waiter)
    {
        lock (_lock) _waiters.Add(waiter);
    }

    internal void Remove(TaskWaiter waiter)
    {
        lock (_lock) _waiters.Remove(waiter);
    }
}

/// <summary>
/// A sleeping task's wake-up flag (its <c>TASK_INTERRUPTIBLE</c> state and wait entry) and its own
/// pending signal (one sent to this thread only, as tgkill does). One per thread.
/// </summary>
internal sealed class TaskWaiter
{
    [ThreadStatic] private static TaskWaiter? t_waiter;
    private readonly object _gate = new();
    private bool _woken;
    private int _signalPending;

    public static TaskWaiter ForCurrentThread() => t_waiter ??= new TaskWaiter();

    /// <summary>A signal sent to this thread alone is pending (see <see cref="Signal"/>).</summary>
    public bool SignalPending => Volatile.Read(ref _signalPending) != 0;

    /// <summary>
    /// tgkill: marks a signal pending for this thread and wakes it, so its interruptible sleep
    /// ends with ERESTARTSYS (and a sleep that has not begun yet ends at once). Other threads of
    /// the process keep sleeping.
    /// </summary>
    public void Signal()
    {
        Volatile.Write(ref _signalPending, 1);
        Wake();
    }

    /// <summary>The signal was delivered (the syscall returned EINTR) or is discarded.</summary>
    public void ClearSignal() => Volatile.Write(ref _signalPending, 0);

    /// <summary>set_current_state(TASK_INTERRUPTIBLE): a wake-up from now on is remembered.</summary>
    public void Arm()
    {
        lock (_gate) _woken = false;
    }

    /// <summary>try_to_wake_up.</summary>
    public void Wake()
    {
        lock (_gate)
        {
            _woken = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>The host scheduler this thread's task reports its sleeps to (<see cref="KernelTask.Scheduler"/>).</summary>
    internal IKernelTaskScheduler? Scheduler;

    /// <summary>The public face of this thread's task, once asked for (<see cref="KernelTask.Current"/>).</summary>
    internal KernelTask? Task;

    /// <summary>schedule_timeout: returns when woken since the last <see cref="Arm"/> or after <paramref name="timeoutMs"/>.</summary>
    public bool Sleep(int timeoutMs)
    {
        IKernelTaskScheduler? scheduler = Scheduler;
        if (scheduler is null) return SleepOnGate(timeoutMs);
        // schedule(): the task leaves the CPU for the sleep; the host may run another meanwhile
        scheduler.Sleeping(Task!);
        try { return SleepOnGate(timeoutMs); }
        finally { scheduler.Woken(Task!); }
    }

    private bool SleepOnGate(int timeoutMs)
    {
        lock (_gate)
        {
            if (_woken) return true;
            Monitor.Wait(_gate, timeoutMs);
            return _woken;
        }
    }
}
