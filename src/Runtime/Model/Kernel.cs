using System;
using System.Collections.Generic;
using System.Threading;

namespace KernelOps.Model;

/// <summary>
/// One model kernel: its log, /proc, modules and processes. Instances share nothing, so tests may
/// create many in one process. <see cref="Dispose"/> unloads modules (newest first), exits every
/// process (closing its files) and frees all native memory; <see cref="Statistics"/> then reads zero.
/// </summary>
public sealed class Kernel : IDisposable
{
    private readonly Lock _processLock = new();
    private readonly List<UserProcess> _processes = new();
    private int _nextPid = 1;
    private int _disposed;

    /// <summary>Boots a kernel with an empty /proc and no modules.</summary>
    /// <param name="logCapacity">Lines the kernel log keeps.</param>
    public Kernel(int logCapacity = 4096)
    {
        Log = new KernelLog(logCapacity);
        Proc = new ProcFs(this);
        Modules = new ModuleRegistry(this);
    }

    /// <summary>The kernel ring buffer (dmesg).</summary>
    public KernelLog Log { get; }

    /// <summary>/proc.</summary>
    public ProcFs Proc { get; }

    /// <summary>Loaded modules (insmod/rmmod/lsmod).</summary>
    public ModuleRegistry Modules { get; }

    /// <summary>What is allocated and not yet freed: native files and inodes, GCHandles, fds.</summary>
    public KernelStatistics Statistics => Counters.Snapshot();

    /// <summary>The processes that have not exited.</summary>
    public IReadOnlyList<UserProcess> Processes
    {
        get { lock (_processLock) return _processes.ToArray(); }
    }

    internal KernelCounters Counters { get; } = new();

    /// <summary>Starts a process with its own address space and an empty fd table.</summary>
    public UserProcess CreateProcess(string name = "init")
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_processLock)
        {
            ThrowIfDisposed();
            var process = new UserProcess(this, _nextPid++, name);
            _processes.Add(process);
            return process;
        }
    }

    /// <summary>
    /// Shuts the kernel down: unloads modules in reverse load order, exits every process (closing
    /// its files), removes what is left in /proc and frees its native memory. Idempotent. Syscalls
    /// still running on other threads must have returned first.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Modules.Shutdown();
        UserProcess[] processes;
        lock (_processLock) processes = _processes.ToArray();
        foreach (UserProcess process in processes) process.Dispose();
        Proc.Shutdown();
    }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    internal void ProcessExited(UserProcess process)
    {
        lock (_processLock) _processes.Remove(process);
    }
}
