using System;

namespace KernelOps.Model;

/// <summary>
/// The model's <c>current</c>: which address space and kernel log the calling thread is working
/// for. A syscall enters it for its duration, so thunks (which get only C arguments) can do
/// copy_to_user against the right process and printk to the right kernel. Thread-static, not
/// global: many kernels live in one test process, each thread works for one task at a time.
/// </summary>
internal static class CurrentTask
{
    // One reference per thread: entering and leaving a task are one (GC-barriered) store each,
    // where four thread statics took eight per syscall (10% of an lseek through the model), and
    // thunks find the copy slot with one thread-static read (a __tls_get_addr call on Linux).
    [ThreadStatic] private static TaskContext? t_task;

    /// <summary>The calling task's address space, or null outside any task.</summary>
    public static UserMemory? Memory => t_task?.MemorySlot?.Owner;

    /// <summary>The calling thread's copy slot for the task's address space, or null outside any task.</summary>
    public static UserMemory.ReaderSlot? MemorySlot => t_task?.MemorySlot;

    /// <summary>The calling task's kernel log, or null outside any task.</summary>
    public static KernelLog? Log => t_task?.Log;

    /// <summary>The calling task's process (for signals), or null for kernel threads and outside any task.</summary>
    public static UserProcess? Process => t_task?.Process;

    /// <summary>The kernel the calling task runs on, or null outside any task.</summary>
    public static Kernel? Kernel => t_task?.Kernel;

    /// <summary>Makes the calling thread work for a task until the returned scope is disposed.</summary>
    public static Scope Enter(UserMemory? memory, KernelLog? log, UserProcess? process = null, Kernel? kernel = null) =>
        Enter(new TaskContext(memory?.SlotForCurrentThread(), log, process, kernel));

    /// <summary>Makes the calling thread work for <paramref name="task"/> until the returned scope is disposed.</summary>
    public static Scope Enter(TaskContext task)
    {
        var scope = new Scope(t_task);
        t_task = task;
        return scope;
    }

    /// <summary>Restores the previous task on dispose (scopes nest).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly TaskContext? _previous;

        internal Scope(TaskContext? previous) => _previous = previous;

        public void Dispose() => t_task = _previous;
    }

    // The thunk adapters' one printk site: a handler that throws or misbehaves on every call under a
    // fuzz loop must not flood the log, so its lines are printk_ratelimited, per kernel.
    private static readonly RateLimitSite HandlerErrors = new("kernelops_handler");

    // Outside any task there is no kernel log: stderr gets the same limit, process-wide.
    private static readonly RateLimiter OrphanLimiter = new(TimeProvider.System);

    /// <summary>
    /// printk_ratelimited for code that has no kernel reference (the thunk adapters' error lines):
    /// at most <see cref="RateLimitSite.DefaultBurst"/> lines per kernel every 5 seconds, then one
    /// "<c>kernelops_handler: N callbacks suppressed</c>". Stderr outside any task, limited the same way.
    /// </summary>
    public static void Printk(string line)
    {
        if (t_task?.Log is { } log)
        {
            log.PrintkRatelimited(HandlerErrors, line);
            return;
        }
        bool allowed = OrphanLimiter.Check(HandlerErrors, out long missed);
        if (missed != 0) Console.Error.WriteLine($"{HandlerErrors.Function}: {missed} callbacks suppressed");
        if (allowed) Console.Error.WriteLine(line);
    }
}

/// <summary>
/// What <c>current</c> is for one thread: the task's address space (as the thread's copy slot for
/// it), kernel log, process and kernel. Immutable; a process keeps one per thread that has run its
/// syscalls (on that thread's copy slot), so entering a task allocates nothing.
/// </summary>
internal sealed class TaskContext(UserMemory.ReaderSlot? memorySlot, KernelLog? log, UserProcess? process, Kernel? kernel)
{
    public UserMemory.ReaderSlot? MemorySlot { get; } = memorySlot;
    public KernelLog? Log { get; } = log;
    public UserProcess? Process { get; } = process;
    public Kernel? Kernel { get; } = kernel;
}
