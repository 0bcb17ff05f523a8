using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

internal static partial class Vfs
{
    /// <summary>AT_FDCWD.</summary>
    public const int AtFdCwd = -100;

    /// <summary>A path's bytes as the VFS's byte string (one char per byte).</summary>
    public static string BytesToName(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>A byte string as bytes.</summary>
    public static byte[] NameToBytes(string name) => Encoding.Latin1.GetBytes(name);

    /// <summary>
    /// getname_kernel for the managed conveniences: a .NET path as the byte string of its UTF-8
    /// encoding. Embedded NUL (no C string can carry it) is EINVAL; PATH_MAX bytes or more
    /// ENAMETOOLONG; "" ENOENT unless <paramref name="allowEmpty"/> (AT_EMPTY_PATH).
    /// </summary>
    public static int GetNameKernel(string path, bool allowEmpty, out string name)
    {
        name = string.Empty;
        if (path.Contains('\0')) return -(int)Errno.EINVAL;
        string bytes = Dcache.FromDisplay(path);
        if (bytes.Length >= PathMax) return -(int)Errno.ENAMETOOLONG;
        if (bytes.Length == 0 && !allowEmpty) return -(int)Errno.ENOENT;
        name = bytes;
        return 0;
    }
}

/// <summary>
/// A kernel's VFS state: the mount namespace, the anonymous device numbers superblocks get, the
/// inode numbers get_next_ino hands out, the clock timestamps come from, and one dispatcher per
/// file_operations table the kernel has seen in an i_fop.
/// </summary>
internal sealed class VirtualFileSystem
{
    private readonly Lock _anonLock = new();
    private readonly SortedSet<uint> _anonInUse = new();
    private readonly ConcurrentDictionary<nint, FileDispatch> _dispatchers = new();
    private long _nextIno = 1;

    public VirtualFileSystem(Kernel kernel)
    {
        Kernel = kernel;
        Namespace = new MountNamespace();
        AnonInodes = new AnonInodes(kernel);
    }

    /// <summary>anon_inodefs: the mount and the one inode of every anonymous file.</summary>
    public AnonInodes AnonInodes { get; }

    public Kernel Kernel { get; }

    public MountNamespace Namespace { get; }

    public KernelClock Clock { get; } = new();

    /// <summary>mirrors fs/inode.c:get_next_ino: a number unique in this kernel (across its superblocks).</summary>
    public ulong GetNextIno() => (ulong)Interlocked.Increment(ref _nextIno);

    /// <summary>mirrors fs/super.c:get_anon_bdev: the smallest free minor on major 0.</summary>
    public uint AllocAnonDev()
    {
        lock (_anonLock)
        {
            uint minor = 1;
            foreach (uint used in _anonInUse)
            {
                if (used != minor) break;
                minor++;
            }
            _anonInUse.Add(minor);
            return DeviceNumber.Make(0, minor);
        }
    }

    /// <summary>mirrors fs/super.c:free_anon_bdev.</summary>
    public void FreeAnonDev(uint dev)
    {
        lock (_anonLock) _anonInUse.Remove(DeviceNumber.Minor(dev));
    }

    /// <summary>The dispatcher for files whose inode's i_fop is <paramref name="table"/> (one per table).</summary>
    public unsafe FileDispatch DispatchFor(FileOperations* table) =>
        _dispatchers.GetOrAdd((nint)table, static t => new FopsDispatch(new OpsTable<FileOperations>((FileOperations*)t, "i_fop"), owner: null));
}

/// <summary>The clock inode timestamps come from (ktime_get_coarse_real_ts64, truncated per superblock).</summary>
internal sealed class KernelClock
{
    /// <summary>Now, truncated to <paramref name="granularity"/> nanoseconds.</summary>
    public KernelTimespec Now(uint granularity)
    {
        long ticks = DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks; // 100 ns units
        long sec = ticks / TimeSpan.TicksPerSecond;
        // SAFETY: table is a static generated file_operations table (never freed) checked non-null by the caller.
        long nsec = ticks % TimeSpan.TicksPerSecond * 100;
        if (granularity > 1) nsec -= nsec % Math.Min(granularity, 1_000_000_000u);
        if (granularity >= 1_000_000_000) nsec = 0;
        return new KernelTimespec(sec, nsec);
    }
}
