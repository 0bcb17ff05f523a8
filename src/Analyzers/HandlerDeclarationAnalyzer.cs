using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using KernelOps.Analyzers.Diagnostics;
using KernelOps.Generators.Diagnostics;
using KernelOps.Generators.Discovery;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KernelOps.Analyzers;

/// <summary>
/// Reports unsound handler declarations (KOPS0001-KOPS0006) while typing. The judgement is the
/// generator's own (<see cref="HandlerDiscovery"/>), so what is reported is exactly what the
/// generator skipped.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.SignatureMismatch,
        DiagnosticDescriptors.NotStatic,
        DiagnosticDescriptors.InvalidHandlerType,
        DiagnosticDescriptors.DuplicateSlot,
        DiagnosticDescriptors.NoSuchSlot,
        DiagnosticDescriptors.UnsafeNotAllowed);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            KindCatalog catalog = KindCatalog.Create(start.Compilation);
            if (catalog.IsEmpty) return; // the Runtime is not referenced: nothing to judge
            start.RegisterSymbolAction(symbolContext => AnalyzeType(symbolContext, catalog), SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KindCatalog catalog)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        IEnumerable<HandlerProblem> problems;
        AttributeData[] kindAttributes = type.GetAttributes().Where(a => catalog.FindKind(a.AttributeClass) is not null).ToArray();
        if (kindAttributes.Length == 0)
        {
            problems = HandlerDiscovery.FindOrphanHandlers(type, catalog);
        }
        else
        {
            problems = kindAttributes
                .SelectMany(a => HandlerDiscovery.Discover(type, a, catalog, context.Compilation, context.CancellationToken).Problems)
                // KOPS0006 is once per type, even when it carries several kinds.
                .GroupBy(p => p.Kind == ProblemKind.UnsafeNotAllowed ? "unsafe" : p.Kind + "|" + p.Location + "|" + string.Join("|", p.Arguments))
                .Select(g => g.First());
        }

        foreach (HandlerProblem problem in problems)
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.For(problem.Kind), problem.Location, problem.Arguments.Cast<object>().ToArray()));
        }
    }
}
