using System.Runtime.InteropServices;

namespace KernelOps.Abi;

/// <summary>
/// The kernel model's <c>struct file</c>, in native memory. It keeps the fields handlers and the
/// VFS rules need (fs.h names); it is the model's own layout, not Linux's 232-byte struct, because
/// no handler may reach into a file except through <see cref="FileRef"/>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeFile
{
    /// <summary>The ops table the file was opened with (proc_ops or file_operations).</summary>
    public unsafe void* f_op;
    /// <summary>The inode the file was opened on.</summary>
    public unsafe NativeInode* f_inode;
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
/// <c>i_private</c> word that proc (PDE_DATA) and debugfs use to hand registration data to open,
/// then what the VFS core keeps for every file system (<c>i_op</c>, <c>i_fop</c>, <c>i_sb</c>,
/// owner, link count, blocks, timestamps, the symlink target). The model's own layout, not Linux's:
/// the first five fields keep their offsets (bench/native/dispatch_harness.c reads them from C).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeInode
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
    /// <summary><c>i_op</c>: the inode operations (null: none implemented).</summary>
    public unsafe InodeOperations* i_op;
    /// <summary><c>i_fop</c>: the table files opened on the inode start with (file_operations or proc_ops), or null.</summary>
    public unsafe void* i_fop;
    /// <summary><c>i_sb</c>: the superblock.</summary>
    public unsafe NativeSuperBlock* i_sb;
    /// <summary><c>i_uid</c>.</summary>
    public uint i_uid;
    /// <summary><c>i_gid</c>.</summary>
    public uint i_gid;
    /// <summary><c>i_nlink</c> (<c>__i_nlink</c>): the number of names the inode has.</summary>
    public uint i_nlink;
    /// <summary><c>i_flags</c>: <c>S_*</c> inode flags (S_DEAD, S_IMMUTABLE, S_APPEND, ...).</summary>
    public uint i_flags;
    /// <summary><c>i_blocks</c>: 512-byte blocks allocated.</summary>
    public long i_blocks;
    /// <summary><c>i_atime</c>.</summary>
    public KernelTimespec i_atime;
    /// <summary><c>i_mtime</c>.</summary>
    public KernelTimespec i_mtime;
    /// <summary><c>i_ctime</c>.</summary>
    public KernelTimespec i_ctime;
    /// <summary><c>i_link</c>: a symlink's target, NUL-terminated, when the file system keeps it in the inode (simple_get_link); else null.</summary>
    public unsafe byte* i_link;
    /// <summary><c>i_blkbits</c>: log2 of the block size stat reports.</summary>
    public uint i_blkbits;
    /// <summary><c>i_generation</c>.</summary>
    public uint i_generation;
    /// <summary>Model-private: a GCHandle to the managed inode (0 for inodes the VFS core does not own).</summary>
    public nint i_model;
}
