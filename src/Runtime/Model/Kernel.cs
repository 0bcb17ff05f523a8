using System;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// One model kernel: its log, file systems and mounts, /proc, /sys, /dev, debugfs, devices, modules
/// and processes. Instances share nothing, so tests may create many in one process.
/// <see cref="Dispose"/> unloads modules (newest first), exits every process (closing its files),
/// unmounts everything and frees all native memory; <see cref="Statistics"/> then reads zero.
/// </summary>
public sealed class Kernel : IDisposable
{
    private readonly Lock _processLock = new();
    private readonly List<UserProcess> _processes = new();
    private readonly List<FileSystemRegistration> _builtinFileSystems = new();
    private int _nextPid = 1;
    private int _disposed;

    private readonly Lock _randomLock = new();
    private readonly Random _random;

    /// <summary>
    /// Boots a kernel: the built-in file systems (rootfs, ramfs, devtmpfs, proc, sysfs, debugfs)
    /// registered; "/" a rootfs holding <c>dev</c>, <c>proc</c> and <c>sys</c>; devtmpfs mounted on
    /// /dev, proc on /proc (holding <c>devices</c> and <c>misc</c>), sysfs on /sys (holding
    /// <c>kernel</c>, with debugfs mounted at /sys/kernel/debug); the misc character-device major
    /// (10); no modules.
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
        Vfs = new VirtualFileSystem(this);
        FileSystems = new FileSystemRegistry(this);
        Modules = new ModuleRegistry(this);
        CharDevices = new CharDeviceRegistry(this);
        Proc = new ProcFs(this);
        SysFs = new SysFs(this);
        Dev = new DevFs(this);
        DebugFs = new DebugFs(this);
        DeviceModel = new DeviceModel(this);
        Boot();
    }

    // init/main.c + init/do_mounts.c + what init does first: the file systems, "/", the pseudo file
    // systems mounted where a distribution mounts them.
    private void Boot()
    {
        foreach (OpsTable<FileSystemType> type in new[] { RootfsType.Table, RamfsType.Table, DevtmpfsType.Table, ProcFsType.Table, SysfsType.Table, DebugfsType.Table })
            _builtinFileSystems.Add(FileSystems.Register(type));

        // init_mount_tree: rootfs as the namespace root
        VfsMount root = KernMount("rootfs", "rootfs");
        Vfs.Namespace.SetRoot(root);
        using (UserProcess init = CreateKernelThread("init", new VfsPath(root, root.Root)))
        {
            Require(init.Mkdir("/dev", 0x1ED), "mkdir /dev");
            Require(init.Mkdir("/proc", 0x16D), "mkdir /proc");
            Require(init.Mkdir("/sys", 0x16D), "mkdir /sys");
            // devtmpfs_init + devtmpfs_mount: the kernel's own mount, shown at /dev
            Dev.Boot(KernMount("devtmpfs", "devtmpfs"));
            Require(init.Mount("devtmpfs", "/dev", "devtmpfs", MountOptions.NoSuid), "mount devtmpfs");
            Require(init.Mount("proc", "/proc", "proc", MountOptions.NoSuid | MountOptions.NoDev | MountOptions.NoExec), "mount proc");
            Require(init.Mount("sysfs", "/sys", "sysfs", MountOptions.NoSuid | MountOptions.NoDev | MountOptions.NoExec), "mount sysfs");
            // debugfs_init: sysfs_create_mount_point(kernel_kobj, "debug"), then the kernel's own mount
            SysFs.CreateMountPoint("debug", SysFs.KernelDirectory);
            DebugFs.Boot(KernMount("debugfs", "debugfs"));
            Vfs.AnonInodes.Boot(); // anon_inode_init (fs_initcall)
            Require(init.Mount("debugfs", DebugFs.MountPoint, "debugfs", MountOptions.NoSuid | MountOptions.NoDev | MountOptions.NoExec), "mount debugfs");
        }
        CharDevices.Boot();
        ProcDeviceFiles.Register(this);
    }

    private static void Require(int result, string what)
    {
        if (result < 0) throw new KernelErrorException((Errno)(-result), $"boot: {what}");
    }

    /// <summary>
    /// mirrors fs/namespace.c:kern_mount (vfs_kern_mount): a mount of <paramref name="type"/> for the
    /// kernel's own use, attached nowhere.
    /// </summary>
    internal VfsMount KernMount(string type, string name) =>
        KernMount(FileSystems.GetFsType(type) ?? throw new KernelErrorException(Errno.ENODEV, $"kern_mount({type})"), name);

    /// <summary>kern_mount of a type given directly (registered or not).</summary>
    internal VfsMount KernMount(RegisteredFileSystem fs, string name)
    {
        string type = fs.Name;
        using (CurrentTask.Enter(null, Log, null, this))
        {
            int err = VfsFsContext.Create(this, fs, purpose: 0, sbFlags: 0, reconfigure: null, out VfsFsContext? context);
            if (err != 0) throw new KernelErrorException((Errno)(-err), $"kern_mount({type})");
            using VfsFsContext fc = context!;
            {
                err = fc.GetTree();
                if (err != 0) throw new KernelErrorException((Errno)(-err), $"kern_mount({type})");
                VfsDentry root = fc.Root!;
                root.Get();
                if (!root.Sb.TryGetActive()) throw new KernelErrorException(Errno.EBUSY, $"kern_mount({type})");
                Counters.Update(mounts: 1);
                return new VfsMount(root.Sb, root, MountFlags.None, name, Vfs.Namespace.NextId());
            }
        }
    }

    /// <summary>A process for the kernel's own path work (init at boot, kdevtmpfs), rooted at <paramref name="root"/> and not listed in <see cref="Processes"/>.</summary>
    internal UserProcess CreateKernelThread(string name, VfsPath root) => new(this, 0, name, root) { UmaskValue = 0 };

    /// <summary>The kernel's VFS state: mounts, anonymous devices, inode numbers, the clock.</summary>
    internal VirtualFileSystem Vfs { get; }

    /// <summary>The registered file system types (register_filesystem; /proc/filesystems).</summary>
    public FileSystemRegistry FileSystems { get; }

    /// <summary>fs.protected_hardlinks, _symlinks, _fifos and _regular (all 0, the kernel's defaults, until set).</summary>
    public FsSysctls FsSysctls { get; } = new();

    /// <summary>Character and misc devices (register_chrdev_region, cdev_add, misc_register).</summary>
    public CharDeviceRegistry CharDevices { get; }

    /// <summary>devtmpfs, mounted at /dev: where mknod creates device nodes.</summary>
    public DevFs Dev { get; }

    /// <summary>sysfs, mounted at /sys: directories and attribute files the kernel's subsystems create.</summary>
    public SysFs SysFs { get; }

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

    /// <summary>
    /// Starts a process as root (uid 0, every capability) with its own address space, an empty fd
    /// table, "/" as root and working directory, and umask 022.
    /// </summary>
    public UserProcess CreateProcess(string name = "init")
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_processLock)
        {
            ThrowIfDisposed();
            VfsMount root = Vfs.Namespace.Root ?? throw new ObjectDisposedException(nameof(Kernel));
            var process = new UserProcess(this, _nextPid++, name, new VfsPath(root, root.Root));
            _processes.Add(process);
            return process;
        }
    }

    /// <summary>
    /// drop_caches (echo 3 &gt; /proc/sys/vm/drop_caches): frees every unused cached dentry and inode.
    /// </summary>
    public void DropCaches()
    {
        foreach (VfsMount mount in Vfs.Namespace.All()) mount.Sb.DropCaches();
    }

    /// <summary>
    /// Shuts the kernel down: unloads modules in reverse load order, exits every process (closing
    /// its files), removes what is left in /proc, /sys and debugfs, unmounts everything and frees
    /// its native memory. Idempotent. Syscalls still running on other threads must have returned first.
    /// </summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Modules.Shutdown();
        UserProcess[] processes;
        lock (_processLock) processes = _processes.ToArray();
        foreach (UserProcess process in processes) process.Dispose();
        DeviceModel.Shutdown();
        using (CurrentTask.Enter(null, Log, null, this))
        {
            Proc.Shutdown();
            DebugFs.Shutdown();
            SysFs.Shutdown();
            Dev.Shutdown();
            Vfs.AnonInodes.Shutdown();
            FsNamespace.DetachAll(Vfs.Namespace);
        }
        CharDevices.Shutdown();
        foreach (FileSystemRegistration registration in _builtinFileSystems) registration.Dispose();
    }

    internal bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    internal void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(IsDisposed, this);

    internal void ProcessExited(UserProcess process)
    {
        lock (_processLock) _processes.Remove(process);
    }
}
