using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelOps.Benchmarks;

/// <summary>
/// Stand-ins for the OpsTableGenerator that do only part of its work, so <c>generator --probes</c>
/// can split a run's time: <see cref="AttributesOnly"/> is the driver and ForAttributeWithMetadataName
/// on the same three kind attributes (finding the types and binding their attributes);
/// <see cref="WithMemberBinding"/> adds the binding discovery asks of each handler type (its
/// members, their attributes and signatures). What the real generator takes beyond that is its own
/// work: matching slots, building the model and emitting the source.
/// </summary>
internal static class GeneratorProbes
{
    private static readonly string[] KindAttributes =
        ["KernelOps.ProcOpsAttribute", "KernelOps.FileOperationsAttribute", "KernelOps.DebugFsCallbackFileAttribute"];

    private static void Register<T>(IncrementalGeneratorInitializationContext context, System.Func<GeneratorAttributeSyntaxContext, CancellationToken, T> transform)
    {
        foreach (string kind in KindAttributes)
        {
            IncrementalValuesProvider<T> values = context.SyntaxProvider.ForAttributeWithMetadataName(
                kind,
                predicate: static (node, _) => node is ClassDeclarationSyntax or StructDeclarationSyntax or RecordDeclarationSyntax,
                transform: transform);
            // Nodes only run when an output depends on them; this one adds nothing.
            context.RegisterSourceOutput(values, static (_, _) => { });
        }
    }

    public sealed class AttributesOnly : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context) =>
            Register(context, static (ctx, _) => ctx.TargetSymbol.Name);
    }

    public sealed class WithMemberBinding : IIncrementalGenerator
    {
        public void Initialize(IncrementalGeneratorInitializationContext context) =>
            Register(context, static (ctx, _) => Bind((INamedTypeSymbol)ctx.TargetSymbol));

        private static int Bind(INamedTypeSymbol type)
        {
            int seen = type.GetAttributes().Length + type.DeclaringSyntaxReferences.Length;
            foreach (ISymbol member in type.GetMembers())
            {
                if (member is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method) continue;
                seen += method.GetAttributes().Length;
                seen += method.ReturnsVoid ? 0 : method.ReturnType.SpecialType == SpecialType.None ? 1 : 2;
                foreach (IParameterSymbol parameter in method.Parameters)
                {
                    seen += (int)parameter.RefKind + (parameter.Type.TypeKind == TypeKind.Error ? 1 : 0);
                }
            }
            return seen;
        }
    }
}
