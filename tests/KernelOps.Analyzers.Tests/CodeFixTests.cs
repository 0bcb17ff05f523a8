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

    private const string InstanceHandlers = """
        [ProcOps]
        partial class H
        {
            private long _reads;
            long Count() => _reads;

            [Read]
            private KResult<nuint> {|KOPS0002:Read|}(FileRef file, UserSliceWriter dst, ref long pos) { _reads++; return (nuint)0; }

            [Write]
            KResult<nuint> {|KOPS0002:Write|}(FileRef file, UserSliceReader src, ref long pos) => (nuint)Count();

            [Lseek]
            KResult<long> {|KOPS0002:Lseek|}(FileRef file, long offset, Whence whence) => this.GetHashCode();
        }
        """;

    // Static, the bodies would not compile: no fix is offered, so nothing changes.
    [Test]
    public Task MakeStatic_NotOfferedWhenTheBodyUsesTheInstance() => Fix<MakeStaticCodeFix>(InstanceHandlers, InstanceHandlers);

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
    public Task DeclaredOps_FixAllAddsAndRemovesInOneArray() => Fix<DeclaredOpsCodeFix>(
        $$"""
        [ProcOps({|KOPS0013:Ops = ["proc_write", {|KOPS0013:"proc_lseek"|}, {|KOPS0013:"proc_mmap"|}]|}, NonSeekable = true)]
        static partial class H
        {
            {{Read}}
            {{Write}}
        }
        [ProcOps({|KOPS0013:Ops = new[] { {|KOPS0013:"proc_open"|} }|}, NonSeekable = true)]
        static partial class J { {{Read}} }
        """,
        $$"""
        [ProcOps(Ops = ["proc_write", "proc_read"], NonSeekable = true)]
        static partial class H
        {
            {{Read}}
            {{Write}}
        }
        [ProcOps(Ops = new[] { "proc_read" }, NonSeekable = true)]
        static partial class J { {{Read}} }
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

    // ---- body rules -------------------------------------------------------------------------------

    private static Task BodyFix<TFix>(string before, string after) where TFix : Microsoft.CodeAnalysis.CodeFixes.CodeFixProvider, new() =>
        Verify.CodeFix<HandlerBodyAnalyzer, TFix>(U + before, U + after);

    // The last return's other arm, 0L, would become (Errno)0 beside an Errno (KOPS0020): it becomes the success form.
    [Test]
    public Task ReturnErrno_FixAll() => BodyFix<ReturnErrnoCodeFix>(
        """
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
            {
                if (command == 1) return {|KOPS0015:(long)Errno.ENOTTY|};
                if (command == 2) return {|KOPS0015:-(long)Errno.EINVAL|};
                KResult r = new UserPtr<int>(argument).Write(1);
                return r.IsOk ? 0L : {|KOPS0015:System.Convert.ToInt64(r.Error)|};
            }

            [Flush]
            static KResult Flush(FileRef file) => KResult.Ok;
        }
        """,
        """
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
            {
                if (command == 1) return Errno.ENOTTY;
                if (command == 2) return Errno.EINVAL;
                KResult r = new UserPtr<int>(argument).Write(1);
                return r.IsOk ? KResult<long>.Ok(0L) : r.Error;
            }

            [Flush]
            static KResult Flush(FileRef file) => KResult.Ok;
        }
        """);

    [Test]
    public Task Success_FixAll() => Verify.CodeFix<ZeroErrnoAnalyzer, SuccessCodeFix>(U + """
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
            {
                KResult r = new UserPtr<int>(argument).Write(1);
                if (command == 1) return r.IsOk ? {|KOPS0020:0L|} : r.Error;
                if (command == 2) return r.IsOk ? {|KOPS0020:(Errno)0|} : Errno.EFAULT;
                return command > 9 ? Errno.EINVAL : {|KOPS0020:default|};
            }

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => pos > 0 ? {|KOPS0020:0L|} : Errno.EINVAL;

            [Flush]
            static KResult Flush(FileRef file) => {|KOPS0020:default(Errno)|};
        }
        """, U + """
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
            {
                KResult r = new UserPtr<int>(argument).Write(1);
                if (command == 1) return r.IsOk ? KResult<long>.Ok(0L) : r.Error;
                if (command == 2) return r.IsOk ? KResult<long>.Ok(0) : Errno.EFAULT;
                return command > 9 ? Errno.EINVAL : KResult<long>.Ok(0);
            }

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => pos > 0 ? KResult<nuint>.Ok(0) : Errno.EINVAL;

            [Flush]
            static KResult Flush(FileRef file) => KResult.Ok;
        }
        """);

    [Test]
    public Task Success_NotOfferedWithoutASuccessOfItsOwnOrInsideANumber() => Verify.CodeFix<ZeroErrnoAnalyzer, SuccessCodeFix>(U + """
        sealed class Session { }
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            [Open] static OpenResult<Session> Open(Inode inode, FileRef file) => {|KOPS0020:(Errno)0|};
            [Flush] static KResult Flush(FileRef file, bool ok) => (Errno)(ok ? {|KOPS0020:0|} : 22);
        }
        """, U + """
        sealed class Session { }
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            [Open] static OpenResult<Session> Open(Inode inode, FileRef file) => {|KOPS0020:(Errno)0|};
            [Flush] static KResult Flush(FileRef file, bool ok) => (Errno)(ok ? {|KOPS0020:0|} : 22);
        }
        """);

    [Test]
    public Task ReturnErrno_NotOfferedWhereTheResultIsANumber() => BodyFix<ReturnErrnoCodeFix>(
        """
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            static long Fail(Errno e) => {|KOPS0015:-(long)e|};
            [Ioctl] static KResult<long> Ioctl(FileRef file, uint command, nuint argument) => Fail(Errno.ENOTTY);
        }
        """,
        """
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            static long Fail(Errno e) => {|KOPS0015:-(long)e|};
            [Ioctl] static KResult<long> Ioctl(FileRef file, uint command, nuint argument) => Fail(Errno.ENOTTY);
        }
        """);

    [Test]
    public Task Interlocked_CountersFixAll() => Verify.CodeFix<HandlerBodyAnalyzer, InterlockedCodeFix>(U + """
        [ProcOps(NonSeekable = true)]
        static partial class H
        {
            static long s_reads;
            static int s_open;
            static ulong s_bytes;
            static long s_balance;
            static string? s_last;

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                {|KOPS0010:s_reads++|};
                {|KOPS0010:--s_open|};
                {|KOPS0010:s_bytes += dst.Length|};
                {|KOPS0010:s_balance -= 2 + 3|};
                long now = {|KOPS0010:++s_reads|};
                {|#0:s_last = "read"|};   // not a counter: no mechanical fix
                return (nuint)now;
            }
        }
        """, "using System.Threading;\n" + U + """
        [ProcOps(NonSeekable = true)]
        static partial class H
        {
            static long s_reads;
            static int s_open;
            static ulong s_bytes;
            static long s_balance;
            static string? s_last;

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                Interlocked.Increment(ref s_reads);
                Interlocked.Decrement(ref s_open);
                Interlocked.Add(ref s_bytes, dst.Length);
                Interlocked.Add(ref s_balance, -(2 + 3));
                long now = Interlocked.Increment(ref s_reads);
                {|#0:s_last = "read"|};   // not a counter: no mechanical fix
                return (nuint)now;
            }
        }
        """, expected: [Verify.Diagnostic("KOPS0010").WithLocation(0).WithArguments("Read", "field", "H.s_last", "Read")]);

    [Test]
    public Task MakeReadonly_CallbackStruct() => Verify.CodeFix<MaterializedCallbackAnalyzer, MakeReadonlyCodeFix>(U + """
        sealed class Stats { public long Events; }
        internal struct {|KOPS0011:Reset|} : IDebugFsWriteCallback<Stats>
        {
            public static OpsTable<FileOperations> Table => default;
            public KResult Write(Stats data, System.ReadOnlySpan<byte> input) { data.Events = 0; return KResult.Ok; }
        }
        """, U + """
        sealed class Stats { public long Events; }
        internal readonly struct Reset : IDebugFsWriteCallback<Stats>
        {
            public static OpsTable<FileOperations> Table => default;
            public KResult Write(Stats data, System.ReadOnlySpan<byte> input) { data.Events = 0; return KResult.Ok; }
        }
        """);

    [Test]
    public Task MakeReadonly_NotOfferedWithAWritableField() => Verify.CodeFix<MaterializedCallbackAnalyzer, MakeReadonlyCodeFix>(U + """
        sealed class Stats { public long Events; }
        struct {|#0:Counting|} : IDebugFsWriteCallback<Stats>
        {
            long _count;
            public static OpsTable<FileOperations> Table => default;
            public KResult Write(Stats data, System.ReadOnlySpan<byte> input) { data.Events = _count++; return KResult.Ok; }
        }
        """, U + """
        sealed class Stats { public long Events; }
        struct {|#0:Counting|} : IDebugFsWriteCallback<Stats>
        {
            long _count;
            public static OpsTable<FileOperations> Table => default;
            public KResult Write(Stats data, System.ReadOnlySpan<byte> input) { data.Events = _count++; return KResult.Ok; }
        }
        """, expected: [
            Verify.Diagnostic("KOPS0011").WithLocation(0).WithArguments("Counting", "KernelOps.IDebugFsWriteCallback<Stats>", "it is not a readonly struct; mark it readonly so no member can grow state"),
            Verify.Diagnostic("KOPS0011").WithLocation(0).WithArguments("Counting", "KernelOps.IDebugFsWriteCallback<Stats>", "it has instance field '_count', which default(T) always leaves zero"),
        ]);
}
