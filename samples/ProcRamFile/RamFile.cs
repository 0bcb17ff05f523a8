using KernelOps.Model;

namespace KernelOps.Samples.ProcRamFile;

/// <summary>
/// The handlers of /proc/rust-proc-file. Static and stateless: the data they serve arrives
/// through the inode (proc_create_data's data, Linux's pde_data), which exists before the entry is
/// published and is freed only after the entry's rundown, so no handler can see it uninitialised
/// or gone. The generator turns this class into <c>RamFile.Table</c>, a <c>struct proc_ops</c>.
/// </summary>
[ProcOps]
internal static partial class RamFile
{
    [Open]
    private static KResult Open(Inode inode, FileRef file)
    {
        if (inode.Data<RamFileData>() is not { } data) return Errno.ENODEV;
        // For a regular file Linux truncates on O_TRUNC whatever the access mode (fs/namei.c:
        // build_open_flags turns O_TRUNC into a MAY_WRITE check, do_open then truncates); proc
        // has no such VFS step, so the handler does it, as the seed's module does.
        if ((file.Flags & OpenFlags.O_TRUNC) != 0) data.Truncate(inode);
        return KResult.Ok;
    }

    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) =>
        DataOf(file).Read(ref destination, ref position);

    [Write]
    private static KResult<nuint> Write(FileRef file, UserSliceReader source, ref long position) =>
        DataOf(file).Write(ref source, ref position, append: (file.Flags & OpenFlags.O_APPEND) != 0, file.Inode);

    [Lseek]
    private static KResult<long> Lseek(FileRef file, long offset, Whence whence) =>
        DataOf(file).Seek(file, offset, whence);

    // An entry without data cannot be opened (Open refuses it), so this only throws on a model bug,
    // which the thunk turns into -EIO and a kernel-log line.
    private static RamFileData DataOf(FileRef file) =>
        file.Inode.Data<RamFileData>() ?? throw new System.InvalidOperationException("rust-proc-file opened without its data");
}

/// <summary>
/// The module: <c>modprobe rust_proc_ram_file</c> creates /proc/rust-proc-file, <c>rmmod</c>
/// removes it. Init builds the data completely and publishes it last, with the entry; the seed's
/// unsound order (entry first, static state filled in later) cannot be written with this API.
/// </summary>
public sealed class RamFileModule : IKernelModule
{
    /// <summary>The entry's name under /proc.</summary>
    public const string EntryName = "rust-proc-file";

    /// <summary>The entry's path.</summary>
    public const string Path = "/proc/" + EntryName;

    private readonly long _maxBytes;
    private ProcEntry? _entry;

    /// <summary>Creates the module; <paramref name="maxBytes"/> bounds the file's size.</summary>
    public RamFileModule(long maxBytes = RamFileData.DefaultMaxBytes) => _maxBytes = maxBytes;

    /// <inheritdoc/>
    public string Name => "rust_proc_ram_file";

    /// <summary>The data of the current load, for tests; null while unloaded.</summary>
    public RamFileData? Data { get; private set; }

    /// <inheritdoc/>
    public KResult Init(ModuleContext context)
    {
        var data = new RamFileData(_maxBytes);
        _entry = context.Proc.Create(EntryName, 0b110_110_110 /* 0666 */, parent: null, RamFile.Table, data);
        Data = data;
        context.Log.Printk($"{Name}: created {Path}");
        return KResult.Ok;
    }

    /// <inheritdoc/>
    public void Exit()
    {
        // proc_remove waits for calls in flight and releases files still open before returning.
        _entry?.Dispose();
        _entry = null;
        Data = null;
    }
}
