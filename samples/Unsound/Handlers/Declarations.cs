// Unsound declarations, one per rule. Each '// expect: <severity> <id>' marks the line the build
// must report it on; the test fails on any other KOPS diagnostic or any missing one.
using System;
using System.Threading.Tasks;
using KernelOps;
using KernelOps.Abi;

namespace KernelOps.Samples.Unsound;

[ProcOps(NonSeekable = true)]
internal static partial class LostPosition
{
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, long position) => (nuint)0; // expect: error KOPS0001
}

[ProcOps(NonSeekable = true)]
internal partial class InstanceCounter
{
    private long _reads;

    [Read]
    private KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) { _reads++; return (nuint)0; } // expect: error KOPS0002
}

[ProcOps(NonSeekable = true)]
internal static class NotPartial // expect: error KOPS0003
{
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => (nuint)0;
}

[ProcOps(NonSeekable = true)]
internal static partial class TwoReaders
{
    [Read]
    private static KResult<nuint> ReadA(FileRef file, UserSliceWriter destination, ref long position) => (nuint)0; // expect: error KOPS0004

    [Read]
    private static KResult<nuint> ReadB(FileRef file, UserSliceWriter destination, ref long position) => (nuint)0; // expect: error KOPS0004
}

// /dev/printerfact: read is written, but no kind attribute makes a table point at it.
internal static partial class PrinterFact
{
    [Read] // expect: error KOPS0005
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => (nuint)0;
}

internal static class Registration
{
    public static Func<long> Register(long seed)
    {
        [Lseek]
        KResult<long> Seek(FileRef file, long offset, Whence whence) => offset + seed; // expect: error KOPS0007
        return () => seed;
    }
}

[ProcOps(NonSeekable = true)]
internal static partial class AsyncOpen
{
    [Open]
    private static Task<KResult> Open(Inode inode, FileRef file) => Task.Run(() => KResult.Ok); // expect: error KOPS0008
}

[ProcOps(NonSeekable = true)]
internal static partial class Blocking
{
    private static Task<int> Fetch() => Task.FromResult(4);

    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) =>
        (nuint)Fetch().Result; // expect: warning KOPS0009
}

[ProcOps(NonSeekable = true)]
internal static partial class RacyCounter
{
    private static long s_reads;

    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position)
    {
        s_reads++; // expect: warning KOPS0010
        return (nuint)0;
    }
}

/// <summary>A callback interface whose implementers the runtime makes with default(T), as debugfs will.</summary>
[MaterializedFromNothing]
internal interface IShowCallback
{
    long Show();
}

internal readonly struct CountingCallback(long start) : IShowCallback // expect: error KOPS0011
{
    public long Show() => start;
}

[AttributeUsage(AttributeTargets.Class)]
[OpsTableKind(typeof(ProcOps))]
internal sealed class OtherOpsAttribute : Attribute;

[ProcOps(NonSeekable = true), OtherOps]
internal static partial class TwoKinds // expect: error KOPS0012
{
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => (nuint)0;
}

[ProcOps(Ops = ["proc_write"], NonSeekable = true)] // expect: error KOPS0013
internal static partial class UndeclaredRead
{
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => (nuint)0;

    [Write]
    private static KResult<nuint> Write(FileRef file, UserSliceReader source, ref long position) => source.Length;
}

[ProcOps] // expect: warning KOPS0014
internal static partial class ImplicitlyNonSeekable
{
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => (nuint)0;
}

[FileOperations(NonSeekable = true)]
internal static partial class NumericErrno
{
    [Ioctl]
    private static KResult<long> Ioctl(FileRef file, uint command, nuint argument) =>
        (long)Errno.ENOTTY; // expect: error KOPS0015
}

[FileOperations(NonSeekable = true)]
internal static partial class ZeroErrno
{
    [Ioctl]
    private static KResult<long> Ioctl(FileRef file, uint command, nuint argument) =>
        command == 0 ? 0L : Errno.ENOTTY; // expect: error KOPS0020
}

[FileOperations(NonSeekable = true)]
internal static partial class LateCopyToUser
{
    [Ioctl]
    private static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
    {
        _ = Task.Run(() => new UserPtr<int>(argument).Write(1)); // expect: error KOPS0016
        return 0L;
    }
}

internal sealed class Reader
{
    public long Offset;
}

[FileOperations(NonSeekable = true)]
internal static partial class ReadersByFile
{
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<nint, Reader> s_readers = new();

    [Open]
    private static KResult Open(Inode inode, FileRef file)
    {
        s_readers[file.PrivateData] = new Reader(); // expect: warning KOPS0017
        return KResult.Ok;
    }
}

[ProcOps(NonSeekable = true)]
internal static partial class Uptime
{
    public static string? s_text;

    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) =>
        destination.SimpleReadFromBuffer(ref position, System.Text.Encoding.ASCII.GetBytes(s_text ?? string.Empty));
}

internal sealed class UptimeModule : KernelOps.Model.IKernelModule
{
    private KernelOps.Model.ProcEntry? _entry;

    public string Name => "uptime";

    public KResult Init(KernelOps.Model.ModuleContext context)
    {
        _entry = context.Proc.Create("uptime", 0x124, null, Uptime.Table);
        Uptime.s_text = "0.00\n"; // expect: warning KOPS0018
        return KResult.Ok;
    }

    public void Exit() => _entry?.Dispose();
}

[ProcOps]
internal static partial class Looping
{
    private static readonly byte[] s_text = "looping\n"u8.ToArray();

    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => // expect: warning KOPS0019
        destination.WriteSome(s_text);

    [Lseek]
    private static KResult<long> Lseek(FileRef file, long offset, Whence whence) => Llseek.DefaultLlseek(file, offset, whence, s_text.Length);
}

// The per-open state holds the mapping itself: after an unplug, the next call uses it unmapped.
internal sealed class MappedSession(IoMem registers)
{
    public IoMem Registers { get; } = registers; // expect: error KOPS0040
}

[FileOperations(NonSeekable = true)]
internal static partial class MappedFile
{
    [Open]
    private static OpenResult<MappedSession> Open(Inode inode, FileRef file) =>
        file.DeviceData<MappedSession>() is { } session ? session : Errno.ENODEV;
}

[FileSystemType(Flags = FsFlags.UserNsMount)] // expect: error KOPS0030
internal static partial class NamelessFileSystem
{
    [InitFsContext]
    private static KResult InitFsContext(FsContext context) => KResult.Ok;
}
