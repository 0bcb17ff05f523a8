using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Devices;

/// <summary>MMIO, interrupts, revocable resources, device-managed memory and the sanitizer that watches them.</summary>
[TestFixture]
internal sealed class ResourceTests : DeviceTestBase
{
    private Device Bind(string name, TestPlan plan, MmioWindow? window = null, InterruptLine? line = null, Bus? bus = null)
    {
        TestPlan.Set(name, plan);
        bus ??= Kernel.DeviceModel.Platform;
        bus.RegisterDriver(name, TestDriver.Table);
        var resources = new List<IoResource>();
        if (window is not null) resources.Add(IoResource.Memory(window));
        if (line is not null) resources.Add(IoResource.Irq(line));
        Device device = bus is HotplugBus hot ? hot.Plug(name, Bus.IdNone, resources.ToArray()) : Kernel.DeviceModel.Platform.Register(name, Bus.IdNone, resources.ToArray());
        Assert.That(device.IsBound, Is.True, "probe succeeded");
        return device;
    }

    [Test]
    public void IoMem_reads_and_writes_the_hardware_at_8_16_and_32_bits()
    {
        string name = UniqueName("mmio");
        (TestRegisters hw, MmioWindow window, _) = NewHardware();
        TestState? state = null;
        var plan = new TestPlan { OnProbe = s => state = s };
        Bind(name, plan, window);
        using RevocableGuard<IoMem> guard = state!.Regs!.TryAccess();
        IoMem io = guard.Value!;
        io.Write32(0xAABBCCDD, 0x20);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(io.Read32(0x20), Is.EqualTo(0xAABBCCDDu));
            Assert.That(io.Read16(0x22), Is.EqualTo((ushort)0xAABB));
            Assert.That(io.Read8(0x21), Is.EqualTo((byte)0xCC));
            io.Write8(0x11, 0x23);
            Assert.That(io.Read32(0x20), Is.EqualTo(0x11BBCCDDu));
            io.Write16(0x2233, 0x20);
            Assert.That(io.Read32(0x20), Is.EqualTo(0x11BB2233u));
            Assert.That(io.Length, Is.EqualTo(0x100u));
            Assert.That(io.PhysicalAddress, Is.EqualTo(window.Start));
            Assert.That(hw.Writes, Is.EqualTo(3));
        }
    }

    [Test]
    public void An_out_of_bounds_or_misaligned_MMIO_access_is_reported_with_its_call_site_and_reads_all_ones()
    {
        string name = UniqueName("oob");
        (TestRegisters hw, MmioWindow window, _) = NewHardware();
        TestState? state = null;
        Bind(name, new TestPlan { OnProbe = s => state = s }, window);
        using RevocableGuard<IoMem> guard = state!.Regs!.TryAccess();
        IoMem io = guard.Value!;
        uint past = io.Read32(0x100);
        ushort misaligned = io.Read16(0x21);
        io.Write32(1, 0xFFFF_FFFC);
        var reports = TakeReports();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(past, Is.EqualTo(uint.MaxValue));
            Assert.That(misaligned, Is.EqualTo((ushort)0xFFFF));
            Assert.That(hw.Writes, Is.Zero, "the bad write reached no register");
            Assert.That(reports.Select(r => r.Kind), Is.All.EqualTo(SanitizerReportKind.OutOfBounds));
            Assert.That(reports, Has.Count.EqualTo(3));
            Assert.That(reports[0].Detail, Does.Contain("read of 4 byte(s) at offset 0x100").And.Contain("past the end of the 256-byte mapping"));
            Assert.That(reports[1].Detail, Does.Contain("misaligned"));
            Assert.That(reports[0].CallSite, Does.StartWith(nameof(An_out_of_bounds_or_misaligned_MMIO_access_is_reported_with_its_call_site_and_reads_all_ones) + " (ResourceTests.cs:"));
            Assert.That(reports[0].Resource, Does.StartWith($"IoMem {name} [mem 0x"));
            Assert.That(Kernel.Log.Lines, Has.Some.StartsWith("BUG: KernelOps sanitizer: out-of-bounds in "));
        }
    }

    [Test]
    public void A_mapping_kept_past_unbind_is_revoked_and_each_use_is_a_use_after_revoke_report()
    {
        string name = UniqueName("leak");
        (TestRegisters hw, MmioWindow window, _) = NewHardware();
        TestState? state = null;
        Device device = Bind(name, new TestPlan
        {
            OnProbe = s =>
            {
                state = s;
                using RevocableGuard<IoMem> g = s.Regs!.TryAccess();
                s.LeakedMapping = g.Value; // the seed's bug: the mapping escapes its guard
            },
        }, window);
        Assert.That(state!.LeakedMapping!.Read32(0), Is.Zero, "fine while bound");
        device.Unbind();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(state.Regs!.IsRevoked, Is.True);
            using (RevocableGuard<IoMem> g = state.Regs.TryAccess()) Assert.That(g.Value, Is.Null, "the safe path answers 'gone'");
            int readsBefore = hw.Reads;
            Assert.That(state.LeakedMapping.Read32(0), Is.EqualTo(uint.MaxValue), "poisoned read");
            state.LeakedMapping.Write8(1, 0);
            Assert.That(hw.Reads, Is.EqualTo(readsBefore), "the hardware saw nothing");
            Assert.That(state.LeakedMapping.IsMapped, Is.False);
        }
        var reports = TakeReports();
        Assert.That(reports.Select(r => r.Kind), Is.EqualTo(new[] { SanitizerReportKind.UseAfterRevoke, SanitizerReportKind.UseAfterRevoke }));
        Assert.That(reports[0].Detail, Does.Contain($"which was unmapped when {name} released its resources"));
        Assert.That(reports[0].CallSite, Does.Contain("ResourceTests.cs:"));
    }

    [Test]
    public void Devres_Access_with_proof_of_binding_needs_no_guard_but_must_name_the_right_device()
    {
        string a = UniqueName("owner"), b = UniqueName("stranger");
        (_, MmioWindow w1, _) = NewHardware();
        (_, MmioWindow w2, _) = NewHardware();
        TestState? sa = null;
        string? wrong = null;
        Bind(a, new TestPlan { OnProbe = s => sa = s }, w1);
        Bind(b, new TestPlan
        {
            OnProbe = s =>
            {
                try { sa!.Regs!.Access(new BoundDevice(s.Device)); }
                catch (ArgumentException e) { wrong = e.Message; }
            },
        }, w2);
        Assert.That(wrong, Does.Contain($"belongs to {a}, not {b}"));
    }

    [Test]
    public void The_interrupt_handler_runs_on_the_interrupt_thread_with_its_bound_device()
    {
        string name = UniqueName("irq");
        (TestRegisters hw, MmioWindow window, InterruptLine line) = NewHardware();
        var plan = new TestPlan { Irq = true };
        Bind(name, plan, window, line);
        hw.Interrupt();
        Assert.That(SpinWait.SpinUntil(() => Volatile.Read(ref plan.IrqCount) >= 1 && !line.IsAsserted, 5000), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(plan.IrqThread, Is.EqualTo("irq/kernelops"));
            Assert.That(line.Count, Is.EqualTo(1));
            Assert.That(Kernel.DeviceModel.Interrupts.ProcInterruptsText(), Does.Contain($"{line.Number}:          1  kernelops  level  {name}"));
        }
    }

    [Test]
    public void Free_irq_waits_for_a_running_handler_and_no_handler_runs_after_it()
    {
        string name = UniqueName("sync");
        (TestRegisters hw, MmioWindow window, InterruptLine line) = NewHardware();
        using var inHandler = new ManualResetEventSlim();
        using var letGo = new ManualResetEventSlim();
        int afterFree = 0;
        bool freed = false;
        var plan = new TestPlan
        {
            Irq = true,
            OnIrq = s =>
            {
                if (Volatile.Read(ref freed)) Interlocked.Increment(ref afterFree);
                inHandler.Set();
                letGo.Wait();
                s.Regs!.TryAccess().Dispose();
                return IrqReturn.Handled;
            },
        };
        Device device = Bind(name, plan, window, line);
        hw.Interrupt(); // level: stays asserted, so the handler would run again and again
        Assert.That(inHandler.Wait(5000), Is.True);
        var unbinding = new Thread(() => { device.Unbind(); Volatile.Write(ref freed, true); });
        unbinding.Start();
        Assert.That(unbinding.Join(300), Is.False, "free_irq is waiting for the handler (synchronize_irq)");
        letGo.Set();
        Assert.That(unbinding.Join(5000), Is.True);
        Thread.Sleep(50);
        hw.Interrupt();
        Thread.Sleep(50);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterFree, Is.Zero, "no handler after free_irq");
            Assert.That(DeviceCounters().Irqs, Is.Zero);
        }
    }

    [Test]
    public void Free_irq_from_its_own_handler_is_reported_instead_of_deadlocking()
    {
        string name = UniqueName("selffree");
        (TestRegisters hw, MmioWindow window, InterruptLine line) = NewHardware();
        var done = new ManualResetEventSlim();
        var plan = new TestPlan
        {
            Irq = true,
            OnIrq = s =>
            {
                s.Regs!.TryAccess().Dispose();
                s.Irq!.Dispose(); // devm_free_irq from inside the handler
                hw.Write(TestRegisters.IrqAck, 4, 1);
                done.Set();
                return IrqReturn.Handled;
            },
        };
        Bind(name, plan, window, line);
        hw.Interrupt();
        Assert.That(done.Wait(5000), Is.True);
        Assert.That(SpinWait.SpinUntil(() => Kernel.Sanitizer.Count > 0, 5000), Is.True);
        var reports = TakeReports();
        Assert.That(reports.Single().Kind, Is.EqualTo(SanitizerReportKind.Deadlock));
        Assert.That(reports.Single().Detail, Does.Contain("free_irq called from its own handler"));
        Assert.That(DeviceCounters().Irqs, Is.Zero);
    }

    [Test]
    public void A_level_interrupt_nobody_handles_is_disabled()
    {
        string name = UniqueName("spurious");
        (TestRegisters hw, MmioWindow window, InterruptLine line) = NewHardware();
        var plan = new TestPlan { Irq = true, OnIrq = _ => IrqReturn.None };
        Bind(name, plan, window, line);
        hw.Interrupt();
        Assert.That(SpinWait.SpinUntil(() => line.IsDisabled, 10_000), Is.True);
        Assert.That(Kernel.Log.Lines, Has.Some.EqualTo($"Disabling IRQ #{line.Number}"));
        Assert.That(plan.IrqCount, Is.EqualTo(1000));
    }

    [Test]
    public void Unplugging_takes_the_hardware_away_first_so_remove_reads_all_ones()
    {
        string name = UniqueName("gone");
        (TestRegisters hw, MmioWindow window, InterruptLine line) = NewHardware();
        uint seen = 0;
        var plan = new TestPlan
        {
            Irq = true,
            OnProbe = s => s.Regs!.Access(new BoundDevice(s.Device)).Write32(0x1234, 0),
            OnRemove = s => seen = s.Regs!.Access(new BoundDevice(s.Device)).Read32(0),
        };
        Device device = Bind(name, plan, window, line, Kernel.DeviceModel.Hotplug);
        Assert.That(hw.Read(0, 4), Is.EqualTo(0x1234u));
        Kernel.DeviceModel.Hotplug.Unplug(device);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(seen, Is.EqualTo(uint.MaxValue), "the registers were gone before remove ran");
            Assert.That(window.IsAttached, Is.False);
            Assert.That(() => Kernel.DeviceModel.Interrupts.AllocateLine("x").Dispose(), Throws.Nothing);
            Assert.That(plan.Events, Is.EqualTo(new[] { "probe", "remove", "dispose" }));
            Assert.That(DeviceCounters(), Is.EqualTo((0L, 0L, 0L, 0L, 0L)));
        }
    }

    [Test]
    public void Revoke_waits_for_the_guards_alive_then_disposes_and_later_access_gets_nothing()
    {
        var holder = new Holder();
        var revocable = new Revocable<Holder>(holder);
        using var holding = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var reader = new Thread(() =>
        {
            using RevocableGuard<Holder> g = revocable.TryAccess();
            Assert.That(g.Value, Is.SameAs(holder));
            holding.Set();
            release.Wait();
            Assert.That(holder.Disposed, Is.False, "not disposed under a guard");
        });
        reader.Start();
        holding.Wait();
        bool revoked = false;
        var revoker = new Thread(() => revoked = revocable.Revoke());
        revoker.Start();
        Assert.That(revoker.Join(200), Is.False, "waiting for the guard");
        using (RevocableGuard<Holder> late = revocable.TryAccess()) Assert.That(late.IsValid, Is.False, "no new access once revocation began");
        release.Set();
        reader.Join();
        Assert.That(revoker.Join(5000), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(revoked, Is.True);
            Assert.That(holder.Disposed, Is.True);
            Assert.That(revocable.Revoke(), Is.False, "already revoked");
        }
    }

    [Test]
    public void Disposing_a_copy_of_a_guard_too_is_a_double_free_report_and_the_object_stays_usable()
    {
        string name = UniqueName("twice");
        TestState? state = null;
        Bind(name, new TestPlan { Map = false, Revocable = true, OnProbe = s => state = s });
        using (CurrentTask.Enter(null, Kernel.Log, null, Kernel))
        {
            RevocableGuard<Holder> g = state!.Held!.TryAccess();
            RevocableGuard<Holder> copy = g;
            g.Dispose();
            copy.Dispose();
        }
        using (RevocableGuard<Holder> again = state.Held.TryAccess()) Assert.That(again.IsValid, Is.True);
        var reports = TakeReports();
        Assert.That(reports.Single().Kind, Is.EqualTo(SanitizerReportKind.DoubleFree));
        Assert.That(reports.Single().Resource, Does.StartWith($"Devres<Holder> of {name}"));
    }

    [Test]
    public void Device_managed_memory_read_after_unbind_is_a_use_after_free_report()
    {
        string name = UniqueName("devm");
        TestState? state = null;
        Device device = Bind(name, new TestPlan { Map = false, Alloc = true, OnProbe = s => state = s });
        Assert.That(state!.Scratch!.Get(), Is.EqualTo(new[] { 1, 2, 3 }));
        device.Unbind();
        Assert.That(state.Scratch.IsFreed, Is.True);
        _ = state.Scratch.Get();
        var report = TakeReports().Single();
        Assert.That(report.Kind, Is.EqualTo(SanitizerReportKind.UseAfterFree));
        Assert.That(report.Detail, Does.Contain($"freed when {name} released its resources"));
        Assert.That(report.Resource, Is.EqualTo($"devm List`1 of {name}"));
    }

    [Test]
    public void In_panic_mode_a_report_also_throws_from_the_faulting_access()
    {
        string name = UniqueName("panic");
        (_, MmioWindow window, _) = NewHardware();
        TestState? state = null;
        Bind(name, new TestPlan { OnProbe = s => state = s }, window);
        Kernel.Sanitizer.Mode = SanitizerMode.Panic;
        IoMem io;
        using (RevocableGuard<IoMem> g = state!.Regs!.TryAccess()) io = g.Value!;
        Assert.That(() => io.Read8(0x1000), Throws.TypeOf<SanitizerPanicException>().With.Property("Report").Property("Kind").EqualTo(SanitizerReportKind.OutOfBounds));
        Assert.That(TakeReports(), Has.Count.EqualTo(1));
    }

    [Test]
    public void Every_acquisition_of_probe_fails_once_under_fail_nth_and_unwinds_exactly_the_earlier_ones()
    {
        string name = UniqueName("failnth");
        (_, MmioWindow window, InterruptLine line) = NewHardware();
        TestPlan.Set(name, new TestPlan { Irq = true, Misc = true, MiscData = new object(), DebugFs = true, Revocable = true, Alloc = true, Action = true });
        Device device = Kernel.DeviceModel.Platform.Register(name, Bus.IdNone, IoResource.Memory(window), IoResource.Irq(line));
        using DeviceDriver bound = Kernel.DeviceModel.Platform.RegisterDriver(name + "-drv", TestDriver.Table, name);
        Assert.That(device.Unbind(), Is.EqualTo(KResult.Ok), "it bound at registration; bind by hand below, under fail-nth");
        Kernel.DeviceModel.LogDevres = true;
        var baseline = Kernel.Statistics;

        int k = 1;
        for (; ; k++)
        {
            int logStart = Kernel.Log.Lines.Count;
            KResult result;
            bool injected;
            using (FailNthScope nth = Kernel.FaultInjection.FailNth(k))
            {
                result = bound.Bind(name);
                injected = nth.Injected;
            }
            var lines = Kernel.Log.Lines.Skip(logStart).ToList();
            var added = lines.Where(l => l.Contains("DEVRES ADD ")).Select(l => l[(l.IndexOf("ADD ", StringComparison.Ordinal) + 4)..]).ToList();
            var released = lines.Where(l => l.Contains("DEVRES REL ")).Select(l => l[(l.IndexOf("REL ", StringComparison.Ordinal) + 4)..]).ToList();
            if (!injected)
            {
                Assert.That(result, Is.EqualTo(KResult.Ok), "with no fault left to inject, probe succeeds");
                Assert.That(added, Has.Count.EqualTo(k - 1), "every step was a fault site");
                Assert.That(device.Unbind(), Is.EqualTo(KResult.Ok));
                break;
            }
            using (Assert.EnterMultipleScope())
            {
                Assert.That(result, Is.EqualTo((KResult)Errno.ENOMEM), $"step {k} failed probe with ENOMEM");
                Assert.That(added, Has.Count.EqualTo(k - 1), $"step {k}: the k-1 earlier acquisitions were made");
                Assert.That(released, Is.EqualTo(Enumerable.Reverse(added)), $"step {k}: and released newest first");
                Assert.That(lines, Has.Some.StartsWith("FAULT_INJECTION: forcing a failure in "));
                Assert.That(device.IsBound, Is.False);
                Assert.That(Kernel.Statistics, Is.EqualTo(baseline), $"step {k}: nothing leaked");
            }
        }
        Assert.That(k - 1, Is.EqualTo(8), "region, mapping, irq, misc, debugfs, devres, devm memory, action");
        Assert.That(Kernel.Statistics, Is.EqualTo(baseline));
    }
}
