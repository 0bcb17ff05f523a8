using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace KernelOps.Abi;

/// <summary>
/// What the adapters check of a raw pointer from the C side before they touch it: not null, not in
/// the first 64 KiB, below the top of the user address space, aligned for what it points at. That
/// catches what a C caller's garbage usually is (small integers, a NULL struct plus a field offset,
/// a pointer off by a few bytes, -1, a poison pattern, a few bytes of two fields read as one). It
/// cannot tell a well-aligned wild address from a live object: nothing short of a system call can,
/// and a read of one faults fatally (see <see cref="ThunkAdapters"/>' remarks).
/// </summary>
internal static class RawPointer
{
    /// <summary>
    /// The size of the region at address 0 that is never mapped and where .NET turns a fault into a
    /// NullReferenceException (64 KiB, Linux's default vm.mmap_min_addr): no object lives below it.
    /// </summary>
    public const nuint LowLimit = 0x10000;

    /// <summary>
    /// The end of the user address space with 5-level paging (x86_64 LA57 and arm64 52-bit VA stop
    /// below it): an address at or above it is not canonical for a process, and reading it faults.
    /// </summary>
    public const ulong HighLimit = 1UL << 56;

    /// <summary>True when <paramref name="pointer"/> can point at a live <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool Is<T>(void* pointer) where T : unmanaged => IsAddressOf<T>((nuint)pointer);

    /// <summary>True when <paramref name="address"/> can be the address of a live <typeparamref name="T"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool IsAddressOf<T>(nuint address) where T : unmanaged =>
        address >= LowLimit && (ulong)address < HighLimit && (address & (AlignmentOf<T>() - 1)) == 0;

    /// <summary>A <c>struct file *</c> the adapters may read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool IsFile(NativeFile* file) => Is<NativeFile>(file);

    /// <summary>A <c>struct inode *</c> the adapters may read.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe bool IsInode(NativeInode* inode) => Is<NativeInode>(inode);

    /// <summary>
    /// The object behind a GCHandle word read from native memory (<c>private_data</c>, <c>f_model</c>,
    /// <c>f_device</c>, <c>i_private</c>, <c>_qproc</c>), or null for 0 and for a word that cannot be
    /// a handle: a GCHandle is the address of a pointer-aligned handle-table slot, never in the
    /// first 64 KiB, so any other word is refused instead of being dereferenced.
    /// </summary>
    public static object? HandleTarget(nint word)
    {
        if (word == 0 || !IsAddressOf<nint>((nuint)word)) return null;
        // SAFETY: the word is non-zero, pointer-aligned and outside the null region; by the model's
        // invariant it is a live GCHandle (only the model writes these fields), and a well-aligned
        // wild word is the one case this cannot catch (see the class summary).
        return GCHandle.FromIntPtr(word).Target;
    }

    /// <summary>True when <paramref name="word"/> is 0 or can be a GCHandle.</summary>
    public static bool IsHandleOrZero(nint word) => word == 0 || IsAddressOf<nint>((nuint)word);

    // alignof(T): the offset of a T after one byte in a sequential struct; a JIT-time constant.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static nuint AlignmentOf<T>() where T : unmanaged => (nuint)(Unsafe.SizeOf<AlignmentProbe<T>>() - Unsafe.SizeOf<T>());

    [StructLayout(LayoutKind.Sequential)]
    private struct AlignmentProbe<T> where T : unmanaged
    {
        public byte Head;
        public T Tail;
    }
}
