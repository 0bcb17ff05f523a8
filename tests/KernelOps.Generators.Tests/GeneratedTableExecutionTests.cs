using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using KernelOps.Abi;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Emit;

namespace KernelOps.Generators.Tests;

/// <summary>
/// Compiles a handler with the generator, loads it, and calls through the table's function
/// pointers as the kernel would: implemented slots reach the handler through the adapter,
/// unimplemented ones are null.
/// </summary>
public unsafe class GeneratedTableExecutionTests
{
    private const string Handler = Sources.Usings + """
        namespace Exec;

        [ProcOps(Flags = ProcOpsFlags.Permanent)]
        public static partial class Seeker
        {
            [Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) => offset * 2;

            [Open] static KResult Open(Inode inode, FileRef file) => throw new System.InvalidOperationException("boom");

            [Release] static KResult Release(Inode inode, FileRef file) => Errno.EBUSY;
        }
        """;

    [Test]
    public void CallsThroughTheGeneratedTable()
    {
        var context = new AssemblyLoadContext("kernelops-exec", isCollectible: true);
        try
        {
            ProcOps* ops = LoadTable(context);

            Assert.That(ops->proc_flags, Is.EqualTo((uint)ProcOpsFlags.Permanent));
            Assert.That(ops->proc_read == null && ops->proc_write == null && ops->proc_ioctl == null && ops->proc_read_iter == null, Is.True);
            Assert.That(ops->proc_lseek != null && ops->proc_open != null && ops->proc_release != null, Is.True);

            NativeInode inode = default;
            NativeFile file = default;
            file.f_inode = &inode;

            Assert.That(ops->proc_lseek(&file, 21, (int)Whence.Set), Is.EqualTo(42));
            Assert.That(file.f_pos, Is.EqualTo(42), "the handler ran and the thunk stored its position in f_pos");
            Assert.That(ops->proc_lseek(&file, 1, 99), Is.EqualTo(-(long)Errno.EINVAL), "bad whence is rejected before the handler");
            Assert.That(ops->proc_lseek(null, 1, 0), Is.EqualTo(-(long)Errno.EBADF));
            Assert.That(ops->proc_open(&inode, &file), Is.EqualTo(-(int)Errno.EIO), "an exception never crosses the boundary");
            Assert.That(ops->proc_release(&inode, &file), Is.EqualTo(-(int)Errno.EBUSY));
        }
        finally
        {
            context.Unload();
        }
    }

    private static ProcOps* LoadTable(AssemblyLoadContext context)
    {
        var (_, output, _) = TestCompilation.RunGenerator(TestCompilation.Create(Handler));
        using var stream = new MemoryStream();
        EmitResult emitted = output.Emit(stream);
        Assert.That(emitted.Success, Is.True, TestCompilation.Format(emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        stream.Position = 0;

        Assembly assembly = context.LoadFromStream(stream);
        PropertyInfo table = assembly.GetType("Exec.Seeker", throwOnError: true)!.GetProperty("Table", BindingFlags.Public | BindingFlags.Static)!;
        var value = (OpsTable<ProcOps>)table.GetValue(null)!;
        Assert.That(value.Name, Is.EqualTo("Exec.Seeker"));
        Assert.That(((OpsTable<ProcOps>)table.GetValue(null)!).Pointer == value.Pointer, Is.True, "one table per type, built once");
        return value.Pointer;
    }
}
