using System.Collections.Generic;
using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using KernelOps.Analyzers;
using KernelOps.Analyzers.Body;
using KernelOps.Analyzers.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Editing;
using Microsoft.CodeAnalysis.Simplification;

namespace KernelOps.CodeFixes;

/// <summary>
/// KOPS0015: replaces a number made from an Errno with the Errno itself where the result takes one
/// (a KResult): <c>return -(long)Errno.EINVAL;</c> becomes <c>return Errno.EINVAL;</c>.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ReturnErrnoCodeFix)), Shared]
public sealed class ReturnErrnoCodeFix : CodeFixProvider
{
    internal const string Title = "Return the Errno itself";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.ErrnoAsNumber.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Diagnostic diagnostic = context.Diagnostics[0];
        if (!diagnostic.Properties.TryGetValue(KnownNames.FixProperty, out string? fix) || fix != KnownNames.FixReturnErrno) return;
        if (diagnostic.AdditionalLocations.Count != 1) return;
        if (await SyntaxEdits.FindAsync(context, diagnostic).ConfigureAwait(false) is not { } found) return;
        if (found.Node.AncestorsAndSelf().OfType<ExpressionSyntax>().FirstOrDefault() is not { } number) return;
        if (found.Root.FindNode(diagnostic.AdditionalLocations[0].SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax errno) return;

        ExpressionSyntax replacement = SyntaxFactory.ParenthesizedExpression(errno.WithoutTrivia())
            .WithTriviaFrom(number)
            .WithAdditionalAnnotations(Simplifier.Annotation);
        var replacements = new Dictionary<SyntaxNode, SyntaxNode> { [number] = replacement };
        if (await ZeroSiblingAsync(context, number).ConfigureAwait(false) is { } sibling) replacements[sibling.Zero] = sibling.Success.WithTriviaFrom(sibling.Zero);
        context.RegisterCodeFix(CodeAction.Create(Title, async cancellationToken =>
        {
            Document document = context.Document.WithSyntaxRoot(found.Root.ReplaceNodes(replacements.Keys, (original, _) => replacements[original]));
            document = await ImportAdder.AddImportsAsync(document, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
            return await Simplifier.ReduceAsync(document, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        }, equivalenceKey: Title), diagnostic);
    }

    /// <summary>
    /// In <c>ok ? 0L : -(long)e</c>, the number made an Errno would turn the other arm's constant
    /// zero into <c>(Errno)0</c> (KOPS0020: a failure, never the success meant); that arm becomes the
    /// result's success form too, <c>ok ? KResult&lt;long&gt;.Ok(0L) : e</c>.
    /// </summary>
    private static async Task<(ExpressionSyntax Zero, ExpressionSyntax Success)?> ZeroSiblingAsync(CodeFixContext context, ExpressionSyntax number)
    {
        SyntaxNode arm = number;
        while (arm.Parent is ParenthesizedExpressionSyntax p) arm = p;
        if (arm.Parent is not ConditionalExpressionSyntax conditional || conditional.Condition == arm) return null;
        ExpressionSyntax other = conditional.WhenTrue == arm ? conditional.WhenFalse : conditional.WhenTrue;
        SemanticModel? model = await context.Document.GetSemanticModelAsync(context.CancellationToken).ConfigureAwait(false);
        if (model is null) return null;
        if (model.GetConstantValue(other, context.CancellationToken) is not { HasValue: true, Value: { } value } || !Markers.IsNumber(model.GetTypeInfo(other, context.CancellationToken).Type) ||
            System.Convert.ToDecimal(value, System.Globalization.CultureInfo.InvariantCulture) != 0)
        {
            return null;
        }
        ITypeSymbol? result = model.GetTypeInfo(conditional, context.CancellationToken).ConvertedType;
        string? success = ErrnoResults.SuccessForm(result, other.WithoutTrivia().ToString(), model.GetTypeInfo(other, context.CancellationToken).Type);
        return success is null ? null : (other, SuccessCodeFix.SuccessExpression(success));
    }
}

/// <summary>
/// KOPS0020: writes the success a zero meant where C#'s constant-zero enum conversion made it an
/// Errno: <c>cond ? 0L : Errno.EINVAL</c> becomes <c>cond ? KResult&lt;long&gt;.Ok(0L) : Errno.EINVAL</c>,
/// <c>return default(Errno);</c> in a <c>KResult</c> method <c>return KResult.Ok;</c>. The analyzer
/// computes the replacement (it knows the result type); the fix only places and simplifies it.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(SuccessCodeFix)), Shared]
public sealed class SuccessCodeFix : DocumentRewriteCodeFix
{
    /// <inheritdoc/>
    protected override string Title => "Return success";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.ZeroErrnoFailure.Id);

    /// <inheritdoc/>
    protected override (SyntaxNode Old, SyntaxNode New)? Rewrite(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(KnownNames.FixProperty, out string? fix) || fix != KnownNames.FixSuccess) return null;
        if (!diagnostic.Properties.TryGetValue(KnownNames.ReplacementProperty, out string? success) || success is null) return null;
        if (root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true) is not ExpressionSyntax zero) return null;
        return (zero, SuccessExpression(success));
    }

    /// <summary>A fully qualified success form, annotated for the simplifier and the import adder.</summary>
    internal static ExpressionSyntax SuccessExpression(string success) =>
        SyntaxFactory.ParseExpression(success).WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
}

/// <summary>
/// KOPS0010: makes a counter update atomic: <c>s_reads++</c> becomes
/// <c>Interlocked.Increment(ref s_reads)</c>, <c>s_bytes += n</c> becomes <c>Interlocked.Add(ref s_bytes, n)</c>.
/// Offered only where the analyzer found it mechanical (an int, long, uint or ulong field).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(InterlockedCodeFix)), Shared]
public sealed class InterlockedCodeFix : DocumentRewriteCodeFix
{
    /// <inheritdoc/>
    protected override string Title => "Update it with Interlocked";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.UnsynchronizedStaticWrite.Id);

    /// <inheritdoc/>
    protected override (SyntaxNode Old, SyntaxNode New)? Rewrite(SyntaxNode root, Diagnostic diagnostic)
    {
        if (!diagnostic.Properties.TryGetValue(KnownNames.FixProperty, out string? operation) || operation is null) return null;
        ExpressionSyntax? write = root.FindNode(diagnostic.Location.SourceSpan, getInnermostNodeForTie: true).AncestorsAndSelf().OfType<ExpressionSyntax>()
            .FirstOrDefault(e => e is PrefixUnaryExpressionSyntax or PostfixUnaryExpressionSyntax or AssignmentExpressionSyntax);
        return write is not null && Interlocked(write, operation) is { } call ? (write, call) : null;
    }

    private static InvocationExpressionSyntax? Interlocked(ExpressionSyntax write, string operation)
    {
        (ExpressionSyntax? target, ExpressionSyntax? amount, string method) = (write, operation) switch
        {
            (PrefixUnaryExpressionSyntax p, "Increment" or "Decrement") => (p.Operand, null, operation),
            (PostfixUnaryExpressionSyntax p, "Increment" or "Decrement") => (p.Operand, null, operation),
            (AssignmentExpressionSyntax a, "Add") when a.IsKind(SyntaxKind.AddAssignmentExpression) => (a.Left, a.Right, "Add"),
            (AssignmentExpressionSyntax a, "Subtract") when a.IsKind(SyntaxKind.SubtractAssignmentExpression) =>
                (a.Left, SyntaxFactory.PrefixUnaryExpression(SyntaxKind.UnaryMinusExpression,
                    SyntaxFactory.ParenthesizedExpression(a.Right.WithoutTrivia()).WithAdditionalAnnotations(Simplifier.Annotation)), "Add"),
            _ => (null, null, operation),
        };
        if (target is null) return null;

        ExpressionSyntax type = SyntaxFactory.ParseExpression("global::System.Threading.Interlocked")
            .WithAdditionalAnnotations(Simplifier.Annotation, Simplifier.AddImportsAnnotation);
        var arguments = SyntaxFactory.SeparatedList(new[]
        {
            SyntaxFactory.Argument(null, SyntaxFactory.Token(SyntaxKind.RefKeyword).WithTrailingTrivia(SyntaxFactory.Space), target.WithoutTrivia()),
        });
        if (amount is not null) arguments = arguments.Add(SyntaxFactory.Argument(amount.WithoutTrivia()));
        return SyntaxFactory.InvocationExpression(
            SyntaxFactory.MemberAccessExpression(SyntaxKind.SimpleMemberAccessExpression, type, SyntaxFactory.IdentifierName(method)),
            SyntaxFactory.ArgumentList(SyntaxFactory.SeparatedList(arguments, Enumerable.Repeat(SyntaxFactory.Token(SyntaxKind.CommaToken).WithTrailingTrivia(SyntaxFactory.Space), arguments.Count - 1))));
    }
}

/// <summary>KOPS0011 (not readonly): adds <c>readonly</c> to the callback struct.</summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(MakeReadonlyCodeFix)), Shared]
public sealed class MakeReadonlyCodeFix : CodeFixProvider
{
    internal const string Title = "Make the struct readonly";

    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(DiagnosticDescriptors.StatefulMaterializedCallback.Id);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Diagnostic diagnostic = context.Diagnostics[0];
        if (!diagnostic.Properties.TryGetValue(KnownNames.FixProperty, out string? fix) || fix != KnownNames.FixReadonly) return;
        if (await SyntaxEdits.FindAsync(context, diagnostic).ConfigureAwait(false) is not { } found) return;
        if (found.Node.AncestorsAndSelf().OfType<TypeDeclarationSyntax>().FirstOrDefault() is not { } declaration) return;
        if (declaration.Modifiers.Any(SyntaxKind.ReadOnlyKeyword)) return;
        context.RegisterCodeFix(SyntaxEdits.Replace(Title, context.Document, found.Root, declaration, SyntaxEdits.WithModifier(declaration, SyntaxKind.ReadOnlyKeyword)), diagnostic);
    }
}

/// <summary>
/// A fix that replaces one expression per diagnostic with a new one that may need a using directive:
/// Fix All is one edit of the whole document (every fix may add the same using, which a batch of
/// separate edits would conflict on), then imports are added and the result simplified.
/// </summary>
public abstract class DocumentRewriteCodeFix : CodeFixProvider
{
    /// <summary>The code action's title and equivalence key.</summary>
    protected abstract string Title { get; }

    /// <summary>The node to replace and its replacement, or null where the fix does not apply.</summary>
    protected abstract (SyntaxNode Old, SyntaxNode New)? Rewrite(SyntaxNode root, Diagnostic diagnostic);

    /// <inheritdoc/>
    public sealed override FixAllProvider GetFixAllProvider() => FixAllProvider.Create((fixAllContext, document, diagnostics) =>
        ApplyAsync(document, diagnostics, fixAllContext.CancellationToken)!);

    /// <inheritdoc/>
    public sealed override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        Diagnostic diagnostic = context.Diagnostics[0];
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null || Rewrite(root, diagnostic) is null) return;
        context.RegisterCodeFix(CodeAction.Create(Title,
            cancellationToken => ApplyAsync(context.Document, ImmutableArray.Create(diagnostic), cancellationToken)!, equivalenceKey: Title), diagnostic);
    }

    private async Task<Document?> ApplyAsync(Document document, ImmutableArray<Diagnostic> diagnostics, CancellationToken cancellationToken)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellationToken).ConfigureAwait(false);
        if (root is null) return null;
        var rewrites = diagnostics.Select(d => Rewrite(root, d)).Where(r => r is not null).Select(r => r!.Value)
            .GroupBy(r => r.Old).ToDictionary(g => g.Key, g => g.First().New);
        if (rewrites.Count == 0) return null;
        document = document.WithSyntaxRoot(root.ReplaceNodes(rewrites.Keys, (original, _) => rewrites[original].WithTriviaFrom(original)));
        document = await ImportAdder.AddImportsAsync(document, Simplifier.AddImportsAnnotation, cancellationToken: cancellationToken).ConfigureAwait(false);
        return await Simplifier.ReduceAsync(document, Simplifier.Annotation, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
