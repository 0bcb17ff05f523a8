using System;
using KernelOps.Abi;

namespace KernelOps;

/// <summary>
/// Generates a <c>struct proc_ops</c> table for a static partial class: a <c>Table</c> property
/// (an <see cref="OpsTable{T}"/> of <see cref="ProcOps"/>) whose slots point at generated
/// <c>[UnmanagedCallersOnly]</c> thunks for the methods marked <see cref="OpenAttribute"/>,
/// <see cref="ReadAttribute"/>, ... and are null for every other slot.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
[OpsTableKind(typeof(ProcOps))]
public sealed class ProcOpsAttribute : Attribute
{
    /// <summary>The table's <c>proc_flags</c>.</summary>
    public ProcOpsFlags Flags { get; set; }

    /// <summary>
    /// Optional: the slots this type implements, by C field name (<c>Ops = ["proc_open", "proc_read"]</c>).
    /// Generation does not use it; the analyzer proves it equal to the implemented slots (KOPS0013),
    /// so a read written but not declared (the /dev/printerfact bug) cannot ship.
    /// </summary>
    [DeclaredSlots]
    public string[]? Ops { get; set; }

    /// <summary>
    /// Declares the file not seekable: with no <c>proc_lseek</c>, lseek answers ESPIPE (Linux 6.0+).
    /// Says so on purpose instead of by omission (KOPS0014); contradicts an <c>[Lseek]</c> handler (KOPS0013).
    /// </summary>
    [DeclaredNonSeekable]
    public bool NonSeekable { get; set; }
}

/// <summary><c>proc_ops.proc_flags</c> bits (include/linux/proc_fs.h).</summary>
[Flags]
public enum ProcOpsFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>
    /// PROC_ENTRY_PERMANENT: the entry is never removed, so calls skip use_pde/unuse_pde. Removing
    /// such an entry while it is in use is a bug the model reports instead of waiting.
    /// </summary>
    Permanent = 1u << 0,
}

/// <summary>The method is the table's open handler: <c>static KResult M(Inode inode, FileRef file)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class OpenAttribute : Attribute;

/// <summary>The method is the table's release handler: <c>static KResult M(Inode inode, FileRef file)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ReleaseAttribute : Attribute;

/// <summary>
/// The method is the table's read handler:
/// <c>static KResult&lt;nuint&gt; M(FileRef file, UserSliceWriter destination, ref long position)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ReadAttribute : Attribute;

/// <summary>
/// The method is the table's write handler:
/// <c>static KResult&lt;nuint&gt; M(FileRef file, UserSliceReader source, ref long position)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class WriteAttribute : Attribute;

/// <summary>
/// The method is the table's lseek/llseek handler:
/// <c>static KResult&lt;long&gt; M(FileRef file, long offset, Whence whence)</c>. It sets the
/// new position itself (as vfs_setpos does) and returns it.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class LseekAttribute : Attribute;

/// <summary>
/// The method is the table's ioctl handler:
/// <c>static KResult&lt;long&gt; M(FileRef file, uint command, nuint argument)</c>.
/// Unknown commands should fail with <see cref="Errno.ENOTTY"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class IoctlAttribute : Attribute;

/// <summary>The method is the table's 32-bit compat ioctl handler (same signature as <see cref="IoctlAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class CompatIoctlAttribute : Attribute;
