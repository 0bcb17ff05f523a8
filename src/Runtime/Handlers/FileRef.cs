using System;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps;

/// <summary>
/// What a handler sees of a <c>struct file</c>: a borrowed pointer wrapper, never a reference to
/// the struct (other CPUs change <c>f_pos</c> and <c>f_flags</c> under it, as the /proc RAM-file
/// seed explains). Valid only for the duration of the call that received it, and a
/// <c>ref struct</c> so the compiler enforces that: it cannot be stored in a field or a static,
/// captured by a lambda, boxed, or held across an <c>await</c> (Rust-for-Linux's <c>&amp;File</c>,
/// which owns no reference count). To keep the file beyond the call, take a counted reference
/// with <see cref="GetReference"/> (<c>get_file</c>) and dispose it (<c>fput</c>).
/// </summary>
public readonly ref struct FileRef
{
    // INVARIANT: _file points at a struct file that stays allocated for the whole call this view was
    // made for (the constructor's contract: the thunk checked it, the VFS holds the file); as a
    // ref struct the view cannot outlive that call.
    private readonly unsafe NativeFile* _file;

    /// <summary>Wraps a raw file pointer. Thunks call this after checking it is not null.</summary>
    /// <param name="file">A live <c>struct file</c>.</param>
    public unsafe FileRef(NativeFile* file) => _file = file;

    /// <summary>The raw pointer (for interop with C code that expects <c>struct file *</c>).</summary>
    public unsafe NativeFile* Pointer => _file;

    /// <summary>open(2) flags. O_APPEND and O_NONBLOCK can change after open (fcntl), so read it when needed.</summary>
    // SAFETY: _file is live for this call (type invariant); f_flags is read atomically because fcntl may change it.
    public unsafe OpenFlags Flags => (OpenFlags)Volatile.Read(ref _file->f_flags);

    /// <summary>The access mode part of <see cref="Flags"/> (O_RDONLY, O_WRONLY or O_RDWR).</summary>
    public OpenFlags AccessMode => Flags & OpenFlags.O_ACCMODE;

    /// <summary>FMODE bits set by the VFS at open.</summary>
    // SAFETY: _file is live for this call (type invariant).
    public unsafe FMode Mode => (FMode)Volatile.Read(ref _file->f_mode);

    /// <summary>True when the file was opened for reading (FMODE_READ).</summary>
    public bool CanRead => (Mode & FMode.FMODE_READ) != 0;

    /// <summary>True when the file was opened for writing (FMODE_WRITE).</summary>
    public bool CanWrite => (Mode & FMode.FMODE_WRITE) != 0;

    /// <summary>
    /// <c>file-&gt;f_pos</c>, read without synchronisation, for an lseek handler's SEEK_CUR.
    /// Inescapably racy: the VFS updates it after every read and write (fs/read_write.c
    /// ksys_read/ksys_write), and only serialises those updates with f_pos_lock when the file has
    /// FMODE_ATOMIC_POS and is shared (fs/file.c file_needs_f_pos_lock). The value is a valid
    /// 64-bit integer but may be stale: bounds-check it. Read and write handlers use their
    /// <c>ref long position</c> instead: it is where that call reads or writes (the pread offset
    /// for pread), and what they leave in it is what the VFS stores in f_pos.
    /// </summary>
    /// <remarks>
    /// There is no way for a handler to write f_pos: a read or write moves it through its
    /// <c>ref long position</c>, an lseek by returning the new position (the thunk applies it as
    /// vfs_setpos does). A store from anywhere else would be lost or race with the VFS's own.
    /// </remarks>
    [FilePosition]
    // SAFETY: _file is live for this call (type invariant); the 64-bit read is atomic, only its value may be stale.
    public unsafe long ReadPositionUnsynchronized() => Volatile.Read(ref _file->f_pos);

    /// <summary>
    /// Marks the file as a stream, from an open handler: no f_pos at all (read/write get no
    /// position, lseek/pread/pwrite fail with ESPIPE, and no f_pos lock is taken).
    /// </summary>
    [DeclaredNonSeekable]
    public unsafe void StreamOpen()
    {
        // mirrors fs/open.c:stream_open
        // SAFETY: _file is live for this call (type invariant); the mode bits change atomically.
        Interlocked.And(ref _file->f_mode, ~(uint)(FMode.FMODE_LSEEK | FMode.FMODE_PREAD | FMode.FMODE_PWRITE | FMode.FMODE_ATOMIC_POS));
        Interlocked.Or(ref _file->f_mode, (uint)FMode.FMODE_STREAM);
    }

    /// <summary>
    /// Marks the file as not seekable, from an open handler: lseek, pread and pwrite fail with
    /// ESPIPE; read/write still get and advance a position.
    /// </summary>
    [DeclaredNonSeekable]
    public unsafe void NonseekableOpen()
    {
        // mirrors fs/open.c:nonseekable_open
        // SAFETY: _file is live for this call (type invariant); the mode bits change atomically.
        Interlocked.And(ref _file->f_mode, ~(uint)(FMode.FMODE_LSEEK | FMode.FMODE_PREAD | FMode.FMODE_PWRITE));
    }

    /// <summary>
    /// The raw word in <c>file-&gt;private_data</c>, read-only: per-open state is an object an open
    /// handler returns (<see cref="OpenResult{TState}"/>), which the thunks keep there as a GCHandle.
    /// A handler storing an arbitrary word there would make the next call free or dereference a
    /// handle that does not exist, so safe code cannot write it.
    /// </summary>
    // SAFETY: _file is live for this call (type invariant).
    public unsafe nint PrivateData => Volatile.Read(ref _file->private_data);

    /// <summary>
    /// The data given when the character or misc device this file was opened on was registered,
    /// or null (none given, another type, or not a device file). It stays valid while the file is
    /// open, even after the device is unregistered.
    /// </summary>
    public unsafe T? DeviceData<T>() where T : class
    {
        // SAFETY: _file is live for this call (type invariant); f_device is 0 or a GCHandle owned by the device registration, which the open file
        // holds a reference to until its last fput; the handle is freed only after that.
        return RawPointer.HandleTarget(Volatile.Read(ref _file->f_device)) as T;
    }

    /// <summary>The inode this file was opened on (<c>file_inode(file)</c>).</summary>
    // SAFETY: _file is live for this call (type invariant), and the file holds its inode until its
    // last fput, which cannot happen during the call either.
    public unsafe Inode Inode => new(_file->f_inode);

    /// <summary>
    /// mirrors include/linux/fs.h:get_file: takes a counted reference to this file, which keeps the
    /// <c>struct file</c> (and, through it, its inode, device and module) alive after the call
    /// returns, until the reference is disposed (<c>fput</c>); the file's release then runs at the
    /// last reference, whichever holder drops it. Counted in
    /// <see cref="Model.KernelStatistics.LiveFileReferences"/> so a forgotten one is visible.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// The file is not a kernel model's file (a raw <see cref="NativeFile"/> built by hand), or its
    /// last reference is already gone (a release handler cannot resurrect the file it releases).
    /// </exception>
    public unsafe FileReference GetReference()
    {
        // SAFETY: _file is live for this call (type invariant); FromNative reads its f_model word.
        Model.OpenFile? record = Model.OpenFile.FromNative(_file)
            ?? throw new InvalidOperationException("This struct file belongs to no kernel model, so nothing counts its references.");
        // mirrors get_file's precondition (the caller holds a reference) checked, not assumed:
        // atomic_long_inc_not_zero, as get_file_rcu, so a file already in __fput is refused.
        if (!record.TryGetCounted())
            throw new InvalidOperationException("The file's last reference is gone (it is being released); it cannot be kept.");
        return new FileReference(record, Model.CurrentTask.Kernel);
    }

    /// <summary>True when both wrap the same <c>struct file</c>.</summary>
    public unsafe bool Equals(FileRef other) => _file == other._file;
    /// <summary>Not supported: a <c>ref struct</c> is never boxed. Use <c>==</c>.</summary>
#pragma warning disable CS0809 // as Span<T>: obsolete on purpose, object.Equals is not
    [Obsolete("A FileRef is never boxed; use == instead.")]
    public override bool Equals(object? obj) => throw new NotSupportedException("A FileRef is never boxed; use == instead.");
#pragma warning restore CS0809
    /// <inheritdoc/>
    public override unsafe int GetHashCode() => ((nint)_file).GetHashCode();
    /// <summary>Equality.</summary>
    public static bool operator ==(FileRef a, FileRef b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(FileRef a, FileRef b) => !a.Equals(b);
}

/// <summary>
/// What a handler sees of a <c>struct inode</c>: borrowed for the duration of the call, and a
/// <c>ref struct</c> so it cannot be kept past it (as <see cref="FileRef"/>). A file kept with
/// <see cref="FileRef.GetReference"/> keeps its inode too: <c>reference.Borrow(file => file.Inode.Number)</c>.
/// </summary>
public readonly ref struct Inode
{
    // INVARIANT: _inode points at a struct inode that stays allocated for the whole call this view
    // was made for (the constructor's contract: the thunk checked it, or it is a live file's
    // f_inode, which the file holds); as a ref struct the view cannot outlive that call.
    private readonly unsafe NativeInode* _inode;

    /// <summary>Wraps a raw inode pointer. Thunks call this after checking it is not null.</summary>
    public unsafe Inode(NativeInode* inode) => _inode = inode;

    /// <summary>The raw pointer.</summary>
    public unsafe NativeInode* Pointer => _inode;

    /// <summary>File type and permission bits.</summary>
    // SAFETY: _inode is live for this call (type invariant).
    public unsafe uint Mode => _inode->i_mode;

    /// <summary>Inode number.</summary>
    // SAFETY: _inode is live for this call (type invariant).
    public unsafe ulong Number => _inode->i_ino;

    /// <summary>Device number (MKDEV(major, minor)) for device inodes.</summary>
    // SAFETY: _inode is live for this call (type invariant).
    public unsafe uint RDev => _inode->i_rdev;

    /// <summary>
    /// <c>i_size</c>: the size stat(2) reports and SEEK_END/SEEK_DATA measure from
    /// (i_size_read/i_size_write). proc files keep 0 unless their handler sets it, as proc_set_size
    /// would; a handler whose file has a real size (a RAM file) sets it under its own lock, as
    /// simple_write_end does under the inode lock.
    /// </summary>
    public unsafe long Size
    {
        // SAFETY: _inode is live for this call (type invariant); i_size is read and written atomically.
        get => Volatile.Read(ref _inode->i_size);
        set => Volatile.Write(ref _inode->i_size, value);
    }

    /// <summary>The raw <c>i_private</c> word.</summary>
    // SAFETY: _inode is live for this call (type invariant).
    public unsafe nint PrivateWord => _inode->i_private;

    /// <summary>
    /// The registration data handed to proc_create_data / debugfs_create_file (Linux's
    /// <c>pde_data(inode)</c> / <c>inode-&gt;i_private</c>), or null when none was given or it is
    /// of another type. The registration owns it and outlives every call that can see this inode.
    /// After the entry's removal the word is cleared (no handler can run by then: removal waits
    /// for calls in flight and later calls fail before reaching the table), so this returns null.
    /// </summary>
    public unsafe T? Data<T>() where T : class
    {
        // A view of a file's f_inode is not checked by the thunks: refuse an inode that cannot be
        // one rather than read a handle word from it.
        if (!RawPointer.IsInode(_inode)) return null;
        // SAFETY: _inode is live for this call (type invariant) and passed IsInode; i_private is either 0 or a GCHandle allocated by the model at registration and
        // freed only after the entry's rundown, when no call can hold this inode any more.
        return RawPointer.HandleTarget(_inode->i_private) as T;
    }

    /// <summary>True when both wrap the same <c>struct inode</c>.</summary>
    public unsafe bool Equals(Inode other) => _inode == other._inode;
    /// <summary>Not supported: a <c>ref struct</c> is never boxed. Use <c>==</c>.</summary>
#pragma warning disable CS0809 // as Span<T>: obsolete on purpose, object.Equals is not
    [Obsolete("An Inode is never boxed; use == instead.")]
    public override bool Equals(object? obj) => throw new NotSupportedException("An Inode is never boxed; use == instead.");
#pragma warning restore CS0809
    /// <inheritdoc/>
    public override unsafe int GetHashCode() => ((nint)_inode).GetHashCode();
    /// <summary>Equality.</summary>
    public static bool operator ==(Inode a, Inode b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(Inode a, Inode b) => !a.Equals(b);
}

/// <summary>A use of a borrowed file: the <see cref="FileRef"/> cannot escape it (a ref struct parameter).</summary>
public delegate void FileRefAction(FileRef file);

/// <summary>A use of a borrowed file that computes a value (which cannot be the <see cref="FileRef"/> itself).</summary>
public delegate TResult FileRefFunc<out TResult>(FileRef file);

/// <summary>
/// A counted reference to a <c>struct file</c> (Rust-for-Linux's <c>ARef&lt;File&gt;</c>; C's
/// <c>get_file</c> ... <c>fput</c>): the rare legitimate way to keep a file beyond the handler call
/// that saw it (a driver that completes work on the file later, or hands it to another thread).
/// Made by <see cref="FileRef.GetReference"/>. While it is not disposed the file stays alive even
/// after every descriptor on it is closed; <see cref="Dispose"/> drops the reference exactly once
/// (later calls do nothing), and when it was the last one the file's release handler runs then, on
/// the disposing thread. Each live reference counts in
/// <see cref="Model.KernelStatistics.LiveFileReferences"/>. Thread-safe.
/// </summary>
/// <remarks>
/// The file is reached only inside <see cref="Borrow(FileRefAction)"/>: the <see cref="FileRef"/> is
/// the callback's ref struct parameter, so it cannot outlive the borrow, and a <see cref="Dispose"/>
/// that happens during a borrow (on this thread or another) defers the fput to the borrow's end. So
/// no safe code can read the <c>struct file</c> after its last reference is gone, which a borrow
/// returning the <see cref="FileRef"/> could not promise (C# cannot tie its lifetime to Dispose, as
/// Rust ties <c>&amp;File</c> to its <c>ARef</c>).
/// </remarks>
public sealed class FileReference : IDisposable
{
    private readonly Model.OpenFile _file;
    // The kernel whose task took the reference: a last fput outside any task runs the release as
    // that kernel's worker would (fs/file_table.c:fput defers __fput to delayed_fput's kworker).
    private readonly Model.Kernel? _kernel;
    // 1 for the owner's reference until Dispose, plus 1 per borrow in progress; the fput runs when
    // it reaches 0, so a borrow in progress keeps the file as the owner does.
    private int _holds = 1;
    private int _disposed;

    internal FileReference(Model.OpenFile file, Model.Kernel? kernel)
    {
        _file = file;
        _kernel = kernel;
        file.Counters.Update(fileReferences: 1);
    }

    /// <summary>True once <see cref="Dispose"/> has dropped the reference.</summary>
    public bool IsDisposed => Volatile.Read(ref _disposed) != 0;

    /// <summary>
    /// Runs <paramref name="use"/> with the file borrowed; the file stays alive until it returns,
    /// even if the reference is disposed meanwhile.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The reference was disposed.</exception>
    public void Borrow(FileRefAction use)
    {
        ArgumentNullException.ThrowIfNull(use);
        Acquire();
        try
        {
            use(View());
        }
        finally
        {
            Put();
        }
    }

    /// <summary>
    /// Runs <paramref name="use"/> with the file borrowed and returns its result; the file stays
    /// alive until it returns, even if the reference is disposed meanwhile.
    /// </summary>
    /// <exception cref="ObjectDisposedException">The reference was disposed.</exception>
    public TResult Borrow<TResult>(FileRefFunc<TResult> use)
    {
        ArgumentNullException.ThrowIfNull(use);
        Acquire();
        try
        {
            return use(View());
        }
        finally
        {
            Put();
        }
    }

    /// <summary>mirrors fs/file_table.c:fput: drops the reference, once; the last one releases the file.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _file.Counters.Update(fileReferences: -1);
        Put();
    }

    private void Acquire()
    {
        // inc-not-zero: once the holds reached 0 the fput has run and the file may be freed.
        if (IsDisposed || !Model.Atomics.IncrementNotZero(ref _holds))
            throw new ObjectDisposedException(nameof(FileReference));
    }

    private unsafe FileRef View() =>
        // SAFETY: Acquire took a hold, and the fput that may free File runs only when the holds reach
        // 0, after the borrow's Put; the FileRef is the callback's ref struct parameter, so it cannot
        // be kept past the borrow.
        new(_file.File);

    private void Put()
    {
        if (Interlocked.Decrement(ref _holds) != 0) return;
        if (Model.CurrentTask.Kernel is null && _kernel is { } kernel)
        {
            // A kernel thread's context: the release handler's printk reaches this kernel's log.
            using (Model.CurrentTask.Enter(null, kernel.Log, null, kernel)) _file.PutFileCount();
        }
        else
        {
            _file.PutFileCount();
        }
    }
}
