using System.Collections.Immutable;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Diagnostics;

/// <summary>
/// What discovery found wrong with a handler declaration. The generator only uses the absence of
/// problems (it skips what is wrong); the analyzer maps each kind to a KOPS diagnostic, so both
/// judge a declaration the same way.
/// </summary>
internal enum ProblemKind
{
    /// <summary>KOPS0001: the method's signature differs from the operation's Invoke. Args: method, kind, slot, expected signature.</summary>
    SignatureMismatch,

    /// <summary>KOPS0002: the handler method is an instance method. Args: method, slot.</summary>
    NotStatic,

    /// <summary>KOPS0003: the type cannot be extended by a generated partial. Args: type, kind, reason.</summary>
    InvalidHandlerType,

    /// <summary>KOPS0004: several methods implement one slot. Args: method, other methods, slot.</summary>
    DuplicateSlot,

    /// <summary>KOPS0005: a handler attribute with no slot to fill. Args: method, attribute, reason.</summary>
    NoSuchSlot,

    /// <summary>KOPS0006: the compilation does not allow unsafe code. Args: type, kind.</summary>
    UnsafeNotAllowed,

    /// <summary>
    /// KOPS0008: the handler is async or returns an awaitable. Args: method, slot, return type.
    /// Reported by the generator, not the analyzer: an async read or write handler's own ref-struct
    /// and ref parameters are compiler errors (CS4012, CS1988) that stop the compiler before any
    /// analyzer runs, so only the generator can say what is wrong.
    /// </summary>
    AsyncHandler,

    /// <summary>
    /// KOPS0030: a setting the kind marks <c>Required</c> (file_system_type.name) is missing, empty
    /// or not representable in the table. Args: type, kind, property, reason.
    /// </summary>
    MissingRequiredSetting,
}

/// <summary>A problem with a location and message arguments. Not a pipeline model (it holds a <see cref="Location"/>).</summary>
internal sealed class HandlerProblem
{
    public HandlerProblem(ProblemKind kind, Location location, params string[] arguments)
    {
        Kind = kind;
        Location = location;
        Arguments = ImmutableArray.Create(arguments);
    }

    public ProblemKind Kind { get; }

    public Location Location { get; }

    public ImmutableArray<string> Arguments { get; }

    public override string ToString() => $"{Kind} at {Location.GetLineSpan()}: {string.Join(" | ", Arguments)}";
}
