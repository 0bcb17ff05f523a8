using System;
using KernelOps;
using KernelOps.Model;

namespace KernelOps.Samples.RamFs;

/// <summary>
/// The seed's module (<c>module! { type: RustRamfs, name: "rust_ramfs", ... }</c>): its init
/// registers the file system type "rust_ramfs"; unloading unregisters it, which the kernel refuses
/// (rmmod: EAGAIN) while a superblock of the type exists, because every superblock pins the module
/// that owns its type.
/// </summary>
public sealed class RustRamfsModule : IKernelModule
{
    private FileSystemRegistration? _registration;

    /// <summary>The module's (and the type's) name.</summary>
    public const string ModuleName = "rust_ramfs";

    /// <inheritdoc/>
    public string Name => ModuleName;

    /// <inheritdoc/>
    public KResult Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // register_filesystem(&rust_ramfs_fs_type), with THIS_MODULE as the type's owner
        _registration = context.FileSystems.Register(RustRamfsType.Table);
        return KResult.Ok;
    }

    /// <inheritdoc/>
    public void Exit()
    {
        // unregister_filesystem: the kernel only calls exit once no superblock pins the module
        _registration?.Dispose();
        _registration = null;
    }

    /// <summary>insmod rust_ramfs.ko.</summary>
    public static LoadedModule Install(Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        return kernel.Modules.Load(new RustRamfsModule());
    }
}

/// <summary>
/// The seed's <c>State</c>: what one mount was asked for, carried from the mount's context (where
/// <c>-&gt;parse_param</c> fills it) to its superblock (<c>s_fs_info</c>), so every superblock has
/// its own (<c>Super::Independent</c>).
/// </summary>
public sealed class RustRamfsState
{
    /// <summary>RAMFS_DEFAULT_MODE: the root directory's permissions unless <c>mode=</c> says otherwise.</summary>
    public const uint DefaultMode = 0x1ED; // 0755

    /// <summary>The root directory's permission bits (<c>mode=</c>, octal).</summary>
    public uint Mode { get; set; } = DefaultMode;
}

/// <summary>
/// <c>struct file_system_type rust_ramfs_fs_type</c>: the name mount -t finds and FS_USERNS_MOUNT,
/// which the seed sets because everything a user does in it stays in RAM and goes at umount.
/// </summary>
[FileSystemType(Name = RustRamfsModule.ModuleName, Flags = FsFlags.UserNsMount)]
internal static partial class RustRamfsType
{
    // The seed's fs::Context::try_new: a fresh State per mount attempt, and the context's operations.
    [InitFsContext]
    private static KResult InitFsContext(FsContext context)
    {
        context.SetFsInfo(new RustRamfsState());
        context.SetOperations(RustRamfsContext.Table);
        return KResult.Ok;
    }

    // ramfs_kill_sb: kill_litter_super drops the pinned dentries of every file, then the superblock
    [KillSuperBlock]
    private static void KillSuperBlock(SuperBlock superBlock) => Libfs.KillLitterSuper(superBlock);
}

/// <summary>The seed's <c>impl fs::Context</c>: mount options into the <see cref="RustRamfsState"/>, and get_tree.</summary>
[FsContextOperations]
internal static partial class RustRamfsContext
{
    // ramfs_parse_param: mode= is octal; "source" goes back to the VFS (-ENOPARAM); ramfs has
    // always ignored any other option, and so does the seed's
    [ParseParam]
    private static KResult ParseParam(FsContext context, FsParameter parameter)
    {
        if (parameter.Key == "source") return Errno.ENOPARAM;
        if (parameter.Key != "mode") return KResult.Ok;
        KResult parsed = parameter.TryParseOctal(out uint mode);
        if (!parsed.IsOk) return parsed;
        context.FsInfo<RustRamfsState>()!.Mode = mode & UMode.S_IALLUGO;
        return KResult.Ok;
    }

    // Super::Independent: get_tree_nodev, a new superblock (and an anonymous st_dev) per mount
    [GetTree]
    private static KResult GetTree(FsContext context) => Libfs.GetTreeNodev(context, RustRamfs.FillSuper);
}

/// <summary><c>ramfs_ops</c>: statfs and drop_inode from libfs, as the seed takes the kernel's.</summary>
[SuperOperations]
internal static partial class RustRamfsSuper
{
    [Statfs]
    private static KResult Statfs(Dentry dentry, Kstatfs buffer) => Libfs.SimpleStatfs(dentry, buffer);

    // generic_delete_inode: an inode whose last link and last user are gone is evicted at once
    [DropInode]
    private static bool DropInode(Inode inode) => Libfs.GenericDeleteInode(inode);
}
