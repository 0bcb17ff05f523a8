using System;
using System.Linq;
using System.Text;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Devices;

/// <summary>
/// The device model's sysfs through the VFS, as a shell sees it: /sys/bus/&lt;bus&gt;/{devices,drivers},
/// bind, unbind, drivers_probe, drivers_autoprobe, and /sys/devices/&lt;bus&gt;/&lt;dev&gt;/{uevent,
/// modalias, driver, subsystem, driver_override, remove}, with Linux's contents, modes and errnos
/// (drivers/base/bus.c, dd.c, core.c, platform.c, driver.c; checked against a real /sys).
/// </summary>
[TestFixture]
internal sealed class DeviceSysfsTests : DeviceTestBase
{
    private const uint Dir = ProcFs.S_IFDIR, Reg = 0x8000, Lnk = 0xA000;

    private PlatformBus Platform => Kernel.DeviceModel.Platform;

    /// <summary><c>echo -n TEXT &gt; PATH</c> with one write(2): the write's result, or open's error.</summary>
    private long Echo(string path, string text) => Echo(path, Encoding.UTF8.GetBytes(text));

    private long Echo(string path, byte[] bytes)
    {
        int fd = Proc.Open(path, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC);
        if (fd < 0) return fd;
        nuint buffer = Buffer(Math.Max(1, bytes.Length));
        Assert.That(Proc.Memory.CopyToUser(buffer, bytes), Is.EqualTo((nuint)0));
        long n = Proc.Write(fd, buffer, (nuint)bytes.Length);
        Assert.That(Proc.Close(fd), Is.Zero);
        return n;
    }

    private string Cat(string path) => Proc.ReadAllText(path);

    private string Link(string path)
    {
        Assert.That(Proc.Readlink(path, out string target), Is.Zero, path);
        return target;
    }

    private bool Exists(string path) => Proc.Lstat(path, out _) == 0;

    private uint ModeOf(string path)
    {
        Assert.That(Proc.Lstat(path, out StatResult st), Is.Zero, path);
        return st.Mode;
    }

    [Test]
    public void Sys_bus_and_sys_devices_have_each_bus_with_its_files_and_modes()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ListDirectory("/sys").Select(e => e.Name), Is.SupersetOf(new[] { "bus", "devices", "kernel" }));
            Assert.That(ListDirectory("/sys/bus").Skip(2).Select(e => e.Name), Is.EquivalentTo(new[] { "hotplug", "platform" }));
            Assert.That(ListDirectory("/sys/devices").Skip(2).Select(e => e.Name), Is.EquivalentTo(new[] { "hotplug", "platform" }));
            Assert.That(ListDirectory("/sys/bus/platform").Skip(2).Select(e => (e.Name, e.Mode)), Is.EquivalentTo(new[]
            {
                ("devices", Dir), ("drivers", Dir), ("drivers_autoprobe", Reg), ("drivers_probe", Reg), ("uevent", Reg),
            }));
            // bus_register: BUS_ATTR_WO(drivers_probe), BUS_ATTR_RW(drivers_autoprobe), __ATTR(uevent, 0200, ...)
            Assert.That(ModeOf("/sys/bus/platform/drivers_probe"), Is.EqualTo(Reg | 0x80));
            Assert.That(ModeOf("/sys/bus/platform/drivers_autoprobe"), Is.EqualTo(Reg | 0x1A4));
            Assert.That(ModeOf("/sys/bus/platform/uevent"), Is.EqualTo(Reg | 0x80));
            Assert.That(Cat("/sys/bus/platform/drivers_autoprobe"), Is.EqualTo("1\n"));
            Assert.That(Proc.Open("/sys/bus/platform/drivers_probe", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.EACCES)), "no show: kernfs_fop_open refuses reading");
        }
    }

    [Test]
    public void A_bound_platform_device_has_its_directory_links_and_attributes()
    {
        string name = UniqueName("sysdev");
        using DeviceDriver driver = Platform.RegisterDriver(name, PlainDriver.Table);
        Device device = Platform.Register(name, 0);
        string dev = $"/sys/devices/platform/{device.Name}";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(device.SysfsPath, Is.EqualTo(dev));
            Assert.That(driver.SysfsPath, Is.EqualTo($"/sys/bus/platform/drivers/{name}"));
            Assert.That(ListDirectory(dev).Skip(2).Select(e => (e.Name, e.Mode)), Is.EquivalentTo(new[]
            {
                ("driver", Lnk), ("driver_override", Reg), ("modalias", Reg), ("subsystem", Lnk), ("uevent", Reg),
            }));
            Assert.That(ModeOf($"{dev}/uevent"), Is.EqualTo(Reg | 0x1A4), "DEVICE_ATTR_RW(uevent)");
            Assert.That(ModeOf($"{dev}/modalias"), Is.EqualTo(Reg | 0x124), "DEVICE_ATTR_RO(modalias)");
            Assert.That(ModeOf($"{dev}/driver_override"), Is.EqualTo(Reg | 0x1A4));
            // the links Linux makes, relative as kernfs_get_target_path writes them
            Assert.That(Link($"/sys/bus/platform/devices/{device.Name}"), Is.EqualTo($"../../../devices/platform/{device.Name}"));
            Assert.That(Link($"{dev}/subsystem"), Is.EqualTo("../../../bus/platform"));
            Assert.That(Link($"{dev}/driver"), Is.EqualTo($"../../../bus/platform/drivers/{name}"));
            Assert.That(Link($"/sys/bus/platform/drivers/{name}/{device.Name}"), Is.EqualTo($"../../../../devices/platform/{device.Name}"));
            Assert.That(ListDirectory($"/sys/bus/platform/drivers/{name}").Skip(2).Select(e => (e.Name, e.Mode)), Is.EquivalentTo(new[]
            {
                ("bind", Reg), (device.Name, Lnk), ("uevent", Reg), ("unbind", Reg),
            }));
            Assert.That(ModeOf($"/sys/bus/platform/drivers/{name}/bind"), Is.EqualTo(Reg | 0x80), "DRIVER_ATTR_IGNORE_LOCKDEP(bind, 0200, ...)");
            Assert.That(ModeOf($"/sys/bus/platform/drivers/{name}/unbind"), Is.EqualTo(Reg | 0x80));
            // the links resolve: the same inode by every path
            Assert.That(StatOf($"/sys/bus/platform/devices/{device.Name}/uevent").Inode, Is.EqualTo(StatOf($"{dev}/uevent").Inode));
            Assert.That(StatOf($"{dev}/driver/bind").Inode, Is.EqualTo(StatOf($"/sys/bus/platform/drivers/{name}/bind").Inode));
            Assert.That(StatOf($"{dev}/subsystem/drivers_probe").Inode, Is.EqualTo(StatOf("/sys/bus/platform/drivers_probe").Inode));
            // contents: dev_uevent's DRIVER=, platform_uevent's MODALIAS=, modalias_show, driver_override_show of NULL
            Assert.That(Cat($"{dev}/uevent"), Is.EqualTo($"DRIVER={name}\nMODALIAS=platform:{name}\n"));
            Assert.That(Cat($"{dev}/modalias"), Is.EqualTo($"platform:{name}\n"));
            Assert.That(Cat($"{dev}/driver_override"), Is.EqualTo("(null)\n"));
        }
    }

    [Test]
    public void Bind_and_unbind_written_through_the_VFS_answer_as_bind_store_and_unbind_store()
    {
        string name = UniqueName("echo");
        Device device = Platform.Register(name);
        using DeviceDriver driver = Platform.RegisterDriver(name, PlainDriver.Table);
        using DeviceDriver other = Platform.RegisterDriver(UniqueName("otherdrv"), PlainDriver.Table);
        string bind = $"{driver.SysfsPath}/bind", unbind = $"{driver.SysfsPath}/unbind";
        string dev = device.SysfsPath;
        Assert.That(device.Driver, Is.SameAs(driver));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Echo(bind, name + "\n"), Is.EqualTo(Err(Errno.EBUSY)), "device_driver_attach: already bound");
            Assert.That(Echo($"{other.SysfsPath}/unbind", name), Is.EqualTo(Err(Errno.ENODEV)), "bound to another driver");
            Assert.That(Echo(unbind, "nosuch\n"), Is.EqualTo(Err(Errno.ENODEV)), "bus_find_device_by_name found nothing");
            Assert.That(Echo(unbind, name + "\n\n"), Is.EqualTo(Err(Errno.ENODEV)), "sysfs_streq ignores one newline only");
            Assert.That(Echo(unbind, name + "\n"), Is.EqualTo((long)name.Length + 1), "the whole write is taken");
            Assert.That(device.IsBound, Is.False);
            Assert.That(Exists($"{dev}/driver"), Is.False, "driver_sysfs_remove: the driver link is gone");
            Assert.That(Exists($"{driver.SysfsPath}/{name}"), Is.False, "and the driver's link to the device");
            Assert.That(Cat($"{dev}/uevent"), Is.EqualTo($"MODALIAS=platform:{name}\n"), "no DRIVER= when unbound");
            Assert.That(Echo(unbind, name), Is.EqualTo(Err(Errno.ENODEV)), "not bound any more");
            Assert.That(Echo($"{other.SysfsPath}/bind", name), Is.EqualTo(Err(Errno.ENODEV)), "driver_match_device says no");
            Assert.That(Echo(bind, "nosuch"), Is.EqualTo(Err(Errno.ENODEV)));
            Assert.That(Echo(bind, name), Is.EqualTo((long)name.Length), "no newline is fine too");
            Assert.That(device.Driver, Is.SameAs(driver));
            Assert.That(Link($"{dev}/driver"), Is.EqualTo($"../../../bus/platform/drivers/{name}"));
            // the unbind file reached through the device's own driver link
            Assert.That(Echo($"{dev}/driver/unbind", name + "\n"), Is.EqualTo((long)name.Length + 1));
            Assert.That(device.IsBound, Is.False);
            Assert.That(Echo($"{dev}/driver/unbind", name), Is.EqualTo(Err(Errno.ENOENT)), "no driver link, no path");
        }
    }

    [Test]
    public void A_probe_failing_through_bind_returns_its_errno_and_leaves_no_link()
    {
        string name = UniqueName("failbind");
        TestPlan plan = TestPlan.Set(name, new TestPlan { Map = false, FailWith = Errno.EIO });
        using DeviceDriver driver = Platform.RegisterDriver(name, TestDriver.Table);
        Device device = Platform.Register(name);
        Assert.That(device.IsBound, Is.False, "the first probe failed too");
        plan.Events.Clear();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Echo($"{driver.SysfsPath}/bind", name), Is.EqualTo(Err(Errno.EIO)), "device_driver_attach returns the probe's error");
            Assert.That(plan.Events, Is.EqualTo(new[] { "probe" }));
            Assert.That(Exists($"{device.SysfsPath}/driver"), Is.False);
            Assert.That(Exists($"{driver.SysfsPath}/{name}"), Is.False);
        }
        plan.FailWith = Errno.ENODEV;
        Assert.That(Echo($"{driver.SysfsPath}/bind", name), Is.EqualTo(Err(Errno.ENODEV)), "a probe rejecting the match");
    }

    [Test]
    public void Bind_and_unbind_are_root_only_and_write_only()
    {
        string name = UniqueName("perm");
        using DeviceDriver driver = Platform.RegisterDriver(name, PlainDriver.Table);
        Platform.Register(name);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Open($"{driver.SysfsPath}/unbind", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(Proc.Open($"{driver.SysfsPath}/bind", OpenFlags.O_RDWR), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(Proc.Open($"/sys/devices/platform/{name}/modalias", OpenFlags.O_WRONLY), Is.EqualTo(Err(Errno.EACCES)), "0444 even for root: no store");
        }
        using UserProcess user = Kernel.CreateProcess("user");
        Assert.That(user.SetUid(1000), Is.Zero);
        Assert.That(user.Open($"{driver.SysfsPath}/unbind", OpenFlags.O_WRONLY), Is.EqualTo(Err(Errno.EACCES)), "0200 root");
        Assert.That(user.ReadAllText($"/sys/devices/platform/{name}/uevent"), Does.StartWith("DRIVER="), "0644: anyone reads");
        Assert.That(Platform.FindDevice(name)!.IsBound, Is.True);
    }

    [Test]
    public void Drivers_autoprobe_off_leaves_new_devices_for_drivers_probe_or_bind()
    {
        string name = UniqueName("manual");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Echo("/sys/bus/platform/drivers_autoprobe", "0\n"), Is.EqualTo(2L));
            Assert.That(Cat("/sys/bus/platform/drivers_autoprobe"), Is.EqualTo("0\n"));
            Assert.That(Platform.DriversAutoprobe, Is.False);
        }
        using DeviceDriver driver = Platform.RegisterDriver(name, PlainDriver.Table);
        Device a = Platform.Register(name, 1), b = Platform.Register(name, 2);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(a.IsBound || b.IsBound, Is.False, "neither bus_probe_device nor driver_attach probed");
            Assert.That(Echo("/sys/bus/platform/drivers_probe", "nosuch"), Is.EqualTo(Err(Errno.ENODEV)));
            Assert.That(Echo("/sys/bus/platform/drivers_probe", a.Name + "\n"), Is.EqualTo((long)a.Name.Length + 1));
            Assert.That(a.Driver, Is.SameAs(driver), "bus_rescan_devices_helper attached it");
            Assert.That(Echo("/sys/bus/platform/drivers_probe", a.Name), Is.EqualTo((long)a.Name.Length), "a bound device: nothing to do, no error");
            Assert.That(Echo($"{driver.SysfsPath}/bind", b.Name), Is.EqualTo((long)b.Name.Length), "bind works whatever autoprobe says");
            Assert.That(b.Driver, Is.SameAs(driver));
            // drivers_autoprobe_store: anything but a leading '0' turns it on
            Assert.That(Echo("/sys/bus/platform/drivers_autoprobe", "yes"), Is.EqualTo(3L));
            Assert.That(Cat("/sys/bus/platform/drivers_autoprobe"), Is.EqualTo("1\n"));
        }
        Device c = Platform.Register(name, 3);
        Assert.That(c.Driver, Is.SameAs(driver));
        Device unmatched = Platform.Register(UniqueName("nomatch"));
        Assert.That(Echo("/sys/bus/platform/drivers_probe", unmatched.Name), Is.EqualTo((long)unmatched.Name.Length), "no driver matched: still no error");
        Assert.That(unmatched.IsBound, Is.False);
    }

    [Test]
    public void Driver_override_restricts_binding_to_the_named_driver_and_clears_with_a_newline()
    {
        string name = UniqueName("ovr");
        string otherName = UniqueName("ovrdrv");
        using DeviceDriver driver = Platform.RegisterDriver(name, PlainDriver.Table);
        using DeviceDriver other = Platform.RegisterDriver(otherName, PlainDriver.Table);
        Device device = Platform.Register(name);
        string ovr = $"{device.SysfsPath}/driver_override";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Echo(ovr, otherName + "\n"), Is.EqualTo((long)otherName.Length + 1));
            Assert.That(Cat(ovr), Is.EqualTo(otherName + "\n"), "stored without its newline");
            Assert.That(device.DriverOverride, Is.EqualTo(otherName));
            Assert.That(device.Driver, Is.SameAs(driver), "a bound driver stays bound");
            Assert.That(Echo($"{driver.SysfsPath}/unbind", device.Name), Is.EqualTo((long)device.Name.Length));
            Assert.That(Echo($"{driver.SysfsPath}/bind", device.Name), Is.EqualTo(Err(Errno.ENODEV)), "platform_match: the override only");
            Assert.That(Echo("/sys/bus/platform/drivers_probe", device.Name), Is.EqualTo((long)device.Name.Length));
            Assert.That(device.Driver, Is.SameAs(other), "device_attach found the overriding driver");
            Assert.That(Echo(ovr, "\n"), Is.EqualTo(1L));
            Assert.That(Cat(ovr), Is.EqualTo("(null)\n"), "\"\\n\" clears it");
            Assert.That(Echo(ovr, "x\0\0\0"), Is.EqualTo(4L), "strlen: trailing NULs as python writes them");
            Assert.That(Cat(ovr), Is.EqualTo("x\n"));
            Assert.That(Echo(ovr, new string('a', 4095)), Is.EqualTo(Err(Errno.EINVAL)), "len >= PAGE_SIZE - 1");
            Assert.That(Cat(ovr), Is.EqualTo("x\n"), "a refused write changes nothing");
            Assert.That(Echo(ovr, new string('a', 4094)), Is.EqualTo(4094L));
            Assert.That(Cat(ovr), Has.Length.EqualTo(4095));
        }
        device.DriverOverride = null;
        Assert.That(Cat(ovr), Is.EqualTo("(null)\n"));
    }

    [Test]
    public void Uevent_files_synthesize_events_and_refuse_unknown_actions()
    {
        string name = UniqueName("uev");
        ulong before = Kernel.DeviceModel.UeventSeqnum;
        using DeviceDriver driver = Platform.RegisterDriver(name, PlainDriver.Table);
        Device device = Platform.Register(name, 0);
        Assert.That(device.Unbind(), Is.EqualTo(KResult.Ok));
        string devpath = $"/devices/platform/{device.Name}";
        Uevent[] sent = Kernel.DeviceModel.Uevents.Where(e => e.Seqnum > before).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sent.Select(e => (e.Action, e.DevPath)), Is.EqualTo(new[]
            {
                ("add", $"/bus/platform/drivers/{name}"), ("add", devpath), ("bind", devpath), ("unbind", devpath),
            }));
            Assert.That(sent[2].Environment, Is.EqualTo(new[]
            {
                "ACTION=bind", $"DEVPATH={devpath}", "SUBSYSTEM=platform", $"DRIVER={name}", $"MODALIAS=platform:{name}", $"SEQNUM={sent[2].Seqnum}",
            }));
            Assert.That(sent[3].Environment, Has.None.StartsWith("MODALIAS="), "zap_modalias_env on unbind");
            Assert.That(sent[3].Environment, Has.None.StartsWith("DRIVER="));
        }
        ulong seq = Kernel.DeviceModel.UeventSeqnum;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Echo($"{device.SysfsPath}/uevent", "change\n"), Is.EqualTo(7L));
            Uevent change = Kernel.DeviceModel.Uevents[^1];
            Assert.That(change.Seqnum, Is.EqualTo(seq + 1));
            Assert.That(change.Environment, Is.EqualTo(new[]
            {
                "ACTION=change", $"DEVPATH={devpath}", "SUBSYSTEM=platform", "SYNTH_UUID=0", $"MODALIAS=platform:{name}", $"SEQNUM={seq + 1}",
            }));
            const string Uuid = "0c1e3a4b-5d6f-4a8b-9c0d-1e2f3a4b5c6d";
            Assert.That(Echo($"{device.SysfsPath}/uevent", $"add {Uuid} A=1 B2=x"), Is.GreaterThan(0));
            Assert.That(Kernel.DeviceModel.Uevents[^1].Environment, Is.SupersetOf(new[] { $"SYNTH_UUID={Uuid}", "SYNTH_ARG_A=1", "SYNTH_ARG_B2=x" }));
            Assert.That(Echo($"{device.SysfsPath}/uevent", "bogus"), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Echo($"{device.SysfsPath}/uevent", "add not-a-uuid"), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Kernel.Log.Lines, Has.Some.Contains($"synth uevent: {devpath}: unknown uevent action string"));
            Assert.That(Kernel.Log.Lines, Has.Some.Contains($"{device.Name}: uevent: failed to send synthetic uevent: -22"));
            Assert.That(Echo("/sys/bus/platform/uevent", "add"), Is.EqualTo(3L));
            Assert.That(Kernel.DeviceModel.Uevents[^1].DevPath, Is.EqualTo("/bus/platform"));
            Assert.That(Echo($"{driver.SysfsPath}/uevent", "remove\n"), Is.EqualTo(7L));
            Assert.That(Kernel.DeviceModel.Uevents[^1].Subsystem, Is.EqualTo("drivers"));
        }
    }

    [Test]
    public void Entries_vanish_with_their_device_and_driver_and_open_files_then_answer_ENODEV()
    {
        string name = UniqueName("gone");
        DeviceDriver driver = Platform.RegisterDriver(name, PlainDriver.Table);
        Device device = Platform.Register(name);
        string dev = device.SysfsPath;
        int uevent = Proc.Open($"{dev}/uevent", OpenFlags.O_RDONLY);
        int bind = Proc.Open($"{driver.SysfsPath}/bind", OpenFlags.O_WRONLY);
        Assert.That(uevent, Is.GreaterThanOrEqualTo(0));
        Assert.That(bind, Is.GreaterThanOrEqualTo(0));
        Platform.Unregister(device);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Exists(dev), Is.False);
            Assert.That(Exists($"/sys/bus/platform/devices/{name}"), Is.False);
            Assert.That(Exists($"{driver.SysfsPath}/{name}"), Is.False);
            Assert.That(Proc.Read(uevent, Buffer(64), 64), Is.EqualTo((nint)Err(Errno.ENODEV)), "kernfs: the node was removed");
        }
        driver.Dispose();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Exists(driver.SysfsPath), Is.False);
            Assert.That(Proc.Write(bind, UserString(name), (nuint)name.Length), Is.EqualTo((nint)Err(Errno.ENODEV)));
            Assert.That(Proc.Close(uevent), Is.Zero);
            Assert.That(Proc.Close(bind), Is.Zero);
            Assert.That(ListDirectory("/sys/bus/platform/drivers").Skip(2), Is.Empty);
            Assert.That(ListDirectory("/sys/devices/platform").Skip(2), Is.Empty);
        }
    }

    [Test]
    public void A_module_unload_takes_its_drivers_directories_away()
    {
        string name = UniqueName("moddrv");
        Kernel.Modules.Load(new DeviceModule(name, c => c.Drivers.Register(Kernel.DeviceModel.Hotplug, name, PlainDriver.Table)));
        Device device = Kernel.DeviceModel.Hotplug.Plug(name);
        Assert.That(Link($"{device.SysfsPath}/driver"), Is.EqualTo($"../../../bus/hotplug/drivers/{name}"));
        Assert.That(Kernel.Modules.Unload(name), Is.EqualTo(KResult.Ok));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Exists($"/sys/bus/hotplug/drivers/{name}"), Is.False);
            Assert.That(Exists($"{device.SysfsPath}/driver"), Is.False);
            Assert.That(Cat($"{device.SysfsPath}/uevent"), Is.EqualTo($"MODALIAS=hotplug:{name}\n"), "the device stays, unbound");
        }
        Kernel.DeviceModel.Hotplug.Unplug(device);
    }

    [Test, CancelAfter(20_000)]
    public void A_hotplug_device_removed_through_its_own_remove_file_does_not_wait_for_that_write()
    {
        string name = UniqueName("selfremove");
        using DeviceDriver driver = Kernel.DeviceModel.Hotplug.RegisterDriver(name, PlainDriver.Table);
        Device device = Kernel.DeviceModel.Hotplug.Plug(name);
        string remove = $"{device.SysfsPath}/remove";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ModeOf(remove), Is.EqualTo(Reg | 0x80));
            Assert.That(Echo(remove, "x"), Is.EqualTo(Err(Errno.EINVAL)), "kstrtoul");
            Assert.That(Echo(remove, "0\n"), Is.EqualTo(2L), "0 removes nothing");
            Assert.That(device.IsRegistered, Is.True);
        }
        Assert.That(Echo(remove, "1\n"), Is.EqualTo(2L), "sysfs_break_active_protection: the removal does not wait for this write");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(device.IsRegistered, Is.False);
            Assert.That(PlainDriver.Events, Has.Member("remove " + device.Name));
            Assert.That(Exists(device.SysfsPath), Is.False);
            Assert.That(Kernel.DeviceModel.Hotplug.Devices, Is.Empty);
        }
    }

    [Test, CancelAfter(20_000)]
    public void An_attribute_removing_itself_without_breaking_active_protection_is_reported_not_hung()
    {
        KernfsNode dir = Kernel.SysFs.CreateDirectory("selfish", Kernel.SysFs.KernelDirectory);
        Kernel.SysFs.CreateFile("destroy", dir, 0x80, null, (node, input) =>
        {
            Kernel.SysFs.Remove(node.Parent); // kernfs_remove of its own directory from its own store
            return input.Length;
        });
        Assert.That(Echo("/sys/kernel/selfish/destroy", "1"), Is.EqualTo(1L));
        Assert.That(Exists("/sys/kernel/selfish"), Is.False);
        var reports = TakeReports();
        Assert.That(reports, Has.Count.EqualTo(1));
        Assert.That(reports[0].Kind, Is.EqualTo(SanitizerReportKind.Deadlock));
        Assert.That(reports[0].Resource, Is.EqualTo("sysfs /sys/kernel/selfish/destroy"));
        Assert.That(reports[0].Detail, Does.Contain("sysfs_break_active_protection"));
    }

    [Test]
    public void Break_active_protection_outside_the_nodes_own_call_is_refused()
    {
        KernfsNode file = Kernel.SysFs.CreateFile("plain", Kernel.SysFs.KernelDirectory, 0x124, (n, b) => DeviceEcho(b), null);
        Assert.Throws<InvalidOperationException>(file.BreakActiveProtection);
        Assert.Throws<InvalidOperationException>(file.UnbreakActiveProtection);
        file.Dispose();

        static KResult<int> DeviceEcho(Span<byte> buffer)
        {
            buffer[0] = (byte)'x';
            return 1;
        }
    }

    [Test, CancelAfter(60_000)]
    public void Unbind_written_while_a_reader_holds_the_uevent_file_and_the_device_vanishes_finishes()
    {
        string name = UniqueName("race");
        using DeviceDriver driver = Kernel.DeviceModel.Hotplug.RegisterDriver(name, PlainDriver.Table);
        int stop = 0;
        Exception? failure = null;
        var readers = Enumerable.Range(0, 2).Select(t => new Thread(() =>
        {
            try
            {
                using UserProcess p = Kernel.CreateProcess($"reader{t}");
                UserMapping buf = p.Memory.Map(256);
                while (Volatile.Read(ref stop) == 0)
                {
                    foreach (string path in new[] { $"/sys/devices/hotplug/{name}/uevent", $"/sys/bus/hotplug/drivers/{name}/unbind" })
                    {
                        bool write = path.EndsWith("unbind", StringComparison.Ordinal);
                        int fd = p.Open(path, write ? OpenFlags.O_WRONLY : OpenFlags.O_RDONLY);
                        if (fd < 0)
                        {
                            // ENOENT: the name is gone; ENODEV: found, then removed before kernfs_fop_open
                            if (fd != Err(Errno.ENOENT) && fd != Err(Errno.ENODEV)) throw new InvalidOperationException($"open {path}: {(Errno)(-fd)}");
                            continue;
                        }
                        nint n;
                        if (write)
                        {
                            p.Memory.CopyToUser(buf.Address, Encoding.ASCII.GetBytes(name));
                            n = p.Write(fd, buf.Address, (nuint)name.Length);
                        }
                        else
                        {
                            n = p.Read(fd, buf.Address, 256);
                        }
                        if (n < 0 && n != Err(Errno.ENODEV)) throw new InvalidOperationException($"{path}: {(Errno)(-n)}");
                        if (p.Close(fd) != 0) throw new InvalidOperationException("close");
                    }
                }
            }
            catch (Exception e)
            {
                failure = e;
            }
        })).ToArray();
        foreach (Thread t in readers) t.Start();
        for (int i = 0; i < 300; i++)
        {
            Device d = Kernel.DeviceModel.Hotplug.Plug(name);
            Thread.Yield();
            Kernel.DeviceModel.Hotplug.Unplug(d);
        }
        Volatile.Write(ref stop, 1);
        foreach (Thread t in readers) Assert.That(t.Join(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(failure, Is.Null, failure?.ToString());
        Assert.That(Kernel.DeviceModel.Hotplug.Devices, Is.Empty);
        Assert.That(ListDirectory("/sys/devices/hotplug").Skip(2), Is.Empty);
    }
    [Test]
    public void A_drivers_attribute_lives_while_bound_and_open_files_get_ENODEV_after_unbind()
    {
        string name = UniqueName("attr");
        int value = 7;
        bool attributeSeenInRemove = true;
        TestPlan.Set(name, new TestPlan
        {
            Map = false,
            OnRemove = s => attributeSeenInRemove = Kernel.SysFs.Lookup("threshold", Kernel.SysFs.Lookup(s.Device.Name, Kernel.SysFs.Lookup("platform", Kernel.SysFs.Lookup("devices")))) is not null,
            OnCoreProbe = d => d.CreateAttribute("threshold", 0x1A4,
                (node, buffer) => DeviceSysfsTestText.Emit(buffer, $"{Volatile.Read(ref value)}\n"),
                (node, input) => int.TryParse(Encoding.ASCII.GetString(input).TrimEnd('\n'), out int v) ? SetValue(v, input.Length) : Errno.EINVAL),
        });
        KResult<int> SetValue(int v, int length)
        {
            Volatile.Write(ref value, v);
            return length;
        }
        using DeviceDriver driver = Platform.RegisterDriver(name, TestDriver.Table);
        Device device = Platform.Register(name);
        string attr = $"{device.SysfsPath}/threshold";
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ModeOf(attr), Is.EqualTo(Reg | 0x1A4));
            Assert.That(Cat(attr), Is.EqualTo("7\n"));
            Assert.That(Echo(attr, "42\n"), Is.EqualTo(3L));
            Assert.That(Cat(attr), Is.EqualTo("42\n"));
            Assert.That(Echo(attr, "many"), Is.EqualTo(Err(Errno.EINVAL)), "the store's errno reaches write(2)");
            Assert.That(device.ManagedResources, Has.Some.EqualTo("devm_device_add_group threshold"));
        }
        int fd = Proc.Open(attr, OpenFlags.O_RDONLY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Assert.That(Echo($"{driver.SysfsPath}/unbind", device.Name), Is.EqualTo((long)device.Name.Length));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Exists(attr), Is.False, "removed at unbind");
            Assert.That(attributeSeenInRemove, Is.False, "device_remove: dev_groups go before the driver's remove");
            Assert.That(Proc.Pread(fd, Buffer(16), 16, 0), Is.EqualTo((nint)Err(Errno.ENODEV)));
            Assert.That(Proc.Close(fd), Is.Zero);
        }
        Assert.That(Echo($"{driver.SysfsPath}/bind", device.Name), Is.EqualTo((long)device.Name.Length));
        Assert.That(Cat(attr), Is.EqualTo("42\n"), "the next probe makes it again");
    }

    [TestCase(true)]
    [TestCase(false)]
    public void A_drivers_attribute_unbinding_its_own_device_does_not_hang(bool breaksProtection)
    {
        string name = UniqueName("unbindme");
        TestPlan.Set(name, new TestPlan
        {
            Map = false,
            OnCoreProbe = d =>
            {
                Device self = d.Device;
                d.CreateAttribute("unbind_me", 0x80, null, (node, input) =>
                {
                    // the unbind removes this very file (devres): it must not wait for this write
                    if (breaksProtection) node.BreakActiveProtection();
                    KResult r = self.Unbind();
                    if (breaksProtection) node.UnbreakActiveProtection();
                    return r.IsOk ? input.Length : r.Error;
                });
            },
        });
        using DeviceDriver driver = Platform.RegisterDriver(name, TestDriver.Table);
        Device device = Platform.Register(name);
        long written = 0;
        var writer = new Thread(() => written = Echo($"{device.SysfsPath}/unbind_me", "1"));
        writer.Start();
        Assert.That(writer.Join(TimeSpan.FromSeconds(20)), Is.True, "the write finished");
        Assert.That(written, Is.EqualTo(1L));
        Assert.That(device.IsBound, Is.False);
        Assert.That(Exists($"{device.SysfsPath}/unbind_me"), Is.False);
        var reports = TakeReports();
        if (breaksProtection)
        {
            Assert.That(reports, Is.Empty);
            return;
        }
        Assert.That(reports.Select(r => (r.Kind, r.Resource)), Is.EqualTo(new[] { (SanitizerReportKind.Deadlock, $"sysfs {device.SysfsPath}/unbind_me") }));
    }
    [Test]
    public unsafe void A_table_with_suppress_bind_attrs_gets_no_bind_or_unbind_file()
    {
        // what a C driver declares with .driver.suppress_bind_attrs = true
        var native = (PlatformDriver*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(PlatformDriver));
        try
        {
            *native = PlainDriver.Table.Value;
            native->driver.suppress_bind_attrs = 1;
            string name = UniqueName("nobind");
            using (DeviceDriver driver = Platform.RegisterDriver(name, new OpsTable<PlatformDriver>(native, name)))
            {
                Device device = Platform.Register(name);
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(driver.SuppressBindAttrs, Is.True);
                    Assert.That(device.Driver, Is.SameAs(driver), "it still binds");
                    Assert.That(ListDirectory(driver.SysfsPath).Skip(2).Select(e => e.Name), Is.EquivalentTo(new[] { "uevent", device.Name }));
                    Assert.That(Echo($"{driver.SysfsPath}/unbind", device.Name), Is.EqualTo(Err(Errno.ENOENT)), "no such file");
                }
                Platform.Unregister(device);
            }
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(native);
        }
    }
}

internal static class DeviceSysfsTestText
{
    public static KResult<int> Emit(Span<byte> buffer, string text) => Encoding.ASCII.GetBytes(text, buffer);
}
