using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The kernel's device model (drivers/base/): the buses with their devices and drivers, the
/// machine's MMIO address space and interrupt lines. Devices come and go (<see cref="Platform"/>,
/// <see cref="Hotplug"/>) while the modules that registered their drivers stay loaded.
/// </summary>
public sealed class DeviceModel
{

    internal DeviceModel(Kernel kernel)
    {
        Kernel = kernel;
        // buses_init and devices_init: /sys/bus and /sys/devices, before any bus registers
        BusDirectory = kernel.SysFs.CreateDirectory("bus");
        DevicesDirectory = kernel.SysFs.CreateDirectory("devices");
        IoMemory = new IoMemoryMap(kernel.Counters);
        Interrupts = new InterruptController(this);
        Platform = new PlatformBus(this);
        Hotplug = new HotplugBus(this);
    }

    /// <summary>The platform bus.</summary>
    public PlatformBus Platform { get; }

    /// <summary>The hot-pluggable bus: devices plugged and unplugged at any moment.</summary>
    public HotplugBus Hotplug { get; }

    /// <summary>The buses, in registration order.</summary>
    public IReadOnlyList<Bus> Buses => [Platform, Hotplug];

    /// <summary>The physical address space: where hardware is attached, and iomem_resource.</summary>
    public IoMemoryMap IoMemory { get; }

    /// <summary>The interrupt lines and the interrupt thread.</summary>
    public InterruptController Interrupts { get; }

    /// <summary>
    /// devres.log (CONFIG_DEBUG_DEVRES): print <c>DEVRES ADD</c> and <c>DEVRES REL</c> for every
    /// managed resource, with the device, as drivers/base/devres.c:devres_log does.
    /// </summary>
    public bool LogDevres { get; set; }

    /// <summary>
    /// The uevents sent so far (the last 1024), oldest first, as <c>udevadm monitor --kernel
    /// --property</c> would print them: devices added and removed, drivers bound and unbound, drivers
    /// registered, and what was written to a <c>uevent</c> file.
    /// </summary>
    public IReadOnlyList<Uevent> Uevents => _uevents.Events;

    /// <summary>The last uevent's sequence number (<c>/sys/kernel/uevent_seqnum</c>).</summary>
    public ulong UeventSeqnum => _uevents.Seqnum;

    /// <summary>device_shutdown (reboot): every bound driver's shutdown, newest device first.</summary>
    public void ShutdownDevices()
    {
        Hotplug.ShutdownDevices();
        Platform.ShutdownDevices();
    }

    internal Kernel Kernel { get; }

    /// <summary>/sys/bus.</summary>
    internal KernfsNode BusDirectory { get; }

    /// <summary>/sys/devices.</summary>
    internal KernfsNode DevicesDirectory { get; }

    private readonly UeventLog _uevents = new();

    internal void SendUevent(string action, string devpath, string subsystem, List<string> env) => _uevents.Send(action, devpath, subsystem, env);

    internal KernelCounters Counters => Kernel.Counters;

    /// <summary>Kernel shutdown, after modules (their drivers) and processes (their files) are gone.</summary>
    internal void Shutdown()
    {
        Hotplug.Shutdown();
        Platform.Shutdown();
        Kernel.SysFs.Remove(BusDirectory);
        Kernel.SysFs.Remove(DevicesDirectory);
        Interrupts.Shutdown();
        IoMemory.Shutdown();
    }
}

/// <summary>
/// The driver API as a module sees it: drivers it registers are its own (THIS_MODULE), so files
/// opened on their devices pin the module, and whatever it leaves registered is unregistered,
/// unbinding every device first, at unload.
/// </summary>
public sealed class ModuleDrivers
{
    private readonly LoadedModule _module;

    internal ModuleDrivers(LoadedModule module) => _module = module;

    /// <summary>
    /// platform_driver_register with THIS_MODULE as owner on <paramref name="bus"/> (see
    /// <see cref="Bus.RegisterDriver(string, OpsTable{PlatformDriver}, string[])"/>): every device it
    /// matches is bound now and whenever one appears, until the module unloads.
    /// </summary>
    public DeviceDriver Register(Bus bus, string name, OpsTable<PlatformDriver> table, params string[] matchIds)
    {
        ArgumentNullException.ThrowIfNull(bus);
        return _module.Track(() => bus.RegisterDriver(name, table, matchIds, _module), d => d.ToString(), d => !d.IsRegistered);
    }
}
