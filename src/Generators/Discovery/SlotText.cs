using System.Collections.Generic;
using KernelOps.Generators.Extensions;
using KernelOps.Generators.Models;
using System.Reflection.Metadata;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Discovery;

/// <summary>
/// The C# text of a slot's thunk that depends only on the slot, not on the handler type: its
/// calling conventions, C return type and parameters, and the adapter it forwards to. A slot
/// description lives as long as its compilation's <see cref="KindCatalog"/>, so this is rendered
/// once per compilation and shared by every handler type's model, instead of once per handler
/// (rendering types with SymbolDisplay was the largest part of building a model).
/// </summary>
internal sealed class ThunkText
{
    public ThunkText(IMethodSymbol signature, IMethodSymbol adapter)
    {
        CallConvs = CallConvsOf(signature);
        ReturnType = signature.ReturnType.ToFullyQualified();
        var parameters = new ParameterModel[signature.Parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            // Named after the adapter's parameters, typed after the field's C signature.
            IParameterSymbol p = signature.Parameters[i];
            parameters[i] = new ParameterModel(SymbolExtensions.RefPrefix(p.RefKind), p.Type.ToFullyQualified(), SymbolExtensions.EscapeIdentifier(adapter.Parameters[i].Name));
        }
        Parameters = new EquatableArray<ParameterModel>(parameters);
        Adapter = adapter.ContainingType.ToFullyQualified() + "." + SymbolExtensions.EscapeIdentifier(adapter.Name);
    }

    /// <summary>Extra <c>UnmanagedCallersOnly</c> argument text, or empty.</summary>
    public string CallConvs { get; }

    public string ReturnType { get; }

    public EquatableArray<ParameterModel> Parameters { get; }

    public string Adapter { get; }

    private static string CallConvsOf(IMethodSymbol signature)
    {
        var conventions = new List<string>();
        switch (signature.CallingConvention)
        {
            case SignatureCallingConvention.CDecl: conventions.Add("global::System.Runtime.CompilerServices.CallConvCdecl"); break;
            case SignatureCallingConvention.StdCall: conventions.Add("global::System.Runtime.CompilerServices.CallConvStdcall"); break;
            case SignatureCallingConvention.ThisCall: conventions.Add("global::System.Runtime.CompilerServices.CallConvThiscall"); break;
            case SignatureCallingConvention.FastCall: conventions.Add("global::System.Runtime.CompilerServices.CallConvFastcall"); break;
            default:
                foreach (INamedTypeSymbol type in signature.UnmanagedCallingConventionTypes) conventions.Add(type.ToFullyQualified());
                break;
        }
        if (conventions.Count == 0) return string.Empty;
        return "CallConvs = new[] { typeof(" + string.Join("), typeof(", conventions) + ") }";
    }
}

/// <summary>
/// The C# text of a slot's operation forwarder: the operation interface and its <c>Invoke</c>'s
/// return type and parameters. For a stateless slot it depends only on the slot and is cached on
/// the <see cref="SlotDescription"/>; for a per-open-state slot it depends on the state type.
/// </summary>
internal sealed class ForwarderText
{
    public ForwarderText(INamedTypeSymbol operation, IMethodSymbol invoke)
    {
        Operation = operation.ToFullyQualified();
        ReturnType = invoke.ReturnsVoid ? "void" : invoke.ReturnType.ToFullyQualified();
        var parameters = new ParameterModel[invoke.Parameters.Length];
        for (int i = 0; i < parameters.Length; i++)
        {
            IParameterSymbol p = invoke.Parameters[i];
            parameters[i] = new ParameterModel(ParameterModifier(p), p.Type.ToFullyQualified(), SymbolExtensions.EscapeIdentifier(p.Name));
        }
        Parameters = new EquatableArray<ParameterModel>(parameters);
    }

    public string Operation { get; }

    public string ReturnType { get; }

    public EquatableArray<ParameterModel> Parameters { get; }

    private static string ParameterModifier(IParameterSymbol parameter)
    {
        // Only an explicit 'scoped' has to be repeated; out parameters are implicitly scoped.
        string scoped = parameter.ScopedKind != ScopedKind.None && parameter.RefKind != RefKind.Out ? "scoped " : string.Empty;
        return scoped + SymbolExtensions.RefPrefix(parameter.RefKind);
    }
}
