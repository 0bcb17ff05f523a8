using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using KernelOps.Generators.Discovery;
using Microsoft.CodeAnalysis;

namespace KernelOps.Analyzers.Body;

/// <summary>
/// A method the kernel calls through a generated table: a handler-attributed method (with its
/// slot's role and operation, so the rules can read the Runtime's markers on its parameters) or a
/// callback-interface implementation (debugfs callbacks), which runs exactly where handlers run.
/// </summary>
internal sealed class HandlerEntry(IMethodSymbol method, SlotRole role, IMethodSymbol? invoke)
{
    public IMethodSymbol Method { get; } = method;

    public SlotRole Role { get; } = role;

    /// <summary>The operation's Invoke the method matches parameter for parameter, or null (callbacks, mismatched signatures).</summary>
    public IMethodSymbol? Invoke { get; } = invoke;

    /// <summary>The parameter of the method that the operation's parameter marked with <paramref name="marker"/> is, if any.</summary>
    public IParameterSymbol? ParameterMarkedWith(INamedTypeSymbol? marker)
    {
        if (marker is null || Invoke is null) return null;
        for (int i = 0; i < Invoke.Parameters.Length; i++)
        {
            if (Invoke.Parameters[i].GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, marker)))
            {
                return Method.Parameters[i];
            }
        }
        return null;
    }

    /// <summary>
    /// The entries of <paramref name="type"/>: for every kind it carries, the methods filling a slot,
    /// and the implementations of the interfaces the kinds fill slots from or the runtime calls on
    /// <c>default(T)</c>.
    /// </summary>
    public static ImmutableArray<HandlerEntry> Find(INamedTypeSymbol type, KindCatalog catalog, INamedTypeSymbol? materializedMarker)
    {
        var entries = new Dictionary<IMethodSymbol, HandlerEntry>(SymbolEqualityComparer.Default);
        foreach (AttributeData kindAttribute in type.GetAttributes())
        {
            if (catalog.FindKind(kindAttribute.AttributeClass) is not { } kind) continue;
            foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary))
            {
                foreach (AttributeData attribute in method.GetAttributes())
                {
                    if (attribute.AttributeClass is null) continue;
                    foreach (SlotDescription slot in kind.SlotsFor(attribute.AttributeClass))
                    {
                        if (entries.ContainsKey(method)) continue;
                        IMethodSymbol? invoke = method.Parameters.Length == slot.Invoke.Parameters.Length ? slot.Invoke
                            : slot.Stateful is { } variant && method.Parameters.Length == variant.Invoke.Parameters.Length ? variant.Invoke
                            : null;
                        entries[method] = new HandlerEntry(method, slot.Role, invoke);
                    }
                }
            }
        }

        var callbackInterfaces = new HashSet<INamedTypeSymbol>(catalog.Kinds.SelectMany(k => k.InterfaceFills).Select(f => f.Interface), SymbolEqualityComparer.Default);
        foreach (INamedTypeSymbol implemented in type.AllInterfaces)
        {
            INamedTypeSymbol definition = implemented.OriginalDefinition;
            bool runsInHandlerContext = callbackInterfaces.Contains(definition) ||
                (materializedMarker is not null && definition.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, materializedMarker)));
            if (!runsInHandlerContext) continue;
            foreach (IMethodSymbol member in implemented.GetMembers().OfType<IMethodSymbol>())
            {
                if (type.FindImplementationForInterfaceMember(member) is IMethodSymbol implementation &&
                    SymbolEqualityComparer.Default.Equals(implementation.ContainingType, type) &&
                    !entries.ContainsKey(implementation))
                {
                    entries[implementation] = new HandlerEntry(implementation, SlotRole.None, invoke: null);
                }
            }
        }
        return entries.Values.ToImmutableArray();
    }
}
