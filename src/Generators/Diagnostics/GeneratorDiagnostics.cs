using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Diagnostics;

/// <summary>
/// The diagnostics the generator reports itself (<see cref="For"/>). The
/// whole catalogue, with these, is KernelOps.Analyzers' <c>DiagnosticDescriptors</c>; release
/// tracking lives there too.
/// </summary>
internal static class GeneratorDiagnostics
{
    public const string Category = "KernelOps";

    public static string HelpLink(string id) => $"https://github.com/kernelops/kernelops/blob/main/docs/diagnostics/{id}.md";

    /// <summary>KOPS0008: an async or awaitable-returning handler.</summary>
    public static readonly DiagnosticDescriptor AsyncHandler = new(
        id: "KOPS0008",
        title: "Handler cannot be async",
        messageFormat: "'{0}' implements slot '{1}' but is async or returns an awaitable '{2}'; the kernel calls ops synchronously and takes the result on return, so the slot stays null",
        category: Category,
        defaultSeverity: DiagnosticSeverity.Error,
        isEnabledByDefault: true,
        description: "The C caller (ksys_read, proc_reg_read, ...) waits for the return value and then drops its references (use_pde, f_pos_lock, the file). Work still running after return would run after unuse_pde, after removal, after unload.",
        helpLinkUri: HelpLink("KOPS0008"));

    /// <summary>Every descriptor the generator reports.</summary>
    public static System.Collections.Immutable.ImmutableArray<DiagnosticDescriptor> All { get; } = System.Collections.Immutable.ImmutableArray.Create(AsyncHandler);

#pragma warning disable CS8524 // exhaustive over the declared kinds; a new kind must be placed here or in the analyzer's catalogue
    /// <summary>The descriptor for a kind the generator reports, or null for the analyzer's kinds.</summary>
    public static DiagnosticDescriptor? For(ProblemKind kind) => kind switch
    {
        ProblemKind.AsyncHandler => AsyncHandler,
        ProblemKind.SignatureMismatch or ProblemKind.NotStatic or ProblemKind.InvalidHandlerType or
            ProblemKind.DuplicateSlot or ProblemKind.NoSuchSlot or ProblemKind.UnsafeNotAllowed or
            ProblemKind.MissingRequiredSetting => null,
    };
#pragma warning restore CS8524
}
