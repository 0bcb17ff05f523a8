using System;
using System.Linq;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Devices;

/// <summary>Buses, devices and drivers: match, probe, remove, bind and unbind, as drivers/base/ does them.</summary>
[TestFixture]
internal sealed class BusTests : DeviceTestBase
{
    [Test]
    public void A_device_registered_after_its_driver_is_probed_and_removed_when_unregistered()
    {
        string name = UniqueName("plain");
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(name, PlainDriver.Table);
        Device device = Kernel.DeviceModel.Platform.Register(name, 0);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(device.Name, Is.EqualTo(name + ".0"), "platform_device_add names it name.id");
            Assert.That(device.Driver, Is.SameAs(driver));
            Assert.That(driver.BoundDevices, Is.EqualTo(new[] { device }));
            Assert.That(PlainDriver.Events, Has.Member("probe " + device.Name));
        }
        Kernel.DeviceModel.Platform.Unregister(device);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(device.IsBound, Is.False);
            Assert.That(device.IsRegistered, Is.False);
            Assert.That(PlainDriver.Events, Has.Member("remove " + device.Name));
            Assert.That(Kernel.DeviceModel.Platform.FindDevice(device.Name), Is.Null);
            Assert.That(DeviceCounters().Devices, Is.Zero, "the native platform_device is freed with the last reference");
        }
    }

    [Test]
    public void Registering_a_driver_binds_the_devices_already_there_that_it_matches()
    {
        string name = UniqueName("early");
        Device matching = Kernel.DeviceModel.Platform.Register(name, 1);
        Device other = Kernel.DeviceModel.Platform.Register(name + "x", Bus.IdNone);
        Assert.That(matching.IsBound, Is.False, "no driver yet");
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(name, PlainDriver.Table);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(matching.Driver, Is.SameAs(driver), "driver_attach bound it");
            Assert.That(other.IsBound, Is.False, "platform_match compares the whole name");
        }
        driver.Dispose();
        Assert.That(matching.IsBound, Is.False, "driver_unregister unbinds every device");
        Assert.That(driver.IsRegistered, Is.False);
    }

    [Test]
    public void An_id_table_matches_several_device_names_and_replaces_the_driver_name()
    {
        string a = UniqueName("ida"), b = UniqueName("idb");
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(UniqueName("idtable"), PlainDriver.Table, a, b);
        Device da = Kernel.DeviceModel.Platform.Register(a);
        Device db = Kernel.DeviceModel.Platform.Register(b, Bus.IdAuto);
        Device dc = Kernel.DeviceModel.Platform.Register(driver.Name);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(da.Name, Is.EqualTo(a), "PLATFORM_DEVID_NONE: no suffix");
            Assert.That(db.Name, Does.Match(@"\.\d+\.auto$"), "PLATFORM_DEVID_AUTO");
            Assert.That(da.Driver, Is.SameAs(driver));
            Assert.That(db.Driver, Is.SameAs(driver));
            Assert.That(dc.IsBound, Is.False, "with an id table the driver's own name does not match");
        }
    }

    [Test]
    public void Duplicate_device_and_driver_names_are_refused()
    {
        string name = UniqueName("dup");
        Kernel.DeviceModel.Platform.Register(name);
        Assert.That(() => Kernel.DeviceModel.Platform.Register(name), Throws.TypeOf<KernelErrorException>().With.Property("Errno").EqualTo(Errno.EEXIST));
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(name, PlainDriver.Table);
        Assert.That(() => Kernel.DeviceModel.Platform.RegisterDriver(name, PlainDriver.Table), Throws.TypeOf<KernelErrorException>().With.Property("Errno").EqualTo(Errno.EBUSY));
        Assert.That(Kernel.Log.Lines, Has.Some.Contains($"Driver '{name}' is already registered"));
    }

    [Test]
    public void Bind_and_unbind_answer_as_the_sysfs_files_do()
    {
        string name = UniqueName("bind");
        Device device = Kernel.DeviceModel.Platform.Register(name);
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(name, PlainDriver.Table);
        using DeviceDriver other = Kernel.DeviceModel.Platform.RegisterDriver(UniqueName("otherdrv"), PlainDriver.Table);
        Assert.That(device.Driver, Is.SameAs(driver));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(driver.Bind(name), Is.EqualTo((KResult)Errno.EBUSY), "already bound");
            Assert.That(other.Unbind(name), Is.EqualTo((KResult)Errno.ENODEV), "bound to another driver");
            Assert.That(driver.Unbind("nosuch"), Is.EqualTo((KResult)Errno.ENODEV));
            Assert.That(driver.Unbind(name), Is.EqualTo(KResult.Ok));
            Assert.That(device.IsBound, Is.False);
            Assert.That(driver.Unbind(name), Is.EqualTo((KResult)Errno.ENODEV), "not bound any more");
            Assert.That(other.Bind(name), Is.EqualTo((KResult)Errno.ENODEV), "the other driver does not match it");
            Assert.That(driver.Bind("nosuch"), Is.EqualTo((KResult)Errno.ENODEV));
            Assert.That(driver.Bind(name), Is.EqualTo(KResult.Ok));
            Assert.That(device.Driver, Is.SameAs(driver));
            Assert.That(device.Unbind(), Is.EqualTo(KResult.Ok));
            Assert.That(device.Unbind(), Is.EqualTo((KResult)Errno.ENODEV));
        }
    }

    [Test]
    public void A_probe_answering_ENODEV_leaves_the_device_unbound_without_a_log_line()
    {
        string name = UniqueName("refusing");
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(name, PlainDriver.Table);
        Device device = Kernel.DeviceModel.Platform.Register(name + ".refuse");
        Assert.That(device.IsBound, Is.False);
        // the id is part of the name: "refusingN.refuse" matches no driver named "refusingN"; bind it by hand
        Assert.That(Kernel.DeviceModel.Platform.RegisterDriver(name + ".refuse", PlainDriver.Table).Bind(device.Name), Is.EqualTo((KResult)Errno.ENODEV));
        Assert.That(device.IsBound, Is.False);
        Assert.That(Kernel.Log.Lines, Has.None.Contains("probe with driver"), "ENODEV and ENXIO mean 'not mine', silently");
    }

    [Test]
    public void A_failing_probe_is_logged_releases_what_it_acquired_and_leaves_the_device_unbound()
    {
        string name = UniqueName("failing");
        (_, MmioWindow window, InterruptLine line) = NewHardware();
        TestPlan plan = TestPlan.Set(name, new TestPlan { Irq = true, Action = true, FailWith = Errno.EIO });
        Kernel.DeviceModel.LogDevres = true;
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(name, TestDriver.Table);
        Device device = Kernel.DeviceModel.Platform.Register(name, Bus.IdNone, IoResource.Memory(window), IoResource.Irq(line));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(device.IsBound, Is.False);
            Assert.That(Kernel.Log.Lines, Has.Some.EqualTo($"{name} {name}: probe with driver {name} failed with error -5"));
            Assert.That(Released(name), Is.EqualTo(Enumerable.Reverse(Added(name))), "devres_release_all: newest first");
            Assert.That(Added(name), Has.Count.EqualTo(4), "region, mapping, irq, action");
            Assert.That(plan.Events, Is.EqualTo(new[] { "probe", "action" }), "no remove after a failed probe; the action ran at release");
            Assert.That(DeviceCounters(), Is.EqualTo((1L, 0L, 0L, 0L, 0L)), "only the registered device is left");
        }
    }

    [Test]
    public void Remove_runs_before_devres_is_released_newest_first_and_the_driver_data_is_disposed_after_remove()
    {
        string name = UniqueName("full");
        (_, MmioWindow window, InterruptLine line) = NewHardware();
        var data = new TestFileData();
        TestPlan plan = TestPlan.Set(name, new TestPlan { Irq = true, Misc = true, MiscData = data, DebugFs = true, Revocable = true, Alloc = true, Action = true });
        Kernel.DeviceModel.LogDevres = true;
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(name, TestDriver.Table);
        Device device = Kernel.DeviceModel.Platform.Register(name, Bus.IdNone, IoResource.Memory(window), IoResource.Irq(line));
        Assert.That(device.ManagedResources, Has.Count.EqualTo(8));
        Assert.That(device.ManagedResources[0], Does.StartWith("devm_request_mem_region [mem 0x"));
        Assert.That(device.ManagedResources[^1], Does.StartWith("devm_add_action"));
        Assert.That(DeviceCounters(), Is.EqualTo((1L, 8L, 1L, 1L, 1L)));

        Kernel.DeviceModel.Platform.Unregister(device);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan.Events, Is.EqualTo(new[] { "probe", "remove", "dispose", "action" }),
                "remove, then the driver data dropped (as Rust's remove_callback), then devres newest first");
            Assert.That(Released(name), Is.EqualTo(Enumerable.Reverse(Added(name))));
            Assert.That(Added(name).Select(n => n.Split(' ')[0]), Is.EqualTo(new[]
            {
                "devm_request_mem_region", "devm_ioremap", "devm_request_irq", "devm_misc_register",
                "devm_debugfs_create_dir", "devres", "devm_kzalloc", "devm_add_action",
            }));
            Assert.That(device.ManagedResources, Is.Empty);
            Assert.That(DeviceCounters(), Is.EqualTo((0L, 0L, 0L, 0L, 0L)));
            Assert.That(Kernel.DebugFs.Lookup(name), Is.Null, "the debugfs directory went with the binding");
            Assert.That(Kernel.CharDevices.MiscDevices.Any(m => m.Name == "test-" + name), Is.False);
            Assert.That(data.Disposed, Is.EqualTo(1), "the misc device's data went with its last reference");
        }
    }

    [Test]
    public void Two_drivers_cannot_claim_the_same_MMIO_range()
    {
        string a = UniqueName("claimA"), b = UniqueName("claimB");
        (_, MmioWindow window, _) = NewHardware();
        TestPlan.Set(a, new TestPlan());
        TestPlan.Set(b, new TestPlan());
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(UniqueName("claimdrv"), TestDriver.Table, a, b);
        Device first = Kernel.DeviceModel.Platform.Register(a, Bus.IdNone, IoResource.Memory(window));
        Device second = Kernel.DeviceModel.Platform.Register(b, Bus.IdNone, IoResource.Memory(window));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(first.IsBound, Is.True);
            Assert.That(second.IsBound, Is.False, "request_mem_region answered EBUSY");
            Assert.That(Kernel.Log.Lines, Has.Some.Contains($"{b}: can't request region for resource [mem 0x"));
            Assert.That(Kernel.DeviceModel.IoMemory.ProcIomemText(), Does.Contain($" : {a}\n"));
        }
    }

    [Test]
    public void Shutdown_calls_every_bound_drivers_shutdown()
    {
        string name = UniqueName("reboot");
        TestPlan plan = TestPlan.Set(name, new TestPlan { Map = false });
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(name, TestDriver.Table);
        Kernel.DeviceModel.Platform.Register(name);
        Kernel.DeviceModel.ShutdownDevices();
        Assert.That(plan.Events, Is.EqualTo(new[] { "probe", "shutdown" }));
    }

    [Test]
    public void A_driver_unbinding_its_own_device_from_remove_is_reported_not_deadlocked()
    {
        string name = UniqueName("selfunbind");
        KResult inner = KResult.Ok;
        TestPlan.Set(name, new TestPlan { Map = false, OnRemove = s => inner = s.Device.Unbind() });
        using DeviceDriver driver = Kernel.DeviceModel.Platform.RegisterDriver(name, TestDriver.Table);
        Device device = Kernel.DeviceModel.Platform.Register(name);
        Assert.That(device.Unbind(), Is.EqualTo(KResult.Ok));
        Assert.That(inner, Is.EqualTo((KResult)Errno.ENODEV), "the nested unbind gave up");
        var reports = TakeReports();
        Assert.That(reports, Has.Count.EqualTo(1));
        Assert.That(reports[0].Kind, Is.EqualTo(SanitizerReportKind.Deadlock));
        Assert.That(reports[0].Detail, Does.Contain("device_lock is held by this task"));
    }

    [Test]
    public void Devices_plugged_and_unplugged_from_many_threads_end_bound_or_gone_with_nothing_leaked()
    {
        string name = UniqueName("race");
        using DeviceDriver driver = Kernel.DeviceModel.Hotplug.RegisterDriver(name, PlainDriver.Table);
        var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
        {
            for (int i = 0; i < 200; i++)
            {
                Device d = Kernel.DeviceModel.Hotplug.Plug(name, t * 1000 + i);
                Kernel.DeviceModel.Hotplug.Unplug(d);
                Kernel.DeviceModel.Hotplug.Unplug(d); // idempotent
            }
        })).ToArray();
        foreach (Thread t in threads) t.Start();
        // meanwhile the driver is unbound and rebound by hand
        for (int i = 0; i < 200; i++)
        {
            foreach (Device d in Kernel.DeviceModel.Hotplug.Devices) d.Unbind();
        }
        foreach (Thread t in threads) t.Join();
        Assert.That(Kernel.DeviceModel.Hotplug.Devices, Is.Empty);
        Assert.That(DeviceCounters(), Is.EqualTo((0L, 0L, 0L, 0L, 0L)));
    }
}
