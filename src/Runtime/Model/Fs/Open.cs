using System;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>What build_open_flags makes of open(2)'s flags and mode (fs/internal.h <c>struct open_flags</c>).</summary>
internal struct OpenOp
{
    public OpenFlags OpenFlag;
    public uint Mode;
    public int AccMode;
    public LookupFlags Intent;
    public LookupFlags LookupFlags;
}

/// <summary>
/// open(2) and the fs/open.c syscalls: path_openat (with namei.c's open_last_lookups, lookup_open,
/// do_open, do_tmpfile, do_o_path), do_dentry_open, truncate, chmod, chown, access, chdir; and
/// fs/utimes.c.
/// </summary>
internal static class FsOpen
{
    /// <summary>__O_TMPFILE without O_DIRECTORY.</summary>
    public const OpenFlags TmpfileBit = (OpenFlags)0x400000;

    /// <summary>VALID_OPEN_FLAGS (include/linux/fcntl.h).</summary>
    private const OpenFlags ValidOpenFlags = OpenFlags.O_ACCMODE | OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY |
        OpenFlags.O_TRUNC | OpenFlags.O_APPEND | OpenFlags.O_NONBLOCK | OpenFlags.O_DSYNC | OpenFlags.FASYNC | OpenFlags.O_DIRECT |
        OpenFlags.O_LARGEFILE | OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW | OpenFlags.O_NOATIME | OpenFlags.O_CLOEXEC |
        OpenFlags.O_SYNC | OpenFlags.O_PATH | TmpfileBit;

    /// <summary>O_PATH_FLAGS: what O_PATH may be combined with.</summary>
    private const OpenFlags OPathFlags = OpenFlags.O_DIRECTORY | OpenFlags.O_NOFOLLOW | OpenFlags.O_PATH | OpenFlags.O_CLOEXEC;

    /// <summary>
    /// mirrors fs/open.c:build_open_how + build_open_flags for open(2)/openat(2): unknown flags are
    /// dropped, O_PATH keeps only its companions, the mode counts only with O_CREAT or O_TMPFILE.
    /// </summary>
    public static int BuildOpenFlags(OpenFlags flags, uint mode, out OpenOp op)
    {
        op = default;
        // build_open_how
        flags &= ValidOpenFlags;
        mode &= UMode.S_IALLUGO;
        if ((flags & OpenFlags.O_PATH) != 0) flags &= OPathFlags;
        bool willCreate = (flags & OpenFlags.O_CREAT) != 0 || (flags & TmpfileBit) != 0;
        if (!willCreate) mode = 0;
        flags |= OpenFlags.O_LARGEFILE; // force_o_largefile on 64-bit

        // build_open_flags
        int accMode = ((uint)flags & 3) switch { 0 => Vfs.MayRead, 1 => Vfs.MayWrite, _ => Vfs.MayRead | Vfs.MayWrite };
        flags &= ~OpenFlags.O_CLOEXEC;
        op.Mode = willCreate ? mode | UMode.S_IFREG : 0;
        // Block bugs where O_DIRECTORY | O_CREAT created regular files.
        if ((flags & (OpenFlags.O_DIRECTORY | OpenFlags.O_CREAT)) == (OpenFlags.O_DIRECTORY | OpenFlags.O_CREAT)) return -(int)Errno.EINVAL;
        if ((flags & TmpfileBit) != 0)
        {
            if ((flags & OpenFlags.O_DIRECTORY) == 0) return -(int)Errno.EINVAL;
            if ((accMode & Vfs.MayWrite) == 0) return -(int)Errno.EINVAL;
        }
        if ((flags & OpenFlags.O_PATH) != 0) accMode = 0;
        if ((flags & (OpenFlags.O_SYNC & ~OpenFlags.O_DSYNC)) != 0) flags |= OpenFlags.O_DSYNC;
        op.OpenFlag = flags;
        if ((flags & OpenFlags.O_TRUNC) != 0) accMode |= Vfs.MayWrite;
        if ((flags & OpenFlags.O_APPEND) != 0) accMode |= (int)MayMask.Append;
        op.AccMode = accMode;
        op.Intent = (flags & OpenFlags.O_PATH) != 0 ? 0 : LookupFlags.Open;
        if ((flags & OpenFlags.O_CREAT) != 0)
        {
            op.Intent |= LookupFlags.Create;
            if ((flags & OpenFlags.O_EXCL) != 0)
            {
                op.Intent |= LookupFlags.Exclusive;
                flags |= OpenFlags.O_NOFOLLOW;
            }
        }
        if ((flags & OpenFlags.O_DIRECTORY) != 0) op.LookupFlags |= LookupFlags.Directory;
        if ((flags & OpenFlags.O_NOFOLLOW) == 0) op.LookupFlags |= LookupFlags.Follow;
        return 0;
    }

    /// <summary>
    /// mirrors fs/namei.c:do_filp_open / path_openat: the opened file (its one reference the
    /// caller's) or -errno.
    /// </summary>
    public static int DoFilpOpen(UserProcess process, int dfd, string name, in OpenOp op, out OpenFile? opened)
    {
        opened = null;
        OpenFile file = OpenFile.Allocate(process.Kernel.Counters, op.OpenFlag, CurrentCred.Get());
        int error;
        using (var nd = new Nameidata(process, dfd))
        {
            if ((op.OpenFlag & TmpfileBit) != 0) error = DoTmpfile(nd, name, op, file);
            else if ((op.OpenFlag & OpenFlags.O_PATH) != 0) error = DoOPath(nd, name, op, file);
            else
            {
                bool created = false;
                error = nd.PathInit(name, op.LookupFlags);
                string? s = name;
                while (error == 0)
                {
                    error = nd.LinkPathWalk(s!);
                    if (error != 0) break;
                    error = OpenLastLookups(nd, file, op, ref created, out s);
                    if (error != 0 || s is null) break;
                }
                if (error == 0) error = DoOpen(nd, file, op, created);
            }
        }
        if (error == 0 && (file.Mode & FMode.FMODE_OPENED) == 0) error = -(int)Errno.EINVAL;
        if (error != 0)
        {
            file.Put();
            return error;
        }
        opened = file;
        return 0;
    }

    // mirrors fs/namei.c:open_last_lookups
    private static int OpenLastLookups(Nameidata nd, OpenFile file, in OpenOp op, ref bool created, out string? link)
    {
        link = null;
        nd.Flags |= op.Intent;
        if (nd.LastType != LastType.Norm) return StepDots(nd, out link);
        VfsDentry? dentry;
        if ((op.OpenFlag & OpenFlags.O_CREAT) == 0)
        {
            if (nd.LastTrailing) nd.Flags |= LookupFlags.Follow | LookupFlags.Directory;
            int err = Nameidata.LookupFast(nd.Path.Dentry, nd.Last, out dentry);
            if (err != 0) return err;
            if (dentry is not null) return FinishLookup(nd, dentry, out link);
        }
        else if (nd.LastTrailing)
        {
            // trailing slashes?
            return -(int)Errno.EISDIR;
        }
        bool gotWrite = (op.OpenFlag & (OpenFlags.O_CREAT | OpenFlags.O_TRUNC | OpenFlags.O_WRONLY | OpenFlags.O_RDWR)) != 0 && MntWantWrite(nd.Path.Mount) == 0;
        VfsInode dir = nd.Inode;
        int error;
        lock (dir.Rwsem) error = LookupOpen(nd, op, gotWrite, ref created, out dentry);
        if (error != 0) return error;
        if (created)
        {
            // dput(nd->path.dentry); nd->path.dentry = dentry;
            nd.SetPath(new VfsPath(nd.Path.Mount.Get(), dentry!));
            return 0;
        }
        return FinishLookup(nd, dentry!, out link);
    }

    // finish_lookup: step_into(nd, WALK_TRAILING, dentry)
    private static int FinishLookup(Nameidata nd, VfsDentry dentry, out string? link) =>
        nd.StepInto(Nameidata.WalkTrailing, dentry, out link);

    private static int StepDots(Nameidata nd, out string? link) => nd.LookupLast(out link);

    // mirrors fs/namei.c:lookup_open (the directory is locked)
    private static unsafe int LookupOpen(Nameidata nd, in OpenOp op, bool gotWrite, ref bool created, out VfsDentry? result)
    {
        result = null;
        VfsDentry dir = nd.Path.Dentry;
        VfsInode dirInode = dir.Inode!;
        // SAFETY: the walk holds the dentries/inodes it dereferences (nd->path), so their Native structs stay allocated; i_op/f_op point at static generated tables that are never freed, whose slots are null or [UnmanagedCallersOnly] thunks.
        if ((dirInode.Native->i_flags & InodeFlags.Dead) != 0) return -(int)Errno.ENOENT;
        created = false;
        OpenFlags openFlag = op.OpenFlag;
        int error = Nameidata.LookupLocked(dir, nd.Last, nd.Flags, out VfsDentry? dentry);
        if (error != 0) return error;
        if (dentry!.Inode is not null)
        {
            // Cached positive dentry: will open in f_op->open
            result = dentry;
            return 0;
        }
        if (!gotWrite) openFlag &= ~OpenFlags.O_TRUNC;
        int createError = 0;
        uint mode = op.Mode;
        if ((openFlag & OpenFlags.O_CREAT) != 0)
        {
            if ((openFlag & OpenFlags.O_EXCL) != 0) openFlag &= ~OpenFlags.O_TRUNC;
            mode = Permission.PrepareMode(dirInode, mode, mode, mode);
            createError = gotWrite ? Permission.InodePermission(dirInode, MayMask.Write | MayMask.Exec) : -(int)Errno.EROFS; // may_o_create
        }
        if (createError != 0) openFlag &= ~OpenFlags.O_CREAT;
        // Negative dentry, just create the file
        if (dentry.Inode is null && (openFlag & OpenFlags.O_CREAT) != 0)
        {
            created = true;
            InodeOperations* iop = dirInode.Native->i_op;
            if (iop == null || iop->create == null)
            {
                Dcache.Put(dentry);
                return -(int)Errno.EACCES;
            }
            error = iop->create(null, dirInode.Native, dentry.Native, (ushort)mode, (byte)((openFlag & OpenFlags.O_EXCL) != 0 ? 1 : 0));
            if (error != 0)
            {
                created = false;
                Dcache.Put(dentry);
                return error;
            }
            if (dentry.Inode is null)
            {
                // A ->create that returns 0 without instantiating is a file system bug.
                created = false;
                Dcache.Put(dentry);
                return -(int)Errno.EIO;
            }
        }
        if (createError != 0 && dentry.Inode is null)
        {
            Dcache.Put(dentry);
            return createError;
        }
        result = dentry;
        return 0;
    }

    // mirrors fs/namei.c:do_open
    private static int DoOpen(Nameidata nd, OpenFile file, in OpenOp op, bool created)
    {
        OpenFlags openFlag = op.OpenFlag;
        VfsDentry dentry = nd.Path.Dentry;
        if ((openFlag & OpenFlags.O_CREAT) != 0)
        {
            if ((openFlag & OpenFlags.O_EXCL) != 0 && !created) return -(int)Errno.EEXIST;
            if (dentry.IsDirectory) return -(int)Errno.EISDIR;
            int sticky = MayCreateInSticky(nd, dentry.Inode!);
            if (sticky != 0) return sticky;
        }
        if ((nd.Flags & LookupFlags.Directory) != 0 && !dentry.CanLookup) return -(int)Errno.ENOTDIR;
        bool doTruncate = false;
        int accMode = op.AccMode;
        if (created)
        {
            // Don't check for write permission, don't truncate
            openFlag &= ~OpenFlags.O_TRUNC;
            accMode = 0;
        }
        else if (dentry.Inode is { } i && UMode.IsRegular(i.Mode) && (openFlag & OpenFlags.O_TRUNC) != 0)
        {
            int e = MntWantWrite(nd.Path.Mount);
            if (e != 0) return e;
            doTruncate = true;
        }
        int error = MayOpen(nd.Path, accMode, openFlag);
        if (error == 0) error = VfsOpen(nd.Path.Get(), file);
        if (error == 0 && doTruncate) error = HandleTruncate(file);
        return error;
    }

    /// <summary>
    /// mirrors fs/namei.c:may_create_in_sticky: O_CREAT finding an existing file in a sticky directory
    /// that neither the caller nor the directory's owner owns. FIFOs and regular files are refused
    /// only under fs.protected_fifos/protected_regular; anything else (a symlink opened O_NOFOLLOW, a
    /// socket, a device node) always, when the directory is world-writable.
    /// </summary>
    private static unsafe int MayCreateInSticky(Nameidata nd, VfsInode inode)
    {
        uint dirMode = nd.DirMode;
        if ((dirMode & UMode.S_ISVTX) == 0) return 0;
        FsSysctls sysctls = inode.Sb.Kernel.FsSysctls;
        bool regular = UMode.IsRegular(inode.Mode), fifo = UMode.IsFifo(inode.Mode);
        if (regular && sysctls.ProtectedRegular == 0) return 0;
        if (fifo && sysctls.ProtectedFifos == 0) return 0;
        // SAFETY: the walk holds the dentries/inodes it dereferences (nd->path), so their Native structs stay allocated; i_op/f_op point at static generated tables that are never freed, whose slots are null or [UnmanagedCallersOnly] thunks.
        uint owner = inode.Native->i_uid;
        if (owner == nd.DirUid || owner == CurrentCred.Get().Fsuid) return 0;
        if ((dirMode & 0x2) != 0) return -(int)Errno.EACCES; // world-writable
        if ((dirMode & 0x10) != 0 && ((fifo && sysctls.ProtectedFifos >= 2) || (regular && sysctls.ProtectedRegular >= 2))) return -(int)Errno.EACCES;
        return 0;
    }

    /// <summary>mirrors fs/namei.c:may_open.</summary>
    public static unsafe int MayOpen(VfsPath path, int accMode, OpenFlags flag)
    {
        VfsInode? inode = path.Dentry.Inode;
        if (inode is null) return -(int)Errno.ENOENT;
        switch (inode.Mode & UMode.S_IFMT)
        {
            case UMode.S_IFLNK:
                return -(int)Errno.ELOOP;
            case UMode.S_IFDIR:
                if ((accMode & Vfs.MayWrite) != 0) return -(int)Errno.EISDIR;
                if ((accMode & (int)MayMask.Exec) != 0) return -(int)Errno.EACCES;
                break;
            case UMode.S_IFBLK:
            case UMode.S_IFCHR:
                if (!MayOpenDev(path)) return -(int)Errno.EACCES;
                if ((accMode & (int)MayMask.Exec) != 0) return -(int)Errno.EACCES;
                flag &= ~OpenFlags.O_TRUNC;
                break;
            case UMode.S_IFIFO:
            case UMode.S_IFSOCK:
                if ((accMode & (int)MayMask.Exec) != 0) return -(int)Errno.EACCES;
                flag &= ~OpenFlags.O_TRUNC;
                break;
            case UMode.S_IFREG:
                if ((accMode & (int)MayMask.Exec) != 0 && PathNoexec(path)) return -(int)Errno.EACCES;
                break;
        }
        int error = Permission.InodePermission(inode, MayMask.Open | (MayMask)accMode);
        if (error != 0) return error;
        // An append-only file must be opened in append mode for writing.
        // SAFETY: the walk holds the dentries/inodes it dereferences (nd->path), so their Native structs stay allocated; i_op/f_op point at static generated tables that are never freed, whose slots are null or [UnmanagedCallersOnly] thunks.
        if ((inode.Native->i_flags & InodeFlags.Append) != 0)
        {
            if ((flag & OpenFlags.O_ACCMODE) != OpenFlags.O_RDONLY && (flag & OpenFlags.O_APPEND) == 0) return -(int)Errno.EPERM;
            if ((flag & OpenFlags.O_TRUNC) != 0) return -(int)Errno.EPERM;
        }
        // O_NOATIME can only be set by the owner or superuser
        if ((flag & OpenFlags.O_NOATIME) != 0 && !CurrentCred.InodeOwnerOrCapable(inode)) return -(int)Errno.EPERM;
        return 0;
    }

    /// <summary>mirrors fs/namei.c:may_open_dev: no device nodes on a nodev mount.</summary>
    // SAFETY: the walk holds the dentries/inodes it dereferences (nd->path), so their Native structs stay allocated; i_op/f_op point at static generated tables that are never freed, whose slots are null or [UnmanagedCallersOnly] thunks.
    public static unsafe bool MayOpenDev(VfsPath path) =>
        (path.Mount.Flags & MountFlags.NoDev) == 0 && (path.Mount.Sb.Native->s_flags & SuperBlockFlags.NoDev) == 0;

    /// <summary>path_noexec.</summary>
    // SAFETY: the walk holds the dentries/inodes it dereferences (nd->path), so their Native structs stay allocated; i_op/f_op point at static generated tables that are never freed, whose slots are null or [UnmanagedCallersOnly] thunks.
    public static unsafe bool PathNoexec(VfsPath path) =>
        (path.Mount.Flags & MountFlags.NoExec) != 0 || (path.Mount.Sb.Native->s_flags & SuperBlockFlags.NoExec) != 0;

    /// <summary>mirrors fs/namespace.c:mnt_want_write: EROFS on a read-only mount or superblock.</summary>
    public static int MntWantWrite(VfsMount mount) => mount.IsReadOnly ? -(int)Errno.EROFS : 0;

    // mirrors fs/namei.c:handle_truncate
    private static int HandleTruncate(OpenFile file) =>
        DoTruncate(file.Path.Dentry, 0, IattrValid.Mtime | IattrValid.Ctime | IattrValid.Open, file);

    // mirrors fs/namei.c:do_tmpfile + vfs_tmpfile
    private static unsafe int DoTmpfile(Nameidata nd, string name, in OpenOp op, OpenFile file)
    {
        int error = nd.PathLookupAt(name, op.LookupFlags | LookupFlags.Directory);
        if (error != 0) return error;
        VfsPath parent = nd.Path;
        error = MntWantWrite(parent.Mount);
        if (error != 0) return error;
        VfsInode dir = parent.Dentry.Inode!;
        // we want directory to be writable
        error = Permission.InodePermission(dir, MayMask.Write | MayMask.Exec);
        if (error != 0) return error;
        // SAFETY: the walk holds the dentries/inodes it dereferences (nd->path), so their Native structs stay allocated; i_op/f_op point at static generated tables that are never freed, whose slots are null or [UnmanagedCallersOnly] thunks.
        InodeOperations* iop = dir.Native->i_op;
        if (iop == null || iop->tmpfile == null) return -(int)Errno.EOPNOTSUPP;
        VfsDentry child = Dcache.Alloc(parent.Dentry, "/"); // slash_name: never hashed, never found
        uint mode = Permission.PrepareMode(dir, op.Mode, op.Mode, op.Mode);
        file.SetPath(new VfsPath(parent.Mount.Get(), child));
        error = iop->tmpfile(null, dir.Native, file.File, (ushort)mode);
        if (error != 0) return error;
        if (child.Inode is null) return -(int)Errno.EIO;
        file.SetPath(file.Path); // f_inode from the dentry the file system instantiated
        // finish_open_simple: the model opens the file itself after ->tmpfile instantiated it
        error = DentryOpen(file);
        if (error != 0) return error;
        // Don't check for other permissions, the inode was just created
        error = MayOpen(file.Path, 0, file.Flags);
        if (error != 0) return error;
        if ((op.OpenFlag & OpenFlags.O_EXCL) == 0)
        {
            VfsInode inode = child.Inode;
            lock (inode.Sb.InodeLock) inode.State |= InodeState.Linkable;
        }
        return 0;
    }

    // mirrors fs/namei.c:do_o_path
    private static int DoOPath(Nameidata nd, string name, in OpenOp op, OpenFile file)
    {
        int error = nd.PathLookupAt(name, op.LookupFlags);
        if (error != 0) return error;
        return VfsOpen(nd.Path.Get(), file);
    }

    /// <summary>vfs_open: the file takes over <paramref name="path"/>'s reference, then do_dentry_open.</summary>
    public static int VfsOpen(VfsPath path, OpenFile file)
    {
        file.SetPath(path);
        return DentryOpen(file);
    }

    /// <summary>
    /// mirrors fs/open.c:do_dentry_open: O_PATH files get empty_fops and no ->open; others get the
    /// inode's f_op (pinning its owner), the FMODE bits, ->open, and FMODE_CAN_READ/WRITE from the
    /// slots present. On failure the caller's fput frees the file without ->release.
    /// </summary>
    public static unsafe int DentryOpen(OpenFile file)
    {
        NativeFile* f = file.File;
        VfsInode inode = file.Inode!;
        if ((file.Flags & OpenFlags.O_PATH) != 0)
        {
            // SAFETY: file.File was allocated by OpenFile.Allocate for this open and is owned by the caller until it installs or fputs it.
            f->f_mode = (uint)(FMode.FMODE_PATH | FMode.FMODE_OPENED);
            file.Dispatch = NoOpsDispatch.Empty;
            f->f_op = null;
            return 0;
        }
        FMode mode = Vfs.OpenFmode(file.Flags);
        if ((mode & FMode.FMODE_WRITE) != 0 && !IsSpecial(inode.Mode))
        {
            Interlocked.Increment(ref inode.WriteCount);
            mode |= FMode.FMODE_WRITER;
        }
        // POSIX.1-2008/SUSv4 Section XSI 2.9.7
        if (UMode.IsRegular(inode.Mode) || UMode.IsDirectory(inode.Mode)) mode |= FMode.FMODE_ATOMIC_POS;
        // normally all 3 are set; ->open() can clear them if needed
        mode |= FMode.FMODE_LSEEK | FMode.FMODE_PREAD | FMode.FMODE_PWRITE;
        f->f_mode = (uint)mode;

        FileDispatch? dispatch = inode.FileDispatch;
        if (dispatch is null)
        {
            inode.Sb.Kernel.Log.Printk($"WARNING: do_dentry_open: no f_op for inode {inode.Number} ({inode.Sb.TypeName})");
            return -(int)Errno.ENODEV;
        }
        file.Dispatch = dispatch;
        f->f_op = dispatch.Ops;
        // fops_get: try_module_get(fops->owner); a module on its way out cannot be opened.
        if (dispatch.Owner is { } owner)
        {
            if (!owner.TryGet()) return -(int)Errno.ENODEV;
            file.PinnedOwner = owner;
        }
        int error = dispatch.Open(inode.Native, f);
        // chrdev_open / misc_open may have replaced f_op (replace_fops): the checks below are the new fops'.
        dispatch = file.Dispatch;
        if (error != 0) return error < 0 ? error : -(int)Errno.EIO;
        mode = (FMode)f->f_mode | FMode.FMODE_OPENED;
        if ((mode & FMode.FMODE_READ) != 0 && dispatch.HasRead) mode |= FMode.FMODE_CAN_READ;
        if ((mode & FMode.FMODE_WRITE) != 0 && dispatch.HasWrite) mode |= FMode.FMODE_CAN_WRITE;
        if ((mode & FMode.FMODE_LSEEK) != 0 && !dispatch.HasLlseek) mode &= ~FMode.FMODE_LSEEK;
        f->f_mode = (uint)mode;
        f->f_flags &= ~(uint)(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY | OpenFlags.O_TRUNC);
        // no ->direct_IO in the model's file systems: O_DIRECT cannot be honoured
        if ((file.Flags & OpenFlags.O_DIRECT) != 0) return -(int)Errno.EINVAL;
        return 0;
    }

    /// <summary>special_file: character, block, FIFO or socket.</summary>
    public static bool IsSpecial(uint mode) =>
        UMode.IsCharDevice(mode) || UMode.IsBlockDevice(mode) || UMode.IsFifo(mode) || UMode.IsSocket(mode);

    /// <summary>mirrors fs/open.c:do_truncate: notify_change with ATTR_SIZE (and the privilege kill), under the inode lock.</summary>
    public static unsafe int DoTruncate(VfsDentry dentry, long length, IattrValid timeAttrs, OpenFile? filp)
    {
        if (length < 0) return -(int)Errno.EINVAL;
        VfsInode inode = dentry.Inode!;
        NativeIattr attr = default;
        attr.ia_size = length;
        IattrValid valid = IattrValid.Size | timeAttrs;
        if (filp is not null)
        {
            attr.ia_file = filp.File;
            valid |= IattrValid.File;
        }
        lock (inode.Rwsem)
        {
            // Remove suid, sgid, and file capabilities on truncate too
            IattrValid kill = Attr.ShouldDropSuidgid(inode);
            if (kill != 0) valid |= kill | IattrValid.Force;
            attr.ia_valid = (uint)valid;
            return Attr.NotifyChange(dentry, &attr);
        }
    }

    /// <summary>mirrors fs/open.c:vfs_truncate (truncate(2) after the lookup).</summary>
    public static unsafe int VfsTruncate(VfsPath path, long length)
    {
        VfsInode inode = path.Dentry.Inode!;
        // For directories it's -EISDIR, for other non-regulars - -EINVAL
        if (UMode.IsDirectory(inode.Mode)) return -(int)Errno.EISDIR;
        if (!UMode.IsRegular(inode.Mode)) return -(int)Errno.EINVAL;
        int error = MntWantWrite(path.Mount);
        if (error != 0) return error;
        error = Permission.InodePermission(inode, MayMask.Write);
        if (error != 0) return error;
        // SAFETY: the walk holds the dentries/inodes it dereferences (nd->path), so their Native structs stay allocated; i_op/f_op point at static generated tables that are never freed, whose slots are null or [UnmanagedCallersOnly] thunks.
        if ((inode.Native->i_flags & InodeFlags.Append) != 0) return -(int)Errno.EPERM;
        return DoTruncate(path.Dentry, length, 0, null);
    }

    /// <summary>mirrors fs/open.c:do_ftruncate.</summary>
    public static unsafe int DoFtruncate(OpenFile file, long length)
    {
        if (length < 0) return -(int)Errno.EINVAL;
        VfsInode? inode = file.Inode;
        if (inode is null || !UMode.IsRegular(inode.Mode) || (file.Mode & FMode.FMODE_WRITE) == 0) return -(int)Errno.EINVAL;
        // SAFETY: the walk holds the dentries/inodes it dereferences (nd->path), so their Native structs stay allocated; i_op/f_op point at static generated tables that are never freed, whose slots are null or [UnmanagedCallersOnly] thunks.
        if ((inode.Native->i_flags & InodeFlags.Append) != 0) return -(int)Errno.EPERM;
        return DoTruncate(file.Path.Dentry, length, IattrValid.Mtime | IattrValid.Ctime, file);
    }

    /// <summary>mirrors fs/open.c:chmod_common.</summary>
    public static unsafe int ChmodCommon(VfsPath path, uint mode)
    {
        int error = MntWantWrite(path.Mount);
        if (error != 0) return error;
        VfsInode inode = path.Dentry.Inode!;
        lock (inode.Rwsem)
        {
            NativeIattr attr = default;
            attr.ia_mode = (mode & UMode.S_IALLUGO) | (inode.Mode & ~UMode.S_IALLUGO);
            attr.ia_valid = (uint)(IattrValid.Mode | IattrValid.Ctime);
            return Attr.NotifyChange(path.Dentry, &attr);
        }
    }

    /// <summary>mirrors fs/open.c:chown_common (uid/gid of uint.MaxValue mean "leave as is").</summary>
    public static unsafe int ChownCommon(VfsPath path, uint user, uint group)
    {
        int error = MntWantWrite(path.Mount);
        if (error != 0) return error;
        VfsInode inode = path.Dentry.Inode!;
        NativeIattr attr = default;
        IattrValid valid = IattrValid.Ctime;
        if (user != uint.MaxValue)
        {
            valid |= IattrValid.Uid;
            attr.ia_uid = user;
        }
        if (group != uint.MaxValue)
        {
            valid |= IattrValid.Gid;
            attr.ia_gid = group;
        }
        lock (inode.Rwsem)
        {
            if (!UMode.IsDirectory(inode.Mode)) valid |= IattrValid.KillSuid | IattrValid.KillPriv | Attr.ShouldDropSgid(inode);
            attr.ia_valid = (uint)valid;
            return Attr.NotifyChange(path.Dentry, &attr);
        }
    }

    /// <summary>UTIME_NOW / UTIME_OMIT (include/uapi/linux/stat.h).</summary>
    public const long UtimeNow = (1L << 30) - 1, UtimeOmit = (1L << 30) - 2;

    /// <summary>
    /// mirrors fs/utimes.c:vfs_utimes: null <paramref name="times"/> (or both UTIME_NOW) sets both
    /// to now and needs only write permission; explicit times need ownership or CAP_FOWNER.
    /// </summary>
    public static unsafe int VfsUtimes(VfsPath path, KernelTimespec[]? times)
    {
        if (times is not null)
        {
            if (!NsecValid(times[0].tv_nsec) || !NsecValid(times[1].tv_nsec)) return -(int)Errno.EINVAL;
            if (times[0].tv_nsec == UtimeNow && times[1].tv_nsec == UtimeNow) times = null;
        }
        int error = MntWantWrite(path.Mount);
        if (error != 0) return error;
        NativeIattr attr = default;
        IattrValid valid = IattrValid.Ctime | IattrValid.Mtime | IattrValid.Atime;
        if (times is not null)
        {
            if (times[0].tv_nsec == UtimeOmit) valid &= ~IattrValid.Atime;
            else if (times[0].tv_nsec != UtimeNow)
            {
                attr.ia_atime = times[0];
                valid |= IattrValid.AtimeSet;
            }
            if (times[1].tv_nsec == UtimeOmit) valid &= ~IattrValid.Mtime;
            else if (times[1].tv_nsec != UtimeNow)
            {
                attr.ia_mtime = times[1];
                valid |= IattrValid.MtimeSet;
            }
            // Tell setattr_prepare(), that this is an explicit time update, even if neither ATTR_ATIME_SET nor ATTR_MTIME_SET are set.
            valid |= IattrValid.TimesSet;
        }
        else
        {
            valid |= IattrValid.Touch;
        }
        VfsInode inode = path.Dentry.Inode!;
        lock (inode.Rwsem)
        {
            attr.ia_valid = (uint)valid;
            return Attr.NotifyChange(path.Dentry, &attr);
        }
    }

    private static bool NsecValid(long nsec) => nsec == UtimeOmit || nsec == UtimeNow || nsec is >= 0 and <= 999_999_999;

    /// <summary>
    /// mirrors fs/open.c:do_faccessat after the lookup: the real ids are checked (unless AT_EACCESS),
    /// MAY_EXEC on a noexec mount fails, and a writable check reports a read-only mount.
    /// </summary>
    public static int AccessCheck(VfsPath path, int mode)
    {
        VfsInode inode = path.Dentry.Inode!;
        if ((mode & (int)MayMask.Exec) != 0 && UMode.IsRegular(inode.Mode) && PathNoexec(path)) return -(int)Errno.EACCES;
        int res = Permission.InodePermission(inode, (MayMask)mode | MayMask.Access);
        // SuS v2 requires we report a read only fs too
        if (res != 0 || (mode & 2) == 0 || IsSpecial(inode.Mode)) return res;
        return path.Mount.IsReadOnly ? -(int)Errno.EROFS : 0;
    }

    /// <summary>
    /// mirrors fs/open.c:access_override_creds: fsuid/fsgid become the real ids, and a non-root
    /// real uid loses its capabilities (root keeps its permitted set).
    /// </summary>
    public static Credentials AccessCredentials(Credentials cred)
    {
        ulong caps = cred.Uid == 0 ? cred.PermittedCapabilities : 0;
        return new Credentials(cred.Uid, cred.Euid, cred.Suid, cred.Uid, cred.Gid, cred.Egid, cred.Sgid, cred.Gid, cred.Groups, caps, cred.PermittedCapabilities);
    }
}
