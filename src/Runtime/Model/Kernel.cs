using System;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Abi;

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

    private readonly Lock _randomLock = new();
    private readonly Random _random;

    /// <summary>
    /// Boots a kernel with /proc (holding only <c>devices</c> and <c>misc</c>), an empty /dev, the
    /// misc character-device major (10) and no modules.
    /// </summary>
    /// <param name="logCapacity">Lines the kernel log keeps.</param>
    /// <param name="randomSeed">Seeds <see cref="GetRandomBytes"/> so runs repeat; null for an unpredictable seed.</param>
    public Kernel(int logCapacity = 4096, int? randomSeed = null)
    {
        Log = new KernelLog(logCapacity);
        _random = randomSeed is { } seed ? new Random(seed) : new Random();
        Proc = new ProcFs(this);
        Modules = new ModuleRegistry(this);
        CharDevices = new CharDeviceRegistry(this);
        Dev = new DevFs(this);
        DebugFs = new DebugFs(this);
        CharDevices.Boot();
        ProcDeviceFiles.Register(this);
    }

    /// <summary>Character and misc devices (register_chrdev_region, cdev_add, misc_register).</summary>
    public CharDeviceRegistry CharDevices { get; }

    /// <summary>/dev, where mknod creates device nodes.</summary>
    public DevFs Dev { get; }

    /// <summary>debugfs, mounted at <c>/sys/kernel/debug</c>.</summary>
    public DebugFs DebugFs { get; }

    /// <summary>
    /// get_random_bytes (drivers/char/random.c): fills <paramref name="buffer"/> from the kernel's
    /// generator, which is deterministic when the kernel was built with a seed. Handlers call
    /// <see cref="KernelRandom.GetBytes"/>, which reaches the calling task's kernel.
    /// </summary>
    public void GetRandomBytes(Span<byte> buffer)
    {
        lock (_randomLock) _random.NextBytes(buffer);
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
        DebugFs.Shutdown();
        Dev.Shutdown();
        CharDevices.Shutdown();
    }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>
    /// Path walk for open and stat across the model's filesystems: <c>/dev</c> (and its nodes),
    /// debugfs at <c>/sys/kernel/debug</c>, and everything else through /proc's tree. Returns 0 and a node with a reference taken, or -errno.
    /// </summary>
    internal int LookupForOpen(string path, OpenFlags flags, out IVfsNode? node)
    {
        node = null;
        if (path.Length == 0) return -(int)Errno.ENOENT;
        if (path.Length >= Vfs.PathMax) return -(int)Errno.ENAMETOOLONG;
        var parts = new List<string>();
        foreach (string part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
            if (part != ".") parts.Add(part);
        if (parts.Count >= 3 && parts[0] == "sys" && parts[1] == "kernel" && parts[2] == "debug" && !parts.Contains(".."))
        {
            bool mustBeDirectory = path.EndsWith('/') || (flags & OpenFlags.O_DIRECTORY) != 0;
            int found = DebugFs.LookupForOpen(parts.GetRange(3, parts.Count - 3), mustBeDirectory, flags, out DebugFsEntry? entry);
            node = entry;
            return found;
        }
        if (parts.Count == 0 || parts[0] != "dev") 
        {
            int error = Proc.LookupForOpen(path, flags, out ProcEntry? entry);
            node = entry;
            return error;
        }
        if (parts.Count > 2) return -(int)Errno.ENOTDIR; // device nodes are not directories
        foreach (string part in parts)
            if (part.Length > Vfs.NameMax) return -(int)Errno.ENAMETOOLONG;
        bool create = (flags & OpenFlags.O_CREAT) != 0;
        if (create && (flags & OpenFlags.O_DIRECTORY) != 0) return -(int)Errno.EINVAL;
        int result = Dev.Lookup(parts.Count == 1 ? null : parts[1], out DevFs.DevNode? devNode);
        if (result != 0)
        {
            // Creating regular files in /dev is not modelled (Linux's devtmpfs would allow root to).
            return create && parts.Count == 2 ? -(int)Errno.EACCES : result;
        }
        int check = 0;
        if (create && (flags & OpenFlags.O_EXCL) != 0) check = -(int)Errno.EEXIST;
        else if (devNode!.IsDirectory && (create || (Vfs.AccMode(flags) & Vfs.MayWrite) != 0)) check = -(int)Errno.EISDIR;
        else if (!devNode.IsDirectory && (path.EndsWith('/') || (flags & OpenFlags.O_DIRECTORY) != 0)) check = -(int)Errno.ENOTDIR;
        if (check != 0)
        {
            devNode!.PutNode();
            return check;
        }
        node = devNode;
        return 0;
    }

    internal void ProcessExited(UserProcess process)
    {
        lock (_processLock) _processes.Remove(process);
    }
}
