using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Tests;

/// <summary>
/// Broken and half-typed sources: the generator never throws, never reports a crash (CS8785), never
/// emits code that is itself broken, and the user still sees some diagnostic explaining the problem.
/// </summary>
public class RobustnessTests
{
    public static IEnumerable<TestCaseData> BrokenSources()
    {
        const string U = Sources.Usings;
        yield return Case("missing parameter type", U + "[ProcOps] static partial class H { [Read] static KResult<nuint> Read(FileRef f, MissingWriter w, ref long p) => (nuint)0; }");
        yield return Case("missing return type", U + "[ProcOps] static partial class H { [Open] static Missing Open(Inode i, FileRef f) => default; }");
        yield return Case("kind attribute with a bad argument", U + "[ProcOps(42)] static partial class H { " + Sources.Read + " }");
        yield return Case("incomplete named argument", U + "[ProcOps(Flags = )] static partial class H { " + Sources.Read + " }");
        yield return Case("method without body", U + "[ProcOps] static partial class H { [Open] static KResult Open(Inode i, FileRef f); }");
        yield return Case("partial method never implemented", U + "[ProcOps] static partial class H { [Open] private static partial KResult Open(Inode i, FileRef f); }");
        yield return Case("wrong parameter type", U + "[ProcOps] static partial class H { [Read] static KResult<nuint> Read(FileRef f, UserSliceReader w, ref long p) => (nuint)0; }");
        yield return Case("missing ref", U + "[ProcOps] static partial class H { [Read] static KResult<nuint> Read(FileRef f, UserSliceWriter w, long p) => (nuint)0; }");
        yield return Case("wrong return type", U + "[ProcOps] static partial class H { [Lseek] static KResult Lseek(FileRef f, long o, Whence w) => KResult.Ok; }");
        yield return Case("non-static handler", U + "[ProcOps] partial class H { [Open] KResult Open(Inode i, FileRef f) => KResult.Ok; }");
        yield return Case("generic handler type", U + "[ProcOps] static partial class H<T> { " + Sources.Read + " }");
        yield return Case("nested in a generic type", U + "partial class G<T> { [ProcOps] static partial class H { " + Sources.Read + " } }");
        yield return Case("non-partial handler type", U + "[ProcOps] static class H { " + Sources.Read + " }");
        // KOPS0012: both kinds would emit 'Table' into H, so the generator must emit neither.
        yield return Case("two table kinds on one type", U + """
            namespace Extra { [KernelOps.Abi.OpsTableKind(typeof(KernelOps.Abi.ProcOps))] public sealed class OtherOpsAttribute : System.Attribute { } }
            [ProcOps, Extra.OtherOps] static partial class H { 
            """ + Sources.Read + " }");
        yield return Case("nested in a non-partial type", U + "class Outer { [ProcOps] static partial class H { " + Sources.Read + " } }");
        yield return Case("duplicate slots", U + "[ProcOps] static partial class H { " + Sources.Open + " [Open] static KResult Open2(Inode i, FileRef f) => KResult.Ok; }");
        yield return Case("unknown handler attribute", U + "[ProcOps] static partial class H { [Reed] static KResult<nuint> Read(FileRef f, UserSliceWriter w, ref long p) => (nuint)0; }");
        yield return Case("unknown kind attribute", U + "[ProcOpz] static partial class H { " + Sources.Read + " }");
        yield return Case("syntax error mid-class", U + "[ProcOps] static partial class H { " + Sources.Open + " [Read] static KResult<nuint> Read(FileRef f, UserSliceWriter w, ref long p) { return (nuint)0 \n " + Sources.Lseek + " int x = ; }");
        yield return Case("unterminated class", U + "[ProcOps] static partial class H { " + Sources.Read);
        yield return Case("type without a name", U + "[ProcOps] static partial class { " + Sources.Read + " }");
        yield return Case("handler attribute on a property", U + "[ProcOps] static partial class H { [Read] static int P => 0; }");
        yield return Case("handler attribute outside any kind", U + "static partial class H { " + Sources.Read + " }");
        yield return Case("unsafe code not allowed", U + "[ProcOps] static partial class H { " + Sources.Read + " }", allowUnsafe: false);
        yield return Case("runtime not referenced", U + "[ProcOps] static partial class H { " + Sources.Read + " }", referenceRuntime: false);
        yield return Case("kind attribute on an interface", U + "[ProcOps] partial interface H { " + Sources.Read + " }");
        yield return Case("kind attribute on an enum", U + "[ProcOps] enum E { A }");
        // The generated partial is in another file, where a file-local type does not exist (was CS0117 in the generated file).
        yield return Case("file-local handler type", U + "[ProcOps] file static partial class H { " + Sources.Read + " }");
        yield return Case("nested in a file-local type", U + "file partial class Outer { [ProcOps] static partial class H { " + Sources.Read + " } }");
        // CS0111 in the user's code must not also be CS0121 in the generated call.
        yield return Case("handler declared twice", U + "[ProcOps] static partial class H { " + Sources.Read + " static KResult<nuint> Read(FileRef f, UserSliceWriter w, ref long p) => (nuint)1; }");
        yield return Case("handler declared twice, both attributed", U + "[ProcOps] static partial class H { " + Sources.Read + " " + Sources.Read + " }");
        yield return Case("handler sharing its name with a property", U + "[ProcOps] static partial class H { " + Sources.Read + " static int Read => 0; }");
        yield return Case("handler type declaring its own Table", U + "[ProcOps] static partial class H { " + Sources.Read + " public static int Table => 0; }");
    }

    private static TestCaseData Case(string name, string source, bool allowUnsafe = true, bool referenceRuntime = true) =>
        new TestCaseData(source, allowUnsafe, referenceRuntime).SetArgDisplayNames(name);

    [TestCaseSource(nameof(BrokenSources))]
    public async Task GeneratorSurvivesAndSomethingIsReported(string source, bool allowUnsafe, bool referenceRuntime)
    {
        Compilation input = TestCompilation.Create(source, allowUnsafe, referenceRuntime);
        var (result, output, generatorDiagnostics) = TestCompilation.RunGenerator(input);

        Assert.That(result.Results.Single().Exception, Is.Null);
        Assert.That(generatorDiagnostics.Concat(result.Diagnostics).Select(d => d.Id), Has.None.EqualTo("CS8785"));

        Diagnostic[] compilerErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.That(compilerErrors.Where(d => d.Location.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal) == true), Is.Empty,
            "generated code must never be the broken part: " + TestCompilation.Format(compilerErrors));

        IEnumerable<Diagnostic> analyzerDiagnostics = await TestCompilation.AnalyzeAsync(input);
        Assert.That(compilerErrors.Concat(analyzerDiagnostics), Is.Not.Empty, "the user must be told what is wrong");
    }

    [Test]
    public void TwoTableKindsOnOneTypeGenerateNothing()
    {
        // Any [OpsTableKind] attribute counts, listed in TableKinds or not: with file_operations listed,
        // both kinds would emit 'Table' into H. The analyzer reports KOPS0012; the generator skips H.
        string source = Sources.Usings + """
            namespace Extra { [KernelOps.Abi.OpsTableKind(typeof(KernelOps.Abi.ProcOps))] public sealed class OtherOpsAttribute : System.Attribute { } }
            [ProcOps, Extra.OtherOps] static partial class H { 
            """ + Sources.Read + " }";
        var (result, _, _) = TestCompilation.RunGenerator(TestCompilation.Create(source));
        Assert.That(result.Results.Single().GeneratedSources, Is.Empty);
    }
}
