using System.Runtime.InteropServices;

namespace KernelOps.Abi;

/// <summary>
/// <c>struct file_system_type</c>, byte-identical to Linux 6.18 x86_64 (72 bytes; see
/// tests/KernelOps.Runtime.Tests/Fixtures/file_system_type.pahole.txt). Its last eight members are
/// <c>struct lock_class_key</c>s, which are empty without lockdep (size 0 at offset 72): C# has no
/// zero-sized fields, so the struct stops at <c>fs_supers</c> and its size is 72 as in C.
/// <c>name</c> and <c>fs_flags</c> are settings of the kind attribute (<see cref="FileSystemTypeAttribute"/>);
/// <c>init_fs_context</c> and <c>kill_sb</c> are slots. A generated table is read-only: the model keeps
/// the registration list (<c>next</c>) and the superblocks (<c>fs_supers</c>) itself, and pins the
/// module that registered the type instead of reading <c>owner</c>, so one table can be registered by
/// several kernels.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 72)]
public struct FileSystemType
{
    /// <summary><c>const char *name</c> (offset 0): the name mount(2) asks for, NUL-terminated.</summary>
    [OpsTableSetting(nameof(FileSystemTypeAttribute.Name), Required = true)]
    public unsafe byte* name;

    /// <summary><c>int fs_flags</c> (offset 8): <see cref="FsFlags"/>.</summary>
    [OpsTableSetting(nameof(FileSystemTypeAttribute.Flags))]
    public int fs_flags;

    /// <summary><c>int (*init_fs_context)(struct fs_context *)</c> (offset 16): sets the context's ops (and private data) for a new mount.</summary>
    [OpsSlot(typeof(InitFsContextAttribute), typeof(IFsContextOperation))]
    public unsafe delegate* unmanaged<NativeFsContext*, int> init_fs_context;

    /// <summary><c>const struct fs_parameter_spec *parameters</c> (offset 24). Not modelled: parse_param parses its own options.</summary>
    public unsafe void* parameters;

    /// <summary><c>struct dentry *(*mount)(struct file_system_type *, int, const char *, void *)</c> (offset 32): the legacy mount API. Not modelled: a type needs init_fs_context.</summary>
    public unsafe delegate* unmanaged<FileSystemType*, int, byte*, void*, NativeDentry*> mount;

    /// <summary><c>void (*kill_sb)(struct super_block *)</c> (offset 40): tears a superblock down (kill_litter_super, kill_anon_super ...).</summary>
    [OpsSlot(typeof(KillSuperBlockAttribute), typeof(ISuperBlockVoidOperation))]
    public unsafe delegate* unmanaged<NativeSuperBlock*, void> kill_sb;

    /// <summary><c>struct module *owner</c> (offset 48). Always null in generated tables: the model pins the registering module.</summary>
    public unsafe void* owner;

    /// <summary><c>struct file_system_type *next</c> (offset 56). Never written: the model keeps its own list.</summary>
    public unsafe FileSystemType* next;

    /// <summary><c>struct hlist_head fs_supers</c> (offset 64). Never written: the model keeps its own list.</summary>
    public unsafe void* fs_supers;
}

/// <summary>
/// <c>struct fs_context_operations</c>, byte-identical to Linux 6.18 x86_64 (48 bytes, 6 members; see
/// tests/KernelOps.Runtime.Tests/Fixtures/fs_context_operations.pahole.txt): how a mount is prepared.
/// A null <c>parse_param</c> leaves every option to the VFS (only "source" is known: others are
/// EINVAL); a null <c>parse_monolithic</c> means generic_parse_monolithic (comma-separated key=value);
/// a null <c>get_tree</c> cannot mount (EINVAL); a null <c>reconfigure</c> accepts remounts that
/// change nothing the file system keeps.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FsContextOperations
{
    /// <summary><c>void (*free)(struct fs_context *)</c> (offset 0).</summary>
    [OpsSlot(typeof(FreeFsContextAttribute), typeof(IFsContextVoidOperation))]
    public unsafe delegate* unmanaged<NativeFsContext*, void> free;

    /// <summary><c>int (*dup)(struct fs_context *, struct fs_context *)</c> (offset 8). Not modelled (no submounts).</summary>
    public unsafe delegate* unmanaged<NativeFsContext*, NativeFsContext*, int> dup;

    /// <summary><c>int (*parse_param)(struct fs_context *, struct fs_parameter *)</c> (offset 16): one option; -ENOPARAM for one it does not know.</summary>
    [OpsSlot(typeof(ParseParamAttribute), typeof(IParseParamOperation))]
    public unsafe delegate* unmanaged<NativeFsContext*, NativeFsParameter*, int> parse_param;

    /// <summary><c>int (*parse_monolithic)(struct fs_context *, void *)</c> (offset 24): the whole mount(2) data page.</summary>
    [OpsSlot(typeof(ParseMonolithicAttribute), typeof(IParseMonolithicOperation))]
    public unsafe delegate* unmanaged<NativeFsContext*, void*, int> parse_monolithic;

    /// <summary><c>int (*get_tree)(struct fs_context *)</c> (offset 32): makes or finds the superblock and sets <c>fc-&gt;root</c>.</summary>
    [OpsSlot(typeof(GetTreeAttribute), typeof(IFsContextOperation))]
    public unsafe delegate* unmanaged<NativeFsContext*, int> get_tree;

    /// <summary><c>int (*reconfigure)(struct fs_context *)</c> (offset 40): mount(MS_REMOUNT).</summary>
    [OpsSlot(typeof(ReconfigureAttribute), typeof(IFsContextOperation))]
    public unsafe delegate* unmanaged<NativeFsContext*, int> reconfigure;
}
