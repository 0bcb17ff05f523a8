using System.Collections.Immutable;
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
/// produce no output (or leave their slot null).
/// </summary>
[Generator(LanguageNames.CSharp)]
public sealed class OpsTableGenerator : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context)
    {
        IncrementalValueProvider<ImmutableArray<HandlerTypeModel>>? all = null;
        foreach (string kindAttribute in TableKinds.KindAttributeMetadataNames)
        {
            IncrementalValueProvider<ImmutableArray<HandlerTypeModel>> models = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    kindAttribute,
                    predicate: static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                    transform: static (ctx, ct) => Transform(ctx, ct))
                .WithTrackingName(TrackingNames.HandlerTypes)
                .Where(static m => m is not null)
                .Select(static (m, _) => m!)
                .WithTrackingName(TrackingNames.ValidHandlerTypes)
                .Collect();

            all = all is null
                ? models
                : all.Value.Combine(models).Select(static (pair, _) => pair.Left.AddRange(pair.Right));
        }

        if (all is null) return;

        IncrementalValuesProvider<HandlerTypeModel> combined = all.Value
            .SelectMany(static (models, _) => models)
            .WithTrackingName(TrackingNames.AllHandlerTypes);

        context.RegisterSourceOutput(combined, static (spc, model) => spc.AddSource(model.HintName, TableEmitter.Emit(model)));
    }

    private static HandlerTypeModel? Transform(GeneratorAttributeSyntaxContext context, System.Threading.CancellationToken cancellationToken)
    {
        if (context.TargetSymbol is not INamedTypeSymbol type || context.Attributes.IsDefaultOrEmpty)
        {
            return null;
        }

        KindCatalog catalog = KindCatalog.For(context.SemanticModel.Compilation);
        return HandlerDiscovery.Discover(type, context.Attributes[0], catalog, cancellationToken).Model;
    }
}
