using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelOps.Generators.Extensions;

internal static class SymbolExtensions
{
    /// <summary><c>global::Namespace.Type</c>, keywords for special types, identifiers escaped.</summary>
    public static string ToFullyQualified(this ITypeSymbol type) =>
        type.ToDisplayString(SymbolDisplayFormat.FullyQualifiedFormat);

    private static readonly SymbolDisplayFormat PlainNameFormat = new(
        typeQualificationStyle: SymbolDisplayTypeQualificationStyle.NameAndContainingTypesAndNamespaces,
        genericsOptions: SymbolDisplayGenericsOptions.IncludeTypeParameters);

    /// <summary><c>Namespace.Outer.Type</c> without <c>global::</c> or escaping, for messages and logs.</summary>
    public static string ToPlainName(this ISymbol symbol) => symbol.ToDisplayString(PlainNameFormat);

    /// <summary>A signature for messages, e.g. <c>static KResult&lt;nuint&gt; M(FileRef file, ref long position)</c>.</summary>
    public static string ToSignatureText(this IMethodSymbol method, string name)
    {
        var format = SymbolDisplayFormat.MinimallyQualifiedFormat;
        string parameters = string.Join(", ", method.Parameters.Select(p =>
            RefPrefix(p.RefKind) + p.Type.ToDisplayString(format) + " " + p.Name));
        return $"static {method.ReturnType.ToDisplayString(format)} {name}({parameters})";
    }

    /// <summary>Prefixes <c>@</c> when <paramref name="name"/> is a C# keyword.</summary>
    public static string EscapeIdentifier(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None ? "@" + name : name;

    public static string RefPrefix(RefKind kind) => kind switch
    {
        RefKind.Ref => "ref ",
        RefKind.Out => "out ",
        RefKind.In => "in ",
        RefKind.RefReadOnlyParameter => "ref readonly ",
        _ => string.Empty,
    };

    /// <summary>The argument prefix that passes a parameter of this ref kind on.</summary>
    public static string ArgumentPrefix(RefKind kind) => kind switch
    {
        RefKind.Ref => "ref ",
        RefKind.Out => "out ",
        RefKind.In => "in ",
        RefKind.RefReadOnlyParameter => "in ",
        _ => string.Empty,
    };

    /// <summary>True when every declaration of <paramref name="type"/> in source says <c>partial</c>.</summary>
    public static bool IsPartialInSource(this INamedTypeSymbol type)
    {
        if (type.DeclaringSyntaxReferences.Length == 0) return false;
        foreach (SyntaxReference reference in type.DeclaringSyntaxReferences)
        {
            if (reference.GetSyntax() is not TypeDeclarationSyntax declaration ||
                !declaration.Modifiers.Any(SyntaxKind.PartialKeyword))
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>True when <paramref name="ns"/> is the namespace named by <paramref name="parts"/>, outermost first.</summary>
    public static bool HasFullName(this INamespaceSymbol ns, ImmutableArray<string> parts)
    {
        INamespaceSymbol? current = ns;
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            if (current is null || current.IsGlobalNamespace || current.Name != parts[i]) return false;
            current = current.ContainingNamespace;
        }
        return current is { IsGlobalNamespace: true };
    }

    /// <summary>True when <paramref name="type"/> is a usable (non-error) named type.</summary>
    public static bool IsUsable(this ITypeSymbol? type) => type is not null && type.TypeKind != TypeKind.Error;

    /// <summary>True when <paramref name="type"/> or any type argument inside it is an error type.</summary>
    public static bool ContainsErrorType(this ITypeSymbol type) => type switch
    {
        IErrorTypeSymbol => true,
        INamedTypeSymbol named => named.TypeArguments.Any(ContainsErrorType),
        IPointerTypeSymbol pointer => ContainsErrorType(pointer.PointedAtType),
        IArrayTypeSymbol array => ContainsErrorType(array.ElementType),
        IFunctionPointerTypeSymbol fp => ContainsErrorType(fp.Signature.ReturnType) || fp.Signature.Parameters.Any(p => ContainsErrorType(p.Type)),
        _ => false,
    };

    /// <summary>True for <c>async</c> methods and methods returning something with a <c>GetAwaiter()</c> (Task, ValueTask, ...).</summary>
    public static bool IsAsyncOrAwaitable(this IMethodSymbol method)
    {
        if (method.IsAsync) return true;
        if (method.ReturnType is not INamedTypeSymbol returnType) return false;
        return returnType.GetMembers("GetAwaiter").OfType<IMethodSymbol>().Any(m => !m.IsStatic && m.Parameters.Length == 0);
    }

    /// <summary>The type's declaration keyword: class, struct, record, record struct or interface.</summary>
    public static string DeclarationKeyword(this INamedTypeSymbol type) => type.TypeKind switch
    {
        TypeKind.Struct => type.IsRecord ? "record struct" : "struct",
        TypeKind.Interface => "interface",
        _ => type.IsRecord ? "record" : "class",
    };
}
