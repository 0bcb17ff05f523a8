using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// Attribute changes (fs/attr.c: notify_change, setattr_prepare, setattr_copy, may_setattr,
/// inode_newsize_ok) and the timestamp rules around reads and writes (fs/inode.c: touch_atime with
/// relatime, file_update_time, file_remove_privs).
/// </summary>
internal static class Attr
{
    private const long SecondsPerDay = 24 * 60 * 60;

    /// <summary>mirrors fs/attr.c:chown_ok.</summary>
    private static unsafe bool ChownOk(VfsInode inode, uint uid)
    {
        Credentials cred = CurrentCred.Get();
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        if (inode.Native->i_uid == cred.Fsuid && uid == inode.Native->i_uid) return true;
        return CurrentCred.CapableWrtInode(Capability.Chown);
    }

    /// <summary>mirrors fs/attr.c:chgrp_ok.</summary>
    private static unsafe bool ChgrpOk(VfsInode inode, uint gid)
    {
        Credentials cred = CurrentCred.Get();
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        if (inode.Native->i_uid == cred.Fsuid)
        {
            if (gid == inode.Native->i_gid) return true;
            if (cred.InGroup(gid)) return true;
        }
        return CurrentCred.CapableWrtInode(Capability.Chown);
    }

    /// <summary>mirrors fs/attr.c:inode_newsize_ok: EFBIG beyond s_maxbytes (RLIMIT_FSIZE is unlimited).</summary>
    public static unsafe int InodeNewsizeOk(VfsInode inode, long offset)
    {
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        if (Volatile.Read(ref inode.Native->i_size) < offset && offset > inode.Sb.Native->s_maxbytes) return -(int)Errno.EFBIG;
        return 0;
    }

    /// <summary>mirrors fs/attr.c:setattr_prepare: may this caller make this change?</summary>
    public static unsafe int SetattrPrepare(VfsDentry dentry, NativeIattr* attr)
    {
        VfsInode inode = dentry.Inode!;
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        var valid = (IattrValid)attr->ia_valid;
        // First check size constraints. These can't be overriden using ATTR_FORCE.
        if ((valid & IattrValid.Size) != 0)
        {
            int error = InodeNewsizeOk(inode, attr->ia_size);
            if (error != 0) return error;
        }
        // If force is set do it anyway.
        if ((valid & IattrValid.Force) != 0) return 0;
        // Make sure a caller can chown.
        if ((valid & IattrValid.Uid) != 0 && !ChownOk(inode, attr->ia_uid)) return -(int)Errno.EPERM;
        // Make sure caller can chgrp.
        if ((valid & IattrValid.Gid) != 0 && !ChgrpOk(inode, attr->ia_gid)) return -(int)Errno.EPERM;
        // Make sure a caller can chmod.
        if ((valid & IattrValid.Mode) != 0)
        {
            if (!CurrentCred.InodeOwnerOrCapable(inode)) return -(int)Errno.EPERM;
            uint gid = (valid & IattrValid.Gid) != 0 ? attr->ia_gid : inode.Native->i_gid;
            // Also check the setgid bit!
            if (!CurrentCred.InGroupOrCapable(gid)) attr->ia_mode &= ~UMode.S_ISGID;
        }
        // Check for setting the inode time.
        if ((valid & (IattrValid.MtimeSet | IattrValid.AtimeSet | IattrValid.TimesSet)) != 0 && !CurrentCred.InodeOwnerOrCapable(inode))
            return -(int)Errno.EPERM;
        return 0;
    }

    /// <summary>mirrors fs/attr.c:setattr_copy.</summary>
    public static unsafe void SetattrCopy(VfsInode inode, NativeIattr* attr)
    {
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        var valid = (IattrValid)attr->ia_valid;
        if ((valid & IattrValid.Uid) != 0) inode.Native->i_uid = attr->ia_uid;
        if ((valid & IattrValid.Gid) != 0) inode.Native->i_gid = attr->ia_gid;
        if ((valid & IattrValid.Atime) != 0) inode.Native->i_atime = attr->ia_atime;
        if ((valid & IattrValid.Mtime) != 0) inode.Native->i_mtime = attr->ia_mtime;
        if ((valid & IattrValid.Ctime) != 0) inode.Native->i_ctime = attr->ia_ctime;
        if ((valid & IattrValid.Mode) != 0)
        {
            uint mode = attr->ia_mode;
            if (!CurrentCred.InGroupOrCapable(inode.Native->i_gid)) mode &= ~UMode.S_ISGID;
            Volatile.Write(ref inode.Native->i_mode, mode);
        }
    }

    /// <summary>mirrors fs/libfs.c:simple_setattr: setattr_prepare, truncate_setsize, setattr_copy.</summary>
    public static unsafe int SimpleSetattr(VfsDentry dentry, NativeIattr* attr)
    {
        VfsInode inode = dentry.Inode!;
        int error = SetattrPrepare(dentry, attr);
        if (error != 0) return error;
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        if (((IattrValid)attr->ia_valid & IattrValid.Size) != 0) PageCache.TruncateSetsize(inode, attr->ia_size);
        SetattrCopy(inode, attr);
        return 0;
    }

    /// <summary>mirrors fs/attr.c:may_setattr.</summary>
    private static unsafe int MaySetattr(VfsInode inode, IattrValid valid)
    {
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        uint flags = inode.Native->i_flags;
        if ((valid & (IattrValid.Mode | IattrValid.Uid | IattrValid.Gid | IattrValid.TimesSet)) != 0 &&
            (flags & (InodeFlags.Immutable | InodeFlags.Append)) != 0)
            return -(int)Errno.EPERM;
        // If utimes(2) and friends are called with times == NULL (or both times are UTIME_NOW),
        // then we need to check for write permission
        if ((valid & IattrValid.Touch) != 0)
        {
            if ((flags & InodeFlags.Immutable) != 0) return -(int)Errno.EPERM;
            if (!CurrentCred.InodeOwnerOrCapable(inode))
            {
                int error = Permission.InodePermission(inode, MayMask.Write);
                if (error != 0) return error;
            }
        }
        return 0;
    }

    /// <summary>
    /// mirrors fs/attr.c:notify_change (the inode is locked by the caller): checks, fills the times,
    /// turns ATTR_KILL_SUID/SGID into a mode change, then ->setattr or simple_setattr.
    /// </summary>
    public static unsafe int NotifyChange(VfsDentry dentry, NativeIattr* attr)
    {
        VfsInode inode = dentry.Inode!;
        uint mode = inode.Mode;
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        var valid = (IattrValid)attr->ia_valid;
        int error = MaySetattr(inode, valid);
        if (error != 0) return error;
        if ((valid & IattrValid.Mode) != 0)
        {
            // Don't allow changing the mode of symlinks
            if (UMode.IsSymlink(inode.Mode)) return -(int)Errno.EOPNOTSUPP;
        }
        KernelTimespec now = inode.Sb.CurrentTime();
        attr->ia_ctime = now;
        attr->ia_atime = (valid & IattrValid.AtimeSet) == 0 ? now : inode.Sb.Truncate(attr->ia_atime);
        attr->ia_mtime = (valid & IattrValid.MtimeSet) == 0 ? now : inode.Sb.Truncate(attr->ia_mtime);
        if ((valid & IattrValid.KillSuid) != 0 && (mode & UMode.S_ISUID) != 0)
        {
            valid |= IattrValid.Mode;
            attr->ia_mode = inode.Mode & ~UMode.S_ISUID;
        }
        if ((valid & IattrValid.KillSgid) != 0 && (mode & UMode.S_ISGID) != 0)
        {
            if ((valid & IattrValid.Mode) == 0)
            {
                valid |= IattrValid.Mode;
                attr->ia_mode = inode.Mode;
            }
            attr->ia_mode &= ~UMode.S_ISGID;
        }
        attr->ia_valid = (uint)valid;
        if ((valid & ~(IattrValid.KillSuid | IattrValid.KillSgid)) == 0) return 0;
        InodeOperations* iop = inode.Native->i_op;
        if (iop != null && iop->setattr != null) return iop->setattr(null, dentry.Native, attr);
        return SimpleSetattr(dentry, attr);
    }

    /// <summary>mirrors fs/attr.c:setattr_should_drop_sgid.</summary>
    public static unsafe IattrValid ShouldDropSgid(VfsInode inode)
    {
        uint mode = inode.Mode;
        if ((mode & UMode.S_ISGID) == 0) return 0;
        if ((mode & UMode.S_IXGRP) != 0) return IattrValid.KillSgid;
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        if (!CurrentCred.InGroupOrCapable(inode.Native->i_gid)) return IattrValid.KillSgid;
        return 0;
    }

    /// <summary>mirrors fs/attr.c:setattr_should_drop_suidgid (should_remove_suid): only for regular files and callers without CAP_FSETID.</summary>
    public static IattrValid ShouldDropSuidgid(VfsInode inode)
    {
        uint mode = inode.Mode;
        IattrValid kill = 0;
        // suid always must be killed
        if ((mode & UMode.S_ISUID) != 0) kill = IattrValid.KillSuid;
        kill |= ShouldDropSgid(inode);
        if (kill != 0 && !CurrentCred.Capable(Capability.Fsetid) && UMode.IsRegular(mode)) return kill;
        return 0;
    }

    /// <summary>
    /// mirrors fs/inode.c:file_remove_privs: a write by a caller without CAP_FSETID clears the set-id
    /// bits of a regular file (with a notify_change of ATTR_FORCE).
    /// </summary>
    public static unsafe int FileRemovePrivs(VfsDentry dentry)
    {
        VfsInode inode = dentry.Inode!;
        IattrValid kill = ShouldDropSuidgid(inode);
        if (kill == 0) return 0;
        NativeIattr attr = new() { ia_valid = (uint)(kill | IattrValid.Force) };
        return NotifyChange(dentry, &attr);
    }

    /// <summary>mirrors fs/inode.c:file_update_time (inode_needs_update_time + generic_update_time): mtime and ctime to now.</summary>
    public static unsafe void FileUpdateTime(VfsPath path)
    {
        if (path.Mount.IsReadOnly) return;
        VfsInode inode = path.Dentry.Inode!;
        KernelTimespec now = inode.Sb.CurrentTime();
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        inode.Native->i_mtime = now;
        inode.Native->i_ctime = now;
    }

    /// <summary>
    /// mirrors fs/inode.c:touch_atime / atime_needs_update with relatime (the default mount
    /// option): atime moves when it is older than mtime or ctime, or more than a day old.
    /// </summary>
    public static unsafe void TouchAtime(VfsPath path)
    {
        VfsInode? inode = path.Dentry.Inode;
        if (inode is null) return;
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native and inode.Sb.Native stay allocated until the last reference goes (VfsInode.Destroy, VfsSuperBlock.Free).
        if ((inode.Native->i_flags & InodeFlags.NoAtime) != 0) return;
        MountFlags flags = path.Mount.Flags;
        if ((flags & MountFlags.NoAtime) != 0) return;
        if ((flags & MountFlags.NoDirAtime) != 0 && UMode.IsDirectory(inode.Mode)) return;
        if (path.Mount.IsReadOnly) return;
        KernelTimespec now = inode.Sb.CurrentTime();
        KernelTimespec atime = inode.Native->i_atime;
        // relatime_need_update
        bool need = Compare(inode.Native->i_mtime, atime) >= 0 || Compare(inode.Native->i_ctime, atime) >= 0 || now.tv_sec - atime.tv_sec >= SecondsPerDay;
        if (!need) return;
        if (now.tv_sec == atime.tv_sec && now.tv_nsec == atime.tv_nsec) return;
        inode.Native->i_atime = now;
    }

    private static int Compare(KernelTimespec a, KernelTimespec b) =>
        a.tv_sec != b.tv_sec ? a.tv_sec.CompareTo(b.tv_sec) : a.tv_nsec.CompareTo(b.tv_nsec);
}
