using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;

namespace KernelOps.Model;

/// <summary>
/// A device's registers as the hardware side of the model sees them: what sits behind an MMIO
/// window. The model calls it for every <c>IoMem</c> access within the window, from any thread
/// (driver calls, the interrupt thread); implementations serialise themselves.
/// </summary>
public interface IMmioHardware
{
    /// <summary>A read of <paramref name="size"/> bytes (1, 2 or 4) at <paramref name="offset"/> from the window's start.</summary>
    uint Read(uint offset, int size);

    /// <summary>A write of the low <paramref name="size"/> bytes (1, 2 or 4) of <paramref name="value"/> at <paramref name="offset"/>.</summary>
    void Write(uint offset, int size, uint value);
}

/// <summary>The type of an <see cref="IoResource"/> (IORESOURCE_MEM, IORESOURCE_IRQ in include/linux/ioport.h).</summary>
public enum IoResourceType
{
    /// <summary>IORESOURCE_MEM: a range of physical addresses (MMIO registers).</summary>
    Memory,
    /// <summary>IORESOURCE_IRQ: an interrupt number.</summary>
    Irq,
}

/// <summary>
/// A <c>struct resource</c> of a platform device: an MMIO range or an interrupt number, as a board
/// file or device tree gives them and <c>platform_get_resource</c> / <c>platform_get_irq</c> read them.
/// </summary>
/// <param name="Type">Memory or IRQ.</param>
/// <param name="Start">The first physical address, or the IRQ number.</param>
/// <param name="Size">The range's length in bytes (1 for an IRQ).</param>
public readonly record struct IoResource(IoResourceType Type, ulong Start, ulong Size)
{
    /// <summary>An IORESOURCE_MEM range [<paramref name="start"/>, <paramref name="start"/> + <paramref name="size"/>).</summary>
    public static IoResource Memory(ulong start, ulong size) =>
        size == 0 ? throw new ArgumentOutOfRangeException(nameof(size), "An MMIO range is at least one byte.") : new(IoResourceType.Memory, start, size);

    /// <summary>The range an attached window occupies.</summary>
    public static IoResource Memory(MmioWindow window)
    {
        ArgumentNullException.ThrowIfNull(window);
        return Memory(window.Start, window.Size);
    }

    /// <summary>An IORESOURCE_IRQ for interrupt <paramref name="number"/>.</summary>
    public static IoResource Irq(int number) =>
        number < 0 ? throw new ArgumentOutOfRangeException(nameof(number)) : new(IoResourceType.Irq, (ulong)number, 1);

    /// <summary>An IORESOURCE_IRQ for an allocated line.</summary>
    public static IoResource Irq(InterruptLine line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return Irq(line.Number);
    }

    /// <summary>The last address (resource.end).</summary>
    public ulong End => Start + Size - 1;

    /// <inheritdoc/>
    public override string ToString() => Type == IoResourceType.Irq ? $"[irq {Start}]" : $"[mem 0x{Start:x8}-0x{End:x8}]";
}

/// <summary>
/// Hardware attached at a physical address range (a device's register file on the bus). Disposing
/// it takes the hardware off the bus, as unplugging it does: reads through a mapping of the range
/// then return all-ones and writes are dropped, as a read from a removed PCI device does.
/// </summary>
public sealed class MmioWindow : IDisposable
{
    private readonly IoMemoryMap _map;
    private volatile IMmioHardware? _hardware;

    internal MmioWindow(IoMemoryMap map, ulong start, ulong size, IMmioHardware hardware)
    {
        _map = map;
        Start = start;
        Size = size;
        _hardware = hardware;
    }

    /// <summary>The first physical address.</summary>
    public ulong Start { get; }

    /// <summary>The length in bytes.</summary>
    public ulong Size { get; }

    /// <summary>True until the hardware is taken off the bus.</summary>
    public bool IsAttached => _hardware is not null;

    /// <summary>Takes the hardware off the bus. Idempotent.</summary>
    public void Dispose()
    {
        if (_hardware is null) return;
        _hardware = null;
        _map.Detach(this);
    }

    internal uint Read(uint offset, int size) => _hardware is { } hw ? hw.Read(offset, size) : AllOnes(size);

    internal void Write(uint offset, int size, uint value) => _hardware?.Write(offset, size, value);

    internal static uint AllOnes(int size) => size >= 4 ? uint.MaxValue : (1u << (size * 8)) - 1;

    /// <inheritdoc/>
    public override string ToString() => $"[mem 0x{Start:x8}-0x{Start + Size - 1:x8}]{(IsAttached ? "" : " (detached)")}";
}

/// <summary>A busy range of <c>iomem_resource</c> (request_mem_region); release it with <see cref="IoMemoryMap.ReleaseRegion"/>.</summary>
internal sealed class IoRegion(ulong start, ulong size, string name)
{
    public ulong Start { get; } = start;
    public ulong Size { get; } = size;
    public string Name { get; } = name;
    public bool Released;
}

/// <summary>
/// The machine's physical address space for devices: where hardware is attached
/// (<see cref="Attach(IMmioHardware, ulong)"/>), and <c>iomem_resource</c>, the tree of ranges drivers claim with
/// request_mem_region (the text of /proc/iomem). Thread-safe.
/// </summary>
public sealed class IoMemoryMap
{
    /// <summary>Where <see cref="Attach(IMmioHardware, ulong)"/> starts placing windows (below it is "RAM").</summary>
    public const ulong DefaultBase = 0x1000_0000;

    private readonly KernelCounters _counters;
    private readonly Lock _lock = new();
    private readonly List<MmioWindow> _windows = new();
    private readonly List<IoRegion> _regions = new();
    private ulong _next = DefaultBase;

    internal IoMemoryMap(KernelCounters counters) => _counters = counters;

    /// <summary>
    /// Attaches <paramref name="hardware"/> at the next free page-aligned range of
    /// <paramref name="size"/> bytes (as firmware assigns a BAR).
    /// </summary>
    public MmioWindow Attach(IMmioHardware hardware, ulong size)
    {
        ArgumentNullException.ThrowIfNull(hardware);
        ArgumentOutOfRangeException.ThrowIfZero(size);
        lock (_lock)
        {
            ulong aligned = (size + 0xFFF) & ~0xFFFUL;
            while (Overlaps(_next, aligned)) _next += aligned;
            var window = new MmioWindow(this, _next, size, hardware);
            _next += aligned;
            _windows.Add(window);
            return window;
        }
    }

    /// <summary>Attaches <paramref name="hardware"/> at [<paramref name="start"/>, +<paramref name="size"/>).</summary>
    /// <exception cref="KernelErrorException">EBUSY when other hardware is attached there.</exception>
    public MmioWindow Attach(IMmioHardware hardware, ulong start, ulong size)
    {
        ArgumentNullException.ThrowIfNull(hardware);
        ArgumentOutOfRangeException.ThrowIfZero(size);
        lock (_lock)
        {
            if (Overlaps(start, size)) throw new KernelErrorException(Errno.EBUSY, $"attach [mem 0x{start:x}-0x{start + size - 1:x}]");
            var window = new MmioWindow(this, start, size, hardware);
            _windows.Add(window);
            return window;
        }
    }

    /// <summary>The text of /proc/iomem for the claimed ranges: <c>start-end : name</c>, by address.</summary>
    public string ProcIomemText()
    {
        var text = new StringBuilder();
        lock (_lock)
        {
            var sorted = _regions.ToArray();
            Array.Sort(sorted, (a, b) => a.Start.CompareTo(b.Start));
            foreach (IoRegion r in sorted) text.Append($"{r.Start:x8}-{r.Start + r.Size - 1:x8} : {r.Name}\n");
        }
        return text.ToString();
    }

    /// <summary>mirrors kernel/resource.c:__request_region: claims a range, EBUSY when any of it is claimed.</summary>
    internal IoRegion RequestRegion(ulong start, ulong size, string name)
    {
        lock (_lock)
        {
            foreach (IoRegion r in _regions)
            {
                if (start < r.Start + r.Size && r.Start < start + size)
                    throw new KernelErrorException(Errno.EBUSY, $"request_mem_region([mem 0x{start:x}-0x{start + size - 1:x}], \"{name}\") conflicts with \"{r.Name}\"");
            }
            var region = new IoRegion(start, size, name);
            _regions.Add(region);
            _counters.Update(ioRegions: 1);
            return region;
        }
    }

    /// <summary>mirrors kernel/resource.c:__release_region.</summary>
    internal void ReleaseRegion(IoRegion region)
    {
        lock (_lock)
        {
            if (region.Released) return;
            region.Released = true;
            _regions.Remove(region);
        }
        _counters.Update(ioRegions: -1);
    }

    /// <summary>The attached window containing the whole range, or null (a mapping of nothing reads all-ones).</summary>
    internal MmioWindow? Find(ulong start, ulong size)
    {
        lock (_lock)
        {
            foreach (MmioWindow w in _windows)
                if (start >= w.Start && start + size <= w.Start + w.Size) return w;
            return null;
        }
    }

    /// <summary>Detaches every window overlapping [<paramref name="start"/>, +<paramref name="size"/>) (a surprise removal).</summary>
    internal void DetachRange(ulong start, ulong size)
    {
        MmioWindow[] hit;
        lock (_lock) hit = _windows.FindAll(w => start < w.Start + w.Size && w.Start < start + size).ToArray();
        foreach (MmioWindow w in hit) w.Dispose();
    }

    internal void Detach(MmioWindow window)
    {
        lock (_lock) _windows.Remove(window);
    }

    private bool Overlaps(ulong start, ulong size)
    {
        foreach (MmioWindow w in _windows)
            if (start < w.Start + w.Size && w.Start < start + size) return true;
        return false;
    }

    /// <summary>Kernel shutdown: every window is taken off the bus.</summary>
    internal void Shutdown()
    {
        MmioWindow[] all;
        lock (_lock) all = _windows.ToArray();
        foreach (MmioWindow w in all) w.Dispose();
    }
}
