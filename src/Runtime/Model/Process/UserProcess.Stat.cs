using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>One record of getdents64(2).</summary>
/// <param name="Name">d_name (UTF-8 decoded).</param>
/// <param name="Inode">d_ino.</param>
/// <param name="Mode">The file-type bits of the entry's mode (d_type as S_IFMT bits).</param>
public readonly record struct DirectoryEntry(string Name, ulong Inode, uint Mode);

// fs/stat.c (stat, lstat, fstat, newfstatat, statx), fs/statfs.c and fs/readdir.c (getdents64).
public sealed partial class UserProcess
{
    /// <summary>AT_STATX_SYNC_TYPE (statx's sync flags).</summary>
    private const int AtStatxSyncType = 0x6000;

    /// <summary>stat(2): follows symlinks.</summary>
    public int Stat(string path, out StatResult result) => Fstatat(AtFdCwd, path, out result, AtFlags.None);

    /// <summary>stat(2) into a <c>struct stat</c> (<see cref="UserStat"/>) in user memory.</summary>
    public int Stat(nuint path, nuint statbuf) => Fstatat(AtFdCwd, path, statbuf, AtFlags.None);

    /// <summary>lstat(2): a trailing symlink is reported itself.</summary>
    public int Lstat(string path, out StatResult result) => Fstatat(AtFdCwd, path, out result, AtFlags.SymlinkNoFollow);

    /// <summary>lstat(2) into user memory.</summary>
    public int Lstat(nuint path, nuint statbuf) => Fstatat(AtFdCwd, path, statbuf, AtFlags.SymlinkNoFollow);

    /// <summary>newfstatat(2) (fs/stat.c:vfs_fstatat): AT_SYMLINK_NOFOLLOW, AT_EMPTY_PATH (an O_PATH descriptor's file).</summary>
    public int Fstatat(int dirfd, string path, out StatResult result, AtFlags flags)
    {
        ArgumentNullException.ThrowIfNull(path);
        StatResult r = default;
        int error = StatxCore(dirfd, null, path, flags, StatxMask.BasicStats, (in NativeKstat k) => { r = FsStat.ToResult(k); return 0; }, statx: false);
        result = r;
        return error;
    }

    /// <summary>newfstatat(2) into user memory.</summary>
    public int Fstatat(int dirfd, nuint path, nuint statbuf, AtFlags flags) =>
        StatxCore(dirfd, path, null, flags, StatxMask.BasicStats, (in NativeKstat k) => WriteStat(k, statbuf), statx: false);

    /// <summary>fstat(2): the status of the file open on <paramref name="fd"/> (O_PATH descriptors too).</summary>
    public int Fstat(int fd, out StatResult status)
    {
        StatResult r = default;
        int error = FstatCore(fd, (in NativeKstat k) => { r = FsStat.ToResult(k); return 0; });
        status = r;
        return error;
    }

    /// <summary>fstat(2) into user memory.</summary>
    public int Fstat(int fd, nuint statbuf) => FstatCore(fd, (in NativeKstat k) => WriteStat(k, statbuf));

    /// <summary>statx(2): <paramref name="mask"/> is what the caller wants; the result's <see cref="StatResult.Mask"/> what it got.</summary>
    public int Statx(int dirfd, string path, AtFlags flags, StatxMask mask, out StatResult result)
    {
        ArgumentNullException.ThrowIfNull(path);
        StatResult r = default;
        int error = StatxCore(dirfd, null, path, flags, mask, (in NativeKstat k) => { r = FsStat.ToResult(k); return 0; }, statx: true);
        result = r;
        return error;
    }

    /// <summary>statx(2) into a <c>struct statx</c> (<see cref="UserStatx"/>) in user memory.</summary>
    public int Statx(int dirfd, nuint path, AtFlags flags, StatxMask mask, nuint statxbuf) =>
        StatxCore(dirfd, path, null, flags, mask, (in NativeKstat k) => WriteStatx(k, statxbuf), statx: true);

    private delegate int StatSink(in NativeKstat stat);

    // mirrors fs/stat.c:vfs_fstatat / do_statx: the AT_* checks, getname (AT_EMPTY_PATH allows ""), the lookup, vfs_statx_path
    private unsafe int StatxCore(int dirfd, nuint? userPath, string? path, AtFlags flags, StatxMask mask, StatSink sink, bool statx)
    {
        using TaskScope task = EnterTask();
        int valid = (int)(AtFlags.SymlinkNoFollow | AtFlags.NoAutomount | AtFlags.EmptyPath) | (statx ? AtStatxSyncType : 0);
        if (((int)flags & ~valid) != 0) return -(int)Errno.EINVAL;
        if (statx && ((int)flags & AtStatxSyncType) == AtStatxSyncType) return -(int)Errno.EINVAL;
        if (statx && ((uint)mask & 0x80000000u) != 0) return -(int)Errno.EINVAL; // STATX__RESERVED
        bool empty = (flags & AtFlags.EmptyPath) != 0;
        int error = userPath is { } address ? GetName(address, empty, out string name) : Vfs.GetNameKernel(path!, empty, out name);
        if (error != 0) return error;
        LookupFlags lookup = (flags & AtFlags.SymlinkNoFollow) != 0 ? 0 : LookupFlags.Follow;
        error = name.Length == 0 && empty ? FsNamei.EmptyPath(this, dirfd, out VfsPath vp) : FsNamei.FilenameLookup(this, dirfd, name, lookup, out vp);
        if (error != 0) return error;
        try
        {
            NativeKstat k;
            error = FsStat.VfsStatxPath(vp, &k, mask, (uint)flags);
            return error != 0 ? error : sink(k);
        }
        finally
        {
            vp.Put();
        }
    }

    // mirrors fs/stat.c:vfs_fstat (fdget_raw, then vfs_getattr on the file's path)
    private unsafe int FstatCore(int fd, StatSink sink)
    {
        using TaskScope task = EnterTask();
        OpenFile? file = FdGetRaw(fd);
        if (file is null) return -(int)Errno.EBADF;
        try
        {
            NativeKstat k;
            int error = FsStat.VfsStatxPath(file.Path, &k, StatxMask.BasicStats, 0);
            return error != 0 ? error : sink(k);
        }
        finally
        {
            file.Put();
        }
    }

    // mirrors fs/stat.c:cp_new_stat
    private int WriteStat(in NativeKstat k, nuint statbuf)
    {
        UserStat st = default;
        st.st_dev = DeviceNumber.ToUser(k.dev);
        st.st_ino = k.ino;
        st.st_nlink = k.nlink;
        st.st_mode = k.mode;
        st.st_uid = k.uid;
        st.st_gid = k.gid;
        st.st_rdev = DeviceNumber.ToUser(k.rdev);
        st.st_size = k.size;
        st.st_blksize = k.blksize;
        st.st_blocks = (long)k.blocks;
        st.st_atime = (ulong)k.atime.tv_sec;
        st.st_atime_nsec = (ulong)k.atime.tv_nsec;
        st.st_mtime = (ulong)k.mtime.tv_sec;
        st.st_mtime_nsec = (ulong)k.mtime.tv_nsec;
        st.st_ctime = (ulong)k.ctime.tv_sec;
        st.st_ctime_nsec = (ulong)k.ctime.tv_nsec;
        return Memory.CopyToUser(statbuf, MemoryMarshal.AsBytes(new ReadOnlySpan<UserStat>(in st))) != 0 ? -(int)Errno.EFAULT : 0;
    }

    // mirrors fs/stat.c:cp_statx
    private int WriteStatx(in NativeKstat k, nuint statxbuf)
    {
        UserStatx tmp = default;
        tmp.stx_mask = k.result_mask;
        tmp.stx_blksize = k.blksize;
        tmp.stx_attributes = k.attributes;
        tmp.stx_nlink = k.nlink;
        tmp.stx_uid = k.uid;
        tmp.stx_gid = k.gid;
        tmp.stx_mode = (ushort)k.mode;
        tmp.stx_ino = k.ino;
        tmp.stx_size = (ulong)k.size;
        tmp.stx_blocks = k.blocks;
        tmp.stx_attributes_mask = k.attributes_mask;
        tmp.stx_atime = new UserStatxTimestamp { tv_sec = k.atime.tv_sec, tv_nsec = (uint)k.atime.tv_nsec };
        tmp.stx_btime = new UserStatxTimestamp { tv_sec = k.btime.tv_sec, tv_nsec = (uint)k.btime.tv_nsec };
        tmp.stx_ctime = new UserStatxTimestamp { tv_sec = k.ctime.tv_sec, tv_nsec = (uint)k.ctime.tv_nsec };
        tmp.stx_mtime = new UserStatxTimestamp { tv_sec = k.mtime.tv_sec, tv_nsec = (uint)k.mtime.tv_nsec };
        tmp.stx_rdev_major = DeviceNumber.Major(k.rdev);
        tmp.stx_rdev_minor = DeviceNumber.Minor(k.rdev);
        tmp.stx_dev_major = DeviceNumber.Major(k.dev);
        tmp.stx_dev_minor = DeviceNumber.Minor(k.dev);
        tmp.stx_mnt_id = k.mnt_id;
        return Memory.CopyToUser(statxbuf, MemoryMarshal.AsBytes(new ReadOnlySpan<UserStatx>(in tmp))) != 0 ? -(int)Errno.EFAULT : 0;
    }

    /// <summary>
    /// getdents64(2) (fs/readdir.c): linux_dirent64 records for the directory open on <paramref name="fd"/>
    /// from its position on; the bytes written, 0 at the end, EINVAL when even one record does not
    /// fit, ENOTDIR for a file that is not a directory.
    /// </summary>
    public int Getdents64(int fd, nuint dirp, uint count)
    {
        using TaskScope task = EnterTask();
        using FileHandle f = FdGetPos(fd);
        if (f.File is null) return -(int)Errno.EBADF;
        return (int)SyscallReturn(FsReaddir.Getdents64(f.File, Memory, dirp, (int)Math.Min(count, int.MaxValue)));
    }

    /// <summary>getdents64(2) read to the end, as <see cref="DirectoryEntry"/> values appended to <paramref name="entries"/>.</summary>
    public int Getdents(int fd, List<DirectoryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using TaskScope task = EnterTask();
        using FileHandle f = FdGetPos(fd);
        if (f.File is null) return -(int)Errno.EBADF;
        var sink = new ListDirentSink(entries);
        int error = FsReaddir.IterateDir(f.File, sink);
        if (error >= 0) error = sink.Error;
        return (int)SyscallReturn(error);
    }

    /// <summary>
    /// The entries of the directory at <paramref name="path"/>, as <c>ls -a</c> gets them: open
    /// O_RDONLY|O_DIRECTORY, getdents64 to the end, close. Each file system lists in its own order
    /// ("." and ".." first; a RAM file system's entries newest first, as dcache_readdir does).
    /// </summary>
    /// <returns>0 with <paramref name="entries"/> filled, or -errno (ENOENT, ENOTDIR, EACCES).</returns>
    public int ReadDirectory(string path, List<DirectoryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(entries);
        int fd = Open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0) return fd;
        try
        {
            return Getdents(fd, entries);
        }
        finally
        {
            Close(fd);
        }
    }

    // SAFETY: the reference taken from the fd table keeps the OpenFile, its NativeFile and its inode allocated for the call.
    /// <summary>statfs(2) (fs/statfs.c:user_statfs): follows symlinks; ENOSYS when the file system has no ->statfs.</summary>
    public int Statfs(string path, out StatFsResult result)
    {
        StatFsResult r = default;
        int error = PathCall(AtFdCwd, path, LookupFlags.Follow, p => StatfsTo(p, (in NativeKstatfs k) => { r = ToResult(k); return 0; }));
        result = r;
        return error;
    }

    /// <summary>statfs(2) into a <c>struct statfs</c> (<see cref="UserStatfs"/>) in user memory.</summary>
    public int Statfs(nuint path, nuint buf) => PathCall(AtFdCwd, path, LookupFlags.Follow, p => StatfsTo(p, (in NativeKstatfs k) => WriteStatfs(k, buf)));

    /// <summary>fstatfs(2) (O_PATH descriptors too, as fd_statfs' fdget_raw).</summary>
    public int Fstatfs(int fd, out StatFsResult result)
    {
        StatFsResult r = default;
        int error = RawFileCall(fd, f => StatfsTo(f.Path, (in NativeKstatfs k) => { r = ToResult(k); return 0; }));
        result = r;
        return error;
    }

    /// <summary>fstatfs(2) into user memory.</summary>
    public int Fstatfs(int fd, nuint buf) => RawFileCall(fd, f => StatfsTo(f.Path, (in NativeKstatfs k) => WriteStatfs(k, buf)));

    private delegate int StatfsSink(in NativeKstatfs stat);

    private static unsafe int StatfsTo(VfsPath path, StatfsSink sink)
    {
        NativeKstatfs k;
        int error = FsStat.VfsStatfs(path, &k);
        return error != 0 ? error : sink(k);
    }

    private static StatFsResult ToResult(in NativeKstatfs k) => new(k.f_type, k.f_bsize, k.f_blocks, k.f_bfree, k.f_bavail,
        k.f_files, k.f_ffree, (uint)k.f_fsid0 | ((ulong)(uint)k.f_fsid1 << 32), k.f_namelen, k.f_frsize, k.f_flags);

    private int WriteStatfs(in NativeKstatfs k, nuint buf)
    {
        UserStatfs st = new() { fields = k };
        return Memory.CopyToUser(buf, MemoryMarshal.AsBytes(new ReadOnlySpan<UserStatfs>(in st))) != 0 ? -(int)Errno.EFAULT : 0;
    }

    /// <summary>fdget_raw (O_PATH allowed) then <paramref name="action"/>, inside the task.</summary>
    private int RawFileCall(int fd, Func<OpenFile, int> action)
    {
        using TaskScope task = EnterTask();
        OpenFile? file = FdGetRaw(fd);
        if (file is null) return -(int)Errno.EBADF;
        try
        {
            return (int)SyscallReturn(action(file));
        }
        finally
        {
            file.Put();
        }
    }
}
