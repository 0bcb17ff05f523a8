using System.Linq;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelOps.CodeFixes;

/// <summary>Small syntax helpers shared by the fixes.</summary>
internal static class SyntaxEdits
{
    public static async Task<(SyntaxNode Root, SyntaxNode Node)?> FindAsync(CodeFixContext context, Diagnostic diagnostic)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null) return null;
        return (root, root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true));
    }

    public static CodeAction Replace(string title, Document document, SyntaxNode root, SyntaxNode oldNode, SyntaxNode newNode) =>
        CodeAction.Create(title, _ => Task.FromResult(document.WithSyntaxRoot(root.ReplaceNode(oldNode, newNode))), equivalenceKey: title);

    /// <summary>
    /// Adds <paramref name="keyword"/> to the member's modifiers: right after the accessibility ones,
    /// or last for <c>partial</c>. The token it lands before gives up its leading trivia (indentation)
    /// to the new modifier, so the layout stays as written.
    /// </summary>
    public static T WithModifier<T>(T member, SyntaxKind keyword) where T : MemberDeclarationSyntax
    {
        SyntaxTokenList modifiers = member.Modifiers;
        int index = 0;
        if (keyword == SyntaxKind.PartialKeyword)
        {
            index = modifiers.Count;
        }
        else
        {
            for (int i = 0; i < modifiers.Count; i++)
            {
                if (modifiers[i].Kind() is SyntaxKind.PublicKeyword or SyntaxKind.PrivateKeyword or SyntaxKind.InternalKeyword or SyntaxKind.ProtectedKeyword or SyntaxKind.FileKeyword)
                {
                    index = i + 1;
                }
            }
        }

        SyntaxToken next = index < modifiers.Count ? modifiers[index]
            : modifiers.Count > 0 ? modifiers[modifiers.Count - 1].GetNextToken()
            : member.AttributeLists.Count > 0 ? member.AttributeLists[member.AttributeLists.Count - 1].GetLastToken().GetNextToken()
            : member.GetFirstToken();
        SyntaxToken added = SyntaxFactory.Token(next.LeadingTrivia, keyword, SyntaxFactory.TriviaList(SyntaxFactory.Space));
        var updated = (T)member.ReplaceToken(next, next.WithLeadingTrivia(SyntaxFactory.TriviaList()));
        return (T)updated.WithModifiers(updated.Modifiers.Insert(index, added));
    }

    public static bool HasModifier(MemberDeclarationSyntax member, SyntaxKind kind) => member.Modifiers.Any(kind);

    /// <summary>
    /// Appends <paramref name="item"/> as <c>a, item</c>: the last element's trailing trivia (the
    /// space before a closing brace) moves to the new last element.
    /// </summary>
    public static SeparatedSyntaxList<T> Append<T>(SeparatedSyntaxList<T> list, T item) where T : SyntaxNode
    {
        if (list.Count == 0) return SyntaxFactory.SingletonSeparatedList(item);
        T last = list[list.Count - 1];
        var nodes = list.Take(list.Count - 1).Append(last.WithoutTrailingTrivia()).Append(item.WithTrailingTrivia(last.GetTrailingTrivia()));
        var separators = list.GetSeparators().Append(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space));
        return SyntaxFactory.SeparatedList(nodes, separators);
    }
}
