using System.Threading.Tasks;
using KernelOps.Analyzers.Tests.Infrastructure;

namespace KernelOps.Analyzers.Tests;

/// <summary>
/// KOPS0007-KOPS0014 (KOPS0008 is the generator's: GeneratorDiagnosticTests; KOPS0015-KOPS0019 are in
/// SoundnessRuleTests), each with cases it must report (markup <c>{|KOPSnnnn:...|}</c> gives id and
/// span) and close cases it must not. KOPS0001-KOPS0006 are covered in KernelOps.Generators.Tests,
/// next to the discovery they share with the generator. Sources that are not about seeking disable
/// KOPS0014 so each case shows one rule.
/// </summary>
public class RuleTests
{
    private const string U = Verify.Usings;
    private const string Seek = "KOPS0014";
    private const string Read = "[Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;";
    private const string Write = "[Write] static KResult<nuint> Write(FileRef file, UserSliceReader src, ref long pos) => src.Length;";
    private const string Lseek = "[Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) => offset;";

    private static Task Declaration(string source, params string[] disabled) => Verify.Analyzer<HandlerDeclarationAnalyzer>(source, disabled);
    private static Task Body(string source) => Verify.Analyzer<HandlerBodyAnalyzer>(source);

    // ---- KOPS0007 -------------------------------------------------------------------------------

    [Test]
    public Task Kops0007_HandlerAttributeOnLocalFunction() => Verify.Analyzer<CapturingHandlerAnalyzer>(U + """
        static class Registration
        {
            static void Register(long seed)
            {
                [Read] static KResult<nuint> {|KOPS0007:Read|}(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
                _ = seed;
            }
        }
        """);

    [Test]
    public Task Kops0007_HandlerAttributeOnCapturingLambda() => Verify.Analyzer<CapturingHandlerAnalyzer>(U + """
        using System;
        static class Registration
        {
            static Func<long, long> Make(long seed) => {|KOPS0007:[Lseek] (long offset) => offset + seed|};
        }
        """);

    [Test]
    public Task Kops0007_LocalFunctionsAndLambdasWithoutHandlerAttributesAreFine() => Verify.Analyzer<CapturingHandlerAnalyzer>(U + """
        using System;
        [ProcOps(NonSeekable = true)]
        static partial class H
        {
            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                long start = pos;
                static long Clamp(long x) => x < 0 ? 0 : x;
                Func<long, long> add = x => x + start;
                return (nuint)Clamp(add(0));
            }
        }
        """);

    // ---- KOPS0008 -------------------------------------------------------------------------------
    // Reported by the generator (GeneratorDiagnosticTests in KernelOps.Generators.Tests); the
    // analyzer only keeps the neighbouring case.

    [Test]
    public Task Kops0008_SynchronousHandlerWithWrongSignatureIsKops0001() => Declaration(U + """
        [ProcOps]
        static partial class H
        {
            [Open] static KResult<long> {|KOPS0001:Open|}(Inode inode, FileRef file) => 0L;
        }
        """, Seek);

    // ---- KOPS0009 -------------------------------------------------------------------------------

    [Test]
    public Task Kops0009_BlockingOnTasks() => Body(U + """
        using System.Threading.Tasks;
        [ProcOps]
        static partial class H
        {
            static Task<int> Fetch() => Task.FromResult(1);

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                int a = {|KOPS0009:Fetch().Result|};
                {|KOPS0009:Fetch().Wait()|};
                int b = {|KOPS0009:Fetch().GetAwaiter().GetResult()|};
                return (nuint)(a + b);
            }

            [Write]
            static KResult<nuint> Write(FileRef file, UserSliceReader src, ref long pos) => (nuint)Helper();

            static int Helper() => {|KOPS0009:Fetch().Result|};
        }
        """);

    [Test]
    public Task Kops0009_TasksOutsideHandlersAndCompletedChecksAreFine() => Body(U + """
        using System.Threading.Tasks;
        [ProcOps]
        static partial class H
        {
            static Task<int> Fetch() => Task.FromResult(1);

            // Not reachable from a handler: module init may block.
            public static int Init() => Fetch().Result;

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) =>
                Fetch().IsCompletedSuccessfully ? (nuint)1 : (nuint)0;
        }
        """);

    // ---- KOPS0010 -------------------------------------------------------------------------------

    [Test]
    public Task Kops0010_UnsynchronisedStaticWrites() => Body(U + """
        [ProcOps]
        static partial class H
        {
            static long _reads;
            static long _bytes;
            static string? _last;
            static int Calls { get; set; }

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                {|KOPS0010:_reads++|};
                {|KOPS0010:_bytes += 4|};
                {|KOPS0010:_last = "read"|};
                {|KOPS0010:Calls = Calls + 1|};
                Count();
                return (nuint)0;
            }

            static void Count() => {|KOPS0010:_reads--|};
        }
        """);

    [Test]
    public Task Kops0010_KernelMutexCoversOnlyWhereItIsHeld() => Body(U + """
        [ProcOps]
        static partial class H
        {
            static readonly KernelMutex Mutex = new();
            static long _bytes;

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                {|KOPS0010:_bytes++|}; // before the guard
                using (Mutex.Lock()) { }
                {|KOPS0010:_bytes++|}; // after the using statement
                Mutex.Lock().Dispose();
                {|KOPS0010:_bytes++|}; // a guard not held by a using
                {
                    {|KOPS0010:_bytes++|}; // before the guard, in the block that declares it
                    using var guard = Mutex.Lock();
                }
                {|KOPS0010:_bytes++|}; // after the block that held it
                return (nuint)0;
            }
        }
        """);

    [Test]
    public Task Kops0010_SynchronisedOrLocalWritesAreFine() => Body(U + """
        using System;
        using System.Threading;
        [ProcOps]
        static partial class H
        {
            static readonly object Gate = new();
            static readonly KernelMutex Mutex = new();
            static long _reads;
            static long _bytes;
            static volatile bool _used;
            [ThreadStatic] static int _perThread;
            static int _initOnly;

            public static void Init() => _initOnly = 1; // not reachable from a handler

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                Interlocked.Increment(ref _reads);
                Volatile.Write(ref _bytes, 4);
                lock (Gate) { _bytes += 4; }
                using (Mutex.Lock()) { _bytes += 4; }
                using (var held = Mutex.Lock()) _bytes += 4;
                if (pos == 0)
                {
                    using var guard = Mutex.Lock();
                    _bytes += 4;
                }
                _used = true;
                _perThread++;
                long local = 0;
                local++;
                pos += local;
                return (nuint)0;
            }
        }
        """);

    [Test]
    public Task Kops0010_LessObviousWrites() => Body(U + """
        using System.Threading.Tasks;
        struct Stats { public long Count; public Inner In; public long Total { get; set; } }
        struct Inner { public int X; }
        [ProcOps]
        static partial class H
        {
            static long s_a, s_b;
            static Stats s_stats;
            static readonly long[] s_counts = new long[4];
            static int s_parsed;
            static readonly object Gate = new();
            static int s_value;
            static int Value { get => s_value; set => {|KOPS0010:s_value = value|}; }

            static void Bump(ref long x) => x++;

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                ({|KOPS0010:s_a|}, {|KOPS0010:s_b|}) = (1, 2);     // tuple deconstruction
                {|KOPS0010:s_stats.Count++|};                     // a member of a static struct
                {|KOPS0010:s_stats.In.X = 1|};
                {|KOPS0010:s_stats.Total = 3|};
                {|KOPS0010:s_counts[0]++|};                       // an element of a static array
                int.TryParse("1", out {|KOPS0010:s_parsed|});      // an out argument
                Bump(ref {|KOPS0010:s_a|});                        // a ref argument
                Value = 5;                                        // through the setter: reported there
                lock (Gate) { _ = Task.Run(() => {|KOPS0010:s_b++|}); } // deferred work runs without the lock
                return (nuint)0;
            }
        }
        """);

    [Test]
    public Task Kops0010_HelperReachedOnlyUnderTheLockIsFine_ReachedOnceWithoutIsNot() => Body(U + """
        [ProcOps]
        static partial class H
        {
            static readonly object Gate = new();
            static long s_total, s_other;

            static void AddLocked() => s_total++;          // every caller holds Gate
            static void AddOther() => {|KOPS0010:s_other++|}; // Write calls it without the lock

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                lock (Gate) { AddLocked(); AddOther(); }
                return (nuint)0;
            }

            [Write]
            static KResult<nuint> Write(FileRef file, UserSliceReader src, ref long pos)
            {
                lock (Gate) AddLocked();
                AddOther();
                return src.Length;
            }
        }
        """);

    [Test]
    public Task Kops0010_LessObviousFormsThatAreFine() => Body(U + """
        using System;
        using System.Threading;
        struct Stats { public long Count; }
        [ProcOps]
        static partial class H
        {
            static readonly object Gate = new();
            static Stats s_stats;
            [ThreadStatic] static Stats t_stats;
            static int s_value;
            static object? s_lazy;
            static int Value { set { lock (Gate) s_value = value; } }

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                (long a, long b) = (1, 2);
                var (c, d) = (a, b);
                Interlocked.Increment(ref s_stats.Count);
                t_stats.Count++;
                Value = 4;
                LazyInitializer.EnsureInitialized(ref s_lazy, () => new object());
                long[] local = new long[2];
                local[0]++;
                return (nuint)(c + d);
            }
        }
        """);

    // ---- KOPS0009 and KOPS0010 in debugfs callbacks, which run exactly where handlers run --------

    [Test]
    public Task Kops0009And0010_DebugFsCallbacks() => Body(U + """
        using System.Threading.Tasks;
        sealed class Stats { public long Events; }
        readonly struct Counter : IDebugFsReadCallback<Stats>, IDebugFsWriteCallback<Stats>
        {
            static long s_writes;
            static Task<long> Fetch() => Task.FromResult(1L);
            public static OpsTable<FileOperations> Table => default;
            public KResult Read(Stats data, ref DebugFsTextWriter output) { output.Write({|KOPS0009:Fetch().Result|}); return KResult.Ok; }
            public KResult Write(Stats data, System.ReadOnlySpan<byte> input) { {|KOPS0010:s_writes++|}; return KResult.Ok; }
        }
        """);

    [Test]
    public Task Kops0009_BlockingInsideDeferredWorkIsFine() => Body(U + """
        using System.Threading.Tasks;
        [ProcOps]
        static partial class H
        {
            static Task<int> Fetch() => Task.FromResult(1);
            static int Worker() => Fetch().Result; // only ever runs on the thread pool

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                _ = Task.Run(() => Fetch().Result);
                _ = Task.Run(Worker);
                return (nuint)0;
            }
        }
        """);

    // ---- KOPS0011 -------------------------------------------------------------------------------

    private const string Callback = """
        [MaterializedFromNothing]
        interface IDebugFsReadCallback { long Show(); }

        """;

    [Test]
    public Task Kops0011_StatefulImplementers() => Verify.Analyzer<MaterializedCallbackAnalyzer>(U + Callback + """
        sealed class {|KOPS0011:AsClass|} : IDebugFsReadCallback { public long Show() => 1; }
        struct {|KOPS0011:NotReadonly|} : IDebugFsReadCallback { public long Show() => 1; }
        readonly struct {|KOPS0011:WithField|} : IDebugFsReadCallback { readonly long _x; public long Show() => _x; }
        readonly struct {|KOPS0011:WithAutoProperty|} : IDebugFsReadCallback { public long X { get; } public long Show() => X; }
        readonly struct {|KOPS0011:WithConstructor|} : IDebugFsReadCallback { public WithConstructor() { System.Console.WriteLine(); } public long Show() => 1; }
        readonly struct {|KOPS0011:Disposable|} : IDebugFsReadCallback, System.IDisposable { public long Show() => 1; public void Dispose() { } }
        """);

    [Test]
    public Task Kops0011_StatelessReadonlyStructsAreFine() => Verify.Analyzer<MaterializedCallbackAnalyzer>(U + Callback + """
        readonly struct Counter : IDebugFsReadCallback
        {
            const long Base = 40;
            static long s_shared;
            public long Show() => Base + System.Threading.Interlocked.Read(ref s_shared);
        }
        // Not materialized from nothing: state is fine.
        interface IOrdinary { long Show(); }
        sealed class Ordinary : IOrdinary { long _x; public long Show() => _x++; }
        """);

    // The Runtime's real debugfs callback interfaces (the generator, not run here, would add Table).
    private const string RealCallback = """
        sealed class Stats { public long Events; }

        """;

    private const string TableMember = "public static OpsTable<FileOperations> Table => default;";

    [Test]
    public Task Kops0011_RealDebugFsCallbackInterfaces() => Verify.Analyzer<MaterializedCallbackAnalyzer>(U + RealCallback + $$"""
        readonly struct {|KOPS0011:WithField|} : IDebugFsReadCallback<Stats>
        {
            {{TableMember}}
            readonly long _offset;
            public KResult Read(Stats data, ref DebugFsTextWriter output) { output.Write(data.Events + _offset); return KResult.Ok; }
        }
        readonly struct {|KOPS0011:WithConstructor|} : IDebugFsWriteCallback<Stats>
        {
            {{TableMember}}
            public WithConstructor() { System.Console.WriteLine("never runs"); }
            public KResult Write(Stats data, System.ReadOnlySpan<byte> input) => KResult.Ok;
        }
        sealed class {|KOPS0011:AsClass|} : IDebugFsWriteCallback<Stats>
        {
            {{TableMember}}
            public KResult Write(Stats data, System.ReadOnlySpan<byte> input) => KResult.Ok;
        }
        readonly struct Fine : IDebugFsReadCallback<Stats>, IDebugFsWriteCallback<Stats>
        {
            {{TableMember}}
            public KResult Read(Stats data, ref DebugFsTextWriter output) { output.Write(data.Events); return KResult.Ok; }
            public KResult Write(Stats data, System.ReadOnlySpan<byte> input) { data.Events = 0; return KResult.Ok; }
        }
        """);

    // ---- KOPS0012 -------------------------------------------------------------------------------

    private const string SecondKind = """
        namespace Extra
        {
            [KernelOps.Abi.OpsTableKind(typeof(KernelOps.Abi.ProcOps))]
            [System.AttributeUsage(System.AttributeTargets.Class)]
            public sealed class OtherOpsAttribute : System.Attribute { }
        }

        """;

    [Test]
    public Task Kops0012_TwoKindsOnOneType() => Declaration(U + SecondKind + $$"""
        [ProcOps(NonSeekable = true), Extra.OtherOps]
        static partial class {|KOPS0012:H|}
        {
            {{Read}}
        }
        """);

    [Test]
    public Task Kops0012_IsTheOnlyReportForTwoKindsWithoutLseek() => Declaration(U + $$"""
        [ProcOps, FileOperations]
        static partial class {|KOPS0012:H|}
        {
            {{Read}}
        }
        """);

    [Test]
    public Task Kops0012_OneKindPerTypeIsFine() => Declaration(U + SecondKind + $$"""
        [ProcOps(NonSeekable = true)]
        static partial class H { {{Read}} }
        [Extra.OtherOps]
        static partial class J { }
        """);

    // ---- KOPS0013 -------------------------------------------------------------------------------

    [Test]
    public Task Kops0013_ReadWrittenNotDeclared() => Declaration(U + $$"""
        [ProcOps({|KOPS0013:Ops = new[] { "proc_write" }|}, NonSeekable = true)]
        static partial class PrinterFact
        {
            {{Read}}
            {{Write}}
        }
        """);

    [Test]
    public Task Kops0013_DeclaredNotWrittenUnknownAndTwice() => Declaration(U + $$"""
        [ProcOps(Ops = ["proc_read", {|KOPS0013:"proc_write"|}, {|KOPS0013:"proc_mmap"|}, {|KOPS0013:"read"|}, {|KOPS0013:"proc_read"|}], NonSeekable = true)]
        static partial class H
        {
            {{Read}}
        }
        """);

    [Test]
    public Task Kops0013_NonSeekableButLseekWritten() => Declaration(U + $$"""
        [ProcOps({|KOPS0013:NonSeekable = true|})]
        static partial class H
        {
            {{Read}}
            {{Lseek}}
        }
        """);

    [Test]
    public Task Kops0013_DeclarationEqualToImplementationIsFine() => Declaration(U + $$"""
        [ProcOps(Ops = new[] { "proc_lseek", "proc_read", "proc_write" })]
        static partial class H
        {
            {{Read}}
            {{Write}}
            {{Lseek}}
        }
        [ProcOps(Ops = ["proc_read"], NonSeekable = true)]
        static partial class J { {{Read}} }
        """);

    // ---- KOPS0014 -------------------------------------------------------------------------------

    [Test]
    public Task Kops0014_NoLseekNoDeclaration() => Declaration(U + $$"""
        [{|KOPS0014:ProcOps|}]
        static partial class H
        {
            [Open] static KResult Open(Inode inode, FileRef file) { _ = file.Flags; return KResult.Ok; }
            {{Read}}
        }
        """);

    [Test]
    public Task Kops0014_NonseekableOpenOutsideTheOpenPath() => Declaration(U + $$"""
        [{|KOPS0014:ProcOps|}]
        static partial class H
        {
            [Open] static KResult Open(Inode inode, FileRef file) => KResult.Ok;
            static void NotCalledFromOpen(FileRef file) => file.NonseekableOpen();
            {{Read}}
        }
        [{|KOPS0014:FileOperations|}]
        static partial class J
        {
            // Read is not open: a stream_open there comes too late.
            [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) { file.StreamOpen(); return (nuint)0; }
        }
        """);

    [Test]
    public Task Kops0014_NonseekableOpenThroughAHelperIsSeen() => Declaration(U + $$"""
        [ProcOps]
        static partial class H
        {
            [Open] static KResult Open(Inode inode, FileRef file) { Prepare(file); return KResult.Ok; }
            static void Prepare(FileRef f) => MarkStream(f);
            static void MarkStream(FileRef f) => f.StreamOpen();
            {{Read}}
        }
        """);

    [Test]
    public Task Kops0014_SeekableOrDeclaredNotSeekableIsFine() => Declaration(U + $$"""
        [ProcOps]
        static partial class Seekable { {{Read}} {{Lseek}} }

        [ProcOps(NonSeekable = true)]
        static partial class Declared { {{Read}} }

        [ProcOps]
        static partial class Nonseekable
        {
            [Open] static KResult Open(Inode inode, FileRef file) { file.NonseekableOpen(); return KResult.Ok; }
            {{Read}}
        }

        [ProcOps]
        static partial class Stream
        {
            [Open] static KResult Open(Inode inode, FileRef f) { f.StreamOpen(); return KResult.Ok; }
            {{Read}}
        }
        """);

    // ---- KOPS0030 -------------------------------------------------------------------------------

    private const string InitFsContext = "[InitFsContext] static KResult Init(FsContext context) => KResult.Ok;";

    [Test]
    public Task Kops0030_FileSystemTypeWithoutName() => Declaration(U + $$"""
        [{|KOPS0030:FileSystemType(Flags = FsFlags.UserNsMount)|}]
        static partial class NoName { {{InitFsContext}} }

        [{|KOPS0030:FileSystemType(Name = "")|}]
        static partial class Empty { {{InitFsContext}} }

        [{|KOPS0030:FileSystemType(Name = "a\0b")|}]
        static partial class Nul { {{InitFsContext}} }
        """);

    [Test]
    public Task Kops0030_NamedTypeIsFine() => Declaration(U + $$"""
        [FileSystemType(Name = "myfs", Flags = FsFlags.UserNsMount)]
        static partial class Named { {{InitFsContext}} }
        """);
}
