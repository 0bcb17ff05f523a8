using System.Collections.Generic;
using System.Linq;
using KernelOps.Generators.Diagnostics;
using KernelOps.Generators.Discovery;
using KernelOps.Generators.Emit;
using KernelOps.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelOps.Generators;

/// <summary>
/// Fills one static ops table per handler type: for every type carrying a kind attribute of
/// <see cref="TableKinds"/>, one <c>[UnmanagedCallersOnly]</c> thunk per implemented slot and a
/// <c>Table</c> property. Problems are reported by the analyzer; here invalid declarations just
/// produce no output (or leave their slot null), except the few the analyzer cannot be relied on to
/// report (<see cref="GeneratorDiagnostics.For"/>), which the generator reports itself.
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class OpsTableGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        // One pipeline and one source output per kind attribute, each handler type flowing through on
        // its own: no Collect or Combine, since every type gets its own file. Batching them (as this
        // generator once did) only made every run build and compare an array of all models, and
        // made a cold compiler JIT the driver's nodes for array and tuple values, which a
        // ReadyToRun compiler does not carry (docs/PERFORMANCE.md, generator cost).
        foreach (string kindAttribute in TableKinds.KindAttributeMetadataNames)
        {
            IncrementalValuesProvider<HandlerTypeResult> results = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    kindAttribute,
                    predicate: static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                    transform: static (ctx, ct) => Transform(ctx, ct))
                .WithTrackingName(TrackingNames.HandlerTypes);

            IncrementalValuesProvider<HandlerTypeModel> models = results
                .Select(static (r, _) => r.Model)
                .Where(static m => m is not null)
                .Select(static (m, _) => m!)
                .WithTrackingName(TrackingNames.ValidHandlerTypes);

            // Only problems the analyzer cannot be relied on to report (GeneratorDiagnostics.For).
            IncrementalValuesProvider<EquatableArray<DiagnosticModel>> diagnostics = results
                .Select(static (r, _) => r.Diagnostics)
                .Where(static d => d.Count > 0)
                .WithTrackingName(TrackingNames.ReportedProblems);

            context.RegisterSourceOutput(models, static (spc, model) => spc.AddSource(model.HintName, TableEmitter.Emit(model)));
            context.RegisterSourceOutput(diagnostics, static (spc, list) =>
            {
                foreach (DiagnosticModel diagnostic in list) spc.ReportDiagnostic(diagnostic.ToDiagnostic());
            });
        }
    }

    private static readonly HandlerTypeResult Nothing = new(null, EquatableArray<DiagnosticModel>.Empty);

    private static HandlerTypeResult Transform(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.IsDefaultOrEmpty)
        {
            return Nothing;
        }

        KindCatalog catalog = KindCatalog.For(context.SemanticModel.Compilation);
        DiscoveryResult result = HandlerDiscovery.Discover(type, context.Attributes[0], catalog, cancellationToken);
        return new HandlerTypeResult(result.Model, GeneratorReported(type, context.Attributes[0], result));
    }

    /// <summary>
    /// The problems of <see cref="GeneratorDiagnostics.For"/>'s kinds, once per type: a type with
    /// several kind attributes is transformed once per attribute, and reports from the first.
    /// </summary>
    private static EquatableArray<DiagnosticModel> GeneratorReported(INamedTypeSymbol type, AttributeData kindAttribute, DiscoveryResult result)
    {
        List<DiagnosticModel>? reported = null;
        foreach (HandlerProblem problem in result.Problems)
        {
            if (GeneratorDiagnostics.For(problem.Kind) is null || problem.Location.SourceTree is not { } tree) continue;
            reported ??= new List<DiagnosticModel>();
            reported.Add(new DiagnosticModel(problem.Kind, tree.FilePath, problem.Location.SourceSpan, problem.Location.GetLineSpan().Span,
                new EquatableArray<string>(problem.Arguments.ToArray())));
        }
        if (reported is null) return EquatableArray<DiagnosticModel>.Empty;

        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (!HandlerDiscovery.IsKindAttribute(attribute.AttributeClass)) continue;
            // Not the first kind attribute: that one's transform reports the same problems.
            if (!SymbolEqualityComparer.Default.Equals(attribute.AttributeClass, kindAttribute.AttributeClass)) return EquatableArray<DiagnosticModel>.Empty;
            break;
        }
        return new EquatableArray<DiagnosticModel>(reported.ToArray());
    }
}
