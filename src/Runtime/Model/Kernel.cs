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
    /// Boots a kernel with /proc (holding only <c>devices</c> and <c>misc</c>), an empty /dev, /sys
    /// holding only <c>kernel</c> with an empty debugfs at <c>/sys/kernel/debug</c>, the misc
    /// character-device major (10) and no modules.
    /// </summary>
    /// <param name="logCapacity">Lines the kernel log keeps.</param>
    /// <param name="randomSeed">Seeds <see cref="GetRandomBytes"/> so runs repeat; null for an unpredictable seed.</param>
    /// <param name="clock">
    /// The kernel's time (its jiffies), which the log's rate limits count in; the system clock when
    /// null. A test passes its own to step time instead of sleeping.
    /// </param>
    public Kernel(int logCapacity = 4096, int? randomSeed = null, TimeProvider? clock = null)
    {
        Log = new KernelLog(logCapacity, clock);
        Sanitizer = new KernelSanitizer(Log);
        FaultInjection = new FaultInjection(Log);
        _random = randomSeed is { } seed ? new Random(seed) : new Random();
        Proc = new ProcFs(this);
        Modules = new ModuleRegistry(this);
        CharDevices = new CharDeviceRegistry(this);
        Dev = new DevFs(this);
        DebugFs = new DebugFs(this);
        DeviceModel = new DeviceModel(this);
        Root = new FixedDirectory(Counters, 0x1ED /* 0755 */, ulong.MaxValue - 1, FixedDirectory.RootDevice,
            ("dev", Dev.Root), ("proc", Proc.Root), ("sys", FixedDirectory.BootSysFs(Counters, DebugFs.Root)));
        CharDevices.Boot();
        ProcDeviceFiles.Register(this);
    }

    /// <summary>Character and misc devices (register_chrdev_region, cdev_add, misc_register).</summary>
    public CharDeviceRegistry CharDevices { get; }

    /// <summary>/dev, where mknod creates device nodes.</summary>
    public DevFs Dev { get; }

    /// <summary>debugfs, mounted at <c>/sys/kernel/debug</c>.</summary>
    public DebugFs DebugFs { get; }

    /// <summary>"/": /dev, /proc and /sys (sysfs, with debugfs at /sys/kernel/debug) are mounted on it.</summary>
    internal FixedDirectory Root { get; }

    /// <summary>
    /// get_random_bytes (drivers/char/random.c): fills <paramref name="buffer"/> from the kernel's
    /// generator, which is deterministic when the kernel was built with a seed. Handlers call
    /// <see cref="KernelRandom.GetBytes"/>, which reaches the calling task's kernel.
    /// </summary>
    public void GetRandomBytes(Span<byte> buffer)
    {
        lock (_randomLock) _random.NextBytes(buffer);
    }

    /// <summary>The device model: buses, devices, drivers, MMIO and interrupts (drivers/base/, kernel/irq/).</summary>
    public DeviceModel DeviceModel { get; }

    /// <summary>The lifetime sanitizer (the model's KASAN for device resources): its reports, also in <see cref="Log"/>.</summary>
    public KernelSanitizer Sanitizer { get; }

    /// <summary>Fault injection (/proc/self/fail-nth) for the device model's acquisitions.</summary>
    public FaultInjection FaultInjection { get; }

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
        DeviceModel.Shutdown();
        Proc.Shutdown();
        DebugFs.Shutdown();
        Dev.Shutdown();
        Root.Shutdown();
        CharDevices.Shutdown();
    }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    /// <summary>
    /// Path walk for open and stat (fs/namei.c:path_openat: link_path_walk, open_last_lookups,
    /// do_open, may_open) across the model's filesystems: "/" holds /dev, /proc and sysfs' /sys,
    /// and /sys/kernel holds debugfs at <c>/sys/kernel/debug</c>. Every directory answers lookups
    /// of its own children (<see cref="IVfsNode.Lookup"/>); "." and ".." are resolved here. Returns 0
    /// and a node with a reference taken, or -errno.
    /// </summary>
    internal int LookupForOpen(string path, OpenFlags flags, out IVfsNode? node) => LookupForOpen(path, flags, out node, out _);

    /// <inheritdoc cref="LookupForOpen(string, OpenFlags, out IVfsNode?)"/>
    /// <param name="parentInode">The inode number of the directory the node was found in (getdents' ".."); the root's own for "/".</param>
    internal unsafe int LookupForOpen(string path, OpenFlags flags, out IVfsNode? node, out ulong parentInode)
    {
        node = null;
        parentInode = 0;
        if (IsDisposed) return -(int)Errno.ENOENT;
        if (path.Length == 0) return -(int)Errno.ENOENT;
        if (path.Length >= Vfs.PathMax) return -(int)Errno.ENAMETOOLONG;
        bool create = (flags & OpenFlags.O_CREAT) != 0;
        // fs/open.c:build_open_flags: O_CREAT | O_DIRECTORY is invalid since Linux 6.4.
        if (create && (flags & OpenFlags.O_DIRECTORY) != 0) return -(int)Errno.EINVAL;
        bool mustBeDirectory = path.EndsWith('/') || (flags & OpenFlags.O_DIRECTORY) != 0;
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        foreach (string part in parts)
            if (part.Length > Vfs.NameMax) return -(int)Errno.ENAMETOOLONG;

        // The directories walked so far, each with a reference (dget): with no symlinks and no
        // bind mounts, ".." is the directory the walk came from, across mounts too (follow_dotdot).
        // Relative paths resolve from the cwd, which is "/" for every model process.
        var walked = new List<IVfsNode>(parts.Length + 1);
        Root.GetNode();
        walked.Add(Root);
        try
        {
            for (int i = 0; i < parts.Length; i++)
            {
                string part = parts[i];
                IVfsNode current = walked[^1];
                if (!current.IsDirectory) return -(int)Errno.ENOTDIR;
                if (part == ".") continue;
                if (part == "..")
                {
                    if (walked.Count > 1)
                    {
                        current.PutNode();
                        walked.RemoveAt(walked.Count - 1);
                    }
                    continue;
                }
                IVfsNode? next = current.Lookup(part);
                if (next is null)
                {
                    // mirrors fs/namei.c:lookup_open: O_CREAT on a missing name needs dir->i_op->create,
                    // which no directory of the model has (proc, debugfs, kernfs; /dev's regular files are not modelled).
                    return i == parts.Length - 1 && create ? -(int)Errno.EACCES : -(int)Errno.ENOENT;
                }
                walked.Add(next);
            }

            IVfsNode found = walked[^1];
            // mirrors fs/namei.c:do_open (O_EXCL without FMODE_CREATED, O_CREAT on a directory,
            // LOOKUP_DIRECTORY on a non-directory), then may_open (a directory opened for writing)
            int error = 0;
            if (create && (flags & OpenFlags.O_EXCL) != 0) error = -(int)Errno.EEXIST;
            else if (create && found.IsDirectory) error = -(int)Errno.EISDIR;
            else if (mustBeDirectory && !found.IsDirectory) error = -(int)Errno.ENOTDIR;
            else if (found.IsDirectory && (Vfs.AccMode(flags) & Vfs.MayWrite) != 0) error = -(int)Errno.EISDIR;
            if (error != 0) return error;
            // SAFETY: the walk holds a reference to every node in walked, so their inodes are live.
            parentInode = walked.Count > 1 ? walked[^2].Inode->i_ino : found.Inode->i_ino;
            walked.RemoveAt(walked.Count - 1); // the caller's reference now
            node = found;
            return 0;
        }
        finally
        {
            foreach (IVfsNode held in walked) held.PutNode();
        }
    }

    internal void ProcessExited(UserProcess process)
    {
        lock (_processLock) _processes.Remove(process);
    }
}
