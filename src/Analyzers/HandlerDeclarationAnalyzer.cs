using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using KernelOps.Analyzers.Diagnostics;
using KernelOps.Generators.Diagnostics;
using KernelOps.Generators.Discovery;
using KernelOps.Generators.Extensions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KernelOps.Analyzers;

/// <summary>
/// Reports unsound handler declarations while typing. KOPS0001-KOPS0006 are the generator's own
/// judgement (<see cref="HandlerDiscovery"/>), so what is reported is exactly what the generator
/// skipped (KOPS0008, the same judgement, the generator reports itself: see
/// <see cref="GeneratorDiagnostics"/>); KOPS0012-KOPS0014 compare the type with its kind attribute
/// (several kinds, an explicit declaration, seekability).
/// </summary>
[DiagnosticAnalyzer(Microsoft.CodeAnalysis.LanguageNames.CSharp)]
public sealed class HandlerDeclarationAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(
        DiagnosticDescriptors.SignatureMismatch,
        DiagnosticDescriptors.NotStatic,
        DiagnosticDescriptors.InvalidHandlerType,
        DiagnosticDescriptors.DuplicateSlot,
        DiagnosticDescriptors.NoSuchSlot,
        DiagnosticDescriptors.UnsafeNotAllowed,
        DiagnosticDescriptors.MultipleKinds,
        DiagnosticDescriptors.DeclaredOpsMismatch,
        DiagnosticDescriptors.SeekableWithoutLseek,
        DiagnosticDescriptors.MissingRequiredSetting);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            KindCatalog catalog = KindCatalog.Create(start.Compilation);
            if (catalog.IsEmpty) return; // the Runtime is not referenced: nothing to judge
            INamedTypeSymbol? nonSeekableMarker = start.Compilation.GetTypeByMetadataName(KnownNames.DeclaredNonSeekableAttribute);
            start.RegisterSymbolStartAction(symbolStart =>
            {
                // The open handlers' bodies are read for nonseekable_open (KOPS0014); everything else
                // is judged from declarations when the type is complete.
                var openCalls = new OpenCallGraph(nonSeekableMarker, (INamedTypeSymbol)symbolStart.Symbol);
                if (HandlerDiscovery.HasKindAttribute((INamedTypeSymbol)symbolStart.Symbol, catalog))
                {
                    symbolStart.RegisterOperationBlockAction(openCalls.Record);
                }
                symbolStart.RegisterSymbolEndAction(end => AnalyzeType(end, catalog, openCalls));
            }, SymbolKind.NamedType);
        });
    }

    private static void AnalyzeType(SymbolAnalysisContext context, KindCatalog catalog, OpenCallGraph openCalls)
    {
        var type = (INamedTypeSymbol)context.Symbol;
        AttributeData[] kindAttributes = type.GetAttributes().Where(a => catalog.FindKind(a.AttributeClass) is not null).ToArray();
        ImmutableArray<AttributeData> allKinds = HandlerDiscovery.KindAttributesOf(type);
        bool severalKinds = allKinds.Length > 1;
        if (kindAttributes.Length == 0)
        {
            Report(context, HandlerDiscovery.FindOrphanHandlers(type, catalog));
        }
        else
        {
            IEnumerable<HandlerProblem> problems = kindAttributes
                .SelectMany(a => HandlerDiscovery.Discover(type, a, catalog, context.CancellationToken).Problems)
                // Once per type and place: KOPS0006 even when the type carries several kinds, and
                // with several kinds (KOPS0012: no table at all) each problem once, not once per kind.
                .GroupBy(p => p.Kind == ProblemKind.UnsafeNotAllowed ? "unsafe"
                    : severalKinds ? p.Kind + "|" + p.Location
                    : p.Kind + "|" + p.Location + "|" + string.Join("|", p.Arguments))
                .Select(g => g.First());
            Report(context, problems);
        }

        // KOPS0012: generic over every [OpsTableKind] attribute, listed in TableKinds or not.
        if (severalKinds)
        {
            string names = string.Join(" and ", allKinds.Select(a => "[" + ShortName(a.AttributeClass!) + "]"));
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.MultipleKinds, TypeLocation(type), type.ToPlainName(), names));
            return; // no table is generated: what each kind's declaration says (KOPS0013, KOPS0014) is moot
        }

        foreach (AttributeData kindAttribute in kindAttributes)
        {
            KindDescription kind = catalog.FindKind(kindAttribute.AttributeClass)!;
            Dictionary<IFieldSymbol, List<IMethodSymbol>> claims = Claims(type, kind);
            CheckDeclaration(context, type, kind, kindAttribute, claims);
            CheckSeekable(context, type, kind, kindAttribute, claims, openCalls);
        }
    }

    private static void Report(SymbolAnalysisContext context, IEnumerable<HandlerProblem> problems)
    {
        foreach (HandlerProblem problem in problems)
        {
            // The generator reports these itself: the analyzer may never run (see ProblemKind.AsyncHandler).
            if (GeneratorDiagnostics.For(problem.Kind) is not null) continue;

            ImmutableDictionary<string, string?>? properties = problem.Kind == ProblemKind.SignatureMismatch
                ? ImmutableDictionary<string, string?>.Empty.Add(KnownNames.SignatureProperty, problem.Arguments[3])
                : null;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.For(problem.Kind), problem.Location, properties, problem.Arguments.Cast<object>().ToArray()));
        }
    }

    private static Dictionary<IFieldSymbol, List<IMethodSymbol>> Claims(INamedTypeSymbol type, KindDescription kind)
    {
        var claims = new Dictionary<IFieldSymbol, List<IMethodSymbol>>(SymbolEqualityComparer.Default);
        foreach (IMethodSymbol method in type.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary))
        {
            foreach (AttributeData attribute in method.GetAttributes())
            {
                if (attribute.AttributeClass is null) continue;
                foreach (SlotDescription slot in kind.SlotsFor(attribute.AttributeClass))
                {
                    if (!claims.TryGetValue(slot.Field, out List<IMethodSymbol>? list)) claims[slot.Field] = list = new List<IMethodSymbol>();
                    list.Add(method);
                }
            }
        }
        return claims;
    }

    /// <summary>The kind attribute's property marked with <paramref name="markerName"/>, if the kind has one.</summary>
    internal static IPropertySymbol? MarkedProperty(INamedTypeSymbol kindAttribute, string markerName) =>
        kindAttribute.GetMembers().OfType<IPropertySymbol>()
            .FirstOrDefault(p => p.GetAttributes().Any(a => a.AttributeClass?.ToDisplayString() == markerName));

    // ---- KOPS0013 -----------------------------------------------------------------------------------

    private static void CheckDeclaration(SymbolAnalysisContext context, INamedTypeSymbol type, KindDescription kind, AttributeData kindAttribute,
        Dictionary<IFieldSymbol, List<IMethodSymbol>> claims)
    {
        Location attributeLocation = AttributeLocation(kindAttribute, type, context.CancellationToken);
        string typeName = type.ToPlainName();

        // Declared non-seekable but an lseek handler is written: the declaration is false.
        if (MarkedProperty(kind.KindAttribute, KnownNames.DeclaredNonSeekableAttribute) is { } nonSeekable &&
            NamedArgument(kindAttribute, nonSeekable.Name) is { Value: true } &&
            LseekSlot(kind) is { } lseek && claims.TryGetValue(lseek.Field, out List<IMethodSymbol>? seekers))
        {
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DeclaredOpsMismatch,
                ArgumentLocation(kindAttribute, nonSeekable.Name, context.CancellationToken) ?? attributeLocation,
                typeName, $"{nonSeekable.Name} = true declares the file not seekable, but '{seekers[0].Name}' implements slot '{lseek.Field.Name}'"));
        }

        if (MarkedProperty(kind.KindAttribute, KnownNames.DeclaredSlotsAttribute) is not { } declaredProperty ||
            NamedArgument(kindAttribute, declaredProperty.Name) is not { Kind: TypedConstantKind.Array, IsNull: false } declaredArray)
        {
            return; // no explicit declaration: the implemented slots are the declaration
        }

        Location declarationLocation = ArgumentLocation(kindAttribute, declaredProperty.Name, context.CancellationToken) ?? attributeLocation;
        ExpressionSyntax[] elements = DeclarationElements(kindAttribute, declaredProperty.Name, context.CancellationToken);
        HashSet<string> slotNames = new(kind.Slots.Select(s => s.Field.Name));
        HashSet<string> allFieldNames = new(kind.TableType.GetMembers().OfType<IFieldSymbol>().Select(f => f.Name));
        var declared = new HashSet<string>();
        for (int i = 0; i < declaredArray.Values.Length; i++)
        {
            string? name = declaredArray.Values[i].Value as string;
            Location location = i < elements.Length ? elements[i].GetLocation() : declarationLocation;
            string? problem = null;
            if (name is null) problem = "a declared slot name is null";
            else if (!slotNames.Contains(name))
            {
                problem = allFieldNames.Contains(name)
                    ? $"{declaredProperty.Name} declares '{name}', a field of {kind.TableType.Name} that handlers cannot implement"
                    : $"{declaredProperty.Name} declares '{name}', which is not a slot of {kind.TableType.Name} (slots: {string.Join(", ", slotNames)})";
            }
            else if (!declared.Add(name)) problem = $"{declaredProperty.Name} declares '{name}' twice";
            else if (!claims.ContainsKey(kind.Slots.First(s => s.Field.Name == name).Field))
            {
                problem = $"{declaredProperty.Name} declares '{name}' but no method implements it; the slot would be null and the kernel would answer for it";
            }

            if (problem is not null)
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DeclaredOpsMismatch, location,
                    Properties(KnownNames.ActionRemove, name ?? string.Empty, declaredProperty.Name), typeName, problem));
            }
        }

        foreach (SlotDescription slot in kind.Slots)
        {
            if (claims.TryGetValue(slot.Field, out List<IMethodSymbol>? methods) && !declared.Contains(slot.Field.Name))
            {
                context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.DeclaredOpsMismatch, declarationLocation,
                    Properties(KnownNames.ActionAdd, slot.Field.Name, declaredProperty.Name), typeName,
                    $"'{methods[0].Name}' implements '{slot.Field.Name}' but {declaredProperty.Name} does not declare it (the /dev/printerfact bug)"));
            }
        }
    }

    private static ImmutableDictionary<string, string?> Properties(string action, string slot, string property) =>
        ImmutableDictionary<string, string?>.Empty
            .Add(KnownNames.ActionProperty, action)
            .Add(KnownNames.SlotProperty, slot)
            .Add(KnownNames.PropertyNameProperty, property);

    // ---- KOPS0014 -----------------------------------------------------------------------------------

    private static void CheckSeekable(SymbolAnalysisContext context, INamedTypeSymbol type, KindDescription kind, AttributeData kindAttribute,
        Dictionary<IFieldSymbol, List<IMethodSymbol>> claims, OpenCallGraph openCalls)
    {
        if (LseekSlot(kind) is not { } lseek || claims.ContainsKey(lseek.Field)) return;
        // The kind fills lseek itself for types implementing one of its interfaces.
        if (kind.InterfaceFills.Any(f => SymbolEqualityComparer.Default.Equals(f.Slot.Field, lseek.Field) && f.ConstructFor(type) is not null)) return;

        IPropertySymbol? nonSeekable = MarkedProperty(kind.KindAttribute, KnownNames.DeclaredNonSeekableAttribute);
        if (nonSeekable is not null && NamedArgument(kindAttribute, nonSeekable.Name) is { Value: true }) return;

        // nonseekable_open()/stream_open() called in the open handler or a method of the type it calls.
        IEnumerable<IMethodSymbol> openHandlers = kind.Slots
            .Where(s => s.Role == SlotRole.Open && claims.ContainsKey(s.Field))
            .SelectMany(s => claims[s.Field]);
        if (openCalls.AnyDeclaresNonSeekable(openHandlers)) return;

        string remedy = nonSeekable is null ? $"a [DeclaredNonSeekable] bool property on [{ShortName(kind.KindAttribute)}]" : $"[{ShortName(kind.KindAttribute)}({nonSeekable.Name} = true)]";
        ImmutableDictionary<string, string?> properties = nonSeekable is null
            ? ImmutableDictionary<string, string?>.Empty
            : ImmutableDictionary<string, string?>.Empty.Add(KnownNames.PropertyNameProperty, nonSeekable.Name);
        context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.SeekableWithoutLseek,
            AttributeLocation(kindAttribute, type, context.CancellationToken), properties,
            type.ToPlainName(), kind.TableType.Name, lseek.Field.Name, remedy));
    }

    /// <summary>The kind's seek slot, as its <c>[OpsSlot(Role = SlotRole.Seek)]</c> says.</summary>
    private static SlotDescription? LseekSlot(KindDescription kind) => kind.Slots.FirstOrDefault(s => s.Role == SlotRole.Seek);

    /// <summary>
    /// Which methods of one type call a <c>[DeclaredNonSeekable]</c> method (nonseekable_open,
    /// stream_open) on one of their own parameters, and which methods of the type each calls: an
    /// open handler that reaches such a call, directly or through its helpers, makes the file not
    /// seekable.
    /// </summary>
    private sealed class OpenCallGraph(INamedTypeSymbol? marker, INamedTypeSymbol type)
    {
        private readonly ConcurrentDictionary<IMethodSymbol, (bool Declares, ImmutableArray<IMethodSymbol> Callees)> _methods = new(SymbolEqualityComparer.Default);

        public void Record(OperationBlockAnalysisContext context)
        {
            if (marker is null || context.OwningSymbol is not IMethodSymbol method) return;
            bool declares = false;
            var callees = ImmutableArray.CreateBuilder<IMethodSymbol>();
            foreach (IOperation root in context.OperationBlocks)
            {
                foreach (IInvocationOperation invocation in root.DescendantsAndSelf().OfType<IInvocationOperation>())
                {
                    IMethodSymbol target = invocation.TargetMethod.OriginalDefinition;
                    if (invocation.Instance is IParameterReferenceOperation &&
                        target.GetAttributes().Any(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, marker)))
                    {
                        declares = true;
                    }
                    else if (SymbolEqualityComparer.Default.Equals(target.ContainingType, type))
                    {
                        callees.Add(target);
                    }
                }
            }
            _methods[method] = (declares, callees.ToImmutable());
        }

        public bool AnyDeclaresNonSeekable(IEnumerable<IMethodSymbol> roots)
        {
            var seen = new HashSet<IMethodSymbol>(SymbolEqualityComparer.Default);
            var queue = new Queue<IMethodSymbol>(roots);
            while (queue.Count > 0)
            {
                IMethodSymbol method = queue.Dequeue();
                if (!seen.Add(method) || !_methods.TryGetValue(method, out var facts)) continue;
                if (facts.Declares) return true;
                foreach (IMethodSymbol callee in facts.Callees) queue.Enqueue(callee);
            }
            return false;
        }
    }

    // ---- helpers ------------------------------------------------------------------------------------

    private static TypedConstant? NamedArgument(AttributeData attribute, string name)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in attribute.NamedArguments)
        {
            if (argument.Key == name) return argument.Value;
        }
        return null;
    }

    private static AttributeArgumentSyntax? ArgumentSyntax(AttributeData attribute, string name, CancellationToken cancellationToken) =>
        (attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken) as AttributeSyntax)?.ArgumentList?.Arguments
            .FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == name);

    private static Location? ArgumentLocation(AttributeData attribute, string name, CancellationToken cancellationToken) =>
        ArgumentSyntax(attribute, name, cancellationToken)?.GetLocation();

    /// <summary>The element expressions of <c>Ops = new[] { ... }</c> or <c>Ops = [ ... ]</c>, in order.</summary>
    private static ExpressionSyntax[] DeclarationElements(AttributeData attribute, string name, CancellationToken cancellationToken) =>
        ArgumentSyntax(attribute, name, cancellationToken)?.Expression switch
        {
            ImplicitArrayCreationExpressionSyntax a => a.Initializer.Expressions.ToArray(),
            ArrayCreationExpressionSyntax { Initializer: { } i } => i.Expressions.ToArray(),
            CollectionExpressionSyntax c => c.Elements.OfType<ExpressionElementSyntax>().Select(e => e.Expression).ToArray(),
            _ => System.Array.Empty<ExpressionSyntax>(),
        };

    private static Location AttributeLocation(AttributeData attribute, INamedTypeSymbol type, CancellationToken cancellationToken) =>
        attribute.ApplicationSyntaxReference?.GetSyntax(cancellationToken).GetLocation() ?? TypeLocation(type);

    private static Location TypeLocation(INamedTypeSymbol type) => type.Locations.FirstOrDefault() ?? Location.None;

    internal static string ShortName(INamedTypeSymbol attributeClass) =>
        attributeClass.Name.EndsWith("Attribute") ? attributeClass.Name.Substring(0, attributeClass.Name.Length - "Attribute".Length) : attributeClass.Name;
}
