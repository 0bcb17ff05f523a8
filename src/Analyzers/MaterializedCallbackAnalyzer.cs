using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using KernelOps.Analyzers.Diagnostics;
using KernelOps.Generators.Extensions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KernelOps.Analyzers;

/// <summary>
/// KOPS0011: every implementer of an interface marked <c>[MaterializedFromNothing]</c> must be
/// Copy-like and stateless, because the runtime calls it on <c>default(T)</c>: a <c>readonly
/// struct</c> with no instance fields (auto-properties included), no explicit constructor or field
/// initializer, and no <c>Dispose</c>. Stricter than Rust's <c>materialize_zst</c>, which only
/// ever forms a <c>&amp;F</c>; C# makes a value.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class MaterializedCallbackAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.StatefulMaterializedCallback);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            INamedTypeSymbol? marker = start.Compilation.GetTypeByMetadataName(KnownNames.MaterializedFromNothingAttribute);
            if (marker is null) return;
            start.RegisterSymbolAction(c => Analyze(c, marker), SymbolKind.NamedType);
        });
    }

    private static void Analyze(SymbolAnalysisContext context, INamedTypeSymbol marker)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        if (type.TypeKind is TypeKind.Interface) return;

        INamedTypeSymbol? materialized = type.AllInterfaces.FirstOrDefault(i =>
            i.OriginalDefinition.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, marker)));
        if (materialized is null) return;

        foreach ((string reason, bool readonlyFixes) in Reasons(type))
        {
            // Only "not readonly" has a mechanical fix: the readonly modifier.
            ImmutableDictionary<string, string?>? properties = readonlyFixes
                ? ImmutableDictionary<string, string?>.Empty.Add(KnownNames.FixProperty, KnownNames.FixReadonly)
                : null;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.StatefulMaterializedCallback,
                type.Locations.FirstOrDefault() ?? Location.None, properties, type.ToPlainName(), materialized.ToPlainName(), reason));
        }
    }

    private static IEnumerable<(string Reason, bool ReadonlyFixes)> Reasons(INamedTypeSymbol type)
    {
        if (type.TypeKind != TypeKind.Struct)
        {
            yield return ($"it is a {(type.IsRecord ? "record " : string.Empty)}{type.TypeKind.ToString().ToLowerInvariant()}: default(T) of a reference type is null; make it a readonly struct", false);
            yield break;
        }
        // readonly alone fixes it only when no instance field is writable (a readonly struct cannot have one: CS8340).
        bool onlyReadonlyFields = type.GetMembers().OfType<IFieldSymbol>().All(f => f.IsStatic || f.IsConst || f.IsReadOnly);
        if (!type.IsReadOnly) yield return ("it is not a readonly struct; mark it readonly so no member can grow state", onlyReadonlyFields);

        foreach (IFieldSymbol field in type.GetMembers().OfType<IFieldSymbol>().Where(f => !f.IsStatic && !f.IsConst))
        {
            string name = field.AssociatedSymbol?.Name ?? field.Name;
            yield return ($"it has instance {(field.AssociatedSymbol is null ? "field" : "auto-property")} '{name}', which default(T) always leaves zero", false);
        }

        if (type.InstanceConstructors.Any(c => !c.IsImplicitlyDeclared))
        {
            yield return ("it declares a constructor (or a primary constructor), which default(T) never runs", false);
        }

        if (type.AllInterfaces.Any(i => i.ToDisplayString() is "System.IDisposable" or "System.IAsyncDisposable") ||
            type.GetMembers("Dispose").OfType<IMethodSymbol>().Any(m => !m.IsStatic))
        {
            yield return ("it is disposable, and nothing will ever dispose a value made from nothing", false);
        }
    }
}
