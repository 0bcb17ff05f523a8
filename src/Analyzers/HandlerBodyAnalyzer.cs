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
/// Looks inside handler bodies, and inside the methods of the same type they call (transitively):
/// KOPS0009 (blocking on a task) and KOPS0010 (writing static state outside a lock). Handlers run
/// on many CPUs at once, synchronously, inside the caller's references.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class HandlerBodyAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.BlocksOnTask,
        DiagnosticDescriptors.UnsynchronizedStaticWrite);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            KindCatalog catalog = KindCatalog.Create(start.Compilation);
            if (catalog.IsEmpty) return;
            start.RegisterSymbolStartAction(symbolStart => StartType(symbolStart, catalog), SymbolKind.NamedType);
        });
    }

    /// <summary>One finding in one method's body, reported if the method is reachable from a handler.</summary>
    private sealed class Finding(DiagnosticDescriptor descriptor, Location location, string[] arguments)
    {
        public DiagnosticDescriptor Descriptor { get; } = descriptor;
        public Location Location { get; } = location;
        public string[] Arguments { get; } = arguments;
    }

    private static void StartType(SymbolStartAnalysisContext context, KindCatalog catalog)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (!HandlerDiscovery.HasKindAttribute(type, catalog)) return;

        IMethodSymbol[] handlers = type.GetMembers().OfType<IMethodSymbol>()
            .Where(m => m.MethodKind == MethodKind.Ordinary && m.GetAttributes().Any(a => catalog.IsHandlerAttribute(a.AttributeClass)))
            .ToArray();
        if (handlers.Length == 0) return;

        var calls = new ConcurrentDictionary<IMethodSymbol, ImmutableArray<IMethodSymbol>>(SymbolEqualityComparer.Default);
        var findings = new ConcurrentDictionary<IMethodSymbol, ImmutableArray<Finding>>(SymbolEqualityComparer.Default);

        context.RegisterOperationBlockAction(block =>
        {
            if (block.OwningSymbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary } method) return;
            var callees = new List<IMethodSymbol>();
            var found = new List<Finding>();
            foreach (IOperation root in block.OperationBlocks)
            {
                foreach (IOperation operation in root.DescendantsAndSelf())
                {
                    Inspect(operation, type, method, callees, found);
                }
            }
            calls[method] = callees.ToImmutableArray();
            findings[method] = found.ToImmutableArray();
        });

        context.RegisterSymbolEndAction(end =>
        {
            // Breadth-first from every handler; each method is reported once, naming the first handler that reaches it.
            var reachedFrom = new Dictionary<IMethodSymbol, IMethodSymbol>(SymbolEqualityComparer.Default);
            var queue = new Queue<IMethodSymbol>();
            foreach (IMethodSymbol handler in handlers)
            {
                if (!reachedFrom.ContainsKey(handler)) { reachedFrom[handler] = handler; queue.Enqueue(handler); }
            }
            while (queue.Count > 0)
            {
                IMethodSymbol method = queue.Dequeue();
                if (!calls.TryGetValue(method, out ImmutableArray<IMethodSymbol> callees)) continue;
                foreach (IMethodSymbol callee in callees)
                {
                    if (!reachedFrom.ContainsKey(callee)) { reachedFrom[callee] = reachedFrom[method]; queue.Enqueue(callee); }
                }
            }

            foreach (KeyValuePair<IMethodSymbol, IMethodSymbol> pair in reachedFrom)
            {
                if (!findings.TryGetValue(pair.Key, out ImmutableArray<Finding> list)) continue;
                foreach (Finding finding in list)
                {
                    string[] arguments = finding.Arguments.Append(pair.Value.Name).ToArray();
                    end.ReportDiagnostic(Diagnostic.Create(finding.Descriptor, finding.Location, arguments.Cast<object>().ToArray()));
                }
            }
        });
    }

    private static void Inspect(IOperation operation, INamedTypeSymbol type, IMethodSymbol method, List<IMethodSymbol> callees, List<Finding> found)
    {
        switch (operation)
        {
            case IInvocationOperation invocation:
                IMethodSymbol target = invocation.TargetMethod.OriginalDefinition;
                if (SymbolEqualityComparer.Default.Equals(target.ContainingType, type) && target.MethodKind == MethodKind.Ordinary)
                {
                    callees.Add(target);
                }
                if (BlockingCall(target) is { } what)
                {
                    found.Add(new Finding(DiagnosticDescriptors.BlocksOnTask, invocation.Syntax.GetLocation(), new[] { method.Name, what }));
                }
                break;

            case IPropertyReferenceOperation { Property.Name: "Result" } result when IsTaskType(result.Property.ContainingType):
                found.Add(new Finding(DiagnosticDescriptors.BlocksOnTask, result.Syntax.GetLocation(), new[] { method.Name, "reads Task.Result" }));
                break;

            case IAssignmentOperation assignment:
                CheckStaticWrite(assignment.Target, assignment is ISimpleAssignmentOperation, operation, method, found);
                break;

            case IIncrementOrDecrementOperation increment:
                CheckStaticWrite(increment.Target, simple: false, operation, method, found);
                break;
        }
    }

    private static string? BlockingCall(IMethodSymbol method)
    {
        INamedTypeSymbol? type = method.ContainingType;
        if (type is null) return null;
        string ns = type.ContainingNamespace?.ToDisplayString() ?? string.Empty;
        if (ns is not ("System.Threading.Tasks" or "System.Runtime.CompilerServices")) return null;
        return method.Name switch
        {
            "Wait" or "WaitAll" or "WaitAny" when type.Name == "Task" => $"calls Task.{method.Name}()",
            "GetResult" when type.Name.EndsWith("Awaiter", System.StringComparison.Ordinal) => "calls GetAwaiter().GetResult()",
            _ => null,
        };
    }

    private static bool IsTaskType(INamedTypeSymbol? type) =>
        type is { Name: "Task" or "ValueTask", ContainingNamespace: var ns } && ns?.ToDisplayString() == "System.Threading.Tasks";

    /// <summary>
    /// The heuristic: a write whose target is a static field (not const, readonly, [ThreadStatic],
    /// or volatile for a plain store) or a static property declared in this compilation, not inside
    /// a <c>lock</c> or while a <c>KernelMutex</c> guard is held by a <c>using</c>. Interlocked/Volatile
    /// calls take <c>ref field</c> and are not writes here.
    /// </summary>
    private static void CheckStaticWrite(IOperation target, bool simple, IOperation write, IMethodSymbol method, List<Finding> found)
    {
        ISymbol? member = null;
        string kind = "field";
        switch (target)
        {
            case IFieldReferenceOperation { Field: { IsStatic: true, IsConst: false } field }:
                if (field.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == "System.ThreadStaticAttribute")) return;
                if (simple && field.IsVolatile) return;
                member = field;
                break;
            case IPropertyReferenceOperation { Property: { IsStatic: true } property } when property.Locations.Any(l => l.IsInSource):
                member = property;
                kind = "property";
                break;
        }
        if (member is null) return;

        IOperation child = write;
        for (IOperation? parent = write.Parent; parent is not null; child = parent, parent = parent.Parent)
        {
            if (parent is ILockOperation) return;
            if (parent is IUsingOperation { Resources: var resource } && child != resource && HoldsKernelMutex(resource)) return;
            if (parent is IBlockOperation block && KernelMutexHeldBefore(block, child)) return;
        }

        found.Add(new Finding(DiagnosticDescriptors.UnsynchronizedStaticWrite, write.Syntax.GetLocation(),
            new[] { method.Name, kind, member.ContainingType.Name + "." + member.Name }));
    }

    // `using (mutex.Lock()) { ... }` or `using (var guard = mutex.Lock())`: a KernelMutex.Guard held
    // for the statement.
    private static bool HoldsKernelMutex(IOperation resource) => resource switch
    {
        IVariableDeclarationGroupOperation group => group.Declarations.Any(d => d.Declarators.Any(v => IsKernelMutexGuard(v.Symbol.Type))),
        _ => IsKernelMutexGuard(resource.Type),
    };

    // `using var guard = mutex.Lock();` earlier in the same block: held until the block ends.
    private static bool KernelMutexHeldBefore(IBlockOperation block, IOperation child)
    {
        foreach (IOperation statement in block.Operations)
        {
            if (statement == child) return false;
            if (statement is IUsingDeclarationOperation { DeclarationGroup: var group } && HoldsKernelMutex(group)) return true;
        }
        return false;
    }

    private static bool IsKernelMutexGuard(ITypeSymbol? type) =>
        type is { Name: "Guard", ContainingType: { Name: "KernelMutex", ContainingNamespace: { Name: "KernelOps", ContainingNamespace.IsGlobalNamespace: true } } };
}
