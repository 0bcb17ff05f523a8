using System;
using System.Runtime.CompilerServices;
using System.Threading;

namespace KernelOps.Model;

/// <summary>
/// A snapshot of what a <see cref="Kernel"/> has allocated and not yet freed, for leak tests:
/// every number is zero after <see cref="Kernel.Dispose"/>. All the numbers are the counts at one
/// instant, even while other threads open and close files: a file's GCHandle is counted before the
/// file and uncounted after it, and an fd after the file it names and uncounted before it, so every
/// snapshot has LiveGCHandles &gt;= LiveFiles and, without dup, OpenDescriptors &lt;= LiveFiles.
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

    /// <summary>Dentries allocated and not yet freed (in use or cached).</summary>
    public long LiveDentries { get; init; }

    /// <summary>Superblocks not yet torn down.</summary>
    public long LiveSuperBlocks { get; init; }

    /// <summary>Mounts not yet freed (attached or detached but still in use).</summary>
    public long LiveMounts { get; init; }

    /// <summary>Bytes of file data RAM file systems hold in their page caches.</summary>
    public long PageCacheBytes { get; init; }

    /// <summary>True when nothing is live.</summary>
    public bool IsEmpty => LiveFiles == 0 && LiveInodes == 0 && LiveGCHandles == 0 && OpenDescriptors == 0 && LiveFileReferences == 0 &&
        LiveDevices == 0 && DevresResources == 0 && IoMappings == 0 && IoRegions == 0 && IrqHandlers == 0 &&
        LiveDentries == 0 && LiveSuperBlocks == 0 && LiveMounts == 0 && PageCacheBytes == 0;
}

/// <summary>
/// The live counters behind <see cref="KernelStatistics"/>; one per kernel. Each counter is one
/// word holding the count (low 40 bits) and how many times <see cref="Update"/> changed it (high
/// 24 bits, wrapping), so a change is still one atomic add and writers never wait for anything.
/// <see cref="Snapshot"/> reads every word twice and retries until both reads agree: no counter
/// changed between its two reads, so every count is what it was at one instant between the two.
/// </summary>
internal sealed class KernelCounters
{
    private const int CountBits = 40;
    private const long OneChange = 1L << CountBits;

    private long _files;
    private long _inodes;
    private long _descriptors;
    private long _fileReferences;
    private long _devices;
    private long _devresNodes;
    private long _ioMappings;
    private long _ioRegions;
    private long _irqActions;
    private long _dentries;
    private long _superBlocks;
    private long _mounts;
    private long _pageCacheBytes;

    /// <summary>
    /// GCHandles. Public for the thunk adapters (StatefulThunkAdapters.CountHandle,
    /// DriverThunkAdapters), which add to its count with a bare Interlocked operation that leaves
    /// the change number alone. The snapshot stays exact because this is the only counter changed
    /// that way and it is read last in each pass (see <see cref="Snapshot"/>). New code calls <see cref="Update"/>.
    /// </summary>
    public long Handles;

    /// <summary>
    /// Applies the deltas, one atomic add per counter, in parameter order. Where one count must
    /// never exceed another in a snapshot (a file holds its handle), the caller orders two calls.
    /// Inlined, so the constant deltas of a call site leave one atomic add per counter it names.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Update(long files = 0, long inodes = 0, long handles = 0, long descriptors = 0, long fileReferences = 0,
        long devices = 0, long devresNodes = 0, long ioMappings = 0, long ioRegions = 0, long irqActions = 0,
        long dentries = 0, long superBlocks = 0, long mounts = 0, long pageCacheBytes = 0)
    {
        if (files != 0) Change(ref _files, files);
        if (inodes != 0) Change(ref _inodes, inodes);
        if (handles != 0) Change(ref Handles, handles);
        if (descriptors != 0) Change(ref _descriptors, descriptors);
        if (fileReferences != 0) Change(ref _fileReferences, fileReferences);
        if (devices != 0) Change(ref _devices, devices);
        if (devresNodes != 0) Change(ref _devresNodes, devresNodes);
        if (ioMappings != 0) Change(ref _ioMappings, ioMappings);
        if (ioRegions != 0) Change(ref _ioRegions, ioRegions);
        if (irqActions != 0) Change(ref _irqActions, irqActions);
        if (dentries != 0) Change(ref _dentries, dentries);
        if (superBlocks != 0) Change(ref _superBlocks, superBlocks);
        if (mounts != 0) Change(ref _mounts, mounts);
        if (pageCacheBytes != 0) Change(ref _pageCacheBytes, pageCacheBytes);
    }

    // One more change and the new count in one add: a count never goes below 0, so a decrement
    // borrows nothing from the change number.
    private static void Change(ref long word, long delta) => Interlocked.Add(ref word, OneChange + delta);

    // The count, sign-extended (a count made negative by a bug shows as negative, not as 2^40 - 1).
    private static long Count(long word) => (word << (64 - CountBits)) >> (64 - CountBits);

    /// <summary>
    /// Every counter as of one instant: the double collect of an atomic snapshot (Afek et al.).
    /// When two passes read the same words, each tracked counter was unchanged from its first read
    /// to its second, so all held these values at the end of the first pass, where Handles was read
    /// (last, so its untracked changes need no change number).
    /// </summary>
    public KernelStatistics Snapshot()
    {
        Span<long> previous = stackalloc long[Words];
        Span<long> current = stackalloc long[Words];
        Collect(previous);
        var spin = new SpinWait();
        while (true)
        {
            Collect(current);
            if (current.SequenceEqual(previous))
            {
                return new KernelStatistics(Count(current[0]), Count(current[1]), Count(current[13]), Count(current[2]))
                {
                    LiveFileReferences = Count(current[3]),
                    LiveDevices = Count(current[4]),
                    DevresResources = Count(current[5]),
                    IoMappings = Count(current[6]),
                    IoRegions = Count(current[7]),
                    IrqHandlers = Count(current[8]),
                    LiveDentries = Count(current[9]),
                    LiveSuperBlocks = Count(current[10]),
                    LiveMounts = Count(current[11]),
                    PageCacheBytes = Count(current[12]),
                };
            }
            current.CopyTo(previous); // the newer pass is the first of the next pair
            spin.SpinOnce();          // yields, then sleeps, when updates keep landing between passes
        }
    }

    private const int Words = 14;

    // Volatile reads are acquires: the reads of one pass stay in order, and after the previous pass.
    private void Collect(Span<long> words)
    {
        words[0] = Volatile.Read(ref _files);
        words[1] = Volatile.Read(ref _inodes);
        words[2] = Volatile.Read(ref _descriptors);
        words[3] = Volatile.Read(ref _fileReferences);
        words[4] = Volatile.Read(ref _devices);
        words[5] = Volatile.Read(ref _devresNodes);
        words[6] = Volatile.Read(ref _ioMappings);
        words[7] = Volatile.Read(ref _ioRegions);
        words[8] = Volatile.Read(ref _irqActions);
        words[9] = Volatile.Read(ref _dentries);
        words[10] = Volatile.Read(ref _superBlocks);
        words[11] = Volatile.Read(ref _mounts);
        words[12] = Volatile.Read(ref _pageCacheBytes);
        words[13] = Volatile.Read(ref Handles); // last: see Snapshot
    }
}
