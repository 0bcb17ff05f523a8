using System;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

/// <summary>
/// fill_super for <see cref="Libfs.GetTreeNodev"/> and <see cref="Libfs.GetTreeSingle"/>: set up the new
/// superblock (magic, block size, operations) and make its root with <see cref="SuperBlock.MakeRoot"/>.
/// </summary>
public delegate KResult FillSuperCallback(SuperBlock superBlock, FsContext context);

/// <summary>
/// The library a file system delegates to, as Linux's file systems delegate to fs/libfs.c and
/// fs/super.c (the seed's module calls the kernel's own simple_* helpers through bindgen): superblock
/// setup and teardown, the dcache-backed directory operations of a RAM file system, page-cache file
/// I/O, and the common answers (simple_statfs, generic_delete_inode, noop_fsync).
/// </summary>
public static class Libfs
{
    /// <summary>RAMFS_MAGIC (include/uapi/linux/magic.h).</summary>
    public const ulong RamfsMagic = 0x858458f6;

    /// <summary>MAX_LFS_FILESIZE on 64-bit: the s_maxbytes of a RAM file system.</summary>
    public const long MaxLfsFileSize = long.MaxValue;

    /// <summary>PAGE_SIZE.</summary>
    public const int PageSize = 4096;

    /// <summary>mirrors fs/inode.c:get_next_ino: a fresh inode number, unique in the superblock's kernel.</summary>
    public static ulong GetNextIno(SuperBlock superBlock) => superBlock.Managed.Kernel.Vfs.GetNextIno();

    /// <summary>mirrors fs/inode.c:new_inode.</summary>
    public static InodeReference NewInode(SuperBlock superBlock) => superBlock.NewInode();

    /// <summary>
    /// mirrors fs/super.c:get_tree_nodev: a new, independent superblock for every mount (what the
    /// seed's ramfs declares: "our superblock is independent"), filled by <paramref name="fill"/>.
    /// </summary>
    public static KResult GetTreeNodev(FsContext context, FillSuperCallback fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        VfsFsContext fc = context.Managed;
        VfsSuperBlock? sb = VfsSuperBlock.Alloc(fc.Kernel, fc.Type);
        if (sb is null) return Errno.ENODEV;
        return FillAndSetRoot(fc, sb, fill);
    }

    /// <summary>
    /// mirrors fs/super.c:get_tree_single: one superblock for the type, made (and filled) by the
    /// first mount and shared by the later ones (proc, sysfs, debugfs, devtmpfs).
    /// </summary>
    public static KResult GetTreeSingle(FsContext context, FillSuperCallback fill)
    {
        ArgumentNullException.ThrowIfNull(fill);
        VfsFsContext fc = context.Managed;
        foreach (VfsSuperBlock existing in fc.Type.Supers)
        {
            if (existing.Dying || existing.Root is null || !existing.TryGetActive()) continue;
            existing.Root.Get();
            fc.SetRoot(existing.Root);
            return KResult.Ok;
        }
        VfsSuperBlock? sb = VfsSuperBlock.Alloc(fc.Kernel, fc.Type);
        if (sb is null) return Errno.ENODEV;
        return FillAndSetRoot(fc, sb, fill);
    }

    // mirrors fs/super.c:vfs_get_super: sget_fc hands s_fs_info over; a failed fill_super deactivates
    private static unsafe KResult FillAndSetRoot(VfsFsContext fc, VfsSuperBlock sb, FillSuperCallback fill)
    {
        sb.AdoptFsInfoWord(fc.TakeFsInfoWord());
        // SAFETY: the superblock and fs_context are held by the mount in progress (or the statfs buffer is the caller's for the call), so the native structs stay allocated for this call.
        sb.Native->s_flags |= fc.Native->sb_flags;
        KResult result;
        try
        {
            result = fill(new SuperBlock(sb.Native), new FsContext(fc.Native));
        }
        catch
        {
            sb.Deactivate();
            throw;
        }
        if (!result.IsOk || sb.Root is null)
        {
            sb.Deactivate();
            return result.IsOk ? Errno.ENOMEM : result;
        }
        sb.Native->s_flags |= SuperBlockFlags.Active;
        sb.Root.Get();
        fc.SetRoot(sb.Root);
        return KResult.Ok;
    }

    /// <summary>
    /// mirrors fs/super.c:kill_litter_super: drops the pins of every dentry in the tree (d_genocide),
    /// then kill_anon_super (generic_shutdown_super: dentries freed, inodes evicted, put_super).
    /// </summary>
    public static void KillLitterSuper(SuperBlock superBlock)
    {
        VfsSuperBlock sb = superBlock.Managed;
        if (sb.Root is not null) Dcache.Genocide(sb.Root);
        sb.GenericShutdown();
    }

    /// <summary>mirrors fs/super.c:kill_anon_super: generic_shutdown_super (the anonymous device is freed with the superblock).</summary>
    public static void KillAnonSuper(SuperBlock superBlock) => superBlock.Managed.GenericShutdown();

    /// <summary>
    /// mirrors fs/libfs.c:simple_lookup: in a RAM file system a name not in the dcache does not exist:
    /// the dentry is added negative (and dropped as soon as it is unused: always_delete_dentry).
    /// ENAMETOOLONG beyond NAME_MAX.
    /// </summary>
    public static KResult SimpleLookup(Inode dir, Dentry dentry, LookupFlags flags)
    {
        if (dentry.NameBytes.Length > Vfs.NameMax) return Errno.ENAMETOOLONG;
        VfsDentry d = dentry.Managed;
        d.Ops ??= DentryOperations.AlwaysDelete; // d_set_d_op(dentry, &simple_dentry_operations) unless s_d_op
        Dcache.Add(d, null);
        return KResult.Ok;
    }

    /// <summary>mirrors fs/libfs.c:simple_link: one more name for the inode (ihold, inc_nlink), pinned.</summary>
    public static KResult SimpleLink(Dentry oldDentry, Inode dir, Dentry dentry)
    {
        Inode inode = oldDentry.Inode;
        KernelTimespec now = dir.CurrentTime();
        inode.Ctime = now;
        dir.Ctime = now;
        dir.Mtime = now;
        inode.IncLink();
        InodeReference reference = inode.GetReference(); // ihold
        dentry.Pin();                                    // dget
        dentry.Instantiate(reference);
        return KResult.Ok;
    }

    /// <summary>mirrors fs/libfs.c:simple_unlink: drop_nlink and the pin (the VFS's d_delete follows).</summary>
    public static KResult SimpleUnlink(Inode dir, Dentry dentry)
    {
        Inode inode = dentry.Inode;
        KernelTimespec now = dir.CurrentTime();
        inode.Ctime = now;
        dir.Ctime = now;
        dir.Mtime = now;
        inode.DropLink();
        dentry.Unpin();
        return KResult.Ok;
    }

    /// <summary>mirrors fs/libfs.c:simple_rmdir: ENOTEMPTY unless empty; then the links of ".", "..", and the name.</summary>
    public static KResult SimpleRmdir(Inode dir, Dentry dentry)
    {
        if (!dentry.IsEmptyDirectory) return Errno.ENOTEMPTY;
        dentry.Inode.DropLink();
        SimpleUnlink(dir, dentry);
        dir.DropLink();
        return KResult.Ok;
    }

    /// <summary>
    /// mirrors fs/libfs.c:simple_rename (with simple_rename_exchange and simple_rename_timestamp):
    /// flags beyond RENAME_NOREPLACE and RENAME_EXCHANGE are EINVAL; an exchange only moves the
    /// directory links; a rename over a non-empty directory is ENOTEMPTY, over an existing name
    /// unlinks it first; a directory changing parents moves its ".." link.
    /// </summary>
    public static KResult SimpleRename(Inode oldDir, Dentry oldDentry, Inode newDir, Dentry newDentry, RenameFlags flags)
    {
        bool theyAreDirs = oldDentry.Inode.IsDirectory;
        if ((flags & ~(RenameFlags.NoReplace | RenameFlags.Exchange)) != 0) return Errno.EINVAL;
        if ((flags & RenameFlags.Exchange) != 0) return SimpleRenameExchange(oldDir, oldDentry, newDir, newDentry);
        if (newDentry.IsPositive && !newDentry.IsEmptyDirectory) return Errno.ENOTEMPTY;
        if (newDentry.IsPositive)
        {
            SimpleUnlink(newDir, newDentry);
            if (theyAreDirs)
            {
                newDentry.Inode.DropLink();
                oldDir.DropLink();
            }
        }
        else if (theyAreDirs)
        {
            oldDir.DropLink();
            newDir.IncLink();
        }
        SimpleRenameTimestamp(oldDir, oldDentry, newDir, newDentry);
        return KResult.Ok;
    }

    /// <summary>mirrors fs/libfs.c:simple_rename_exchange.</summary>
    public static unsafe KResult SimpleRenameExchange(Inode oldDir, Dentry oldDentry, Inode newDir, Dentry newDentry)
    {
        bool oldIsDir = oldDentry.Inode.IsDirectory;
        bool newIsDir = newDentry.Inode.IsDirectory;
        if (oldDir.Pointer != newDir.Pointer && oldIsDir != newIsDir)
        {
            if (oldIsDir)
            {
                oldDir.DropLink();
                newDir.IncLink();
            }
            else
            {
                newDir.DropLink();
                oldDir.IncLink();
            }
        }
        SimpleRenameTimestamp(oldDir, oldDentry, newDir, newDentry);
        return KResult.Ok;
    }

    /// <summary>mirrors fs/libfs.c:simple_rename_timestamp.</summary>
    public static unsafe void SimpleRenameTimestamp(Inode oldDir, Dentry oldDentry, Inode newDir, Dentry newDentry)
    {
        oldDir.SetMtimeCtimeCurrent();
        if (newDir.Pointer != oldDir.Pointer) newDir.SetMtimeCtimeCurrent();
        oldDentry.Inode.SetCtimeCurrent();
        if (newDentry.IsPositive) newDentry.Inode.SetCtimeCurrent();
    }

    /// <summary>
    /// mirrors fs/libfs.c:simple_getattr: generic_fillattr, with st_blocks the pages the file has in
    /// the page cache (nrpages &lt;&lt; 3), as a RAM file system reports it.
    /// </summary>
    public static unsafe KResult SimpleGetattr(Dentry dentry, Kstat stat, StatxMask requestMask, uint queryFlags)
    {
        VfsInode inode = VfsInode.FromNative(dentry.Inode.Pointer);
        FsStat.GenericFillattr(inode, stat.Pointer);
        stat.Blocks = (ulong)(Volatile.Read(ref inode.Mapping)?.PageCount ?? 0) << 3;
        return KResult.Ok;
    }

    /// <summary>mirrors fs/libfs.c:simple_setattr: setattr_prepare, truncate_setsize, setattr_copy.</summary>
    public static unsafe KResult SimpleSetattr(Dentry dentry, Iattr attributes)
    {
        int error = Attr.SimpleSetattr(dentry.Managed, attributes.Pointer);
        return error == 0 ? KResult.Ok : (Errno)(-error);
    }

    /// <summary>mirrors fs/libfs.c:simple_statfs: the magic, PAGE_SIZE blocks, NAME_MAX, the fsid from s_dev; no block or inode counts.</summary>
    public static unsafe KResult SimpleStatfs(Dentry dentry, Kstatfs buffer)
    {
        SuperBlock sb = dentry.SuperBlock;
        buffer.Type = (long)sb.Magic;
        buffer.BlockSize = PageSize;
        buffer.NameLength = Vfs.NameMax;
        // SAFETY: the superblock and fs_context are held by the mount in progress (or the statfs buffer is the caller's for the call), so the native structs stay allocated for this call.
        buffer.Pointer->f_fsid0 = (int)DeviceNumber.ToUser(sb.Device); // u64_to_fsid(huge_encode_dev(s_dev))
        buffer.Pointer->f_fsid1 = 0;
        return KResult.Ok;
    }

    /// <summary>mirrors fs/inode.c:generic_delete_inode: evict at the last iput (a RAM file system keeps nothing cached).</summary>
    public static bool GenericDeleteInode(Inode inode) => true;

    /// <summary>mirrors fs/libfs.c:noop_fsync.</summary>
    public static KResult NoopFsync(FileRef file, long start, long end, bool dataSync) => KResult.Ok;

    /// <summary>mirrors fs/read_write.c:generic_file_llseek (i_size as the end; SEEK_DATA/SEEK_HOLE see no holes).</summary>
    public static KResult<long> GenericFileLlseek(FileRef file, long offset, Whence whence) =>
        Llseek.GenericFileLlseekSize(file, offset, whence, file.Inode.SuperBlock.MaxBytes, file.Inode.Size);

    /// <summary>
    /// mirrors mm/filemap.c:generic_file_read_iter for a RAM file: from the page cache up to i_size
    /// (pages the read touches are made zero-filled, as simple_read_folio does).
    /// </summary>
    public static KResult<nuint> GenericFileRead(FileRef file, UserSliceWriter destination, ref long position) =>
        PageCache.Read(ModelFile(file), ref destination, ref position);

    /// <summary>
    /// mirrors mm/filemap.c:generic_file_write_iter: under the inode lock, O_APPEND at i_size, EFBIG
    /// at s_maxbytes, set-id bits removed, m/ctime updated, then the bytes into the page cache and
    /// i_size extended.
    /// </summary>
    public static KResult<nuint> GenericFileWrite(FileRef file, UserSliceReader source, ref long position) =>
        PageCache.Write(ModelFile(file), ref source, ref position);

    /// <summary>
    /// mirrors fs/namei.c:page_symlink (and simple_get_link's i_link): keeps <paramref name="target"/>
    /// as the symlink's body and sets i_size to its length.
    /// </summary>
    public static KResult PageSymlink(Inode inode, ReadOnlySpan<byte> target)
    {
        inode.SetLinkTarget(target);
        return KResult.Ok;
    }

    /// <summary>
    /// mirrors fs/dcache.c:d_tmpfile, for a ->tmpfile handler: the new inode (taken over) gets no
    /// link and becomes the O_TMPFILE file's inode. The VFS finishes the open (finish_open_simple).
    /// </summary>
    public static KResult DTmpfile(FileRef file, InodeReference inode)
    {
        ArgumentNullException.ThrowIfNull(inode);
        OpenFile f = ModelFile(file);
        Inode view = inode.Borrow();
        view.DropLink(); // inode_dec_link_count: an O_TMPFILE inode has no name
        Dcache.Instantiate(f.Path.Dentry, inode.Take());
        return KResult.Ok;
    }

    /// <summary>
    /// fs/libfs.c's <c>simple_dir_operations</c>: dcache_dir_open/close (a cursor in the directory's
    /// child list), dcache_dir_lseek, generic_read_dir (EISDIR), dcache_readdir (the positive,
    /// hashed children, newest first, after "." and ".."), noop_fsync.
    /// </summary>
    public static OpsTable<FileOperations> SimpleDirOperations => SimpleDirOps.Table;

    /// <summary>fs/libfs.c's <c>simple_dir_inode_operations</c>: lookup only (simple_lookup).</summary>
    public static OpsTable<InodeOperations> SimpleDirInodeOperations => SimpleDirInodeOps.Table;

    /// <summary>fs/libfs.c's <c>simple_symlink_inode_operations</c> (and page_symlink_inode_operations): get_link from i_link.</summary>
    public static OpsTable<InodeOperations> SimpleSymlinkInodeOperations => SimpleSymlinkInodeOps.Table;

    private static unsafe OpenFile ModelFile(FileRef file) =>
        OpenFile.FromNative(file.Pointer) ?? throw new InvalidOperationException("The file is not a kernel-model file.");
}
