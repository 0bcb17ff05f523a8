using System.Runtime.InteropServices;

namespace KernelOps.Abi;

// The kernel model's own layouts of the structs the VFS tables point at (struct dentry,
// super_block, iattr, kstat, kstatfs, fs_context, fs_parameter, dir_context, path, delayed_call).
// They are NOT Linux's layouts: Linux's are large, configuration-dependent and randomised
// (__randomize_layout), and no handler may reach into them except through the safe views in the
// KernelOps namespace (Dentry, SuperBlock, IAttr, KStat, ...). They keep the fields the VFS rules
// and the libfs helpers need, under the kernel's names, so a reader can follow the C. The ops tables
// that point at them (inode_operations, super_operations, file_system_type, fs_context_operations)
// ARE byte-identical to Linux 6.18, checked by the layout tests.

/// <summary>
/// <c>struct timespec64</c>: seconds and nanoseconds since the epoch (the model's inode timestamps
/// and <c>struct kstat</c> times; Linux stores inode times as separate sec/nsec fields since 6.7).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct KernelTimespec
{
    /// <summary><c>time64_t tv_sec</c>.</summary>
    public long tv_sec;
    /// <summary><c>long tv_nsec</c>, 0..999 999 999.</summary>
    public long tv_nsec;

    /// <summary>A timespec.</summary>
    public KernelTimespec(long seconds, long nanoseconds)
    {
        tv_sec = seconds;
        tv_nsec = nanoseconds;
    }

    /// <inheritdoc/>
    public override readonly string ToString() => $"{tv_sec}.{tv_nsec:D9}";
}

/// <summary>
/// The kernel model's <c>struct dentry</c>: a name in a directory, bound to an inode (positive) or
/// to none (negative). <c>d_name</c> is a NUL-terminated copy owned by the dentry (replaced by
/// rename). <c>d_model</c> is a GCHandle to the managed dentry; handlers never touch it.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeDentry
{
    /// <summary><c>DCACHE_*</c> bits the model keeps (see <c>DentryFlags</c> in the model).</summary>
    public uint d_flags;
    /// <summary><c>d_name.len</c>: the name's length in bytes, without the NUL.</summary>
    public uint d_name_len;
    /// <summary><c>d_name.name</c>: the name, NUL-terminated.</summary>
    public unsafe byte* d_name;
    /// <summary><c>d_parent</c>: the parent directory's dentry (the root's own for a root).</summary>
    public unsafe NativeDentry* d_parent;
    /// <summary><c>d_inode</c>: the inode, or null for a negative dentry.</summary>
    public unsafe NativeInode* d_inode;
    /// <summary><c>d_sb</c>: the superblock.</summary>
    public unsafe NativeSuperBlock* d_sb;
    /// <summary><c>d_fsdata</c>: one word for the file system.</summary>
    public nint d_fsdata;
    /// <summary>Model-private: a GCHandle to the managed dentry.</summary>
    public nint d_model;
}

/// <summary>
/// The kernel model's <c>struct super_block</c>: one mounted instance of a file system. The file
/// system's fill_super sets <c>s_op</c>, <c>s_magic</c>, <c>s_blocksize</c>, <c>s_maxbytes</c>,
/// <c>s_time_gran</c> and <c>s_root</c>; <c>s_fs_info</c> is its one word of private data.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeSuperBlock
{
    /// <summary><c>s_dev</c>: the (anonymous) device number, kernel encoding (MKDEV).</summary>
    public uint s_dev;
    /// <summary><c>s_blocksize_bits</c>.</summary>
    public uint s_blocksize_bits;
    /// <summary><c>s_blocksize</c>.</summary>
    public ulong s_blocksize;
    /// <summary><c>s_maxbytes</c>: the largest file size (EFBIG beyond).</summary>
    public long s_maxbytes;
    /// <summary><c>s_type</c>: the file system type the superblock belongs to.</summary>
    public unsafe FileSystemType* s_type;
    /// <summary><c>s_op</c>: the superblock operations (null: none).</summary>
    public unsafe SuperOperations* s_op;
    /// <summary><c>s_flags</c>: <c>SB_*</c> flags (SB_RDONLY, SB_NOSUID, ...).</summary>
    public ulong s_flags;
    /// <summary><c>s_magic</c>: the file system's magic number (statfs f_type).</summary>
    public ulong s_magic;
    /// <summary><c>s_root</c>: the root dentry (d_make_root).</summary>
    public unsafe NativeDentry* s_root;
    /// <summary><c>s_time_gran</c>: timestamp granularity in nanoseconds.</summary>
    public uint s_time_gran;
    /// <summary><c>s_max_links</c>: the most links an inode may have (0: no limit).</summary>
    public uint s_max_links;
    /// <summary><c>s_fs_info</c>: the file system's private word (a GCHandle the model owns).</summary>
    public nint s_fs_info;
    /// <summary>Model-private: a GCHandle to the managed superblock.</summary>
    public nint s_model;
}

/// <summary><c>struct path</c>: a mount and a dentry in it.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativePath
{
    /// <summary><c>mnt</c>: the mount (opaque to handlers).</summary>
    public unsafe void* mnt;
    /// <summary><c>dentry</c>.</summary>
    public unsafe NativeDentry* dentry;
}

/// <summary>
/// <c>struct iattr</c>: the attribute change notify_change hands to <c>-&gt;setattr</c>.
/// <c>ia_valid</c> holds <c>ATTR_*</c> bits saying which fields are meant.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeIattr
{
    /// <summary><c>ia_valid</c>: <c>ATTR_*</c> bits.</summary>
    public uint ia_valid;
    /// <summary><c>ia_mode</c>.</summary>
    public uint ia_mode;
    /// <summary><c>ia_uid</c>.</summary>
    public uint ia_uid;
    /// <summary><c>ia_gid</c>.</summary>
    public uint ia_gid;
    /// <summary><c>ia_size</c>.</summary>
    public long ia_size;
    /// <summary><c>ia_atime</c>.</summary>
    public KernelTimespec ia_atime;
    /// <summary><c>ia_mtime</c>.</summary>
    public KernelTimespec ia_mtime;
    /// <summary><c>ia_ctime</c>.</summary>
    public KernelTimespec ia_ctime;
    /// <summary><c>ia_file</c>: the open file for ATTR_FILE (ftruncate), else null.</summary>
    public unsafe NativeFile* ia_file;
}

/// <summary><c>struct kstat</c>: what <c>-&gt;getattr</c> fills for stat(2) and statx(2).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeKstat
{
    /// <summary><c>result_mask</c>: <c>STATX_*</c> bits of the fields filled.</summary>
    public uint result_mask;
    /// <summary><c>mode</c>.</summary>
    public uint mode;
    /// <summary><c>nlink</c>.</summary>
    public uint nlink;
    /// <summary><c>blksize</c>.</summary>
    public uint blksize;
    /// <summary><c>attributes</c>: <c>STATX_ATTR_*</c>.</summary>
    public ulong attributes;
    /// <summary><c>attributes_mask</c>: the attributes the file system supports.</summary>
    public ulong attributes_mask;
    /// <summary><c>ino</c>.</summary>
    public ulong ino;
    /// <summary><c>dev</c> (kernel encoding).</summary>
    public uint dev;
    /// <summary><c>rdev</c> (kernel encoding).</summary>
    public uint rdev;
    /// <summary><c>uid</c>.</summary>
    public uint uid;
    /// <summary><c>gid</c>.</summary>
    public uint gid;
    /// <summary><c>size</c>.</summary>
    public long size;
    /// <summary><c>atime</c>.</summary>
    public KernelTimespec atime;
    /// <summary><c>mtime</c>.</summary>
    public KernelTimespec mtime;
    /// <summary><c>ctime</c>.</summary>
    public KernelTimespec ctime;
    /// <summary><c>btime</c> (STATX_BTIME only when the file system fills it).</summary>
    public KernelTimespec btime;
    /// <summary><c>blocks</c>: 512-byte units allocated.</summary>
    public ulong blocks;
    /// <summary><c>mnt_id</c>.</summary>
    public ulong mnt_id;
}

/// <summary><c>struct kstatfs</c> (include/linux/statfs.h), what <c>-&gt;statfs</c> fills.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeKstatfs
{
    /// <summary><c>f_type</c>: the magic number.</summary>
    public long f_type;
    /// <summary><c>f_bsize</c>.</summary>
    public long f_bsize;
    /// <summary><c>f_blocks</c>.</summary>
    public ulong f_blocks;
    /// <summary><c>f_bfree</c>.</summary>
    public ulong f_bfree;
    /// <summary><c>f_bavail</c>.</summary>
    public ulong f_bavail;
    /// <summary><c>f_files</c>.</summary>
    public ulong f_files;
    /// <summary><c>f_ffree</c>.</summary>
    public ulong f_ffree;
    /// <summary><c>f_fsid.val[0]</c>.</summary>
    public int f_fsid0;
    /// <summary><c>f_fsid.val[1]</c>.</summary>
    public int f_fsid1;
    /// <summary><c>f_namelen</c>.</summary>
    public long f_namelen;
    /// <summary><c>f_frsize</c>.</summary>
    public long f_frsize;
    /// <summary><c>f_flags</c>: <c>ST_*</c> mount flags.</summary>
    public long f_flags;
}

/// <summary>
/// The kernel model's <c>struct fs_context</c>: one mount (or reconfiguration) being prepared.
/// <c>init_fs_context</c> sets <c>ops</c> and may set <c>s_fs_info</c>/<c>fs_private</c> (words the
/// model owns as GCHandles); <c>get_tree</c> sets <c>root</c>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeFsContext
{
    /// <summary><c>ops</c>: the context operations (set by init_fs_context).</summary>
    public unsafe FsContextOperations* ops;
    /// <summary><c>fs_type</c>.</summary>
    public unsafe FileSystemType* fs_type;
    /// <summary><c>fs_private</c>: the file system's per-context word.</summary>
    public nint fs_private;
    /// <summary><c>s_fs_info</c>: handed to the superblock by sget_fc.</summary>
    public nint s_fs_info;
    /// <summary><c>root</c>: the root of the tree get_tree made (with a reference).</summary>
    public unsafe NativeDentry* root;
    /// <summary><c>source</c>: the source name ("none", a device path), NUL-terminated, or null.</summary>
    public unsafe byte* source;
    /// <summary><c>sb_flags</c>: <c>SB_*</c> flags asked for.</summary>
    public uint sb_flags;
    /// <summary><c>sb_flags_mask</c>: which of them were given.</summary>
    public uint sb_flags_mask;
    /// <summary><c>purpose</c>: FS_CONTEXT_FOR_MOUNT (0), _FOR_SUBMOUNT (1), _FOR_RECONFIGURE (2).</summary>
    public uint purpose;
    /// <summary>Padding.</summary>
    public uint _pad;
    /// <summary>Model-private: a GCHandle to the managed context.</summary>
    public nint fc_model;
}

/// <summary><c>struct fs_parameter</c>: one mount option (include/linux/fs_context.h).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeFsParameter
{
    /// <summary><c>key</c>: the option name, NUL-terminated.</summary>
    public unsafe byte* key;
    /// <summary><c>type</c>: <c>fs_value_is_flag</c> (1) or <c>fs_value_is_string</c> (2).</summary>
    public uint type;
    /// <summary>Padding.</summary>
    public uint _pad;
    /// <summary><c>size</c>: the value's length.</summary>
    public nuint size;
    /// <summary><c>string</c>: the value, NUL-terminated, or null for a flag.</summary>
    public unsafe byte* @string;
}

/// <summary>
/// <c>filldir_t</c>: what <c>dir_emit</c> calls for each entry: the context, the name, its length,
/// the entry's position, its inode number and its <c>DT_*</c> type; false stops the listing.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeDirContext
{
    /// <summary><c>actor</c>: <c>bool (*)(struct dir_context *, const char *, int, loff_t, u64, unsigned)</c>.</summary>
    public unsafe delegate* unmanaged<NativeDirContext*, byte*, int, long, ulong, uint, byte> actor;
    /// <summary><c>pos</c>: the directory position; the file system advances it per entry emitted.</summary>
    public long pos;
}

/// <summary>
/// <c>struct delayed_call</c> (include/linux/delayed_call.h): what <c>-&gt;get_link</c> sets to free
/// the string it returned, called by the VFS when it is done with it.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativeDelayedCall
{
    /// <summary><c>fn</c>.</summary>
    public unsafe delegate* unmanaged<void*, void> fn;
    /// <summary><c>arg</c>.</summary>
    public unsafe void* arg;
}
