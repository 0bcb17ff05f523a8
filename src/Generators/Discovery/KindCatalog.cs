using System.Collections.Immutable;
using System.Runtime.CompilerServices;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KernelOps.Generators.Discovery;

/// <summary>Every table kind of <see cref="TableKinds"/> that resolves in a compilation.</summary>
internal sealed class KindCatalog
{
    private KindCatalog(ImmutableArray<KindDescription> kinds, bool unsafeAllowed, bool canEmit)
    {
        Kinds = kinds;
        UnsafeAllowed = unsafeAllowed;
        CanEmit = canEmit;
    }

    public ImmutableArray<KindDescription> Kinds { get; }

    /// <summary>The compilation allows unsafe code (the generated thunks need it).</summary>
    public bool UnsafeAllowed { get; }

    /// <summary>The types the generated code names resolve: <c>OpsTable&lt;T&gt;</c> and <c>UnmanagedCallersOnlyAttribute</c>.</summary>
    public bool CanEmit { get; }

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
        return new KindCatalog(
            kinds.ToImmutable(),
            unsafeAllowed: compilation.Options is CSharpCompilationOptions { AllowUnsafe: true },
            canEmit: compilation.GetTypeByMetadataName(KnownTypeNames.OpsTable) is not null &&
                compilation.GetTypeByMetadataName(KnownTypeNames.UnmanagedCallersOnlyAttribute) is not null);
    }

    /// <summary>The kind selected by <paramref name="attributeClass"/>, if it is a kind attribute.</summary>
    public KindDescription? FindKind(INamedTypeSymbol? attributeClass)
    {
        if (attributeClass is null) return null;
        foreach (KindDescription kind in Kinds)
        {
            if (SymbolEqualityComparer.Default.Equals(kind.KindAttribute, attributeClass)) return kind;
        }
        return null;
    }

    /// <summary>True when some kind's <c>[OpsSlot]</c> names <paramref name="attributeClass"/>.</summary>
    public bool IsHandlerAttribute(INamedTypeSymbol? attributeClass)
    {
        if (attributeClass is null) return false;
        foreach (KindDescription kind in Kinds)
        {
            if (kind.NamesHandlerAttribute(attributeClass)) return true;
        }
        return false;
    }
}
