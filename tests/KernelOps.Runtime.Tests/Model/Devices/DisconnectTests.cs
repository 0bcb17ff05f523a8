using System;
using System.Linq;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Devices;

/// <summary>
/// A driver's character device disconnected at unbind, with no code in the driver: new calls fail
/// with ENODEV, sleepers in its wait queues and pollers wake, calls in flight are waited for, the
/// device is unregistered, release still runs at the last close and the driver's data goes after it.
/// </summary>
[TestFixture]
internal sealed class DisconnectTests : DeviceTestBase
{
    private sealed class DriverModule(string name) : IKernelModule
    {
        public DeviceDriver? Driver;
        public string Name => name;

        public KResult Init(ModuleContext context)
        {
            Driver = context.Drivers.Register(context.Kernel.DeviceModel.Hotplug, name, TestDriver.Table);
            return KResult.Ok;
        }

        public void Exit() => Driver?.Dispose();
    }

    private (Device Device, TestFileData Data, string Node) PlugWithMisc(string name, Bus? bus = null, bool register = true)
    {
        var data = new TestFileData();
        TestPlan.Set(name, new TestPlan { Map = false, Misc = true, MiscData = data });
        bus ??= Kernel.DeviceModel.Hotplug;
        if (register) bus.RegisterDriver(name, TestDriver.Table);
        Device device = ((HotplugBus)bus).Plug(name);
        Assert.That(device.IsBound, Is.True);
        MiscDevice misc = Kernel.CharDevices.MiscDevices.Single(m => m.Name == "test-" + name);
        string node = "/dev/" + name;
        Assert.That(Proc.Mknod(node, StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(CharDeviceRegistry.MiscMajor, misc.Minor)), Is.Zero);
        return (device, data, node);
    }

    [Test]
    public void Unplug_wakes_a_blocked_reader_and_a_poller_with_ENODEV_and_HUP_and_later_calls_fail_cleanly()
    {
        string name = UniqueName("disc");
        (Device device, TestFileData data, string node) = PlugWithMisc(name);
        int fd = Proc.Open(node, OpenFlags.O_RDONLY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        nuint buffer = Buffer(64);

        int nonblocking = Proc.Open(node, OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK);
        Assert.That(Proc.Read(nonblocking, buffer, 64), Is.EqualTo((nint)Err(Errno.EAGAIN)));

        nint readResult = 0;
        var reader = new Thread(() => readResult = Proc.Read(fd, buffer, 64));
        int pollResult = 0;
        var pollFds = new[] { new PollFd(nonblocking, PollEvents.In) };
        var poller = new Thread(() => pollResult = Proc.Poll(pollFds, -1));
        reader.Start();
        poller.Start();
        Assert.That(SpinWait.SpinUntil(() => data.Queue.WaiterCount == 2, 5000), Is.True, "both asleep in the driver's queue");

        Kernel.DeviceModel.Hotplug.Unplug(device);
        Assert.That(reader.Join(5000) && poller.Join(5000), Is.True, "the disconnect woke them");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(readResult, Is.EqualTo((nint)Err(Errno.ENODEV)));
            Assert.That(pollResult, Is.EqualTo(1));
            Assert.That(pollFds[0].ReturnedEvents, Is.EqualTo(PollEvents.Hup | PollEvents.Err));
            Assert.That(Proc.Read(fd, buffer, 64), Is.EqualTo((nint)Err(Errno.ENODEV)));
            Assert.That(Proc.Ioctl(fd, TestDeviceFile.Callback, 0), Is.EqualTo((long)Err(Errno.ENODEV)));
            var again = new[] { new PollFd(fd, PollEvents.In) };
            Assert.That(Proc.Poll(again, 0), Is.EqualTo(1));
            Assert.That(again[0].ReturnedEvents, Is.EqualTo(PollEvents.Hup | PollEvents.Err));
            Assert.That(Proc.Open(node, OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENODEV)), "misc_open finds no device");
            Assert.That(data.Releases, Is.Zero, "release waits for the last close");
            Assert.That(data.Disposed, Is.Zero, "the driver's data outlives the binding while files are open");
        }
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(data.Disposed, Is.Zero, "one file is still open");
        Assert.That(Proc.Close(nonblocking), Is.Zero, "close works: flush answers 0");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(data.Releases, Is.EqualTo(2));
            Assert.That(data.Disposed, Is.EqualTo(1), "freed at the last close");
            Assert.That(DeviceCounters(), Is.EqualTo((0L, 0L, 0L, 0L, 0L)));
        }
    }

    [Test]
    public void Unbind_waits_for_a_call_in_flight_that_sleeps_elsewhere()
    {
        string name = UniqueName("inflight");
        (Device device, TestFileData data, string node) = PlugWithMisc(name);
        int fd = Proc.Open(node, OpenFlags.O_RDONLY);
        long ioctlResult = -1;
        var caller = new Thread(() => ioctlResult = Proc.Ioctl(fd, TestDeviceFile.Block, 0));
        caller.Start();
        Assert.That(data.InIoctl.Wait(5000), Is.True);
        var unbinder = new Thread(() => device.Unbind());
        unbinder.Start();
        Assert.That(unbinder.Join(300), Is.False, "the disconnect waits for the ioctl in flight");
        Assert.That(Proc.Read(fd, Buffer(8), 8), Is.EqualTo((nint)Err(Errno.ENODEV)), "while new calls already fail");
        data.ReleaseIoctl.Set();
        Assert.That(unbinder.Join(5000) && caller.Join(5000), Is.True);
        Assert.That(ioctlResult, Is.Zero, "the call in flight completed normally");
        Assert.That(device.IsBound, Is.False);
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test]
    public void The_module_stays_loaded_while_devices_come_and_go_and_its_unload_unbinds_them_first()
    {
        string name = UniqueName("mod");
        var module = new DriverModule(name);
        LoadedModule loaded = Kernel.Modules.Load(module);
        for (int i = 0; i < 3; i++)
        {
            (Device device, TestFileData data, string node) = PlugWithMisc(name, register: false);
            int fd = Proc.Open(node, OpenFlags.O_RDONLY);
            Assert.That(loaded.ReferenceCount, Is.EqualTo(1), "an open file pins the driver's module");
            Kernel.DeviceModel.Hotplug.Unplug(device);
            Assert.That(Kernel.Modules.IsLoaded(name), Is.True, "modules stay; devices go");
            Assert.That(Kernel.Modules.Unload(name), Is.EqualTo((KResult)Errno.EAGAIN), "the open file still runs the module's release");
            Assert.That(Proc.Close(fd), Is.Zero);
            Assert.That(loaded.ReferenceCount, Is.Zero);
            Assert.That(Proc.Unlink(node), Is.Zero);
        }
        (Device last, TestFileData lastData, _) = PlugWithMisc(name, register: false);
        TestPlan plan = TestPlan.For(name);
        Assert.That(Kernel.Modules.Unload(name), Is.EqualTo(KResult.Ok));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(last.IsBound, Is.False, "unload unbound the driver from the device first");
            Assert.That(plan.Events, Is.EqualTo(new[] { "probe", "remove", "dispose" }), "the last plug's binding went through remove");
            Assert.That(lastData.Disposed, Is.EqualTo(1));
            Assert.That(last.IsRegistered, Is.True, "the device stays, driverless");
        }
        Kernel.DeviceModel.Hotplug.Unplug(last);
    }

    [Test]
    public void An_anonymous_file_made_by_the_device_is_disconnected_with_it()
    {
        string name = UniqueName("anon");
        (Device device, TestFileData data, string node) = PlugWithMisc(name);
        int fd = Proc.Open(node, OpenFlags.O_RDONLY);
        long anon = Proc.Ioctl(fd, TestDeviceFile.MakeAnon, 0);
        Assert.That(anon, Is.GreaterThan(fd));
        Assert.That(Proc.Close(fd), Is.Zero, "the anonymous file keeps the device data alive on its own");
        nuint buffer = Buffer(16);
        data.Ready = true;
        Assert.That(Proc.Read((int)anon, buffer, 16), Is.EqualTo((nint)5));
        Assert.That(ReadString(buffer, 5), Is.EqualTo("anon\n"));
        data.Ready = false;
        nint blocked = 0;
        var reader = new Thread(() => blocked = Proc.Read((int)anon, buffer, 16));
        reader.Start();
        Assert.That(SpinWait.SpinUntil(() => data.Queue.WaiterCount == 1, 5000), Is.True);
        device.Unbind();
        Assert.That(reader.Join(5000), Is.True);
        Assert.That(blocked, Is.EqualTo((nint)Err(Errno.ENODEV)));
        Assert.That(Proc.Read((int)anon, buffer, 16), Is.EqualTo((nint)Err(Errno.ENODEV)));
        Assert.That(data.Disposed, Is.Zero);
        Assert.That(Proc.Close((int)anon), Is.Zero);
        Assert.That(data.AnonReleases, Is.EqualTo(1));
        Assert.That(data.Disposed, Is.EqualTo(1));
    }

    [Test]
    public void A_file_reaches_the_registers_only_through_the_revocable_mapping()
    {
        string name = UniqueName("regs");
        (TestRegisters hw, MmioWindow window, _) = NewHardware();
        hw.Write(0, 4, 0x5A5A);
        var data = new TestFileData();
        TestPlan.Set(name, new TestPlan { Misc = true, MiscData = data, OnProbe = s => data.Registers = s.Regs });
        Kernel.DeviceModel.Hotplug.RegisterDriver(name, TestDriver.Table);
        Device device = Kernel.DeviceModel.Hotplug.Plug(name, Bus.IdNone, IoResource.Memory(window));
        MiscDevice misc = Kernel.CharDevices.MiscDevices.Single(m => m.Name == "test-" + name);
        Assert.That(Proc.Mknod("/dev/" + name, StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(CharDeviceRegistry.MiscMajor, misc.Minor)), Is.Zero);
        int fd = Proc.Open("/dev/" + name, OpenFlags.O_RDONLY);
        Assert.That(Proc.Ioctl(fd, TestDeviceFile.ReadReg, 0), Is.EqualTo(0x5A5AL));
        Kernel.DeviceModel.Hotplug.Unplug(device);
        Assert.That(data.Registers!.IsRevoked, Is.True);
        Assert.That(Proc.Ioctl(fd, TestDeviceFile.ReadReg, 0), Is.EqualTo((long)Err(Errno.ENODEV)));
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test]
    public void Unbinding_the_device_from_inside_a_call_on_it_is_reported_and_does_not_wait_for_that_call()
    {
        string name = UniqueName("inside");
        (Device device, TestFileData data, string node) = PlugWithMisc(name);
        int fd = Proc.Open(node, OpenFlags.O_RDONLY);
        data.OnIoctl = () => device.Unbind();
        Assert.That(Proc.Ioctl(fd, TestDeviceFile.Callback, 0), Is.Zero);
        Assert.That(device.IsBound, Is.False);
        var report = TakeReports().Single();
        Assert.That(report.Kind, Is.EqualTo(SanitizerReportKind.Deadlock));
        Assert.That(report.Detail, Does.Contain("disconnected from inside a call on it"));
        Assert.That(Proc.Close(fd), Is.Zero);
    }
}
