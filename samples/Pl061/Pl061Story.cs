using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Threading;
using KernelOps;
using KernelOps.Model;
using KernelOps.Samples.Pl061.Gpio;

namespace KernelOps.Samples.Pl061;

/// <summary>
/// The seed's story, told on the model, twice. First a PL061 on the board (platform device
/// <c>pl061.0</c>) is driven from user space; a process blocks waiting for an edge; the shell writes
/// <c>echo pl061.0 &gt; /sys/bus/platform/drivers/pl061/unbind</c>; the process wakes with an error,
/// later calls fail cleanly, close works, nothing leaks and the sanitizer has nothing to report; the
/// shell's <c>bind</c> brings the chip back. Then the same with a PL061 that is unplugged from a
/// hot-pluggable bus, and plugged in again. The module stays loaded throughout.
/// </summary>
public static class Pl061Story
{
    /// <summary>Tells the story to <paramref name="output"/>; returns 0 when every step went as it should.</summary>
    public static int Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        using var kernel = new Kernel();
        int failures = 0;
        void Say(string line) => output.WriteLine(line);
        void Check(bool ok, string what)
        {
            if (ok) return;
            failures++;
            Say($"!! unexpected: {what}");
        }

        Say("$ modprobe pl061");
        Pl061Module module = Pl061Module.Load(kernel);
        Say($"$ lsmod | grep -E 'pl061|gpiolib'\n{string.Join("\n", kernel.Modules.Loaded.Where(m => m is "pl061" or "gpiolib"))}");
        uint major = GpioSubsystem.For(kernel)!.Major;
        using UserProcess shell = kernel.CreateProcess("sh");
        Say($"$ mknod /dev/gpiochip0 c {major} 0");
        Check(shell.Mknod("/dev/gpiochip0", StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(major, 0)) == 0, "mknod /dev/gpiochip0");
        var gpio = new GpioTool(shell);
        KernelStatistics before = Settled(kernel);

        // ---- act 1: the board's PL061, unbound and bound again through sysfs ----
        Say("# the board has a PL061: platform device pl061.0, bound as it registers");
        Pl061Board board = Pl061Board.Register(kernel);
        Say($"[dmesg] {kernel.Log.Lines.Last(l => l.Contains("registered"))}");
        Say($"$ ls /sys/bus/platform/devices\n{Ls(shell, "/sys/bus/platform/devices")}");
        Say($"$ readlink /sys/bus/platform/devices/pl061.0\n{Readlink(shell, "/sys/bus/platform/devices/pl061.0")}");
        Say($"$ readlink /sys/devices/platform/pl061.0/driver\n{Readlink(shell, "/sys/devices/platform/pl061.0/driver")}");
        string uevent = shell.ReadAllText("/sys/devices/platform/pl061.0/uevent");
        Say($"$ cat /sys/devices/platform/pl061.0/uevent\n{uevent.TrimEnd('\n')}");
        Check(uevent == "DRIVER=pl061\nMODALIAS=platform:pl061\n", "uevent of the bound device");
        Say($"$ ls /sys/bus/platform/drivers/pl061\n{Ls(shell, "/sys/bus/platform/drivers/pl061")}");

        int chip = gpio.OpenChip("/dev/gpiochip0");
        long infoResult = gpio.ChipInfo(chip, out string name, out string label, out uint lines);
        Say($"$ gpiodetect\n{name} [{label}] ({lines} lines)");
        Check(infoResult == 0 && name == "gpiochip0" && label == "pl061.0" && lines == 8, "chip info");
        long output3 = gpio.RequestLines(chip, [3], GpioV2LineFlags.Output, "gpioset", outputValues: 1);
        Say($"$ gpioset gpiochip0 3=1      # pin 3 now drives {(board.Hardware.Output(3) == true ? "high" : "low")}");
        Check(output3 >= 0 && board.Hardware.Output(3) == true, "pin 3 driven high");
        gpio.LineInfo(chip, 3, out GpioV2LineFlags flags3, out string consumer3);
        Say($"$ gpioinfo gpiochip0 | grep 'line   3'\n\tline   3:      unnamed  \"{consumer3}\"  {Describe(flags3)}");
        shell.Close((int)output3);

        WatchAndTakeAway(board, chip, "$ echo pl061.0 > /sys/bus/platform/drivers/pl061/unbind",
            () => shell.WriteAllText("/sys/bus/platform/drivers/pl061/unbind", "pl061.0\n"));
        Say($"$ ls /sys/bus/platform/drivers/pl061\n{Ls(shell, "/sys/bus/platform/drivers/pl061")}");
        Say($"$ readlink /sys/devices/platform/pl061.0/driver -> {DescribeResult(shell.Readlink("/sys/devices/platform/pl061.0/driver", out _))}");
        uevent = shell.ReadAllText("/sys/devices/platform/pl061.0/uevent");
        Say($"$ cat /sys/devices/platform/pl061.0/uevent\n{uevent.TrimEnd('\n')}");
        Check(uevent == "MODALIAS=platform:pl061\n", "uevent of the unbound device");
        // what is left is the unbound device itself: its struct platform_device and its handle
        KernelStatistics unbound = Settled(kernel);
        bool onlyTheDevice = unbound == before with { LiveDevices = before.LiveDevices + 1, LiveGCHandles = before.LiveGCHandles + 1 };
        Say($"# echo 3 > /proc/sys/vm/drop_caches; kernel statistics: only the unbound device is left: {onlyTheDevice}");
        Check(onlyTheDevice, $"statistics {unbound} != {before} plus one device");
        Say($"# sanitizer reports: {kernel.Sanitizer.Count}");
        Check(kernel.Sanitizer.Count == 0, "no sanitizer report");

        Say("$ echo pl061.0 > /sys/bus/platform/drivers/pl061/bind");
        shell.WriteAllText("/sys/bus/platform/drivers/pl061/bind", "pl061.0\n");
        int chip2 = gpio.OpenChip("/dev/gpiochip0");
        infoResult = gpio.ChipInfo(chip2, out name, out label, out lines);
        Say($"$ gpiodetect\n{name} [{label}] ({lines} lines)");
        Check(infoResult == 0 && name == "gpiochip0" && label == "pl061.0", "the chip is back after bind");
        board.Hardware.SetInput(5, true);
        long req = gpio.RequestLines(chip2, [5], GpioV2LineFlags.Input, "gpioget");
        ulong bits = 0;
        long got = req >= 0 ? gpio.GetValues((int)req, 1, out bits) : req;
        Say($"$ gpioget gpiochip0 5\n{(got >= 0 ? (bits & 1).ToString() : DescribeResult(got))}");
        Check(got >= 0 && bits == 1, "line 5 reads high");
        if (req >= 0) shell.Close((int)req);
        shell.Close(chip2);
        Say("# the board's PL061 is taken off (platform_device_unregister)");
        board.Remove();
        Say($"$ ls /sys/bus/platform/devices -> {(Ls(shell, "/sys/bus/platform/devices") is { Length: > 0 } devices ? devices : "(empty)")}");
        KernelStatistics gone = Settled(kernel);
        Say($"# kernel statistics back at their value before the board's PL061: {gone == before}");
        Check(gone == before, $"statistics {gone} != {before}");

        // ---- act 2: a hot-pluggable PL061, unplugged and plugged in again ----
        Say("# a PL061 is plugged in (hot-pluggable bus)");
        Pl061Board plugged = Pl061Board.Plug(kernel);
        Say($"$ readlink /sys/bus/hotplug/devices/pl061.0/driver\n{Readlink(shell, "/sys/bus/hotplug/devices/pl061.0/driver")}");
        chip = gpio.OpenChip("/dev/gpiochip0");
        infoResult = gpio.ChipInfo(chip, out name, out label, out lines);
        Say($"$ gpiodetect\n{name} [{label}] ({lines} lines)");
        Check(infoResult == 0 && name == "gpiochip0" && label == "pl061.0", "chip info of the plugged chip");
        WatchAndTakeAway(plugged, chip, "# ...and the PL061 is unplugged", plugged.Remove);
        Say($"$ ls /sys/bus/hotplug/devices -> {(Ls(shell, "/sys/bus/hotplug/devices") is { Length: > 0 } left ? left : "(empty)")}");

        Say($"$ lsmod | grep pl061          # the module stays; devices come and go\n{string.Join("\n", kernel.Modules.Loaded.Where(m => m == "pl061"))}");
        KernelStatistics after = Settled(kernel);
        Say($"# kernel statistics back at their value before the plug: {after == before}");
        Check(after == before, $"statistics {after} != {before}");
        Say($"# sanitizer reports: {kernel.Sanitizer.Count}");
        Check(kernel.Sanitizer.Count == 0, "no sanitizer report");

        Say("# another PL061 is plugged in: gpiochip0 is back");
        Pl061Board again = Pl061Board.Plug(kernel);
        chip2 = gpio.OpenChip("/dev/gpiochip0");
        infoResult = gpio.ChipInfo(chip2, out name, out label, out lines);
        Say($"$ gpiodetect\n{name} [{label}] ({lines} lines)");
        Check(infoResult == 0 && name == "gpiochip0", "the chip number was reused");
        shell.Close(chip2);
        again.Remove();
        Say($"$ rmmod pl061 -> {kernel.Modules.Unload("pl061")}");
        Say($"$ ls /sys/bus/platform/drivers -> {(Ls(shell, "/sys/bus/platform/drivers") is { Length: > 0 } drivers ? drivers : "(empty)")}");
        Say(failures == 0 ? "# the story went as it should" : $"# {failures} step(s) went wrong");
        _ = module;
        return failures == 0 ? 0 : 1;

        // A process waits for an edge on line 0 of the chip and blocks; the chip is taken away under it.
        void WatchAndTakeAway(Pl061Board chipBoard, int chipFd, string how, Action takeAway)
        {
            using UserProcess monitor = kernel.CreateProcess("gpiomon");
            var mon = new GpioTool(monitor);
            int monChip = mon.OpenChip("/dev/gpiochip0");
            long line0 = mon.RequestLines(monChip, [0], GpioV2LineFlags.Input | GpioV2LineFlags.EdgeRising | GpioV2LineFlags.EdgeFalling, "gpiomon");
            monitor.Close(monChip);
            Say("$ gpiomon gpiochip0 0 &      # waits for edges on line 0");
            chipBoard.Hardware.SetInput(0, true);
            long n = mon.ReadEvent((int)line0, out GpioV2LineEvent first);
            Say($"# the outside world raises pin 0\nevent: {(GpioV2LineEventId)first.id} offset {first.offset} seqno {first.seqno} (read {n} bytes)");
            Check(n == 48 && first.id == (uint)GpioV2LineEventId.RisingEdge && first.offset == 0, "rising edge on line 0");

            long blocked = 0;
            var waiter = new Thread(() => blocked = mon.ReadEvent((int)line0, out _)) { Name = "gpiomon" };
            waiter.Start();
            Thread.Sleep(50);
            Say("# gpiomon blocks in read(2), waiting for the next edge...");
            Say(how);
            takeAway();
            bool woke = waiter.Join(5000);
            Say($"gpiomon: read -> {DescribeResult(blocked)}");
            Check(woke && blocked == -(long)Errno.ENODEV, "the blocked reader woke with ENODEV");

            Say($"gpiomon: read again -> {DescribeResult(mon.ReadEvent((int)line0, out _))}");
            Say($"gpiomon: GPIO_V2_LINE_GET_VALUES_IOCTL -> {DescribeResult(mon.GetValues((int)line0, 1, out _))}");
            var poll = new[] { new PollFd((int)line0, PollEvents.In) };
            int polled = monitor.Poll(poll, 0);
            Say($"gpiomon: poll(POLLIN) -> {polled} [{poll[0].ReturnedEvents}]");
            Check(poll[0].ReturnedEvents == (PollEvents.Hup | PollEvents.Err), "poll answers POLLHUP | POLLERR");
            Say($"gpiodetect: GPIO_GET_CHIPINFO_IOCTL on the old fd -> {DescribeResult(gpio.ChipInfo(chipFd, out _, out _, out _))}");
            Say($"$ cat /dev/gpiochip0 -> open: {DescribeResult(shell.Open("/dev/gpiochip0", OpenFlags.O_RDONLY))}");
            Say($"gpiomon: close -> {monitor.Close((int)line0)}");
            Say($"gpiodetect: close -> {shell.Close(chipFd)}");
        }
    }

    // what a leak check looks at once the caches are dropped (echo 3 > /proc/sys/vm/drop_caches)
    private static KernelStatistics Settled(Kernel kernel)
    {
        kernel.DropCaches();
        return kernel.Statistics;
    }

    private static string Ls(UserProcess shell, string path)
    {
        var entries = new List<DirectoryEntry>();
        int r = shell.ReadDirectory(path, entries);
        if (r < 0) return $"ls: {path}: {((Errno)(-r)).Message()}";
        return string.Join("  ", entries.Select(e => e.Name).Where(n => n is not ("." or "..")).Order(StringComparer.Ordinal));
    }

    private static string Readlink(UserProcess shell, string path)
    {
        int r = shell.Readlink(path, out string target);
        return r == 0 ? target : $"readlink: {path}: {((Errno)(-r)).Message()}";
    }

    private static string DescribeResult(long r) => r >= 0 ? r.ToString() : $"-1 {(Errno)(-r)} ({((Errno)(-r)).Message()})";

    private static string Describe(GpioV2LineFlags flags) =>
        string.Join(" ", new[] { (GpioV2LineFlags.Output, "output"), (GpioV2LineFlags.Input, "input"), (GpioV2LineFlags.Used, "[used]"), (GpioV2LineFlags.ActiveLow, "active-low") }
            .Where(f => (flags & f.Item1) != 0).Select(f => f.Item2));
}
