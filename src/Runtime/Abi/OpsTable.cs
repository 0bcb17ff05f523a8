using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Text;

namespace KernelOps;

/// <summary>
/// A pointer to a static ops table (<c>const struct proc_ops *</c> ...) in native memory that
/// lives as long as the handler type. Generated <c>Table</c> properties return one; the kernel
/// model's registration APIs take one, typed by kind, so a proc entry cannot be given a
/// file_operations table.
/// </summary>
public readonly struct OpsTable<TOps> : IEquatable<OpsTable<TOps>> where TOps : unmanaged
{
    /// <summary>Wraps an existing table (for example one built by C code).</summary>
    /// <param name="pointer">The table; it must outlive every registration that uses it.</param>
    /// <param name="name">A name for logs, usually the handler type.</param>
    public unsafe OpsTable(TOps* pointer, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (pointer == null) throw new ArgumentNullException(nameof(pointer));
        Pointer = pointer;
        Name = name;
    }

    /// <summary>The table in native memory.</summary>
    public unsafe TOps* Pointer { get; }

    /// <summary>The handler's name, for logs.</summary>
    public string Name { get; }

    /// <summary>True for the default (empty) value.</summary>
    public unsafe bool IsNull => Pointer == null;

    /// <summary>The table's contents.</summary>
    public unsafe ref readonly TOps Value
    {
        // SAFETY: a table built by the constructor or AllocateFor points at a live TOps that outlives
        // every registration using it (the constructor's contract; type-associated memory is freed
        // only with the type); the default value's null pointer faults as a NullReferenceException.
        get => ref *Pointer;
    }

    /// <summary>
    /// Allocates a zeroed table tied to <paramref name="owner"/>'s lifetime
    /// (RuntimeHelpers.AllocateTypeAssociatedMemory), for generated code to fill once.
    /// Each call allocates a new table that is never freed before the type is: call it once per
    /// type, as the generated code does (it caches the table in a holder class).
    /// </summary>
    public static unsafe OpsTable<TOps> AllocateFor(Type owner, string name)
    {
        ArgumentNullException.ThrowIfNull(owner);
        // SAFETY: type-associated memory is zeroed, suitably aligned for pointers and is freed only
        // when the owner type's loader allocator is, so the pointer stays valid while the type lives.
        var pointer = (TOps*)RuntimeHelpers.AllocateTypeAssociatedMemory(owner, sizeof(TOps));
        return new OpsTable<TOps>(pointer, name);
    }

    /// <inheritdoc/>
    public unsafe bool Equals(OpsTable<TOps> other) => Pointer == other.Pointer;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is OpsTable<TOps> t && Equals(t);
    /// <inheritdoc/>
    public override unsafe int GetHashCode() => ((nint)Pointer).GetHashCode();
    /// <inheritdoc/>
    public override unsafe string ToString() => $"{typeof(TOps).Name}@0x{(nint)Pointer:x} ({Name})";
    /// <summary>Equality.</summary>
    public static bool operator ==(OpsTable<TOps> a, OpsTable<TOps> b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(OpsTable<TOps> a, OpsTable<TOps> b) => !a.Equals(b);
}

/// <summary>Memory generated tables point at besides the table itself (a <c>const char *name</c>).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class OpsTableMemory
{
    /// <summary>
    /// A NUL-terminated UTF-8 copy of <paramref name="value"/> in memory tied to <paramref name="owner"/>'s
    /// lifetime (as the table is), for a string setting such as <c>file_system_type.name</c>.
    /// Generated code calls it once, while building the table.
    /// </summary>
    public static unsafe byte* Utf8(Type owner, string value)
    {
        ArgumentNullException.ThrowIfNull(owner);
        ArgumentNullException.ThrowIfNull(value);
        int length = Encoding.UTF8.GetByteCount(value);
        // SAFETY: type-associated memory is zeroed (so the copy is NUL-terminated) and freed only with
        // the owner type's loader allocator, like the table that points at it.
        byte* text = (byte*)RuntimeHelpers.AllocateTypeAssociatedMemory(owner, length + 1);
        // SAFETY: text holds length + 1 bytes; the span covers the first length of them.
        Encoding.UTF8.GetBytes(value, new Span<byte>(text, length));
        return text;
    }
}
