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

/// <summary>KOPS0002: makes the handler method static.</summary>
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
        context.RegisterCodeFix(SyntaxEdits.Replace(Title, context.Document, found.Root, method, SyntaxEdits.WithModifier(method, SyntaxKind.StaticKeyword)), diagnostic);
    }
}
