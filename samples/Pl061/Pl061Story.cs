using System;
using System.IO;
using System.Linq;
using System.Threading;
using KernelOps;
using KernelOps.Model;
using KernelOps.Samples.Pl061.Gpio;

namespace KernelOps.Samples.Pl061;

/// <summary>
/// The seed's story, told on the model: a PL061 is plugged in and driven from user space; a process
/// blocks waiting for an edge; the device is unplugged; the process wakes with an error, later calls
/// fail cleanly, close works, nothing leaks and the sanitizer has nothing to report. The module stays
/// loaded throughout, and the chip comes back when a PL061 is plugged in again.
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
        KernelStatistics before = kernel.Statistics;

        Say("# a PL061 is plugged in (hot-pluggable bus)");
        Pl061Board board = Pl061Board.Plug(kernel);
        Say($"[dmesg] {kernel.Log.Lines.Last(l => l.Contains("registered"))}");

        var gpio = new GpioTool(shell);
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

        using UserProcess monitor = kernel.CreateProcess("gpiomon");
        var mon = new GpioTool(monitor);
        int monChip = mon.OpenChip("/dev/gpiochip0");
        long line0 = mon.RequestLines(monChip, [0], GpioV2LineFlags.Input | GpioV2LineFlags.EdgeRising | GpioV2LineFlags.EdgeFalling, "gpiomon");
        monitor.Close(monChip);
        Say("$ gpiomon gpiochip0 0 &      # waits for edges on line 0");
        board.Hardware.SetInput(0, true);
        long n = mon.ReadEvent((int)line0, out GpioV2LineEvent first);
        Say($"# the outside world raises pin 0\nevent: {(GpioV2LineEventId)first.id} offset {first.offset} seqno {first.seqno} (read {n} bytes)");
        Check(n == 48 && first.id == (uint)GpioV2LineEventId.RisingEdge && first.offset == 0, "rising edge on line 0");

        long blocked = 0;
        var waiter = new Thread(() => blocked = mon.ReadEvent((int)line0, out _)) { Name = "gpiomon" };
        waiter.Start();
        Thread.Sleep(50);
        Say("# gpiomon blocks in read(2), waiting for the next edge...");
        Say("# ...and the PL061 is unplugged");
        board.Remove();
        bool woke = waiter.Join(5000);
        Say($"gpiomon: read -> {DescribeResult(blocked)}");
        Check(woke && blocked == -(long)Errno.ENODEV, "the blocked reader woke with ENODEV");

        Say($"gpiomon: read again -> {DescribeResult(mon.ReadEvent((int)line0, out _))}");
        Say($"gpiomon: GPIO_V2_LINE_GET_VALUES_IOCTL -> {DescribeResult(mon.GetValues((int)line0, 1, out _))}");
        var poll = new[] { new PollFd((int)line0, PollEvents.In) };
        int polled = monitor.Poll(poll, 0);
        Say($"gpiomon: poll(POLLIN) -> {polled} [{poll[0].ReturnedEvents}]");
        Check(poll[0].ReturnedEvents == (PollEvents.Hup | PollEvents.Err), "poll answers POLLHUP | POLLERR");
        Say($"gpiodetect: GPIO_GET_CHIPINFO_IOCTL on the old fd -> {DescribeResult(gpio.ChipInfo(chip, out _, out _, out _))}");
        Say($"$ cat /dev/gpiochip0 -> open: {DescribeResult(shell.Open("/dev/gpiochip0", OpenFlags.O_RDONLY))}");
        Say($"gpiomon: close -> {monitor.Close((int)line0)}");
        Say($"gpiodetect: close -> {shell.Close(chip)}");

        Say($"$ lsmod | grep pl061          # the module stays; devices come and go\n{string.Join("\n", kernel.Modules.Loaded.Where(m => m == "pl061"))}");
        KernelStatistics after = kernel.Statistics;
        Say($"# kernel statistics back at their value before the plug: {after == before}");
        Check(after == before, $"statistics {after} != {before}");
        Say($"# sanitizer reports: {kernel.Sanitizer.Count}");
        Check(kernel.Sanitizer.Count == 0, "no sanitizer report");

        Say("# another PL061 is plugged in: gpiochip0 is back");
        Pl061Board again = Pl061Board.Plug(kernel);
        int chip2 = gpio.OpenChip("/dev/gpiochip0");
        infoResult = gpio.ChipInfo(chip2, out name, out label, out lines);
        Say($"$ gpiodetect\n{name} [{label}] ({lines} lines)");
        Check(infoResult == 0 && name == "gpiochip0", "the chip number was reused");
        shell.Close(chip2);
        again.Remove();
        Say($"$ rmmod pl061 -> {kernel.Modules.Unload("pl061")}");
        Say(failures == 0 ? "# the story went as it should" : $"# {failures} step(s) went wrong");
        _ = module;
        return failures == 0 ? 0 : 1;
    }

    private static string DescribeResult(long r) => r >= 0 ? r.ToString() : $"-1 {(Errno)(-r)} ({((Errno)(-r)).Message()})";

    private static string Describe(GpioV2LineFlags flags) =>
        string.Join(" ", new[] { (GpioV2LineFlags.Output, "output"), (GpioV2LineFlags.Input, "input"), (GpioV2LineFlags.Used, "[used]"), (GpioV2LineFlags.ActiveLow, "active-low") }
            .Where(f => (flags & f.Item1) != 0).Select(f => f.Item2));
}
