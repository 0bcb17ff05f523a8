using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Tests;

/// <summary>
/// Each rule reports where it must (id and line, marked with <c>/*!*/</c> in the source) and stays
/// silent on the closest valid declaration. KOPS0007-KOPS0014, the code fixes and the catalogue
/// checks live in KernelOps.Analyzers.Tests.
/// </summary>
public class AnalyzerTests
{
    // ---- KOPS0001 -------------------------------------------------------------------------------

    [TestCase("[Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, long pos) => (nuint)0; /*!*/", TestName = "KOPS0001 missing ref")]
    [TestCase("[Read] static KResult<nuint> Read(FileRef file, UserSliceReader src, ref long pos) => (nuint)0; /*!*/", TestName = "KOPS0001 wrong parameter type")]
    [TestCase("[Read] static KResult<long> Read(FileRef file, UserSliceWriter dst, ref long pos) => 0L; /*!*/", TestName = "KOPS0001 wrong return type")]
    [TestCase("[Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst) => (nuint)0; /*!*/", TestName = "KOPS0001 missing parameter")]
    [TestCase("[Read] static KResult<nuint> Read<T>(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0; /*!*/", TestName = "KOPS0001 generic method")]
    public async Task Kops0001_SignatureMismatch(string member)
    {
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeHandler(member);
        AssertSingle(diagnostics, "KOPS0001", HandlerSource(member));
        Assert.That(diagnostics[0].GetMessage(), Does.Contain("static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position)"));
    }

    [Test]
    public async Task Kops0001_ParameterNamesAreFree()
    {
        ImmutableArray<Diagnostic> diagnostics = await AnalyzeHandler("[Read] static KResult<nuint> Anything(FileRef f, UserSliceWriter w, ref long p) => (nuint)0;");
        Assert.That(diagnostics, Is.Empty);
    }

    [Test]
    public async Task Kops0001_StatefulOpWithoutStatefulOpen()
    {
        string source = Sources.Usings + Sources.StateClass + """

            [FileOperations]
            static partial class H
            {
                [Read] static KResult<nuint> Read(Session s, FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0; /*!*/
            }
            """;
        ImmutableArray<Diagnostic> diagnostics = await Analyze(source);
        AssertSingle(diagnostics, "KOPS0001", source);
        Assert.That(diagnostics[0].GetMessage(), Does.Contain("needs an open handler that creates it"));
    }

    [Test]
    public async Task Kops0001_StatefulOpWithAnotherStateType()
    {
        string source = Sources.Usings + Sources.StateClass + """

            internal sealed class Other { }

            [FileOperations]
            static partial class H
            {
                [Open] static OpenResult<Session> Open(Inode inode, FileRef file) => new Session();
                [Read] static KResult<nuint> Read(Other s, FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0; /*!*/
            }
            """;
        ImmutableArray<Diagnostic> diagnostics = await Analyze(source);
        AssertSingle(diagnostics, "KOPS0001", source);
        Assert.That(diagnostics[0].GetMessage(), Does.Contain("the per-open state is 'Session'"));
    }

    [Test]
    public async Task TwoKindsOnOneType_is_reported_once_as_KOPS0012_not_also_as_KOPS0003()
    {
        string source = Sources.Usings + """
            [ProcOps, FileOperations]
            static partial class H /*!*/
            {
                [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
            }
            """;
        ImmutableArray<Diagnostic> diagnostics = await Analyze(source);
        Assert.That(diagnostics.Select(d => d.Id).Distinct(), Is.EqualTo(new[] { "KOPS0012" }));
    }

    // ---- KOPS0002 -------------------------------------------------------------------------------

    [Test]
    public async Task Kops0002_InstanceHandler()
    {
        string source = Sources.Usings + """
            [ProcOps]
            partial class H
            {
                [Open] KResult Open(Inode inode, FileRef file) => KResult.Ok; /*!*/
            }
            """;
        AssertSingle(await Analyze(source), "KOPS0002", source);
    }

    [Test]
    public async Task Kops0002_StaticHandlerInNonStaticClassIsFine()
    {
        string source = Sources.Usings + """
            [ProcOps]
            partial class H
            {
                int _unrelatedState;
                int State => _unrelatedState;
                [Open] static KResult Open(Inode inode, FileRef file) => KResult.Ok;
            }
            """;
        Assert.That(await Analyze(source), Is.Empty);
    }

    // ---- KOPS0003 -------------------------------------------------------------------------------

    [TestCase("[ProcOps] static class H /*!*/ { READ }", "not partial", TestName = "KOPS0003 not partial")]
    [TestCase("[ProcOps] static partial class H<T> /*!*/ { READ }", "generic", TestName = "KOPS0003 generic")]
    [TestCase("class Outer { [ProcOps] static partial class H /*!*/ { READ } }", "'Outer' is not partial", TestName = "KOPS0003 nested in non-partial")]
    [TestCase("partial class Outer<T> { [ProcOps] static partial class H /*!*/ { READ } }", "'Outer<T>' is generic", TestName = "KOPS0003 nested in generic")]
    [TestCase("[ProcOps] file static partial class H /*!*/ { READ }", "it is a 'file' type", TestName = "KOPS0003 file-local")]
    [TestCase("file partial class Outer { [ProcOps] static partial class H /*!*/ { READ } }", "'Outer' is a 'file' type", TestName = "KOPS0003 nested in file-local")]
    [TestCase("[ProcOps] static partial class H /*!*/ { READ public static object Table => 0; }", "declares a member named 'Table'", TestName = "KOPS0003 declares Table")]
    public async Task Kops0003_InvalidHandlerType(string declaration, string reason)
    {
        string source = Sources.Usings + declaration.Replace("READ", Sources.Read);
        ImmutableArray<Diagnostic> diagnostics = await Analyze(source);
        AssertSingle(diagnostics, "KOPS0003", source);
        Assert.That(diagnostics[0].GetMessage(), Does.Contain(reason));
    }

    [Test]
    public async Task Kops0003_TheGeneratedTableIsNotTheUsers()
    {
        // The analyzer sees the compilation with the generated file in it: its Table is not a clash.
        var (_, output, _) = TestCompilation.RunGenerator(TestCompilation.Create(HandlerSource(Sources.Read)));
        Assert.That(output.SyntaxTrees.Count(), Is.EqualTo(2));
        ImmutableArray<Diagnostic> diagnostics = await TestCompilation.AnalyzeAsync(output);
        Assert.That(diagnostics.Where(d => d.Id != "KOPS0014"), Is.Empty, TestCompilation.Format(diagnostics));
    }

    [Test]
    public async Task Kops0003_PartialNestedInPartialIsFine()
    {
        string source = Sources.Usings + "partial class Outer { partial struct Middle { [ProcOps] static partial class H { " + Sources.Read + " } } }";
        Assert.That(await Analyze(source), Is.Empty);
    }

    // ---- KOPS0004 -------------------------------------------------------------------------------

    [Test]
    public async Task Kops0004_TwoMethodsForOneSlot()
    {
        string source = Sources.Usings + """
            [ProcOps]
            static partial class H
            {
                [Lseek] static KResult<long> SeekA(FileRef file, long offset, Whence whence) => offset; /*!*/
                [Lseek] static KResult<long> SeekB(FileRef file, long offset, Whence whence) => offset; /*!*/
            }
            """;
        ImmutableArray<Diagnostic> diagnostics = await Analyze(source);
        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "KOPS0004", "KOPS0004" }));
        Assert.That(diagnostics.Select(Line), Is.EquivalentTo(MarkedLines(source)));
        Assert.That(diagnostics.Select(d => d.GetMessage()), Has.Some.Contains("'SeekB'").And.Some.Contains("'SeekA'"));
    }

    [Test]
    public async Task Kops0004_SameShapeDifferentSlotsIsFine()
    {
        // ioctl and compat_ioctl share IIoctlOperation but are different slots.
        Assert.That(await AnalyzeHandler(Sources.Ioctl + "\n" + Sources.CompatIoctl), Is.Empty);
    }

    // ---- KOPS0005 -------------------------------------------------------------------------------

    [Test]
    public async Task Kops0005_HandlerAttributeWithoutKind()
    {
        // /dev/printerfact: read is written, but nothing generates a table that points at it.
        string source = Sources.Usings + """
            static partial class PrinterFact
            {
                [Read] /*!*/
                static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
            }
            """;
        ImmutableArray<Diagnostic> diagnostics = await Analyze(source);
        AssertSingle(diagnostics, "KOPS0005", source);
        Assert.That(diagnostics[0].GetMessage(), Does.Contain("no table kind attribute"));
    }

    [Test]
    public async Task Kops0005_SameMethodWithKindIsFine()
    {
        string source = Sources.Usings + """
            [ProcOps]
            static partial class PrinterFact
            {
                [Read]
                static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
            }
            """;
        Assert.That(await Analyze(source), Is.Empty);
    }

    [Test]
    public async Task Kops0005_KindWithoutSuchSlot()
    {
        // A kind described in source (no Runtime reference) whose ioctl slot names an operation with
        // no adapter: the slot is unusable, so [Ioctl] fills nothing.
        string source = MiniRuntime + """
            [KernelOps.ProcOps]
            static partial class H
            {
                [KernelOps.Read] static int Read(int x) => x;
                [KernelOps.Ioctl] /*!*/
                static int Ioctl(int x) => x;
            }
            """;
        ImmutableArray<Diagnostic> diagnostics = await Analyze(source, referenceRuntime: false);
        AssertSingle(diagnostics, "KOPS0005", source);
        Assert.That(diagnostics[0].GetMessage(), Does.Contain("has no usable slot"));
    }

    // ---- KOPS0006 -------------------------------------------------------------------------------

    [Test]
    public async Task Kops0006_UnsafeNotAllowed_OncePerType()
    {
        string source = Sources.Usings + $$"""
            [ProcOps]
            static partial class H /*!*/
            {
                {{Sources.Open}}
                {{Sources.Read}}
                {{Sources.Release}}
            }
            """;
        AssertSingle(await Analyze(source, allowUnsafe: false), "KOPS0006", source);
    }

    [Test]
    public async Task Kops0006_NoKindNoUnsafeNeeded()
    {
        string source = Sources.Usings + "static partial class Helpers { static KResult Open(Inode inode, FileRef file) => KResult.Ok; }";
        Assert.That(await Analyze(source, allowUnsafe: false), Is.Empty);
    }

    // ---- helpers --------------------------------------------------------------------------------

    private const string MiniRuntime = """
        namespace KernelOps.Abi
        {
            using System;
            public sealed class OpsTableKindAttribute(Type t) : Attribute { public Type TableType { get; } = t; }
            public sealed class OpsSlotAttribute(Type h, Type o) : Attribute { public Type H { get; } = h; public Type O { get; } = o; }
            public sealed class OpsTableSettingAttribute(string p) : Attribute { public string P { get; } = p; }
            public sealed class OperationAdapterAttribute(Type t, string m) : Attribute { public Type T { get; } = t; public string M { get; } = m; }
            [OperationAdapter(typeof(Adapters), nameof(Adapters.Int))]
            public interface IIntOperation { static abstract int Invoke(int x); }
            public interface INoAdapterOperation { static abstract int Invoke(int x); }
            public static class Adapters { public static int Int<T>(int x) where T : IIntOperation => T.Invoke(x); }
            public unsafe struct MiniOps
            {
                [OpsSlot(typeof(KernelOps.ReadAttribute), typeof(IIntOperation))] public delegate* unmanaged<int, int> read;
                [OpsSlot(typeof(KernelOps.IoctlAttribute), typeof(INoAdapterOperation))] public delegate* unmanaged<int, int> ioctl;
            }
        }
        namespace KernelOps
        {
            [KernelOps.Abi.OpsTableKind(typeof(KernelOps.Abi.MiniOps))] public sealed class ProcOpsAttribute : System.Attribute { }
            public sealed class ReadAttribute : System.Attribute { }
            public sealed class IoctlAttribute : System.Attribute { }
        }

        """;

    private static string HandlerSource(string members) => Sources.Usings + $"[ProcOps]\nstatic partial class H\n{{\n    {members}\n}}\n";

    private static Task<ImmutableArray<Diagnostic>> AnalyzeHandler(string members) => Analyze(HandlerSource(members));

    private static async Task<ImmutableArray<Diagnostic>> Analyze(string source, bool allowUnsafe = true, bool referenceRuntime = true)
    {
        Compilation compilation = TestCompilation.Create(source, allowUnsafe, referenceRuntime);
        // The inputs are otherwise valid C#: a failing rule must not hide behind a compile error.
        Assert.That(compilation.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), Is.Empty);
        ImmutableArray<Diagnostic> diagnostics = await TestCompilation.AnalyzeAsync(compilation);
        // KOPS0014 (no lseek, not declared non-seekable) has its own tests in KernelOps.Analyzers.Tests;
        // these sources leave lseek out to stay short.
        return diagnostics.Where(d => d.Id != "KOPS0014").OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    private static void AssertSingle(ImmutableArray<Diagnostic> diagnostics, string id, string source)
    {
        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(new[] { id }), TestCompilation.Format(diagnostics));
        Assert.That(Line(diagnostics[0]), Is.EqualTo(MarkedLines(source).Single()));
    }

    private static int Line(Diagnostic diagnostic) => diagnostic.Location.GetLineSpan().StartLinePosition.Line + 1;

    private static int[] MarkedLines(string source) =>
        source.Split('\n').Select((text, i) => (text, line: i + 1)).Where(x => x.text.Contains("/*!*/", StringComparison.Ordinal)).Select(x => x.line).ToArray();
}
