using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using KernelOps.Analyzers.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace KernelOps.CodeFixes;

/// <summary>KOPS0003 (not partial): makes the handler type and every containing type partial.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakePartialCodeFix)), Shared]
public sealed class MakePartialCodeFix : CodeFixProvider
{
    internal const string Title = "Make the type partial";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.InvalidHandlerType.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Diagnostic diagnostic = context.Diagnostics[0];
        if (await SyntaxEdits.FindAsync(context, diagnostic).ConfigureAwait(false) is not { } found) return;
        TypeDeclarationSyntax? type = found.Node.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault();
        if (type is null) return;

        TypeDeclarationSyntax[] chain = type.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().Where(t => !t.Modifiers.Any(SyntaxKind.PartialKeyword)).ToArray();
        if (chain.Length == 0) return; // not the "not partial" reason (generic): nothing mechanical to do

        context.RegisterCodeFix(CodeAction.Create(Title, _ =>
        {
            SyntaxNode root = found.Root.ReplaceNodes(chain, (original, rewritten) => SyntaxEdits.WithModifier(rewritten, SyntaxKind.PartialKeyword));
            return Task.FromResult(context.Document.WithSyntaxRoot(root));
        }, equivalenceKey: Title), diagnostic);
    }
}

/// <summary>
/// KOPS0002: makes the handler method static. Not offered when the body uses the instance (its
/// fields, properties, methods or <c>this</c>): the result would not compile, and where that state
/// should live (per-open state, the registration's data, a static with a lock) is a design choice.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeStaticCodeFix)), Shared]
public sealed class MakeStaticCodeFix : CodeFixProvider
{
    internal const string Title = "Make the handler static";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.NotStatic.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Diagnostic diagnostic = context.Diagnostics[0];
        if (await SyntaxEdits.FindAsync(context, diagnostic).ConfigureAwait(false) is not { } found) return;
        if (found.Node.AncestorsAndSelf().OfType<MethodDeclarationSyntax>().FirstOrDefault() is not { } method) return;
        if (await UsesInstanceAsync(context.Document, method, context.CancellationToken).ConfigureAwait(false)) return;
        context.RegisterCodeFix(SyntaxEdits.Replace(Title, context.Document, found.Root, method, SyntaxEdits.WithModifier(method, SyntaxKind.StaticKeyword)), diagnostic);
    }

    /// <summary>True when the method's body reaches <c>this</c> or <c>base</c>, explicitly or through an instance member.</summary>
    private static async Task<bool> UsesInstanceAsync(Document document, MethodDeclarationSyntax method, System.Threading.CancellationToken cancellationToken)
    {
        SyntaxNode? body = (SyntaxNode?)method.Body ?? method.ExpressionBody;
        if (body is null) return false;
        SemanticModel? model = await document.GetSemanticModelAsync(cancellationToken).ConfigureAwait(false);
        if (model?.GetOperation(body, cancellationToken) is not { } operation) return true; // cannot tell: do not offer a fix that may not compile
        return operation.DescendantsAndSelf().Any(o => o is IInstanceReferenceOperation);
    }
}
