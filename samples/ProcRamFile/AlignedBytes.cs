using System;
using System.Runtime.InteropServices;

namespace KernelOps.Samples.ProcRamFile;

/// <summary>
/// The RAM file's growable bytes, starting at a 64-byte boundary inside a pinned array (the pinned
/// object heap never moves it), as kernel buffers are at least cache-line aligned. A plain array's
/// data starts at whatever 8-byte boundary the GC chose, and a copy from a page-aligned user buffer
/// (dd's, fio's) into a destination 8-24 bytes past a 4 KiB boundary runs ~3x slower on x86 (4K
/// aliasing: the copy's loads wait on its own earlier stores). Not thread-safe: its owner's lock
/// guards it.
/// </summary>
internal struct AlignedBytes
{
    public const int Alignment = 64;

    private byte[]? _storage;
    private int _start;

    /// <summary>Bytes that fit without growing.</summary>
    public readonly long Capacity => (_storage?.Length ?? 0) - _start;

    /// <summary><paramref name="count"/> bytes from <paramref name="position"/>, which must lie within <see cref="Capacity"/>.</summary>
    public readonly Span<byte> Slice(long position, int count) => _storage.AsSpan(_start + (int)position, count);

    /// <summary>
    /// Grows to hold <paramref name="needed"/> bytes (doubling, at least 4 KiB, at most
    /// <paramref name="limit"/>), keeping the first <paramref name="keep"/>.
    /// </summary>
    public void EnsureCapacity(long needed, long limit, int keep)
    {
        long capacity = Capacity;
        if (needed <= capacity) return;
        long grown = Math.Max(needed, Math.Min(limit, Math.Max(4096L, capacity * 2)));
        byte[] storage = GC.AllocateArray<byte>((int)grown + Alignment - 1, pinned: true);
        int start = AlignedStart(storage);
        Slice(0, keep).CopyTo(storage.AsSpan(start));
        _storage = storage;
        _start = start;
    }

    private static int AlignedStart(byte[] pinned)
    {
        // The array lives on the pinned object heap, so its address read here stays true.
        GCHandle handle = GCHandle.Alloc(pinned, GCHandleType.Pinned);
        try { return (int)(-handle.AddrOfPinnedObject() & (Alignment - 1)); }
        finally { handle.Free(); }
    }
}
