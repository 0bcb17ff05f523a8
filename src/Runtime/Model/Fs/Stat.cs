using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// fs/stat.c (vfs_getattr_nosec, generic_fillattr, vfs_statx) and fs/statfs.c (statfs_by_dentry,
/// vfs_statfs).
/// </summary>
internal static class FsStat
{
    /// <summary>STATX_ATTR_AUTOMOUNT, STATX_ATTR_MOUNT_ROOT, STATX_ATTR_DAX (include/uapi/linux/stat.h).</summary>
    public const ulong AttrAutomount = 0x1000, AttrMountRoot = 0x2000, AttrDax = 0x200000;

    /// <summary>mirrors fs/stat.c:generic_fillattr.</summary>
    public static unsafe void GenericFillattr(VfsInode inode, NativeKstat* stat)
    {
        NativeInode* i = inode.Native;
        // SAFETY: the caller holds the inode for the call and passes a kstat it owns (stack or pinned) for the call; inode.Native is freed only by VfsInode.Destroy after the last reference.
        stat->dev = inode.Sb.Dev;
        stat->ino = i->i_ino;
        stat->mode = Volatile.Read(ref i->i_mode);
        stat->nlink = Volatile.Read(ref i->i_nlink);
        stat->uid = i->i_uid;
        stat->gid = i->i_gid;
        stat->rdev = i->i_rdev;
        stat->size = Volatile.Read(ref i->i_size);
        stat->atime = i->i_atime;
        stat->mtime = i->i_mtime;
        stat->ctime = i->i_ctime;
        stat->blksize = 1u << (int)i->i_blkbits;
        stat->blocks = (ulong)Volatile.Read(ref i->i_blocks);
    }

    /// <summary>mirrors fs/stat.c:vfs_getattr_nosec: the file system's ->getattr or generic_fillattr.</summary>
    public static unsafe int VfsGetattr(VfsPath path, NativeKstat* stat, StatxMask requestMask, uint queryFlags)
    {
        VfsInode inode = path.Dentry.Inode!;
        // SAFETY: the caller holds the inode for the call and passes a kstat it owns (stack or pinned) for the call; inode.Native is freed only by VfsInode.Destroy after the last reference.
        *stat = default;
        stat->result_mask |= (uint)StatxMask.BasicStats;
        stat->attributes_mask |= AttrAutomount | AttrDax;
        InodeOperations* iop = inode.Native->i_op;
        if (iop != null && iop->getattr != null)
        {
            NativePath np = new() { mnt = null, dentry = path.Dentry.Native };
            int ret = iop->getattr(null, &np, stat, (uint)requestMask, queryFlags & 0x6000 /* AT_STATX_SYNC_TYPE */);
            if (ret != 0) return ret;
        }
        else
        {
            GenericFillattr(inode, stat);
        }
        return 0;
    }

    /// <summary>mirrors fs/stat.c:vfs_statx_path: getattr plus the mount's id and whether the path is its root.</summary>
    public static unsafe int VfsStatxPath(VfsPath path, NativeKstat* stat, StatxMask requestMask, uint flags)
    {
        int error = VfsGetattr(path, stat, requestMask, flags);
        if (error != 0) return error;
        // SAFETY: the caller holds the inode for the call and passes a kstat it owns (stack or pinned) for the call; inode.Native is freed only by VfsInode.Destroy after the last reference.
        stat->mnt_id = (ulong)path.Mount.Id;
        stat->result_mask |= (uint)StatxMask.MountId;
        if (path.Mount.Root == path.Dentry) stat->attributes |= AttrMountRoot;
        stat->attributes_mask |= AttrMountRoot;
        return 0;
    }

    /// <summary>The managed result of a stat.</summary>
    public static StatResult ToResult(in NativeKstat k) => new(
        Device: DeviceNumber.ToUser(k.dev),
        Inode: k.ino,
        Mode: k.mode,
        LinkCount: k.nlink,
        RDevice: DeviceNumber.ToUser(k.rdev),
        Size: k.size)
    {
        Uid = k.uid,
        Gid = k.gid,
        BlockSize = k.blksize,
        Blocks = (long)k.blocks,
        AccessTime = k.atime,
        ModifyTime = k.mtime,
        ChangeTime = k.ctime,
        Mask = (StatxMask)k.result_mask,
        Attributes = k.attributes,
        AttributesMask = k.attributes_mask,
        MountId = k.mnt_id,
    };

    /// <summary>ST_* flags of statfs(2)'s f_flags (include/linux/statfs.h).</summary>
    private const long StRdonly = 1, StNosuid = 2, StNodev = 4, StNoexec = 8, StSynchronous = 16, StValid = 0x20,
        StNoatime = 1024, StNodiratime = 2048, StRelatime = 4096, StNosymfollow = 0x2000;

    /// <summary>mirrors fs/statfs.c:vfs_statfs (statfs_by_dentry + calculate_f_flags).</summary>
    public static unsafe int VfsStatfs(VfsPath path, NativeKstatfs* buf)
    {
        VfsSuperBlock sb = path.Dentry.Sb;
        // SAFETY: the caller holds the inode for the call and passes a kstat it owns (stack or pinned) for the call; inode.Native is freed only by VfsInode.Destroy after the last reference.
        SuperOperations* sop = sb.Native->s_op;
        if (sop == null || sop->statfs == null) return -(int)Errno.ENOSYS;
        *buf = default;
        int error = sop->statfs(path.Dentry.Native, buf);
        if (error != 0) return error;
        if (buf->f_frsize == 0) buf->f_frsize = buf->f_bsize;
        // calculate_f_flags
        MountFlags m = path.Mount.Flags;
        long flags = StValid;
        if ((m & MountFlags.ReadOnly) != 0) flags |= StRdonly;
        if ((m & MountFlags.NoSuid) != 0) flags |= StNosuid;
        if ((m & MountFlags.NoDev) != 0) flags |= StNodev;
        if ((m & MountFlags.NoExec) != 0) flags |= StNoexec;
        if ((m & MountFlags.NoAtime) != 0) flags |= StNoatime;
        if ((m & MountFlags.NoDirAtime) != 0) flags |= StNodiratime;
        if ((m & MountFlags.RelAtime) != 0) flags |= StRelatime;
        if ((m & MountFlags.NoSymFollow) != 0) flags |= StNosymfollow;
        ulong s = sb.Native->s_flags;
        if ((s & SuperBlockFlags.ReadOnly) != 0) flags |= StRdonly;
        if ((s & SuperBlockFlags.Synchronous) != 0) flags |= StSynchronous;
        buf->f_flags = flags;
        return 0;
    }
}
