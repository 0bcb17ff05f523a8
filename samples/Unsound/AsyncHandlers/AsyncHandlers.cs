// Async handlers. FileRef, Inode and a read handler's UserSliceWriter are ref structs and ref long
// position a ref parameter, none allowed in an async method (CS4012, CS1988); those are declaration
// errors, and csc then runs no analyzer. Each '// expect: <severity> <id>' marks the line the build
// must report it on.
using System.Threading.Tasks;
using KernelOps;

namespace KernelOps.Samples.Unsound;

[ProcOps(NonSeekable = true)]
internal static partial class AsyncRead
{
    [Read]
    private static async Task<KResult<nuint>> Read(FileRef file, UserSliceWriter destination, ref long position) // expect: error KOPS0008 // expect: error CS4012 // expect: error CS1988
    {
        await Task.Yield();
        return (nuint)0;
    }

    [Open]
    private static async Task<KResult> Open(Inode inode, FileRef file) { await Task.Yield(); return KResult.Ok; } // expect: error KOPS0008 // expect: error CS4012
}
