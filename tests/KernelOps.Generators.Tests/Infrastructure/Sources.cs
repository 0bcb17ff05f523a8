namespace KernelOps.Generators.Tests.Infrastructure;

/// <summary>Handler method bodies that compile, reused by several tests.</summary>
internal static class Sources
{
    public const string Usings = """
        using KernelOps;
        using KernelOps.Abi;

        """;

    public const string Open = "[Open] static KResult Open(Inode inode, FileRef file) => KResult.Ok;";
    public const string Read = "[Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;";
    public const string Write = "[Write] static KResult<nuint> Write(FileRef file, UserSliceReader src, ref long pos) { pos += (long)src.Length; return src.Length; }";
    public const string Lseek = "[Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) => offset;";
    public const string Release = "[Release] static KResult Release(Inode inode, FileRef file) => KResult.Ok;";
    public const string Ioctl = "[Ioctl] static KResult<long> Ioctl(FileRef file, uint command, nuint argument) => Errno.ENOTTY;";
    public const string Poll = "[Poll] static PollEvents Poll(FileRef file, PollTable table) => PollEvents.In;";
    public const string Flush = "[Flush] static KResult Flush(FileRef file) => KResult.Ok;";
    public const string Fsync = "[Fsync] static KResult Fsync(FileRef file, long start, long end, bool dataSync) => KResult.Ok;";

    // Per-open state forms (the state type is the handler's own class Session).
    public const string StateClass = "internal sealed class Session { public int Reads; }";
    public const string StatefulOpen = "[Open] static OpenResult<Session> Open(Inode inode, FileRef file) => new Session();";
    public const string StatefulRead = "[Read] static KResult<nuint> Read(Session s, FileRef file, UserSliceWriter dst, ref long pos) { s.Reads++; return (nuint)0; }";
    public const string StatefulRelease = "[Release] static KResult Release(Session s, Inode inode, FileRef file) => KResult.Ok;";
    public const string StatefulPoll = "[Poll] static PollEvents Poll(Session s, FileRef file, PollTable table) => PollEvents.Out;";
    public const string StatefulIoctl = "[Ioctl] static KResult<long> Ioctl(Session s, FileRef file, uint command, nuint argument) => Errno.ENOTTY;";

    public const string CompatIoctl = "[CompatIoctl] static KResult<long> CompatIoctl(FileRef file, uint command, nuint argument) => Errno.ENOTTY;";
}
