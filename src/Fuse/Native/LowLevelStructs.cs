using System.Runtime.InteropServices;

namespace KernelOps.Fuse.Native;

// The C structures of libfuse3's low-level API (fuse_lowlevel.h, fuse_common.h; libfuse 3.12 or
// later) and glibc's struct statvfs on x86_64. tests/KernelOps.Fuse.Tests/Abi/LowLevelLayoutTests.cs
// checks every size and offset here against a gcc-compiled probe of the headers.

/// <summary>
/// <c>struct fuse_lowlevel_ops</c> (FUSE_USE_VERSION 35 or later: ioctl takes an unsigned cmd):
/// 45 function pointers in this order. A request whose slot is null gets ENOSYS from libfuse (forget:
/// nothing; init/destroy: skipped). Every handler must answer its request exactly once with a
/// fuse_reply_* (forget and forget_multi with fuse_reply_none), from any thread, at any later time.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseLowLevelOps
{
    public delegate* unmanaged<void*, FuseConnInfo*, void> init;
    public delegate* unmanaged<void*, void> destroy;
    public delegate* unmanaged<nint, ulong, byte*, void> lookup;
    public delegate* unmanaged<nint, ulong, ulong, void> forget;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> getattr;
    public delegate* unmanaged<nint, ulong, NativeStat*, int, FuseFileInfo*, void> setattr;
    public delegate* unmanaged<nint, ulong, void> readlink;
    public delegate* unmanaged<nint, ulong, byte*, uint, ulong, void> mknod;
    public delegate* unmanaged<nint, ulong, byte*, uint, void> mkdir;
    public delegate* unmanaged<nint, ulong, byte*, void> unlink;
    public delegate* unmanaged<nint, ulong, byte*, void> rmdir;
    public delegate* unmanaged<nint, byte*, ulong, byte*, void> symlink;
    public delegate* unmanaged<nint, ulong, byte*, ulong, byte*, uint, void> rename;
    public delegate* unmanaged<nint, ulong, ulong, byte*, void> link;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> open;
    public delegate* unmanaged<nint, ulong, nuint, long, FuseFileInfo*, void> read;
    public delegate* unmanaged<nint, ulong, byte*, nuint, long, FuseFileInfo*, void> write;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> flush;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> release;
    public delegate* unmanaged<nint, ulong, int, FuseFileInfo*, void> fsync;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> opendir;
    public delegate* unmanaged<nint, ulong, nuint, long, FuseFileInfo*, void> readdir;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void> releasedir;
    public delegate* unmanaged<nint, ulong, int, FuseFileInfo*, void> fsyncdir;
    public delegate* unmanaged<nint, ulong, void> statfs;
    public nint setxattr;
    public nint getxattr;
    public nint listxattr;
    public nint removexattr;
    public delegate* unmanaged<nint, ulong, int, void> access;
    public delegate* unmanaged<nint, ulong, byte*, uint, FuseFileInfo*, void> create;
    public nint getlk;
    public nint setlk;
    public nint bmap;
    public delegate* unmanaged<nint, ulong, uint, void*, FuseFileInfo*, uint, void*, nuint, nuint, void> ioctl;
    public delegate* unmanaged<nint, ulong, FuseFileInfo*, void*, void> poll;
    public nint write_buf;
    public nint retrieve_reply;
    public delegate* unmanaged<nint, nuint, FuseForgetData*, void> forget_multi;
    public nint flock;
    public nint fallocate;
    public delegate* unmanaged<nint, ulong, nuint, long, FuseFileInfo*, void> readdirplus;
    public nint copy_file_range;
    public delegate* unmanaged<nint, ulong, long, int, FuseFileInfo*, void> lseek;
}

/// <summary><c>struct fuse_entry_param</c>: what lookup, mknod, mkdir, symlink, link and create answer.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseEntryParam
{
    /// <summary>The node id (0 with an entry_timeout: a cached negative lookup).</summary>
    public ulong ino;
    /// <summary>Together with ino, unique for the file system's lifetime (NFS export); the model never reuses i_ino, so 0.</summary>
    public ulong generation;
    public NativeStat attr;
    public double attr_timeout;
    public double entry_timeout;
}

/// <summary><c>struct fuse_ctx</c> (fuse_req_ctx): the caller of a request.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseCtx
{
    public uint uid;
    public uint gid;
    public int pid;
    /// <summary>The caller's umask (create, mknod, mkdir; protocol 7.12 and later).</summary>
    public uint umask;
}

/// <summary><c>struct fuse_forget_data</c>: one node of a FUSE_BATCH_FORGET.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseForgetData
{
    public ulong ino;
    public ulong nlookup;
}

/// <summary><c>struct fuse_buf</c>: a request as fuse_session_receive_buf reads it (memory, or a pipe when spliced).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseBuf
{
    public nuint size;
    /// <summary>enum fuse_buf_flags: FUSE_BUF_IS_FD 2, FUSE_BUF_FD_SEEK 4, FUSE_BUF_FD_RETRY 8.</summary>
    public int flags;
    /// <summary>Allocated by libfuse (malloc) on the first receive; the owner frees it.</summary>
    public void* mem;
    public int fd;
    public long pos;
}

/// <summary><c>struct fuse_conn_info</c>: what init may read (capable) and choose (want, limits).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseConnInfo
{
    public uint proto_major;
    public uint proto_minor;
    public uint max_write;
    public uint max_read;
    public uint max_readahead;
    public uint capable;
    public uint want;
    public uint max_background;
    public uint congestion_threshold;
    public uint time_gran;
    public fixed uint reserved[22];

    /// <summary>FUSE_CAP_* (fuse_common.h).</summary>
    public const uint CapAsyncRead = 1 << 0, CapAtomicOTrunc = 1 << 3, CapExportSupport = 1 << 4, CapDontMask = 1 << 6,
        CapSpliceWrite = 1 << 7, CapSpliceMove = 1 << 8, CapSpliceRead = 1 << 9, CapIoctlDir = 1 << 11,
        CapAutoInvalData = 1 << 12, CapReaddirplus = 1 << 13, CapReaddirplusAuto = 1 << 14, CapAsyncDio = 1 << 15,
        CapWritebackCache = 1 << 16, CapParallelDirops = 1 << 18, CapHandleKillpriv = 1 << 20,
        CapCacheSymlinks = 1 << 23, CapExplicitInvalData = 1 << 25;
}

/// <summary><c>struct statvfs</c> as glibc defines it for x86_64 (112 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeStatvfs
{
    public ulong f_bsize;
    public ulong f_frsize;
    public ulong f_blocks;
    public ulong f_bfree;
    public ulong f_bavail;
    public ulong f_files;
    public ulong f_ffree;
    public ulong f_favail;
    public ulong f_fsid;
    public ulong f_flag;
    public ulong f_namemax;
    public fixed int __f_spare[6];
}

/// <summary>The FUSE_SET_ATTR_* bits of setattr's to_set (fuse_lowlevel.h).</summary>
internal static class FuseSetAttr
{
    public const int Mode = 1 << 0, Uid = 1 << 1, Gid = 1 << 2, Size = 1 << 3, Atime = 1 << 4, Mtime = 1 << 5,
        AtimeNow = 1 << 7, MtimeNow = 1 << 8, Force = 1 << 9, Ctime = 1 << 10, KillSuid = 1 << 11, KillSgid = 1 << 12,
        File = 1 << 13, KillPriv = 1 << 14, Open = 1 << 15, TimesSet = 1 << 16, Touch = 1 << 17;
}
