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
    public const string CompatIoctl = "[CompatIoctl] static KResult<long> CompatIoctl(FileRef file, uint command, nuint argument) => Errno.ENOTTY;";
}
