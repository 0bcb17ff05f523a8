using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Tests;

/// <summary>
/// KOPS0008, which the generator reports itself: an async read or write handler's ref-struct and
/// ref parameters are declaration errors (CS4012, CS1988), and csc runs no analyzer when a
/// compilation has those, so an analyzer's KOPS0008 would be hidden exactly when it is needed.
/// Lines marked <c>/*!*/</c> must carry it.
/// </summary>
public class GeneratorDiagnosticTests
{
    [Test]
    public void AsyncHandler()
    {
        string source = Sources.Usings + """
            using System.Threading.Tasks;
            [ProcOps(NonSeekable = true)]
            static partial class H
            {
                [Open] static async Task<KResult> Open(Inode inode, FileRef file) { await Task.Yield(); return KResult.Ok; } /*!*/
            }
            """;
        ImmutableArray<Diagnostic> reported = GeneratorDiagnostics(source);
        AssertKops0008AtMarkedLines(reported, source);
        Assert.That(reported[0].GetMessage(), Does.Contain("'Open' implements slot 'proc_open' but is async or returns an awaitable 'Task<KResult>'"));
    }

    [Test]
    public void AwaitableReturningHandler()
    {
        string source = Sources.Usings + """
            using System.Threading.Tasks;
            [ProcOps(NonSeekable = true)]
            static partial class H
            {
                [Open] static ValueTask<KResult> Open(Inode inode, FileRef file) => new(KResult.Ok); /*!*/
            }
            """;
        AssertKops0008AtMarkedLines(GeneratorDiagnostics(source), source);
    }

    [Test]
    public void StatefulAsyncHandlers()
    {
        string source = Sources.Usings + Sources.StateClass + """

            using System.Threading.Tasks;
            [FileOperations(NonSeekable = true)]
            static partial class H
            {
                [Open] static async Task<OpenResult<Session>> Open(Inode inode, FileRef file) { await Task.Yield(); return new Session(); } /*!*/
                [Flush] static async Task<KResult> Flush(Session s, FileRef file) { await Task.Yield(); return KResult.Ok; } /*!*/
            }
            """;
        AssertKops0008AtMarkedLines(GeneratorDiagnostics(source), source);
    }

    [Test]
    public void AsyncHandlerWithRefStructParametersHidesNoOtherHandler()
    {
        // The compiler rejects Read's parameters (CS4012, CS1988); Open is only async. Both are KOPS0008.
        string source = Sources.Usings + """
            using System.Threading.Tasks;
            [ProcOps(NonSeekable = true)]
            static partial class H
            {
                [Read] static async Task<KResult<nuint>> Read(FileRef file, UserSliceWriter dst, ref long pos) { await Task.Yield(); return (nuint)0; } /*!*/
                [Open] static async Task<KResult> Open(Inode inode, FileRef file) { await Task.Yield(); return KResult.Ok; } /*!*/
            }
            """;
        Compilation input = TestCompilation.Create(source);
        Assert.That(input.GetDiagnostics().Select(d => d.Id), Does.Contain("CS4012").And.Contain("CS1988"));
        AssertKops0008AtMarkedLines(GeneratorDiagnostics(source), source);
    }

    [Test]
    public void SeveralKindsReportOnce()
    {
        string source = Sources.Usings + """
            using System.Threading.Tasks;
            [ProcOps, FileOperations]
            static partial class H
            {
                [Open] static async Task<KResult> Open(Inode inode, FileRef file) { await Task.Yield(); return KResult.Ok; } /*!*/
            }
            """;
        AssertKops0008AtMarkedLines(GeneratorDiagnostics(source), source);
    }

    [Test]
    public async Task SynchronousHandlersGetNoGeneratorDiagnostic_AndTheAnalyzerNoKops0008()
    {
        string source = Sources.Usings + """
            using System.Threading.Tasks;
            [ProcOps(NonSeekable = true)]
            static partial class H
            {
                [Open] static KResult<long> Open(Inode inode, FileRef file) => 0L;
                [Release] static async Task<KResult> Release(Inode inode, FileRef file) { await Task.Yield(); return KResult.Ok; }
                static async Task<int> Helper() { await Task.Yield(); return 1; }
            }
            """;
        ImmutableArray<Diagnostic> reported = GeneratorDiagnostics(source);
        Assert.That(reported.Select(d => d.Id), Is.EqualTo(new[] { "KOPS0008" }), "Release only: Helper is no handler, Open is KOPS0001");
        ImmutableArray<Diagnostic> analyzer = await TestCompilation.AnalyzeAsync(TestCompilation.Create(source));
        Assert.That(analyzer.Select(d => d.Id), Is.EqualTo(new[] { "KOPS0001" }), TestCompilation.Format(analyzer));
    }

    private static ImmutableArray<Diagnostic> GeneratorDiagnostics(string source)
    {
        var (result, _, diagnostics) = TestCompilation.RunGenerator(TestCompilation.Create(source));
        Assert.That(result.Results.Single().Exception, Is.Null);
        return diagnostics.OrderBy(d => d.Location.SourceSpan.Start).ToImmutableArray();
    }

    private static void AssertKops0008AtMarkedLines(ImmutableArray<Diagnostic> diagnostics, string source)
    {
        int[] marked = source.Split('\n').Select((text, i) => (text, line: i + 1)).Where(x => x.text.Contains("/*!*/", StringComparison.Ordinal)).Select(x => x.line).ToArray();
        Assert.That(diagnostics.Select(d => d.Id), Is.EqualTo(Enumerable.Repeat("KOPS0008", marked.Length)), TestCompilation.Format(diagnostics));
        Assert.That(diagnostics.Select(d => d.Location.GetLineSpan().StartLinePosition.Line + 1), Is.EqualTo(marked));
        Assert.That(diagnostics.Select(d => d.Severity), Has.All.EqualTo(DiagnosticSeverity.Error));
    }
}
