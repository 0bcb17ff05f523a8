using System;
using System.Text;
using KernelOps;

namespace KernelOps.Samples.PrinterFact;

/// <summary>
/// /dev/printerfact's file_operations. The seed's bug (read written but not declared, so cat got
/// EINVAL) cannot happen: the table's read slot is filled because <see cref="Read"/> exists.
/// Each open picks nothing yet; its first read picks a fact from the kernel's entropy pool and the
/// file then serves that fact from its position, so cat with any buffer size gets one whole fact
/// (the seed's write_slice failed with EFAULT for a buffer shorter than the fact).
/// The declaration lists what is implemented, the step the seed's driver got wrong (read written,
/// not declared: EINVAL at run time); here a mismatch is a build error (KOPS0013). Like the seed's
/// device it cannot seek, and says so (KOPS0014).
/// </summary>
[FileOperations(Ops = ["open", "read"], NonSeekable = true)]
internal static partial class PrinterFactFile
{
    [Open]
    private static OpenResult<OpenFact> Open(Inode inode, FileRef file) => new OpenFact();

    [Read]
    private static KResult<nuint> Read(OpenFact state, FileRef file, UserSliceWriter destination, ref long position)
    {
        byte[] fact = state.Fact ??= PickFact();
        return destination.SimpleReadFromBuffer(ref position, fact);
    }

    /// <summary>The seed's get_fact: one random byte modulo the number of facts (biased, as the seed admits).</summary>
    internal static byte[] PickFact()
    {
        Span<byte> entropy = stackalloc byte[1];
        KernelRandom.GetBytes(entropy);
        return Encoding.UTF8.GetBytes(Facts.All[entropy[0] % Facts.All.Length] + "\n");
    }
}

/// <summary>Per-open state: the fact this open file serves, chosen at its first read.</summary>
internal sealed class OpenFact
{
    public byte[]? Fact { get; set; }
}
