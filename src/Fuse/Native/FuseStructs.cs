using System.Runtime.InteropServices;

namespace KernelOps.Fuse.Native;

// The C structures the host shares with libfuse3 (3.12 or later) and glibc on x86_64 Linux.
// tests/KernelOps.Fuse.Tests/Abi checks every size, offset and bit position here against a
// gcc-compiled probe of <fuse3/fuse.h> and <sys/stat.h>.

/// <summary>
/// <c>struct fuse_file_info</c> (fuse_common.h). The eight one-bit flags and 24 bits of padding
/// share one <c>unsigned int</c>; GCC on x86_64 allocates bit-fields from the least significant
/// bit, in declaration order.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal struct FuseFileInfo
{
    public const uint WritepageBit = 1u << 0;
    public const uint DirectIoBit = 1u << 1;
    public const uint KeepCacheBit = 1u << 2;
    public const uint FlushBit = 1u << 3;
    public const uint NonseekableBit = 1u << 4;
    public const uint FlockReleaseBit = 1u << 5;
    public const uint CacheReaddirBit = 1u << 6;
    public const uint NoflushBit = 1u << 7;

    /// <summary>Open flags, as the kernel passes them (O_CREAT, O_EXCL, O_NOCTTY removed).</summary>
    public int flags;
    /// <summary>writepage:1, direct_io:1, keep_cache:1, flush:1, nonseekable:1, flock_release:1, cache_readdir:1, noflush:1, padding:24.</summary>
    public uint bits;
    /// <summary>padding2:32.</summary>
    public uint padding2;
    /// <summary>File handle: the host stores the model fd here.</summary>
    public ulong fh;
    public ulong lock_owner;
    public uint poll_events;

    public bool DirectIo
    {
        readonly get => (bits & DirectIoBit) != 0;
        set => bits = value ? bits | DirectIoBit : bits & ~DirectIoBit;
    }

    public bool KeepCache
    {
        readonly get => (bits & KeepCacheBit) != 0;
        set => bits = value ? bits | KeepCacheBit : bits & ~KeepCacheBit;
    }

    public bool Nonseekable
    {
        readonly get => (bits & NonseekableBit) != 0;
        set => bits = value ? bits | NonseekableBit : bits & ~NonseekableBit;
    }
}

/// <summary><c>struct timespec</c>.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct Timespec
{
    public long tv_sec;
    public long tv_nsec;
}

/// <summary><c>struct stat</c> as glibc defines it for x86_64 (144 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NativeStat
{
    public ulong st_dev;
    public ulong st_ino;
    public ulong st_nlink;
    public uint st_mode;
    public uint st_uid;
    public uint st_gid;
    public int __pad0;
    public ulong st_rdev;
    public long st_size;
    public long st_blksize;
    public long st_blocks;
    public Timespec st_atim;
    public Timespec st_mtim;
    public Timespec st_ctim;
    public fixed long __glibc_reserved[3];
}

/// <summary>
/// <c>struct fuse_context</c> (fuse.h): what fuse_get_context() returns for the calling worker.
/// libfuse keeps it as the first member of its thread-local <c>struct fuse_context_i { struct
/// fuse_context ctx; fuse_req_t req; }</c> (lib/fuse.c, unchanged since libfuse 2.6), so the
/// request being served follows it: the host reads it there (and checks it with
/// fuse_req_userdata) to register an interrupt callback on it.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseContext
{
    public void* fuse;
    public uint uid;
    public uint gid;
    public int pid;
    /// <summary>The private_data given to fuse_new: a GCHandle to the host.</summary>
    public void* private_data;
    public uint umask;
}

/// <summary>
/// <c>struct fuse_config</c> (fuse.h, libfuse 3.14): the high-level configuration that init()
/// may change. Some fields (use_ino among them) can only be set here, not with -o.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseConfig
{
    public int set_gid;
    public uint gid;
    public int set_uid;
    public uint uid;
    public int set_mode;
    public uint umask;
    public double entry_timeout;
    public double negative_timeout;
    public double attr_timeout;
    public int intr;
    public int intr_signal;
    public int remember;
    public int hard_remove;
    public int use_ino;
    public int readdir_ino;
    public int direct_io;
    public int kernel_cache;
    public int auto_cache;
    public int no_rofd_flush;
    public int ac_attr_timeout_set;
    public double ac_attr_timeout;
    public int nullpath_ok;
    public int show_help;
    public byte* modules;
    public int debug;
}

/// <summary><c>struct fuse_args</c> (fuse_opt.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseArgs
{
    public int argc;
    public byte** argv;
    public int allocated;
}

/// <summary>
/// <c>struct fuse_operations</c> (fuse.h, FUSE_USE_VERSION 35 or later: ioctl takes an unsigned
/// cmd): 42 function pointers in this order. Slots the host does not fill stay null and libfuse
/// answers them itself (mostly ENOSYS).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseOperations
{
    public delegate* unmanaged<byte*, NativeStat*, FuseFileInfo*, int> getattr;
    public nint readlink;
    public nint mknod;
    public nint mkdir;
    public nint unlink;
    public nint rmdir;
    public nint symlink;
    public nint rename;
    public nint link;
    public nint chmod;
    public nint chown;
    public nint truncate;
    public delegate* unmanaged<byte*, FuseFileInfo*, int> open;
    public delegate* unmanaged<byte*, byte*, nuint, long, FuseFileInfo*, int> read;
    public delegate* unmanaged<byte*, byte*, nuint, long, FuseFileInfo*, int> write;
    public nint statfs;
    public nint flush;
    public delegate* unmanaged<byte*, FuseFileInfo*, int> release;
    public nint fsync;
    public nint setxattr;
    public nint getxattr;
    public nint listxattr;
    public nint removexattr;
    public nint opendir;
    public delegate* unmanaged<byte*, void*, delegate* unmanaged<void*, byte*, NativeStat*, long, int, int>, long, FuseFileInfo*, int, int> readdir;
    public nint releasedir;
    public nint fsyncdir;
    public delegate* unmanaged<void*, FuseConfig*, void*> init;
    public nint destroy;
    public nint access;
    public delegate* unmanaged<byte*, uint, FuseFileInfo*, int> create;
    public nint @lock;
    public nint utimens;
    public nint bmap;
    public delegate* unmanaged<byte*, uint, void*, FuseFileInfo*, uint, void*, int> ioctl;
    public delegate* unmanaged<byte*, FuseFileInfo*, void*, uint*, int> poll;
    public nint write_buf;
    public nint read_buf;
    public nint flock;
    public nint fallocate;
    public nint copy_file_range;
    public delegate* unmanaged<byte*, long, int, FuseFileInfo*, long> lseek;
}
