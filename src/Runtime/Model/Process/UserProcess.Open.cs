using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

// fs/open.c (open, truncate, chmod, chown, access, chdir, chroot, umask) and fs/utimes.c. Every
// syscall has a raw form taking user-memory addresses, as Linux's, and a .NET form taking strings.
public sealed partial class UserProcess
{
    /// <summary>
    /// getname for a raw path argument: copies the NUL-terminated path from user memory (EFAULT for a
    /// bad pointer, ENAMETOOLONG at PATH_MAX bytes without a NUL, ENOENT for "" unless
    /// <paramref name="allowEmpty"/>).
    /// </summary>
    internal int GetName(nuint userPath, bool allowEmpty, out string name)
    {
        name = string.Empty;
        Span<byte> buffer = stackalloc byte[Vfs.PathMax];
        int length = Memory.StrncpyFromUser(buffer, userPath);
        if (length < 0) return length;
        if (length == Vfs.PathMax) return -(int)Errno.ENAMETOOLONG;
        if (length == 0 && !allowEmpty) return -(int)Errno.ENOENT;
        name = Vfs.BytesToName(buffer[..length]);
        return 0;
    }

    // ---- open -------------------------------------------------------------------------------

    /// <summary>open(2): <see cref="Openat(int, string, OpenFlags, uint)"/> relative to the working directory.</summary>
    public int Open(string path, OpenFlags flags, uint mode = 0) => Openat(AtFdCwd, path, flags, mode);

    /// <summary>open(2) with the path in user memory.</summary>
    public int Open(nuint path, OpenFlags flags, uint mode = 0) => Openat(AtFdCwd, path, flags, mode);

    /// <summary>
    /// openat(2) (fs/open.c:do_sys_openat2): the lowest free fd, or -errno. O_CREAT/O_EXCL create
    /// (with the umask and the directory's setgid applied), O_TRUNC truncates, O_DIRECTORY and
    /// O_NOFOLLOW restrict, O_TMPFILE makes an unnamed file in the directory given, O_PATH gives a
    /// descriptor that only names the file (for *at calls, fstat, close).
    /// </summary>
    public int Openat(int dirfd, string path, OpenFlags flags, uint mode = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        using TaskScope task = EnterTask();
        int error = FsOpen.BuildOpenFlags(flags, mode, out OpenOp op);
        if (error == 0) error = Vfs.GetNameKernel(path, allowEmpty: false, out string name) is var e && e != 0 ? e : DoOpenat(dirfd, name, op);
        return (int)SyscallReturn(error);
    }

    /// <summary>openat(2) with the path in user memory.</summary>
    public int Openat(int dirfd, nuint path, OpenFlags flags, uint mode = 0)
    {
        using TaskScope task = EnterTask();
        int error = FsOpen.BuildOpenFlags(flags, mode, out OpenOp op);
        if (error == 0) error = GetName(path, allowEmpty: false, out string name) is var e && e != 0 ? e : DoOpenat(dirfd, name, op);
        return (int)SyscallReturn(error);
    }

    private int DoOpenat(int dirfd, string name, in OpenOp op)
    {
        int fd = AllocFd();
        if (fd < 0) return fd;
        int error = FsOpen.DoFilpOpen(this, dirfd, name, op, out OpenFile? file);
        if (error != 0)
        {
            PutUnusedFd(fd);
            return error;
        }
        if (!FdInstall(fd, file!))
        {
            file!.PutFileCount(); // the process exited while we opened
            return -(int)Errno.EBADF;
        }
        return fd;
    }

    /// <summary>
    /// Opens again what the descriptor <paramref name="fd"/> names, as opening <c>/proc/self/fd/N</c>
    /// does on Linux (the usual way to turn an O_PATH descriptor into an open file, even after the
    /// file was unlinked): the permission and type checks of open(2) apply; O_CREAT and O_EXCL have
    /// no name to act on (the file exists).
    /// </summary>
    public int Reopen(int fd, OpenFlags flags)
    {
        using TaskScope task = EnterTask();
        int error = FsOpen.BuildOpenFlags(flags & ~(OpenFlags.O_CREAT | OpenFlags.O_EXCL | FsOpen.TmpfileBit), 0, out OpenOp op);
        if (error != 0) return error;
        OpenFile? source = FdGetRaw(fd);
        if (source is null) return -(int)Errno.EBADF;
        OpenFile? file = null;
        try
        {
            VfsPath path = source.Path;
            if ((op.LookupFlags & LookupFlags.Directory) != 0 && !path.Dentry.CanLookup) return -(int)Errno.ENOTDIR;
            if ((op.LookupFlags & LookupFlags.Follow) == 0 && path.Dentry.IsSymlink && (op.OpenFlag & OpenFlags.O_PATH) == 0) return -(int)Errno.ELOOP;
            file = OpenFile.Allocate(Kernel.Counters, op.OpenFlag, CurrentCred.Get());
            if ((op.OpenFlag & OpenFlags.O_PATH) == 0)
            {
                error = FsOpen.MayOpen(path, op.AccMode, op.OpenFlag);
                if (error != 0) return error;
            }
            error = FsOpen.VfsOpen(path.Get(), file);
            if (error == 0 && (op.OpenFlag & OpenFlags.O_TRUNC) != 0 && path.Dentry.Inode is { } inode && UMode.IsRegular(inode.Mode))
            {
                error = FsOpen.MntWantWrite(path.Mount);
                if (error == 0) error = FsOpen.DoTruncate(path.Dentry, 0, IattrValid.Mtime | IattrValid.Ctime | IattrValid.Open, file);
            }
            if (error != 0) return (int)SyscallReturn(error);
            OpenFile opened = file;
            file = null;
            return InstallNewFile(opened);
        }
        finally
        {
            file?.Put();
            source.Put();
        }
    }

    // ---- truncate ---------------------------------------------------------------------------

    /// <summary>truncate(2) (fs/open.c:do_sys_truncate): follows symlinks; EISDIR for a directory, EINVAL for other non-regular files.</summary>
    public int Truncate(string path, long length) => PathCall(AtFdCwd, path, LookupFlags.Follow, p => length < 0 ? -(int)Errno.EINVAL : FsOpen.VfsTruncate(p, length), early: length < 0 ? -(int)Errno.EINVAL : 0);

    /// <summary>truncate(2) with the path in user memory.</summary>
    public int Truncate(nuint path, long length) => PathCall(AtFdCwd, path, LookupFlags.Follow, p => FsOpen.VfsTruncate(p, length), early: length < 0 ? -(int)Errno.EINVAL : 0);

    /// <summary>ftruncate(2) (fs/open.c:do_sys_ftruncate): EINVAL unless a regular file open for writing.</summary>
    public int Ftruncate(int fd, long length)
    {
        using TaskScope task = EnterTask();
        if (length < 0) return -(int)Errno.EINVAL;
        using FileHandle f = FdGet(fd);
        if (f.File is null) return -(int)Errno.EBADF;
        return FsOpen.DoFtruncate(f.File, length);
    }

    // ---- chmod, chown -------------------------------------------------------------------------

    /// <summary>chmod(2).</summary>
    public int Chmod(string path, uint mode) => Fchmodat(AtFdCwd, path, mode, AtFlags.None);

    /// <summary>chmod(2) with the path in user memory.</summary>
    public int Chmod(nuint path, uint mode) => Fchmodat(AtFdCwd, path, mode, AtFlags.None);

    /// <summary>fchmodat2(2) (fs/open.c:do_fchmodat): AT_SYMLINK_NOFOLLOW on a symlink is EOPNOTSUPP (notify_change).</summary>
    public int Fchmodat(int dirfd, string path, uint mode, AtFlags flags) =>
        ChmodAt(dirfd, path, flags, mode);

    /// <summary>fchmodat2(2) with the path in user memory.</summary>
    public int Fchmodat(int dirfd, nuint path, uint mode, AtFlags flags)
    {
        if ((flags & ~(AtFlags.SymlinkNoFollow | AtFlags.EmptyPath)) != 0) return -(int)Errno.EINVAL;
        return PathCall(dirfd, path, AtLookup(flags), p => FsOpen.ChmodCommon(p, mode), allowEmpty: (flags & AtFlags.EmptyPath) != 0);
    }

    private int ChmodAt(int dirfd, string path, AtFlags flags, uint mode)
    {
        if ((flags & ~(AtFlags.SymlinkNoFollow | AtFlags.EmptyPath)) != 0) return -(int)Errno.EINVAL;
        return PathCall(dirfd, path, AtLookup(flags), p => FsOpen.ChmodCommon(p, mode), allowEmpty: (flags & AtFlags.EmptyPath) != 0);
    }

    /// <summary>fchmod(2): EBADF for an O_PATH descriptor.</summary>
    public int Fchmod(int fd, uint mode) => FileCall(fd, f => FsOpen.ChmodCommon(f.Path, mode));

    /// <summary>chown(2): <paramref name="uid"/> or <paramref name="gid"/> uint.MaxValue (-1) leaves it unchanged.</summary>
    public int Chown(string path, uint uid, uint gid) => Fchownat(AtFdCwd, path, uid, gid, AtFlags.None);

    /// <summary>chown(2) with the path in user memory.</summary>
    public int Chown(nuint path, uint uid, uint gid) => Fchownat(AtFdCwd, path, uid, gid, AtFlags.None);

    /// <summary>lchown(2): does not follow a trailing symlink.</summary>
    public int Lchown(string path, uint uid, uint gid) => Fchownat(AtFdCwd, path, uid, gid, AtFlags.SymlinkNoFollow);

    /// <summary>lchown(2) with the path in user memory.</summary>
    public int Lchown(nuint path, uint uid, uint gid) => Fchownat(AtFdCwd, path, uid, gid, AtFlags.SymlinkNoFollow);

    /// <summary>fchownat(2) (fs/open.c:do_fchownat).</summary>
    public int Fchownat(int dirfd, string path, uint uid, uint gid, AtFlags flags)
    {
        if ((flags & ~(AtFlags.SymlinkNoFollow | AtFlags.EmptyPath)) != 0) return -(int)Errno.EINVAL;
        return PathCall(dirfd, path, AtLookup(flags), p => FsOpen.ChownCommon(p, uid, gid), allowEmpty: (flags & AtFlags.EmptyPath) != 0);
    }

    /// <summary>fchownat(2) with the path in user memory.</summary>
    public int Fchownat(int dirfd, nuint path, uint uid, uint gid, AtFlags flags)
    {
        if ((flags & ~(AtFlags.SymlinkNoFollow | AtFlags.EmptyPath)) != 0) return -(int)Errno.EINVAL;
        return PathCall(dirfd, path, AtLookup(flags), p => FsOpen.ChownCommon(p, uid, gid), allowEmpty: (flags & AtFlags.EmptyPath) != 0);
    }

    /// <summary>fchown(2).</summary>
    public int Fchown(int fd, uint uid, uint gid) => FileCall(fd, f => FsOpen.ChownCommon(f.Path, uid, gid));

    // ---- access -----------------------------------------------------------------------------

    /// <summary>access(2): <paramref name="mode"/> is F_OK (0) or R_OK (4) | W_OK (2) | X_OK (1), checked with the real ids.</summary>
    public int Access(string path, int mode) => Faccessat(AtFdCwd, path, mode, AtFlags.None);

    /// <summary>access(2) with the path in user memory.</summary>
    public int Access(nuint path, int mode) => Faccessat(AtFdCwd, path, mode, AtFlags.None);

    /// <summary>faccessat2(2) (fs/open.c:do_faccessat): AT_EACCESS checks with the effective ids.</summary>
    public int Faccessat(int dirfd, string path, int mode, AtFlags flags)
    {
        int early = AccessFlagsValid(mode, flags);
        if (early != 0) return early;
        using (AccessCreds(flags))
            return PathCall(dirfd, path, AtLookup(flags), p => FsOpen.AccessCheck(p, mode), allowEmpty: (flags & AtFlags.EmptyPath) != 0);
    }

    /// <summary>faccessat2(2) with the path in user memory.</summary>
    public int Faccessat(int dirfd, nuint path, int mode, AtFlags flags)
    {
        int early = AccessFlagsValid(mode, flags);
        if (early != 0) return early;
        using (AccessCreds(flags))
            return PathCall(dirfd, path, AtLookup(flags), p => FsOpen.AccessCheck(p, mode), allowEmpty: (flags & AtFlags.EmptyPath) != 0);
    }

    private static int AccessFlagsValid(int mode, AtFlags flags)
    {
        if ((mode & ~7) != 0) return -(int)Errno.EINVAL; // where's F_OK, X_OK, W_OK, R_OK?
        if ((flags & ~(AtFlags.EffectiveAccess | AtFlags.SymlinkNoFollow | AtFlags.EmptyPath)) != 0) return -(int)Errno.EINVAL;
        return 0;
    }

    private CurrentCred.Scope AccessCreds(AtFlags flags) =>
        (flags & AtFlags.EffectiveAccess) != 0
            ? CurrentCred.Override(CurrentCred.GetFor(this))
            : CurrentCred.Override(FsOpen.AccessCredentials(CurrentCred.GetFor(this))); // access_override_creds

    // ---- chdir, chroot, getcwd, umask --------------------------------------------------------

    /// <summary>chdir(2): a directory the caller may search.</summary>
    public int Chdir(string path) => PathCall(AtFdCwd, path, LookupFlags.Follow | LookupFlags.Directory, ChdirTo);

    /// <summary>chdir(2) with the path in user memory.</summary>
    public int Chdir(nuint path) => PathCall(AtFdCwd, path, LookupFlags.Follow | LookupFlags.Directory, ChdirTo);

    private int ChdirTo(VfsPath path)
    {
        int error = Permission.InodePermission(path.Dentry.Inode!, MayMask.Exec | MayMask.Chdir);
        if (error == 0) SetPwd(path.Get());
        return error;
    }

    /// <summary>fchdir(2): works on an O_PATH descriptor too.</summary>
    public int Fchdir(int fd)
    {
        using TaskScope task = EnterTask();
        OpenFile? file = FdGetRaw(fd);
        if (file is null) return -(int)Errno.EBADF;
        try
        {
            if (!file.Path.Dentry.CanLookup) return -(int)Errno.ENOTDIR;
            return ChdirTo(file.Path);
        }
        finally
        {
            file.Put();
        }
    }

    /// <summary>chroot(2): CAP_SYS_CHROOT; the working directory is left where it is.</summary>
    public int Chroot(string path) => PathCall(AtFdCwd, path, LookupFlags.Follow | LookupFlags.Directory, ChrootTo);

    private int ChrootTo(VfsPath path)
    {
        int error = Permission.InodePermission(path.Dentry.Inode!, MayMask.Exec | MayMask.Chdir);
        if (error != 0) return error;
        if (!CurrentCred.Capable(Capability.SysChroot)) return -(int)Errno.EPERM;
        SetRoot(path.Get());
        return 0;
    }

    /// <summary>getcwd(2): the length written including the NUL; ENOENT when the directory was removed, ERANGE when it does not fit.</summary>
    public long Getcwd(nuint buffer, nuint size)
    {
        using TaskScope task = EnterTask();
        int error = DoGetcwd(out string cwd);
        if (error != 0) return error;
        byte[] bytes = Vfs.NameToBytes(cwd + "\0");
        if ((nuint)bytes.Length > Vfs.PathMax) return -(int)Errno.ENAMETOOLONG;
        if ((nuint)bytes.Length > size) return -(int)Errno.ERANGE;
        return Memory.CopyToUser(buffer, bytes) != 0 ? -(int)Errno.EFAULT : bytes.Length;
    }

    /// <summary>getcwd(2) as a string (UTF-8 decoded); 0 or -errno.</summary>
    public int Getcwd(out string cwd)
    {
        using TaskScope task = EnterTask();
        int error = DoGetcwd(out string bytes);
        cwd = error == 0 ? Dcache.ToDisplay(bytes) : string.Empty;
        return error;
    }

    // mirrors fs/d_path.c:SYSCALL_DEFINE2(getcwd)
    private int DoGetcwd(out string cwd)
    {
        cwd = string.Empty;
        VfsPath pwd = GetPwd(), root = GetRoot();
        try
        {
            if (!pwd.Dentry.Hashed && !pwd.Dentry.IsRoot) return -(int)Errno.ENOENT; // d_unlinked
            cwd = DPath.PrependPath(pwd, root, out bool unreachable);
            if (unreachable) cwd = "(unreachable)" + cwd;
            return 0;
        }
        finally
        {
            pwd.Put();
            root.Put();
        }
    }

    /// <summary>umask(2): sets the mask (mode &amp; 0777) and returns the old one.</summary>
    public uint Umask(uint mask) => Interlocked.Exchange(ref UmaskValue, mask & UMode.S_IRWXUGO);

    // ---- utimensat ----------------------------------------------------------------------------

    /// <summary>UTIME_NOW: in a timespec's tv_nsec, "set this time to now" (include/uapi/linux/stat.h).</summary>
    public const long UtimeNow = FsOpen.UtimeNow;

    /// <summary>UTIME_OMIT: in a timespec's tv_nsec, "leave this time as it is".</summary>
    public const long UtimeOmit = FsOpen.UtimeOmit;

    /// <summary>
    /// utimensat(2) (fs/utimes.c): <paramref name="times"/> null sets both to now (write permission
    /// suffices); otherwise [atime, mtime], each a time or UTIME_NOW / UTIME_OMIT in tv_nsec.
    /// A null <paramref name="path"/> with a dirfd other than AT_FDCWD sets the times of that fd.
    /// </summary>
    public int Utimensat(int dirfd, string? path, KernelTimespec[]? times, AtFlags flags)
    {
        if (times is not null && times.Length != 2) throw new ArgumentException("utimensat takes two times: atime and mtime.", nameof(times));
        if (times is not null && times[0].tv_nsec == FsOpen.UtimeOmit && times[1].tv_nsec == FsOpen.UtimeOmit) return 0; // Nothing to do, we must not even check the path.
        if (path is null && dirfd != AtFdCwd) return UtimesFd(dirfd, times, flags);
        if ((flags & ~(AtFlags.SymlinkNoFollow | AtFlags.EmptyPath)) != 0) return -(int)Errno.EINVAL;
        if (path is null) return -(int)Errno.EFAULT;
        return PathCall(dirfd, path, AtLookup(flags), p => FsOpen.VfsUtimes(p, Copy(times)), allowEmpty: (flags & AtFlags.EmptyPath) != 0);
    }

    /// <summary>utimensat(2) with the path and the times in user memory (either address may be 0).</summary>
    public int Utimensat(int dirfd, nuint path, nuint times, AtFlags flags)
    {
        KernelTimespec[]? ts = null;
        if (times != 0)
        {
            using TaskScope task = EnterTask();
            Span<KernelTimespec> pair = stackalloc KernelTimespec[2];
            if (Memory.CopyFromUser(MemoryMarshal.AsBytes(pair), times) != 0) return -(int)Errno.EFAULT;
            if (pair[0].tv_nsec == FsOpen.UtimeOmit && pair[1].tv_nsec == FsOpen.UtimeOmit) return 0;
            ts = pair.ToArray();
        }
        if (path == 0 && dirfd != AtFdCwd) return UtimesFd(dirfd, ts, flags);
        if ((flags & ~(AtFlags.SymlinkNoFollow | AtFlags.EmptyPath)) != 0) return -(int)Errno.EINVAL;
        return PathCall(dirfd, path, AtLookup(flags), p => FsOpen.VfsUtimes(p, Copy(ts)), allowEmpty: (flags & AtFlags.EmptyPath) != 0);
    }

    private static KernelTimespec[]? Copy(KernelTimespec[]? times) => times is null ? null : (KernelTimespec[])times.Clone();

    private int UtimesFd(int fd, KernelTimespec[]? times, AtFlags flags)
    {
        if (flags != 0) return -(int)Errno.EINVAL;
        return FileCall(fd, f => FsOpen.VfsUtimes(f.Path, Copy(times)));
    }

    // ---- helpers ------------------------------------------------------------------------------

    /// <summary>LOOKUP_FOLLOW unless AT_SYMLINK_NOFOLLOW; LOOKUP_EMPTY with AT_EMPTY_PATH.</summary>
    private static LookupFlags AtLookup(AtFlags flags)
    {
        LookupFlags lookup = (flags & AtFlags.SymlinkNoFollow) != 0 ? 0 : LookupFlags.Follow;
        if ((flags & AtFlags.EmptyPath) != 0) lookup |= LookupFlags.Empty;
        return lookup;
    }

    /// <summary>user_path_at then <paramref name="action"/> on the path, inside the task; for the .NET path forms.</summary>
    private int PathCall(int dirfd, string path, LookupFlags flags, Func<VfsPath, int> action, bool allowEmpty = false, int early = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        using TaskScope task = EnterTask();
        if (early != 0) return early;
        int error = Vfs.GetNameKernel(path, allowEmpty, out string name);
        return error != 0 ? error : (int)SyscallReturn(LookupAndRun(dirfd, name, flags, action));
    }

    /// <summary>As <see cref="PathCall(int, string, LookupFlags, Func{VfsPath, int}, bool, int)"/> with the path in user memory.</summary>
    private int PathCall(int dirfd, nuint path, LookupFlags flags, Func<VfsPath, int> action, bool allowEmpty = false, int early = 0)
    {
        using TaskScope task = EnterTask();
        if (early != 0) return early;
        int error = GetName(path, allowEmpty, out string name);
        return error != 0 ? error : (int)SyscallReturn(LookupAndRun(dirfd, name, flags, action));
    }

    private int LookupAndRun(int dirfd, string name, LookupFlags flags, Func<VfsPath, int> action)
    {
        int error = name.Length == 0 && (flags & LookupFlags.Empty) != 0
            ? FsNamei.EmptyPath(this, dirfd, out VfsPath path)
            : FsNamei.FilenameLookup(this, dirfd, name, flags, out path);
        if (error != 0) return error;
        try
        {
            return action(path);
        }
        finally
        {
            path.Put();
        }
    }

    /// <summary>fdget (O_PATH files are EBADF) then <paramref name="action"/> on the file, inside the task.</summary>
    private int FileCall(int fd, Func<OpenFile, int> action)
    {
        using TaskScope task = EnterTask();
        using FileHandle f = FdGet(fd);
        if (f.File is null) return -(int)Errno.EBADF;
        return (int)SyscallReturn(action(f.File));
    }
}
