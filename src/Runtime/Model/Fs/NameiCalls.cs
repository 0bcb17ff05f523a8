using System;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The namespace-changing syscalls of fs/namei.c (mknodat, mkdirat, rmdir, unlinkat, symlinkat,
/// linkat, renameat2, readlinkat) and their vfs_* steps, in the order and with the errors Linux
/// has. Names are byte strings already copied from the caller (getname).
/// </summary>
internal static class FsNamei
{
    /// <summary>mirrors fs/namei.c:filename_lookup.</summary>
    public static int FilenameLookup(UserProcess process, int dfd, string name, LookupFlags flags, out VfsPath path)
    {
        path = default;
        using var nd = new Nameidata(process, dfd);
        int error = nd.PathLookupAt(name, flags);
        if (error != 0) return error;
        path = nd.TakePath();
        return 0;
    }

    /// <summary>mirrors fs/namei.c:filename_parentat: the parent directory (held) and the last component.</summary>
    public static int FilenameParentat(UserProcess process, int dfd, string name, LookupFlags flags, out VfsPath parent, out string last, out LastType type, out bool trailing)
    {
        parent = default;
        last = string.Empty;
        type = LastType.Root;
        trailing = false;
        using var nd = new Nameidata(process, dfd);
        int error = nd.PathParentAt(name, flags);
        if (error != 0) return error;
        last = nd.Last;
        type = nd.LastType;
        trailing = nd.LastTrailing;
        parent = nd.TakePath();
        return 0;
    }

    /// <summary>
    /// mirrors fs/namei.c:filename_create: the parent (held, its inode locked) and a negative dentry
    /// for the new name. Release both with <see cref="DonePathCreate"/>.
    /// </summary>
    public static int FilenameCreate(UserProcess process, int dfd, string name, LookupFlags lookupFlags, out VfsPath parent, out VfsDentry? dentry)
    {
        dentry = null;
        bool wantDir = (lookupFlags & LookupFlags.Directory) != 0;
        LookupFlags createFlags = LookupFlags.Create | LookupFlags.Exclusive;
        int error = FilenameParentat(process, dfd, name, 0, out parent, out string last, out LastType type, out bool trailing);
        if (error != 0) return error;
        // Yucky last component or no last component at all? (foo/., foo/.., /////)
        if (type != LastType.Norm)
        {
            parent.Put();
            return -(int)Errno.EEXIST;
        }
        // don't fail immediately if it's r/o, at least try to report other errors
        int err2 = FsOpen.MntWantWrite(parent.Mount);
        // Do the final lookup. Suppress 'create' if there is a trailing '/', and a directory wasn't requested.
        if (trailing && !wantDir) createFlags = 0;
        VfsInode dir = parent.Dentry.Inode!;
        dir.Rwsem.Enter();
        error = Nameidata.LookupLocked(parent.Dentry, last, createFlags, out VfsDentry? found);
        if (error == 0)
        {
            if (found!.Inode is not null) error = -(int)Errno.EEXIST;
            // you had / on the end, you've been asking for (non-existent) directory: -ENOENT for you
            else if (createFlags == 0) error = -(int)Errno.ENOENT;
            else if (err2 != 0) error = err2;
            if (error != 0) Dcache.Put(found);
            else dentry = found;
        }
        if (error != 0)
        {
            dir.Rwsem.Exit();
            parent.Put();
        }
        return error;
    }

    /// <summary>mirrors fs/namei.c:done_path_create.</summary>
    public static void DonePathCreate(VfsPath parent, VfsDentry dentry)
    {
        Dcache.Put(dentry);
        parent.Dentry.Inode!.Rwsem.Exit();
        parent.Put();
    }

    /// <summary>mirrors fs/namei.c:vfs_create.</summary>
    public static unsafe int VfsCreate(VfsInode dir, VfsDentry dentry, uint mode, bool wantExcl)
    {
        int error = Permission.MayCreate(dir, dentry);
        if (error != 0) return error;
        // SAFETY: the parent path is held (locked) for the call, so dir.Native and the dentry's Native stay allocated; i_op points at a static generated table that is never freed, whose slots are null (checked) or [UnmanagedCallersOnly] thunks.
        InodeOperations* iop = dir.Native->i_op;
        if (iop == null || iop->create == null) return -(int)Errno.EACCES; // shouldn't it be ENOSYS?
        mode = Permission.PrepareMode(dir, mode, UMode.S_IALLUGO, UMode.S_IFREG);
        return iop->create(null, dir.Native, dentry.Native, (ushort)mode, (byte)(wantExcl ? 1 : 0));
    }

    /// <summary>mirrors fs/namei.c:vfs_mknod.</summary>
    public static unsafe int VfsMknod(VfsInode dir, VfsDentry dentry, uint mode, uint dev)
    {
        int error = Permission.MayCreate(dir, dentry);
        if (error != 0) return error;
        bool whiteout = UMode.IsCharDevice(mode) && dev == 0;
        if ((UMode.IsCharDevice(mode) || UMode.IsBlockDevice(mode)) && !whiteout && !CurrentCred.Capable(Capability.Mknod)) return -(int)Errno.EPERM;
        // SAFETY: the parent path is held (locked) for the call, so dir.Native and the dentry's Native stay allocated; i_op points at a static generated table that is never freed, whose slots are null (checked) or [UnmanagedCallersOnly] thunks.
        InodeOperations* iop = dir.Native->i_op;
        if (iop == null || iop->mknod == null) return -(int)Errno.EPERM;
        mode = Permission.PrepareMode(dir, mode, mode, mode);
        return iop->mknod(null, dir.Native, dentry.Native, (ushort)mode, dev);
    }

    /// <summary>mirrors fs/namei.c:may_mknod.</summary>
    private static int MayMknod(uint mode) => (mode & UMode.S_IFMT) switch
    {
        UMode.S_IFREG or UMode.S_IFCHR or UMode.S_IFBLK or UMode.S_IFIFO or UMode.S_IFSOCK or 0 => 0, // zero mode translates to S_IFREG
        UMode.S_IFDIR => -(int)Errno.EPERM,
        _ => -(int)Errno.EINVAL,
    };

    /// <summary>mirrors fs/namei.c:do_mknodat (<paramref name="dev"/> is the user dev_t, new_decode_dev'd here).</summary>
    public static int DoMknodat(UserProcess process, int dfd, string name, uint mode, uint dev)
    {
        int error = MayMknod(mode);
        if (error != 0) return error;
        error = FilenameCreate(process, dfd, name, 0, out VfsPath path, out VfsDentry? dentry);
        if (error != 0) return error;
        try
        {
            VfsInode dir = path.Dentry.Inode!;
            return (mode & UMode.S_IFMT) switch
            {
                0 or UMode.S_IFREG => VfsCreate(dir, dentry!, mode, true),
                UMode.S_IFCHR or UMode.S_IFBLK => VfsMknod(dir, dentry!, mode, DeviceNumber.FromUser(dev)),
                _ => VfsMknod(dir, dentry!, mode, 0), // S_IFIFO, S_IFSOCK
            };
        }
        finally
        {
            DonePathCreate(path, dentry!);
        }
    }

    /// <summary>mirrors fs/namei.c:vfs_mkdir (6.18: ->mkdir answers NULL or an error).</summary>
    public static unsafe int VfsMkdir(VfsInode dir, VfsDentry dentry, uint mode)
    {
        int error = Permission.MayCreate(dir, dentry);
        if (error != 0) return error;
        // SAFETY: the parent path is held (locked) for the call, so dir.Native and the dentry's Native stay allocated; i_op points at a static generated table that is never freed, whose slots are null (checked) or [UnmanagedCallersOnly] thunks.
        InodeOperations* iop = dir.Native->i_op;
        if (iop == null || iop->mkdir == null) return -(int)Errno.EPERM;
        mode = Permission.PrepareMode(dir, mode, UMode.S_IRWXUGO | UMode.S_ISVTX, 0);
        uint maxLinks = dir.Sb.Native->s_max_links;
        if (maxLinks != 0 && dir.Native->i_nlink >= maxLinks) return -(int)Errno.EMLINK;
        NativeDentry* result = iop->mkdir(null, dir.Native, dentry.Native, (ushort)mode);
        if (result == null) return 0;
        if (VfsThunkAdapters.IsErr(result)) return (int)(nint)result;
        Dcache.Put(VfsDentry.FromNative(result)); // a file system answering with another dentry: the name is made
        return 0;
    }

    /// <summary>mirrors fs/namei.c:do_mkdirat.</summary>
    public static int DoMkdirat(UserProcess process, int dfd, string name, uint mode)
    {
        int error = FilenameCreate(process, dfd, name, LookupFlags.Directory, out VfsPath path, out VfsDentry? dentry);
        if (error != 0) return error;
        try
        {
            return VfsMkdir(path.Dentry.Inode!, dentry!, mode);
        }
        finally
        {
            DonePathCreate(path, dentry!);
        }
    }

    /// <summary>mirrors fs/namei.c:vfs_rmdir.</summary>
    public static unsafe int VfsRmdir(VfsInode dir, VfsDentry dentry)
    {
        int error = Permission.MayDelete(dir, dentry, isDir: true);
        if (error != 0) return error;
        // SAFETY: the parent path is held (locked) for the call, so dir.Native and the dentry's Native stay allocated; i_op points at a static generated table that is never freed, whose slots are null (checked) or [UnmanagedCallersOnly] thunks.
        InodeOperations* iop = dir.Native->i_op;
        if (iop == null || iop->rmdir == null) return -(int)Errno.EPERM;
        dentry.Get();
        VfsInode inode = dentry.Inode!;
        try
        {
            lock (inode.Rwsem)
            {
                if (System.Threading.Volatile.Read(ref dentry.MountCount) > 0) return -(int)Errno.EBUSY; // is_local_mountpoint
                error = iop->rmdir(dir.Native, dentry.Native);
                if (error != 0) return error;
                inode.Native->i_flags |= InodeFlags.Dead;
            }
        }
        finally
        {
            Dcache.Put(dentry);
        }
        Dcache.Delete(dentry); // d_delete_notify
        return 0;
    }

    /// <summary>mirrors fs/namei.c:do_rmdir.</summary>
    public static int DoRmdir(UserProcess process, int dfd, string name)
    {
        int error = FilenameParentat(process, dfd, name, 0, out VfsPath path, out string last, out LastType type, out _);
        if (error != 0) return error;
        try
        {
            switch (type)
            {
                case LastType.DotDot: return -(int)Errno.ENOTEMPTY;
                case LastType.Dot: return -(int)Errno.EINVAL;
                case LastType.Root: return -(int)Errno.EBUSY;
            }
            error = FsOpen.MntWantWrite(path.Mount);
            if (error != 0) return error;
            VfsInode dir = path.Dentry.Inode!;
            lock (dir.Rwsem)
            {
                error = Nameidata.LookupLocked(path.Dentry, last, 0, out VfsDentry? dentry);
                if (error != 0) return error;
                try
                {
                    if (dentry!.Inode is null) return -(int)Errno.ENOENT;
                    return VfsRmdir(dir, dentry);
                }
                finally
                {
                    Dcache.Put(dentry);
                }
            }
        }
        finally
        {
            path.Put();
        }
    }

    /// <summary>mirrors fs/namei.c:vfs_unlink.</summary>
    public static unsafe int VfsUnlink(VfsInode dir, VfsDentry dentry)
    {
        VfsInode? target = dentry.Inode;
        int error = Permission.MayDelete(dir, dentry, isDir: false);
        if (error != 0) return error;
        // SAFETY: the parent path is held (locked) for the call, so dir.Native and the dentry's Native stay allocated; i_op points at a static generated table that is never freed, whose slots are null (checked) or [UnmanagedCallersOnly] thunks.
        InodeOperations* iop = dir.Native->i_op;
        if (iop == null || iop->unlink == null) return -(int)Errno.EPERM;
        lock (target!.Rwsem)
        {
            if (System.Threading.Volatile.Read(ref dentry.MountCount) > 0) return -(int)Errno.EBUSY; // is_local_mountpoint
            error = iop->unlink(dir.Native, dentry.Native);
        }
        if (error == 0) Dcache.Delete(dentry); // d_delete_notify
        return error;
    }

    /// <summary>mirrors fs/namei.c:do_unlinkat.</summary>
    public static int DoUnlinkat(UserProcess process, int dfd, string name)
    {
        int error = FilenameParentat(process, dfd, name, 0, out VfsPath path, out string last, out LastType type, out bool trailing);
        if (error != 0) return error;
        VfsInode? inode = null;
        try
        {
            if (type != LastType.Norm) return -(int)Errno.EISDIR;
            error = FsOpen.MntWantWrite(path.Mount);
            if (error != 0) return error;
            VfsInode dir = path.Dentry.Inode!;
            lock (dir.Rwsem)
            {
                error = Nameidata.LookupLocked(path.Dentry, last, 0, out VfsDentry? dentry);
                if (error != 0) return error;
                try
                {
                    // Why not before? Because we want correct error value
                    if (trailing || dentry!.Inode is null)
                    {
                        if (dentry!.Inode is null) return -(int)Errno.ENOENT;
                        return dentry.IsDirectory ? -(int)Errno.EISDIR : -(int)Errno.ENOTDIR;
                    }
                    inode = dentry.Inode;
                    inode.Hold(); // ihold: the truncation happens in iput, outside the directory's lock
                    return VfsUnlink(dir, dentry);
                }
                finally
                {
                    Dcache.Put(dentry);
                }
            }
        }
        finally
        {
            inode?.Put(); // truncate the inode here
            path.Put();
        }
    }

    /// <summary>mirrors fs/namei.c:vfs_symlink.</summary>
    public static unsafe int VfsSymlink(VfsInode dir, VfsDentry dentry, string oldName)
    {
        int error = Permission.MayCreate(dir, dentry);
        if (error != 0) return error;
        // SAFETY: the parent path is held (locked) for the call, so dir.Native and the dentry's Native stay allocated; i_op points at a static generated table that is never freed, whose slots are null (checked) or [UnmanagedCallersOnly] thunks.
        InodeOperations* iop = dir.Native->i_op;
        if (iop == null || iop->symlink == null) return -(int)Errno.EPERM;
        byte[] target = new byte[oldName.Length + 1];
        for (int i = 0; i < oldName.Length; i++) target[i] = (byte)oldName[i];
        fixed (byte* t = target) return iop->symlink(null, dir.Native, dentry.Native, t);
    }

    /// <summary>mirrors fs/namei.c:do_symlinkat.</summary>
    public static int DoSymlinkat(UserProcess process, string from, int newDfd, string to)
    {
        int error = FilenameCreate(process, newDfd, to, 0, out VfsPath path, out VfsDentry? dentry);
        if (error != 0) return error;
        try
        {
            return VfsSymlink(path.Dentry.Inode!, dentry!, from);
        }
        finally
        {
            DonePathCreate(path, dentry!);
        }
    }

    /// <summary>mirrors fs/namei.c:may_linkat: with fs.protected_hardlinks, only a safe source or the owner (or CAP_FOWNER) may link.</summary>
    private static int MayLinkat(VfsPath link)
    {
        VfsInode inode = link.Dentry.Inode!;
        if (link.Mount.Sb.Kernel.FsSysctls.ProtectedHardlinks == 0) return 0;
        if (SafeHardlinkSource(inode) || CurrentCred.InodeOwnerOrCapable(inode)) return 0;
        return -(int)Errno.EPERM;
    }

    // mirrors fs/namei.c:safe_hardlink_source: a regular file, not setuid, not executable setgid, readable and writable by the caller
    private static bool SafeHardlinkSource(VfsInode inode)
    {
        uint mode = inode.Mode;
        if (!UMode.IsRegular(mode)) return false;
        if ((mode & UMode.S_ISUID) != 0) return false;
        if ((mode & (UMode.S_ISGID | UMode.S_IXGRP)) == (UMode.S_ISGID | UMode.S_IXGRP)) return false;
        return Permission.InodePermission(inode, MayMask.Read | MayMask.Write) == 0;
    }

    /// <summary>mirrors fs/namei.c:vfs_link.</summary>
    public static unsafe int VfsLink(VfsDentry oldDentry, VfsInode dir, VfsDentry newDentry)
    {
        VfsInode? inode = oldDentry.Inode;
        if (inode is null) return -(int)Errno.ENOENT;
        int error = Permission.MayCreate(dir, newDentry);
        if (error != 0) return error;
        if (dir.Sb != inode.Sb) return -(int)Errno.EXDEV;
        // A link to an append-only or immutable file cannot be created.
        // SAFETY: the parent path is held (locked) for the call, so dir.Native and the dentry's Native stay allocated; i_op points at a static generated table that is never freed, whose slots are null (checked) or [UnmanagedCallersOnly] thunks.
        if ((inode.Native->i_flags & (InodeFlags.Append | InodeFlags.Immutable)) != 0) return -(int)Errno.EPERM;
        InodeOperations* iop = dir.Native->i_op;
        if (iop == null || iop->link == null) return -(int)Errno.EPERM;
        if (UMode.IsDirectory(inode.Mode)) return -(int)Errno.EPERM;
        uint maxLinks = dir.Sb.Native->s_max_links;
        lock (inode.Rwsem)
        {
            // Make sure we don't allow creating hardlink to an unlinked file
            bool linkable;
            lock (inode.Sb.InodeLock) linkable = (inode.State & InodeState.Linkable) != 0;
            if (inode.Native->i_nlink == 0 && !linkable) return -(int)Errno.ENOENT;
            if (maxLinks != 0 && inode.Native->i_nlink >= maxLinks) return -(int)Errno.EMLINK;
            error = iop->link(oldDentry.Native, dir.Native, newDentry.Native);
            if (error == 0 && linkable)
            {
                lock (inode.Sb.InodeLock) inode.State &= ~InodeState.Linkable;
            }
            return error;
        }
    }

    /// <summary>AT_SYMLINK_FOLLOW and AT_EMPTY_PATH for linkat.</summary>
    public const int AtSymlinkFollow = 0x400, AtEmptyPath = 0x1000, AtSymlinkNoFollow = 0x100, AtRemoveDir = 0x200, AtEaccess = 0x200;

    /// <summary>mirrors fs/namei.c:do_linkat (the caller checked AT_EMPTY_PATH's CAP_DAC_READ_SEARCH and flags).</summary>
    public static int DoLinkat(UserProcess process, int oldDfd, string oldName, int newDfd, string newName, int flags)
    {
        LookupFlags how = (flags & AtSymlinkFollow) != 0 ? LookupFlags.Follow : 0;
        if ((flags & AtEmptyPath) != 0) how |= LookupFlags.Empty;
        int error = oldName.Length == 0 && (flags & AtEmptyPath) != 0
            ? EmptyPath(process, oldDfd, out VfsPath oldPath)
            : FilenameLookup(process, oldDfd, oldName, how, out oldPath);
        if (error != 0) return error;
        try
        {
            error = FilenameCreate(process, newDfd, newName, 0, out VfsPath newPath, out VfsDentry? newDentry);
            if (error != 0) return error;
            try
            {
                if (oldPath.Mount != newPath.Mount) return -(int)Errno.EXDEV;
                // may_linkat: protected_hardlinks is 0 (the kernel's default); ids are always mapped
                int denied = MayLinkat(oldPath);
                if (denied != 0) return denied;
                return VfsLink(oldPath.Dentry, newPath.Dentry.Inode!, newDentry!);
            }
            finally
            {
                DonePathCreate(newPath, newDentry!);
            }
        }
        finally
        {
            oldPath.Put();
        }
    }

    /// <summary>The path an fd stands for (AT_EMPTY_PATH with an empty name): its file's f_path, held.</summary>
    public static int EmptyPath(UserProcess process, int dfd, out VfsPath path)
    {
        path = default;
        if (dfd == Vfs.AtFdCwd)
        {
            path = process.GetPwd();
            return 0;
        }
        OpenFile? file = process.FdGetRaw(dfd);
        if (file is null) return -(int)Errno.EBADF;
        try
        {
            path = file.Path.Get();
            return 0;
        }
        finally
        {
            file.Put();
        }
    }

    /// <summary>mirrors fs/namei.c:vfs_rename (both parents locked by the caller).</summary>
    public static unsafe int VfsRename(VfsInode oldDir, VfsDentry oldDentry, VfsInode newDir, VfsDentry newDentry, RenameFlags flags)
    {
        bool isDir = oldDentry.IsDirectory;
        VfsInode source = oldDentry.Inode!;
        VfsInode? target = newDentry.Inode;
        bool newIsDir = false;
        if (source == target) return 0;
        int error = Permission.MayDelete(oldDir, oldDentry, isDir);
        if (error != 0) return error;
        if (target is null)
        {
            error = Permission.MayCreate(newDir, newDentry);
        }
        else
        {
            newIsDir = newDentry.IsDirectory;
            error = (flags & RenameFlags.Exchange) == 0
                ? Permission.MayDelete(newDir, newDentry, isDir)
                : Permission.MayDelete(newDir, newDentry, newIsDir);
        }
        if (error != 0) return error;
        // SAFETY: the parent path is held (locked) for the call, so dir.Native and the dentry's Native stay allocated; i_op points at a static generated table that is never freed, whose slots are null (checked) or [UnmanagedCallersOnly] thunks.
        InodeOperations* iop = oldDir.Native->i_op;
        if (iop == null || iop->rename == null) return -(int)Errno.EPERM;
        // If we are going to change the parent - check write permissions, we'll need to flip '..'.
        if (newDir != oldDir)
        {
            if (isDir)
            {
                error = Permission.InodePermission(source, MayMask.Write);
                if (error != 0) return error;
            }
            if ((flags & RenameFlags.Exchange) != 0 && newIsDir)
            {
                error = Permission.InodePermission(target!, MayMask.Write);
                if (error != 0) return error;
            }
        }
        newDentry.Get();
        try
        {
            if (System.Threading.Volatile.Read(ref oldDentry.MountCount) > 0 || System.Threading.Volatile.Read(ref newDentry.MountCount) > 0)
                return -(int)Errno.EBUSY;
            uint maxLinks = newDir.Sb.Native->s_max_links;
            if (maxLinks != 0 && newDir != oldDir)
            {
                if (isDir && !newIsDir && newDir.Native->i_nlink >= maxLinks) return -(int)Errno.EMLINK;
                if ((flags & RenameFlags.Exchange) != 0 && !isDir && newIsDir && oldDir.Native->i_nlink >= maxLinks) return -(int)Errno.EMLINK;
            }
            error = iop->rename(null, oldDir.Native, oldDentry.Native, newDir.Native, newDentry.Native, (uint)flags);
            if (error != 0) return error;
            if ((flags & RenameFlags.Exchange) == 0 && target is not null && isDir) target.Native->i_flags |= InodeFlags.Dead;
            if ((oldDir.Sb.Type.Flags & FsFlags.RenameDoesDMove) == 0)
            {
                if ((flags & RenameFlags.Exchange) == 0) Dcache.Move(oldDentry, newDentry);
                else Dcache.Exchange(oldDentry, newDentry);
            }
            return 0;
        }
        finally
        {
            Dcache.Put(newDentry);
        }
    }

    /// <summary>mirrors fs/namei.c:do_renameat2.</summary>
    public static int DoRenameat2(UserProcess process, int oldDfd, string from, int newDfd, string to, RenameFlags flags)
    {
        if ((flags & ~(RenameFlags.NoReplace | RenameFlags.Exchange | RenameFlags.Whiteout)) != 0) return -(int)Errno.EINVAL;
        if ((flags & (RenameFlags.NoReplace | RenameFlags.Whiteout)) != 0 && (flags & RenameFlags.Exchange) != 0) return -(int)Errno.EINVAL;
        LookupFlags targetFlags = (flags & RenameFlags.Exchange) != 0 ? 0 : LookupFlags.RenameTarget;
        int error = FilenameParentat(process, oldDfd, from, 0, out VfsPath oldPath, out string oldLast, out LastType oldType, out bool oldTrailing);
        if (error != 0) return error;
        try
        {
            error = FilenameParentat(process, newDfd, to, 0, out VfsPath newPath, out string newLast, out LastType newType, out bool newTrailing);
            if (error != 0) return error;
            try
            {
                if (oldPath.Mount != newPath.Mount) return -(int)Errno.EXDEV;
                if (oldType != LastType.Norm) return -(int)Errno.EBUSY;
                if (newType != LastType.Norm) return (flags & RenameFlags.NoReplace) != 0 ? -(int)Errno.EEXIST : -(int)Errno.EBUSY;
                error = FsOpen.MntWantWrite(oldPath.Mount);
                if (error != 0) return error;
                return RenameLocked(oldPath, oldLast, oldTrailing, newPath, newLast, newTrailing, flags, targetFlags);
            }
            finally
            {
                newPath.Put();
            }
        }
        finally
        {
            oldPath.Put();
        }
    }

    private static int RenameLocked(VfsPath oldPath, string oldLast, bool oldTrailing, VfsPath newPath, string newLast, bool newTrailing, RenameFlags flags, LookupFlags targetFlags)
    {
        VfsDentry p1 = newPath.Dentry, p2 = oldPath.Dentry;
        VfsInode oldDir = p2.Inode!, newDir = p1.Inode!;
        VfsSuperBlock sb = p1.Sb;
        VfsDentry? trap = null;
        bool renameMutex = p1 != p2;
        // mirrors fs/namei.c:lock_rename / lock_two_directories: ancestors first
        if (renameMutex)
        {
            sb.RenameMutex.Enter();
            VfsDentry? r = Dcache.ChildOfAncestor(p1, p2);
            if (r is not null)
            {
                oldDir.Rwsem.Enter();
                newDir.Rwsem.Enter();
                trap = r;
            }
            else
            {
                VfsDentry? q = Dcache.ChildOfAncestor(p2, p1);
                newDir.Rwsem.Enter();
                oldDir.Rwsem.Enter();
                trap = q;
            }
        }
        else
        {
            oldDir.Rwsem.Enter();
        }
        try
        {
            int error = Nameidata.LookupLocked(p2, oldLast, 0, out VfsDentry? oldDentry);
            if (error != 0) return error;
            try
            {
                // source must exist
                if (oldDentry!.Inode is null) return -(int)Errno.ENOENT;
                error = Nameidata.LookupLocked(p1, newLast, targetFlags, out VfsDentry? newDentry);
                if (error != 0) return error;
                try
                {
                    if ((flags & RenameFlags.NoReplace) != 0 && newDentry!.Inode is not null) return -(int)Errno.EEXIST;
                    if ((flags & RenameFlags.Exchange) != 0)
                    {
                        if (newDentry!.Inode is null) return -(int)Errno.ENOENT;
                        if (!newDentry.IsDirectory && newTrailing) return -(int)Errno.ENOTDIR;
                    }
                    // unless the source is a directory trailing slashes give -ENOTDIR
                    if (!oldDentry.IsDirectory)
                    {
                        if (oldTrailing) return -(int)Errno.ENOTDIR;
                        if ((flags & RenameFlags.Exchange) == 0 && newTrailing) return -(int)Errno.ENOTDIR;
                    }
                    // source should not be ancestor of target
                    if (oldDentry == trap) return -(int)Errno.EINVAL;
                    // target should not be an ancestor of source
                    if (newDentry == trap) return (flags & RenameFlags.Exchange) != 0 ? -(int)Errno.EINVAL : -(int)Errno.ENOTEMPTY;
                    return VfsRename(oldDir, oldDentry, newDir, newDentry!, flags);
                }
                finally
                {
                    Dcache.Put(newDentry);
                }
            }
            finally
            {
                Dcache.Put(oldDentry);
            }
        }
        finally
        {
            // unlock_rename
            oldDir.Rwsem.Exit();
            if (renameMutex)
            {
                newDir.Rwsem.Exit();
                sb.RenameMutex.Exit();
            }
        }
    }

    /// <summary>
    /// mirrors fs/stat.c:do_readlinkat + fs/namei.c:vfs_readlink: the link's body (not NUL-terminated,
    /// cut to <paramref name="bufferSize"/>). An empty path (AT_EMPTY_PATH semantics are implied for
    /// readlinkat's empty name) reads the link the fd stands for.
    /// </summary>
    public static unsafe int DoReadlinkat(UserProcess process, int dfd, string name, int bufferSize, out byte[]? body)
    {
        body = null;
        if (bufferSize <= 0) return -(int)Errno.EINVAL;
        int error = name.Length == 0 ? EmptyPath(process, dfd, out VfsPath path) : FilenameLookup(process, dfd, name, LookupFlags.Empty, out path);
        if (error != 0) return error;
        try
        {
            VfsInode? inode = path.Dentry.Inode;
            if (inode is null || !UMode.IsSymlink(inode.Mode)) return name.Length == 0 ? -(int)Errno.ENOENT : -(int)Errno.EINVAL;
            // SAFETY: the parent path is held (locked) for the call, so dir.Native and the dentry's Native stay allocated; i_op points at a static generated table that is never freed, whose slots are null (checked) or [UnmanagedCallersOnly] thunks.
            InodeOperations* iop = inode.Native->i_op;
            if (inode.Native->i_link == null && (iop == null || iop->get_link == null)) return -(int)Errno.EINVAL;
            Attr.TouchAtime(path);
            error = Nameidata.ReadLink(path.Dentry, inode, out byte[]? full);
            if (error != 0) return error;
            body = full!.Length > bufferSize ? full.AsSpan(0, bufferSize).ToArray() : full;
            return body.Length;
        }
        finally
        {
            path.Put();
        }
    }
}
