using System;
using System.Collections.Generic;
using System.Linq;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Devices;

/// <summary>
/// A kernel per test (from <see cref="ModelTestBase"/>, which checks nothing leaked after Dispose),
/// with the device model's own checks: no sanitizer report unless the test takes them with
/// <see cref="TakeReports"/>, and no devres, mapping, region or interrupt handler left behind.
/// </summary>
internal abstract class DeviceTestBase : ModelTestBase
{
    private static int s_unique;

    /// <summary>A device name no other test uses (test plans are keyed by device name).</summary>
    protected static string UniqueName(string stem) => $"{stem}{System.Threading.Interlocked.Increment(ref s_unique)}";

    [TearDown]
    public void NoSanitizerReports()
    {
        IReadOnlyList<SanitizerReport> reports = Kernel.Sanitizer.Reports;
        Assert.That(reports, Is.Empty, "unexpected sanitizer reports:\n" + string.Join("\n", reports.Select(r => r.Title + ": " + r.Detail)));
    }

    /// <summary>The reports so far, cleared: a test that expects reports asserts on these.</summary>
    protected IReadOnlyList<SanitizerReport> TakeReports()
    {
        IReadOnlyList<SanitizerReport> reports = Kernel.Sanitizer.Reports;
        Kernel.Sanitizer.Clear();
        return reports;
    }

    /// <summary>Test hardware attached at a fresh address with its own interrupt line.</summary>
    protected (TestRegisters Hardware, MmioWindow Window, InterruptLine Line) NewHardware(string name = "test")
    {
        var hardware = new TestRegisters();
        MmioWindow window = Kernel.DeviceModel.IoMemory.Attach(hardware, 0x100);
        InterruptLine line = Kernel.DeviceModel.Interrupts.AllocateLine(name);
        hardware.Line = line;
        return (hardware, window, line);
    }

    /// <summary>The device-model counters of the statistics (all zero when nothing is bound or registered).</summary>
    protected (long Devices, long Devres, long Mappings, long Regions, long Irqs) DeviceCounters()
    {
        KernelStatistics s = Kernel.Statistics;
        return (s.LiveDevices, s.DevresResources, s.IoMappings, s.IoRegions, s.IrqHandlers);
    }

    /// <summary>The DEVRES REL lines of the log for <paramref name="device"/>, in order, as resource names.</summary>
    protected List<string> Released(string device) =>
        Kernel.Log.Lines.Where(l => l.Contains($" {device}: DEVRES REL ")).Select(l => l[(l.IndexOf("DEVRES REL ", StringComparison.Ordinal) + 11)..]).ToList();

    /// <summary>The DEVRES ADD lines of the log for <paramref name="device"/>, in order.</summary>
    protected List<string> Added(string device) =>
        Kernel.Log.Lines.Where(l => l.Contains($" {device}: DEVRES ADD ")).Select(l => l[(l.IndexOf("DEVRES ADD ", StringComparison.Ordinal) + 11)..]).ToList();
}
