using System.Linq;
using Microsoft.CodeAnalysis;

namespace KernelOps.Analyzers.Body;

/// <summary>The Runtime's and the BCL's types the body rules look for, resolved once per compilation.</summary>
internal sealed class Markers
{
    private Markers(Compilation compilation)
    {
        Errno = compilation.GetTypeByMetadataName(KnownNames.Errno);
        CallScoped = compilation.GetTypeByMetadataName(KnownNames.CallScopedAttribute);
        FilePosition = compilation.GetTypeByMetadataName(KnownNames.FilePositionAttribute);
        DeclaredNonSeekable = compilation.GetTypeByMetadataName(KnownNames.DeclaredNonSeekableAttribute);
        MaterializedFromNothing = compilation.GetTypeByMetadataName(KnownNames.MaterializedFromNothingAttribute);
        FileRef = compilation.GetTypeByMetadataName(KnownNames.FileRef);
        Interlocked = compilation.GetTypeByMetadataName("System.Threading.Interlocked");
        Volatile = compilation.GetTypeByMetadataName("System.Threading.Volatile");
        LazyInitializer = compilation.GetTypeByMetadataName("System.Threading.LazyInitializer");
        Convert = compilation.GetTypeByMetadataName("System.Convert");
        Enumerable = compilation.GetSpecialType(SpecialType.System_Collections_IEnumerable);
        ThreadStatic = compilation.GetTypeByMetadataName("System.ThreadStaticAttribute");
    }

    public static Markers Read(Compilation compilation) => new(compilation);

    public INamedTypeSymbol? Errno { get; }
    public INamedTypeSymbol? CallScoped { get; }
    public INamedTypeSymbol? FilePosition { get; }
    public INamedTypeSymbol? DeclaredNonSeekable { get; }
    public INamedTypeSymbol? MaterializedFromNothing { get; }
    public INamedTypeSymbol? FileRef { get; }
    public INamedTypeSymbol? Interlocked { get; }
    public INamedTypeSymbol? Volatile { get; }
    public INamedTypeSymbol? LazyInitializer { get; }
    public INamedTypeSymbol? Convert { get; }
    public INamedTypeSymbol Enumerable { get; }
    public INamedTypeSymbol? ThreadStatic { get; }

    public static bool Has(ISymbol symbol, INamedTypeSymbol? marker) =>
        marker is not null && symbol.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, marker));

    public bool IsErrno(ITypeSymbol? type) => type is not null && Errno is not null && SymbolEqualityComparer.Default.Equals(type, Errno);

    public bool IsFileRef(ITypeSymbol? type) => type is not null && FileRef is not null && SymbolEqualityComparer.Default.Equals(type, FileRef);

    /// <summary>A type whose values are valid only during the handler call (<c>[CallScoped]</c> on its definition).</summary>
    public bool IsCallScopedType(ITypeSymbol? type) => type is INamedTypeSymbol named && Has(named.OriginalDefinition, CallScoped);

    /// <summary>A method that acts on the calling task (<c>[CallScoped]</c> on it).</summary>
    public bool IsCallScopedMethod(IMethodSymbol method) => Has(method.OriginalDefinition, CallScoped) || Has(method, CallScoped);

    /// <summary>Interlocked.*, Volatile.* and LazyInitializer.*: their ref arguments are atomic accesses, not plain writes.</summary>
    public bool IsAtomicAccess(IMethodSymbol method) =>
        method.ContainingType is { } t && (SymbolEqualityComparer.Default.Equals(t, Interlocked) || SymbolEqualityComparer.Default.Equals(t, Volatile) ||
            SymbolEqualityComparer.Default.Equals(t, LazyInitializer));

    public bool IsCollection(ITypeSymbol? type) =>
        type is IArrayTypeSymbol || (type is not null && type.AllInterfaces.Contains(Enumerable, SymbolEqualityComparer.Default));

    public static bool IsNumber(ITypeSymbol? type) => type?.SpecialType is
        SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16 or
        SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64 or
        SpecialType.System_IntPtr or SpecialType.System_UIntPtr or SpecialType.System_Single or SpecialType.System_Double or
        SpecialType.System_Decimal;
}
