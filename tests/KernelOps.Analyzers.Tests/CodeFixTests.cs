using System.Threading.Tasks;
using KernelOps.Analyzers.Tests.Infrastructure;
using KernelOps.CodeFixes;

namespace KernelOps.Analyzers.Tests;

/// <summary>Every code fix, before and after; the fixed source must be free of the diagnostic.</summary>
public class CodeFixTests
{
    private const string U = Verify.Usings;
    private const string Seek = "KOPS0014";
    private const string Read = "[Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;";
    private const string Write = "[Write] static KResult<nuint> Write(FileRef file, UserSliceReader src, ref long pos) => src.Length;";

    private static Task Fix<TFix>(string before, string after, params string[] disabled) where TFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new() =>
        Verify.CodeFix<HandlerDeclarationAnalyzer, TFix>(U + before, U + after, disabled);

    [Test]
    public Task MakePartial() => Fix<MakePartialCodeFix>(
        $$"""
        [ProcOps]
        internal static class {|KOPS0003:H|}
        {
            {{Read}}
        }
        """,
        $$"""
        [ProcOps]
        internal static partial class H
        {
            {{Read}}
        }
        """, Seek);

    [Test]
    public Task MakePartial_ContainingTypesToo() => Fix<MakePartialCodeFix>(
        $$"""
        class Outer
        {
            [ProcOps]
            static class {|KOPS0003:H|} { {{Read}} }
        }
        """,
        $$"""
        partial class Outer
        {
            [ProcOps]
            static partial class H { {{Read}} }
        }
        """, Seek);

    [Test]
    public Task MakeStatic() => Fix<MakeStaticCodeFix>(
        """
        [ProcOps]
        partial class H
        {
            [Read]
            private KResult<nuint> {|KOPS0002:Read|}(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;

            [Write]
            KResult<nuint> {|KOPS0002:Write|}(FileRef file, UserSliceReader src, ref long pos) => src.Length;
        }
        """,
        """
        [ProcOps]
        partial class H
        {
            [Read]
            private static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;

            [Write]
            static KResult<nuint> Write(FileRef file, UserSliceReader src, ref long pos) => src.Length;
        }
        """, Seek);

    [Test]
    public Task FixSignature_KeepsParameterNames() => Fix<SignatureCodeFix>(
        """
        [ProcOps]
        static partial class H
        {
            [Read] static KResult<nuint> {|KOPS0001:Read|}(FileRef file, UserSliceWriter dst, long pos) => (nuint)pos;
            [Lseek] static long {|KOPS0001:Seek|}<T>(FileRef f, long o, int w) => o;
        }
        """,
        """
        [ProcOps]
        static partial class H
        {
            [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)pos;
            [Lseek] static KResult<long> Seek(FileRef f, long o, Whence w) => o;
        }
        """);

    [Test]
    public Task FixSignature_WrongParameterCountTakesTheSlotsNames() => Fix<SignatureCodeFix>(
        """
        [ProcOps]
        static partial class H
        {
            [Open] static KResult {|KOPS0001:Open|}(FileRef file) => KResult.Ok;
        }
        """,
        """
        [ProcOps]
        static partial class H
        {
            [Open] static KResult Open(Inode inode, FileRef file) => KResult.Ok;
        }
        """, Seek);

    [Test]
    public Task DeclaredOps_AddsTheImplementedSlot() => Fix<DeclaredOpsCodeFix>(
        $$"""
        [ProcOps({|KOPS0013:Ops = new[] { "proc_write" }|}, NonSeekable = true)]
        static partial class PrinterFact
        {
            {{Read}}
            {{Write}}
        }
        """,
        $$"""
        [ProcOps(Ops = new[] { "proc_write", "proc_read" }, NonSeekable = true)]
        static partial class PrinterFact
        {
            {{Read}}
            {{Write}}
        }
        """);

    [Test]
    public Task DeclaredOps_AddsToACollectionExpression() => Fix<DeclaredOpsCodeFix>(
        $$"""
        [ProcOps({|KOPS0013:Ops = []|}, NonSeekable = true)]
        static partial class H { {{Read}} }
        """,
        $$"""
        [ProcOps(Ops = ["proc_read"], NonSeekable = true)]
        static partial class H { {{Read}} }
        """);

    [Test]
    public Task DeclaredOps_RemovesWhatIsNotImplemented() => Fix<DeclaredOpsCodeFix>(
        $$"""
        [ProcOps(Ops = ["proc_read", {|KOPS0013:"proc_write"|}], NonSeekable = true)]
        static partial class H { {{Read}} }
        """,
        $$"""
        [ProcOps(Ops = ["proc_read"], NonSeekable = true)]
        static partial class H { {{Read}} }
        """);

    [Test]
    public Task MarkNonSeekable() => Fix<MarkNonSeekableCodeFix>(
        $$"""
        [{|KOPS0014:ProcOps|}]
        static partial class H { {{Read}} }
        [{|KOPS0014:ProcOps(Flags = ProcOpsFlags.Permanent)|}]
        static partial class J { {{Read}} }
        """,
        $$"""
        [ProcOps(NonSeekable = true)]
        static partial class H { {{Read}} }
        [ProcOps(Flags = ProcOpsFlags.Permanent, NonSeekable = true)]
        static partial class J { {{Read}} }
        """);
}
