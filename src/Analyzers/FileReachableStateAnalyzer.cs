using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using KernelOps.Analyzers.Diagnostics;
using KernelOps.Generators.Discovery;
using KernelOps.Generators.Extensions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KernelOps.Analyzers;

/// <summary>
/// KOPS0040: state an open file can reach must not hold a device-managed resource directly (the
/// seed's "devm_kzalloc for chardev data" use-after-free waiting for an unplug). The roots are the
/// per-open state a file handler creates (the type an operation interface's
/// <c>[ReachableFromFiles]</c> type parameter binds to) and every argument passed to a
/// <c>[ReachableFromFiles]</c> parameter (a device's registration data, an anonymous file's state).
/// From each root the analyzer follows the instance fields of the types declared in the
/// compilation, through arrays and generic arguments, stopping at <c>[RevocableWrapper]</c> types;
/// a field whose type is <c>[DeviceManaged]</c> is reported where it is declared (or at the root,
/// when the root itself is device-managed or the field is not in source). All three markers are the
/// Runtime's; the analyzer has no list of types of its own.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class FileReachableStateAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.DeviceManagedReachableFromFile);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            Compilation compilation = start.Compilation;
            INamedTypeSymbol? managed = compilation.GetTypeByMetadataName(KnownNames.DeviceManagedAttribute);
            INamedTypeSymbol? revocable = compilation.GetTypeByMetadataName(KnownNames.RevocableWrapperAttribute);
            INamedTypeSymbol? reachable = compilation.GetTypeByMetadataName(KnownNames.ReachableFromFilesAttribute);
            if (managed is null || revocable is null || reachable is null) return;
            var markers = new Markers(managed, revocable, reachable);
            var reported = new ConcurrentDictionary<ISymbol, byte>(SymbolEqualityComparer.Default);
            KindCatalog catalog = KindCatalog.Create(compilation);

            if (!catalog.IsEmpty)
            {
                start.RegisterSymbolAction(c => AnalyzeHandlerType(c, catalog, markers, reported), SymbolKind.NamedType);
            }
            start.RegisterOperationAction(c => AnalyzeInvocation(c, markers, reported), OperationKind.Invocation);
        });
    }

    private sealed class Markers(INamedTypeSymbol managed, INamedTypeSymbol revocable, INamedTypeSymbol reachable)
    {
        public bool IsManaged(ITypeSymbol type) => Has(type.OriginalDefinition, managed);

        public bool IsRevocable(ITypeSymbol type) => Has(type.OriginalDefinition, revocable);

        public bool IsReachable(ISymbol symbol) => Has(symbol, reachable);

        private static bool Has(ISymbol symbol, INamedTypeSymbol attribute) =>
            symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attribute));
    }

    // Per-open state: what a handler type's creating handler (open) returns, when the operation's
    // state type parameter is marked [ReachableFromFiles] (file operations are; driver data is not).
    private static void AnalyzeHandlerType(SymbolAnalysisContext context, KindCatalog catalog, Markers markers, ConcurrentDictionary<ISymbol, byte> reported)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        foreach (AttributeData kindAttribute in type.GetAttributes())
        {
            if (catalog.FindKind(kindAttribute.AttributeClass) is not { } kind) continue;
            foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>())
            {
                foreach (AttributeData attribute in method.GetAttributes())
                {
                    if (attribute.AttributeClass is not { } attributeClass) continue;
                    foreach (SlotDescription slot in kind.SlotsFor(attributeClass))
                    {
                        if (slot.Stateful is not { Role: StatefulVariant.RoleCreate } variant) continue;
                        if (!markers.IsReachable(variant.Definition.TypeParameters[0])) continue;
                        if (variant.InferState(method) is not { } state) continue;
                        Location origin = method.Locations.FirstOrDefault() ?? Location.None;
                        Check(state, origin, $"the per-open state '{state.ToPlainName()}' of {type.ToPlainName()}", markers, reported, context.ReportDiagnostic);
                    }
                }
            }
        }
    }

    // Registration data and anonymous-file state: arguments of [ReachableFromFiles] parameters.
    private static void AnalyzeInvocation(OperationAnalysisContext context, Markers markers, ConcurrentDictionary<ISymbol, byte> reported)
    {
        var invocation = (IInvocationOperation)context.Operation;
        foreach (IArgumentOperation argument in invocation.Arguments)
        {
            if (argument.Parameter is not { } parameter || !markers.IsReachable(parameter.OriginalDefinition)) continue;
            if (argument.ArgumentKind == ArgumentKind.DefaultValue) continue;
            IOperation value = argument.Value;
            while (value is IConversionOperation { IsImplicit: true } conversion) value = conversion.Operand;
            if (value.Type is not { } type) continue;
            Check(type, argument.Syntax.GetLocation(), $"'{parameter.Name}' of {invocation.TargetMethod.ContainingType.Name}.{invocation.TargetMethod.Name}", markers, reported, context.ReportDiagnostic);
        }
    }

    private static void Check(ITypeSymbol root, Location origin, string rootDescription, Markers markers, ConcurrentDictionary<ISymbol, byte> reported, System.Action<Diagnostic> report)
    {
        if (markers.IsRevocable(root)) return;
        if (markers.IsManaged(root))
        {
            report(Diagnostic.Create(DiagnosticDescriptors.DeviceManagedReachableFromFile, origin, root.ToPlainName(), root.ToPlainName(), rootDescription));
            return;
        }
        var visited = new HashSet<ITypeSymbol>(SymbolEqualityComparer.Default);
        var queue = new Queue<(ITypeSymbol Type, string Path)>();
        queue.Enqueue((root, rootDescription));
        while (queue.Count > 0)
        {
            (ITypeSymbol current, string path) = queue.Dequeue();
            if (!visited.Add(current)) continue;
            for (ITypeSymbol? t = current; t is not null && InSource(t); t = t.BaseType)
            {
                foreach (IFieldSymbol field in t.GetMembers().OfType<IFieldSymbol>())
                {
                    if (field.IsStatic || field.IsConst) continue;
                    string name = field.AssociatedSymbol?.Name ?? field.Name;
                    string fieldPath = $"{path}.{name}";
                    if (FindManaged(field.Type, markers, queue, fieldPath) is not { } managed) continue;
                    ISymbol at = field.AssociatedSymbol ?? field;
                    Location location = at.Locations.FirstOrDefault(l => l.IsInSource) ?? origin;
                    if (location == origin || reported.TryAdd(at, 0))
                    {
                        report(Diagnostic.Create(DiagnosticDescriptors.DeviceManagedReachableFromFile, location,
                            $"{t.ToPlainName()}.{name}", managed.ToPlainName(), fieldPath));
                    }
                }
            }
        }
    }

    /// <summary>
    /// The device-managed type <paramref name="type"/> is or carries (as an array element or generic
    /// argument), or null; types declared in source are queued to have their own fields walked.
    /// A revocable type hides what it wraps.
    /// </summary>
    private static ITypeSymbol? FindManaged(ITypeSymbol type, Markers markers, Queue<(ITypeSymbol, string)> queue, string path)
    {
        if (markers.IsRevocable(type)) return null;
        if (markers.IsManaged(type)) return type;
        switch (type)
        {
            case IArrayTypeSymbol array:
                return FindManaged(array.ElementType, markers, queue, path + "[]");
            case INamedTypeSymbol named:
                foreach (ITypeSymbol argument in named.TypeArguments)
                    if (FindManaged(argument, markers, queue, path) is { } found) return found;
                if (InSource(named)) queue.Enqueue((named, path));
                return null;
            default:
                return null;
        }
    }

    private static bool InSource(ITypeSymbol type) =>
        type.TypeKind is TypeKind.Class or TypeKind.Struct && type.OriginalDefinition.Locations.Any(l => l.IsInSource);
}
