using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// One uevent the device model sent (lib/kobject_uevent.c:kobject_uevent_env), as <c>udevadm monitor
/// --kernel --property</c> shows it: the action, the devpath below /sys, the subsystem and every
/// <c>KEY=value</c> of the environment, SEQNUM last.
/// </summary>
/// <param name="Seqnum">The event's sequence number (<c>/sys/kernel/uevent_seqnum</c> after it).</param>
/// <param name="Action"><c>add</c>, <c>remove</c>, <c>change</c>, <c>move</c>, <c>online</c>, <c>offline</c>, <c>bind</c> or <c>unbind</c>.</param>
/// <param name="DevPath">The kobject's path below /sys (<c>/devices/platform/pl061.0</c>).</param>
/// <param name="Subsystem">The SUBSYSTEM value (<c>platform</c>; <c>drivers</c> for a driver, the bus name for a bus).</param>
/// <param name="Environment">The whole environment, in the order the kernel adds it.</param>
public sealed record Uevent(ulong Seqnum, string Action, string DevPath, string Subsystem, IReadOnlyList<string> Environment)
{
    /// <inheritdoc/>
    public override string ToString() => $"KERNEL[{Seqnum}] {Action,-8} {DevPath} ({Subsystem})";
}

/// <summary>
/// The device model's sysfs (drivers/base/core.c, bus.c, dd.c, platform.c): the directories and
/// attributes a bus, a driver and a device get, and the links binding makes. Callers hold no device
/// lock while nodes are removed (kernfs removal drains readers, and a reader may need the lock).
/// </summary>
internal static class DeviceSysfs
{
    private const uint Ro = 0x124, Rw = 0x1A4, Wo = 0x80; // 0444, 0644, 0200

    private static readonly string[] KobjectActions = ["add", "remove", "change", "move", "online", "offline", "bind", "unbind"];

    // ---- buses: drivers/base/bus.c:bus_register -------------------------------------------------

    internal sealed class BusNodes
    {
        public required KernfsNode Directory, Devices, Drivers, DeviceRoot;
    }

    public static BusNodes RegisterBus(Bus bus)
    {
        SysFs sysfs = bus.Model.Kernel.SysFs;
        KernfsNode dir = sysfs.CreateDirectory(bus.Name, bus.Model.BusDirectory, data: bus);
        sysfs.CreateFile("uevent", dir, Wo, null, (n, input) => SynthUevent(n.Data<Bus>()!.Model, input, $"/bus/{bus.Name}", bus.Name, []), bus);
        var nodes = new BusNodes
        {
            Directory = dir,
            Devices = sysfs.CreateDirectory("devices", dir),
            Drivers = sysfs.CreateDirectory("drivers", dir),
            // the bus's root device (platform_bus: /sys/devices/platform), parent of its devices
            DeviceRoot = sysfs.CreateDirectory(bus.Name, bus.Model.DevicesDirectory),
        };
        sysfs.CreateFile("drivers_probe", dir, Wo, null, DriversProbeStore, bus);
        sysfs.CreateFile("drivers_autoprobe", dir, Rw, DriversAutoprobeShow, DriversAutoprobeStore, bus);
        return nodes;
    }

    public static void UnregisterBus(Bus bus)
    {
        SysFs sysfs = bus.Model.Kernel.SysFs;
        sysfs.Remove(bus.SysfsNodes.Directory);
        sysfs.Remove(bus.SysfsNodes.DeviceRoot);
    }

    // mirrors drivers/base/bus.c:drivers_probe_store + bus_rescan_devices_helper
    private static KResult<int> DriversProbeStore(KernfsNode node, ReadOnlySpan<byte> input)
    {
        Bus bus = node.Data<Bus>()!;
        if (bus.FindDevice(SysfsName(input)) is not { } device) return Errno.ENODEV;
        if (!device.IsBound) bus.Attach(device); // device_attach; its errors are the probe log's business
        return input.Length;
    }

    private static KResult<int> DriversAutoprobeShow(KernfsNode node, Span<byte> buffer) =>
        Emit(buffer, node.Data<Bus>()!.DriversAutoprobe ? "1\n" : "0\n");

    // mirrors drivers/base/bus.c:drivers_autoprobe_store: '0' turns it off, anything else on
    private static KResult<int> DriversAutoprobeStore(KernfsNode node, ReadOnlySpan<byte> input)
    {
        node.Data<Bus>()!.DriversAutoprobe = input[0] != (byte)'0';
        return input.Length;
    }

    // ---- drivers: bus.c:bus_add_driver / bus_remove_driver ---------------------------------------

    public static void AddDriverDirectory(DeviceDriver driver)
    {
        Bus bus = driver.Bus;
        driver.SysfsDirectory = bus.Model.Kernel.SysFs.CreateDirectory(driver.Name, bus.SysfsNodes.Drivers, data: driver);
    }

    // after driver_attach, as bus_add_driver: uevent, then add_bind_files (unbind, bind)
    public static void AddDriverFiles(DeviceDriver driver)
    {
        SysFs sysfs = driver.Bus.Model.Kernel.SysFs;
        KernfsNode dir = driver.SysfsDirectory!;
        string devpath = $"/bus/{driver.Bus.Name}/drivers/{driver.Name}";
        sysfs.CreateFile("uevent", dir, Wo, null, (n, input) => SynthUevent(driver.Bus.Model, input, devpath, "drivers", []), driver);
        if (!driver.SuppressBindAttrs)
        {
            sysfs.CreateFile("unbind", dir, Wo, null, UnbindStore, driver);
            sysfs.CreateFile("bind", dir, Wo, null, BindStore, driver);
        }
        driver.Bus.Model.SendUevent("add", devpath, "drivers", []);
    }

    // bus_remove_driver's first step: writers of bind and unbind finish before the driver is detached
    public static void RemoveDriverFiles(DeviceDriver driver)
    {
        SysFs sysfs = driver.Bus.Model.Kernel.SysFs;
        if (driver.SysfsDirectory is not { } dir) return;
        sysfs.Remove(sysfs.Lookup("bind", dir));
        sysfs.Remove(sysfs.Lookup("unbind", dir));
        sysfs.Remove(sysfs.Lookup("uevent", dir));
    }

    public static void RemoveDriverDirectory(DeviceDriver driver)
    {
        if (driver.SysfsDirectory is not { } dir) return;
        driver.Bus.Model.SendUevent("remove", $"/bus/{driver.Bus.Name}/drivers/{driver.Name}", "drivers", []);
        driver.Bus.Model.Kernel.SysFs.Remove(dir);
    }

    // mirrors drivers/base/bus.c:bind_store
    private static KResult<int> BindStore(KernfsNode node, ReadOnlySpan<byte> input)
    {
        DeviceDriver driver = node.Data<DeviceDriver>()!;
        KResult r = driver.Bus.Bind(driver, SysfsName(input));
        return r.IsOk ? input.Length : r.Error;
    }

    // mirrors drivers/base/bus.c:unbind_store
    private static KResult<int> UnbindStore(KernfsNode node, ReadOnlySpan<byte> input)
    {
        DeviceDriver driver = node.Data<DeviceDriver>()!;
        KResult r = driver.Bus.Unbind(driver, SysfsName(input));
        return r.IsOk ? input.Length : r.Error;
    }

    // ---- devices: core.c:device_add, bus.c:bus_add_device ----------------------------------------

    public static void AddDevice(Device device)
    {
        Bus bus = device.Bus;
        SysFs sysfs = bus.Model.Kernel.SysFs;
        KernfsNode dir = sysfs.CreateDirectory(device.Name, bus.SysfsNodes.DeviceRoot, data: device);
        device.SysfsDirectory = dir;
        sysfs.CreateFile("uevent", dir, Rw, UeventShow, UeventStore, device);
        // platform_dev_groups
        sysfs.CreateFile("modalias", dir, Ro, ModaliasShow, null, device);
        sysfs.CreateFile("driver_override", dir, Rw, DriverOverrideShow, DriverOverrideStore, device);
        if (bus is HotplugBus) sysfs.CreateFile("remove", dir, Wo, null, RemoveStore, device);
        // bus_add_device: the bus's link to the device, the device's link to its subsystem
        device.BusLink = sysfs.CreateSymlink(device.Name, bus.SysfsNodes.Devices, dir);
        sysfs.CreateSymlink("subsystem", dir, bus.SysfsNodes.Directory);
        bus.Model.SendUevent("add", DevPath(device), bus.Name, DeviceEnvironment(device));
    }

    // bus_remove_device's links go first; device_release_driver follows, then RemoveDevice
    public static void RemoveDeviceLinks(Device device)
    {
        SysFs sysfs = device.Bus.Model.Kernel.SysFs;
        if (device.SysfsDirectory is { } dir) sysfs.Remove(sysfs.Lookup("subsystem", dir));
        sysfs.Remove(device.BusLink);
    }

    // device_del: KOBJ_REMOVE, then kobject_del (draining readers of the device's attributes)
    public static void RemoveDevice(Device device)
    {
        if (device.SysfsDirectory is not { } dir) return;
        device.Bus.Model.SendUevent("remove", DevPath(device), device.Bus.Name, DeviceEnvironment(device));
        device.Bus.Model.Kernel.SysFs.Remove(dir);
    }

    /// <summary>mirrors drivers/base/dd.c:driver_sysfs_add: the driver's link to the device and the device's <c>driver</c> link.</summary>
    public static KResult AddDriverLinks(Device device, DeviceDriver driver)
    {
        SysFs sysfs = device.Bus.Model.Kernel.SysFs;
        if (device.SysfsDirectory is not { } dir || driver.SysfsDirectory is not { } driverDir) return Errno.ENODEV;
        try
        {
            device.DriverDirectoryLink = sysfs.CreateSymlink(device.Name, driverDir, dir);
            device.DriverLink = sysfs.CreateSymlink("driver", dir, driverDir);
            return KResult.Ok;
        }
        catch (KernelErrorException e)
        {
            RemoveDriverLinks(device);
            return e.Errno;
        }
    }

    /// <summary>mirrors drivers/base/dd.c:driver_sysfs_remove.</summary>
    public static void RemoveDriverLinks(Device device)
    {
        SysFs sysfs = device.Bus.Model.Kernel.SysFs;
        sysfs.Remove(device.DriverDirectoryLink);
        sysfs.Remove(device.DriverLink);
        device.DriverDirectoryLink = device.DriverLink = null;
    }

    public static string DevPath(Device device) => $"/devices/{device.Bus.Name}/{device.Name}";

    // mirrors drivers/base/core.c:dev_uevent (DRIVER=) + platform.c:platform_uevent (MODALIAS=)
    public static List<string> DeviceEnvironment(Device device)
    {
        var env = new List<string>(2);
        if (device.Driver is { } driver) env.Add($"DRIVER={driver.Name}");
        env.Add($"MODALIAS={device.Modalias}");
        return env;
    }

    // mirrors drivers/base/core.c:uevent_show (no device_lock since Linux 6.15: it blocked udev behind slow probes)
    private static KResult<int> UeventShow(KernfsNode node, Span<byte> buffer)
    {
        var text = new StringBuilder();
        foreach (string line in DeviceEnvironment(node.Data<Device>()!)) text.Append(line).Append('\n');
        return Emit(buffer, text.ToString());
    }

    // mirrors drivers/base/core.c:uevent_store
    private static KResult<int> UeventStore(KernfsNode node, ReadOnlySpan<byte> input)
    {
        Device device = node.Data<Device>()!;
        KResult<int> r = SynthUevent(device.Bus.Model, input, DevPath(device), device.Bus.Name, DeviceEnvironment(device));
        if (!r.IsOk) device.Log($"uevent: failed to send synthetic uevent: {-(int)r.Error}");
        return r;
    }

    // mirrors drivers/base/platform.c:modalias_show
    private static KResult<int> ModaliasShow(KernfsNode node, Span<byte> buffer) => Emit(buffer, node.Data<Device>()!.Modalias + "\n");

    // mirrors drivers/base/platform.c:driver_override_show ("%s\n" of NULL prints "(null)")
    private static KResult<int> DriverOverrideShow(KernfsNode node, Span<byte> buffer) =>
        Emit(buffer, (node.Data<Device>()!.DriverOverride ?? "(null)") + "\n");

    // mirrors drivers/base/driver.c:driver_set_override
    private static KResult<int> DriverOverrideStore(KernfsNode node, ReadOnlySpan<byte> input)
    {
        // sysfs_emit adds a newline to a PAGE_SIZE buffer: one character less fits
        if (input.Length >= Libfs.PageSize - 1) return Errno.EINVAL;
        ReadOnlySpan<byte> s = input;
        int nul = s.IndexOf((byte)0);
        if (nul >= 0) s = s[..nul]; // strlen: python writes trailing NULs
        int newline = s.IndexOf((byte)'\n');
        if (newline >= 0) s = s[..newline];
        node.Data<Device>()!.DriverOverride = s.IsEmpty ? null : Encoding.UTF8.GetString(s); // "" and "\n" clear it
        return input.Length;
    }

    // mirrors drivers/pci/pci-sysfs.c:remove_store: a hot-pluggable device removed through its own attribute
    private static KResult<int> RemoveStore(KernfsNode node, ReadOnlySpan<byte> input)
    {
        if (!Kstrtoul(input, out ulong value)) return Errno.EINVAL;
        if (value == 0) return input.Length;
        Device device = node.Data<Device>()!;
        // The unplug removes this very file: without this, kernfs_drain would wait for the write doing it.
        node.BreakActiveProtection();
        try
        {
            ((HotplugBus)device.Bus).Unplug(device);
        }
        finally
        {
            node.UnbreakActiveProtection();
        }
        return input.Length;
    }

    // ---- uevents: lib/kobject_uevent.c ------------------------------------------------------------

    // mirrors lib/kobject_uevent.c:kobject_synth_uevent ("ACTION [UUID [KEY=value ...]]")
    private static KResult<int> SynthUevent(DeviceModel model, ReadOnlySpan<byte> input, string devpath, string subsystem, List<string> env)
    {
        string text = Encoding.UTF8.GetString(input);
        int nul = text.IndexOf('\0');
        if (nul >= 0) text = text[..nul];
        if (text.EndsWith('\n')) text = text[..^1];
        int space = text.IndexOf(' ');
        string action = space < 0 ? text : text[..space];
        if (Array.IndexOf(KobjectActions, action) < 0)
        {
            model.Kernel.Log.Printk($"synth uevent: {devpath}: unknown uevent action string");
            return Errno.EINVAL;
        }
        var synth = new List<string>();
        if (space < 0)
        {
            synth.Add("SYNTH_UUID=0");
        }
        else
        {
            // kobject_action_args: a UUID, then " KEY=value" pairs (alphanumeric keys)
            string[] words = text[(space + 1)..].Split(' ');
            if (!IsUuid(words[0]))
            {
                model.Kernel.Log.Printk($"synth uevent: {devpath}: incorrect uevent action arguments");
                return Errno.EINVAL;
            }
            synth.Add($"SYNTH_UUID={words[0]}");
            for (int i = 1; i < words.Length; i++)
            {
                int eq = words[i].IndexOf('=');
                if (eq <= 0 || eq == words[i].Length - 1 || !IsAlnum(words[i].AsSpan(0, eq)))
                {
                    model.Kernel.Log.Printk($"synth uevent: {devpath}: incorrect uevent action arguments");
                    return Errno.EINVAL;
                }
                synth.Add($"SYNTH_ARG_{words[i]}");
            }
        }
        synth.AddRange(env);
        model.SendUevent(action, devpath, subsystem, synth);
        return input.Length;

        static bool IsAlnum(ReadOnlySpan<char> key)
        {
            foreach (char c in key)
                if (!char.IsAsciiLetterOrDigit(c)) return false;
            return true;
        }
    }

    private static bool IsUuid(string s)
    {
        if (s.Length != 36) return false;
        for (int i = 0; i < s.Length; i++)
        {
            bool dash = i is 8 or 13 or 18 or 23;
            if (dash ? s[i] != '-' : !char.IsAsciiHexDigit(s[i])) return false;
        }
        return true;
    }

    // ---- parsing as lib/ does ---------------------------------------------------------------------

    /// <summary>
    /// A device or driver name written to a sysfs file, compared as sysfs_streq does: up to the first
    /// NUL (the store's buffer is a C string), one trailing newline ignored.
    /// </summary>
    public static string SysfsName(ReadOnlySpan<byte> input)
    {
        int nul = input.IndexOf((byte)0);
        if (nul >= 0) input = input[..nul];
        if (!input.IsEmpty && input[^1] == (byte)'\n') input = input[..^1];
        return Encoding.UTF8.GetString(input);
    }

    /// <summary>mirrors lib/kstrtox.c:kstrtoul(s, 0, ...): optional '+', 0x/0 prefixes, one trailing newline, no overflow.</summary>
    public static bool Kstrtoul(ReadOnlySpan<byte> s, out ulong value)
    {
        value = 0;
        int nul = s.IndexOf((byte)0);
        if (nul >= 0) s = s[..nul];
        if (!s.IsEmpty && s[^1] == (byte)'\n') s = s[..^1];
        if (!s.IsEmpty && s[0] == (byte)'+') s = s[1..];
        uint radix = 10;
        if (s.Length >= 2 && s[0] == (byte)'0' && (s[1] | 0x20) == (byte)'x' && s.Length > 2 && Uri.IsHexDigit((char)s[2]))
        {
            radix = 16;
            s = s[2..];
        }
        else if (s.Length >= 1 && s[0] == (byte)'0')
        {
            radix = 8;
        }
        if (s.IsEmpty) return false;
        foreach (byte b in s)
        {
            uint digit = b is >= (byte)'0' and <= (byte)'9' ? (uint)(b - '0')
                : (b | 0x20) is >= (byte)'a' and <= (byte)'f' ? (uint)((b | 0x20) - 'a' + 10)
                : uint.MaxValue;
            if (digit >= radix) return false;
            ulong next = value * radix + digit;
            if (next / radix != value) return false; // ERANGE
            value = next;
        }
        return true;
    }

    /// <summary>sysfs_emit: the text into the page, truncated to it.</summary>
    public static KResult<int> Emit(Span<byte> buffer, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        int n = Math.Min(bytes.Length, buffer.Length);
        bytes.AsSpan(0, n).CopyTo(buffer);
        return n;
    }
}

/// <summary>What the kernel sent on its uevent socket (udev's view), newest last, the last 1024 kept.</summary>
internal sealed class UeventLog
{
    private const int Kept = 1024;
    private readonly Queue<Uevent> _events = new();
    private readonly Lock _lock = new();
    private ulong _seqnum;

    public ulong Seqnum
    {
        get { lock (_lock) return _seqnum; }
    }

    public IReadOnlyList<Uevent> Events
    {
        get { lock (_lock) return _events.ToArray(); }
    }

    // mirrors lib/kobject_uevent.c:kobject_uevent_env: ACTION, DEVPATH, SUBSYSTEM, the rest, SEQNUM
    public void Send(string action, string devpath, string subsystem, List<string> env)
    {
        lock (_lock)
        {
            ulong seqnum = ++_seqnum;
            var all = new List<string>(env.Count + 4) { $"ACTION={action}", $"DEVPATH={devpath}", $"SUBSYSTEM={subsystem}" };
            foreach (string e in env)
                if (action != "unbind" || !e.StartsWith("MODALIAS=", StringComparison.Ordinal)) all.Add(e); // zap_modalias_env
            all.Add($"SEQNUM={seqnum}");
            _events.Enqueue(new Uevent(seqnum, action, devpath, subsystem, all));
            while (_events.Count > Kept) _events.Dequeue();
        }
    }
}
