using System.Collections.Immutable;
using System.Linq;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Discovery;

/// <summary>Every table kind of <see cref="TableKinds"/> that resolves in a compilation.</summary>
internal sealed class KindCatalog
{
    private KindCatalog(ImmutableArray<KindDescription> kinds) => Kinds = kinds;

    public ImmutableArray<KindDescription> Kinds { get; }

    public bool IsEmpty => Kinds.IsEmpty;

    // One catalogue per compilation, shared by every transform of a generator run: without it each
    // handler type re-read the Runtime's kind descriptions (docs/PERFORMANCE.md, generator cost).
    // A ConditionalWeakTable keeps the catalogue (and the symbols in it) only while the compilation
    // itself is alive, so an old compilation is not kept alive through the cache.
    private static readonly ConditionalWeakTable<Compilation, KindCatalog> s_perCompilation = new();

    /// <summary>The catalogue of <paramref name="compilation"/>, read once and cached with it.</summary>
    public static KindCatalog For(Compilation compilation) =>
        s_perCompilation.GetValue(compilation, static c => Create(c));

    public static KindCatalog Create(Compilation compilation)
    {
        var kinds = ImmutableArray.CreateBuilder<KindDescription>();
        foreach (string name in TableKinds.KindAttributeMetadataNames)
        {
            if (compilation.GetTypeByMetadataName(name) is { } attribute &&
                KindDescription.TryRead(attribute, compilation) is { } kind)
            {
                kinds.Add(kind);
            }
        }
        return new KindCatalog(kinds.ToImmutable());
    }

    /// <summary>The kind selected by <paramref name="attributeClass"/>, if it is a kind attribute.</summary>
    public KindDescription? FindKind(INamedTypeSymbol? attributeClass) =>
        attributeClass is null ? null : Kinds.FirstOrDefault(k => SymbolEqualityComparer.Default.Equals(k.KindAttribute, attributeClass));

    /// <summary>True when some kind's <c>[OpsSlot]</c> names <paramref name="attributeClass"/>.</summary>
    public bool IsHandlerAttribute(INamedTypeSymbol? attributeClass) =>
        attributeClass is not null && Kinds.Any(k => k.NamesHandlerAttribute(attributeClass));
}
