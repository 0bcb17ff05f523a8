using KernelOps.Generators.Diagnostics;
using Microsoft.CodeAnalysis;

namespace KernelOps.Analyzers.Diagnostics;

/// <summary>The KernelOps diagnostic catalogue. Each id has a page under docs/diagnostics.</summary>
internal static class DiagnosticDescriptors
{
    private const string Category = "KernelOps";

    private static string HelpLink(string id) => $"https://github.com/kernelops/kernelops/blob/main/docs/diagnostics/{id}.md";

    /// <summary>KOPS0001: a handler's signature differs from its slot's safe signature.</summary>
    public static readonly DiagnosticDescriptor SignatureMismatch = new(
        id: "KOPS0001",
        title: "Handler signature does not match its slot",
        messageFormat: "'{0}' implements {1} slot '{2}' but its signature does not match; expected '{3}' (parameter names may differ); the slot stays null",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A handler must have exactly the parameter types, ref kinds and return type of its operation's Invoke, because the generated thunk forwards to it.",
        helpLinkUri: HelpLink("KOPS0001"));

    /// <summary>KOPS0002: a handler is an instance method.</summary>
    public static readonly DiagnosticDescriptor NotStatic = new(
        id: "KOPS0002",
        title: "Handler method must be static",
        messageFormat: "'{0}' implements slot '{1}' but is not static; a C function pointer carries no instance, so the slot stays null",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "Ops-table slots are plain C function pointers: the kernel passes the file, never an object. Per-open state belongs in file->private_data.",
        helpLinkUri: HelpLink("KOPS0002"));

    /// <summary>KOPS0003: the handler type cannot receive a generated partial declaration.</summary>
    public static readonly DiagnosticDescriptor InvalidHandlerType = new(
        id: "KOPS0003",
        title: "Handler type cannot get a generated table",
        messageFormat: "'{0}' cannot get a generated {1} table: {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The generator adds the table and thunks to the handler type as another partial declaration, and one static table must serve exactly one type.",
        helpLinkUri: HelpLink("KOPS0003"));

    /// <summary>KOPS0004: two methods claim the same slot.</summary>
    public static readonly DiagnosticDescriptor DuplicateSlot = new(
        id: "KOPS0004",
        title: "Two methods implement the same slot",
        messageFormat: "'{0}' implements slot '{2}', which {1} also implements; a slot holds one function pointer, so neither is used and the slot stays null",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A slot is one function pointer. Which method was meant cannot be guessed, so none is used.",
        helpLinkUri: HelpLink("KOPS0004"));

    /// <summary>KOPS0005: a handler attribute that fills no slot.</summary>
    public static readonly DiagnosticDescriptor NoSuchSlot = new(
        id: "KOPS0005",
        title: "Handler attribute fills no slot",
        messageFormat: "'{0}' is marked [{1}] but {2}",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "A method marked as an op that no generated table will point at is the /dev/printerfact bug: the code is written, the table does not declare it, and the kernel answers EINVAL.",
        helpLinkUri: HelpLink("KOPS0005"));

    /// <summary>KOPS0006: the project does not allow unsafe code.</summary>
    public static readonly DiagnosticDescriptor UnsafeNotAllowed = new(
        id: "KOPS0006",
        title: "Generated ops tables need unsafe code",
        messageFormat: "'{0}' gets a generated {1} table of C function pointers, which needs unsafe code; set <AllowUnsafeBlocks>true</AllowUnsafeBlocks> in the project",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The table is native memory filled with function pointers to [UnmanagedCallersOnly] thunks; taking their addresses is unsafe code. Without it no table is generated.",
        helpLinkUri: HelpLink("KOPS0006"));

    /// <summary>The descriptor reporting <paramref name="kind"/>.</summary>
    public static DiagnosticDescriptor For(ProblemKind kind) => kind switch
    {
        ProblemKind.SignatureMismatch => SignatureMismatch,
        ProblemKind.NotStatic => NotStatic,
        ProblemKind.InvalidHandlerType => InvalidHandlerType,
        ProblemKind.DuplicateSlot => DuplicateSlot,
        ProblemKind.NoSuchSlot => NoSuchSlot,
        _ => UnsafeNotAllowed,
    };
}
