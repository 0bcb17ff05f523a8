namespace KernelOps.Model;

/// <summary>
/// A task of the model (a <c>task_struct</c>, as far as signals go): the thread that runs a
/// syscall of a <see cref="UserProcess"/>, with a signal of its own. <see cref="UserProcess.SendSignal"/>
/// interrupts every task of a process; <see cref="SendSignal"/> interrupts one, as <c>tgkill</c>
/// does, so a host serving many real callers through one model process (the FUSE host) can end
/// exactly the sleep of the caller the real kernel interrupted (FUSE_INTERRUPT) and no other.
/// </summary>
/// <remarks>
/// This is the seam between the kernel model and a host: <see cref="Current"/> names the task a
/// host thread is before it enters a syscall; another thread may later <see cref="SendSignal"/>
/// it. A signalled task's interruptible sleeps (<see cref="WaitQueueHead.WaitEventInterruptible"/>,
/// poll) end with ERESTARTSYS and the syscall returns EINTR, which delivers the signal; a sleep that
/// has not begun yet ends at once. A signal no sleep consumed stays pending until
/// <see cref="ClearSignal"/>, so a host clears it when the request it was meant for is over.
/// Thread-safe.
/// </remarks>
public sealed class KernelTask
{
    [System.ThreadStatic] private static KernelTask? t_current;
    private readonly TaskWaiter _waiter;

    private KernelTask(TaskWaiter waiter) => _waiter = waiter;

    /// <summary>The calling thread's task (<c>current</c>); the same object for every call on this thread.</summary>
    public static KernelTask Current => t_current ??= new KernelTask(TaskWaiter.ForCurrentThread());

    /// <summary>A signal sent with <see cref="SendSignal"/> has not been delivered or cleared.</summary>
    public bool SignalPending => _waiter.SignalPending;

    /// <summary>
    /// mirrors kernel/signal.c:do_send_specific (tgkill): marks a signal pending for this task
    /// alone and wakes it if it sleeps interruptibly. Other tasks of the process keep sleeping.
    /// </summary>
    public void SendSignal() => _waiter.Signal();

    /// <summary>Discards a pending signal of this task (the request it was sent for is over).</summary>
    public void ClearSignal() => _waiter.ClearSignal();
}
