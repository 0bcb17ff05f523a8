namespace KernelOps.Generators.Models;

// Pipeline models: plain values (strings and equatable arrays), no ISymbol, SyntaxNode, Location
// or Compilation, so the incremental driver can compare them and skip emission when nothing the
// output depends on has changed. Every string is already C# text, global::-qualified and escaped.

/// <summary>One handler type and the table the generator fills for it.</summary>
/// <param name="Namespace">The namespace as C# text (escaped), or null for the global namespace.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first (re-declared as partial).</param>
/// <param name="Type">The handler type's own declaration.</param>
/// <param name="FullyQualifiedName">e.g. <c>global::Samples.RamFile</c>.</param>
/// <param name="DisplayName">e.g. <c>Samples.RamFile</c>, for logs and the table's name.</param>
/// <param name="HintName">The deterministic generated file name.</param>
/// <param name="TableType">The ops struct, e.g. <c>global::KernelOps.Abi.ProcOps</c>.</param>
/// <param name="TableCName">The C struct name, e.g. <c>proc_ops</c>, for documentation.</param>
/// <param name="Settings">Non-slot fields set from the kind attribute's named arguments.</param>
/// <param name="Slots">Implemented slots, in the struct's field order.</param>
internal sealed record HandlerTypeModel(
    string? Namespace,
    EquatableArray<TypeDeclarationModel> ContainingTypes,
    TypeDeclarationModel Type,
    string FullyQualifiedName,
    string DisplayName,
    string HintName,
    string TableType,
    string TableCName,
    EquatableArray<SettingModel> Settings,
    EquatableArray<SlotModel> Slots);

/// <summary>A type declaration to re-open: <c>Keyword</c> is <c>class</c>, <c>struct</c>, <c>record</c>, ...</summary>
internal sealed record TypeDeclarationModel(string Keyword, string Name);

/// <summary>A table field set from the kind attribute, e.g. <c>proc_flags = 1u</c>.</summary>
internal sealed record SettingModel(string FieldName, string ValueExpression);

/// <summary>One implemented slot: its thunk, its operation forwarder and the user's handler.</summary>
/// <param name="FieldName">The struct field, e.g. <c>proc_read</c>.</param>
/// <param name="CallConvs">Extra <c>UnmanagedCallersOnly</c> argument text, or empty.</param>
/// <param name="ThunkReturnType">The C return type.</param>
/// <param name="ThunkParameters">The C parameters (names from the adapter).</param>
/// <param name="Adapter">The adapter method, e.g. <c>global::KernelOps.Abi.ThunkAdapters.Read</c>.</param>
/// <param name="Operation">The operation interface.</param>
/// <param name="InvokeReturnType">The safe return type.</param>
/// <param name="InvokeParameters">The safe parameters (names from the interface).</param>
/// <param name="HandlerName">The handler for logs, e.g. <c>Samples.RamFile.Read</c>.</param>
/// <param name="HandlerCall">The handler as a call target, e.g. <c>global::Samples.RamFile.Read</c>.</param>
internal sealed record SlotModel(
    string FieldName,
    string CallConvs,
    string ThunkReturnType,
    ParameterListModel ThunkParameters,
    string Adapter,
    string Operation,
    string InvokeReturnType,
    ParameterListModel InvokeParameters,
    string HandlerName,
    string HandlerCall)
{
    /// <summary>The per-open state type (the adapter's second type argument), or empty for a stateless slot.</summary>
    public string StateType { get; init; } = string.Empty;

    /// <summary>
    /// For a slot the handler type does not implement but its state requires (release), the
    /// Runtime's default operation constructed for the state; empty when a user handler fills it.
    /// </summary>
    public string DefaultOperation { get; init; } = string.Empty;
}

/// <summary>
/// A parameter list as C# text, rendered once per slot and compilation: <paramref name="Declaration"/>
/// declares it (e.g. <c>global::KernelOps.FileRef file, ref long position</c>) and
/// <paramref name="Arguments"/> passes it on (e.g. <c>file, ref position</c>).
/// </summary>
internal sealed record ParameterListModel(string Declaration, string Arguments)
{
    public static readonly ParameterListModel Empty = new(string.Empty, string.Empty);
}

/// <summary>What the generator's transform found for one handler type: the table to emit, if any, and the diagnostics it reports itself.</summary>
internal sealed record HandlerTypeResult(HandlerTypeModel? Model, EquatableArray<DiagnosticModel> Diagnostics);

/// <summary>
/// A diagnostic the generator reports (<see cref="Diagnostics.GeneratorDiagnostics"/>), as plain
/// values: the location is kept as path and spans, not as a <see cref="Microsoft.CodeAnalysis.Location"/>.
/// </summary>
internal sealed record DiagnosticModel(
    Diagnostics.ProblemKind Kind,
    string FilePath,
    Microsoft.CodeAnalysis.Text.TextSpan Span,
    Microsoft.CodeAnalysis.Text.LinePositionSpan LineSpan,
    EquatableArray<string> Arguments)
{
    public Microsoft.CodeAnalysis.Diagnostic ToDiagnostic() => Microsoft.CodeAnalysis.Diagnostic.Create(
        Diagnostics.GeneratorDiagnostics.For(Kind)!,
        Microsoft.CodeAnalysis.Location.Create(FilePath, Span, LineSpan),
        System.Linq.Enumerable.ToArray<object>(Arguments));
}
