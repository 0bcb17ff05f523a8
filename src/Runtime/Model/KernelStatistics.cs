using System.Threading;

namespace KernelOps.Model;

/// <summary>
/// A snapshot of what a <see cref="Kernel"/> has allocated and not yet freed, for leak tests:
/// every number is zero after <see cref="Kernel.Dispose"/>.
/// </summary>
/// <param name="LiveFiles">Native <c>struct file</c> objects not yet freed by their last fput.</param>
/// <param name="LiveInodes">Native <c>struct inode</c> objects not yet freed.</param>
/// <param name="LiveGCHandles">GCHandles the model allocated (f_model, i_private) and has not freed.</param>
/// <param name="OpenDescriptors">File descriptors installed in all processes' fd tables.</param>
public readonly record struct KernelStatistics(long LiveFiles, long LiveInodes, long LiveGCHandles, long OpenDescriptors)
{
    /// <summary>
    /// Counted file references (<see cref="FileReference"/>, <c>get_file</c>) handlers took and
    /// have not disposed; each also keeps its file in <see cref="LiveFiles"/>.
    /// </summary>
    public long LiveFileReferences { get; init; }

    /// <summary>Devices whose native <c>struct platform_device</c> is not yet freed (registered, or still referenced).</summary>
    public long LiveDevices { get; init; }

    /// <summary>Managed resources (devres) held by bound drivers.</summary>
    public long DevresResources { get; init; }

    /// <summary>MMIO mappings not yet unmapped (ioremap).</summary>
    public long IoMappings { get; init; }

    /// <summary>Claimed MMIO ranges (request_mem_region).</summary>
    public long IoRegions { get; init; }

    /// <summary>Interrupt handlers registered and not yet freed (request_irq).</summary>
    public long IrqHandlers { get; init; }

    /// <summary>True when nothing is live.</summary>
    public bool IsEmpty => LiveFiles == 0 && LiveInodes == 0 && LiveGCHandles == 0 && OpenDescriptors == 0 && LiveFileReferences == 0 &&
        LiveDevices == 0 && DevresResources == 0 && IoMappings == 0 && IoRegions == 0 && IrqHandlers == 0;
}

/// <summary>The live counters behind <see cref="KernelStatistics"/>; one per kernel, updated atomically.</summary>
internal sealed class KernelCounters
{
    public long Files;
    public long Inodes;
    public long Handles;
    public long Descriptors;
    public long FileReferences;
    public long Devices;
    public long DevresNodes;
    public long IoMappings;
    public long IoRegions;
    public long IrqActions;

    public KernelStatistics Snapshot() => new(
        Interlocked.Read(ref Files),
        Interlocked.Read(ref Inodes),
        Interlocked.Read(ref Handles),
        Interlocked.Read(ref Descriptors))
    {
        LiveFileReferences = Interlocked.Read(ref FileReferences),
        LiveDevices = Interlocked.Read(ref Devices),
        DevresResources = Interlocked.Read(ref DevresNodes),
        IoMappings = Interlocked.Read(ref IoMappings),
        IoRegions = Interlocked.Read(ref IoRegions),
        IrqHandlers = Interlocked.Read(ref IrqActions),
    };
}
