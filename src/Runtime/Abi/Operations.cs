using System.ComponentModel;

namespace KernelOps.Abi;

// The safe shape of each kind of slot. A slot shape is shared by every table kind that has such a
// slot (proc_read and file_operations.read are one IReadOperation), so a new kind reuses them.
// The generator emits, per implemented slot, a private struct implementing the interface that
// forwards Invoke to the user's method, and an [UnmanagedCallersOnly] thunk calling the adapter
// with that struct as T: the JIT specialises the adapter per handler, as Rust monomorphises
// vtable thunks, and no delegate or allocation is involved at run time.

/// <summary>What every operation forwarder provides: the handler's name, for kernel-log lines.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IHandlerOperation
{
    /// <summary>The user's handler as <c>Namespace.Type.Method</c>.</summary>
    static abstract string HandlerName { get; }
}

/// <summary>open and release: <c>int (*)(struct inode *, struct file *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(ThunkAdapters), nameof(ThunkAdapters.InodeFile))]
public interface IInodeFileOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Inode inode, FileRef file);
}

/// <summary>read: <c>ssize_t (*)(struct file *, char __user *, size_t, loff_t *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(ThunkAdapters), nameof(ThunkAdapters.Read))]
public interface IReadOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult<nuint> Invoke(FileRef file, UserSliceWriter destination, ref long position);
}

/// <summary>write: <c>ssize_t (*)(struct file *, const char __user *, size_t, loff_t *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(ThunkAdapters), nameof(ThunkAdapters.Write))]
public interface IWriteOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult<nuint> Invoke(FileRef file, UserSliceReader source, ref long position);
}

/// <summary>lseek/llseek: <c>loff_t (*)(struct file *, loff_t, int)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(ThunkAdapters), nameof(ThunkAdapters.Lseek))]
public interface ILseekOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult<long> Invoke(FileRef file, long offset, Whence whence);
}

/// <summary>ioctl and compat_ioctl: <c>long (*)(struct file *, unsigned int, unsigned long)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(ThunkAdapters), nameof(ThunkAdapters.Ioctl))]
public interface IIoctlOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult<long> Invoke(FileRef file, uint command, nuint argument);
}
