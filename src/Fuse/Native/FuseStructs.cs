using System.Runtime.InteropServices;

namespace KernelOps.Fuse.Native;

// The C structures the host shares with libfuse3 (3.12 or later) and glibc on x86_64 Linux.
// tests/KernelOps.Fuse.Tests/Abi checks every size, offset and bit position here against a
// gcc-compiled probe of <fuse3/fuse_lowlevel.h> and <sys/stat.h>.

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

/// <summary><c>struct fuse_args</c> (fuse_opt.h).</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct FuseArgs
{
    public int argc;
    public byte** argv;
    public int allocated;
}
