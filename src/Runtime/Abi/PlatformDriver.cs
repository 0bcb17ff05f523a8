using System.Runtime.InteropServices;

namespace KernelOps.Abi;

/// <summary>
/// <c>struct platform_driver</c>, byte-identical to Linux 6.18 x86_64 (200 bytes, 9 members; see
/// tests/KernelOps.Runtime.Tests/Fixtures/platform_driver.pahole.txt). The <see cref="OpsSlotAttribute"/>
/// on probe, remove and shutdown is this kind's whole description for the generator; the other
/// members stay zero in generated tables. The driver's name, bus and owner are given when the table
/// is registered (<c>platform_driver_register</c> fills <c>driver.bus</c> and <c>driver.owner</c>
/// itself), so one static table can be registered on several buses and kernels.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct PlatformDriver
{
    /// <summary><c>int (*probe)(struct platform_device *)</c> (offset 0): 0 binds the device; an error leaves it unbound, its devres released.</summary>
    [OpsSlot(typeof(ProbeAttribute), typeof(IProbeOperation), Stateful = typeof(IProbeOperation<>))]
    public unsafe delegate* unmanaged<NativePlatformDevice*, int> probe;

    /// <summary><c>void (*remove)(struct platform_device *)</c> (offset 8): unbind; devres is released after it returns.</summary>
    [OpsSlot(typeof(RemoveAttribute), typeof(IDeviceOperation), Stateful = typeof(IRemoveOperation<>))]
    public unsafe delegate* unmanaged<NativePlatformDevice*, void> remove;

    /// <summary><c>void (*shutdown)(struct platform_device *)</c> (offset 16): quiesce the device for reboot (device_shutdown).</summary>
    [OpsSlot(typeof(ShutdownAttribute), typeof(IDeviceOperation), Stateful = typeof(IShutdownOperation<>))]
    public unsafe delegate* unmanaged<NativePlatformDevice*, void> shutdown;

    /// <summary><c>int (*suspend)(struct platform_device *, pm_message_t)</c> (offset 24). Not modelled: always null.</summary>
    public unsafe delegate* unmanaged<NativePlatformDevice*, PmMessage, int> suspend;

    /// <summary><c>int (*resume)(struct platform_device *)</c> (offset 32). Not modelled: always null.</summary>
    public unsafe delegate* unmanaged<NativePlatformDevice*, int> resume;

    /// <summary><c>struct device_driver driver</c> (offset 40, 144 bytes). Zero in generated tables.</summary>
    public NativeDeviceDriver driver;

    /// <summary><c>const struct platform_device_id *id_table</c> (offset 184). Null: the model takes match ids at registration.</summary>
    public unsafe void* id_table;

    /// <summary><c>bool prevent_deferred_probe</c> (offset 192).</summary>
    public byte prevent_deferred_probe;

    /// <summary><c>bool driver_managed_dma</c> (offset 193).</summary>
    public byte driver_managed_dma;
}

/// <summary>
/// <c>struct device_driver</c> as embedded in <see cref="PlatformDriver"/>, byte-identical to Linux
/// 6.18 x86_64 (144 bytes, 19 members; Fixtures/device_driver.pahole.txt). The model's bus core
/// calls the platform driver's own slots, as platform_probe/platform_remove do, so these stay zero.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeDeviceDriver
{
    /// <summary><c>const char *name</c> (offset 0).</summary>
    public unsafe byte* name;
    /// <summary><c>const struct bus_type *bus</c> (offset 8).</summary>
    public unsafe void* bus;
    /// <summary><c>struct module *owner</c> (offset 16).</summary>
    public unsafe void* owner;
    /// <summary><c>const char *mod_name</c> (offset 24).</summary>
    public unsafe byte* mod_name;
    /// <summary><c>bool suppress_bind_attrs</c> (offset 32).</summary>
    public byte suppress_bind_attrs;
    /// <summary><c>enum probe_type probe_type</c> (offset 36).</summary>
    public int probe_type;
    /// <summary><c>const struct of_device_id *of_match_table</c> (offset 40).</summary>
    public unsafe void* of_match_table;
    /// <summary><c>const struct acpi_device_id *acpi_match_table</c> (offset 48).</summary>
    public unsafe void* acpi_match_table;
    /// <summary><c>int (*probe)(struct device *)</c> (offset 56).</summary>
    public unsafe delegate* unmanaged<void*, int> probe;
    /// <summary><c>void (*sync_state)(struct device *)</c> (offset 64).</summary>
    public unsafe delegate* unmanaged<void*, void> sync_state;
    /// <summary><c>int (*remove)(struct device *)</c> (offset 72).</summary>
    public unsafe delegate* unmanaged<void*, int> remove;
    /// <summary><c>void (*shutdown)(struct device *)</c> (offset 80).</summary>
    public unsafe delegate* unmanaged<void*, void> shutdown;
    /// <summary><c>int (*suspend)(struct device *, pm_message_t)</c> (offset 88).</summary>
    public unsafe delegate* unmanaged<void*, PmMessage, int> suspend;
    /// <summary><c>int (*resume)(struct device *)</c> (offset 96).</summary>
    public unsafe delegate* unmanaged<void*, int> resume;
    /// <summary><c>const struct attribute_group **groups</c> (offset 104).</summary>
    public unsafe void* groups;
    /// <summary><c>const struct attribute_group **dev_groups</c> (offset 112).</summary>
    public unsafe void* dev_groups;
    /// <summary><c>const struct dev_pm_ops *pm</c> (offset 120).</summary>
    public unsafe void* pm;
    /// <summary><c>void (*coredump)(struct device *)</c> (offset 128).</summary>
    public unsafe delegate* unmanaged<void*, void> coredump;
    /// <summary><c>struct driver_private *p</c> (offset 136).</summary>
    public unsafe void* p;
}

/// <summary><c>pm_message_t</c> (include/linux/pm.h): <c>struct pm_message { int event; }</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct PmMessage
{
    /// <summary>The PM_EVENT_* code.</summary>
    public int @event;
}

/// <summary>
/// The kernel model's <c>struct platform_device</c>, in native memory: what a driver's probe,
/// remove and shutdown thunks receive. It is the model's own layout, not Linux's (whose embedded
/// <c>struct device</c> is ~750 bytes), because no handler may reach into it except through
/// <see cref="CoreDevice"/>, as no handler reaches into a file except through <see cref="FileRef"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativePlatformDevice
{
    /// <summary>Model-private: a GCHandle to the managed <c>Device</c>. Never touched by handlers.</summary>
    public nint dev_model;
    /// <summary><c>dev_get_drvdata()</c>: the driver data a stateful probe returned, as one GCHandle word; 0 while unbound.</summary>
    public nint driver_data;
    /// <summary><c>pdev-&gt;id</c>: the instance number, -1 for a single instance.</summary>
    public int id;
}
