using System;
using KernelOps;

namespace KernelOps.Samples.RamFs;

/// <summary>
/// The seed's inode code: <c>rust_create_inode</c>, <c>init_root</c> (through fill_super) and the
/// mknod family every creating operation goes through. The dcache is the directory structure: there
/// is no other, so each new dentry is pinned (the extra <c>dget</c>) and lives until it is unlinked.
/// </summary>
internal static class RustRamfs
{
    /// <summary>The seed's fill_super: the superblock's constants, then init_root.</summary>
    public static KResult FillSuper(SuperBlock superBlock, FsContext context)
    {
        RustRamfsState state = superBlock.FsInfo<RustRamfsState>() ?? new RustRamfsState();
        superBlock.MaxBytes = Libfs.MaxLfsFileSize;
        superBlock.BlockSize = Libfs.PageSize;
        superBlock.Magic = Libfs.RamfsMagic;
        superBlock.SetOperations(RustRamfsSuper.Table);
        superBlock.TimeGranularity = 1;
        return InitRoot(superBlock, state.Mode);
    }

    /// <summary>
    /// The seed's init_root: a directory inode with no parent (<c>inode_init_owner</c> makes it the
    /// mounter's), the simple directory file operations and the seed's directory inode operations,
    /// made the superblock's root with d_make_root.
    /// </summary>
    private static KResult InitRoot(SuperBlock superBlock, uint mode)
    {
        using InodeReference root = CreateInode(superBlock, default, UMode.S_IFDIR | mode, 0);
        return superBlock.MakeRoot(root);
    }

    /// <summary>
    /// The seed's <c>rust_create_inode</c> (fs/ramfs/inode.c:ramfs_get_inode): new_inode with the
    /// next inode number, its owner from the creating task and the directory (setgid directories
    /// pass on their group), times now, and the operations its type needs.
    /// </summary>
    public static InodeReference CreateInode(SuperBlock superBlock, Inode dir, uint mode, uint device)
    {
        InodeReference reference = superBlock.NewInode();
        Inode inode = reference.Borrow();
        inode.SetNumber(Libfs.GetNextIno(superBlock));
        inode.InitOwner(dir, mode);
        inode.SetAllTimesCurrent();
        switch (mode & UMode.S_IFMT)
        {
            case UMode.S_IFREG:
                // RUST_RAMFS_INODE_OPERATIONS and RUST_RAMFS_FILE_OPERATIONS: the seed's file
                inode.SetOperations(RustRamfsFileInode.Table);
                inode.SetFileOperations(RustRamfsFile.Table);
                break;
            case UMode.S_IFDIR:
                inode.SetOperations(RustRamfsDirInode.Table);
                inode.SetFileOperations(Libfs.SimpleDirOperations);
                inode.IncLink(); // a directory starts with two links: its name and its "."
                break;
            case UMode.S_IFLNK:
                inode.SetOperations(Libfs.SimpleSymlinkInodeOperations);
                break;
            default:
                inode.InitSpecial(mode, device); // FIFOs, sockets, device nodes: init_special_inode
                break;
        }
        return reference;
    }

    /// <summary>
    /// The seed's <c>rust_ramfs_mknod</c>: the inode, <c>d_instantiate</c>, the extra dget that pins
    /// the dentry (the dcache is the only copy of the tree) and the directory's mtime and ctime.
    /// </summary>
    public static KResult Mknod(Inode dir, Dentry dentry, uint mode, uint device)
    {
        using InodeReference inode = CreateInode(dir.SuperBlock, dir, mode, device);
        dentry.Instantiate(inode);
        dentry.Pin();
        dir.SetMtimeCtimeCurrent();
        return KResult.Ok;
    }
}

/// <summary>
/// <c>RUST_RAMFS_DIR_INODE_OPERATIONS</c>: the seed writes only what creates something; lookup,
/// link, unlink, rmdir and rename are the kernel's simple_* helpers, which work because the whole
/// tree is in the dcache.
/// </summary>
[InodeOperations]
internal static partial class RustRamfsDirInode
{
    // rust_ramfs_create: a regular file is mknod of S_IFREG
    [Create]
    private static KResult Create(Inode dir, Dentry dentry, uint mode, bool exclusive) => RustRamfs.Mknod(dir, dentry, mode | UMode.S_IFREG, 0);

    [Lookup]
    private static KResult Lookup(Inode dir, Dentry dentry, LookupFlags flags) => Libfs.SimpleLookup(dir, dentry, flags);

    [Link]
    private static KResult Link(Dentry oldDentry, Inode dir, Dentry dentry) => Libfs.SimpleLink(oldDentry, dir, dentry);

    [Unlink]
    private static KResult Unlink(Inode dir, Dentry dentry) => Libfs.SimpleUnlink(dir, dentry);

    // rust_ramfs_symlink: the target is kept as the inode's page (page_symlink)
    [Symlink]
    private static KResult Symlink(Inode dir, Dentry dentry, ReadOnlySpan<byte> target)
    {
        using InodeReference inode = RustRamfs.CreateInode(dir.SuperBlock, dir, UMode.S_IFLNK | UMode.S_IRWXUGO, 0);
        KResult error = Libfs.PageSymlink(inode.Borrow(), target);
        if (!error.IsOk) return error; // the reference's iput frees the half-made inode
        dentry.Instantiate(inode);
        dentry.Pin();
        dir.SetMtimeCtimeCurrent();
        return KResult.Ok;
    }

    // rust_ramfs_mkdir: the new directory's ".." is one more link on the parent
    [Mkdir]
    private static KResult Mkdir(Inode dir, Dentry dentry, uint mode)
    {
        KResult created = RustRamfs.Mknod(dir, dentry, mode | UMode.S_IFDIR, 0);
        if (created.IsOk) dir.IncLink();
        return created;
    }

    [Rmdir]
    private static KResult Rmdir(Inode dir, Dentry dentry) => Libfs.SimpleRmdir(dir, dentry);

    [Mknod]
    private static KResult Mknod(Inode dir, Dentry dentry, uint mode, uint device) => RustRamfs.Mknod(dir, dentry, mode, device);

    // simple_rename, with RENAME_NOREPLACE and RENAME_EXCHANGE (RENAME_WHITEOUT is EINVAL there)
    [Rename]
    private static KResult Rename(Inode oldDir, Dentry oldDentry, Inode newDir, Dentry newDentry, RenameFlags flags) =>
        Libfs.SimpleRename(oldDir, oldDentry, newDir, newDentry, flags);
}

/// <summary>
/// <c>RUST_RAMFS_INODE_OPERATIONS</c> (a file's): nothing to create inside a file, only attributes,
/// from libfs (simple_setattr truncates the page cache on a size change).
/// </summary>
[InodeOperations]
internal static partial class RustRamfsFileInode
{
    [Setattr]
    private static KResult Setattr(Dentry dentry, Iattr attributes) => Libfs.SimpleSetattr(dentry, attributes);

    [Getattr]
    private static KResult Getattr(Dentry dentry, Kstat stat, StatxMask requestMask, uint queryFlags) =>
        Libfs.SimpleGetattr(dentry, stat, requestMask, queryFlags);
}

/// <summary>
/// <c>RUST_RAMFS_FILE_OPERATIONS</c>: the data lives in the page cache and nowhere else, so the
/// generic read/write paths, llseek and a no-op fsync are the whole file.
/// </summary>
[FileOperations]
internal static partial class RustRamfsFile
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
