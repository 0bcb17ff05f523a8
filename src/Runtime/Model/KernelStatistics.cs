using System.Threading;

namespace KernelOps.Model;

/// <summary>
/// A snapshot of what a <see cref="Kernel"/> has allocated and not yet freed, for leak tests:
/// every number is zero after <see cref="Kernel.Dispose"/>. All the numbers are the counts at one
/// instant, even while other threads open and close files: a file is counted together with its
/// GCHandle, and an fd after the file it names and uncounted before it.
/// </summary>
/// <param name="LiveFiles">Native <c>struct file</c> objects not yet freed by their last fput.</param>
/// <param name="LiveInodes">Native <c>struct inode</c> objects not yet freed.</param>
/// <param name="LiveGCHandles">GCHandles the model allocated (f_model, i_private, per-open state, device data) and has not freed.</param>
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

/// <summary>
/// The live counters behind <see cref="KernelStatistics"/>; one per kernel. Updates go through
/// <see cref="Update"/>, a write section of a seqcount that many writers may enter at once (so
/// the open and close paths never wait for each other or for a reader); <see cref="Snapshot"/>
/// retries until it read every counter while no update was in progress and none completed.
/// </summary>
internal sealed class KernelCounters
{
    // Low 32 bits: updates in progress. High 32 bits: updates completed (wraps; a reader would
    // have to sleep through 2^32 updates between its two reads of the word to be fooled).
    private long _sequence;
    private const long OneCompleted = 1L << 32;

    private long _files;
    private long _inodes;
    private long _descriptors;
    private long _fileReferences;
    private long _devices;
    private long _devresNodes;
    private long _ioMappings;
    private long _ioRegions;
    private long _irqActions;

    /// <summary>
    /// GCHandles. Public for the thunk adapters (StatefulThunkAdapters.CountHandle,
    /// DriverThunkAdapters), which add to it with a bare Interlocked operation outside any write
    /// section: the snapshot stays exact because this is the only counter updated that way and it
    /// is read once, at an instant when every other counter was stable. New code calls <see cref="Update"/>.
    /// </summary>
    public long Handles;

    /// <summary>Applies the deltas as one update: a snapshot sees all of them or none.</summary>
    public void Update(long files = 0, long inodes = 0, long handles = 0, long descriptors = 0, long fileReferences = 0,
        long devices = 0, long devresNodes = 0, long ioMappings = 0, long ioRegions = 0, long irqActions = 0)
    {
        // write_seqcount_begin, for concurrent writers: count this update as in progress
        Interlocked.Increment(ref _sequence);
        if (files != 0) Interlocked.Add(ref _files, files);
        if (inodes != 0) Interlocked.Add(ref _inodes, inodes);
        if (handles != 0) Interlocked.Add(ref Handles, handles);
        if (descriptors != 0) Interlocked.Add(ref _descriptors, descriptors);
        if (fileReferences != 0) Interlocked.Add(ref _fileReferences, fileReferences);
        if (devices != 0) Interlocked.Add(ref _devices, devices);
        if (devresNodes != 0) Interlocked.Add(ref _devresNodes, devresNodes);
        if (ioMappings != 0) Interlocked.Add(ref _ioMappings, ioMappings);
        if (ioRegions != 0) Interlocked.Add(ref _ioRegions, ioRegions);
        if (irqActions != 0) Interlocked.Add(ref _irqActions, irqActions);
        // write_seqcount_end: no longer in progress, one more completed, in one atomic step
        Interlocked.Add(ref _sequence, OneCompleted - 1);
    }

    /// <summary>Every counter as of one instant (read_seqcount_begin / read_seqcount_retry).</summary>
    public KernelStatistics Snapshot()
    {
        var spin = new SpinWait();
        while (true)
        {
            long before = Volatile.Read(ref _sequence);
            if ((int)before == 0)
            {
                // Volatile reads are acquires: none of these moves before the first read of
                // _sequence, and the second read cannot move before them.
                var snapshot = new KernelStatistics(
                    Volatile.Read(ref _files),
                    Volatile.Read(ref _inodes),
                    Volatile.Read(ref Handles),
                    Volatile.Read(ref _descriptors))
                {
                    LiveFileReferences = Volatile.Read(ref _fileReferences),
                    LiveDevices = Volatile.Read(ref _devices),
                    DevresResources = Volatile.Read(ref _devresNodes),
                    IoMappings = Volatile.Read(ref _ioMappings),
                    IoRegions = Volatile.Read(ref _ioRegions),
                    IrqHandlers = Volatile.Read(ref _irqActions),
                };
                if (Volatile.Read(ref _sequence) == before) return snapshot;
            }
            spin.SpinOnce(); // yields, then sleeps, so a preempted writer gets to finish
        }
    }
}
