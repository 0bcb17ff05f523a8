using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The one permission check of the model (fs/namei.c: generic_permission, inode_permission,
/// may_create, may_delete; fs/attr.c's ownership rules), against the calling task's credentials.
/// </summary>
internal static class Permission
{
    /// <summary>mirrors fs/namei.c:acl_permission_check (no POSIX ACLs).</summary>
    private static unsafe int AclPermissionCheck(VfsInode inode, int mask)
    {
        Credentials cred = CurrentCred.Get();
        uint mode = inode.Mode;
        // Are we the owner? If so, ACL's don't matter
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native stays allocated until VfsInode.Destroy runs after the last reference.
        if (inode.Native->i_uid == cred.Fsuid)
        {
            mask &= 7;
            mode >>= 6;
            return (mask & ~(int)mode) != 0 ? -(int)Errno.EACCES : 0;
        }
        // Only RWX matters for group/other mode bits
        mask &= 7;
        // Are the group permissions different from the other permissions in the bits we care about?
        if ((mask & (int)(mode ^ (mode >> 3))) != 0 && cred.InGroup(inode.Native->i_gid)) mode >>= 3;
        // Bits in 'mode' clear that we require?
        return (mask & ~(int)mode) != 0 ? -(int)Errno.EACCES : 0;
    }

    /// <summary>mirrors fs/namei.c:generic_permission: the mode bits, then CAP_DAC_READ_SEARCH and CAP_DAC_OVERRIDE.</summary>
    public static int GenericPermission(VfsInode inode, MayMask mask)
    {
        int ret = AclPermissionCheck(inode, (int)mask);
        if (ret != -(int)Errno.EACCES) return ret;
        if (UMode.IsDirectory(inode.Mode))
        {
            // DACs are overridable for directories
            if ((mask & MayMask.Write) == 0 && CurrentCred.CapableWrtInode(Capability.DacReadSearch)) return 0;
            if (CurrentCred.CapableWrtInode(Capability.DacOverride)) return 0;
            return -(int)Errno.EACCES;
        }
        // Searching includes executable on directories, else just read.
        mask &= MayMask.Read | MayMask.Write | MayMask.Exec;
        if (mask == MayMask.Read && CurrentCred.CapableWrtInode(Capability.DacReadSearch)) return 0;
        // Read/write DACs are always overridable. Executable DACs are overridable when there is at
        // least one exec bit set.
        if ((mask & MayMask.Exec) == 0 || (inode.Mode & UMode.S_IXUGO) != 0)
            if (CurrentCred.CapableWrtInode(Capability.DacOverride)) return 0;
        return -(int)Errno.EACCES;
    }

    /// <summary>
    /// mirrors fs/namei.c:inode_permission: a read-only superblock refuses writes to files,
    /// directories and links (EROFS), an immutable inode refuses writes (EPERM), then the file
    /// system's ->permission or generic_permission.
    /// </summary>
    public static unsafe int InodePermission(VfsInode inode, MayMask mask)
    {
        if ((mask & MayMask.Write) != 0)
        {
            uint mode = inode.Mode;
            if (inode.Sb.IsReadOnly && (UMode.IsRegular(mode) || UMode.IsDirectory(mode) || UMode.IsSymlink(mode))) return -(int)Errno.EROFS;
            // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native stays allocated until VfsInode.Destroy runs after the last reference.
            if ((inode.Native->i_flags & InodeFlags.Immutable) != 0) return -(int)Errno.EPERM;
        }
        InodeOperations* iop = inode.Native->i_op;
        if (iop != null && iop->permission != null) return iop->permission(null, inode.Native, (int)mask);
        return GenericPermission(inode, mask);
    }

    /// <summary>mirrors fs/namei.c:may_create.</summary>
    public static unsafe int MayCreate(VfsInode dir, VfsDentry child)
    {
        if (child.Inode is not null) return -(int)Errno.EEXIST;
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native stays allocated until VfsInode.Destroy runs after the last reference.
        if ((dir.Native->i_flags & InodeFlags.Dead) != 0) return -(int)Errno.ENOENT;
        return InodePermission(dir, MayMask.Write | MayMask.Exec);
    }

    /// <summary>mirrors fs/namei.c:__check_sticky: in a sticky directory only the file's or the directory's owner (or CAP_FOWNER) may remove.</summary>
    public static unsafe bool CheckSticky(VfsInode dir, VfsInode inode)
    {
        if ((dir.Mode & UMode.S_ISVTX) == 0) return false;
        uint fsuid = CurrentCred.Get().Fsuid;
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native stays allocated until VfsInode.Destroy runs after the last reference.
        if (inode.Native->i_uid == fsuid) return false;
        if (dir.Native->i_uid == fsuid) return false;
        return !CurrentCred.CapableWrtInode(Capability.Fowner);
    }

    /// <summary>mirrors fs/namei.c:may_delete.</summary>
    public static unsafe int MayDelete(VfsInode dir, VfsDentry victim, bool isDir)
    {
        VfsInode? inode = victim.Inode;
        if (inode is null) return -(int)Errno.ENOENT;
        int error = InodePermission(dir, MayMask.Write | MayMask.Exec);
        if (error != 0) return error;
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native stays allocated until VfsInode.Destroy runs after the last reference.
        if ((dir.Native->i_flags & InodeFlags.Append) != 0) return -(int)Errno.EPERM;
        if (CheckSticky(dir, inode) || (inode.Native->i_flags & (InodeFlags.Append | InodeFlags.Immutable)) != 0) return -(int)Errno.EPERM;
        if (isDir)
        {
            if (!victim.IsDirectory) return -(int)Errno.ENOTDIR;
            if (victim.IsRoot) return -(int)Errno.EBUSY;
        }
        else if (victim.IsDirectory)
        {
            return -(int)Errno.EISDIR;
        }
        if ((dir.Native->i_flags & InodeFlags.Dead) != 0) return -(int)Errno.ENOENT;
        return 0;
    }

    /// <summary>
    /// mirrors fs/namei.c:vfs_prepare_mode: mode_strip_sgid, then the umask, then the allowed bits
    /// and the type.
    /// </summary>
    public static uint PrepareMode(VfsInode dir, uint mode, uint maskPerms, uint type)
    {
        mode = StripSgid(dir, mode);
        mode &= ~FsUmask.Current; // mode_strip_umask (no POSIX ACLs)
        mode &= maskPerms & ~UMode.S_IFMT;
        mode |= type & UMode.S_IFMT;
        return mode;
    }

    /// <summary>mirrors fs/inode.c:mode_strip_sgid.</summary>
    private static unsafe uint StripSgid(VfsInode dir, uint mode)
    {
        if ((mode & (UMode.S_ISGID | UMode.S_IXGRP)) != (UMode.S_ISGID | UMode.S_IXGRP)) return mode;
        if (UMode.IsDirectory(mode) || (dir.Mode & UMode.S_ISGID) == 0) return mode;
        // SAFETY: the caller holds the inode (through a held dentry/path or open file), so inode.Native stays allocated until VfsInode.Destroy runs after the last reference.
        if (CurrentCred.InGroupOrCapable(dir.Native->i_gid)) return mode;
        return mode & ~UMode.S_ISGID;
    }
}
