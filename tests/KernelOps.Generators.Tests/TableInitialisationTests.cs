using System.Collections.Generic;
using System.Linq;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace KernelOps.Generators.Tests;

/// <summary>
/// Reads the generated syntax (no assembly is emitted or loaded): the table initialisation assigns
/// exactly the implemented slots, each to an [UnmanagedCallersOnly] thunk of the same file.
/// </summary>
public class TableInitialisationTests
{
    private static readonly Dictionary<string, (string Source, string Slot)> Handlers = new()
    {
        ["Open"] = (Sources.Open, "proc_open"),
        ["Read"] = (Sources.Read, "proc_read"),
        ["Write"] = (Sources.Write, "proc_write"),
        ["Lseek"] = (Sources.Lseek, "proc_lseek"),
        ["Release"] = (Sources.Release, "proc_release"),
        ["Ioctl"] = (Sources.Ioctl, "proc_ioctl"),
        ["CompatIoctl"] = (Sources.CompatIoctl, "proc_compat_ioctl"),
    };

    [TestCase("Read")]
    [TestCase("Write", "Lseek")]
    [TestCase("Open", "Release", "CompatIoctl")]
    [TestCase("Open", "Read", "Write", "Lseek", "Release", "Ioctl", "CompatIoctl")]
    public void AssignsExactlyTheImplementedSlots(params string[] implemented)
    {
        string body = string.Join("\n    ", implemented.Select(h => Handlers[h].Source));
        string source = Sources.Usings + $"[ProcOps] static partial class H\n{{\n    {body}\n}}\n";

        var (result, _, _) = TestCompilation.RunGenerator(TestCompilation.Create(source));
        SyntaxTree generated = CSharpSyntaxTree.ParseText(TestCompilation.SingleGeneratedSource(result));

        Dictionary<string, string> assigned = SlotAssignments(generated);
        Assert.That(assigned.Keys, Is.EquivalentTo(implemented.Select(h => Handlers[h].Slot)));

        HashSet<string> thunks = generated.GetRoot().DescendantNodes().OfType<MethodDeclarationSyntax>()
            .Where(m => m.AttributeLists.SelectMany(l => l.Attributes).Any(a => a.Name.ToString().EndsWith("UnmanagedCallersOnly")))
            .Select(m => m.Identifier.ValueText)
            .ToHashSet();
        Assert.That(assigned.Values, Is.EquivalentTo(thunks), "every thunk is in the table and every table entry is a thunk");
    }

    [Test]
    public void InvalidHandlersLeaveTheirSlotNull()
    {
        string source = Sources.Usings + """
            [ProcOps] static partial class H
            {
                [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
                [Write] static KResult<nuint> Write(FileRef file, UserSliceReader src, long pos) => (nuint)0;    // not ref: KOPS0001
                [Lseek] static KResult<long> SeekA(FileRef file, long offset, Whence whence) => offset;           // duplicate: KOPS0004
                [Lseek] static KResult<long> SeekB(FileRef file, long offset, Whence whence) => offset;
                [Open] static KResult Open<T>(Inode inode, FileRef file) => KResult.Ok;                         // generic: KOPS0001
            }
            """;

        var (result, _, _) = TestCompilation.RunGenerator(TestCompilation.Create(source));
        Dictionary<string, string> assigned = SlotAssignments(CSharpSyntaxTree.ParseText(TestCompilation.SingleGeneratedSource(result)));
        Assert.That(assigned.Keys, Is.EquivalentTo(new[] { "proc_read" }));
    }

    [Test]
    public void SettingIsAssignedOnlyWhenGiven()
    {
        string with = Sources.Usings + $"[ProcOps(Flags = ProcOpsFlags.Permanent)] static partial class H {{ {Sources.Read} }}";
        string without = Sources.Usings + $"[ProcOps] static partial class H {{ {Sources.Read} }}";

        Assert.That(AssignedFields(with), Does.Contain("proc_flags"));
        Assert.That(AssignedFields(without), Does.Not.Contain("proc_flags"));
    }

    private static IEnumerable<string> AssignedFields(string source)
    {
        var (result, _, _) = TestCompilation.RunGenerator(TestCompilation.Create(source));
        return CSharpSyntaxTree.ParseText(TestCompilation.SingleGeneratedSource(result)).GetRoot()
            .DescendantNodes().OfType<AssignmentExpressionSyntax>()
            .Select(a => a.Left).OfType<MemberAccessExpressionSyntax>()
            .Where(m => m.IsKind(SyntaxKind.PointerMemberAccessExpression))
            .Select(m => m.Name.Identifier.ValueText)
            .ToArray();
    }

    /// <summary><c>table.Pointer-&gt;slot = &amp;thunk</c> assignments, slot → thunk.</summary>
    private static Dictionary<string, string> SlotAssignments(SyntaxTree tree) =>
        tree.GetRoot().DescendantNodes().OfType<AssignmentExpressionSyntax>()
            .Where(a => a.Left is MemberAccessExpressionSyntax { RawKind: (int)SyntaxKind.PointerMemberAccessExpression } &&
                        a.Right is PrefixUnaryExpressionSyntax { RawKind: (int)SyntaxKind.AddressOfExpression })
            .ToDictionary(
                a => ((MemberAccessExpressionSyntax)a.Left).Name.Identifier.ValueText,
                a => ((IdentifierNameSyntax)((PrefixUnaryExpressionSyntax)a.Right).Operand).Identifier.ValueText);
}
