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
    [ThreadStatic] private static UserMemory? t_memory;
    [ThreadStatic] private static KernelLog? t_log;

    /// <summary>The calling task's address space, or null outside any task.</summary>
    public static UserMemory? Memory => t_memory;

    /// <summary>The calling task's kernel log, or null outside any task.</summary>
    public static KernelLog? Log => t_log;

    /// <summary>Makes the calling thread work for a task until the returned scope is disposed.</summary>
    public static Scope Enter(UserMemory? memory, KernelLog? log)
    {
        var scope = new Scope(t_memory, t_log);
        t_memory = memory;
        t_log = log;
        return scope;
    }

    /// <summary>Restores the previous task on dispose (scopes nest).</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly UserMemory? _memory;
        private readonly KernelLog? _log;

        internal Scope(UserMemory? memory, KernelLog? log)
        {
            _memory = memory;
            _log = log;
        }

        public void Dispose()
        {
            t_memory = _memory;
            t_log = _log;
        }
    }

    /// <summary>printk for code that has no kernel reference (thunks); stderr outside any task.</summary>
    public static void Printk(string line)
    {
        if (t_log is { } log) log.Printk(line);
        else Console.Error.WriteLine(line);
    }
}
