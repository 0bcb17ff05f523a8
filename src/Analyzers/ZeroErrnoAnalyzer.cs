using System.Collections.Generic;
using System.Collections.Immutable;
using KernelOps.Analyzers.Body;
using KernelOps.Analyzers.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace KernelOps.Analyzers;

/// <summary>
/// KOPS0020: an Errno that is a constant zero flowing into a result type's failure. C# converts a
/// constant zero of any integer type to any enum implicitly (the spec's implicit enumeration
/// conversion), so in <c>cond ? 0L : Errno.EINVAL</c> the <c>0L</c> becomes <c>(Errno)0</c>, the
/// conditional is an Errno, and <c>KResult&lt;long&gt;</c>'s conversion from Errno makes it a
/// failure with errno 0, which throws; a handler returns -EIO. Reported wherever it happens (a
/// module's Init as much as a handler): the value is a constant, so no reachability is needed.
/// The zero is followed through <c>?:</c> and switch-expression arms and conversions to Errno.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class ZeroErrnoAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.ZeroErrnoFailure);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            if (start.Compilation.GetTypeByMetadataName(KnownNames.Errno) is not { } errno) return;
            start.RegisterOperationAction(c => AnalyzeConversion(c, errno), OperationKind.Conversion);
            start.RegisterOperationAction(c => AnalyzeArgument(c, errno), OperationKind.Argument);
        });
    }

    /// <summary><c>implicit operator KResult(Errno)</c> and its kin: a return, an initializer, an argument of a result type.</summary>
    private static void AnalyzeConversion(OperationAnalysisContext context, INamedTypeSymbol errno)
    {
        var conversion = (IConversionOperation)context.Operation;
        if (conversion.OperatorMethod is not { Parameters.Length: 1 } op || !SymbolEqualityComparer.Default.Equals(op.Parameters[0].Type, errno)) return;
        if (!ErrnoResults.AcceptsErrno(conversion.Type, errno)) return;
        Report(context, conversion.Operand, conversion.Type!, errno, offerFix: true);
    }

    /// <summary><c>KResult.Fail(0)</c> and its kin: an Errno parameter of a result type's own factory.</summary>
    private static void AnalyzeArgument(OperationAnalysisContext context, INamedTypeSymbol errno)
    {
        var argument = (IArgumentOperation)context.Operation;
        if (argument.Parameter is not { } parameter || !SymbolEqualityComparer.Default.Equals(parameter.Type, errno)) return;
        // A factory of the result type (Fail); not its constructor, whose Errno is the raw field (0 is success).
        if (parameter.ContainingSymbol is not IMethodSymbol { MethodKind: MethodKind.Ordinary, ContainingType: { } result } factory ||
            !SymbolEqualityComparer.Default.Equals(factory.ReturnType, result) || !ErrnoResults.AcceptsErrno(result, errno)) return;
        Report(context, argument.Value, result, errno, offerFix: false);
    }

    private static void Report(OperationAnalysisContext context, IOperation value, ITypeSymbol result, INamedTypeSymbol errno, bool offerFix)
    {
        var zeros = new List<(IOperation Zero, bool Fixable)>();
        FindZeros(value, errno, fixable: offerFix, zeros);
        string resultName = result.ToDisplayString(SymbolDisplayFormat.MinimallyQualifiedFormat);
        foreach ((IOperation zero, bool fixable) in zeros)
        {
            // The zero as written before it became an Errno: 0L in "cond ? 0L : Errno.EINVAL" is an
            // implicit conversion whose operand is the literal; (Errno)0L an explicit one.
            (string text, ITypeSymbol? type) = zero is IConversionOperation { OperatorMethod: null, Operand: var written } c && SymbolEqualityComparer.Default.Equals(c.Type, errno)
                ? (written.Syntax.ToString(), written.Type)
                : (zero.Syntax.ToString(), zero.Type);
            string? success = ErrnoResults.SuccessForm(result, text, type);
            string advice = success is null
                ? $"return what '{resultName}' succeeds with, or a real Errno"
                : $"for success write '{Shorten(success)}'";
            ImmutableDictionary<string, string?>? properties = fixable && success is not null
                ? ImmutableDictionary<string, string?>.Empty.Add(KnownNames.FixProperty, KnownNames.FixSuccess).Add(KnownNames.ReplacementProperty, success)
                : null;
            context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.ZeroErrnoFailure, zero.Syntax.GetLocation(), properties,
                zero.Syntax.ToString(), resultName, advice));
        }
    }

    /// <summary>
    /// The constant zeros that <paramref name="value"/> (an Errno, or a number on its way to one)
    /// may be: itself, the arms of a <c>?:</c> or switch expression, the operand of a conversion.
    /// A zero found inside a conversion from a number is not fixable in place (the success form is
    /// not a number).
    /// </summary>
    private static void FindZeros(IOperation value, INamedTypeSymbol errno, bool fixable, List<(IOperation, bool)> zeros)
    {
        bool errnoTyped = SymbolEqualityComparer.Default.Equals(value.Type, errno);
        if (!errnoTyped && !IsInteger(value.Type)) return;
        if (value.ConstantValue is { HasValue: true, Value: { } constant } && IsZero(constant))
        {
            zeros.Add((value, fixable && errnoTyped));
            return;
        }
        switch (value)
        {
            case IConditionalOperation { WhenFalse: { } whenFalse } conditional:
                FindZeros(conditional.WhenTrue, errno, fixable, zeros);
                FindZeros(whenFalse, errno, fixable, zeros);
                break;
            case ISwitchExpressionOperation switchExpression:
                foreach (ISwitchExpressionArmOperation arm in switchExpression.Arms) FindZeros(arm.Value, errno, fixable, zeros);
                break;
            case IConversionOperation { OperatorMethod: null } conversion:
                FindZeros(conversion.Operand, errno, fixable: false, zeros);
                break;
        }
    }

    private static bool IsInteger(ITypeSymbol? type) => type?.SpecialType is
        SpecialType.System_SByte or SpecialType.System_Byte or SpecialType.System_Int16 or SpecialType.System_UInt16 or
        SpecialType.System_Int32 or SpecialType.System_UInt32 or SpecialType.System_Int64 or SpecialType.System_UInt64 or
        SpecialType.System_IntPtr or SpecialType.System_UIntPtr;

    private static bool IsZero(object constant) => constant switch
    {
        int i => i == 0,
        long l => l == 0,
        uint u => u == 0,
        ulong u => u == 0,
        short s => s == 0,
        ushort u => u == 0,
        sbyte s => s == 0,
        byte b => b == 0,
        _ => false,
    };

    /// <summary>The fully qualified success form as a user would write it (the code fix's simplifier does the same).</summary>
    private static string Shorten(string success) => success.Replace("global::KernelOps.", string.Empty);
}
