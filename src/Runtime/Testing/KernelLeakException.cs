using System;
using System.Collections.Generic;
using KernelOps.Model;

namespace KernelOps.Testing;

/// <summary>
/// The kernel holds allocations a test expected it to have freed: the message lists each counter
/// of <see cref="KernelStatistics"/> that differs, e.g. <c>1 struct file (0 -&gt; 1)</c>.
/// </summary>
public sealed class KernelLeakException : Exception
{
    /// <summary>Creates the exception from the expected and the actual statistics.</summary>
    public KernelLeakException(KernelStatistics expected, KernelStatistics actual, string when)
        : base($"kernel leak {when}: {Describe(expected, actual)}")
    {
        Expected = expected;
        Actual = actual;
    }

    /// <summary>What the kernel should hold.</summary>
    public KernelStatistics Expected { get; }

    /// <summary>What it holds.</summary>
    public KernelStatistics Actual { get; }

    private static string Describe(KernelStatistics expected, KernelStatistics actual)
    {
        var parts = new List<string>();
        void Compare(string what, long before, long now)
        {
            if (before != now) parts.Add($"{what} {before} -> {now}");
        }
        Compare("struct files", expected.LiveFiles, actual.LiveFiles);
        Compare("inodes", expected.LiveInodes, actual.LiveInodes);
        Compare("GCHandles", expected.LiveGCHandles, actual.LiveGCHandles);
        Compare("descriptors", expected.OpenDescriptors, actual.OpenDescriptors);
        Compare("file references", expected.LiveFileReferences, actual.LiveFileReferences);
        Compare("devices", expected.LiveDevices, actual.LiveDevices);
        Compare("devres resources", expected.DevresResources, actual.DevresResources);
        Compare("MMIO mappings", expected.IoMappings, actual.IoMappings);
        Compare("MMIO regions", expected.IoRegions, actual.IoRegions);
        Compare("IRQ handlers", expected.IrqHandlers, actual.IrqHandlers);
        return parts.Count == 0 ? "(no counter differs)" : string.Join(", ", parts);
    }
}
