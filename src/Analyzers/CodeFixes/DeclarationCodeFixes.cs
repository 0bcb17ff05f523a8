using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading.Tasks;
using KernelOps.Analyzers;
using KernelOps.Analyzers.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelOps.CodeFixes;

/// <summary>
/// KOPS0013: adds an implemented slot to the kind attribute's declaration, or removes a declared
/// slot nothing implements (or that is not a slot, or is listed twice). Fix All applies every
/// removal and addition of a document to its arrays at once.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DeclaredOpsCodeFix)), Shared]
public sealed class DeclaredOpsCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.DeclaredOpsMismatch.Id);

    /// <inheritdoc/>
    // The edits of one document touch the same arrays, so a batch of independent fixes would
    // conflict: this applies them to one tree, nodes tracked across the edits.
    public override FixAllProvider GetFixAllProvider() => FixAllProvider.Create(async (fixAllContext, document, diagnostics) =>
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(fixAllContext.CancellationToken).ConfigureAwait(false);
        if (root is null) return null;
        var edits = diagnostics.Select(d => Edit.From(d, root)).Where(e => e is not null).Select(e => e!).ToArray();
        root = root.TrackNodes(edits.Select(e => e.Node));
        foreach (Edit edit in edits.Where(e => e.Remove).Concat(edits.Where(e => !e.Remove)))
        {
            if (root.GetCurrentNode(edit.Node) is { } current && edit.Apply(root, current) is { } updated) root = updated;
        }
        return document.WithSyntaxRoot(root);
    });

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Diagnostic diagnostic = context.Diagnostics[0];
        if (await SyntaxEdits.FindAsync(context, diagnostic).ConfigureAwait(false) is not { } found) return;
        if (Edit.From(diagnostic, found.Root) is not { } edit || edit.Apply(found.Root, edit.Node) is not { } updated) return;
        context.RegisterCodeFix(CodeAction.Create(edit.Title, _ => Task.FromResult(context.Document.WithSyntaxRoot(updated)), edit.Title), diagnostic);
    }

    /// <summary>One diagnostic's edit: remove an element of the declaration, or append a slot name to it.</summary>
    private sealed class Edit(bool remove, SyntaxNode node, string slot, string property)
    {
        public bool Remove { get; } = remove;

        /// <summary>The element to remove, or the attribute argument to append to.</summary>
        public SyntaxNode Node { get; } = node;

        public string Title => Remove ? $"Remove '{slot}' from {property}" : $"Declare '{slot}' in {property}";

        public static Edit? From(Diagnostic diagnostic, SyntaxNode root)
        {
            if (!diagnostic.Properties.TryGetValue(KnownNames.ActionProperty, out string? action) ||
                !diagnostic.Properties.TryGetValue(KnownNames.SlotProperty, out string? slot) || slot is null ||
                !diagnostic.Properties.TryGetValue(KnownNames.PropertyNameProperty, out string? property) || property is null)
            {
                return null;
            }
            SyntaxNode node = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true);
            if (action == KnownNames.ActionRemove)
            {
                ExpressionSyntax? element = node.AncestorsAndSelf().OfType<ExpressionSyntax>()
                    .FirstOrDefault(e => e.Parent is InitializerExpressionSyntax or ExpressionElementSyntax);
                if (element is null) return null;
                return new Edit(true, element.Parent is ExpressionElementSyntax collectionElement ? collectionElement : element, slot, property);
            }
            if (action == KnownNames.ActionAdd)
            {
                AttributeArgumentSyntax? argument = node.AncestorsAndSelf().OfType<AttributeArgumentSyntax>().FirstOrDefault()
                    ?? node.DescendantNodesAndSelf().OfType<AttributeArgumentSyntax>().FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == property);
                return argument is null ? null : new Edit(false, argument, slot, property);
            }
            return null;
        }

        public SyntaxNode? Apply(SyntaxNode root, SyntaxNode current)
        {
            if (Remove) return root.RemoveNode(current, SyntaxRemoveOptions.KeepNoTrivia);
            if (current is not AttributeArgumentSyntax argument) return null;
            LiteralExpressionSyntax literal = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(slot));
            SyntaxNode? replacement = argument.Expression switch
            {
                ImplicitArrayCreationExpressionSyntax a => a.WithInitializer(a.Initializer.WithExpressions(SyntaxEdits.Append(a.Initializer.Expressions, literal))),
                ArrayCreationExpressionSyntax { Initializer: { } i } a => a.WithInitializer(i.WithExpressions(SyntaxEdits.Append(i.Expressions, literal))),
                CollectionExpressionSyntax c => c.WithElements(SyntaxEdits.Append<CollectionElementSyntax>(c.Elements, SyntaxFactory.ExpressionElement(literal))),
                _ => null,
            };
            return replacement is null ? null : root.ReplaceNode(argument.Expression, replacement);
        }
    }
}

/// <summary>KOPS0014: declares the file non-seekable on the kind attribute (<c>NonSeekable = true</c>).</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MarkNonSeekableCodeFix)), Shared]
public sealed class MarkNonSeekableCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.SeekableWithoutLseek.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Diagnostic diagnostic = context.Diagnostics[0];
        if (!diagnostic.Properties.TryGetValue(KnownNames.PropertyNameProperty, out string? property) || property is null) return;
        if (await SyntaxEdits.FindAsync(context, diagnostic).ConfigureAwait(false) is not { } found) return;
        if (found.Node.AncestorsAndSelf().OfType<AttributeSyntax>().FirstOrDefault() is not { } attribute) return;

        AttributeArgumentSyntax argument = SyntaxFactory.AttributeArgument(
            SyntaxFactory.NameEquals(SyntaxFactory.IdentifierName(property), SyntaxFactory.Token(SyntaxKind.EqualsToken).WithLeadingTrivia(SyntaxFactory.Space).WithTrailingTrivia(SyntaxFactory.Space)),
            null,
            SyntaxFactory.LiteralExpression(SyntaxKind.TrueLiteralExpression));
        AttributeArgumentSyntax? existing = attribute.ArgumentList?.Arguments.FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == property);
        AttributeSyntax updated = existing is not null
            ? attribute.ReplaceNode(existing, argument)
            : attribute.WithArgumentList((attribute.ArgumentList ?? SyntaxFactory.AttributeArgumentList()) is var list ? list.WithArguments(SyntaxEdits.Append(list.Arguments, argument)) : null);
        string title = $"Declare the file non-seekable ({property} = true)";
        context.RegisterCodeFix(SyntaxEdits.Replace(title, context.Document, found.Root, attribute, updated), diagnostic);
    }
}
