using System.Linq;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Tests;

/// <summary>The generated text for representative handler declarations, and that it compiles.</summary>
public class GeneratorSnapshotTests
{
    [Test]
    public void FullHandler() => VerifyGenerated(Sources.Usings + $$"""
        namespace Samples;

        [ProcOps]
        internal static partial class RamFile
        {
            {{Sources.Open}}
            {{Sources.Read}}
            {{Sources.Write}}
            {{Sources.Lseek}}
            {{Sources.Release}}
            {{Sources.Ioctl}}
        }
        """);

    [Test]
    public void ReadOnlyHandler() => VerifyGenerated(Sources.Usings + $$"""
        namespace Samples;

        [ProcOps]
        public static partial class Version
        {
            {{Sources.Read}}
        }
        """);

    [Test]
    public void FlagsSetting() => VerifyGenerated(Sources.Usings + $$"""
        namespace Samples;

        [ProcOps(Flags = ProcOpsFlags.Permanent)]
        internal static partial class Uptime
        {
            {{Sources.Read}}
            {{Sources.Lseek}}
        }
        """);

    [Test]
    public void FileSystemTypeWithNameSetting() => VerifyGenerated(Sources.Usings + """
        namespace Samples;

        [FileSystemType(Name = "rust_ramfs", Flags = FsFlags.UserNsMount)]
        internal static partial class RamfsType
        {
            [InitFsContext]
            private static KResult InitFsContext(FsContext context) => KResult.Ok;

            [KillSuperBlock]
            private static void KillSb(SuperBlock superBlock) => Libfs.KillLitterSuper(superBlock);
        }
        """);

    [Test]
    public void DirectoryInodeOperations() => VerifyGenerated(Sources.Usings + """
        namespace Samples;

        [InodeOperations]
        internal static partial class DirOps
        {
            [Lookup]
            private static KResult Lookup(Inode dir, Dentry dentry, LookupFlags flags) => Libfs.SimpleLookup(dir, dentry, flags);

            [Mkdir]
            private static KResult Mkdir(Inode dir, Dentry dentry, uint mode) => Errno.EPERM;

            [Rename]
            private static KResult Rename(Inode oldDir, Dentry oldDentry, Inode newDir, Dentry newDentry, RenameFlags flags) =>
                Libfs.SimpleRename(oldDir, oldDentry, newDir, newDentry, flags);
        }
        """);

    [Test]
    public void NestedType() => VerifyGenerated(Sources.Usings + $$"""
        namespace Samples.Drivers
        {
            public partial class Outer
            {
                internal partial struct Middle
                {
                    [ProcOps]
                    private static partial class Inner
                    {
                        {{Sources.Open}}
                        {{Sources.Release}}
                    }
                }
            }
        }
        """);

    [Test]
    public void FileScopedNamespace() => VerifyGenerated(Sources.Usings + $$"""
        namespace Samples.FileScoped;

        [ProcOps]
        partial class Counter
        {
            {{Sources.Read}}
            {{Sources.Write}}
        }
        """);

    [Test]
    public void GlobalNamespace() => VerifyGenerated(Sources.Usings + $$"""
        [ProcOps]
        static partial class GlobalHandler
        {
            {{Sources.Ioctl}}
            {{Sources.CompatIoctl}}
        }
        """);

    [Test]
    public void StructHandler() => VerifyGenerated(Sources.Usings + $$"""
        namespace Samples;

        [ProcOps]
        public readonly partial struct Stat
        {
            {{Sources.Read}}
            {{Sources.Lseek}}
        }
        """);

    [Test]
    public void FileOperationsHandler() => VerifyGenerated(Sources.Usings + $$"""
        namespace Samples;

        [FileOperations]
        internal static partial class Device
        {
            {{Sources.Open}}
            {{Sources.Read}}
            {{Sources.Write}}
            {{Sources.Lseek}}
            {{Sources.Poll}}
            {{Sources.Ioctl}}
            {{Sources.Flush}}
            {{Sources.Release}}
            {{Sources.Fsync}}
        }
        """);

    [Test]
    public void FileOperationsWithPerOpenState() => VerifyGenerated(Sources.Usings + $$"""
        namespace Samples;

        {{Sources.StateClass}}

        [FileOperations(Flags = FopFlags.UnsignedOffset)]
        internal static partial class StatefulDevice
        {
            {{Sources.StatefulOpen}}
            {{Sources.StatefulRead}}
            {{Sources.Write}}
            {{Sources.StatefulPoll}}
            {{Sources.StatefulIoctl}}
            {{Sources.StatefulRelease}}
        }
        """);

    [Test]
    public void FileOperationsWithPerOpenStateAndNoRelease() => VerifyGenerated(Sources.Usings + $$"""
        namespace Samples;

        {{Sources.StateClass}}

        [FileOperations]
        internal static partial class NoRelease
        {
            {{Sources.StatefulOpen}}
            {{Sources.StatefulRead}}
        }
        """);

    [TestCase("namespace N; [ProcOps] partial record Rec { READ }", TestName = "record handler")]
    [TestCase("namespace N; [ProcOps] partial record struct Rec { READ }", TestName = "record struct handler")]
    [TestCase("namespace N; [ProcOps] ref partial struct Ref { READ }", TestName = "ref struct handler")]
    [TestCase("namespace @class.@struct; [ProcOps] static partial class @event { [Read] static KResult<nuint> @return(FileRef @in, UserSliceWriter @out, ref long @ref) => (nuint)0; }", TestName = "keyword names")]
    [TestCase("namespace N; partial record Outer { [ProcOps] static partial class H { READ } }", TestName = "nested in a record")]
    [TestCase("namespace N; [ProcOps] static partial class H { READ } static partial class H { static int Unrelated => 1; }", TestName = "second partial part without attribute")]
    public void OtherShapesCompileCleanly(string declaration)
    {
        var (result, output, _) = TestCompilation.RunGenerator(TestCompilation.Create(Sources.Usings + declaration.Replace("READ", Sources.Read)));
        Diagnostic[] errors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToArray();
        Assert.That(errors, Is.Empty, TestCompilation.Format(errors));
        Assert.That(TestCompilation.SingleGeneratedSource(result), Does.Contain("proc_read = &__kernelops_proc_read;"));
    }

    [Test]
    public void HintNameSeparatesNestedTypesFromNamespaces()
    {
        CSharpCompilation_Run(Sources.Usings + $$"""
            namespace Samples
            {
                partial class Outer
                {
                    [ProcOps] static partial class Inner { {{Sources.Read}} }
                }
            }
            namespace Samples.Outer2
            {
                [ProcOps] static partial class Inner { {{Sources.Read}} }
            }
            """, out GeneratorDriverRunResult result);

        string[] hints = result.Results.SelectMany(r => r.GeneratedSources).Select(s => s.HintName).OrderBy(h => h).ToArray();
        Assert.That(hints, Is.EqualTo(new[] { "Samples.Outer+Inner.ProcOps.g.cs", "Samples.Outer2.Inner.ProcOps.g.cs" }));
    }

    private static void CSharpCompilation_Run(string source, out GeneratorDriverRunResult result)
    {
        var (run, output, _) = TestCompilation.RunGenerator(TestCompilation.Create(source));
        Assert.That(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error), Is.Empty);
        result = run;
    }

    private static void VerifyGenerated(string source)
    {
        var (result, output, generatorDiagnostics) = TestCompilation.RunGenerator(TestCompilation.Create(source));

        Assert.That(result.Results.Single().Exception, Is.Null);
        Assert.That(generatorDiagnostics, Is.Empty);
        // The handler source plus the generated table compile with no errors, and the generated file
        // itself (XML comments included) with no warnings.
        Diagnostic[] problems = output.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error ||
                        (d.Severity == DiagnosticSeverity.Warning && d.Location.SourceTree?.FilePath.EndsWith(".g.cs", System.StringComparison.Ordinal) == true))
            .ToArray();
        Assert.That(problems, Is.Empty, TestCompilation.Format(problems));

        Snapshot.Verify(TestCompilation.SingleGeneratedSource(result));
    }
}
