using System;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A loadable module: <see cref="Init"/> is module_init, <see cref="Exit"/> is module_exit. Init
/// registers through its <see cref="ModuleContext"/>, so whatever Exit forgets to remove is
/// removed (and logged) at unload.
/// </summary>
public interface IKernelModule
{
    /// <summary>The module name (<c>KBUILD_MODNAME</c>), unique among loaded modules.</summary>
    string Name { get; }

    /// <summary>module_init: register what the module provides; an error aborts the load.</summary>
    KResult Init(ModuleContext context);

    /// <summary>module_exit: unregister what Init registered.</summary>
    void Exit();
}

/// <summary>A module's lifecycle state (enum module_state, include/linux/module.h).</summary>
public enum ModuleState
{
    /// <summary>MODULE_STATE_COMING: Init is running.</summary>
    Coming,
    /// <summary>MODULE_STATE_LIVE: loaded.</summary>
    Live,
    /// <summary>MODULE_STATE_GOING: Exit (or a failed Init's cleanup) is running.</summary>
    Going,
    /// <summary>Unloaded: nothing of it is registered any more.</summary>
    Gone,
}

/// <summary>What a module's Init gets: the kernel, its log, and registration facades owned by the module.</summary>
public sealed class ModuleContext
{
    internal ModuleContext(Kernel kernel, LoadedModule module)
    {
        Kernel = kernel;
        Module = module;
        Proc = new ModuleProcFs(kernel.Proc, module);
        Devices = new ModuleCharDevices(kernel.CharDevices, module);
        DebugFs = new ModuleDebugFs(kernel.DebugFs, module);
        Drivers = new ModuleDrivers(module);
        FileSystems = new ModuleFileSystems(kernel.FileSystems, module);
    }

    /// <summary>Driver registration owned by this module: its unload unbinds its drivers from every device first.</summary>
    public ModuleDrivers Drivers { get; }

    /// <summary>
    /// File system types registered by this module (register_filesystem with THIS_MODULE as owner):
    /// every superblock of one pins the module, so rmmod answers EAGAIN while it is mounted; a type
    /// Exit leaves registered is unregistered, with a log line, at unload.
    /// </summary>
    public ModuleFileSystems FileSystems { get; }

    /// <summary>Character and misc device registration owned by this module: opens pin it; what Exit leaves behind is removed at unload.</summary>
    public ModuleCharDevices Devices { get; }

    /// <summary>The kernel the module is loaded into.</summary>
    public Kernel Kernel { get; }

    /// <summary>The kernel log (printk).</summary>
    public KernelLog Log => Kernel.Log;

    /// <summary>/proc registration owned by this module: what Exit leaves behind is removed at unload.</summary>
    public ModuleProcFs Proc { get; }

    /// <summary>The module being loaded (THIS_MODULE).</summary>
    public LoadedModule Module { get; }

    /// <summary>debugfs as the module sees it: directories it creates, and everything below them, are its own.</summary>
    public ModuleDebugFs DebugFs { get; }
}

/// <summary>
/// debugfs as a module sees it (THIS_MODULE in every fops below its directories): a file opened
/// under a directory created here pins the module until its last close, as full_proxy_open's
/// fops_get does, and a directory the module leaves behind is removed, with a log line, at unload.
/// Files are created under these directories with the ordinary <see cref="Model.DebugFs"/> API
/// (or the scope's), and inherit the owner from their directory.
/// </summary>
public sealed class ModuleDebugFs
{
    private readonly DebugFs _debugFs;
    private readonly LoadedModule _module;

    internal ModuleDebugFs(DebugFs debugFs, LoadedModule module)
    {
        _debugFs = debugFs;
        _module = module;
    }

    /// <summary>debugfs_create_dir on behalf of the module (see <see cref="Model.DebugFs.CreateDirectory(string, DebugFsEntry)"/>).</summary>
    public DebugFsEntry CreateDirectory(string name, DebugFsEntry? parent = null) =>
        _module.Track(() => _debugFs.CreateDirectory(name, parent, _module), Describe, e => e.IsRemoved);

    /// <summary>A scope (see <see cref="Model.DebugFs.CreateScope(string, DebugFsEntry)"/>) whose directory is the module's.</summary>
    public DebugFsScope CreateScope(string name, DebugFsEntry? parent = null)
    {
        DebugFsEntry directory = CreateDirectory(name, parent);
        return new DebugFsScope(_debugFs, directory);
    }

    private static string Describe(DebugFsEntry entry) => $"debugfs directory {entry.Path}";
}

/// <summary>The /proc API as a module sees it: every entry it creates is recorded as the module's.</summary>
public sealed class ModuleProcFs
{
    private readonly ProcFs _proc;
    private readonly LoadedModule _module;

    internal ModuleProcFs(ProcFs proc, LoadedModule module)
    {
        _proc = proc;
        _module = module;
    }

    /// <summary>The /proc directory.</summary>
    public ProcEntry Root => _proc.Root;

    /// <summary>proc_create_data on behalf of the module (see <see cref="ProcFs.Create"/>).</summary>
    [PublishesTable]
    public ProcEntry Create(string name, uint mode, ProcEntry? parent, OpsTable<ProcOps> ops, [PublishesTable] object? data = null) =>
        _module.Register(() => _proc.CreateCore(name, mode, parent, ops, data, _module));

    /// <summary>proc_mkdir on behalf of the module (see <see cref="ProcFs.Mkdir"/>).</summary>
    public ProcEntry Mkdir(string name, ProcEntry? parent = null) =>
        _module.Register(() => _proc.MkdirCore(name, parent, _module));

    /// <summary>remove_proc_subtree (see <see cref="ProcFs.Remove"/>).</summary>
    public KResult Remove(string path) => _proc.Remove(path);
}

/// <summary>register_filesystem / unregister_filesystem as a module sees it (THIS_MODULE as the type's owner).</summary>
public sealed class ModuleFileSystems
{
    private readonly FileSystemRegistry _registry;
    private readonly LoadedModule _module;

    internal ModuleFileSystems(FileSystemRegistry registry, LoadedModule module)
    {
        _registry = registry;
        _module = module;
    }

    /// <summary>register_filesystem (see <see cref="FileSystemRegistry.Register(OpsTable{KernelOps.Abi.FileSystemType})"/>).</summary>
    public FileSystemRegistration Register(OpsTable<KernelOps.Abi.FileSystemType> type) =>
        _module.Track(() => _registry.Register(type, _module), r => r.ToString(), r => r.IsUnregistered);
}

/// <summary>
/// The character-device API as a module sees it (THIS_MODULE as owner): every open of a device it
/// registers pins the module until the file's last close, and whatever it leaves registered is
/// removed, with a log line, at unload.
/// </summary>
public sealed class ModuleCharDevices
{
    private readonly CharDeviceRegistry _registry;
    private readonly LoadedModule _module;

    internal ModuleCharDevices(CharDeviceRegistry registry, LoadedModule module)
    {
        _registry = registry;
        _module = module;
    }

    /// <summary>register_chrdev_region / alloc_chrdev_region (major 0) on behalf of the module (see <see cref="CharDeviceRegistry.RegisterRegion"/>).</summary>
    public ChrdevRegion RegisterRegion(uint major, uint baseMinor, uint count, string name) =>
        _module.Track(() => _registry.RegisterRegion(major, baseMinor, count, name), r => $"chrdev region {r.Major}:{r.BaseMinor} \"{r.Name}\"", r => r.IsReleased);

    /// <summary>alloc_chrdev_region on behalf of the module.</summary>
    public ChrdevRegion AllocRegion(uint baseMinor, uint count, string name) => RegisterRegion(0, baseMinor, count, name);

    /// <summary>cdev_init + cdev_add with THIS_MODULE as owner (see <see cref="CharDeviceRegistry.AddCdev(OpsTable{KernelOps.Abi.FileOperations}, uint, uint, object?)"/>).</summary>
    [PublishesTable]
    public CharDevice AddCdev(OpsTable<KernelOps.Abi.FileOperations> fops, uint dev, uint count, [PublishesTable, ReachableFromFiles] object? data = null) =>
        _module.Track(() => _registry.AddCdev(fops, dev, count, data, _module), c => c.ToString(), c => c.IsRemoved);

    /// <summary>misc_register with THIS_MODULE as owner, which makes <c>/dev/NAME</c> (see <see cref="CharDeviceRegistry.RegisterMisc(string, OpsTable{KernelOps.Abi.FileOperations}, uint, object?, uint)"/>).</summary>
    [PublishesTable]
    public MiscDevice RegisterMisc(string name, OpsTable<KernelOps.Abi.FileOperations> fops, uint minor = CharDeviceRegistry.MiscDynamicMinor, [PublishesTable, ReachableFromFiles] object? data = null, uint mode = 0) =>
        _module.Track(() => _registry.RegisterMisc(name, fops, minor, data, _module, mode), m => m.ToString(), m => m.IsRemoved);

    /// <summary>device_create on behalf of the module: <c>/dev/NAME</c> for <paramref name="dev"/> (see <see cref="CharDeviceRegistry.CreateDevice"/>); removed at unload if the module leaves it.</summary>
    public DeviceNode CreateDevice(string name, uint dev, uint mode = 0) =>
        _module.Track(() => _registry.CreateDevice(name, dev, mode), d => d.ToString(), d => d.IsDestroyed);
}

/// <summary>
/// A module known to the <see cref="ModuleRegistry"/> (<c>struct module</c>): its state, its
/// refcount (try_module_get/module_put, which a file_operations table's <c>.owner</c> pins from
/// open to the last close), and what it registered.
/// </summary>
public sealed class LoadedModule
{
    private const int RefBase = 1; // MODULE_REF_BASE
    private int _refs = RefBase;
    private readonly Lock _ownedLock = new();
    private readonly List<ProcEntry> _owned = new();
    private readonly List<(IDisposable Resource, Func<string> Describe, Func<bool> IsGone)> _ownedResources = new();
    private int _pruneAt = 16;
    private bool _cleaned;
    private int _state;

    internal LoadedModule(IKernelModule module, string name)
    {
        Module = module;
        Name = name;
    }

    /// <summary>The module's name.</summary>
    public string Name { get; }

    /// <summary>The module object.</summary>
    public IKernelModule Module { get; }

    /// <summary>Where the module is in its lifecycle.</summary>
    public ModuleState State
    {
        get => (ModuleState)Volatile.Read(ref _state);
        internal set => Volatile.Write(ref _state, (int)value);
    }

    /// <summary>module_refcount: references taken with try_module_get and not yet put.</summary>
    public int ReferenceCount => Math.Max(0, Volatile.Read(ref _refs) - RefBase);

    /// <summary>
    /// mirrors kernel/module/main.c:try_module_get: pins the module unless it is going away. The
    /// VFS calls it at open for a table whose owner is this module (fops_get).
    /// </summary>
    internal bool TryGet()
    {
        if (State != ModuleState.Live) return false;
        return Atomics.IncrementNotZero(ref _refs);
    }

    /// <summary>mirrors kernel/module/main.c:module_put.</summary>
    internal void Put()
    {
        if (Interlocked.Decrement(ref _refs) < 0) throw new InvalidOperationException($"module {Name}: refcount underflow");
    }

    /// <summary>
    /// mirrors kernel/module/main.c:try_release_module_ref: drop the base reference; if others
    /// remain, put it back (unless they went in between) and fail.
    /// </summary>
    internal bool TryReleaseBase()
    {
        if (Interlocked.Add(ref _refs, -RefBase) == 0) return true;
        return !Atomics.AddUnlessZero(ref _refs, RefBase);
    }

    internal ProcEntry Register(Func<ProcEntry> register)
    {
        lock (_ownedLock)
        {
            if (_cleaned || State is ModuleState.Gone)
                throw new InvalidOperationException($"module {Name} is unloaded; it cannot register anything");
            ProcEntry entry = register();
            _owned.Add(entry);
            if (_owned.Count >= _pruneAt)
            {
                _owned.RemoveAll(e => e.IsRemoved);
                _pruneAt = Math.Max(16, _owned.Count * 2);
            }
            return entry;
        }
    }

    internal T Track<T>(Func<T> register, Func<T, string> describe, Func<T, bool> isGone) where T : class, IDisposable
    {
        lock (_ownedLock)
        {
            if (_cleaned || State is ModuleState.Gone)
                throw new InvalidOperationException($"module {Name} is unloaded; it cannot register anything");
            T resource = register();
            _ownedResources.RemoveAll(r => r.IsGone());
            _ownedResources.Add((resource, () => describe(resource), () => isGone(resource)));
            return resource;
        }
    }

    /// <summary>Removes whatever the module registered and did not remove, newest first, logging each.</summary>
    internal void RemoveLeftovers(KernelLog log, string when)
    {
        ProcEntry[] owned;
        (IDisposable Resource, Func<string> Describe, Func<bool> IsGone)[] resources;
        lock (_ownedLock)
        {
            _cleaned = true;
            owned = _owned.ToArray();
            _owned.Clear();
            resources = _ownedResources.ToArray();
            _ownedResources.Clear();
        }
        for (int i = resources.Length - 1; i >= 0; i--)
        {
            if (resources[i].IsGone()) continue;
            log.Printk($"kernelops: module '{Name}' left {resources[i].Describe()} registered {when}; removing it");
            resources[i].Resource.Dispose();
        }
        for (int i = owned.Length - 1; i >= 0; i--)
        {
            ProcEntry entry = owned[i];
            if (entry.IsRemoved) continue;
            log.Printk($"kernelops: module '{Name}' left {entry.Path} registered {when}; removing it");
            entry.ProcFs.RemoveSubtree(entry, force: false);
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({State})";
}

/// <summary>
/// insmod/rmmod/lsmod for one kernel. Load and unload are serialised (module_mutex); syscalls run
/// concurrently with both, and proc entries removed at unload drain their calls in flight.
/// </summary>
public sealed class ModuleRegistry
{
    // printk_ratelimited's static state for the refused-rmmod line
    private static readonly RateLimitSite RefusedUnload = new("delete_module");

    private readonly Kernel _kernel;
    private readonly Lock _moduleMutex = new();
    private readonly List<LoadedModule> _modules = new(); // load order

    internal ModuleRegistry(Kernel kernel) => _kernel = kernel;

    /// <summary>Loaded module names in lsmod order (<c>/proc/modules</c>: most recently loaded first).</summary>
    public IReadOnlyList<string> Loaded
    {
        get
        {
            lock (_moduleMutex)
            {
                var names = new string[_modules.Count];
                for (int i = 0; i < names.Length; i++) names[i] = _modules[_modules.Count - 1 - i].Name;
                return names;
            }
        }
    }

    /// <summary>True when a module of that name is loaded.</summary>
    public bool IsLoaded(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_moduleMutex) return Find(name) is not null;
    }

    /// <summary>
    /// insmod: runs the module's Init (kernel/module/main.c:do_init_module). On failure whatever
    /// Init registered is removed and nothing of the module remains.
    /// </summary>
    /// <exception cref="KernelErrorException">EEXIST when a module of that name is loaded; Init's errno when it fails.</exception>
    public LoadedModule Load(IKernelModule module)
    {
        ArgumentNullException.ThrowIfNull(module);
        string name = module.Name ?? throw new ArgumentException("A module needs a name.", nameof(module));
        if (name.Length == 0) throw new ArgumentException("A module needs a name.", nameof(module));
        lock (_moduleMutex)
        {
            _kernel.ThrowIfDisposed();
            if (Find(name) is not null) throw new KernelErrorException(Errno.EEXIST, $"init_module(\"{name}\")");
            var loaded = new LoadedModule(module, name) { State = ModuleState.Coming };
            var context = new ModuleContext(_kernel, loaded);
            KResult result;
            using (CurrentTask.Enter(null, _kernel.Log, null, _kernel))
            {
                try
                {
                    result = module.Init(context);
                }
                catch
                {
                    Abort(loaded, "after its init threw");
                    throw;
                }
            }
            if (!result.IsOk)
            {
                Abort(loaded, "after its init failed");
                throw new KernelErrorException(result.Error, $"init_module(\"{name}\")");
            }
            loaded.State = ModuleState.Live;
            _modules.Add(loaded);
            return loaded;
        }
    }

    /// <summary>
    /// rmmod (kernel/module/main.c:delete_module): runs Exit, then removes whatever the module
    /// registered and did not remove, with a kernel-log line for each.
    /// </summary>
    /// <returns>Ok; ENOENT when not loaded; EAGAIN (EWOULDBLOCK) while something holds a reference (an open file of a table it owns).</returns>
    public KResult Unload(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_moduleMutex)
        {
            LoadedModule? loaded = Find(name);
            if (loaded is null) return Errno.ENOENT;
            if (loaded.State != ModuleState.Live) return Errno.EBUSY;
            if (!loaded.TryReleaseBase())
            {
                // Linux's delete_module says nothing here (rmmod prints "Module is in use"); the
                // model says why, rate-limited: a reload loop must not flood the log.
                if (_kernel.Log.RateLimit(RefusedUnload))
                    _kernel.Log.Printk($"kernelops: module '{name}' is in use (refcount {loaded.ReferenceCount})");
                return Errno.EAGAIN;
            }
            loaded.State = ModuleState.Going;
            try
            {
                using (CurrentTask.Enter(null, _kernel.Log, null, _kernel)) loaded.Module.Exit();
            }
            finally
            {
                loaded.RemoveLeftovers(_kernel.Log, "at unload");
                loaded.State = ModuleState.Gone;
                _modules.Remove(loaded);
            }
            return KResult.Ok;
        }
    }

    /// <summary>Kernel shutdown: unloads every module, newest first, whatever its refcount.</summary>
    internal void Shutdown()
    {
        lock (_moduleMutex)
        {
            for (int i = _modules.Count - 1; i >= 0; i--)
            {
                LoadedModule loaded = _modules[i];
                loaded.State = ModuleState.Going;
                try
                {
                    using (CurrentTask.Enter(null, _kernel.Log, null, _kernel)) loaded.Module.Exit();
                }
                catch (Exception e)
                {
                    _kernel.Log.Printk($"kernelops: module '{loaded.Name}' exit threw {e.GetType().FullName}: {e.Message}");
                }
                finally
                {
                    loaded.RemoveLeftovers(_kernel.Log, "at shutdown");
                    loaded.State = ModuleState.Gone;
                }
            }
            _modules.Clear();
        }
    }

    private void Abort(LoadedModule loaded, string when)
    {
        loaded.State = ModuleState.Going;
        loaded.RemoveLeftovers(_kernel.Log, when);
        loaded.State = ModuleState.Gone;
    }

    private LoadedModule? Find(string name)
    {
        foreach (LoadedModule m in _modules)
            if (m.Name == name) return m;
        return null;
    }
}
