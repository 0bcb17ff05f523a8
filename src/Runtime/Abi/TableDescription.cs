using System;

namespace KernelOps.Abi;

// A table kind is described once, here in the Runtime, by attributes on its C-layout struct. The
// generator and the analyzers read these through the compilation's symbols, so adding a kind
// (file_operations after proc_ops) is writing its struct, not copying generator code.

/// <summary>
/// Marks a handler-class attribute (such as <see cref="ProcOpsAttribute"/>) as selecting a table
/// kind: the generator fills one <paramref name="tableType"/> per attributed class.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class OpsTableKindAttribute(Type tableType) : Attribute
{
    /// <summary>The C-layout ops struct this kind generates.</summary>
    public Type TableType { get; } = tableType;
}

/// <summary>
/// Marks a function-pointer field of an ops struct as a slot handlers can implement: a method
/// carrying <paramref name="handlerAttribute"/> fills it through a thunk built from
/// <paramref name="operation"/> (an interface with one static abstract <c>Invoke</c> method, the
/// safe signature, and an <see cref="OperationAdapterAttribute"/> naming the validating adapter).
/// Fields without this attribute stay null.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class OpsSlotAttribute(Type handlerAttribute, Type operation) : Attribute
{
    /// <summary>The method attribute that selects the handler (e.g. <see cref="ReadAttribute"/>).</summary>
    public Type HandlerAttribute { get; } = handlerAttribute;

    /// <summary>The operation interface giving the safe signature and the adapter.</summary>
    public Type Operation { get; } = operation;

    /// <summary>
    /// The slot's per-open-state variant: an open generic interface (<c>IReadOperation&lt;TState&gt;</c>)
    /// carrying <see cref="PerOpenStateAttribute"/> and its own <see cref="OperationAdapterAttribute"/>
    /// (an adapter <c>static TRet M&lt;T, TState&gt;(C parameters)</c>). A handler whose signature matches
    /// the variant for some class <c>TState</c> fills the slot through it; null when the slot has none.
    /// </summary>
    public Type? Stateful { get; set; }

    /// <summary>
    /// What the slot is for, where a rule depends on it (the seek slot whose absence KOPS0014
    /// reports, the open slot where nonseekable_open is called, ...). <see cref="SlotRole.None"/>
    /// for every slot no rule singles out.
    /// </summary>
    public SlotRole Role { get; set; }
}

/// <summary>
/// The role of a slot, for the analyzers: they find "the kind's lseek slot" or "the open handler"
/// by this, never by a field or method name, so a new kind gets the same checks by saying it.
/// Slots of different kinds with one role (proc_lseek, llseek) are checked alike.
/// </summary>
public enum SlotRole
{
    /// <summary>No rule singles the slot out.</summary>
    None,
    /// <summary>Opens a file (proc_open, open): where nonseekable_open/stream_open are called and per-open state is made.</summary>
    Open,
    /// <summary>Reads at a position (proc_read, read): gets the file position as <c>ref long position</c>.</summary>
    Read,
    /// <summary>Writes at a position (proc_write, write): gets the file position as <c>ref long position</c>.</summary>
    Write,
    /// <summary>Seeks (proc_lseek, llseek): when null, lseek answers ESPIPE unless the file is declared non-seekable.</summary>
    Seek,
}

/// <summary>How a per-open-state variant of an operation treats the state in <c>file-&gt;private_data</c>.</summary>
public enum PerOpenStateRole
{
    /// <summary>The operation creates the state (open): the adapter stores it in private_data as one GCHandle word.</summary>
    Create,
    /// <summary>The operation borrows the state (read, write, ...): the adapter hands it in typed.</summary>
    Borrow,
    /// <summary>The operation takes the state back (release): the adapter clears private_data and frees the handle, once.</summary>
    Take,
}

/// <summary>
/// Marks an open generic operation interface (one type parameter, the state) as a per-open-state
/// variant. A handler type's state type is the one its <see cref="PerOpenStateRole.Create"/> handler
/// produces; every other stateful handler must use the same type. <see cref="DefaultOperation"/>,
/// when set, is an open generic struct implementing the variant that the generator uses for a
/// stateful handler type that does not implement the slot (release must free the state even when
/// the user wrote no release).
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class PerOpenStateAttribute(PerOpenStateRole role) : Attribute
{
    /// <summary>What the operation does with the state.</summary>
    public PerOpenStateRole Role { get; } = role;

    /// <summary>An open generic struct implementing the variant, used when the handler type lacks the slot.</summary>
    public Type? DefaultOperation { get; set; }
}

/// <summary>
/// Marks a non-slot field of an ops struct as set from a named property of the kind attribute
/// (e.g. <c>proc_flags</c> from <see cref="ProcOpsAttribute.Flags"/>). A numeric or enum property
/// sets a field of that type; a <c>string</c> property sets a <c>byte*</c> field to a NUL-terminated
/// UTF-8 copy that lives as long as the handler type (<c>file_system_type.name</c>).
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class OpsTableSettingAttribute(string propertyName) : Attribute
{
    /// <summary>The kind attribute's property that gives the field's value.</summary>
    public string PropertyName { get; } = propertyName;

    /// <summary>
    /// The table is unusable without it (a file system type needs a name): the analyzer reports a kind
    /// attribute that does not set the property, or sets a string one to null or "" (KOPS0030).
    /// </summary>
    public bool Required { get; set; }
}

/// <summary>
/// Names the static generic method that adapts an operation's C signature to its safe signature:
/// <c>static TRet Method&lt;T&gt;(C parameters) where T : TOperation</c>. It validates raw arguments,
/// builds the safe views, calls <c>T.Invoke</c>, maps the result and catches every exception.
/// </summary>
[AttributeUsage(AttributeTargets.Interface, Inherited = false)]
public sealed class OperationAdapterAttribute(Type adapterType, string methodName) : Attribute
{
    /// <summary>The static class holding the adapter.</summary>
    public Type AdapterType { get; } = adapterType;

    /// <summary>The adapter method's name.</summary>
    public string MethodName { get; } = methodName;
}

/// <summary>
/// On a kind attribute: fills the slot named <paramref name="slot"/> (a C field name) for every
/// handler type that implements <paramref name="callbackInterface"/> (an interface, open generic or
/// not), with <paramref name="operation"/>, an open generic struct implementing the slot's operation
/// interface whose type parameters are the handler type followed by the interface's type arguments.
/// The generator emits a thunk calling the slot's adapter with the constructed operation, so the
/// handler's identity reaches the code through the type system (debugfs callback files), with no
/// per-kind code in the generator. A method attributed for the same slot takes precedence.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false, AllowMultiple = true)]
public sealed class SlotFromInterfaceAttribute(string slot, Type callbackInterface, Type operation) : Attribute
{
    /// <summary>The C field name of the slot (<c>"read"</c>).</summary>
    public string Slot { get; } = slot;

    /// <summary>The interface a handler type implements to get the slot filled.</summary>
    public Type CallbackInterface { get; } = callbackInterface;

    /// <summary>The open generic operation struct: <c>Op&lt;THandler, TInterfaceArguments...&gt;</c>.</summary>
    public Type Operation { get; } = operation;
}
