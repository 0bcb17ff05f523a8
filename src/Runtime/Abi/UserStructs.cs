using System.Runtime.InteropServices;

namespace KernelOps.Abi;

// The user-space ABI structs the raw stat/statx/statfs/getdents syscalls write, x86_64 layouts
// (include/uapi/asm-generic/stat.h as arch/x86 uses it, include/uapi/linux/stat.h, statfs.h,
// dirent.h); checked against the C headers by the ABI tests.

/// <summary><c>struct stat</c> (x86_64, 144 bytes), what stat/lstat/fstat/newfstatat write.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct UserStat
{
    /// <summary>st_dev.</summary>
    public ulong st_dev;
    /// <summary>st_ino.</summary>
    public ulong st_ino;
    /// <summary>st_nlink.</summary>
    public ulong st_nlink;
    /// <summary>st_mode.</summary>
    public uint st_mode;
    /// <summary>st_uid.</summary>
    public uint st_uid;
    /// <summary>st_gid.</summary>
    public uint st_gid;
    /// <summary>__pad0.</summary>
    public uint __pad0;
    /// <summary>st_rdev.</summary>
    public ulong st_rdev;
    /// <summary>st_size.</summary>
    public long st_size;
    /// <summary>st_blksize.</summary>
    public long st_blksize;
    /// <summary>st_blocks.</summary>
    public long st_blocks;
    /// <summary>st_atime.</summary>
    public ulong st_atime;
    /// <summary>st_atime_nsec.</summary>
    public ulong st_atime_nsec;
    /// <summary>st_mtime.</summary>
    public ulong st_mtime;
    /// <summary>st_mtime_nsec.</summary>
    public ulong st_mtime_nsec;
    /// <summary>st_ctime.</summary>
    public ulong st_ctime;
    /// <summary>st_ctime_nsec.</summary>
    public ulong st_ctime_nsec;
    /// <summary>__unused[0].</summary>
    public long __unused0;
    /// <summary>__unused[1].</summary>
    public long __unused1;
    /// <summary>__unused[2].</summary>
    public long __unused2;
}

/// <summary><c>struct statx_timestamp</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct UserStatxTimestamp
{
    /// <summary>tv_sec.</summary>
    public long tv_sec;
    /// <summary>tv_nsec.</summary>
    public uint tv_nsec;
    /// <summary>__reserved.</summary>
    public int __reserved;
}

/// <summary><c>struct statx</c> (256 bytes), what statx(2) writes.</summary>
[StructLayout(LayoutKind.Sequential, Size = 256)]
public struct UserStatx
{
    /// <summary>stx_mask.</summary>
    public uint stx_mask;
    /// <summary>stx_blksize.</summary>
    public uint stx_blksize;
    /// <summary>stx_attributes.</summary>
    public ulong stx_attributes;
    /// <summary>stx_nlink.</summary>
    public uint stx_nlink;
    /// <summary>stx_uid.</summary>
    public uint stx_uid;
    /// <summary>stx_gid.</summary>
    public uint stx_gid;
    /// <summary>stx_mode.</summary>
    public ushort stx_mode;
    /// <summary>__spare0.</summary>
    public ushort __spare0;
    /// <summary>stx_ino.</summary>
    public ulong stx_ino;
    /// <summary>stx_size.</summary>
    public ulong stx_size;
    /// <summary>stx_blocks.</summary>
    public ulong stx_blocks;
    /// <summary>stx_attributes_mask.</summary>
    public ulong stx_attributes_mask;
    /// <summary>stx_atime.</summary>
    public UserStatxTimestamp stx_atime;
    /// <summary>stx_btime.</summary>
    public UserStatxTimestamp stx_btime;
    /// <summary>stx_ctime.</summary>
    public UserStatxTimestamp stx_ctime;
    /// <summary>stx_mtime.</summary>
    public UserStatxTimestamp stx_mtime;
    /// <summary>stx_rdev_major.</summary>
    public uint stx_rdev_major;
    /// <summary>stx_rdev_minor.</summary>
    public uint stx_rdev_minor;
    /// <summary>stx_dev_major.</summary>
    public uint stx_dev_major;
    /// <summary>stx_dev_minor.</summary>
    public uint stx_dev_minor;
    /// <summary>stx_mnt_id.</summary>
    public ulong stx_mnt_id;
}

/// <summary>
/// <c>struct statfs</c> (x86_64, 120 bytes), what statfs/fstatfs write: on 64-bit Linux it is
/// <c>struct kstatfs</c> field for field (do_statfs_native copies them one by one) followed by
/// <c>f_spare[4]</c>, zeroed.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct UserStatfs
{
    /// <summary>f_type .. f_flags, as <c>-&gt;statfs</c> filled them.</summary>
    public NativeKstatfs fields;
    /// <summary>f_spare[0].</summary>
    public long f_spare0;
    /// <summary>f_spare[1].</summary>
    public long f_spare1;
    /// <summary>f_spare[2].</summary>
    public long f_spare2;
    /// <summary>f_spare[3].</summary>
    public long f_spare3;
}
