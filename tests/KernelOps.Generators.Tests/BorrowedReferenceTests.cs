using System.Linq;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Tests;

/// <summary>
/// What a handler is handed for one call (<see cref="FileRef"/>, <see cref="Inode"/>,
/// <see cref="PollTable"/>) cannot be kept past it: the compiler refuses every way of storing or
/// capturing one, because they are ref structs. Keeping a file is an explicit counted
/// <see cref="FileReference"/>, which compiles anywhere.
/// </summary>
public class BorrowedReferenceTests
{
    private static string Handler(string members, string extra = "") => Sources.Usings + $$"""
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        namespace Keep;

        internal sealed class Session { public int Reads; }
        {{extra}}

        [FileOperations(NonSeekable = true)]
        internal static partial class Device
        {
            {{members}}
        }
        """;

    private static string[] Errors(string source)
    {
        var (_, output, generatorDiagnostics) = TestCompilation.RunGenerator(TestCompilation.Create(source));
        return output.GetDiagnostics()
            .Concat(generatorDiagnostics)
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d => d.Id)
            .Distinct()
            .Order()
            .ToArray();
    }

    [TestCase("static FileRef Saved; [Open] static KResult Open(Inode inode, FileRef file) { Saved = file; return KResult.Ok; }",
        "", "CS8345", TestName = "FileRef in a static field")]
    [TestCase("static Inode Saved; [Open] static KResult Open(Inode inode, FileRef file) { Saved = inode; return KResult.Ok; }",
        "", "CS8345", TestName = "Inode in a static field")]
    [TestCase("static FileRef Saved { get; set; } [Open] static KResult Open(Inode inode, FileRef file) { Saved = file; return KResult.Ok; }",
        "", "CS8345", TestName = "FileRef in a static property")]
    [TestCase("[Open] static OpenResult<Holder> Open(Inode inode, FileRef file) => new Holder { File = file };",
        "internal sealed class Holder { public FileRef File; }", "CS8345", TestName = "FileRef in a field of per-open state")]
    [TestCase("[Open] static KResult Open(Inode inode, FileRef file) { Shared.Inodes.Add(inode); return KResult.Ok; }",
        "internal static class Shared { public static readonly List<Inode> Inodes = new(); }", "CS9244", TestName = "Inode in a collection")]
    [TestCase("static Action? Later; [Open] static KResult Open(Inode inode, FileRef file) { Later = () => _ = file.Flags; return KResult.Ok; }",
        "", "CS9108", TestName = "FileRef captured by a lambda")]
    [TestCase("[Open] static KResult Open(Inode inode, FileRef file) { _ = Task.Run(() => inode.Size = 0); return KResult.Ok; }",
        "", "CS9108", TestName = "Inode captured by a task")]
    [TestCase("[Flush] static KResult Flush(FileRef file) { void Later() => _ = file.Flags; Later(); return KResult.Ok; }",
        "", "CS9108", TestName = "FileRef captured by a local function")]
    [TestCase("[Open] static async Task<KResult> Open(Inode inode, FileRef file) { await Task.Yield(); return KResult.Ok; }",
        "", "CS4012,KOPS0008", TestName = "FileRef and Inode held across an await")]
    [TestCase("static object? Saved; [Flush] static KResult Flush(FileRef file) { Saved = file; return KResult.Ok; }",
        "", "CS0029", TestName = "FileRef boxed")]
    [TestCase("static PollTable Saved; [Poll] static PollEvents Poll(FileRef file, PollTable table) { Saved = table; return PollEvents.None; }",
        "", "CS8345", TestName = "PollTable in a static field")]
    public void KeepingABorrowedReference_DoesNotCompile(string members, string extra, string expected)
    {
        string[] errors = Errors(Handler(members, extra));
        // The async case also reports KOPS0008, from the generator (csc runs no analyzer after CS4012).
        Assert.That(errors, Is.EqualTo(expected.Split(',')), string.Join(", ", errors));
    }

    [Test]
    public void KeepingACountedReference_Compiles()
    {
        string source = Handler("""
            static FileReference? Kept;
            [Open] static OpenResult<Holder> Open(Inode inode, FileRef file)
            {
                Kept?.Dispose();
                Kept = file.GetReference();                     // get_file
                FileReference forLater = file.GetReference();
                _ = Task.Run(() =>
                {
                    using (forLater) forLater.Borrow(kept => _ = kept.Flags); // fput when the work is done
                });
                return new Holder { File = file.GetReference() };
            }
            [Release] static KResult Release(Holder holder, Inode inode, FileRef file)
            {
                holder.File.Dispose();
                return KResult.Ok;
            }
            """, "internal sealed class Holder { public FileReference File = null!; }");
        Assert.That(Errors(source), Is.Empty);
    }
}
