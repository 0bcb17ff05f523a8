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
    // The address space as this thread's copy slot for it: thunks build user slices from it with
    // one thread-static read (each costs a __tls_get_addr call on Linux).
    [ThreadStatic] private static UserMemory.ReaderSlot? t_memory;
    [ThreadStatic] private static KernelLog? t_log;
    [ThreadStatic] private static UserProcess? t_process;
    [ThreadStatic] private static Kernel? t_kernel;

    /// <summary>The calling task's address space, or null outside any task.</summary>
    public static UserMemory? Memory => t_memory?.Owner;

    /// <summary>The calling thread's copy slot for the task's address space, or null outside any task.</summary>
    public static UserMemory.ReaderSlot? MemorySlot => t_memory;

    /// <summary>The calling task's kernel log, or null outside any task.</summary>
    public static KernelLog? Log => t_log;

    /// <summary>The calling task's process (for signals), or null for kernel threads and outside any task.</summary>
    public static UserProcess? Process => t_process;

    /// <summary>The kernel the calling task runs on, or null outside any task.</summary>
    public static Kernel? Kernel => t_kernel;

    /// <summary>Makes the calling thread work for a task until the returned scope is disposed.</summary>
    public static Scope Enter(UserMemory? memory, KernelLog? log, UserProcess? process = null, Kernel? kernel = null)
    {
        var scope = new Scope(t_memory, t_log, t_process, t_kernel);
        t_memory = memory?.SlotForCurrentThread();
        t_log = log;
        t_process = process;
        t_kernel = kernel;
        return scope;
    }

    /// <summary>Restores the previous task on dispose (scopes nest).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly UserMemory.ReaderSlot? _memory;
        private readonly KernelLog? _log;
        private readonly UserProcess? _process;
        private readonly Kernel? _kernel;

        internal Scope(UserMemory.ReaderSlot? memory, KernelLog? log, UserProcess? process, Kernel? kernel)
        {
            _memory = memory;
            _log = log;
            _process = process;
            _kernel = kernel;
        }

        public void Dispose()
        {
            t_memory = _memory;
            t_log = _log;
            t_process = _process;
            t_kernel = _kernel;
        }
    }

    /// <summary>printk for code that has no kernel reference (thunks); stderr outside any task.</summary>
    public static void Printk(string line)
    {
        if (t_log is { } log) log.Printk(line);
        else Console.Error.WriteLine(line);
    }
}
