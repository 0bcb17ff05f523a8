using System;
using System.Runtime.CompilerServices;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

/// <summary>
/// A mapping of a device's registers (<c>void __iomem *</c> from ioremap; Rust-for-Linux's
/// <c>IoMem</c>): bounds-checked 8/16/32-bit reads and writes (readb/readw/readl, writeb/writew/writel)
/// at offsets from the start of the mapping. A driver gets one from
/// <see cref="CoreDevice.IoRemapResource"/> wrapped in a <see cref="Devres{T}"/>, so the mapping is
/// revoked and unmapped when the device is unbound. Every access is checked: past the end or
/// misaligned is an out-of-bounds report, after the unmap a use-after-revoke report (both name the
/// mapping and the caller), and the access then reads all-ones and writes nothing. Thread-safe; the
/// hardware serialises its registers.
/// </summary>
[DeviceManaged]
public sealed class IoMem : IDisposable
{
    private readonly DeviceModel _model;
    private readonly MmioWindow? _window;
    private readonly uint _windowOffset;
    private string? _unmappedBecause;
    private int _mapped = 1;

    internal IoMem(DeviceModel model, MmioWindow? window, ulong physicalAddress, uint length, string name)
    {
        _model = model;
        _window = window;
        _windowOffset = window is null ? 0 : (uint)(physicalAddress - window.Start);
        PhysicalAddress = physicalAddress;
        Length = length;
        Name = name;
        model.Counters.Update(ioMappings: 1);
    }

    /// <summary>The physical address the mapping starts at.</summary>
    public ulong PhysicalAddress { get; }

    /// <summary>The mapping's length in bytes: valid offsets are below it.</summary>
    public uint Length { get; }

    /// <summary>The owner's name (the device), for reports.</summary>
    public string Name { get; }

    /// <summary>False once the mapping was unmapped (revoked at unbind).</summary>
    public bool IsMapped => Volatile.Read(ref _mapped) != 0;

    /// <summary>readb.</summary>
    public byte Read8(uint offset, [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        (byte)Read(offset, 1, member, file, line);

    /// <summary>readw.</summary>
    public ushort Read16(uint offset, [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        (ushort)Read(offset, 2, member, file, line);

    /// <summary>readl.</summary>
    public uint Read32(uint offset, [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Read(offset, 4, member, file, line);

    /// <summary>writeb(<paramref name="value"/>, base + <paramref name="offset"/>).</summary>
    public void Write8(byte value, uint offset, [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Write(value, offset, 1, member, file, line);

    /// <summary>writew.</summary>
    public void Write16(ushort value, uint offset, [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Write(value, offset, 2, member, file, line);

    /// <summary>writel.</summary>
    public void Write32(uint value, uint offset, [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Write(value, offset, 4, member, file, line);

    /// <summary>
    /// iounmap. Drivers never call it: the <see cref="Devres{T}"/> holding the mapping does when the
    /// device is unbound (or when the driver disposes the Devres). Idempotent.
    /// </summary>
    void IDisposable.Dispose() => Unmap("unmapped");

    internal void Unmap(string because)
    {
        if (Interlocked.Exchange(ref _mapped, 0) == 0) return;
        _unmappedBecause = because;
        _model.Counters.Update(ioMappings: -1);
    }

    /// <inheritdoc/>
    public override string ToString() => $"IoMem {Name} [mem 0x{PhysicalAddress:x8}-0x{PhysicalAddress + Length - 1:x8}]";

    private uint Read(uint offset, int size, string member, string file, int line)
    {
        if (!Check(offset, size, "read", member, file, line)) return MmioWindow.AllOnes(size);
        return _window is null ? MmioWindow.AllOnes(size) : _window.Read(_windowOffset + offset, size);
    }

    private void Write(uint value, uint offset, int size, string member, string file, int line)
    {
        if (Check(offset, size, "write", member, file, line)) _window?.Write(_windowOffset + offset, size, value);
    }

    private bool Check(uint offset, int size, string what, string member, string file, int line)
    {
        if (Volatile.Read(ref _mapped) == 0)
        {
            Report(SanitizerReportKind.UseAfterRevoke, $"{what} of {size} byte(s) at offset 0x{offset:x} of {this}, which was {_unmappedBecause}", member, file, line);
            return false;
        }
        if ((ulong)offset + (uint)size > Length || offset % (uint)size != 0)
        {
            string why = offset % (uint)size != 0 ? "misaligned" : $"past the end of the {Length}-byte mapping";
            Report(SanitizerReportKind.OutOfBounds, $"{what} of {size} byte(s) at offset 0x{offset:x} of {this}: {why}", member, file, line);
            return false;
        }
        return true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Report(SanitizerReportKind kind, string detail, string member, string file, int line) =>
        _model.Kernel.Sanitizer.Report(kind, ToString(), detail, member, file, line);
}
