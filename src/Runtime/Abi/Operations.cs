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
    static abstract KResult<nuint> Invoke(FileRef file, UserSliceWriter destination, [FilePosition] ref long position);
}

/// <summary>write: <c>ssize_t (*)(struct file *, const char __user *, size_t, loff_t *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(ThunkAdapters), nameof(ThunkAdapters.Write))]
public interface IWriteOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult<nuint> Invoke(FileRef file, UserSliceReader source, [FilePosition] ref long position);
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
    static abstract KResult<long> Invoke(FileRef file, uint command, [CallScoped] nuint argument);
}

/// <summary>poll: <c>__poll_t (*)(struct file *, struct poll_table_struct *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(ThunkAdapters), nameof(ThunkAdapters.Poll))]
public interface IPollOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract PollEvents Invoke(FileRef file, PollTable table);
}

/// <summary>flush: <c>int (*)(struct file *, fl_owner_t)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(ThunkAdapters), nameof(ThunkAdapters.Flush))]
public interface IFlushOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(FileRef file);
}

/// <summary>fsync: <c>int (*)(struct file *, loff_t, loff_t, int datasync)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(ThunkAdapters), nameof(ThunkAdapters.Fsync))]
public interface IFsyncOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(FileRef file, long start, long end, bool dataSync);
}

// Per-open-state variants (decision 3, "one word of private data"): the same C shapes, with the
// handler's state object handed in typed. open creates it (the adapter stores one GCHandle word in
// file->private_data, as rust/kernel/miscdevice.rs stores ForeignOwnable::into_foreign), every other
// operation borrows it, release takes it back exactly once and frees the handle. The generator picks
// a variant when the handler's signature matches it for some class TState.

/// <summary>Stateful open: <c>int (*)(struct inode *, struct file *)</c> that creates the per-open state.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Create)]
[OperationAdapter(typeof(StatefulThunkAdapters), nameof(StatefulThunkAdapters.Open))]
public interface IOpenOperation<[ReachableFromFiles] TState> : IHandlerOperation where TState : class
{
    /// <summary>Calls the handler.</summary>
    static abstract OpenResult<TState> Invoke(Inode inode, FileRef file);
}

/// <summary>Stateful release: takes the per-open state back, once.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Take, DefaultOperation = typeof(DropState<>))]
[OperationAdapter(typeof(StatefulThunkAdapters), nameof(StatefulThunkAdapters.Release))]
public interface IReleaseOperation<TState> : IHandlerOperation where TState : class
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(TState state, Inode inode, FileRef file);
}

/// <summary>Stateful read.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Borrow)]
[OperationAdapter(typeof(StatefulThunkAdapters), nameof(StatefulThunkAdapters.Read))]
public interface IReadOperation<TState> : IHandlerOperation where TState : class
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult<nuint> Invoke(TState state, FileRef file, UserSliceWriter destination, [FilePosition] ref long position);
}

/// <summary>Stateful write.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Borrow)]
[OperationAdapter(typeof(StatefulThunkAdapters), nameof(StatefulThunkAdapters.Write))]
public interface IWriteOperation<TState> : IHandlerOperation where TState : class
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult<nuint> Invoke(TState state, FileRef file, UserSliceReader source, [FilePosition] ref long position);
}

/// <summary>Stateful llseek.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Borrow)]
[OperationAdapter(typeof(StatefulThunkAdapters), nameof(StatefulThunkAdapters.Lseek))]
public interface ILseekOperation<TState> : IHandlerOperation where TState : class
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult<long> Invoke(TState state, FileRef file, long offset, Whence whence);
}

/// <summary>Stateful ioctl and compat_ioctl.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Borrow)]
[OperationAdapter(typeof(StatefulThunkAdapters), nameof(StatefulThunkAdapters.Ioctl))]
public interface IIoctlOperation<TState> : IHandlerOperation where TState : class
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult<long> Invoke(TState state, FileRef file, uint command, [CallScoped] nuint argument);
}

/// <summary>Stateful poll.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Borrow)]
[OperationAdapter(typeof(StatefulThunkAdapters), nameof(StatefulThunkAdapters.Poll))]
public interface IPollOperation<TState> : IHandlerOperation where TState : class
{
    /// <summary>Calls the handler.</summary>
    static abstract PollEvents Invoke(TState state, FileRef file, PollTable table);
}

/// <summary>Stateful flush.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Borrow)]
[OperationAdapter(typeof(StatefulThunkAdapters), nameof(StatefulThunkAdapters.Flush))]
public interface IFlushOperation<TState> : IHandlerOperation where TState : class
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(TState state, FileRef file);
}

/// <summary>Stateful fsync.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Borrow)]
[OperationAdapter(typeof(StatefulThunkAdapters), nameof(StatefulThunkAdapters.Fsync))]
public interface IFsyncOperation<TState> : IHandlerOperation where TState : class
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(TState state, FileRef file, long start, long end, bool dataSync);
}

/// <summary>
/// The release a stateful handler type gets when it declares none: it only drops the state (the
/// adapter then disposes it if it is <see cref="System.IDisposable"/> and frees the handle).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct DropState<TState> : IReleaseOperation<TState> where TState : class
{
    /// <inheritdoc/>
    public static string HandlerName => "(default release of " + typeof(TState).FullName + ")";

    /// <inheritdoc/>
    public static KResult Invoke(TState state, Inode inode, FileRef file) => KResult.Ok;
}
