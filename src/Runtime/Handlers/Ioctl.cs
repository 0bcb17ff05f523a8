using System;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KernelOps.Model;

namespace KernelOps;

/// <summary>The direction bits of an ioctl number (include/uapi/asm-generic/ioctl.h _IOC_NONE/_IOC_WRITE/_IOC_READ).</summary>
[Flags]
public enum IoctlDirection : uint
{
    /// <summary>_IOC_NONE: no argument data.</summary>
    None = 0,
    /// <summary>_IOC_WRITE: user space writes, the driver reads the argument (copy_from_user).</summary>
    Write = 1,
    /// <summary>_IOC_READ: the driver writes the argument for user space to read (copy_to_user).</summary>
    Read = 2,
}

/// <summary>
/// Building and decoding ioctl numbers as include/uapi/asm-generic/ioctl.h does on x86_64:
/// <c>dir:2 | size:14 | type:8 | nr:8</c>, from the top bit down.
/// </summary>
public static class IoctlNumber
{
    /// <summary>_IOC_NRBITS.</summary>
    public const int NrBits = 8;
    /// <summary>_IOC_TYPEBITS.</summary>
    public const int TypeBits = 8;
    /// <summary>_IOC_SIZEBITS.</summary>
    public const int SizeBits = 14;
    /// <summary>_IOC_DIRBITS.</summary>
    public const int DirBits = 2;
    /// <summary>_IOC_NRSHIFT.</summary>
    public const int NrShift = 0;
    /// <summary>_IOC_TYPESHIFT.</summary>
    public const int TypeShift = NrShift + NrBits;
    /// <summary>_IOC_SIZESHIFT.</summary>
    public const int SizeShift = TypeShift + TypeBits;
    /// <summary>_IOC_DIRSHIFT.</summary>
    public const int DirShift = SizeShift + SizeBits;

    /// <summary>_IOC(dir, type, nr, size). Throws for a field that does not fit (the C macros' _IOC_TYPECHECK is a build error).</summary>
    public static uint Make(IoctlDirection direction, uint type, uint nr, uint size)
    {
        if ((uint)direction >= 1u << DirBits) throw new ArgumentOutOfRangeException(nameof(direction));
        if (type >= 1u << TypeBits) throw new ArgumentOutOfRangeException(nameof(type), type, "The ioctl type is 8 bits.");
        if (nr >= 1u << NrBits) throw new ArgumentOutOfRangeException(nameof(nr), nr, "The ioctl number is 8 bits.");
        if (size >= 1u << SizeBits) throw new ArgumentOutOfRangeException(nameof(size), size, "The ioctl argument size is 14 bits.");
        return ((uint)direction << DirShift) | (type << TypeShift) | (nr << NrShift) | (size << SizeShift);
    }

    /// <summary>_IO(type, nr): no argument.</summary>
    public static uint IO(uint type, uint nr) => Make(IoctlDirection.None, type, nr, 0);

    /// <summary>_IOR(type, nr, T): the driver copies a <typeparamref name="T"/> to user space.</summary>
    public static uint IOR<T>(uint type, uint nr) where T : unmanaged => Make(IoctlDirection.Read, type, nr, SizeOf<T>());

    /// <summary>_IOW(type, nr, T): the driver copies a <typeparamref name="T"/> from user space.</summary>
    public static uint IOW<T>(uint type, uint nr) where T : unmanaged => Make(IoctlDirection.Write, type, nr, SizeOf<T>());

    /// <summary>_IOWR(type, nr, T): both directions.</summary>
    public static uint IOWR<T>(uint type, uint nr) where T : unmanaged => Make(IoctlDirection.Read | IoctlDirection.Write, type, nr, SizeOf<T>());

    /// <summary>_IOC_DIR(nr).</summary>
    public static IoctlDirection Direction(uint command) => (IoctlDirection)((command >> DirShift) & ((1u << DirBits) - 1));

    /// <summary>_IOC_TYPE(nr).</summary>
    public static uint Type(uint command) => (command >> TypeShift) & ((1u << TypeBits) - 1);

    /// <summary>_IOC_NR(nr).</summary>
    public static uint Nr(uint command) => (command >> NrShift) & ((1u << NrBits) - 1);

    /// <summary>_IOC_SIZE(nr).</summary>
    public static uint Size(uint command) => (command >> SizeShift) & ((1u << SizeBits) - 1);

    private static uint SizeOf<T>() where T : unmanaged => (uint)Unsafe.SizeOf<T>();
}

/// <summary>
/// A typed user pointer (<c>T __user *</c>), as an ioctl's argument word usually is: every access
/// is a copy_from_user / copy_to_user of one whole <typeparamref name="T"/> against the calling
/// task's address space, failing with <see cref="Errno.EFAULT"/> when any byte is unmapped.
/// </summary>
[Abi.CallScoped]
public readonly struct UserPtr<T> : IEquatable<UserPtr<T>> where T : unmanaged
{
    /// <summary>Wraps a user address (for ioctl, the <c>unsigned long arg</c>).</summary>
    public UserPtr(nuint address) => Address = address;

    /// <summary>The user address.</summary>
    public nuint Address { get; }

    /// <summary>True for the null pointer.</summary>
    public bool IsNull => Address == 0;

    /// <summary>mirrors include/linux/uaccess.h:copy_from_user of sizeof(T): EFAULT unless every byte is copied.</summary>
    [Abi.CallScoped]
    public KResult Read(out T value)
    {
        value = default;
        UserMemory? memory = CurrentTask.Memory;
        if (memory is null || !Model.Vfs.AccessOk(Address, (nuint)Unsafe.SizeOf<T>())) return Errno.EFAULT;
        Span<byte> bytes = MemoryMarshal.AsBytes(new Span<T>(ref value));
        return memory.CopyFromUser(bytes, Address) == 0 ? KResult.Ok : Errno.EFAULT;
    }

    /// <summary>mirrors include/linux/uaccess.h:copy_to_user of sizeof(T): EFAULT unless every byte is copied.</summary>
    [Abi.CallScoped]
    public KResult Write(in T value)
    {
        UserMemory? memory = CurrentTask.Memory;
        if (memory is null || !Model.Vfs.AccessOk(Address, (nuint)Unsafe.SizeOf<T>())) return Errno.EFAULT;
        ReadOnlySpan<byte> bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value));
        return memory.CopyToUser(Address, bytes) == 0 ? KResult.Ok : Errno.EFAULT;
    }

    /// <inheritdoc/>
    public bool Equals(UserPtr<T> other) => Address == other.Address;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is UserPtr<T> p && Equals(p);
    /// <inheritdoc/>
    public override int GetHashCode() => Address.GetHashCode();
    /// <inheritdoc/>
    public override string ToString() => $"({typeof(T).Name} __user *)0x{Address:x}";
    /// <summary>Equality.</summary>
    public static bool operator ==(UserPtr<T> a, UserPtr<T> b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(UserPtr<T> a, UserPtr<T> b) => !a.Equals(b);
}
