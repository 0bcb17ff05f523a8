using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using KernelOps.Analyzers;
using KernelOps.Analyzers.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelOps.CodeFixes;

/// <summary>
/// KOPS0001: rewrites the handler's return type and parameter list to the slot's safe signature
/// (carried in the diagnostic's <c>Signature</c> property). The method's own parameter names are
/// kept where the count is unchanged, so its body still compiles; type parameters are removed.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SignatureCodeFix)), Shared]
public sealed class SignatureCodeFix : CodeFixProvider
{
    internal const string Title = "Use the slot's signature";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.SignatureMismatch.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Diagnostic diagnostic = context.Diagnostics[0];
        if (!diagnostic.Properties.TryGetValue(KnownNames.SignatureProperty, out string? signature) || signature is null) return;
        if (await SyntaxEdits.FindAsync(context, diagnostic).ConfigureAwait(false) is not { } found) return;
        if (found.Node.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method) return;
        if (SyntaxFactory.ParseMemberDeclaration(signature + ";") is not MethodDeclarationSyntax expected) return;

        ParameterListSyntax parameters = expected.ParameterList;
        if (method.ParameterList.Parameters.Count == parameters.Parameters.Count)
        {
            parameters = parameters.WithParameters(SyntaxFactory.SeparatedList(parameters.Parameters.Select((p, i) =>
                p.WithIdentifier(method.ParameterList.Parameters[i].Identifier.WithoutTrivia())), parameters.Parameters.GetSeparators()));
        }

        MethodDeclarationSyntax fixedMethod = method
            .WithReturnType(expected.ReturnType.WithTriviaFrom(method.ReturnType))
            .WithTypeParameterList(null)
            .WithConstraintClauses(default)
            .WithParameterList(parameters.WithTriviaFrom(method.ParameterList));
        if (method.TypeParameterList is not null)
        {
            // 'M<T>(' loses '<T>': keep the identifier's trivia tidy.
            fixedMethod = fixedMethod.WithIdentifier(method.Identifier.WithTrailingTrivia(method.TypeParameterList.GetTrailingTrivia()));
        }
        context.RegisterCodeFix(SyntaxEdits.Replace(Title, context.Document, found.Root, method, fixedMethod), diagnostic);
    }
}
