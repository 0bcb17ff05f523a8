using System.Collections.Immutable;
using KernelOps.Analyzers.Diagnostics;
using KernelOps.Generators.Discovery;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KernelOps.Analyzers;

/// <summary>
/// KOPS0007: a handler attribute on a lambda or local function. Such a handler can capture locals,
/// parameters or <c>this</c>, which a C function pointer cannot carry; and discovery only reads
/// member methods, so without this rule the op would silently not exist.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class CapturingHandlerAnalyzer : DiagnosticAnalyzer
{
    /// <inheritdoc/>
    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } = ImmutableArray.Create(DiagnosticDescriptors.HandlerCapturesState);

    /// <inheritdoc/>
    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            KindCatalog catalog = KindCatalog.Create(start.Compilation);
            if (catalog.IsEmpty) return;
            start.RegisterSyntaxNodeAction(c => Analyze(c, catalog),
                SyntaxKind.LocalFunctionStatement, SyntaxKind.ParenthesizedLambdaExpression, SyntaxKind.SimpleLambdaExpression);
        });
    }

    private static void Analyze(SyntaxNodeAnalysisContext context, KindCatalog catalog)
    {
        (SyntaxList<AttributeListSyntax> lists, string what, string name, Location location) = context.Node switch
        {
            LocalFunctionStatementSyntax f => (f.AttributeLists, "local function", f.Identifier.ValueText, f.Identifier.GetLocation()),
            LambdaExpressionSyntax l => (l.AttributeLists, "lambda", "lambda", l.GetLocation()),
            _ => default,
        };
        if (lists.Count == 0) return;

        foreach (AttributeListSyntax list in lists)
        {
            foreach (AttributeSyntax attribute in list.Attributes)
            {
                if (context.SemanticModel.GetSymbolInfo(attribute, context.CancellationToken).Symbol is IMethodSymbol { ContainingType: { } attributeClass } &&
                    catalog.IsHandlerAttribute(attributeClass))
                {
                    context.ReportDiagnostic(Diagnostic.Create(DiagnosticDescriptors.HandlerCapturesState, location,
                        name, HandlerDeclarationAnalyzer.ShortName(attributeClass), what));
                }
            }
        }
    }
}
