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
        IoMemory = new IoMemoryMap(kernel.Counters);
        Interrupts = new InterruptController(this);
        Platform = new PlatformBus(this);
        Hotplug = new HotplugBus(this);
        AnonInode = new AnonInodeNode(kernel.Counters); // anon_inode_init, at boot
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

    /// <summary>device_shutdown (reboot): every bound driver's shutdown, newest device first.</summary>
    public void ShutdownDevices()
    {
        Hotplug.ShutdownDevices();
        Platform.ShutdownDevices();
    }

    internal Kernel Kernel { get; }

    internal KernelCounters Counters => Kernel.Counters;

    /// <summary>anon_inode_inode: the one inode every anonymous file shares.</summary>
    internal AnonInodeNode AnonInode { get; }

    /// <summary>Kernel shutdown, after modules (their drivers) and processes (their files) are gone.</summary>
    internal void Shutdown()
    {
        Hotplug.Shutdown();
        Platform.Shutdown();
        Interrupts.Shutdown();
        IoMemory.Shutdown();
        AnonInode.PutNode();
    }
}

/// <summary>
/// fs/anon_inodes.c's shared inode: files made by <c>anon_inode_getfd</c> (a GPIO line request, an
/// eventfd) have no name and no directory; they all point at this inode (mode 0600, no file type).
/// </summary>
internal sealed unsafe class AnonInodeNode : IVfsNode
{
    /// <summary>st_dev of anon_inodefs.</summary>
    public static readonly ulong SuperblockDevice = DeviceNumber.MakeUser(0, 15);

    private readonly KernelCounters _counters;
    private NativeInode* _inode;
    private int _refs = 1;

    public AnonInodeNode(KernelCounters counters)
    {
        _counters = counters;
        // SAFETY: a fresh zeroed allocation owned by this node until its last PutNode.
        _inode = (NativeInode*)NativeMemory.AllocZeroed((nuint)sizeof(NativeInode));
        _inode->i_mode = 0x180; // S_IRUSR | S_IWUSR, no S_IFMT: alloc_anon_inode
        _inode->i_ino = 1;
        counters.Update(inodes: 1);
    }

    public NativeInode* Inode => _inode;

    // Never opened by path: every anonymous file carries its own dispatch.
    public FileDispatch Dispatch => throw new InvalidOperationException("anonymous inodes are not opened by path");

    public bool IsDirectory => false;

    public ulong Device => SuperblockDevice;

    public void GetNode() => Interlocked.Increment(ref _refs);

    public void PutNode()
    {
        int left = Interlocked.Decrement(ref _refs);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException("anon inode reference count underflow");
        NativeMemory.Free(_inode);
        _inode = null;
        _counters.Update(inodes: -1);
    }

    public IVfsNode? Lookup(string name) => null;

    public void ListChildren(List<DirectoryEntry> into) { }
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
