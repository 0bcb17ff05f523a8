using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using KernelOps.Model;
using KernelOps.Samples.Pl061;
using KernelOps.Samples.Pl061.Gpio;

namespace KernelOps.Samples.Tests.Pl061;

/// <summary>
/// A PL061 taken away and brought back over and over while eight processes open /dev/gpiochip0,
/// ask for chip and line info, request a line with edge detection, read its values, poll it, block
/// reading its events (the removal wakes them), and close. Taken away two ways: unplugged from the
/// hot-pluggable bus and plugged in again, or unbound and bound again by a shell writing
/// <c>pl061.0</c> to <c>/sys/bus/platform/drivers/pl061/{unbind,bind}</c> while a ninth process reads
/// the device's sysfs attributes. Every call must return data or a clean errno; nothing may crash,
/// be reported by the sanitizer, or leak. CI runs a short version; the full runs:
/// <c>KERNELOPS_STRESS_CYCLES=10000 dotnet test tests/KernelOps.Samples.Tests -c Release --filter Pl061Stress</c>.
/// </summary>
public class Pl061StressTests
{
    private const int Threads = 8;

    private static int Cycles(int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable("KERNELOPS_STRESS_CYCLES"), out int n) && n > 0 ? n : ciDefault;

    [Test]
    public void Plug_and_unplug_while_eight_processes_use_the_chip()
    {
        using var s = new Pl061TestSession();
        var pins = new Random(42);
        Stress(s, "plug/unplug", Cycles(1000), _ =>
        {
            Pl061Board board = Pl061Board.Plug(s.Kernel);
            for (int e = 0; e < 4; e++) board.Hardware.SetInput(pins.Next(Threads), pins.Next(2) == 0);
            Thread.Yield();
            board.Remove();
        });
    }

    [Test]
    public void Unbind_and_bind_through_sysfs_while_eight_processes_use_the_chip()
    {
        using var s = new Pl061TestSession();
        var pins = new Random(42);
        Pl061Board? board = null;
        var sysfsFailures = new ConcurrentQueue<string>();
        int stopReader = 0;
        long uevents = 0, reads = 0;
        // a ninth process reads the device's sysfs files while the driver comes and goes
        var reader = new Thread(() =>
        {
            try
            {
                using UserProcess p = s.Kernel.CreateProcess("udevadm");
                while (Volatile.Read(ref stopReader) == 0)
                {
                    string uevent = p.ReadAllText("/sys/devices/platform/pl061.0/uevent");
                    if (uevent is not ("DRIVER=pl061\nMODALIAS=platform:pl061\n" or "MODALIAS=platform:pl061\n"))
                        sysfsFailures.Enqueue($"uevent read {uevent}");
                    if (uevent.StartsWith("DRIVER", StringComparison.Ordinal)) Interlocked.Increment(ref uevents);
                    int r = p.Readlink("/sys/devices/platform/pl061.0/driver", out string target);
                    if (r == 0 ? target != "../../../bus/platform/drivers/pl061" : r != -(int)Errno.ENOENT)
                        sysfsFailures.Enqueue($"readlink driver -> {r} {target}");
                    Interlocked.Increment(ref reads);
                }
            }
            catch (Exception e)
            {
                sysfsFailures.Enqueue(e.ToString());
            }
        }) { Name = "udevadm" };
        Stress(s, "sysfs unbind/bind", Cycles(1000), i =>
        {
            if (i == 0)
            {
                board = Pl061Board.Register(s.Kernel);
                reader.Start();
            }
            for (int e = 0; e < 4; e++) board!.Hardware.SetInput(pins.Next(Threads), pins.Next(2) == 0);
            Thread.Yield();
            try
            {
                s.Shell.WriteAllText("/sys/bus/platform/drivers/pl061/unbind", "pl061.0\n");
                if (board!.Device.IsBound) sysfsFailures.Enqueue("still bound after unbind");
                s.Shell.WriteAllText("/sys/bus/platform/drivers/pl061/bind", "pl061.0\n");
                if (!board.Device.IsBound) sysfsFailures.Enqueue("not bound after bind");
            }
            catch (KernelErrorException e)
            {
                sysfsFailures.Enqueue(e.Message);
            }
        }, end: () =>
        {
            Volatile.Write(ref stopReader, 1);
            Assert.That(reader.Join(TimeSpan.FromSeconds(60)), Is.True, "the sysfs reader finished");
            board!.Remove();
        });
        TestContext.Out.WriteLine($"  sysfs reader: {reads} rounds, {uevents} uevents read while bound");
        Assert.That(sysfsFailures, Is.Empty);
        Assert.That(reads, Is.GreaterThan(0));
    }

    // Eight processes use the chip while cycle(i) takes it away and brings it back, cycles times.
    private static void Stress(Pl061TestSession s, string what, int cycles, Action<int> cycle, Action? end = null)
    {
        s.Kernel.DropCaches();
        KernelStatistics baseline = s.Kernel.Statistics;
        var outcomes = new ConcurrentDictionary<string, long>();
        var unexpected = new ConcurrentQueue<string>();
        var crashes = new ConcurrentQueue<Exception>();
        int stop = 0;

        void Note(string call, long result, params Errno[] allowed)
        {
            string key = result >= 0 ? $"{call} ok" : $"{call} {(Errno)(-result)}";
            outcomes.AddOrUpdate(key, 1, (_, c) => c + 1);
            if (result < 0 && !allowed.Contains((Errno)(-result))) unexpected.Enqueue($"{call} -> {(Errno)(-result)}");
        }

        var users = Enumerable.Range(0, Threads).Select(t => new Thread(() =>
        {
            try
            {
                UserProcess p = s.Kernel.CreateProcess($"user{t}");
                var gpio = new GpioTool(p);
                var random = new Random(t);
                while (Volatile.Read(ref stop) == 0)
                {
                    int chip = gpio.OpenChip("/dev/gpiochip0");
                    Note("open", chip, Errno.ENXIO, Errno.ENODEV);
                    if (chip < 0) { Thread.Yield(); continue; }
                    Note("chipinfo", gpio.ChipInfo(chip, out _, out _, out _), Errno.ENODEV);
                    Note("lineinfo", gpio.LineInfo(chip, (uint)t, out _, out _), Errno.ENODEV);
                    long line = gpio.RequestLines(chip, [(uint)t], GpioV2LineFlags.Input | GpioV2LineFlags.EdgeRising | GpioV2LineFlags.EdgeFalling, $"user{t}");
                    Note("request", line, Errno.ENODEV);
                    Note("close chip", p.Close(chip));
                    if (line < 0) continue;
                    Note("getvalues", gpio.GetValues((int)line, 1, out _), Errno.ENODEV);
                    var poll = new[] { new PollFd((int)line, PollEvents.In) };
                    int polled = p.Poll(poll, random.Next(2));
                    Note("poll", polled);
                    if (polled == 1 && poll[0].ReturnedEvents is not (PollEvents.In or (PollEvents.Hup | PollEvents.Err)))
                        unexpected.Enqueue($"poll revents {poll[0].ReturnedEvents}");
                    if (random.Next(4) == 0) Note("read", gpio.ReadEvent((int)line, out _), Errno.ENODEV); // may block until an edge or the removal
                    Note("close line", p.Close((int)line));
                }
                p.Dispose();
            }
            catch (Exception e)
            {
                crashes.Enqueue(e);
            }
        }) { Name = $"user{t}" }).ToArray();

        var clock = Stopwatch.StartNew();
        foreach (Thread u in users) u.Start();
        for (int i = 0; i < cycles; i++) cycle(i);
        Volatile.Write(ref stop, 1);
        foreach (Thread u in users) Assert.That(u.Join(TimeSpan.FromSeconds(60)), Is.True, $"{u.Name} finished");
        end?.Invoke();
        clock.Stop();

        long calls = outcomes.Values.Sum();
        TestContext.Out.WriteLine($"{cycles} {what} cycles with {Threads} processes in {clock.Elapsed.TotalSeconds:F1} s: " +
            $"{calls} calls, {crashes.Count} crashes, {s.Kernel.Sanitizer.Count} sanitizer reports, {unexpected.Count} unexpected results");
        foreach (var kv in outcomes.OrderBy(kv => kv.Key)) TestContext.Out.WriteLine($"  {kv.Key}: {kv.Value}");
        s.Kernel.DropCaches();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(crashes, Is.Empty);
            Assert.That(unexpected, Is.Empty);
            Assert.That(s.Kernel.Sanitizer.Count, Is.Zero);
            Assert.That(s.Kernel.Statistics, Is.EqualTo(baseline), "statistics back at their baseline");
            Assert.That(outcomes.Keys, Has.Member("open ok").And.Member("request ok").And.Member("close line ok"), "the device was used while bound");
            Assert.That(GpioSubsystem.For(s.Kernel)!.Devices, Is.Empty);
        }
    }
}
