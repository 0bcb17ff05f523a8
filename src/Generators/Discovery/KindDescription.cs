using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection.Metadata;
using KernelOps.Generators.Extensions;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Discovery;

/// <summary>
/// A table kind as the Runtime describes it: the kind attribute, its ops struct, the implementable
/// slots and the settings. Read from symbols; kept only with its compilation (<see cref="KindCatalog.For"/>).
/// </summary>
internal sealed class KindDescription
{
    private KindDescription(
        INamedTypeSymbol kindAttribute,
        INamedTypeSymbol tableType,
        ImmutableArray<SlotDescription> slots,
        ImmutableArray<SettingDescription> settings,
        ImmutableArray<INamedTypeSymbol> handlerAttributes,
        ImmutableArray<InterfaceFill> interfaceFills)
    {
        InterfaceFills = interfaceFills;
        KindAttribute = kindAttribute;
        TableType = tableType;
        Slots = slots;
        Settings = settings;
        HandlerAttributes = handlerAttributes;
    }

    public INamedTypeSymbol KindAttribute { get; }

    public INamedTypeSymbol TableType { get; }

    private string? _tableTypeText;

    /// <summary><see cref="TableType"/> as generated code names it, rendered once per catalogue.</summary>
    public string TableTypeText => _tableTypeText ??= TableType.ToFullyQualified();

    /// <summary>Slots whose description is complete and consistent, in field order.</summary>
    public ImmutableArray<SlotDescription> Slots { get; }

    public ImmutableArray<SettingDescription> Settings { get; }

    /// <summary>Slots the kind fills for handler types implementing an interface (<c>[SlotFromInterface]</c>).</summary>
    public ImmutableArray<InterfaceFill> InterfaceFills { get; }

    /// <summary>Every handler attribute an <c>[OpsSlot]</c> of this kind names, usable or not.</summary>
    public ImmutableArray<INamedTypeSymbol> HandlerAttributes { get; }

    /// <summary>The kind's name for messages, e.g. <c>ProcOps</c> for <c>ProcOpsAttribute</c>.</summary>
    public string KindName => KindAttribute.Name.EndsWith("Attribute") ? KindAttribute.Name.Substring(0, KindAttribute.Name.Length - "Attribute".Length) : KindAttribute.Name;

    /// <summary>
    /// Reads the kind selected by <paramref name="kindAttribute"/>, or null when the attribute has no
    /// usable <c>[OpsTableKind(typeof(TStruct))]</c> or the Runtime's description types are missing.
    /// </summary>
    public static KindDescription? TryRead(INamedTypeSymbol kindAttribute, Compilation compilation)
    {
        INamedTypeSymbol? kindMarker = compilation.GetTypeByMetadataName(KnownTypeNames.OpsTableKindAttribute);
        INamedTypeSymbol? slotMarker = compilation.GetTypeByMetadataName(KnownTypeNames.OpsSlotAttribute);
        INamedTypeSymbol? settingMarker = compilation.GetTypeByMetadataName(KnownTypeNames.OpsTableSettingAttribute);
        INamedTypeSymbol? adapterMarker = compilation.GetTypeByMetadataName(KnownTypeNames.OperationAdapterAttribute);
        INamedTypeSymbol? stateMarker = compilation.GetTypeByMetadataName(KnownTypeNames.PerOpenStateAttribute);
        if (kindMarker is null || slotMarker is null || settingMarker is null || adapterMarker is null || !kindAttribute.IsUsable())
        {
            return null;
        }

        AttributeData? kindData = FindAttribute(kindAttribute, kindMarker);
        if (kindData is null ||
            kindData.ConstructorArguments.Length != 1 ||
            kindData.ConstructorArguments[0].Value is not INamedTypeSymbol { TypeKind: TypeKind.Struct } tableType)
        {
            return null;
        }

        var slots = ImmutableArray.CreateBuilder<SlotDescription>();
        var settings = ImmutableArray.CreateBuilder<SettingDescription>();
        var handlerAttributes = ImmutableArray.CreateBuilder<INamedTypeSymbol>();
        foreach (IFieldSymbol field in tableType.GetMembers().OfType<IFieldSymbol>())
        {
            if (field.IsStatic || field.IsConst) continue;

            AttributeData? slotData = FindAttribute(field, slotMarker);
            if (slotData is { ConstructorArguments.Length: 2 } &&
                slotData.ConstructorArguments[0].Value is INamedTypeSymbol handlerAttribute &&
                handlerAttribute.IsUsable())
            {
                handlerAttributes.Add(handlerAttribute);
                if (slotData.ConstructorArguments[1].Value is INamedTypeSymbol operation &&
                    SlotDescription.TryCreate(field, handlerAttribute, operation, adapterMarker) is { } slot)
                {
                    foreach (KeyValuePair<string, TypedConstant> named in slotData.NamedArguments)
                    {
                        if (named.Key == "Stateful" && named.Value.Value is INamedTypeSymbol variant && stateMarker is not null)
                        {
                            slot.Stateful = StatefulVariant.TryCreate(variant.OriginalDefinition, slot.Signature, adapterMarker, stateMarker);
                        }
                        else if (named.Key == "Role" && named.Value.Value is int role)
                        {
                            slot.Role = (SlotRole)role;
                        }
                    }
                    slots.Add(slot);
                }
                continue;
            }

            AttributeData? settingData = FindAttribute(field, settingMarker);
            if (settingData is { ConstructorArguments.Length: 1 } &&
                settingData.ConstructorArguments[0].Value is string propertyName &&
                field.Type.IsUsable())
            {
                bool required = settingData.NamedArguments.Any(a => a.Key == "Required" && a.Value.Value is true);
                settings.Add(new SettingDescription(field, propertyName, required));
            }
        }

        var fills = ImmutableArray.CreateBuilder<InterfaceFill>();
        if (compilation.GetTypeByMetadataName(KnownTypeNames.SlotFromInterfaceAttribute) is { } fillMarker)
        {
            foreach (AttributeData fillData in kindAttribute.GetAttributes())
            {
                if (!SymbolEqualityComparer.Default.Equals(fillData.AttributeClass, fillMarker) ||
                    fillData.ConstructorArguments.Length != 3 ||
                    fillData.ConstructorArguments[0].Value is not string slotName ||
                    fillData.ConstructorArguments[1].Value is not INamedTypeSymbol { TypeKind: TypeKind.Interface } callbackInterface ||
                    fillData.ConstructorArguments[2].Value is not INamedTypeSymbol { TypeKind: TypeKind.Struct } fillOperation)
                {
                    continue;
                }
                INamedTypeSymbol iface = callbackInterface.OriginalDefinition;
                INamedTypeSymbol op = fillOperation.OriginalDefinition;
                SlotDescription? target = slots.FirstOrDefault(s => s.Field.Name == slotName);
                // Op<THandler, TInterfaceArguments...> must implement the slot's operation interface.
                if (target is not null && op.TypeParameters.Length == iface.TypeParameters.Length + 1 &&
                    op.AllInterfaces.Contains(target.Operation, SymbolEqualityComparer.Default))
                {
                    fills.Add(new InterfaceFill(target, iface, op));
                }
            }
        }

        return new KindDescription(kindAttribute, tableType, slots.ToImmutable(), settings.ToImmutable(), handlerAttributes.ToImmutable(), fills.ToImmutable());
    }

    internal static AttributeData? FindAttribute(ISymbol symbol, INamedTypeSymbol attributeClass) =>
        symbol.GetAttributes().FirstOrDefault(a => SymbolEqualityComparer.Default.Equals(a.AttributeClass, attributeClass));

    /// <summary>The kind's slots filled by methods carrying <paramref name="attributeClass"/>.</summary>
    public IEnumerable<SlotDescription> SlotsFor(INamedTypeSymbol attributeClass) =>
        Slots.Where(s => SymbolEqualityComparer.Default.Equals(s.HandlerAttribute, attributeClass));

    public bool NamesHandlerAttribute(INamedTypeSymbol attributeClass) =>
        HandlerAttributes.Contains(attributeClass, SymbolEqualityComparer.Default);
}

/// <summary>
/// <c>KernelOps.Abi.SlotRole</c> as the Runtime numbers it (a test checks the two agree): what a
/// slot is for, where a rule depends on it.
/// </summary>
internal enum SlotRole
{
    None,
    Open,
    Read,
    Write,
    Seek,
}

/// <summary>
/// A slot filled for every handler type implementing <see cref="Interface"/> (an original definition)
/// with <see cref="Operation"/> constructed over the handler type and the interface's type arguments.
/// </summary>
internal sealed class InterfaceFill(SlotDescription slot, INamedTypeSymbol @interface, INamedTypeSymbol operation)
{
    public SlotDescription Slot { get; } = slot;

    public INamedTypeSymbol Interface { get; } = @interface;

    public INamedTypeSymbol Operation { get; } = operation;

    private string? _interfaceName;

    /// <summary>The interface as messages and generated comments name it (rendered once per catalogue).</summary>
    public string InterfaceName => _interfaceName ??= Interface.ToDisplayString(SymbolDisplayFormat.CSharpErrorMessageFormat);

    /// <summary>The operation constructed for <paramref name="type"/>, or null when it does not implement the interface.</summary>
    public INamedTypeSymbol? ConstructFor(INamedTypeSymbol type)
    {
        INamedTypeSymbol? implemented = type.AllInterfaces.FirstOrDefault(i => SymbolEqualityComparer.Default.Equals(i.OriginalDefinition, Interface));
        if (implemented is null || implemented.TypeArguments.Any(t => t.ContainsErrorType())) return null;
        var arguments = new ITypeSymbol[implemented.TypeArguments.Length + 1];
        arguments[0] = type;
        for (int i = 0; i < implemented.TypeArguments.Length; i++) arguments[i + 1] = implemented.TypeArguments[i];
        return Operation.Construct(arguments);
    }
}

/// <summary>
/// A non-slot field set from the kind attribute's property <see cref="PropertyName"/>; a
/// <see cref="Required"/> one must be set (KOPS0030).
/// </summary>
internal sealed class SettingDescription(IFieldSymbol field, string propertyName, bool required)
{
    public IFieldSymbol Field { get; } = field;

    public string PropertyName { get; } = propertyName;

    public bool Required { get; } = required;
}

/// <summary>
/// An implementable slot: a function-pointer field, the handler attribute selecting it, the
/// operation interface (safe signature = its static abstract <c>Invoke</c>) and the adapter
/// <c>static TRet Name&lt;T&gt;(C params) where T : IOperation</c> whose C signature equals the field's.
/// </summary>
internal sealed class SlotDescription
{
    private SlotDescription(IFieldSymbol field, IMethodSymbol signature, INamedTypeSymbol handlerAttribute, INamedTypeSymbol operation, IMethodSymbol invoke, IMethodSymbol adapter)
    {
        Field = field;
        Signature = signature;
        HandlerAttribute = handlerAttribute;
        Operation = operation;
        Invoke = invoke;
        Adapter = adapter;
    }

    public IFieldSymbol Field { get; }

    /// <summary>The C signature (the field's function-pointer signature).</summary>
    public IMethodSymbol Signature { get; }

    public INamedTypeSymbol HandlerAttribute { get; }

    public INamedTypeSymbol Operation { get; }

    /// <summary>The safe signature every handler must have.</summary>
    public IMethodSymbol Invoke { get; }

    public IMethodSymbol Adapter { get; }

    /// <summary>The per-open-state variant of the slot, if the Runtime describes a usable one.</summary>
    public StatefulVariant? Stateful { get; set; }

    /// <summary>What the slot is for, as its <c>[OpsSlot(Role = ...)]</c> says.</summary>
    public SlotRole Role { get; set; }

    // Rendered on first use and kept with the catalogue (one per compilation). A race between two
    // analyzer threads renders the same immutable text twice; either copy may be kept.
    private ThunkText? _thunk;
    private ForwarderText? _forwarder;

    /// <summary>The thunk's text: the C signature with the adapter's parameter names.</summary>
    public ThunkText Thunk => _thunk ??= new ThunkText(Signature, Adapter);

    /// <summary>The stateless forwarder's text: the operation and its <c>Invoke</c>.</summary>
    public ForwarderText Forwarder => _forwarder ??= new ForwarderText(Operation, Invoke);

    public static SlotDescription? TryCreate(IFieldSymbol field, INamedTypeSymbol handlerAttribute, INamedTypeSymbol operation, INamedTypeSymbol adapterMarker)
    {
        if (field.Type is not IFunctionPointerTypeSymbol { Signature: var signature } ||
            signature.CallingConvention is not (SignatureCallingConvention.Unmanaged or SignatureCallingConvention.CDecl or
                SignatureCallingConvention.StdCall or SignatureCallingConvention.ThisCall or SignatureCallingConvention.FastCall) ||
            field.Type.ContainsErrorType() ||
            operation.TypeKind != TypeKind.Interface)
        {
            return null;
        }

        if (!OperationShape.TryRead(operation, signature, adapterMarker, adapterTypeParameters: 1, out IMethodSymbol invoke, out IMethodSymbol adapter))
        {
            return null;
        }

        return new SlotDescription(field, signature, handlerAttribute, operation, invoke, adapter);
    }
}

/// <summary>
/// A slot's per-open-state variant: an open generic interface <c>IOp&lt;TState&gt;</c> with a static
/// abstract <c>Invoke</c>, its role (create, borrow, take), an optional default operation (an open
/// generic struct) and its adapter <c>static TRet M&lt;T, TState&gt;(C parameters) where T : IOp&lt;TState&gt;</c>.
/// </summary>
internal sealed class StatefulVariant
{
    /// <summary>PerOpenStateRole.Create, Borrow, Take as the Runtime numbers them.</summary>
    public const int RoleCreate = 0, RoleBorrow = 1, RoleTake = 2;

    private ThunkText? _thunk;
    private readonly IMethodSymbol _signature;

    private StatefulVariant(INamedTypeSymbol definition, int role, IMethodSymbol invoke, IMethodSymbol adapter, INamedTypeSymbol? defaultOperation, IMethodSymbol signature)
    {
        _signature = signature;
        Definition = definition;
        Role = role;
        Invoke = invoke;
        Adapter = adapter;
        DefaultOperation = defaultOperation;
    }

    public INamedTypeSymbol Definition { get; }

    public int Role { get; }

    /// <summary>Invoke on the open definition (mentions the type parameter).</summary>
    public IMethodSymbol Invoke { get; }

    public IMethodSymbol Adapter { get; }

    public INamedTypeSymbol? DefaultOperation { get; }

    /// <summary>The thunk's text: the slot's C signature with this adapter's parameter names (rendered once per catalogue).</summary>
    public ThunkText Thunk => _thunk ??= new ThunkText(_signature, Adapter);

    public static StatefulVariant? TryCreate(INamedTypeSymbol definition, IMethodSymbol signature, INamedTypeSymbol adapterMarker, INamedTypeSymbol stateMarker)
    {
        if (definition.TypeKind != TypeKind.Interface || definition.TypeParameters.Length != 1) return null;

        AttributeData? stateData = KindDescription.FindAttribute(definition, stateMarker);
        if (stateData is not { ConstructorArguments.Length: 1 } || stateData.ConstructorArguments[0].Value is not int role) return null;
        INamedTypeSymbol? defaultOperation = null;
        foreach (KeyValuePair<string, TypedConstant> named in stateData.NamedArguments)
        {
            if (named.Key == "DefaultOperation" && named.Value.Value is INamedTypeSymbol d &&
                d.OriginalDefinition is { TypeKind: TypeKind.Struct, TypeParameters.Length: 1 } dd)
            {
                defaultOperation = dd;
            }
        }

        return OperationShape.TryRead(definition, signature, adapterMarker, adapterTypeParameters: 2, out IMethodSymbol invoke, out IMethodSymbol adapter)
            ? new StatefulVariant(definition, role, invoke, adapter, defaultOperation, signature)
            : null;
    }

    /// <summary>
    /// Finds the state type <paramref name="handler"/>'s signature implies: the type it has where
    /// Invoke has the type parameter (a parameter, or a type argument of the return type). Null
    /// when there is none or it is not a usable class type.
    /// </summary>
    public ITypeSymbol? InferState(IMethodSymbol handler)
    {
        ITypeParameterSymbol tp = Definition.TypeParameters[0];
        ITypeSymbol? state = null;
        if (handler.Parameters.Length == Invoke.Parameters.Length)
        {
            for (int i = 0; i < Invoke.Parameters.Length && state is null; i++)
            {
                if (SymbolEqualityComparer.Default.Equals(Invoke.Parameters[i].Type, tp)) state = handler.Parameters[i].Type;
            }
        }
        if (state is null && Invoke.ReturnType is INamedTypeSymbol { IsGenericType: true } ret &&
            handler.ReturnType is INamedTypeSymbol { IsGenericType: true } actual &&
            SymbolEqualityComparer.Default.Equals(ret.OriginalDefinition, actual.OriginalDefinition))
        {
            for (int i = 0; i < ret.TypeArguments.Length && state is null; i++)
            {
                if (SymbolEqualityComparer.Default.Equals(ret.TypeArguments[i], tp)) state = actual.TypeArguments[i];
            }
        }
        if (state is null || state.ContainsErrorType() || !state.IsReferenceType || state is ITypeParameterSymbol || state.TypeKind == TypeKind.Dynamic) return null;
        return state;
    }

    /// <summary>The variant constructed for <paramref name="state"/>, and its Invoke.</summary>
    public (INamedTypeSymbol Operation, IMethodSymbol Invoke) Bind(ITypeSymbol state)
    {
        INamedTypeSymbol operation = Definition.Construct(state);
        IMethodSymbol invoke = operation.GetMembers("Invoke").OfType<IMethodSymbol>().First(m => m.IsStatic && m.IsAbstract);
        return (operation, invoke);
    }
}

/// <summary>
/// What every operation interface carries, stateless or per-open-state: exactly one static abstract
/// <c>Invoke</c> (the safe signature) and an <c>[OperationAdapter]</c> naming a static generic adapter
/// whose first type parameter is constrained to the interface and whose C signature equals the slot's.
/// </summary>
internal static class OperationShape
{
    public static bool TryRead(INamedTypeSymbol operation, IMethodSymbol signature, INamedTypeSymbol adapterMarker, int adapterTypeParameters,
        out IMethodSymbol invoke, out IMethodSymbol adapter)
    {
        invoke = null!;
        adapter = null!;
        IMethodSymbol[] invokes = operation.GetMembers("Invoke").OfType<IMethodSymbol>().Where(m => m.IsStatic && m.IsAbstract).ToArray();
        if (invokes.Length != 1 || invokes[0].IsGenericMethod || invokes[0].ReturnsByRef || invokes[0].ReturnsByRefReadonly ||
            invokes[0].ReturnType.ContainsErrorType() || invokes[0].Parameters.Any(p => p.Type.ContainsErrorType()))
        {
            return false;
        }

        AttributeData? adapterData = KindDescription.FindAttribute(operation, adapterMarker);
        if (adapterData is not { ConstructorArguments.Length: 2 } ||
            adapterData.ConstructorArguments[0].Value is not INamedTypeSymbol adapterType ||
            adapterData.ConstructorArguments[1].Value is not string adapterName)
        {
            return false;
        }

        IMethodSymbol? found = adapterType.GetMembers(adapterName).OfType<IMethodSymbol>().FirstOrDefault(m =>
            m.IsStatic &&
            m.TypeParameters.Length == adapterTypeParameters &&
            m.TypeParameters[0].ConstraintTypes.Any(c => SymbolEqualityComparer.Default.Equals(c.OriginalDefinition, operation.OriginalDefinition)) &&
            SymbolEqualityComparer.Default.Equals(m.ReturnType, signature.ReturnType) &&
            m.RefKind == signature.RefKind &&
            m.Parameters.Length == signature.Parameters.Length &&
            m.Parameters.Zip(signature.Parameters, (a, c) => a.RefKind == c.RefKind && SymbolEqualityComparer.Default.Equals(a.Type, c.Type)).All(x => x));
        if (found is null)
        {
            return false;
        }

        invoke = invokes[0];
        adapter = found;
        return true;
    }
}
