using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// fs/anon_inodes.c: the pseudo file system behind files with no name (a GPIO line request, an
/// eventfd). The kernel mounts it for itself at boot (anon_inode_init's kern_mount; the type is not
/// registered, so no <c>mount -t</c> finds it and /proc/filesystems does not list it) and every
/// anonymous file shares its one inode, <c>anon_inode_inode</c> (mode 0600 with no file type, as
/// alloc_anon_inode makes it), through a dentry of its own that no directory holds.
/// </summary>
internal sealed class AnonInodes
{
    /// <summary>ANON_INODE_FS_MAGIC (include/uapi/linux/magic.h).</summary>
    public const ulong Magic = 0x09041934;

    private readonly Kernel _kernel;
    private VfsMount? _mount;
    private VfsInode? _inode;

    public AnonInodes(Kernel kernel) => _kernel = kernel;

    /// <summary>mirrors fs/anon_inodes.c:anon_inode_init: the kernel's mount and anon_inode_inode.</summary>
    public void Boot()
    {
        _mount = _kernel.KernMount(_kernel.FileSystems.Unlisted(AnonInodeFsType.Table), "anon_inodefs");
        _inode = AllocAnonInode(_mount.Sb);
    }

    /// <summary>
    /// mirrors fs/libfs.c:alloc_anon_inode: a new inode numbered by get_next_ino, mode S_IRUSR|S_IWUSR
    /// and no type, owned by the caller's fsuid/fsgid, S_PRIVATE, with empty f_op.
    /// </summary>
    private static unsafe VfsInode AllocAnonInode(VfsSuperBlock sb)
    {
        VfsInode inode = sb.NewInode();
        NativeInode* i = inode.Native;
        // SAFETY: a new inode no one else can reach yet.
        i->i_ino = sb.Kernel.Vfs.GetNextIno();
        i->i_mode = UMode.S_IRUSR | UMode.S_IWUSR;
        Credentials cred = CurrentCred.Get();
        i->i_uid = cred.Fsuid;
        i->i_gid = cred.Fsgid;
        i->i_flags |= InodeFlags.Private;
        inode.SetFileDispatch(NoOpsDispatch.Empty);
        new Inode(i).SetAllTimesCurrent();
        return inode;
    }

    /// <summary>
    /// mirrors fs/anon_inodes.c:anon_inode_getfile (ihold of anon_inode_inode, then
    /// fs/file_table.c:alloc_file_pseudo): a new file named <paramref name="name"/> on
    /// anon_inode_inode, served by <paramref name="dispatch"/>, with f_flags
    /// <paramref name="flags"/> &amp; (O_ACCMODE | O_NONBLOCK). The caller sets f_mode and the rest.
    /// </summary>
    public unsafe OpenFile GetFile(string name, FileDispatch dispatch, OpenFlags flags, Credentials cred)
    {
        VfsMount mount = _mount ?? throw new System.ObjectDisposedException(nameof(AnonInodes));
        VfsInode inode = _inode!;
        inode.Hold(); // ihold(anon_inode_inode): the pseudo dentry's reference
        // d_alloc_pseudo: a dentry no directory holds, freed with its last reference
        VfsDentry dentry = Dcache.AllocPseudo(mount.Sb, Dcache.FromDisplay(name));
        Dcache.Instantiate(dentry, inode);
        mount.Get();
        OpenFile file = OpenFile.Allocate(_kernel.Counters, flags & (OpenFlags.O_ACCMODE | OpenFlags.O_NONBLOCK), cred);
        file.SetPath(new VfsPath(mount, dentry));
        file.Dispatch = dispatch;
        // SAFETY: the anon inode is pinned by this object for the model's lifetime and the new file's NativeFile was just allocated by OpenFile.Allocate.
        file.File->f_op = dispatch.Ops;
        return file;
    }

    /// <summary>Kernel shutdown, after every process closed its files: iput of anon_inode_inode and the kernel's mount.</summary>
    public void Shutdown()
    {
        _inode?.Put();
        _inode = null;
        _mount?.Put();
        _mount = null;
    }
}

/// <summary>fs/anon_inodes.c's anon_inode_fs_type: a pseudo file system (init_pseudo), never mounted by user space.</summary>
[FileSystemType(Name = "anon_inodefs")]
internal static partial class AnonInodeFsType
{
    [InitFsContext]
    private static KResult InitFsContext(FsContext context)
    {
        context.SetOperations(AnonInodeFsContextOps.Table);
        return KResult.Ok;
    }

    [KillSuperBlock]
    private static void KillSb(SuperBlock superBlock) => Libfs.KillAnonSuper(superBlock);
}

/// <summary>fs/libfs.c's pseudo_fs_context_ops for anon_inodefs.</summary>
[FsContextOperations]
internal static partial class AnonInodeFsContextOps
{
    [GetTree]
    private static KResult GetTree(FsContext context) => Libfs.GetTreeNodev(context, FillSuper);

    // mirrors fs/libfs.c:pseudo_fs_fill_super: SB_NOUSER, the magic, a root directory inode 1 (0600)
    private static KResult FillSuper(SuperBlock sb, FsContext context)
    {
        sb.Flags |= SuperBlockFlags.NoUser;
        sb.Magic = AnonInodes.Magic;
        sb.BlockSize = Libfs.PageSize;
        sb.SetOperations(AnonInodeFsSuperOps.Table);
        sb.TimeGranularity = 1;
        using InodeReference root = sb.NewInode();
        Inode inode = root.Borrow();
        inode.SetNumber(1);
        inode.SetMode(UMode.S_IFDIR | UMode.S_IRUSR | UMode.S_IWUSR);
        inode.SetAllTimesCurrent();
        return sb.MakeRoot(root);
    }
}

/// <summary>fs/libfs.c's simple_super_operations.</summary>
[SuperOperations]
internal static partial class AnonInodeFsSuperOps
{
    [Statfs]
    private static KResult Statfs(Dentry dentry, Kstatfs buffer) => Libfs.SimpleStatfs(dentry, buffer);

    [DropInode]
    private static bool DropInode(Inode inode) => Libfs.GenericDeleteInode(inode);
}
