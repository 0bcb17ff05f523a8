using System.Runtime.InteropServices;

namespace KernelOps.Abi;

/// <summary>
/// The kernel model's <c>struct file</c>, in native memory. It keeps the fields handlers and the
/// VFS rules need (fs.h names); it is the model's own layout, not Linux's 232-byte struct, because
/// no handler may reach into a file except through <see cref="FileRef"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct NativeFile
{
    /// <summary>The ops table the file was opened with (proc_ops or file_operations).</summary>
    public void* f_op;
    /// <summary>The inode the file was opened on.</summary>
    public NativeInode* f_inode;
    /// <summary>open(2) flags (<see cref="OpenFlags"/>); O_APPEND/O_NONBLOCK may change via fcntl.</summary>
    public uint f_flags;
    /// <summary><see cref="FMode"/> bits, fixed after open.</summary>
    public uint f_mode;
    /// <summary>The file position. Updated by the VFS after read/write under f_pos_lock when shared.</summary>
    public long f_pos;
    /// <summary>One word of per-open data owned by the handler (set by open, freed by release).</summary>
    public nint private_data;
    /// <summary>Model-private: a GCHandle to the managed open-file record. Never touched by handlers.</summary>
    public nint f_model;
    /// <summary>
    /// Model-private: the registration data of the character or misc device the file was opened on
    /// (a GCHandle word kept alive by the file's device reference), read through
    /// <see cref="FileRef.DeviceData{T}"/>. Linux drivers reach the same object through
    /// <c>inode-&gt;i_cdev</c> or misc_open's <c>private_data</c>; the model keeps private_data free for
    /// the handler's per-open state.
    /// </summary>
    public nint f_device;
}

/// <summary>
/// The kernel model's <c>struct inode</c>, in native memory: mode, number, device and the
/// <c>i_private</c> word that proc (PDE_DATA) and debugfs use to hand registration data to open.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct NativeInode
{
    /// <summary>File type and permission bits (S_IFREG | 0644 ...).</summary>
    public uint i_mode;
    /// <summary>Device number for device inodes (MKDEV(major, minor)).</summary>
    public uint i_rdev;
    /// <summary>Inode number.</summary>
    public ulong i_ino;
    /// <summary>File size as the VFS sees it (proc reports 0 unless set).</summary>
    public long i_size;
    /// <summary>Registration data: a GCHandle word given at proc_create_data/debugfs_create_file.</summary>
    public nint i_private;
}
