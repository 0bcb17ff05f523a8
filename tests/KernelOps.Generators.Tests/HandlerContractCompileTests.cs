using System.Linq;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;

namespace KernelOps.Generators.Tests;

/// <summary>
/// Contracts the runtime's types enforce at compile time, so a handler that breaks them is a build
/// error rather than a silent run-time failure.
/// </summary>
public class HandlerContractCompileTests
{
    private static string[] Errors(string members)
    {
        string source = Sources.Usings + $$"""
            namespace Contract;

            [FileOperations]
            internal static partial class Device
            {
                {{members}}
            }
            """;
        var (_, output, generatorDiagnostics) = TestCompilation.RunGenerator(TestCompilation.Create(source));
        Assert.That(generatorDiagnostics, Is.Empty);
        return output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.Id).Distinct().Order().ToArray();
    }

    // The position contract: a read or write moves f_pos only through its ref long position
    // (ksys_read stores that back into f_pos, so a store of its own would be lost and cat would
    // loop); an lseek returns the position and the thunk stores it.
    [TestCase("[Read] static KResult<nuint> Read(FileRef file, UserSliceWriter d, ref long position) { file.WritePositionUnsynchronized(position + 1); return (nuint)1; }",
        "CS1061", TestName = "A read handler cannot move f_pos itself")]
    [TestCase("[Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) { file.WritePositionUnsynchronized(offset); return offset; }",
        "CS1061", TestName = "An lseek handler cannot move f_pos itself")]
    public void BreakingTheContract_DoesNotCompile(string members, string expected) =>
        Assert.That(Errors(members), Is.EqualTo(new[] { expected }));

    // The errno contract: a value-less KResult does not become a KResult<T> (a success would have
    // no value to carry; the conversion used to throw and answer EIO on every success).
    [TestCase("[Ioctl] static KResult<long> Ioctl(FileRef file, uint command, nuint argument) { long v = 7; return new UserPtr<long>(argument).Write(in v); }",
        "CS0029", TestName = "An ioctl cannot return a copy's KResult as its value")]
    [TestCase("[Read] static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => destination.Write(\"text\"u8);",
        "CS0029", TestName = "A read cannot return a whole write's KResult as its count")]
    [TestCase("[Write] static KResult<nuint> Write(FileRef file, UserSliceReader source, ref long position) => source.Read(new byte[4]);",
        "CS0029", TestName = "A write cannot return a whole read's KResult as its count")]
    [TestCase("[Ioctl] static KResult<long> Ioctl(FileRef file, uint command, nuint argument) => (KResult<long>)KResult.Ok;",
        "CS0030", TestName = "No explicit conversion either")]
    public void BreakingTheErrnoContract_DoesNotCompile(string members, string expected) =>
        Assert.That(Errors(members), Is.EqualTo(new[] { expected }));

    [TestCase("[Read] static KResult<nuint> Read(FileRef file, UserSliceWriter d, ref long position) { position += 1; return (nuint)1; }",
        TestName = "A read handler moves its position")]
    [TestCase("[Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) => Llseek.SetPosition(file, offset, 16);",
        TestName = "An lseek handler returns its position")]
    [TestCase("[Ioctl] static KResult<long> Ioctl(FileRef file, uint command, nuint argument) { long v = 7; return new UserPtr<long>(argument).Write(in v).WithValue(0L); }",
        TestName = "An ioctl copies a value out and returns 0")]
    [TestCase("[Read] static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => destination.SimpleReadFromBuffer(ref position, \"text\"u8);",
        TestName = "A read serves a buffer")]
    [TestCase("[Write] static KResult<nuint> Write(FileRef file, UserSliceReader source, ref long position) => source.SimpleWriteToBuffer(new byte[16], ref position);",
        TestName = "A write fills a buffer")]
    [TestCase("[Ioctl] static KResult<long> Ioctl(FileRef file, uint command, nuint argument) { KResult r = new UserPtr<long>(argument).Read(out long v); if (!r.IsOk) return r.Error; return v; }",
        TestName = "An error is passed on as its errno")]
    public void KeepingTheContract_Compiles(string members) =>
        Assert.That(Errors(members), Is.Empty);
}
