using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A device on a bus (<c>struct device</c> with its <c>struct platform_device</c>): a name, its
/// resources (MMIO ranges, interrupts), the driver bound to it and the resources that driver
/// acquired (devres). Created by its bus (<see cref="PlatformBus.Register"/>,
/// <see cref="HotplugBus.Plug"/>); it comes and goes while modules stay. Reference-counted like its
/// kobject: the registration holds one reference; the native <c>struct platform_device</c> the
/// driver's thunks receive is freed with the last.
/// </summary>
public sealed class Device
{
    private readonly IoResource[] _resources;
    private readonly Lock _deviceLock = new();
    private int _lockOwner; // managed thread id holding device_lock, 0 when free
    private DeviceDriver? _driver;
    private string? _driverOverride;
    private int _refs = 1;
    private unsafe NativePlatformDevice* _native;
    private GCHandle _self;

    internal unsafe Device(Bus bus, string matchName, int id, string name, IoResource[] resources)
    {
        Bus = bus;
        Model = bus.Model;
        MatchName = matchName;
        Id = id;
        Name = name;
        _resources = resources;
        Devres = new DevresList(this);
        _self = GCHandle.Alloc(this);
        Model.Counters.Update(handles: 1);
        // SAFETY: a fresh zeroed allocation of the struct's size, owned by this device until its last
        // Put; nothing else can see it before the constructor returns.
        _native = (NativePlatformDevice*)NativeMemory.AllocZeroed((nuint)sizeof(NativePlatformDevice));
        _native->dev_model = GCHandle.ToIntPtr(_self);
        _native->id = id;
        Model.Counters.Update(devices: 1);
    }

    /// <summary>dev_name: the platform device name with its instance (<c>pl061.0</c>), unique on the bus.</summary>
    public string Name { get; }

    /// <summary><c>pdev-&gt;name</c>: what drivers match on (<c>pl061</c>).</summary>
    public string MatchName { get; }

    /// <summary><c>pdev-&gt;id</c>: -1 for a single instance.</summary>
    public int Id { get; }

    /// <summary>The bus the device is on.</summary>
    public Bus Bus { get; }

    /// <summary>The kernel the device is in.</summary>
    public Kernel Kernel => Model.Kernel;

    /// <summary>The device's resources, in the order the board gave them.</summary>
    public IReadOnlyList<IoResource> Resources => _resources;

    /// <summary>The bound driver (<c>dev-&gt;driver</c>), or null.</summary>
    public DeviceDriver? Driver => Volatile.Read(ref _driver);

    /// <summary>True while a driver is bound (including during its probe and remove).</summary>
    public bool IsBound => Driver is not null;

    /// <summary>True from registration until the device is deleted (unregistered or unplugged).</summary>
    public bool IsRegistered => !Volatile.Read(ref Dead);

    /// <summary>
    /// <c>driver_override</c> (platform.c): when set, only the driver of that name may bind the device,
    /// whatever the id tables say; null (shown as <c>(null)</c>) when not set. Takes effect at the
    /// next probe; a bound driver stays bound.
    /// </summary>
    public string? DriverOverride
    {
        get => Volatile.Read(ref _driverOverride);
        set
        {
            if (value is { Length: 0 }) value = null;
            if (value is not null && (value.Length >= 4095 || value.Contains('\n') || value.Contains('\0')))
                throw new ArgumentException("driver_override is one line shorter than a page.", nameof(value));
            Volatile.Write(ref _driverOverride, value);
        }
    }

    /// <summary>The device's <c>modalias</c> (<c>platform:pl061</c>): the bus and the name drivers match.</summary>
    public string Modalias => Bus.ModaliasPrefix + MatchName;

    /// <summary>The device's sysfs directory (<c>/sys/devices/platform/pl061.0</c>).</summary>
    public string SysfsPath => $"/sys{DeviceSysfs.DevPath(this)}";

    /// <summary>The managed resources the bound driver holds, oldest first (devres), as the kernel names them.</summary>
    public IReadOnlyList<string> ManagedResources => Devres.Names;

    /// <summary>
    /// device_release_driver: unbinds the driver (its remove runs, then its devres is released).
    /// ENODEV when no driver is bound.
    /// </summary>
    public KResult Unbind()
    {
        DeviceDriver? driver = Driver;
        if (driver is null) return Errno.ENODEV;
        return Bus.ReleaseDriver(this, driver) ? KResult.Ok : Errno.ENODEV;
    }

    /// <summary>dev_info: <c>"{driver or bus} {device}: message"</c> to the kernel log.</summary>
    public void Log(string message) => Model.Kernel.Log.Printk($"{Driver?.Name ?? Bus.Name} {Name}: {message}");

    /// <inheritdoc/>
    public override string ToString() => $"{Bus.Name}:{Name}";

    internal DeviceModel Model { get; }

    internal DevresList Devres { get; }

    // sysfs: the device's directory and the links bus_add_device and driver_sysfs_add make
    internal volatile KernfsNode? SysfsDirectory;
    internal KernfsNode? BusLink, DriverLink, DriverDirectoryLink;

    /// <summary>dev-&gt;p-&gt;dead: deletion has begun; no driver may bind any more.</summary>
    internal bool Dead;

    /// <summary>The native struct the driver's thunks receive; live while the caller holds a reference.</summary>
    internal unsafe NativePlatformDevice* Native => _native;

    internal void SetDriver(DeviceDriver? driver) => Volatile.Write(ref _driver, driver);

    /// <summary>The device behind a native <c>struct platform_device</c> (reads <c>dev_model</c>), or null.</summary>
    internal static unsafe Device? FromNative(NativePlatformDevice* native)
    {
        if (!RawPointer.Is<NativePlatformDevice>(native)) return null;
        // SAFETY: dev_model is set at creation and cleared before the handle is freed at the last Put;
        // HandleTarget refuses a word that cannot be a handle (a struct built by C code).
        return RawPointer.HandleTarget(Volatile.Read(ref native->dev_model)) as Device;
    }

    /// <summary>get_device.</summary>
    internal void Get() => Interlocked.Increment(ref _refs);

    /// <summary>put_device: the last reference frees the native struct (device_release).</summary>
    internal unsafe void Put()
    {
        int left = Interlocked.Decrement(ref _refs);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException($"device {Name}: reference count underflow");
        // SAFETY: no reference is left, so no thunk call can be using the struct.
        _native->dev_model = 0;
        NativeMemory.Free(_native);
        _native = null;
        Model.Counters.Update(devices: -1);
        _self.Free();
        Model.Counters.Update(handles: -1);
    }

    /// <summary>
    /// device_lock. Taking it again on the thread that holds it (a driver unbinding its own device
    /// from its probe or remove) would deadlock in Linux: that is a sanitizer report and EDEADLK.
    /// </summary>
    internal bool TryLock(string what)
    {
        if (Volatile.Read(ref _lockOwner) == Environment.CurrentManagedThreadId)
        {
            Model.Kernel.Sanitizer.Report(SanitizerReportKind.Deadlock, $"device {Name}",
                $"{what} on {Name} from inside its own probe, remove or shutdown: device_lock is held by this task", "", "", 0);
            return false;
        }
        _deviceLock.Enter();
        Volatile.Write(ref _lockOwner, Environment.CurrentManagedThreadId);
        return true;
    }

    internal void Unlock()
    {
        Volatile.Write(ref _lockOwner, 0);
        _deviceLock.Exit();
    }

    // ---- platform resources --------------------------------------------------------------------

    internal IoResource? FindResource(IoResourceType type, int index)
    {
        foreach (IoResource r in _resources)
        {
            if (r.Type != type) continue;
            if (index-- == 0) return r;
        }
        return null;
    }

    // mirrors drivers/base/platform.c:platform_get_irq
    internal int IrqNumber(int index)
    {
        if (FindResource(IoResourceType.Irq, index) is { } r) return (int)r.Start;
        Log($"IRQ index {index} not found");
        throw new KernelErrorException(Errno.ENXIO, $"platform_get_irq({Name}, {index})");
    }

    // ---- devm_* (what CoreDevice offers) -------------------------------------------------------

    // mirrors lib/devres.c:devm_ioremap_resource (devm_request_mem_region, then devm_ioremap)
    internal Devres<IoMem> IoRemapResource(int index)
    {
        if (FindResource(IoResourceType.Memory, index) is not { } res)
        {
            Log($"invalid resource (MEM #{index})");
            throw new KernelErrorException(Errno.EINVAL, $"devm_platform_ioremap_resource({Name}, {index})");
        }
        IoMemoryMap map = Model.IoMemory;
        Devres.Reserve("devm_request_mem_region");
        IoRegion region;
        try
        {
            region = map.RequestRegion(res.Start, res.Size, Name);
        }
        catch (KernelErrorException)
        {
            Log($"can't request region for resource {res}");
            throw;
        }
        Devres.Add($"devm_request_mem_region {res}", () => map.ReleaseRegion(region));

        Devres.Reserve("devm_ioremap");
        var io = new IoMem(Model, map.Find(res.Start, res.Size), res.Start, (uint)res.Size, Name);
        var devres = new Devres<IoMem>(this, io, m => m.Unmap($"unmapped when {Name} released its resources"));
        Devres.Add($"devm_ioremap {res}", () => devres.Revoke());
        return devres;
    }

    // mirrors kernel/irq/devres.c:devm_request_threaded_irq
    internal IrqRegistration RequestIrq(int index, IIrqHandler handler, string? name)
    {
        ArgumentNullException.ThrowIfNull(handler);
        int irq = IrqNumber(index);
        name ??= Name;
        Devres.Reserve("devm_request_irq");
        IrqAction action = Model.Interrupts.Request(this, irq, handler, name);
        DevresNode? node = null;
        var registration = new IrqRegistration(action, () =>
        {
            // devm_free_irq: WARN_ON when the devres is already gone
            if (node is null || !Devres.ReleaseOne(node))
                Model.Interrupts.Free(action, "devm_free_irq", "", 0);
        });
        node = Devres.Add($"devm_request_irq {irq} ({name})", () => Model.Interrupts.Free(action, "devres_release_all", "", 0));
        return registration;
    }

    internal MiscDevice RegisterMisc(string name, OpsTable<FileOperations> fops, object? data, uint minor)
    {
        Devres.Reserve("devm_misc_register");
        var gate = new DisconnectGate(Model.Kernel, $"misc {name} of {Name}");
        MiscDevice misc = Model.Kernel.CharDevices.RegisterMisc(name, gate.Wrap(fops, Driver?.Owner), minor, data, Driver?.Owner);
        misc.AttachGate(gate);
        Devres.Add($"devm_misc_register {name}", () =>
        {
            gate.Disconnect();
            misc.Dispose();
        });
        return misc;
    }

    internal CharDevice AddCdev(OpsTable<FileOperations> fops, uint dev, uint count, object? data)
    {
        Devres.Reserve("devm_cdev_device_add");
        var gate = new DisconnectGate(Model.Kernel, $"cdev {DeviceNumber.Major(dev)}:{DeviceNumber.Minor(dev)} of {Name}");
        CharDevice cdev = Model.Kernel.CharDevices.AddCdev(gate.Wrap(fops, Driver?.Owner), dev, count, data, Driver?.Owner);
        cdev.AttachGate(gate);
        Devres.Add($"devm_cdev_device_add {cdev.Major}:{cdev.Minor}", () =>
        {
            gate.Disconnect();
            cdev.Dispose();
        });
        return cdev;
    }

    internal DebugFsEntry CreateDebugFsDirectory(string name, DebugFsEntry? parent)
    {
        Devres.Reserve("devm_debugfs_create_dir");
        DebugFs debugFs = Model.Kernel.DebugFs;
        DebugFsEntry entry = debugFs.CreateDirectory(name, parent, Driver?.Owner);
        Devres.Add($"devm_debugfs_create_dir {entry.Path}", () => debugFs.Remove(entry));
        return entry;
    }

    // mirrors drivers/base/core.c:devm_device_add_group (one attribute): removed at unbind by devres
    internal KernfsNode CreateAttribute(string name, uint mode, SysfsShow? show, SysfsStore? store)
    {
        ArgumentNullException.ThrowIfNull(name);
        SysFs sysfs = Model.Kernel.SysFs;
        KernfsNode directory = SysfsDirectory ?? throw new KernelErrorException(Errno.ENODEV, $"devm_device_add_group({Name})");
        Devres.Reserve("devm_device_add_group");
        KernfsNode node = sysfs.CreateFile(name, directory, mode, show, store, this);
        lock (_driverAttributes) _driverAttributes.Add(node);
        Devres.Add($"devm_device_add_group {name}", () =>
        {
            lock (_driverAttributes) _driverAttributes.Remove(node);
            sysfs.Remove(node);
        });
        return node;
    }

    // mirrors drivers/base/dd.c:device_remove: the driver's attributes go before its remove runs
    internal void RemoveDriverAttributes()
    {
        KernfsNode[] nodes;
        lock (_driverAttributes) nodes = _driverAttributes.ToArray();
        for (int i = nodes.Length - 1; i >= 0; i--) Model.Kernel.SysFs.Remove(nodes[i]);
    }

    private readonly List<KernfsNode> _driverAttributes = new();

    // mirrors drivers/base/devres.c:devm_add_action_or_reset
    internal void AddAction(Action action, string name)
    {
        ArgumentNullException.ThrowIfNull(action);
        try
        {
            Devres.Reserve("devm_add_action_or_reset");
        }
        catch
        {
            action();
            throw;
        }
        Devres.Add($"devm_add_action {name}", action);
    }

    internal Devres<T> CreateDevres<T>(T value) where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        Devres.Reserve("devres_new");
        var devres = new Devres<T>(this, value);
        Devres.Add($"devres {typeof(T).Name}", () => devres.Revoke());
        return devres;
    }

    internal Devm<T> Alloc<T>(T value) where T : class
    {
        ArgumentNullException.ThrowIfNull(value);
        Devres.Reserve("devm_kzalloc");
        var memory = new Devm<T>(this, value);
        Devres.Add($"devm_kzalloc {typeof(T).Name}", () => memory.Free($"freed when {Name} released its resources"));
        return memory;
    }
}
