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
        // One pipeline and one source output per kind attribute, each handler type flowing through on
        // its own: no Collect or Combine, since every type gets its own file. Batching them (as this
        // generator once did) only made every run build and compare an array of all models, and
        // made a cold compiler JIT the driver's nodes for array and tuple values, which a
        // ReadyToRun compiler does not carry (docs/PERFORMANCE.md, generator cost).
        foreach (string kindAttribute in TableKinds.KindAttributeMetadataNames)
        {
            IncrementalValuesProvider<HandlerTypeModel> models = context.SyntaxProvider
                .ForAttributeWithMetadataName(
                    kindAttribute,
                    predicate: static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                    transform: static (ctx, ct) => Transform(ctx, ct))
                .WithTrackingName(TrackingNames.HandlerTypes)
                .Where(static m => m is not null)
                .Select(static (m, _) => m!)
                .WithTrackingName(TrackingNames.ValidHandlerTypes);

            context.RegisterSourceOutput(models, static (spc, model) => spc.AddSource(model.HintName, TableEmitter.Emit(model)));
        }
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
