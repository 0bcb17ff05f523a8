using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using KernelOps.Model;
using KernelOps.Samples.Pl061;
using KernelOps.Samples.Pl061.Gpio;
using KernelOps.Samples.Pl061.Hardware;
using static KernelOps.Samples.Tests.Pl061.Pl061TestSession;

namespace KernelOps.Samples.Tests.Pl061;

/// <summary>The PL061 driver and the GPIO character device it registers, through the C# API.</summary>
public class Pl061DriverTests
{
    [Test]
    public void The_sample_tells_the_seeds_story_and_every_step_goes_as_it_should()
    {
        var output = new StringWriter();
        int exit = Pl061Story.Run(output);
        string text = output.ToString();
        Assert.That(exit, Is.Zero, text);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(text, Does.Contain("gpiochip0 [pl061.0] (8 lines)"));
            Assert.That(text, Does.Contain("event: RisingEdge offset 0 seqno 1 (read 48 bytes)"));
            Assert.That(text, Does.Contain("gpiomon: read -> -1 ENODEV (No such device)"));
            Assert.That(text, Does.Contain("$ echo pl061.0 > /sys/bus/platform/drivers/pl061/unbind\ngpiomon: read -> -1 ENODEV (No such device)"),
                "the unbind written through sysfs wakes the blocked reader");
            Assert.That(text, Does.Contain("$ cat /sys/devices/platform/pl061.0/uevent\nDRIVER=pl061\nMODALIAS=platform:pl061\n"));
            Assert.That(text, Does.Contain("$ readlink /sys/devices/platform/pl061.0/driver -> -1 ENOENT"));
            Assert.That(text, Does.Contain("only the unbound device is left: True"));
            Assert.That(text, Does.Contain("$ echo pl061.0 > /sys/bus/platform/drivers/pl061/bind\n$ gpiodetect\ngpiochip0 [pl061.0] (8 lines)\n$ gpioget gpiochip0 5\n1"));
            Assert.That(text, Does.Contain("# kernel statistics back at their value before the board's PL061: True"));
            Assert.That(text, Does.Contain("# ...and the PL061 is unplugged\ngpiomon: read -> -1 ENODEV (No such device)"));
            Assert.That(text, Does.Contain("gpiomon: poll(POLLIN) -> 1 [Err, Hup]"));
            Assert.That(text, Does.Contain("gpiomon: close -> 0"));
            Assert.That(text, Does.Contain("# kernel statistics back at their value before the plug: True"));
            Assert.That(text, Does.Contain("# sanitizer reports: 0"));
            Assert.That(text, Does.Not.Contain("!!"));
        }
    }

    [Test]
    public void Probe_maps_checks_the_IDs_and_registers_a_chip_with_its_interrupt_and_debugfs_dump()
    {
        using var s = new Pl061TestSession();
        Pl061Board board = s.Plug();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(board.Device.Driver?.Name, Is.EqualTo("pl061"));
            Assert.That(board.Device.ManagedResources.Select(r => r.Split(' ')[0]), Is.EqualTo(new[]
            {
                "devm_request_mem_region", "devm_ioremap", "devm_request_irq", "devm_add_action", "devm_cdev_device_add",
                "devm_debugfs_create_dir", "devm_add_action",
            }));
            Assert.That(s.Kernel.Log.Lines, Has.Some.EqualTo("pl061 pl061.0: PL061 GPIO chip gpiochip0 registered"));
            Assert.That(board.Hardware.InterruptMask, Is.Zero, "probe disabled the interrupts");
            Assert.That(s.Kernel.DeviceModel.IoMemory.ProcIomemText(), Does.Contain(" : pl061.0\n"));
            Assert.That(s.Kernel.DeviceModel.Interrupts.ProcInterruptsText(), Does.Contain("  pl061.0"));
            Assert.That(s.Shell.ReadAllText("/sys/kernel/debug/pl061.0/registers"), Does.StartWith("GPIODATA  0x00\nGPIODIR   0x00\n"));
        }
        board.Remove();
        Assert.That(s.Kernel.DebugFs.Lookup("pl061.0"), Is.Null);
    }

    [Test]
    public void A_device_whose_IDs_are_not_a_PL061s_is_refused_and_its_mapping_released()
    {
        using var s = new Pl061TestSession();
        Pl061Board board = Pl061Board.Plug(s.Kernel, hardware: new Pl061Hardware(periphId: 0x00041050)); // a PL050 answers like this
        using (Assert.EnterMultipleScope())
        {
            Assert.That(board.Device.IsBound, Is.False);
            Assert.That(s.Kernel.Log.Lines, Has.Some.EqualTo("pl061 pl061.0: not a PL061: peripheral id 0x00041050, PrimeCell id 0xb105f00d"));
            Assert.That(s.Kernel.Statistics.IoMappings, Is.Zero);
            Assert.That(s.Kernel.Statistics.IoRegions, Is.Zero);
        }
        board.Remove();
    }

    [Test]
    public void Chip_and_line_info_describe_the_chip_and_who_uses_each_line()
    {
        using var s = new Pl061TestSession();
        s.Plug();
        int chip = s.OpenChip();
        Assert.That(s.Gpio.ChipInfo(chip, out string name, out string label, out uint lines), Is.Zero);
        Assert.That((name, label, lines), Is.EqualTo(("gpiochip0", "pl061.0", 8u)));
        int line5 = s.Request([5], GpioV2LineFlags.Output | GpioV2LineFlags.ActiveLow, consumer: "relay");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(s.Gpio.LineInfo(chip, 5, out GpioV2LineFlags f5, out string c5), Is.Zero);
            Assert.That(f5, Is.EqualTo(GpioV2LineFlags.Used | GpioV2LineFlags.Output | GpioV2LineFlags.ActiveLow));
            Assert.That(c5, Is.EqualTo("relay"));
            Assert.That(s.Gpio.LineInfo(chip, 4, out GpioV2LineFlags f4, out string c4), Is.Zero);
            Assert.That(f4, Is.EqualTo(GpioV2LineFlags.Input));
            Assert.That(c4, Is.Empty);
            Assert.That(s.Gpio.LineInfo(chip, 8, out _, out _), Is.EqualTo((long)Err(Errno.EINVAL)), "no line 8");
            Assert.That(s.Shell.Ioctl(chip, 0xB4FF, 0), Is.EqualTo((long)Err(Errno.EINVAL)), "unknown commands: EINVAL, as gpio_ioctl");
            Assert.That(s.Shell.Ioctl(chip, GpioUapi.GetChipInfo, 0), Is.EqualTo((long)Err(Errno.EFAULT)));
        }
        Assert.That(s.Shell.Close(line5), Is.Zero);
        Assert.That(s.Gpio.LineInfo(chip, 5, out GpioV2LineFlags freed, out _), Is.Zero);
        Assert.That(freed & GpioV2LineFlags.Used, Is.EqualTo(GpioV2LineFlags.None), "released with its request");
        s.Shell.Close(chip);
    }

    [Test]
    public void Line_requests_drive_and_read_pins_with_gpiolibs_checks()
    {
        using var s = new Pl061TestSession();
        Pl061Board board = s.Plug();
        int outputs = s.Request([1, 2], GpioV2LineFlags.Output, outputValues: 0b01);
        int inputs = s.Request([6, 7], GpioV2LineFlags.Input | GpioV2LineFlags.ActiveLow);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(board.Hardware.Output(1), Is.True);
            Assert.That(board.Hardware.Output(2), Is.False);
            Assert.That(s.Gpio.SetValues(outputs, 0b11, 0b10), Is.Zero);
            Assert.That((board.Hardware.Output(1), board.Hardware.Output(2)), Is.EqualTo(((bool?)false, (bool?)true)));
            Assert.That(s.Gpio.GetValues(outputs, 0b11, out ulong outBits), Is.Zero);
            Assert.That(outBits, Is.EqualTo(0b10UL), "outputs read back");
            board.Hardware.SetInput(6, true);
            Assert.That(s.Gpio.GetValues(inputs, 0b11, out ulong inBits), Is.Zero);
            Assert.That(inBits, Is.EqualTo(0b10UL), "active low: pin 6 high is inactive, pin 7 low is active");
            Assert.That(s.Gpio.SetValues(inputs, 0b01, 0b01), Is.EqualTo((long)Err(Errno.EPERM)), "setting inputs is not allowed");
            Assert.That(s.Gpio.SetValues(outputs, 0, 0), Is.EqualTo((long)Err(Errno.EINVAL)), "nothing to set");
            Assert.That(s.Gpio.GetValues(outputs, 0, out _), Is.EqualTo((long)Err(Errno.EINVAL)));
            int chip = s.OpenChip();
            Assert.That(s.Gpio.RequestLines(chip, [2], GpioV2LineFlags.Input, "again"), Is.EqualTo((long)Err(Errno.EBUSY)));
            Assert.That(s.Gpio.RequestLines(chip, [3, 3], GpioV2LineFlags.Input, "twice"), Is.EqualTo((long)Err(Errno.EBUSY)));
            Assert.That(s.Gpio.RequestLines(chip, [9], GpioV2LineFlags.Input, "nine"), Is.EqualTo((long)Err(Errno.EINVAL)));
            Assert.That(s.Gpio.RequestLines(chip, [3], GpioV2LineFlags.Input | GpioV2LineFlags.Output, "both"), Is.EqualTo((long)Err(Errno.EINVAL)));
            Assert.That(s.Gpio.RequestLines(chip, [3], GpioV2LineFlags.EdgeRising, "edge without input"), Is.EqualTo((long)Err(Errno.EINVAL)));
            Assert.That(s.Gpio.RequestLines(chip, [3], GpioV2LineFlags.Input | GpioV2LineFlags.BiasPullUp, "bias"), Is.EqualTo((long)Err(Errno.EINVAL)), "not served by this subset");
            Assert.That(s.Gpio.RequestLines(chip, [], GpioV2LineFlags.Input, "none"), Is.EqualTo((long)Err(Errno.EINVAL)));
            Assert.That(s.Gpio.LineInfo(chip, 3, out GpioV2LineFlags f3, out _), Is.Zero);
            Assert.That(f3 & GpioV2LineFlags.Used, Is.EqualTo(GpioV2LineFlags.None), "failed requests leave the line free");
            Assert.That(s.Shell.Ioctl(outputs, GpioUapi.LineSetConfig, 0), Is.EqualTo((long)Err(Errno.EINVAL)), "SET_CONFIG is not served");
            s.Shell.Close(chip);
        }
        s.Shell.Close(outputs);
        s.Shell.Close(inputs);
    }

    [TestCase(GpioV2LineFlags.EdgeRising, false)]
    [TestCase(GpioV2LineFlags.EdgeFalling, false)]
    [TestCase(GpioV2LineFlags.EdgeRising | GpioV2LineFlags.EdgeFalling, false)]
    [TestCase(GpioV2LineFlags.EdgeRising, true)]
    [TestCase(GpioV2LineFlags.EdgeRising | GpioV2LineFlags.EdgeFalling, true)]
    public void Edges_on_the_pin_arrive_as_line_events_in_order(GpioV2LineFlags edges, bool activeLow)
    {
        using var s = new Pl061TestSession();
        Pl061Board board = s.Plug();
        int line = s.Request([4], GpioV2LineFlags.Input | edges | (activeLow ? GpioV2LineFlags.ActiveLow : 0));
        var seen = new List<GpioV2LineEvent>();
        var expected = new List<GpioV2LineEventId>();
        foreach (bool high in new[] { true, false, true, false })
        {
            board.Hardware.SetInput(4, high);
            bool becameActive = high ^ activeLow; // a rising edge of the line's logical value
            GpioV2LineFlags wanted = becameActive ? GpioV2LineFlags.EdgeRising : GpioV2LineFlags.EdgeFalling;
            var poll = new[] { new PollFd(line, PollEvents.In) };
            if ((edges & wanted) == 0)
            {
                Assert.That(s.Shell.Poll(poll, 0), Is.Zero, "an edge the request does not watch is not even latched");
                continue;
            }
            expected.Add(becameActive ? GpioV2LineEventId.RisingEdge : GpioV2LineEventId.FallingEdge);
            Assert.That(s.Shell.Poll(poll, 5000), Is.EqualTo(1), "the event arrives from the interrupt thread");
            Assert.That(poll[0].ReturnedEvents, Is.EqualTo(PollEvents.In));
            Assert.That(s.Gpio.ReadEvent(line, out GpioV2LineEvent e), Is.EqualTo(48L));
            seen.Add(e);
        }
        using (Assert.EnterMultipleScope())
        {
            Assert.That(seen.Select(e => (GpioV2LineEventId)e.id), Is.EqualTo(expected));
            Assert.That(seen.Select(e => e.seqno), Is.EqualTo(Enumerable.Range(1, expected.Count).Select(i => (uint)i)));
            Assert.That(seen.Select(e => e.line_seqno), Is.EqualTo(Enumerable.Range(1, expected.Count).Select(i => (uint)i)));
            Assert.That(seen.All(e => e.offset == 4), Is.True);
            Assert.That(seen.Zip(seen.Skip(1), (a, b) => b.timestamp_ns >= a.timestamp_ns).All(ok => ok), Is.True, "monotonic timestamps");
            Assert.That(board.Hardware.InterruptMask, Is.EqualTo((byte)(1 << 4)), "the edge detector unmasked line 4");
        }
        s.Shell.Close(line);
        Assert.That(board.Hardware.InterruptMask, Is.Zero, "release stopped the edge detector");
    }

    [Test]
    public void A_read_shorter_than_an_event_is_EINVAL_and_a_request_without_events_is_not_readable()
    {
        using var s = new Pl061TestSession();
        s.Plug();
        int line = s.Request([0], GpioV2LineFlags.Input | GpioV2LineFlags.EdgeRising);
        UserMapping small = s.Shell.Memory.Map(47);
        Assert.That(s.Shell.Read(line, small.Address, 47), Is.EqualTo((nint)Err(Errno.EINVAL)));
        // the request's file is O_RDONLY without O_NONBLOCK; a nonblocking caller polls first
        var poll = new[] { new PollFd(line, PollEvents.In) };
        Assert.That(s.Shell.Poll(poll, 0), Is.Zero);
        s.Shell.Close(line);
    }

    [Test]
    public void Unbinding_through_the_driver_wakes_a_blocked_reader_with_ENODEV()
    {
        using var s = new Pl061TestSession();
        Pl061Board board = s.Plug();
        int line = s.Request([2], GpioV2LineFlags.Input | GpioV2LineFlags.EdgeFalling);
        long result = 0;
        var reader = new Thread(() => result = s.Gpio.ReadEvent(line, out _));
        reader.Start();
        Thread.Sleep(50);
        Assert.That(s.Module.Hotplug!.Unbind("pl061.0"), Is.EqualTo(KResult.Ok), "echo pl061.0 > .../drivers/pl061/unbind");
        Assert.That(reader.Join(5000), Is.True);
        Assert.That(result, Is.EqualTo((long)Err(Errno.ENODEV)));
        Assert.That(board.Device.IsRegistered, Is.True, "unbound, not unplugged");
        Assert.That(s.Shell.Close(line), Is.Zero);
        Assert.That(s.Module.Hotplug.Bind("pl061.0"), Is.EqualTo(KResult.Ok), "and bound again");
        int chip = s.OpenChip();
        Assert.That(s.Gpio.ChipInfo(chip, out string name, out _, out _), Is.Zero);
        Assert.That(name, Is.EqualTo("gpiochip0"));
        s.Shell.Close(chip);
        board.Remove();
    }

    [Test]
    public void A_chip_number_is_reused_only_after_the_last_file_on_the_old_chip_closes()
    {
        using var s = new Pl061TestSession();
        Pl061Board first = s.Plug(0);
        int chip = s.OpenChip(0);
        first.Remove();
        Pl061Board second = s.Plug(1);
        Assert.That(GpioSubsystem.For(s.Kernel)!.Devices.Single().Name, Is.EqualTo("gpiochip1"), "gpiochip0 is still open");
        Assert.That(s.Gpio.ChipInfo(chip, out _, out _, out _), Is.EqualTo((long)Err(Errno.ENODEV)));
        s.Shell.Close(chip);
        second.Remove();
        Pl061Board third = s.Plug(2);
        Assert.That(GpioSubsystem.For(s.Kernel)!.Devices.Single().Name, Is.EqualTo("gpiochip0"));
        third.Remove();
    }

    [Test]
    public void Unloading_the_module_unbinds_every_PL061_and_is_refused_while_a_line_is_held()
    {
        using var s = new Pl061TestSession();
        Pl061Board a = Pl061Board.Register(s.Kernel, 0);
        Pl061Board b = s.Plug(1);
        int line = s.Request([0], GpioV2LineFlags.Input);
        Assert.That(s.Kernel.Modules.Unload("pl061"), Is.EqualTo((KResult)Errno.EAGAIN), "the line request runs the module's release");
        Assert.That(a.Device.IsBound && b.Device.IsBound, Is.True);
        s.Shell.Close(line);
        Assert.That(s.Kernel.Modules.Unload("pl061"), Is.EqualTo(KResult.Ok));
        Assert.That(a.Device.IsBound || b.Device.IsBound, Is.False, "unload unbound both first");
        Assert.That(s.Kernel.Statistics.DevresResources, Is.Zero);
        a.Remove();
        b.Remove();
    }

    [Test]
    public void Every_acquisition_step_of_probe_fails_once_and_unwinds_exactly_the_earlier_ones()
    {
        using var s = new Pl061TestSession();
        Pl061Board board = Pl061Board.Register(s.Kernel, 0);
        DeviceDriver driver = s.Module.Platform!;
        Assert.That(driver.Unbind("pl061.0"), Is.EqualTo(KResult.Ok));
        s.Kernel.DeviceModel.LogDevres = true;
        KernelStatistics baseline = s.Kernel.Statistics;
        int k = 1;
        for (; ; k++)
        {
            int start = s.Kernel.Log.Lines.Count;
            KResult result;
            bool injected;
            using (FailNthScope nth = s.Kernel.FaultInjection.FailNth(k))
            {
                result = driver.Bind("pl061.0");
                injected = nth.Injected;
            }
            var lines = s.Kernel.Log.Lines.Skip(start).ToList();
            var added = lines.Where(l => l.Contains("DEVRES ADD ")).Select(l => l[(l.IndexOf("ADD ", StringComparison.Ordinal) + 4)..]).ToList();
            var released = lines.Where(l => l.Contains("DEVRES REL ")).Select(l => l[(l.IndexOf("REL ", StringComparison.Ordinal) + 4)..]).ToList();
            if (!injected)
            {
                Assert.That(result, Is.EqualTo(KResult.Ok));
                Assert.That(added, Has.Count.EqualTo(k - 1));
                break;
            }
            using (Assert.EnterMultipleScope())
            {
                Assert.That(result, Is.EqualTo((KResult)Errno.ENOMEM), $"step {k}");
                Assert.That(added, Has.Count.EqualTo(k - 1), $"step {k}: k-1 acquisitions made");
                Assert.That(released, Is.EqualTo(Enumerable.Reverse(added)), $"step {k}: released newest first");
                Assert.That(s.Kernel.Statistics, Is.EqualTo(baseline), $"step {k}: nothing leaked");
                Assert.That(GpioSubsystem.For(s.Kernel)!.Devices, Is.Empty, $"step {k}: no chip left registered");
                Assert.That(board.Hardware.InterruptMask, Is.Zero);
            }
        }
        TestContext.Out.WriteLine($"PL061 probe: {k - 1} acquisition steps, each failed once");
        Assert.That(k - 1, Is.EqualTo(7), "region, mapping, irq, gpiochip removal, cdev, debugfs, mask action");
        int chip = s.OpenChip();
        Assert.That(s.Gpio.ChipInfo(chip, out string name, out _, out _), Is.Zero);
        Assert.That(name, Is.EqualTo("gpiochip0"), "no chip number leaked by the failed probes");
        s.Shell.Close(chip);
        board.Remove();
    }
}
