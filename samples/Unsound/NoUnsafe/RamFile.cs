// The project does not allow unsafe code, so no table of C function pointers can be generated.
using KernelOps;

namespace KernelOps.Samples.Unsound;

[ProcOps(NonSeekable = true)]
internal static partial class RamFile // expect: error KOPS0006
{
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => (nuint)0;
}
