using System.Linq;
using KernelOps.Analyzers.Body;
using Microsoft.CodeAnalysis;

namespace KernelOps.Analyzers;

/// <summary>
/// The result types an <c>Errno</c> converts to (KResult, KResult&lt;T&gt;, OpenResult&lt;T&gt;,
/// ProbeResult&lt;T&gt;: each declares <c>implicit operator R(Errno)</c>) and the success form of
/// the ones that have a value-free or numeric success, shared by KOPS0015's and KOPS0020's fixes.
/// </summary>
internal static class ErrnoResults
{
    /// <summary>True for a type with an implicit conversion from <paramref name="errno"/> to itself.</summary>
    public static bool AcceptsErrno(ITypeSymbol? type, INamedTypeSymbol? errno) =>
        errno is not null && type is INamedTypeSymbol named && named.GetMembers(WellKnownMemberNames.ImplicitConversionName).OfType<IMethodSymbol>()
            .Any(m => m.Parameters.Length == 1 && SymbolEqualityComparer.Default.Equals(m.Parameters[0].Type, errno) &&
                SymbolEqualityComparer.Default.Equals(m.ReturnType, named));

    /// <summary>
    /// The success <paramref name="result"/> type offers for a zero written as <paramref name="zero"/>
    /// (of type <paramref name="zeroType"/>, before it became an Errno), fully qualified for the
    /// simplifier: <c>KResult.Ok</c>, or <c>KResult&lt;T&gt;.Ok(value)</c> with the zero as written
    /// when it is a T, else <c>0</c> for a numeric T and <c>default</c> otherwise. Null when the type
    /// has no success without a value of its own (OpenResult&lt;T&gt;'s state, ProbeResult&lt;T&gt;'s data).
    /// </summary>
    public static string? SuccessForm(ITypeSymbol? result, string zero, ITypeSymbol? zeroType)
    {
        if (result is not INamedTypeSymbol { ContainingNamespace: { } ns, Name: "KResult" } named || ns.ToDisplayString() != "KernelOps") return null;
        string type = named.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);
        if (named.TypeArguments.Length == 0) return type + ".Ok";
        ITypeSymbol value = named.TypeArguments[0];
        string argument = SymbolEqualityComparer.Default.Equals(value, zeroType) ? zero
            : Markers.IsNumber(value) ? "0"
            : "default";
        return $"{type}.Ok({argument})";
    }
}
