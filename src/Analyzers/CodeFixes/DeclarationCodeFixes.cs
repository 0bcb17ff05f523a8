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
/// slot nothing implements (or that is not a slot, or is listed twice).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DeclaredOpsCodeFix)), Shared]
public sealed class DeclaredOpsCodeFix : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.DeclaredOpsMismatch.Id);

    /// <inheritdoc/>
    public override FixAllProvider? GetFixAllProvider() => null; // each fix edits the same array: one at a time

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Diagnostic diagnostic = context.Diagnostics[0];
        if (!diagnostic.Properties.TryGetValue(KnownNames.ActionProperty, out string? action) ||
            !diagnostic.Properties.TryGetValue(KnownNames.SlotProperty, out string? slot) || slot is null ||
            !diagnostic.Properties.TryGetValue(KnownNames.PropertyNameProperty, out string? property) || property is null)
        {
            return;
        }
        if (await SyntaxEdits.FindAsync(context, diagnostic).ConfigureAwait(false) is not { } found) return;

        if (action == KnownNames.ActionRemove)
        {
            ExpressionSyntax? element = found.Node.AncestorsAndSelf().OfType<ExpressionSyntax>()
                .FirstOrDefault(e => e.Parent is InitializerExpressionSyntax or ExpressionElementSyntax);
            if (element is null) return;
            SyntaxNode toRemove = element.Parent is ExpressionElementSyntax collectionElement ? collectionElement : element;
            string title = $"Remove '{slot}' from {property}";
            context.RegisterCodeFix(CodeAction.Create(title, _ =>
                Task.FromResult(context.Document.WithSyntaxRoot(found.Root.RemoveNode(toRemove, SyntaxRemoveOptions.KeepNoTrivia)!)), title), diagnostic);
        }
        else if (action == KnownNames.ActionAdd)
        {
            AttributeArgumentSyntax? argument = found.Node.AncestorsAndSelf().OfType<AttributeArgumentSyntax>().FirstOrDefault()
                ?? found.Node.DescendantNodesAndSelf().OfType<AttributeArgumentSyntax>().FirstOrDefault(a => a.NameEquals?.Name.Identifier.ValueText == property);
            if (argument is null) return;
            LiteralExpressionSyntax literal = SyntaxFactory.LiteralExpression(SyntaxKind.StringLiteralExpression, SyntaxFactory.Literal(slot));
            SyntaxNode? replacement = argument.Expression switch
            {
                ImplicitArrayCreationExpressionSyntax a => a.WithInitializer(a.Initializer.WithExpressions(SyntaxEdits.Append(a.Initializer.Expressions, literal))),
                ArrayCreationExpressionSyntax { Initializer: { } i } a => a.WithInitializer(i.WithExpressions(SyntaxEdits.Append(i.Expressions, literal))),
                CollectionExpressionSyntax c => c.WithElements(SyntaxEdits.Append<CollectionElementSyntax>(c.Elements, SyntaxFactory.ExpressionElement(literal))),
                _ => null,
            };
            if (replacement is null) return;
            string title = $"Declare '{slot}' in {property}";
            context.RegisterCodeFix(SyntaxEdits.Replace(title, context.Document, found.Root, argument.Expression, replacement), diagnostic);
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
