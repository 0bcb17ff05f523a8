using System.Collections.Generic;
using System.Text;
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
        var parameters = new ParameterListBuilder();
        for (int i = 0; i < signature.Parameters.Length; i++)
        {
            // Named after the adapter's parameters, typed after the field's C signature.
            IParameterSymbol p = signature.Parameters[i];
            parameters.Add(SymbolExtensions.RefPrefix(p.RefKind), p.Type.ToFullyQualified(), SymbolExtensions.EscapeIdentifier(adapter.Parameters[i].Name), SymbolExtensions.ArgumentPrefix(p.RefKind));
        }
        Parameters = parameters.ToModel();
        Adapter = adapter.ContainingType.ToFullyQualified() + "." + SymbolExtensions.EscapeIdentifier(adapter.Name);
    }

    /// <summary>Extra <c>UnmanagedCallersOnly</c> argument text, or empty.</summary>
    public string CallConvs { get; }

    public string ReturnType { get; }

    public ParameterListModel Parameters { get; }

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
        var parameters = new ParameterListBuilder();
        foreach (IParameterSymbol p in invoke.Parameters)
        {
            parameters.Add(ParameterModifier(p), p.Type.ToFullyQualified(), SymbolExtensions.EscapeIdentifier(p.Name), SymbolExtensions.ArgumentPrefix(p.RefKind));
        }
        Parameters = parameters.ToModel();
    }

    public string Operation { get; }

    public string ReturnType { get; }

    public ParameterListModel Parameters { get; }

    private static string ParameterModifier(IParameterSymbol parameter)
    {
        // Only an explicit 'scoped' has to be repeated; out parameters are implicitly scoped.
        string scoped = parameter.ScopedKind != ScopedKind.None && parameter.RefKind != RefKind.Out ? "scoped " : string.Empty;
        return scoped + SymbolExtensions.RefPrefix(parameter.RefKind);
    }
}

/// <summary>Renders a parameter list's declaration and forwarding arguments side by side.</summary>
internal sealed class ParameterListBuilder
{
    private readonly StringBuilder _declaration = new();
    private readonly StringBuilder _arguments = new();

    /// <summary>
    /// Adds <c>{modifier}{type} {name}</c> to the declaration and <c>{argumentPrefix}{name}</c> to the
    /// arguments (<c>scoped</c> is not repeated at a call, and <c>ref readonly</c> is passed as <c>in</c>).
    /// </summary>
    public void Add(string modifier, string type, string name, string argumentPrefix)
    {
        if (_declaration.Length > 0)
        {
            _declaration.Append(", ");
            _arguments.Append(", ");
        }
        _declaration.Append(modifier).Append(type).Append(' ').Append(name);
        _arguments.Append(argumentPrefix).Append(name);
    }

    public ParameterListModel ToModel() => new(_declaration.ToString(), _arguments.ToString());
}
