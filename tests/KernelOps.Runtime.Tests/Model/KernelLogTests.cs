using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;
using KernelOps.Runtime.Tests.Model.Devices;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>A kernel clock a test steps by hand, so rate-limit windows end exactly when the test says.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks = TimeSpan.TicksPerDay; // an arbitrary boot time, not 0

    public override long TimestampFrequency => TimeSpan.TicksPerSecond;

    public override long GetTimestamp() => Interlocked.Read(ref _ticks);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>
/// The kernel log under floods (issue 16.2): printk_ratelimited per call site and per kernel, as
/// lib/ratelimit.c counts it, and a ring buffer bounded in lines and in bytes, with records cut at
/// PRINTKRB_RECORD_MAX as vprintk_store cuts them.
/// </summary>
[TestFixture]
internal sealed class KernelLogTests
{
    private const string InUse = "kernelops: module 'pinned' is in use";

    private static int Utf8(string line) => Encoding.UTF8.GetByteCount(line);

    private static void AssertBounded(KernelLog log)
    {
        IReadOnlyList<string> lines = log.Lines;
        Assert.That(lines, Has.Count.LessThanOrEqualTo(log.Capacity), "lines kept");
        Assert.That(lines.Sum(l => (long)Utf8(l)), Is.LessThanOrEqualTo(Math.Max(log.ByteCapacity, KernelLog.MaxLineBytes)), "bytes kept");
        Assert.That(lines.Max(Utf8), Is.LessThanOrEqualTo(KernelLog.MaxLineBytes), "longest line");
    }

    /// <summary>A module whose misc device is open, so every rmmod is refused with EAGAIN.</summary>
    private static (Kernel Kernel, UserProcess Holder) KernelWithPinnedModule(ManualClock clock)
    {
        var kernel = new Kernel(clock: clock);
        var module = new DeviceModule("pinned", c => c.Devices.RegisterMisc("pinned", StatefulDevice.Table, data: new DeviceCounters()));
        kernel.Modules.Load(module);
        UserProcess holder = kernel.CreateProcess("holder");
        Assert.That(holder.Open("/dev/pinned", OpenFlags.O_RDONLY), Is.Zero, "the open file pins the module");
        return (kernel, holder);
    }

    [Test]
    public void A_reload_loop_of_refused_rmmods_leaves_the_log_bounded_and_reports_what_it_suppressed()
    {
        const int threads = 8, perThread = 12_500, total = threads * perThread;
        var clock = new ManualClock();
        (Kernel kernel, UserProcess holder) = KernelWithPinnedModule(clock);
        using (kernel)
        {
            int refused = 0;
            var workers = new Thread[threads];
            for (int t = 0; t < threads; t++)
            {
                workers[t] = new Thread(() =>
                {
                    for (int i = 0; i < perThread; i++)
                        if (kernel.Modules.Unload("pinned") == (KResult)Errno.EAGAIN) Interlocked.Increment(ref refused);
                });
                workers[t].Start();
            }
            foreach (Thread w in workers) Assert.That(w.Join(TimeSpan.FromMinutes(2)), Is.True, "rmmod loop hung");

            Assert.That(refused, Is.EqualTo(total), "every rmmod of the pinned module was refused");
            Assert.That(kernel.Log.Lines.Count(l => l.StartsWith(InUse)), Is.EqualTo(RateLimitSite.DefaultBurst),
                "one burst of lines in the first window (the clock did not move)");
            Assert.That(kernel.Log.Suppressed, Is.EqualTo(total - RateLimitSite.DefaultBurst));
            AssertBounded(kernel.Log);

            // time_is_before_jiffies(begin + interval): the window ends strictly after 5 s
            clock.Advance(RateLimitSite.DefaultInterval);
            Assert.That(kernel.Modules.Unload("pinned"), Is.EqualTo((KResult)Errno.EAGAIN));
            Assert.That(kernel.Log.Lines, Has.None.Contains("callbacks suppressed"), "still the first window at exactly 5 s");

            clock.Advance(TimeSpan.FromTicks(1));
            Assert.That(kernel.Modules.Unload("pinned"), Is.EqualTo((KResult)Errno.EAGAIN));
            IReadOnlyList<string> lines = kernel.Log.Lines;
            Assert.That(lines[^2], Is.EqualTo($"delete_module: {total - RateLimitSite.DefaultBurst + 1} callbacks suppressed"),
                string.Join("\n", lines));
            Assert.That(lines[^1], Does.StartWith(InUse), "and the new window's first line follows it");
            Assert.That(lines.Count(l => l.StartsWith(InUse)), Is.EqualTo(RateLimitSite.DefaultBurst + 1));
            holder.Dispose();
        }
    }

    [Test]
    public void A_handler_failing_on_every_call_logs_one_burst_per_window_and_its_errno_every_time()
    {
        var clock = new ManualClock();
        using var kernel = new Kernel(clock: clock);
        kernel.Proc.Create("bad", 0x1B6, null, TestTables.Ram, new RamState { ThrowInRead = true });
        using UserProcess p = kernel.CreateProcess();
        int fd = p.Open("/proc/bad", OpenFlags.O_RDONLY);
        nuint buffer = p.Memory.Map(16).Address;
        for (int i = 0; i < 1000; i++)
            Assert.That(p.Read(fd, buffer, 16), Is.EqualTo(-(nint)Errno.EIO), "the caller learns every time");

        Assert.That(kernel.Log.Lines.Count(l => l.Contains("Tests.Ram.Read threw")), Is.EqualTo(RateLimitSite.DefaultBurst));
        Assert.That(kernel.Log.Suppressed, Is.EqualTo(1000 - RateLimitSite.DefaultBurst));

        clock.Advance(RateLimitSite.DefaultInterval + TimeSpan.FromMilliseconds(1));
        Assert.That(p.Read(fd, buffer, 16), Is.EqualTo(-(nint)Errno.EIO));
        IReadOnlyList<string> lines = kernel.Log.Lines;
        Assert.That(lines[^2], Is.EqualTo($"kernelops_handler: {1000 - RateLimitSite.DefaultBurst} callbacks suppressed"));
        Assert.That(lines[^1], Does.Contain("Tests.Ram.Read threw"));
        Assert.That(p.Close(fd), Is.Zero);
    }

    [Test]
    public void An_interrupt_handler_throwing_on_every_interrupt_of_a_storm_logs_one_burst()
    {
        const int interrupts = 100;
        var clock = new ManualClock();
        using var kernel = new Kernel(clock: clock);
        const string name = "kernellog-storm";
        var hardware = new TestRegisters();
        MmioWindow window = kernel.DeviceModel.IoMemory.Attach(hardware, 0x100);
        InterruptLine line = kernel.DeviceModel.Interrupts.AllocateLine(name, IrqTrigger.Edge);
        hardware.Line = line;
        TestPlan.Set(name, new TestPlan { Irq = true, OnIrq = _ => throw new InvalidOperationException("storm") });
        kernel.DeviceModel.Platform.RegisterDriver(name, TestDriver.Table);
        Device device = kernel.DeviceModel.Platform.Register(name, Bus.IdNone, IoResource.Memory(window), IoResource.Irq(line));
        Assert.That(device.IsBound, Is.True);
        for (int i = 1; i <= interrupts; i++)
        {
            line.Pulse();
            Assert.That(SpinWait.SpinUntil(() => line.Count >= i, TimeSpan.FromMinutes(1)), Is.True, $"interrupt {i} handled");
        }

        Assert.That(kernel.Log.Lines.Count(l => l.Contains("threw System.InvalidOperationException: storm")), Is.EqualTo(RateLimitSite.DefaultBurst));
        Assert.That(kernel.Log.Suppressed, Is.EqualTo(interrupts - RateLimitSite.DefaultBurst));
        line.Dispose();
    }

    [Test]
    public void Budgets_are_per_site_and_per_kernel()
    {
        var clock = new ManualClock();
        (Kernel flooded, UserProcess holder) = KernelWithPinnedModule(clock);
        using var quiet = new Kernel(clock: clock);
        using (flooded)
        {
            for (int i = 0; i < 100; i++) flooded.Modules.Unload("pinned");

            // Another site of the same kernel still has its whole burst...
            flooded.Proc.Create("bad", 0x1B6, null, TestTables.Ram, new RamState { ThrowInRead = true });
            Assert.Throws<KernelErrorException>(() => holder.ReadAllBytes("/proc/bad"));
            Assert.That(flooded.Log.Lines, Has.Some.Contains("Tests.Ram.Read threw"));

            // ...and so does the same site in another kernel (DEFINE_RATELIMIT_STATE is per kernel image).
            var module = new DeviceModule("pinned", c => c.Devices.RegisterMisc("pinned", StatefulDevice.Table, data: new DeviceCounters()));
            quiet.Modules.Load(module);
            using UserProcess other = quiet.CreateProcess();
            int fd = other.Open("/dev/pinned", OpenFlags.O_RDONLY);
            Assert.That(quiet.Modules.Unload("pinned"), Is.EqualTo((KResult)Errno.EAGAIN));
            Assert.That(quiet.Log.Lines, Has.Some.StartsWith(InUse));
            Assert.That(quiet.Log.Suppressed, Is.Zero);
            Assert.That(other.Close(fd), Is.Zero);
            holder.Dispose();
        }
    }

    [Test]
    public void A_site_of_a_module_limits_its_own_lines_with_its_own_interval_and_burst()
    {
        var clock = new ManualClock();
        var site = new RateLimitSite("mydrv_irq", TimeSpan.FromSeconds(1), burst: 2);
        var log = new KernelLog(clock: clock);
        var printed = new List<bool>();
        for (int i = 0; i < 5; i++) printed.Add(log.PrintkRatelimited(site, $"mydrv: spurious irq {i}"));
        clock.Advance(TimeSpan.FromSeconds(2));
        printed.Add(log.PrintkRatelimited(site, "mydrv: spurious irq 5"));

        Assert.That(printed, Is.EqualTo(new[] { true, true, false, false, false, true }));
        Assert.That(log.Lines, Is.EqualTo(new[]
        {
            "mydrv: spurious irq 0", "mydrv: spurious irq 1", "mydrv_irq: 3 callbacks suppressed", "mydrv: spurious irq 5",
        }));

        var disabled = new RateLimitSite("unlimited", TimeSpan.Zero, RateLimitSite.DefaultBurst);
        var silenced = new RateLimitSite("silenced", RateLimitSite.DefaultInterval, burst: 0);
        for (int i = 0; i < 50; i++) Assert.That(log.RateLimit(disabled), Is.True, "interval 0: RATELIMIT_STATE_INIT_DISABLED");
        Assert.That(log.RateLimit(silenced), Is.False, "burst 0 suppresses every line");
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RateLimitSite("bad", TimeSpan.FromSeconds(-1), 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new RateLimitSite("bad", TimeSpan.FromSeconds(1), -1));
    }

    [Test]
    public void Huge_lines_are_cut_at_the_record_limit_without_splitting_a_character()
    {
        var log = new KernelLog();
        log.Printk(new string('x', 10_000_000));
        log.Printk(new string('é', 2000));              // 2 bytes each: 511 fit
        log.Printk("a" + string.Concat(Enumerable.Repeat("😀", 1000))); // 4 bytes each after one byte: 255 fit
        log.Printk("ends with a newline\n");

        IReadOnlyList<string> lines = log.Lines;
        Assert.That(lines[0], Is.EqualTo(new string('x', KernelLog.MaxLineBytes)));
        Assert.That(lines[1], Is.EqualTo(new string('é', 511)));
        Assert.That(lines[2], Has.Length.EqualTo(1 + 2 * 255));
        Assert.That(char.IsHighSurrogate(lines[2][^1]), Is.False, "no half of a surrogate pair");
        Assert.That(lines.Select(Utf8), Is.EqualTo(new[] { 1023, 1022, 1021, 19 }));
        Assert.That(lines[3], Is.EqualTo("ends with a newline"), "printk_sprint drops the newline that ends the record");
    }

    [Test]
    public void The_ring_is_bounded_in_bytes_as_well_as_in_lines()
    {
        var log = new KernelLog(capacity: 4096);
        Assert.That(log.ByteCapacity, Is.EqualTo(128 * 1024), "4096 descriptors, 32 bytes each: 1 << CONFIG_LOG_BUF_SHIFT (17)");
        for (int i = 0; i < 10_000; i++) log.Printk($"{i:D6} " + new string('y', 5000));

        IReadOnlyList<string> lines = log.Lines;
        AssertBounded(log);
        Assert.That(lines, Has.Count.EqualTo(128), "128 records of 1023 bytes fill 128 KiB");
        Assert.That(lines[^1], Does.StartWith("009999 "), "the newest line stays");
        Assert.That(log.Dropped, Is.EqualTo(10_000 - 128));

        var tiny = new KernelLog(capacity: 1);
        tiny.Printk(new string('z', 4000));
        Assert.That(tiny.Lines, Has.Count.EqualTo(1), "one record always fits, however small the buffer");
        Assert.That(Utf8(tiny.Lines[0]), Is.EqualTo(KernelLog.MaxLineBytes));
    }
}
