using System;
using KernelOps.Abi;

namespace KernelOps;

// The four VFS table kinds a file system is made of, and the handler attributes selecting their
// slots. Each kind attribute names its C struct with [OpsTableKind]; the struct's [OpsSlot] fields
// are the whole description the generator and the analyzers read (README, "How a table kind is
// described").

/// <summary>
/// Generates a <c>struct inode_operations</c> table for a static partial class: a <c>Table</c>
/// property whose slots point at generated thunks for the methods marked <see cref="LookupAttribute"/>,
/// <see cref="CreateAttribute"/>, <see cref="MkdirAttribute"/>, ... and are null for every other slot
/// (the VFS then answers as Linux does: EPERM, EACCES, generic_permission, simple_setattr ...).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
[OpsTableKind(typeof(InodeOperations))]
public sealed class InodeOperationsAttribute : Attribute
{
    /// <summary>Optional: the slots this type implements, by C field name; proved equal to the methods (KOPS0013).</summary>
    [DeclaredSlots]
    public string[]? Ops { get; set; }
}

/// <summary>Generates a <c>struct super_operations</c> table (statfs, drop_inode, evict_inode, put_super, ...).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
[OpsTableKind(typeof(SuperOperations))]
public sealed class SuperOperationsAttribute : Attribute
{
    /// <summary>Optional: the slots this type implements, by C field name; proved equal to the methods (KOPS0013).</summary>
    [DeclaredSlots]
    public string[]? Ops { get; set; }
}

/// <summary>
/// Generates a <c>struct file_system_type</c>: <see cref="Name"/> (required: what mount -t asks for),
/// <see cref="Flags"/>, and the <c>init_fs_context</c> and <c>kill_sb</c> slots. Register it from a
/// module with <c>context.FileSystems.Register(MyFs.Table)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
[OpsTableKind(typeof(FileSystemType))]
public sealed class FileSystemTypeAttribute : Attribute
{
    /// <summary><c>name</c>: the type's name (no '.', as register_filesystem requires). Required (KOPS0030).</summary>
    public string? Name { get; set; }

    /// <summary><c>fs_flags</c>.</summary>
    public FsFlags Flags { get; set; }

    /// <summary>Optional: the slots this type implements, by C field name; proved equal to the methods (KOPS0013).</summary>
    [DeclaredSlots]
    public string[]? Ops { get; set; }
}

/// <summary>Generates a <c>struct fs_context_operations</c> table (get_tree, parse_param, free, ...).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
[OpsTableKind(typeof(FsContextOperations))]
public sealed class FsContextOperationsAttribute : Attribute
{
    /// <summary>Optional: the slots this type implements, by C field name; proved equal to the methods (KOPS0013).</summary>
    [DeclaredSlots]
    public string[]? Ops { get; set; }
}

/// <summary><c>lookup</c>: <c>static KResult M(Inode dir, Dentry dentry, LookupFlags flags)</c>; d_add the dentry (positive or negative) and return Ok.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LookupAttribute : Attribute;

/// <summary><c>get_link</c>: <c>static KResult M(Dentry dentry, Inode inode, LinkTarget target)</c>; set the target.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GetLinkAttribute : Attribute;

/// <summary><c>permission</c>: <c>static KResult M(Inode inode, MayMask mask)</c>; Ok grants, EACCES/EPERM refuses.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class PermissionAttribute : Attribute;

/// <summary><c>create</c>: <c>static KResult M(Inode dir, Dentry dentry, uint mode, bool exclusive)</c>; instantiate the negative dentry with a new regular file.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class CreateAttribute : Attribute;

/// <summary><c>link</c>: <c>static KResult M(Dentry oldDentry, Inode dir, Dentry dentry)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LinkAttribute : Attribute;

/// <summary><c>unlink</c>: <c>static KResult M(Inode dir, Dentry dentry)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class UnlinkAttribute : Attribute;

/// <summary><c>symlink</c>: <c>static KResult M(Inode dir, Dentry dentry, ReadOnlySpan&lt;byte&gt; target)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class SymlinkAttribute : Attribute;

/// <summary><c>mkdir</c>: <c>static KResult M(Inode dir, Dentry dentry, uint mode)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class MkdirAttribute : Attribute;

/// <summary><c>rmdir</c>: <c>static KResult M(Inode dir, Dentry dentry)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class RmdirAttribute : Attribute;

/// <summary><c>mknod</c>: <c>static KResult M(Inode dir, Dentry dentry, uint mode, uint device)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class MknodAttribute : Attribute;

/// <summary><c>rename</c>: <c>static KResult M(Inode oldDir, Dentry oldDentry, Inode newDir, Dentry newDentry, RenameFlags flags)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class RenameAttribute : Attribute;

/// <summary><c>setattr</c>: <c>static KResult M(Dentry dentry, Iattr attributes)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class SetattrAttribute : Attribute;

/// <summary><c>getattr</c>: <c>static KResult M(Dentry dentry, Kstat stat, StatxMask requestMask, uint queryFlags)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GetattrAttribute : Attribute;

/// <summary><c>tmpfile</c>: <c>static KResult M(Inode dir, FileRef file, uint mode)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class TmpfileAttribute : Attribute;

/// <summary><c>drop_inode</c>: <c>static bool M(Inode inode)</c>; true evicts the inode at its last iput.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class DropInodeAttribute : Attribute;

/// <summary><c>evict_inode</c>: <c>static void M(Inode inode)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class EvictInodeAttribute : Attribute;

/// <summary><c>put_super</c>: <c>static void M(SuperBlock superBlock)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class PutSuperAttribute : Attribute;

/// <summary><c>umount_begin</c>: <c>static void M(SuperBlock superBlock)</c>, for umount2(MNT_FORCE).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class UmountBeginAttribute : Attribute;

/// <summary><c>sync_fs</c>: <c>static KResult M(SuperBlock superBlock, bool wait)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class SyncFsAttribute : Attribute;

/// <summary><c>statfs</c>: <c>static KResult M(Dentry dentry, Kstatfs buffer)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class StatfsAttribute : Attribute;

/// <summary><c>init_fs_context</c>: <c>static KResult M(FsContext context)</c>; set the context's operations.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class InitFsContextAttribute : Attribute;

/// <summary><c>kill_sb</c>: <c>static void M(SuperBlock superBlock)</c>; usually Libfs.KillLitterSuper.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class KillSuperBlockAttribute : Attribute;

/// <summary><c>free</c> (fs_context): <c>static void M(FsContext context)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class FreeFsContextAttribute : Attribute;

/// <summary><c>parse_param</c>: <c>static KResult M(FsContext context, FsParameter parameter)</c>; ENOPARAM for an unknown option.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ParseParamAttribute : Attribute;

/// <summary><c>parse_monolithic</c>: <c>static KResult M(FsContext context, ReadOnlySpan&lt;byte&gt; data)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ParseMonolithicAttribute : Attribute;

/// <summary><c>get_tree</c>: <c>static KResult M(FsContext context)</c>; usually Libfs.GetTreeNodev(context, FillSuper).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class GetTreeAttribute : Attribute;

/// <summary><c>reconfigure</c>: <c>static KResult M(FsContext context)</c>, for mount -o remount.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ReconfigureAttribute : Attribute;

/// <summary>
/// <c>iterate_shared</c> (file_operations): <c>static KResult M(FileRef file, DirContext context)</c>;
/// emit the directory's entries from <c>context.Position</c> on.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class IterateSharedAttribute : Attribute;
