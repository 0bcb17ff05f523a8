using System.Collections.Generic;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

// kernel/signal.c as far as the model goes: a pending signal ends interruptible sleeps.
public sealed partial class UserProcess
{
    private readonly Lock _sleepersLock = new();
    private readonly List<TaskWaiter> _sleepers = new();
    private int _signalPending;

    /// <summary>True while a signal sent with <see cref="SendSignal"/> has not been delivered.</summary>
    public bool SignalPending => Volatile.Read(ref _signalPending) != 0;

    /// <summary>
    /// Sends the process a signal (with no handler semantics beyond interrupting): every
    /// interruptible sleep of its tasks (wait_event_interruptible, poll) ends, and the syscall that
    /// was sleeping returns -EINTR, which delivers (clears) the signal.
    /// </summary>
    public void SendSignal()
    {
        Volatile.Write(ref _signalPending, 1);
        TaskWaiter[] sleepers;
        lock (_sleepersLock) sleepers = _sleepers.ToArray();
        foreach (TaskWaiter w in sleepers) w.Wake();
    }

    internal void AddSleeper(TaskWaiter waiter)
    {
        lock (_sleepersLock) _sleepers.Add(waiter);
    }

    internal void RemoveSleeper(TaskWaiter waiter)
    {
        lock (_sleepersLock) _sleepers.Remove(waiter);
    }

    // Syscall exit: ERESTARTSYS (a sleep interrupted by a signal) reaches user space as EINTR
    // (no SA_RESTART in the model) and the signal counts as delivered.
    private nint SyscallReturn(nint value)
    {
        if (value != -(nint)Errno.ERESTARTSYS) return value;
        // the signal that ended the sleep: the process's, or one sent to this thread alone
        if (TaskWaiter.ForCurrentThread().SignalPending) TaskWaiter.ForCurrentThread().ClearSignal();
        else Volatile.Write(ref _signalPending, 0);
        return -(nint)Errno.EINTR;
    }
}
