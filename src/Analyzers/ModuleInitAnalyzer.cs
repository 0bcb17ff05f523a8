using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using KernelOps.Analyzers.Body;
using KernelOps.Analyzers.Diagnostics;
using KernelOps.Generators.Discovery;
using KernelOps.Generators.Extensions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KernelOps.Analyzers;

/// <summary>
/// KOPS0018: a registration that publishes a table (a call to a method marked
/// <c>[PublishesTable]</c>: proc_create_data, misc_register, ...) followed, in the same method, by
/// a write of what the table's handlers read: a static they (or anything they call, in any type of
/// the compilation) read, or a member of the data handed to the registration. From the call on,
/// any CPU may run the handlers. Seed 001's init wrote its backing data first for this reason, and
/// called the opposite order unsound.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ModuleInitAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.PublishedBeforeInitialised);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? publishes = start.Compilation.GetTypeByMetadataName(KnownNames.PublishesTableAttribute);
            KindCatalog catalog = KindCatalog.Create(start.Compilation);
            if (publishes is null || catalog.IsEmpty) return;
            Markers markers = Markers.Read(start.Compilation);
            var state = new CompilationState();
            start.RegisterOperationBlockAction(block => Scan(block, publishes, state));
            start.RegisterCompilationEndAction(end => Report(end, catalog, markers, state));
        });
    }

    /// <summary>What every method of the compilation reads and calls, and the registrations found.</summary>
    private sealed class CompilationState
    {
        public readonly ConcurrentDictionary<IMethodSymbol, (ImmutableArray<ISymbol> StaticReads, ImmutableArray<IMethodSymbol> Callees)> Methods = new(SymbolEqualityComparer.Default);
        public readonly ConcurrentBag<Registration> Registrations = new();
    }

    /// <summary>A call publishing handler types, and the writes the same method makes after it.</summary>
    private sealed record Registration(
        IMethodSymbol Method,
        IMethodSymbol Api,
        ImmutableArray<INamedTypeSymbol> HandlerTypes,
        ImmutableArray<(ISymbol Symbol, Location Location, string Text)> StaticWritesAfter,
        ImmutableArray<(Location Location, string Text)> DataWritesAfter);

    private static void Scan(OperationBlockAnalysisContext block, INamedTypeSymbol publishes, CompilationState state)
    {
        if (block.OwningSymbol is not IMethodSymbol method) return;
        IOperation[] operations = block.OperationBlocks.SelectMany(b => b.DescendantsAndSelf()).ToArray();

        var reads = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var callees = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        foreach (IOperation operation in operations)
        {
            switch (operation)
            {
                case IFieldReferenceOperation { Field: { IsStatic: true, IsConst: false } field } reference when !IsPureWriteTarget(reference):
                    reads.Add(field.OriginalDefinition);
                    break;
                case IPropertyReferenceOperation { Property: { IsStatic: true } property } reference when !IsPureWriteTarget(reference):
                    reads.Add(property.OriginalDefinition);
                    if (property.GetMethod is { } getter) callees.Add(getter.OriginalDefinition);
                    break;
                case IPropertyReferenceOperation { Property: var property }:
                    if (property.GetMethod is { } g) callees.Add(g.OriginalDefinition);
                    if (property.SetMethod is { } s) callees.Add(s.OriginalDefinition);
                    break;
                case IInvocationOperation invocation:
                    callees.Add(invocation.TargetMethod.OriginalDefinition);
                    break;
                case IObjectCreationOperation { Constructor: { } constructor }:
                    callees.Add(constructor.OriginalDefinition);
                    break;
            }
        }
        state.Methods[method.OriginalDefinition] = (reads.ToImmutableArray(), callees.ToImmutableArray());

        foreach (IInvocationOperation call in operations.OfType<IInvocationOperation>())
        {
            if (!Markers.Has(call.TargetMethod.OriginalDefinition, publishes)) continue;
            ImmutableArray<INamedTypeSymbol> published = PublishedTypes(call);
            if (published.IsEmpty) continue;

            var data = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (IArgumentOperation argument in call.Arguments)
            {
                if (argument.Parameter is { } p && Markers.Has(p.OriginalDefinition, publishes) && SymbolOf(BodyScan.Unwrap(argument.Value)) is { } d) data.Add(d);
            }

            int after = call.Syntax.Span.End;
            var staticWrites = ImmutableArray.CreateBuilder<(ISymbol, Location, string)>();
            var dataWrites = ImmutableArray.CreateBuilder<(Location, string)>();
            foreach (IOperation operation in operations)
            {
                // After the call, or the very assignment of its result (s_entry = Proc.Create(...)).
                bool storesTheResult = operation is IAssignmentOperation a && a.Value.Syntax.Span.Contains(call.Syntax.Span);
                if (operation.Syntax.SpanStart < after && !storesTheResult) continue;
                foreach (IOperation target in WriteTargets(operation))
                {
                    if (BodyScan.StaticRoot(target) is { } root)
                    {
                        staticWrites.Add((root.OriginalDefinition, operation.Syntax.GetLocation(), $"static '{root.ContainingType.Name}.{root.Name}'"));
                    }
                    else if (DataRoot(target) is { } root2 && data.Contains(root2))
                    {
                        dataWrites.Add((operation.Syntax.GetLocation(), $"'{target.Syntax}', a member of the data it handed over"));
                    }
                }
            }
            if (staticWrites.Count > 0 || dataWrites.Count > 0)
            {
                state.Registrations.Add(new Registration(method, call.TargetMethod, published, staticWrites.ToImmutable(), dataWrites.ToImmutable()));
            }
        }
    }

    private static void Report(CompilationAnalysisContext context, KindCatalog catalog, Markers markers, CompilationState state)
    {
        var readsByType = new Dictionary<INamedTypeSymbol, HashSet<ISymbol>>(SymbolEqualityComparer.Default);
        foreach (Registration registration in state.Registrations)
        {
            string api = registration.Api.Name;
            string tables = string.Join(", ", registration.HandlerTypes.Select(t => t.ToPlainName()));
            foreach ((Location location, string text) in registration.DataWritesAfter)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PublishedBeforeInitialised, location, registration.Method.Name, text, api, tables));
            }

            var reads = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
            foreach (INamedTypeSymbol type in registration.HandlerTypes)
            {
                if (!readsByType.TryGetValue(type, out HashSet<ISymbol>? typeReads))
                {
                    readsByType[type] = typeReads = HandlerReads(type, catalog, markers, state);
                }
                reads.UnionWith(typeReads);
            }
            foreach ((ISymbol symbol, Location location, string text) in registration.StaticWritesAfter)
            {
                if (reads.Contains(symbol))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.PublishedBeforeInitialised, location, registration.Method.Name, text, api, tables));
                }
            }
        }
    }

    /// <summary>The statics read by the type's handlers and by everything they call, in any type of the compilation.</summary>
    private static HashSet<ISymbol> HandlerReads(INamedTypeSymbol type, KindCatalog catalog, Markers markers, CompilationState state)
    {
        var reads = new HashSet<ISymbol>(SymbolEqualityComparer.Default);
        var seen = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
        var queue = new Queue<IMethodSymbol>(HandlerEntry.Find(type, catalog, markers.MaterializedFromNothing).Select(e => e.Method.OriginalDefinition));
        while (queue.Count > 0)
        {
            IMethodSymbol method = queue.Dequeue();
            if (!seen.Add(method) || !state.Methods.TryGetValue(method, out var facts)) continue;
            reads.UnionWith(facts.StaticReads);
            foreach (IMethodSymbol callee in facts.Callees) queue.Enqueue(callee);
        }
        return reads;
    }

    /// <summary>
    /// The handler types a registration publishes: those of its arguments that are members of a type
    /// carrying a kind attribute (<c>RamFile.Table</c>), and its type arguments that are such types
    /// (<c>CreateCallbackFile&lt;ResetFile, Stats&gt;</c>).
    /// </summary>
    private static ImmutableArray<INamedTypeSymbol> PublishedTypes(IInvocationOperation call)
    {
        var types = new HashSet<INamedTypeSymbol>(SymbolEqualityComparer.Default);
        foreach (ITypeSymbol argument in call.TargetMethod.TypeArguments)
        {
            if (argument is INamedTypeSymbol named && HandlerDiscovery.KindAttributesOf(named).Length > 0) types.Add(named);
        }
        foreach (IArgumentOperation argument in call.Arguments)
        {
            INamedTypeSymbol? owner = BodyScan.Unwrap(argument.Value) switch
            {
                IPropertyReferenceOperation { Property.IsStatic: true } p => p.Property.ContainingType,
                IFieldReferenceOperation { Field.IsStatic: true } f => f.Field.ContainingType,
                _ => null,
            };
            if (owner is not null && HandlerDiscovery.KindAttributesOf(owner).Length > 0) types.Add(owner);
        }
        return types.ToImmutableArray();
    }

    /// <summary>What <paramref name="operation"/> writes: assignment and deconstruction targets, ++/--, ref and out arguments.</summary>
    private static IEnumerable<IOperation> WriteTargets(IOperation operation) => operation switch
    {
        IDeconstructionAssignmentOperation d => BodyScan.TupleElements(d.Target),
        IAssignmentOperation a => new[] { a.Target },
        IIncrementOrDecrementOperation i => new[] { i.Target },
        IArgumentOperation { Parameter.RefKind: RefKind.Ref or RefKind.Out } arg => new[] { arg.Value },
        _ => Enumerable.Empty<IOperation>(),
    };

    private static bool IsPureWriteTarget(IOperation reference) =>
        reference.Parent is ISimpleAssignmentOperation s && s.Target == reference ||
        reference.Parent is IArgumentOperation { Parameter.RefKind: RefKind.Out };

    /// <summary>The local, parameter or field a member write's instance chain starts from (<c>data.Items[0].X</c>: data).</summary>
    private static ISymbol? DataRoot(IOperation target) => target switch
    {
        IFieldReferenceOperation { Instance: { } i } => SymbolOf(i) ?? DataRoot(i),
        IPropertyReferenceOperation { Instance: { } i } => SymbolOf(i) ?? DataRoot(i),
        IArrayElementReferenceOperation { ArrayReference: var a } => SymbolOf(a) ?? DataRoot(a),
        _ => null,
    };

    private static ISymbol? SymbolOf(IOperation operation) => operation switch
    {
        ILocalReferenceOperation l => l.Local,
        IParameterReferenceOperation p => p.Parameter,
        IFieldReferenceOperation f => f.Field.OriginalDefinition,
        _ => null,
    };
}
