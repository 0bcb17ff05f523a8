using System;

namespace KernelOps.Abi;

// Markers the analyzers read, in the same data-driven style as OpsTableKind/OpsSlot: a kind
// attribute opts into an explicit declaration by marking one of its own properties, so a new kind
// (file_operations, debugfs files, ...) gets the checks by adding a property, not analyzer code.

/// <summary>
/// Marks a <c>string[]</c> property of a kind attribute (such as <see cref="ProcOpsAttribute.Ops"/>)
/// as the handler type's explicit list of implemented slots, by C field name (<c>"proc_read"</c>).
/// When set, the analyzers prove it equal to the slots the type's methods implement (KOPS0013):
/// a slot written but not declared, declared but not written, or not an <see cref="OpsSlotAttribute"/>
/// field of the kind's struct is an error. When not set, the implemented slots are the declaration.
/// </summary>
[AttributeUsage(AttributeTargets.Property, Inherited = false)]
public sealed class DeclaredSlotsAttribute : Attribute;

/// <summary>
/// Marks a <c>bool</c> property of a kind attribute (such as <see cref="ProcOpsAttribute.NonSeekable"/>)
/// whose <c>true</c> declares that the type's files are not seekable: lseek answers ESPIPE. It
/// satisfies KOPS0014 and contradicts an implemented lseek slot (KOPS0013). On a method of
/// <see cref="FileRef"/> (nonseekable_open, stream_open), it says that calling it on the file from
/// the open handler makes the file not seekable, which satisfies KOPS0014 as well.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Method, Inherited = false)]
public sealed class DeclaredNonSeekableAttribute : Attribute;

/// <summary>
/// Marks an interface whose implementers the runtime creates from nothing, with <c>default(T)</c>,
/// to call their static or instance members: the C# rendering of Rust-for-Linux debugfs's
/// <c>materialize_zst&lt;F&gt;()</c>, where a callback's identity travels in its type and no value is
/// ever stored. Every implementer must therefore be a <c>readonly struct</c> with no instance fields,
/// no explicit constructors or field initializers, and no disposal (KOPS0011): whatever such a value
/// "carries" would silently be zero when the runtime makes it.
/// </summary>
/// <remarks>
/// For the debugfs work: put this on the callback interface (e.g. <c>IDebugFsReadCallback</c>) and
/// constrain the generic registration method with <c>where T : struct, IThatInterface</c>.
/// </remarks>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class MaterializedFromNothingAttribute : Attribute;

/// <summary>
/// Marks a registration API that publishes an ops table (proc_create_data, cdev_add, misc_register,
/// debugfs_create_file, ...): once it returns, any CPU can call the table's handlers. On one of the
/// method's parameters, marks the data those handlers read (<c>i_private</c>, the device's data).
/// The analyzers read it (KOPS0018): in module init, everything the handlers read must be written
/// before the call, as fs/proc/generic.c:proc_create_data expects its data complete when called.
/// A new registration API gets the check by carrying the attribute.
/// </summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Parameter, Inherited = false)]
public sealed class PublishesTableAttribute : Attribute;

/// <summary>
/// Marks what is valid only inside the handler call that has it, on the calling task's thread:
/// on a type, its values (a user address, a borrowed view of a kernel object); on a parameter of
/// an operation's <c>Invoke</c>, what the handler gets there (ioctl's user-pointer argument); on a
/// method or constructor, an action on the calling task (copy_to_user, its signals, its kernel).
/// Work a handler defers to another thread or to later (Task.Run, a timer, an async continuation,
/// ...) runs after the call, in no task or another: it must not touch any of these (KOPS0016).
/// </summary>
[AttributeUsage(AttributeTargets.Struct | AttributeTargets.Class | AttributeTargets.Parameter | AttributeTargets.Method | AttributeTargets.Constructor, Inherited = false)]
public sealed class CallScopedAttribute : Attribute;

/// <summary>
/// Marks a read or write's file position. On a parameter of an operation's <c>Invoke</c>: the op's
/// <c>loff_t *ppos</c> (f_pos for read(2), under f_pos_lock where that applies; the offset for
/// pread(2)), which the handler reads and advances by what it transferred, and which the VFS then
/// stores. On a method: a direct read of f_pos, which bypasses it (racy, and wrong for pread). The
/// analyzers read it (KOPS0019).
/// </summary>
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.Method, Inherited = false)]
public sealed class FilePositionAttribute : Attribute;
