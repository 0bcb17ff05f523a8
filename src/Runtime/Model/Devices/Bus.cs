using System;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A bus (<c>struct bus_type</c>, drivers/base/bus.c and dd.c): its devices and drivers, the match
/// between them, and binding: adding a device probes the drivers that match it, registering a driver
/// probes the devices it matches, and deleting either unbinds. Probe runs synchronously on the
/// thread that caused it, under the device's lock; devices may be added and deleted from any thread
/// at any moment, including while other threads use their files. Thread-safe.
/// </summary>
public abstract class Bus
{
    private readonly Lock _lock = new();
    private readonly List<Device> _devices = new(); // klist_devices, in registration order
    private readonly List<DeviceDriver> _drivers = new(); // klist_drivers
    private int _nextAutoId;
    private int _autoprobe = 1;

    private protected Bus(DeviceModel model, string name)
    {
        Model = model;
        Name = name;
        SysfsNodes = DeviceSysfs.RegisterBus(this);
    }

    /// <summary><c>PLATFORM_DEVID_NONE</c>: a single instance, named without a suffix.</summary>
    public const int IdNone = -1;

    /// <summary><c>PLATFORM_DEVID_AUTO</c>: the bus picks the instance number (<c>name.N.auto</c>).</summary>
    public const int IdAuto = -2;

    /// <summary>The bus name (<c>platform</c>; <c>/sys/bus/&lt;name&gt;</c>).</summary>
    public string Name { get; }

    /// <summary>
    /// <c>/sys/bus/&lt;bus&gt;/drivers_autoprobe</c> (default true): whether a new device is probed against
    /// the drivers, and a new driver against the devices, at once. When false, devices stay unbound
    /// until written to <c>drivers_probe</c> or a driver's <c>bind</c>.
    /// </summary>
    public bool DriversAutoprobe
    {
        get => Volatile.Read(ref _autoprobe) != 0;
        set => Volatile.Write(ref _autoprobe, value ? 1 : 0);
    }

    /// <summary>The bus's sysfs directory, <c>/sys/bus/&lt;name&gt;</c>.</summary>
    public string SysfsPath => SysfsNodes.Directory.Path;

    /// <summary>The registered devices, in registration order.</summary>
    public IReadOnlyList<Device> Devices
    {
        get { lock (_lock) return _devices.ToArray(); }
    }

    /// <summary>The registered drivers, in registration order.</summary>
    public IReadOnlyList<DeviceDriver> Drivers
    {
        get { lock (_lock) return _drivers.ToArray(); }
    }

    /// <summary>bus_find_device_by_name.</summary>
    public Device? FindDevice(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_lock) return _devices.Find(d => d.Name == name);
    }

    /// <summary>driver_find.</summary>
    public DeviceDriver? FindDriver(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        lock (_lock) return _drivers.Find(d => d.Name == name);
    }

    /// <summary>
    /// driver_register without an owning module (built-in code); modules use
    /// <c>context.Drivers.Register</c>, so their unload unbinds the driver first. The driver is
    /// bound to every registered device it matches, now. Dispose the result to unregister it.
    /// </summary>
    /// <param name="name">The driver's name; it matches devices of that name unless <paramref name="matchIds"/> are given.</param>
    /// <param name="table">The generated <c>struct platform_driver</c> (<c>[PlatformDriver]</c>'s <c>Table</c>).</param>
    /// <param name="matchIds">The <c>platform_device_id</c> names the driver serves (its id_table).</param>
    /// <exception cref="KernelErrorException">EBUSY when a driver of that name is registered on this bus.</exception>
    public DeviceDriver RegisterDriver(string name, OpsTable<PlatformDriver> table, params string[] matchIds) =>
        RegisterDriver(name, table, matchIds, owner: null);

    /// <inheritdoc/>
    public override string ToString() => $"bus {Name}";

    internal DeviceModel Model { get; }

    internal DeviceSysfs.BusNodes SysfsNodes { get; }

    /// <summary>MODALIAS's prefix (platform.c's PLATFORM_MODULE_PREFIX, "platform:").</summary>
    internal string ModaliasPrefix => Name + ":";

    // mirrors drivers/base/driver.c:driver_register + bus.c:bus_add_driver + dd.c:driver_attach
    internal DeviceDriver RegisterDriver(string name, OpsTable<PlatformDriver> table, string[] matchIds, LoadedModule? owner)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(matchIds);
        if (name.Length == 0 || name.Contains('/')) throw new ArgumentException("A driver needs a name without '/'.", nameof(name));
        if (table.IsNull) throw new ArgumentException("A driver needs a struct platform_driver table.", nameof(table));
        Model.Kernel.ThrowIfDisposed();
        var driver = new DeviceDriver(this, name, table, (string[])matchIds.Clone(), owner);
        lock (_lock)
        {
            if (_drivers.Exists(d => d.Name == name))
            {
                Model.Kernel.Log.Printk($"Error: Driver '{name}' is already registered, aborting...");
                throw new KernelErrorException(Errno.EBUSY, $"driver_register(\"{name}\")");
            }
            _drivers.Add(driver);
        }
        try
        {
            DeviceSysfs.AddDriverDirectory(driver); // kobject_init_and_add in bus_add_driver
        }
        catch
        {
            lock (_lock) _drivers.Remove(driver);
            throw;
        }
        foreach (Device device in DriversAutoprobe ? Devices : Array.Empty<Device>()) // driver_attach: __driver_attach for each device
        {
            if (!Match(device, driver)) continue;
            if (!device.TryLock("driver_attach")) continue;
            try
            {
                if (!device.IsBound) ProbeLocked(driver, device);
            }
            finally
            {
                device.Unlock();
            }
        }
        DeviceSysfs.AddDriverFiles(driver);
        return driver;
    }

    // mirrors drivers/base/driver.c:driver_unregister + bus.c:bus_remove_driver + dd.c:driver_detach
    internal void UnregisterDriver(DeviceDriver driver)
    {
        lock (_lock)
        {
            if (!_drivers.Remove(driver)) return;
        }
        DeviceSysfs.RemoveDriverFiles(driver); // remove_bind_files: bind and unbind writers in flight finish first
        driver.Unregistered(); // a probe that has not begun sees it under the device lock
        foreach (Device device in Devices) ReleaseDriver(device, driver);
        DeviceSysfs.RemoveDriverDirectory(driver);
    }

    /// <summary>
    /// device_add + bus_probe_device: names the device (<c>name</c>, <c>name.id</c> or
    /// <c>name.N.auto</c>), adds it, and binds the first registered driver that matches and probes it.
    /// </summary>
    /// <exception cref="KernelErrorException">EEXIST when a device of that name is on the bus.</exception>
    private protected Device AddDevice(string matchName, int id, IoResource[] resources)
    {
        ArgumentNullException.ThrowIfNull(matchName);
        ArgumentNullException.ThrowIfNull(resources);
        if (matchName.Length == 0 || matchName.Contains('/')) throw new ArgumentException("A device needs a name without '/'.", nameof(matchName));
        if (id < IdAuto) throw new ArgumentOutOfRangeException(nameof(id));
        Model.Kernel.ThrowIfDisposed();
        Device device;
        lock (_lock)
        {
            string name = id switch
            {
                IdNone => matchName,
                IdAuto => $"{matchName}.{_nextAutoId++}.auto",
                _ => $"{matchName}.{id}",
            };
            if (_devices.Exists(d => d.Name == name))
            {
                Model.Kernel.Log.Printk($"sysfs: cannot create duplicate filename '/devices/{Name}/{name}'");
                throw new KernelErrorException(Errno.EEXIST, $"device_add(\"{name}\")");
            }
            device = new Device(this, matchName, id, name, (IoResource[])resources.Clone());
            _devices.Add(device);
        }
        try
        {
            DeviceSysfs.AddDevice(device); // device_add: the kobject, its attributes, bus_add_device's links
        }
        catch
        {
            lock (_lock) _devices.Remove(device);
            DeviceSysfs.RemoveDeviceLinks(device);
            DeviceSysfs.RemoveDevice(device);
            device.Put();
            throw;
        }
        if (DriversAutoprobe) Attach(device); // bus_probe_device
        return device;
    }

    /// <summary>
    /// device_del + put_device: no driver can bind any more, the bound one is unbound (its remove,
    /// then its devres), and the bus drops its reference. Idempotent.
    /// </summary>
    private protected void DeleteDevice(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (device.Bus != this) throw new ArgumentException($"{device} is not on {this}.", nameof(device));
        lock (_lock)
        {
            if (device.Dead) return;
            device.Dead = true; // kill_device: no new probes from here on
            _devices.Remove(device);
        }
        DeviceSysfs.RemoveDeviceLinks(device); // bus_remove_device: subsystem and /sys/bus/<bus>/devices links
        ReleaseDriver(device, driver: null); // under the device lock: after a probe in progress
        DeviceSysfs.RemoveDevice(device); // KOBJ_REMOVE and kobject_del, the device lock released
        device.Put();
    }

    /// <summary>mirrors drivers/base/platform.c:platform_match: driver_override, else the id table, else the driver's name.</summary>
    private protected virtual bool Match(Device device, DeviceDriver driver)
    {
        if (device.DriverOverride is { } only) return only == driver.Name; // only the named driver binds
        if (driver.MatchIds.Count > 0)
        {
            foreach (string id in driver.MatchIds)
                if (id == device.MatchName) return true;
            return false;
        }
        return driver.Name == device.MatchName;
    }

    // mirrors drivers/base/dd.c:__device_attach: the first matching driver that probes successfully.
    internal void Attach(Device device)
    {
        if (!device.TryLock("device_attach")) return;
        try
        {
            foreach (DeviceDriver driver in Drivers)
            {
                if (device.IsBound || device.Dead) break;
                if (!Match(device, driver)) continue;
                int r = ProbeLocked(driver, device);
                if (r == 0) break;
            }
        }
        finally
        {
            device.Unlock();
        }
    }

    /// <summary>
    /// bind_store (<c>echo NAME &gt; /sys/bus/&lt;bus&gt;/drivers/&lt;drv&gt;/bind</c>): ENODEV when there is no
    /// such device or the driver does not match it, EBUSY when it is bound, else the probe's result.
    /// </summary>
    internal KResult Bind(DeviceDriver driver, string deviceName)
    {
        Device? device = FindDevice(deviceName);
        if (device is null || !driver.IsRegistered || !Match(device, driver)) return Errno.ENODEV;
        if (!device.TryLock("bind")) return Errno.EDEADLK;
        try
        {
            // mirrors dd.c:device_driver_attach -> __driver_probe_device
            if (device.Dead) return Errno.ENODEV;
            if (device.IsBound) return Errno.EBUSY;
            int r = ProbeLocked(driver, device);
            if (r == -EProbeDefer) return Errno.EAGAIN; // device_driver_attach
            return r == 0 ? KResult.Ok : (Errno)(-r);
        }
        finally
        {
            device.Unlock();
        }
    }

    /// <summary>unbind_store: ENODEV unless <paramref name="deviceName"/> is bound to <paramref name="driver"/>.</summary>
    internal KResult Unbind(DeviceDriver driver, string deviceName)
    {
        Device? device = FindDevice(deviceName);
        if (device is null || device.Driver != driver) return Errno.ENODEV;
        return ReleaseDriver(device, driver) ? KResult.Ok : Errno.ENODEV;
    }

    /// <summary>
    /// mirrors drivers/base/dd.c:device_release_driver_internal: under the device lock, if
    /// <paramref name="driver"/> (or, when null, any driver) is bound, remove, release devres,
    /// forget the driver. False when nothing was bound.
    /// </summary>
    internal unsafe bool ReleaseDriver(Device device, DeviceDriver? driver)
    {
        if (!device.TryLock("device_release_driver")) return false;
        try
        {
            DeviceDriver? bound = device.Driver;
            if (bound is null || (driver is not null && bound != driver)) return false;
            driver = bound;
            DeviceSysfs.RemoveDriverLinks(device); // driver_sysfs_remove, before the driver's remove
            device.RemoveDriverAttributes(); // device_remove: device_remove_groups(dev, drv->dev_groups)
            using (EnterKernelTask())
            {
                // SAFETY: a driver's OpsTable outlives every registration of it, and the bus holds this registered driver.
                var remove = driver.Table.Pointer->remove;
                // SAFETY: the device holds its native struct until its last Put, which cannot come
                // while the bus (or this caller) holds a reference; the table outlives the driver.
                if (remove != null) remove(device.Native);
                device.Devres.ReleaseAll(); // device_unbind_cleanup -> devres_release_all
            }
            device.SetDriver(null);
            Model.SendUevent("unbind", DeviceSysfs.DevPath(device), Name, DeviceSysfs.DeviceEnvironment(device));
            return true;
        }
        finally
        {
            device.Unlock();
        }
    }

    /// <summary>Calls every bound driver's shutdown (device_shutdown), newest device first.</summary>
    internal unsafe void ShutdownDevices()
    {
        IReadOnlyList<Device> devices = Devices;
        for (int i = devices.Count - 1; i >= 0; i--)
        {
            Device device = devices[i];
            if (!device.TryLock("device_shutdown")) continue;
            try
            {
                if (device.Driver is not { } driver) continue;
                // SAFETY: a driver's OpsTable outlives every registration of it, and the bus holds this registered driver.
                var shutdown = driver.Table.Pointer->shutdown;
                using (EnterKernelTask())
                {
                    // SAFETY: as in ReleaseDriver.
                    if (shutdown != null) shutdown(device.Native);
                }
            }
            finally
            {
                device.Unlock();
            }
        }
    }

    /// <summary>Kernel shutdown: unregisters the drivers left (built-in ones) and deletes every device.</summary>
    internal void Shutdown()
    {
        IReadOnlyList<DeviceDriver> drivers = Drivers;
        for (int i = drivers.Count - 1; i >= 0; i--) UnregisterDriver(drivers[i]);
        IReadOnlyList<Device> devices = Devices;
        for (int i = devices.Count - 1; i >= 0; i--) DeleteDevice(devices[i]);
        DeviceSysfs.UnregisterBus(this);
    }

    // mirrors drivers/base/dd.c:really_probe (the caller holds the device lock)
    private unsafe int ProbeLocked(DeviceDriver driver, Device device)
    {
        // device_is_registered: its sysfs entry exists (device_add made it); likewise the driver's
        if (device.Dead || !driver.IsRegistered || device.SysfsDirectory is null || driver.SysfsDirectory is null) return -(int)Errno.ENODEV;
        if (device.IsBound) return -(int)Errno.EBUSY;
        device.SetDriver(driver); // dev->driver = drv before ->probe, as really_probe does
        KResult linked = DeviceSysfs.AddDriverLinks(device, driver); // driver_sysfs_add
        if (!linked.IsOk)
        {
            device.SetDriver(null);
            Model.Kernel.Log.Printk($"{driver.Name} {device.Name}: driver_sysfs_add failed");
            return -(int)linked.Error;
        }
        int r;
        using (EnterKernelTask())
        {
            // SAFETY: a driver's OpsTable outlives every registration of it, and the bus holds this registered driver.
            var probe = driver.Table.Pointer->probe;
            // SAFETY: as in ReleaseDriver; the table's probe is a generated thunk or null.
            r = probe != null ? probe(device.Native) : 0;
            if (r != 0)
            {
                DeviceSysfs.RemoveDriverLinks(device); // probe_failed: driver_sysfs_remove
                device.Devres.ReleaseAll(); // really_probe's probe_failed: devres_release_all
                device.SetDriver(null);
            }
        }
        if (r == 0) Model.SendUevent("bind", DeviceSysfs.DevPath(device), Name, DeviceSysfs.DeviceEnvironment(device)); // driver_bound
        if (r != 0 && r != -(int)Errno.ENODEV && r != -(int)Errno.ENXIO)
            Model.Kernel.Log.Printk($"{driver.Name} {device.Name}: probe with driver {driver.Name} failed with error {r}");
        return r;
    }

    private const int EProbeDefer = 517; // include/linux/errno.h: EPROBE_DEFER, kernel-internal

    // Probe, remove and shutdown run as the kernel (a kworker's context): printk reaches this
    // kernel's log, and a user task that caused them (a process writing bind) is not theirs to sleep on.
    private CurrentTask.Scope EnterKernelTask() => CurrentTask.Enter(null, Model.Kernel.Log, null, Model.Kernel);
}

/// <summary>
/// The platform bus (drivers/base/platform.c): devices a board describes (MMIO ranges, interrupts),
/// registered and unregistered by code, bound to drivers by name or id table.
/// </summary>
public sealed class PlatformBus : Bus
{
    internal PlatformBus(DeviceModel model) : base(model, "platform") { }

    /// <summary>
    /// platform_device_register_full: a device named <paramref name="name"/> (with instance
    /// <paramref name="id"/>, or <see cref="Bus.IdNone"/>/<see cref="Bus.IdAuto"/>) with
    /// <paramref name="resources"/>; a matching driver is bound at once.
    /// </summary>
    public Device Register(string name, int id = IdNone, params IoResource[] resources) => AddDevice(name, id, resources);

    /// <summary>platform_device_unregister: the driver is unbound, the device deleted. The hardware stays attached.</summary>
    public void Unregister(Device device) => DeleteDevice(device);
}

/// <summary>
/// A hot-pluggable bus: devices appear (<see cref="Plug"/>) and vanish (<see cref="Unplug"/>) at any
/// moment, from any thread, as on USB or with PCIe surprise removal. Its devices have the platform
/// device's shape (named, with MMIO ranges and interrupts), so their drivers are
/// <c>struct platform_driver</c> tables too. Unplugging takes the hardware away first: the device's
/// MMIO windows are detached (its registers read all-ones, writes are dropped) and its interrupt
/// lines freed; then the device is deleted, its driver's remove running against dead hardware.
/// </summary>
public sealed class HotplugBus : Bus
{
    internal HotplugBus(DeviceModel model) : base(model, "hotplug") { }

    /// <summary>A device arrives: registered and bound to a matching driver at once.</summary>
    public Device Plug(string name, int id = IdNone, params IoResource[] resources) => AddDevice(name, id, resources);

    /// <summary>
    /// A device leaves without warning: its hardware is gone first (MMIO windows detached, interrupt
    /// lines freed), then it is deleted. Idempotent.
    /// </summary>
    public void Unplug(Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (!device.IsRegistered) return;
        // The lines first: an interrupt taken between the two would find registers that read all-ones.
        foreach (IoResource r in device.Resources)
            if (r.Type == IoResourceType.Irq) Model.Interrupts.FreeLineNumber((int)r.Start);
        foreach (IoResource r in device.Resources)
            if (r.Type == IoResourceType.Memory) Model.IoMemory.DetachRange(r.Start, r.Size);
        DeleteDevice(device);
    }
}

/// <summary>
/// A driver registered on a bus (<c>struct device_driver</c>): its name, the generated
/// <c>struct platform_driver</c> table whose probe/remove/shutdown the bus calls, the module that
/// registered it, and the devices bound to it. <see cref="Bind"/> and <see cref="Unbind"/> are the
/// driver's sysfs <c>bind</c> and <c>unbind</c> files. Dispose to unregister (unbinding every device).
/// </summary>
public sealed class DeviceDriver : IDisposable
{
    private int _registered = 1;

    internal DeviceDriver(Bus bus, string name, OpsTable<PlatformDriver> table, string[] matchIds, LoadedModule? owner)
    {
        Bus = bus;
        Name = name;
        Table = table;
        MatchIds = matchIds;
        Owner = owner;
    }

    /// <summary>The driver's name (<c>/sys/bus/&lt;bus&gt;/drivers/&lt;name&gt;</c>).</summary>
    public string Name { get; }

    /// <summary>The bus it is registered on.</summary>
    public Bus Bus { get; }

    /// <summary>The device names it matches (its id_table); empty: devices named as the driver.</summary>
    public IReadOnlyList<string> MatchIds { get; }

    /// <summary>True until unregistered.</summary>
    public bool IsRegistered => Volatile.Read(ref _registered) != 0;

    /// <summary>The devices bound to it now.</summary>
    public IReadOnlyList<Device> BoundDevices
    {
        get
        {
            var bound = new List<Device>();
            foreach (Device d in Bus.Devices)
                if (d.Driver == this) bound.Add(d);
            return bound;
        }
    }

    /// <summary>Writing <paramref name="deviceName"/> to the driver's <c>bind</c> file: see <see cref="Bus"/> bind_store.</summary>
    public KResult Bind(string deviceName)
    {
        ArgumentNullException.ThrowIfNull(deviceName);
        return Bus.Bind(this, deviceName);
    }

    /// <summary>Writing <paramref name="deviceName"/> to the driver's <c>unbind</c> file: ENODEV unless it is bound here.</summary>
    public KResult Unbind(string deviceName)
    {
        ArgumentNullException.ThrowIfNull(deviceName);
        return Bus.Unbind(this, deviceName);
    }

    /// <summary>driver_unregister: unbinds every device, then the driver is gone. Idempotent.</summary>
    public void Dispose() => Bus.UnregisterDriver(this);

    /// <inheritdoc/>
    public override string ToString() => $"driver {Bus.Name}/{Name}";

    /// <summary>The driver's sysfs directory, <c>/sys/bus/&lt;bus&gt;/drivers/&lt;name&gt;</c>.</summary>
    public string SysfsPath => $"{Bus.SysfsPath}/drivers/{Name}";

    /// <summary>
    /// <c>driver.suppress_bind_attrs</c> of its table: a driver that cannot be unbound by hand gets no
    /// <c>bind</c> and <c>unbind</c> files (its devices still unbind when they go or the module unloads).
    /// </summary>
    // SAFETY: the driver's OpsTable outlives every registration that uses it (OpsTable's contract).
    public unsafe bool SuppressBindAttrs => Table.Pointer->driver.suppress_bind_attrs != 0;

    internal OpsTable<PlatformDriver> Table { get; }

    /// <summary>/sys/bus/&lt;bus&gt;/drivers/&lt;name&gt;; null until registered.</summary>
    internal KernfsNode? SysfsDirectory
    {
        get => Volatile.Read(ref _sysfsDirectory);
        set => Volatile.Write(ref _sysfsDirectory, value);
    }

    private KernfsNode? _sysfsDirectory;

    /// <summary>THIS_MODULE of the registering module: pinned by the files its devices' registrations open.</summary>
    internal LoadedModule? Owner { get; }

    internal void Unregistered() => Volatile.Write(ref _registered, 0);
}
