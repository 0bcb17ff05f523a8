using System.Runtime.InteropServices;

namespace KernelOps.Abi;

/// <summary>
/// <c>struct proc_ops</c>, byte-identical to Linux 6.18 x86_64 (96 bytes, 12 members; see
/// tests/KernelOps.Runtime.Tests/Fixtures/proc_ops.pahole.txt). The <see cref="OpsSlotAttribute"/>
/// on each implementable slot is this kind's whole description for the generator.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct ProcOps
{
    /// <summary><c>unsigned int proc_flags</c> (offset 0).</summary>
    [OpsTableSetting(nameof(ProcOpsAttribute.Flags))]
    public uint proc_flags;

    /// <summary><c>int (*proc_open)(struct inode *, struct file *)</c> (offset 8).</summary>
    [OpsSlot(typeof(OpenAttribute), typeof(IInodeFileOperation), Role = SlotRole.Open)]
    public unsafe delegate* unmanaged<NativeInode*, NativeFile*, int> proc_open;

    /// <summary><c>ssize_t (*proc_read)(struct file *, char __user *, size_t, loff_t *)</c> (offset 16).</summary>
    [OpsSlot(typeof(ReadAttribute), typeof(IReadOperation), Role = SlotRole.Read)]
    public unsafe delegate* unmanaged<NativeFile*, byte*, nuint, long*, nint> proc_read;

    /// <summary><c>ssize_t (*proc_read_iter)(struct kiocb *, struct iov_iter *)</c> (offset 24). Not modelled: always null.</summary>
    public unsafe delegate* unmanaged<void*, void*, nint> proc_read_iter;

    /// <summary><c>ssize_t (*proc_write)(struct file *, const char __user *, size_t, loff_t *)</c> (offset 32).</summary>
    [OpsSlot(typeof(WriteAttribute), typeof(IWriteOperation), Role = SlotRole.Write)]
    public unsafe delegate* unmanaged<NativeFile*, byte*, nuint, long*, nint> proc_write;

    /// <summary><c>loff_t (*proc_lseek)(struct file *, loff_t, int)</c> (offset 40). Null means not seekable (ESPIPE) since Linux 6.0.</summary>
    [OpsSlot(typeof(LseekAttribute), typeof(ILseekOperation), Role = SlotRole.Seek)]
    public unsafe delegate* unmanaged<NativeFile*, long, int, long> proc_lseek;

    /// <summary><c>int (*proc_release)(struct inode *, struct file *)</c> (offset 48).</summary>
    [OpsSlot(typeof(ReleaseAttribute), typeof(IInodeFileOperation))]
    public unsafe delegate* unmanaged<NativeInode*, NativeFile*, int> proc_release;

    /// <summary><c>__poll_t (*proc_poll)(struct file *, struct poll_table_struct *)</c> (offset 56). Not modelled yet: always null.</summary>
    public unsafe delegate* unmanaged<NativeFile*, NativePollTable*, uint> proc_poll;

    /// <summary><c>long (*proc_ioctl)(struct file *, unsigned int, unsigned long)</c> (offset 64).</summary>
    [OpsSlot(typeof(IoctlAttribute), typeof(IIoctlOperation))]
    public unsafe delegate* unmanaged<NativeFile*, uint, nuint, nint> proc_ioctl;

    /// <summary><c>long (*proc_compat_ioctl)(struct file *, unsigned int, unsigned long)</c> (offset 72).</summary>
    [OpsSlot(typeof(CompatIoctlAttribute), typeof(IIoctlOperation))]
    public unsafe delegate* unmanaged<NativeFile*, uint, nuint, nint> proc_compat_ioctl;

    /// <summary><c>int (*proc_mmap)(struct file *, struct vm_area_struct *)</c> (offset 80). Not modelled: always null.</summary>
    public unsafe delegate* unmanaged<NativeFile*, void*, int> proc_mmap;

    /// <summary><c>unsigned long (*proc_get_unmapped_area)(struct file *, unsigned long, unsigned long, unsigned long, unsigned long)</c> (offset 88). Not modelled: always null.</summary>
    public unsafe delegate* unmanaged<NativeFile*, nuint, nuint, nuint, nuint, nuint> proc_get_unmapped_area;
}
