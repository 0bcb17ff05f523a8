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
    private readonly TaskWaiter _waiter;

    private KernelTask(TaskWaiter waiter) => _waiter = waiter;

    /// <summary>The calling thread's task (<c>current</c>); the same object for every call on this thread.</summary>
    public static KernelTask Current
    {
        get
        {
            TaskWaiter waiter = TaskWaiter.ForCurrentThread();
            return waiter.Task ??= new KernelTask(waiter);
        }
    }

    /// <summary>
    /// The host scheduler this task reports its sleeps to, or null (the default: nobody is told).
    /// Set it on the task's own thread before the task enters syscalls; a host that runs many
    /// requests on a bounded set of threads learns this way that one of them left the CPU (so it
    /// can start serving the next request) and when it came back.
    /// </summary>
    public IKernelTaskScheduler? Scheduler
    {
        get => _waiter.Scheduler;
        set => _waiter.Scheduler = value;
    }

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

/// <summary>
/// A host's view of <c>schedule()</c>: told on the sleeping task's own thread when it blocks in the
/// model (an interruptible sleep in <see cref="WaitQueueHead"/>, poll or select waiting for events,
/// a contended <see cref="KernelMutex"/>) and when it runs again. The model's other waits (removal
/// waiting for calls in flight, free_irq waiting for a handler) are not reported: they end when the
/// calls they wait for end. Implementations must be quick and must not throw.
/// </summary>
public interface IKernelTaskScheduler
{
    /// <summary>The task is about to sleep: it leaves the CPU until <see cref="Woken"/>.</summary>
    void Sleeping(KernelTask task);

    /// <summary>The task's sleep is over (woken, signalled or timed out) and it runs again.</summary>
    void Woken(KernelTask task);
}
