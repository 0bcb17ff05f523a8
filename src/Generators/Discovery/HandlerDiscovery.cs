using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Text;
using System.Threading;
using KernelOps.Generators.Diagnostics;
using KernelOps.Generators.Extensions;
using KernelOps.Generators.Models;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KernelOps.Generators.Discovery;

/// <summary>What discovery concluded about one handler type and one kind.</summary>
/// <param name="Model">The table to generate, or null when the type cannot get one.</param>
/// <param name="Problems">Everything wrong, in source order; skipped methods leave their slot null.</param>
internal sealed record DiscoveryResult(HandlerTypeModel? Model, ImmutableArray<HandlerProblem> Problems);

/// <summary>
/// The one judgement of a handler declaration, shared by the generator (which emits the model)
/// and the analyzer (which reports the problems): read the kind's description, check the type can
/// receive a generated partial, match attributed methods to slots and check their signatures.
/// </summary>
internal static class HandlerDiscovery
{
    /// <summary>Judges <paramref name="type"/> for the kind selected by <paramref name="kindAttribute"/>.</summary>
    public static DiscoveryResult Discover(INamedTypeSymbol type, AttributeData kindAttribute, KindCatalog catalog, CancellationToken cancellationToken)
    {
        KindDescription? kind = catalog.FindKind(kindAttribute.AttributeClass);
        if (kind is null)
        {
            return new DiscoveryResult(null, ImmutableArray<HandlerProblem>.Empty);
        }

        var problems = ImmutableArray.CreateBuilder<HandlerProblem>();
        Location typeLocation = type.Locations.FirstOrDefault() ?? Location.None;

        // Two kinds on one type is KOPS0012's to report; generation is skipped for it below.
        string? typeReason = InvalidTypeReason(type);
        if (typeReason is not null)
        {
            problems.Add(new HandlerProblem(ProblemKind.InvalidHandlerType, typeLocation, type.ToPlainName(), kind.KindName, typeReason));
        }

        if (!catalog.UnsafeAllowed)
        {
            problems.Add(new HandlerProblem(ProblemKind.UnsafeNotAllowed, typeLocation, type.ToPlainName(), kind.KindName));
        }

        foreach (SettingDescription setting in kind.Settings)
        {
            if (setting.Required && MissingSettingReason(kindAttribute, setting) is { } reason)
            {
                problems.Add(new HandlerProblem(ProblemKind.MissingRequiredSetting, KindAttributeLocation(kindAttribute, typeLocation),
                    type.ToPlainName(), kind.KindName, setting.PropertyName, reason));
            }
        }

        // The other kinds this type also carries: their handlers are not "unknown". Two kinds on one
        // type is KOPS0012's to report, and a type with two 'Table' members gets neither.
        var otherKinds = new List<KindDescription>();
        int kindAttributes = 0;
        foreach (AttributeData attribute in type.GetAttributes())
        {
            if (catalog.FindKind(attribute.AttributeClass) is { } other && !ReferenceEquals(other, kind)) otherKinds.Add(other);
            if (IsKindAttribute(attribute.AttributeClass)) kindAttributes++;
        }
        bool severalKinds = kindAttributes > 1;

        // Only the generator needs the model (the analyzer only reads the problems): decide now
        // whether there will be one, so that no slot text is built for nothing.
        TypeNames? names = typeReason is null && catalog.UnsafeAllowed && !severalKinds && catalog.CanEmit && HasWellFormedNames(type)
            ? new TypeNames(type)
            : null;

        // Slot -> the methods claiming it, in source order.
        var claims = new Dictionary<IFieldSymbol, List<IMethodSymbol>>(SymbolEqualityComparer.Default);
        foreach (IMethodSymbol method in HandlerCandidates(type))
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (AttributeData attribute in method.GetAttributes())
            {
                if (attribute.AttributeClass is not { } attributeClass) continue;
                bool any = false;
                foreach (SlotDescription slot in kind.SlotsFor(attributeClass))
                {
                    any = true;
                    if (!claims.TryGetValue(slot.Field, out List<IMethodSymbol>? list))
                    {
                        claims[slot.Field] = list = new List<IMethodSymbol>();
                    }
                    list.Add(method);
                }

                if (!any && catalog.IsHandlerAttribute(attributeClass) && !BelongsToOtherKind(otherKinds, attributeClass))
                {
                    problems.Add(new HandlerProblem(ProblemKind.NoSuchSlot, AttributeLocation(attribute, method), method.ToPlainName(), AttributeName(attributeClass),
                        $"the {kind.KindName} table has no usable slot for it"));
                }
            }
        }

        var slotModels = new List<(int Index, SlotModel Model)>(kind.Slots.Length);
        var stateful = new List<(int Index, SlotDescription Slot, IMethodSymbol Handler, ITypeSymbol State)>();
        for (int index = 0; index < kind.Slots.Length; index++)
        {
            SlotDescription slot = kind.Slots[index];
            if (!claims.TryGetValue(slot.Field, out List<IMethodSymbol>? methods)) continue;

            if (methods.Count > 1)
            {
                foreach (IMethodSymbol method in methods)
                {
                    string others = string.Join(", ", methods.Where(m => !SymbolEqualityComparer.Default.Equals(m, method)).Select(m => $"'{m.Name}'"));
                    problems.Add(new HandlerProblem(ProblemKind.DuplicateSlot, MethodLocation(method), method.ToPlainName(), others, slot.Field.Name));
                }
                continue;
            }

            IMethodSymbol handler = methods[0];
            if (!handler.IsStatic)
            {
                problems.Add(new HandlerProblem(ProblemKind.NotStatic, MethodLocation(handler), handler.ToPlainName(), slot.Field.Name));
                continue;
            }

            if (handler.IsAsyncOrAwaitable())
            {
                problems.Add(new HandlerProblem(ProblemKind.AsyncHandler, MethodLocation(handler), handler.ToPlainName(), slot.Field.Name,
                    handler.ReturnType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)));
                continue;
            }

            // A method declared twice (CS0111), or sharing its name with a non-method member, makes
            // the generated call to it ambiguous or meaningless: the compiler already reports the
            // declaration, and the slot is left out rather than breaking the generated file too.
            if (HasConflictingDeclaration(type, handler)) continue;

            if (!handler.IsGenericMethod && SignatureMatches(handler, slot.Invoke))
            {
                if (names is not null) slotModels.Add((index, NewSlotModel(slot, slot.Thunk, slot.Forwarder, names.HandlerName(handler), names.HandlerCall(handler))));
                continue;
            }

            // The per-open-state form: the same slot with the handler's state type handed in (or, for
            // open, handed out). Which state type is checked below, once all slots are known.
            if (!handler.IsGenericMethod && slot.Stateful is { } variant && variant.InferState(handler) is { } state &&
                SignatureMatches(handler, variant.Bind(state).Invoke))
            {
                stateful.Add((index, slot, handler, state));
                continue;
            }

            problems.Add(new HandlerProblem(ProblemKind.SignatureMismatch, MethodLocation(handler), handler.ToPlainName(), kind.KindName, slot.Field.Name,
                ExpectedSignatures(slot, handler.Name)));
        }

        // One state type per handler type: the one its creating (open) handler returns.
        ITypeSymbol? stateType = stateful.FirstOrDefault(s => s.Slot.Stateful!.Role == StatefulVariant.RoleCreate).State;
        foreach (var (index, slot, handler, state) in stateful)
        {
            if (stateType is null)
            {
                problems.Add(new HandlerProblem(ProblemKind.SignatureMismatch, MethodLocation(handler), handler.ToPlainName(), kind.KindName, slot.Field.Name,
                    slot.Invoke.ToSignatureText(handler.Name) + " (a handler taking per-open state needs an open handler that creates it)"));
            }
            else if (!SymbolEqualityComparer.Default.Equals(state, stateType))
            {
                problems.Add(new HandlerProblem(ProblemKind.SignatureMismatch, MethodLocation(handler), handler.ToPlainName(), kind.KindName, slot.Field.Name,
                    slot.Stateful!.Bind(stateType).Invoke.ToSignatureText(handler.Name) + $" (the per-open state is '{stateType.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat)}', created by open)"));
            }
            else if (names is not null)
            {
                (INamedTypeSymbol operation, IMethodSymbol invoke) = slot.Stateful!.Bind(stateType);
                slotModels.Add((index, NewSlotModel(slot, slot.Stateful.Thunk, new ForwarderText(operation, invoke), names.HandlerName(handler), names.HandlerCall(handler)) with
                {
                    StateType = stateType.ToFullyQualified(),
                }));
            }
        }

        if (stateType is not null && names is not null)
        {
            // Slots the handler does not implement but a stateful type must fill (release frees the state).
            for (int index = 0; index < kind.Slots.Length; index++)
            {
                SlotDescription slot = kind.Slots[index];
                if (slot.Stateful?.DefaultOperation is { } defaultOperation && !claims.ContainsKey(slot.Field))
                {
                    slotModels.Add((index, NewSlotModel(slot, slot.Stateful.Thunk, forwarder: null, handlerName: string.Empty, handlerCall: string.Empty) with
                    {
                        StateType = stateType.ToFullyQualified(),
                        DefaultOperation = defaultOperation.Construct(stateType).ToFullyQualified(),
                    }));
                }
            }
        }

        // Slots the kind fills because the type implements an interface (debugfs callback files):
        // the operation, constructed over the type, carries the handler's identity to the adapter.
        foreach (InterfaceFill fill in kind.InterfaceFills)
        {
            if (names is null || claims.ContainsKey(fill.Slot.Field) || fill.ConstructFor(type) is not { } operation) continue;
            slotModels.Add((kind.Slots.IndexOf(fill.Slot), NewSlotModel(fill.Slot, fill.Slot.Thunk, forwarder: null, handlerName: fill.InterfaceName, handlerCall: string.Empty) with
            {
                DefaultOperation = operation.ToFullyQualified(),
            }));
        }

        HandlerTypeModel? model = null;
        if (names is not null)
        {
            slotModels.Sort((a, b) => a.Index.CompareTo(b.Index));
            var slots = new SlotModel[slotModels.Count];
            for (int i = 0; i < slots.Length; i++) slots[i] = slotModels[i].Model;
            model = CreateModel(type, names, kind, kindAttribute, slots);
        }

        return new DiscoveryResult(model, problems.ToImmutable());
    }

    /// <summary>
    /// For a type with no kind attribute: every method carrying a handler attribute (KOPS0005).
    /// </summary>
    public static ImmutableArray<HandlerProblem> FindOrphanHandlers(INamedTypeSymbol type, KindCatalog catalog)
    {
        var problems = ImmutableArray.CreateBuilder<HandlerProblem>();
        foreach (IMethodSymbol method in HandlerCandidates(type))
        {
            foreach (AttributeData attribute in method.GetAttributes())
            {
                if (catalog.IsHandlerAttribute(attribute.AttributeClass))
                {
                    string kinds = string.Join(" or ", catalog.Kinds.Select(k => $"[{k.KindName}]"));
                    problems.Add(new HandlerProblem(ProblemKind.NoSuchSlot, AttributeLocation(attribute, method), method.ToPlainName(), AttributeName(attribute.AttributeClass!),
                        $"'{type.ToPlainName()}' has no table kind attribute such as {kinds}, so no table is generated for it"));
                }
            }
        }
        return problems.ToImmutable();
    }

    /// <summary>
    /// Every attribute on <paramref name="type"/> whose class is marked <c>[OpsTableKind]</c>, whether
    /// or not <see cref="TableKinds"/> lists it: each would give the type its own <c>Table</c>.
    /// </summary>
    public static ImmutableArray<AttributeData> KindAttributesOf(INamedTypeSymbol type) =>
        type.GetAttributes().Where(a => IsKindAttribute(a.AttributeClass)).ToImmutableArray();

    /// <summary>True when <paramref name="attributeClass"/> is marked <c>[KernelOps.Abi.OpsTableKind]</c>.</summary>
    internal static bool IsKindAttribute(INamedTypeSymbol? attributeClass)
    {
        if (attributeClass is null) return false;
        foreach (AttributeData marker in attributeClass.GetAttributes())
        {
            // Compared by name, not by rendering the class (this runs for every attribute of every handler type).
            if (marker.AttributeClass is { Name: KnownTypeNames.OpsTableKindAttributeName, Arity: 0, ContainingType: null } markerClass &&
                markerClass.ContainingNamespace.HasFullName(KnownTypeNames.OpsTableKindAttributeNamespace))
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>True when <paramref name="type"/> has a kind attribute that <paramref name="catalog"/> knows.</summary>
    public static bool HasKindAttribute(INamedTypeSymbol type, KindCatalog catalog) =>
        type.GetAttributes().Any(a => catalog.FindKind(a.AttributeClass) is not null);

    private static IEnumerable<IMethodSymbol> HandlerCandidates(INamedTypeSymbol type) =>
        type.GetMembers().OfType<IMethodSymbol>().Where(m => m.MethodKind == MethodKind.Ordinary);

    private static bool BelongsToOtherKind(List<KindDescription> otherKinds, INamedTypeSymbol attributeClass)
    {
        foreach (KindDescription other in otherKinds)
        {
            if (other.NamesHandlerAttribute(attributeClass)) return true;
        }
        return false;
    }

    private static string? InvalidTypeReason(INamedTypeSymbol type)
    {
        if (type.TypeKind is not (TypeKind.Class or TypeKind.Struct)) return "it is not a class or struct";
        if (type.TypeParameters.Length > 0) return "it is generic, and one table cannot serve every instantiation";
        if (!type.IsPartialInSource()) return "it is not partial, so the generated table cannot be added to it";
        if (type.IsFileLocal) return "it is a 'file' type, which the generated table (in another file) cannot extend; make it internal";
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            if (outer.TypeParameters.Length > 0) return $"its containing type '{outer.ToPlainName()}' is generic";
            if (!outer.IsPartialInSource()) return $"its containing type '{outer.ToPlainName()}' is not partial";
            if (outer.IsFileLocal) return $"its containing type '{outer.ToPlainName()}' is a 'file' type, which the generated table (in another file) cannot extend";
        }
        if (DeclaresOwnTable(type))
        {
            return $"it declares a member named '{GeneratedTableName}', which the generated table needs";
        }
        return null;
    }

    /// <summary>The member the generator adds to every handler type, and the nested type only the generated file declares (<c>TableEmitter</c>).</summary>
    internal const string GeneratedTableName = "Table", GeneratedHolderName = "__kernelops_TableHolder";

    /// <summary>
    /// True when the user declared a <c>Table</c> member. The analyzer sees the compilation with the
    /// generated file in it, whose <c>Table</c> sits in the tree that declares the holder type.
    /// </summary>
    private static bool DeclaresOwnTable(INamedTypeSymbol type)
    {
        ImmutableArray<ISymbol> tables = type.GetMembers(GeneratedTableName);
        if (tables.IsEmpty) return false;
        var generatedTrees = new HashSet<SyntaxTree>();
        foreach (INamedTypeSymbol holder in type.GetTypeMembers(GeneratedHolderName))
        {
            foreach (SyntaxReference reference in holder.DeclaringSyntaxReferences) generatedTrees.Add(reference.SyntaxTree);
        }
        return tables.Any(t => !t.IsImplicitlyDeclared && t.DeclaringSyntaxReferences.Any(r => !generatedTrees.Contains(r.SyntaxTree)));
    }

    /// <summary>
    /// True when another member of <paramref name="type"/> has <paramref name="handler"/>'s name and
    /// is not a method with a different parameter list: a duplicate declaration (CS0111) or a
    /// property or field of that name (CS0102), which would make the forwarding call ambiguous.
    /// </summary>
    private static bool HasConflictingDeclaration(INamedTypeSymbol type, IMethodSymbol handler)
    {
        foreach (ISymbol member in type.GetMembers(handler.Name))
        {
            if (SymbolEqualityComparer.Default.Equals(member, handler)) continue;
            if (member is not IMethodSymbol other) return true;
            if (other.Parameters.Length != handler.Parameters.Length) continue;
            bool same = true;
            for (int i = 0; i < other.Parameters.Length && same; i++)
            {
                same = other.Parameters[i].RefKind == handler.Parameters[i].RefKind &&
                    SymbolEqualityComparer.Default.Equals(other.Parameters[i].Type, handler.Parameters[i].Type);
            }
            if (same) return true;
        }
        return false;
    }

    /// <summary>
    /// False while the user is typing a declaration the parser recovered from (a type with no name):
    /// the compiler already reports it, and emitting would only add errors in generated code.
    /// </summary>
    private static bool HasWellFormedNames(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (!SyntaxFacts.IsValidIdentifier(t.Name)) return false;
        }
        for (INamespaceSymbol? n = type.ContainingNamespace; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace)
        {
            if (!SyntaxFacts.IsValidIdentifier(n.Name)) return false;
        }
        return true;
    }

    private static bool SignatureMatches(IMethodSymbol handler, IMethodSymbol invoke)
    {
        if (handler.ReturnsVoid != invoke.ReturnsVoid ||
            handler.RefKind != invoke.RefKind ||
            !SymbolEqualityComparer.Default.Equals(handler.ReturnType, invoke.ReturnType) ||
            handler.ReturnType.ContainsErrorType() ||
            handler.Parameters.Length != invoke.Parameters.Length ||
            handler.IsVararg)
        {
            return false;
        }

        for (int i = 0; i < handler.Parameters.Length; i++)
        {
            IParameterSymbol h = handler.Parameters[i];
            IParameterSymbol v = invoke.Parameters[i];
            if (h.RefKind != v.RefKind || h.IsParams || !SymbolEqualityComparer.Default.Equals(h.Type, v.Type) || h.Type.ContainsErrorType())
            {
                return false;
            }
        }
        return true;
    }

    private static string ExpectedSignatures(SlotDescription slot, string name)
    {
        string plain = slot.Invoke.ToSignatureText(name);
        if (slot.Stateful is not { } variant) return plain;
        string stateful = variant.Invoke.ToSignatureText(name).Replace(variant.Definition.TypeParameters[0].Name, "TState");
        return $"{plain} or, with per-open state, {stateful}";
    }

    /// <summary>A slot's model: the slot's cached text plus what names the handler.</summary>
    private static SlotModel NewSlotModel(SlotDescription slot, ThunkText thunk, ForwarderText? forwarder, string handlerName, string handlerCall) => new(
        FieldName: slot.Field.Name,
        CallConvs: thunk.CallConvs,
        ThunkReturnType: thunk.ReturnType,
        ThunkParameters: thunk.Parameters,
        Adapter: thunk.Adapter,
        Operation: forwarder?.Operation ?? string.Empty,
        InvokeReturnType: forwarder?.ReturnType ?? string.Empty,
        InvokeParameters: forwarder?.Parameters ?? ParameterListModel.Empty,
        HandlerName: handlerName,
        HandlerCall: handlerCall);

    /// <summary>
    /// The handler type's names, rendered once per type rather than once per slot, and from its
    /// namespaces and containing types rather than with SymbolDisplay: a type that gets a model is not
    /// generic, nor is any type containing it, and every name in its path is an identifier
    /// (<see cref="HasWellFormedNames"/>), so this is the text SymbolDisplay would give.
    /// </summary>
    private sealed class TypeNames
    {
        public TypeNames(INamedTypeSymbol type)
        {
            var path = new List<string>(); // innermost first, reversed below
            for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType) path.Add(t.Name);
            for (INamespaceSymbol? n = type.ContainingNamespace; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace) path.Add(n.Name);
            path.Reverse();
            Plain = string.Join(".", path);
            for (int i = 0; i < path.Count; i++) path[i] = SymbolExtensions.EscapeIdentifier(path[i]);
            FullyQualified = "global::" + string.Join(".", path);
        }

        /// <summary>As <see cref="SymbolExtensions.ToPlainName"/>: <c>Namespace.Outer.Type</c>.</summary>
        public string Plain { get; }

        /// <summary>As <see cref="SymbolExtensions.ToFullyQualified"/>: <c>global::Namespace.Outer.Type</c>, keywords escaped.</summary>
        public string FullyQualified { get; }

        public string HandlerName(IMethodSymbol handler) => Plain + "." + handler.Name;

        public string HandlerCall(IMethodSymbol handler) => FullyQualified + "." + SymbolExtensions.EscapeIdentifier(handler.Name);
    }

    private static HandlerTypeModel CreateModel(INamedTypeSymbol type, TypeNames names, KindDescription kind, AttributeData kindAttribute, SlotModel[] slots)
    {
        var containing = new List<TypeDeclarationModel>();
        for (INamedTypeSymbol? outer = type.ContainingType; outer is not null; outer = outer.ContainingType)
        {
            containing.Insert(0, new TypeDeclarationModel(outer.DeclarationKeyword(), SymbolExtensions.EscapeIdentifier(outer.Name)));
        }

        string? ns = type.ContainingNamespace is { IsGlobalNamespace: false } n
            ? string.Join(".", NamespaceParts(n).Select(SymbolExtensions.EscapeIdentifier))
            : null;

        var settings = new List<SettingModel>();
        foreach (SettingDescription setting in kind.Settings)
        {
            foreach (KeyValuePair<string, TypedConstant> argument in kindAttribute.NamedArguments)
            {
                if (argument.Key == setting.PropertyName && FormatSetting(argument.Value, setting.Field.Type, names.FullyQualified) is { } value)
                {
                    settings.Add(new SettingModel(setting.Field.Name, value));
                }
            }
        }

        return new HandlerTypeModel(
            Namespace: ns,
            ContainingTypes: containing.ToEquatableArray(),
            Type: new TypeDeclarationModel(type.DeclarationKeyword(), SymbolExtensions.EscapeIdentifier(type.Name)),
            FullyQualifiedName: names.FullyQualified,
            DisplayName: names.Plain,
            HintName: HintName(type, kind),
            TableType: kind.TableTypeText,
            TableCName: ToSnakeCase(kind.TableType.Name),
            Settings: settings.ToEquatableArray(),
            Slots: new EquatableArray<SlotModel>(slots));
    }

    private static IEnumerable<string> NamespaceParts(INamespaceSymbol ns)
    {
        var parts = new Stack<string>();
        for (INamespaceSymbol? n = ns; n is { IsGlobalNamespace: false }; n = n.ContainingNamespace)
        {
            parts.Push(n.Name);
        }
        return parts;
    }

    /// <summary><c>Namespace.Outer+Inner.ProcOps.g.cs</c>: '+' keeps nested types apart from namespaces.</summary>
    private static string HintName(INamedTypeSymbol type, KindDescription kind)
    {
        var names = new Stack<string>();
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            names.Push(t.Name);
        }
        string typePart = string.Join("+", names);
        string ns = type.ContainingNamespace is { IsGlobalNamespace: false } n ? string.Join(".", NamespaceParts(n)) + "." : string.Empty;
        return $"{ns}{typePart}.{kind.TableType.Name}.g.cs";
    }

    /// <summary>
    /// A C# expression of the field's type for the attribute's constant, or null if it cannot be one.
    /// A string sets a <c>byte*</c> field (a C <c>const char *</c>) to a NUL-terminated UTF-8 copy that
    /// lives as long as the handler type <paramref name="owner"/>.
    /// </summary>
    private static string? FormatSetting(TypedConstant constant, ITypeSymbol fieldType, string owner)
    {
        if (constant.Kind is not (TypedConstantKind.Primitive or TypedConstantKind.Enum) || constant.Value is null)
        {
            return null;
        }

        if (constant.Value is string text)
        {
            return fieldType is IPointerTypeSymbol { PointedAtType.SpecialType: SpecialType.System_Byte } && text.IndexOf('\0') < 0
                ? $"global::KernelOps.OpsTableMemory.Utf8(typeof({owner}), {SymbolDisplay.FormatLiteral(text, quote: true)})"
                : null;
        }

        string? literal = constant.Value switch
        {
            bool b => b ? "true" : "false",
            int i => i.ToString(System.Globalization.CultureInfo.InvariantCulture),
            uint u => u.ToString(System.Globalization.CultureInfo.InvariantCulture) + "u",
            long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture) + "L",
            ulong ul => ul.ToString(System.Globalization.CultureInfo.InvariantCulture) + "UL",
            short s => s.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ushort us => us.ToString(System.Globalization.CultureInfo.InvariantCulture),
            byte by => by.ToString(System.Globalization.CultureInfo.InvariantCulture),
            sbyte sb => sb.ToString(System.Globalization.CultureInfo.InvariantCulture),
            char c => SymbolDisplay.FormatLiteral(c, quote: true),
            _ => null, // floating point: no such setting field exists in any ops struct
        };
        if (literal is null) return null;

        string valueType = constant.Value switch
        {
            bool => "bool", int => "int", uint => "uint", long => "long", ulong => "ulong",
            short => "short", ushort => "ushort", byte => "byte", sbyte => "sbyte", _ => "char",
        };
        string target = fieldType.ToFullyQualified();
        if (literal.StartsWith("-")) literal = "(" + literal + ")";
        return target == valueType ? literal : $"unchecked(({target}){literal})";
    }

    /// <summary><c>ProcOps</c> → <c>proc_ops</c>, <c>FileOperations</c> → <c>file_operations</c>.</summary>
    private static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0) builder.Append('_');
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }

    /// <summary>Why a required setting is unusable, or null when the kind attribute gives it a usable value.</summary>
    private static string? MissingSettingReason(AttributeData kindAttribute, SettingDescription setting)
    {
        foreach (KeyValuePair<string, TypedConstant> argument in kindAttribute.NamedArguments)
        {
            if (argument.Key != setting.PropertyName) continue;
            return argument.Value.Value switch
            {
                null => "it is null",
                string { Length: 0 } => "it is empty",
                string text when text.IndexOf('\0') >= 0 => "it contains a NUL character, which would end the C string early",
                _ => null,
            };
        }
        return "it is not set";
    }

    private static Location KindAttributeLocation(AttributeData kindAttribute, Location fallback) =>
        kindAttribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? fallback;

    private static Location MethodLocation(IMethodSymbol method) => method.Locations.FirstOrDefault() ?? Location.None;

    private static Location AttributeLocation(AttributeData attribute, IMethodSymbol method) =>
        attribute.ApplicationSyntaxReference?.GetSyntax().GetLocation() ?? MethodLocation(method);

    private static string AttributeName(INamedTypeSymbol attributeClass) =>
        attributeClass.Name.EndsWith("Attribute") ? attributeClass.Name.Substring(0, attributeClass.Name.Length - "Attribute".Length) : attributeClass.Name;
}
