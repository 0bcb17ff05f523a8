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
/// It reads from <c>position</c> and advances it by what it copied; the VFS stores it in f_pos
/// (ksys_read), which is the only way a read moves f_pos.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ReadAttribute : Attribute;

/// <summary>
/// The method is the table's write handler:
/// <c>static KResult&lt;nuint&gt; M(FileRef file, UserSliceReader source, ref long position)</c>.
/// It writes at <c>position</c> and advances it by what it consumed; the VFS stores it in f_pos.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class WriteAttribute : Attribute;

/// <summary>
/// The method is the table's lseek/llseek handler:
/// <c>static KResult&lt;long&gt; M(FileRef file, long offset, Whence whence)</c>. It returns the
/// new position (or an errno) and does not write f_pos: the thunk stores the returned position
/// there, as vfs_setpos does. <see cref="Llseek"/> has the kernel's generic rules.
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

/// <summary>
/// Generates a <c>struct file_operations</c> table for a static partial class: a <c>Table</c> property
/// (an <see cref="OpsTable{T}"/> of <see cref="FileOperations"/>) whose slots point at generated
/// thunks for the methods marked <see cref="OpenAttribute"/>, <see cref="ReadAttribute"/>,
/// <see cref="PollAttribute"/>, ... and are null for every other slot. <c>owner</c> stays null: the
/// kernel model pins the module that registers the device instead.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
[OpsTableKind(typeof(FileOperations))]
public sealed class FileOperationsAttribute : Attribute
{
    /// <summary>The table's <c>fop_flags</c>.</summary>
    public FopFlags Flags { get; set; }

    /// <summary>
    /// Optional: the slots this type implements, by C field name (<c>Ops = ["open", "read"]</c>).
    /// Generation does not use it; the analyzer proves it equal to the implemented slots (KOPS0013),
    /// so a read written but not declared (the /dev/printerfact bug) cannot ship.
    /// </summary>
    [DeclaredSlots]
    public string[]? Ops { get; set; }

    /// <summary>
    /// Declares the file not seekable: with no <c>llseek</c>, do_dentry_open clears FMODE_LSEEK and
    /// lseek answers ESPIPE. Says so on purpose instead of by omission (KOPS0014); contradicts an
    /// <c>[Lseek]</c> handler (KOPS0013).
    /// </summary>
    [DeclaredNonSeekable]
    public bool NonSeekable { get; set; }
}

/// <summary><c>file_operations.fop_flags</c> bits (include/linux/fs.h, Linux 6.18).</summary>
[Flags]
public enum FopFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>FOP_BUFFER_RASYNC: supports asynchronous buffered reads.</summary>
    BufferReadAsync = 1u << 0,
    /// <summary>FOP_BUFFER_WASYNC: supports asynchronous buffered writes.</summary>
    BufferWriteAsync = 1u << 1,
    /// <summary>FOP_MMAP_SYNC: supports MAP_SYNC.</summary>
    MmapSync = 1u << 2,
    /// <summary>FOP_DIO_PARALLEL_WRITE: supports non-exclusive O_DIRECT writes.</summary>
    DioParallelWrite = 1u << 3,
    /// <summary>FOP_HUGE_PAGES: supports huge pages.</summary>
    HugePages = 1u << 4,
    /// <summary>FOP_UNSIGNED_OFFSET: the file uses unsigned offsets.</summary>
    UnsignedOffset = 1u << 5,
    /// <summary>FOP_ASYNC_LOCK: supports asynchronous locks.</summary>
    AsyncLock = 1u << 6,
    /// <summary>FOP_DONTCACHE: supports uncached reads and writes.</summary>
    DontCache = 1u << 7,
}

/// <summary>
/// The method is the table's poll handler: <c>static PollEvents M(FileRef file, PollTable table)</c>;
/// it calls <see cref="PollTable.Wait"/> on every wait queue that can signal readiness, then
/// returns the events ready now.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class PollAttribute : Attribute;

/// <summary>The method is the table's flush handler, run by every close(2): <c>static KResult M(FileRef file)</c>.</summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class FlushAttribute : Attribute;

/// <summary>
/// The method is the table's fsync handler:
/// <c>static KResult M(FileRef file, long start, long end, bool dataSync)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class FsyncAttribute : Attribute;
