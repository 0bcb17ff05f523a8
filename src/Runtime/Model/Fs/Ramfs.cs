using System;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The kernel's built-in ramfs (fs/ramfs/inode.c), written with the same generated tables a module
/// would use: the type "ramfs", and "rootfs" (init/do_mounts.c: the first mount, "/") and
/// "devtmpfs" (drivers/base/devtmpfs.c without shmem: a ramfs at /dev, one superblock shared by
/// every mount) on the same operations.
/// </summary>
internal static class Ramfs
{
    /// <summary>RAMFS_DEFAULT_MODE.</summary>
    public const uint DefaultMode = 0x1ED; // 0755

    /// <summary>struct ramfs_fs_info: the mount options.</summary>
    internal sealed class Info
    {
        public uint Mode = DefaultMode;
    }

    /// <summary>mirrors fs/ramfs/inode.c:ramfs_get_inode.</summary>
    public static InodeReference GetInode(SuperBlock sb, Inode dir, uint mode, uint dev)
    {
        InodeReference reference = sb.NewInode();
        Inode inode = reference.Borrow();
        inode.SetNumber(Libfs.GetNextIno(sb));
        inode.InitOwner(dir, mode);
        inode.SetAllTimesCurrent();
        switch (mode & UMode.S_IFMT)
        {
            default:
                inode.InitSpecial(mode, dev);
                break;
            case UMode.S_IFREG:
                inode.SetOperations(RamfsFileInodeOps.Table);
                inode.SetFileOperations(RamfsFileOps.Table);
                break;
            case UMode.S_IFDIR:
                inode.SetOperations(RamfsDirInodeOps.Table);
                inode.SetFileOperations(Libfs.SimpleDirOperations);
                // directory inodes start off with i_nlink == 2 (for "." entry)
                inode.IncLink();
                break;
            case UMode.S_IFLNK:
                inode.SetOperations(Libfs.SimpleSymlinkInodeOperations);
                break;
        }
        return reference;
    }

    /// <summary>mirrors fs/ramfs/inode.c:ramfs_mknod.</summary>
    public static KResult Mknod(Inode dir, Dentry dentry, uint mode, uint dev)
    {
        using InodeReference inode = GetInode(dir.SuperBlock, dir, mode, dev);
        dentry.Instantiate(inode);
        dentry.Pin(); // Extra count - pin the dentry in core
        dir.SetMtimeCtimeCurrent();
        return KResult.Ok;
    }

    /// <summary>mirrors fs/ramfs/inode.c:ramfs_fill_super.</summary>
    public static KResult FillSuper(SuperBlock sb, FsContext fc)
    {
        Info info = sb.FsInfo<Info>() ?? new Info();
        sb.MaxBytes = Libfs.MaxLfsFileSize;
        sb.BlockSize = Libfs.PageSize;
        sb.Magic = Libfs.RamfsMagic;
        sb.SetOperations(RamfsSuperOps.Table);
        sb.TimeGranularity = 1;
        using InodeReference root = GetInode(sb, default, UMode.S_IFDIR | info.Mode, 0);
        return sb.MakeRoot(root);
    }

    /// <summary>mirrors fs/ramfs/inode.c:ramfs_init_fs_context.</summary>
    public static KResult InitFsContext(FsContext fc, OpsTable<FsContextOperations> operations)
    {
        fc.SetFsInfo(new Info());
        fc.SetOperations(operations);
        return KResult.Ok;
    }

    /// <summary>mirrors fs/ramfs/inode.c:ramfs_parse_param: mode= (octal); every other option is ignored, as ramfs always has.</summary>
    public static KResult ParseParam(FsContext fc, FsParameter param)
    {
        if (param.Key != "mode") return param.Key == "source" ? Errno.ENOPARAM : KResult.Ok;
        KResult parsed = param.TryParseOctal(out uint mode);
        if (!parsed.IsOk)
        {
            CurrentTask.Printk($"ramfs: Bad value for '{param.Key}'");
            return parsed;
        }
        fc.FsInfo<Info>()!.Mode = mode & UMode.S_IALLUGO;
        return KResult.Ok;
    }
}

[InodeOperations]
internal static partial class RamfsDirInodeOps
{
    [Create]
    private static KResult Create(Inode dir, Dentry dentry, uint mode, bool exclusive) => Ramfs.Mknod(dir, dentry, mode | UMode.S_IFREG, 0);

    [Lookup]
    private static KResult Lookup(Inode dir, Dentry dentry, LookupFlags flags) => Libfs.SimpleLookup(dir, dentry, flags);

    [Link]
    private static KResult Link(Dentry oldDentry, Inode dir, Dentry dentry) => Libfs.SimpleLink(oldDentry, dir, dentry);

    [Unlink]
    private static KResult Unlink(Inode dir, Dentry dentry) => Libfs.SimpleUnlink(dir, dentry);

    // mirrors fs/ramfs/inode.c:ramfs_symlink
    [Symlink]
    private static KResult Symlink(Inode dir, Dentry dentry, ReadOnlySpan<byte> target)
    {
        using InodeReference inode = Ramfs.GetInode(dir.SuperBlock, dir, UMode.S_IFLNK | UMode.S_IRWXUGO, 0);
        KResult error = Libfs.PageSymlink(inode.Borrow(), target);
        if (!error.IsOk) return error;
        dentry.Instantiate(inode);
        dentry.Pin();
        dir.SetMtimeCtimeCurrent();
        return KResult.Ok;
    }

    // mirrors fs/ramfs/inode.c:ramfs_mkdir
    [Mkdir]
    private static KResult Mkdir(Inode dir, Dentry dentry, uint mode)
    {
        KResult retval = Ramfs.Mknod(dir, dentry, mode | UMode.S_IFDIR, 0);
        if (retval.IsOk) dir.IncLink();
        return retval;
    }

    [Rmdir]
    private static KResult Rmdir(Inode dir, Dentry dentry) => Libfs.SimpleRmdir(dir, dentry);

    [Mknod]
    private static KResult Mknod(Inode dir, Dentry dentry, uint mode, uint device) => Ramfs.Mknod(dir, dentry, mode, device);

    [Rename]
    private static KResult Rename(Inode oldDir, Dentry oldDentry, Inode newDir, Dentry newDentry, RenameFlags flags) =>
        Libfs.SimpleRename(oldDir, oldDentry, newDir, newDentry, flags);

    // mirrors fs/ramfs/inode.c:ramfs_tmpfile
    [Tmpfile]
    private static KResult Tmpfile(Inode dir, FileRef file, uint mode)
    {
        using InodeReference inode = Ramfs.GetInode(dir.SuperBlock, dir, mode, 0);
        return Libfs.DTmpfile(file, inode);
    }
}

/// <summary>fs/ramfs/file-mmu.c's ramfs_file_inode_operations.</summary>
[InodeOperations]
internal static partial class RamfsFileInodeOps
{
    [Setattr]
    private static KResult Setattr(Dentry dentry, Iattr attributes) => Libfs.SimpleSetattr(dentry, attributes);

    [Getattr]
    private static KResult Getattr(Dentry dentry, Kstat stat, StatxMask requestMask, uint queryFlags) => Libfs.SimpleGetattr(dentry, stat, requestMask, queryFlags);
}

/// <summary>fs/ramfs/file-mmu.c's ramfs_file_operations.</summary>
[FileOperations]
internal static partial class RamfsFileOps
{
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => Libfs.GenericFileRead(file, destination, ref position);

    [Write]
    private static KResult<nuint> Write(FileRef file, UserSliceReader source, ref long position) => Libfs.GenericFileWrite(file, source, ref position);

    [Lseek]
    private static KResult<long> Lseek(FileRef file, long offset, Whence whence) => Libfs.GenericFileLlseek(file, offset, whence);

    [Fsync]
    private static KResult Fsync(FileRef file, long start, long end, bool dataSync) => Libfs.NoopFsync(file, start, end, dataSync);
}

/// <summary>fs/ramfs/inode.c's ramfs_ops.</summary>
[SuperOperations]
internal static partial class RamfsSuperOps
{
    [Statfs]
    private static KResult Statfs(Dentry dentry, Kstatfs buffer) => Libfs.SimpleStatfs(dentry, buffer);

    [DropInode]
    private static bool DropInode(Inode inode) => Libfs.GenericDeleteInode(inode);
}

/// <summary>fs/ramfs/inode.c's ramfs_context_ops.</summary>
[FsContextOperations]
internal static partial class RamfsContextOps
{
    [ParseParam]
    private static KResult ParseParam(FsContext context, FsParameter parameter) => Ramfs.ParseParam(context, parameter);

    [GetTree]
    private static KResult GetTree(FsContext context) => Libfs.GetTreeNodev(context, Ramfs.FillSuper);
}

/// <summary>ramfs: the type "ramfs" (FS_USERNS_MOUNT).</summary>
[FileSystemType(Name = "ramfs", Flags = FsFlags.UserNsMount)]
internal static partial class RamfsType
{
    [InitFsContext]
    private static KResult InitFsContext(FsContext context) => Ramfs.InitFsContext(context, RamfsContextOps.Table);

    // mirrors fs/ramfs/inode.c:ramfs_kill_sb (s_fs_info is freed with the superblock)
    [KillSuperBlock]
    private static void KillSb(SuperBlock superBlock) => Libfs.KillLitterSuper(superBlock);
}

/// <summary>init/do_mounts.c's rootfs on ramfs: what "/" is.</summary>
[FileSystemType(Name = "rootfs")]
internal static partial class RootfsType
{
    [InitFsContext]
    private static KResult InitFsContext(FsContext context) => Ramfs.InitFsContext(context, RamfsContextOps.Table);

    [KillSuperBlock]
    private static void KillSb(SuperBlock superBlock) => Libfs.KillLitterSuper(superBlock);
}

/// <summary>drivers/base/devtmpfs.c's context: every mount of devtmpfs shows the one superblock the kernel made at boot.</summary>
[FsContextOperations]
internal static partial class DevtmpfsContextOps
{
    [ParseParam]
    private static KResult ParseParam(FsContext context, FsParameter parameter) => Ramfs.ParseParam(context, parameter);

    [GetTree]
    private static KResult GetTree(FsContext context) => Libfs.GetTreeSingle(context, Ramfs.FillSuper);
}

/// <summary>devtmpfs: ramfs semantics, one superblock, mounted at /dev.</summary>
[FileSystemType(Name = "devtmpfs")]
internal static partial class DevtmpfsType
{
    [InitFsContext]
    private static KResult InitFsContext(FsContext context) => Ramfs.InitFsContext(context, DevtmpfsContextOps.Table);

    [KillSuperBlock]
    private static void KillSb(SuperBlock superBlock) => Libfs.KillLitterSuper(superBlock);
}
