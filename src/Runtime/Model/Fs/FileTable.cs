using System;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>Small wait primitive used as Linux uses <c>struct completion</c>.</summary>
internal sealed class Completion
{
    private readonly object _gate = new();
    private bool _done;

    /// <summary>complete_all().</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _done = true;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>wait_for_completion with a timeout; true when completed.</summary>
    public bool Wait(TimeSpan timeout)
    {
        long deadline = timeout == Timeout.InfiniteTimeSpan ? long.MaxValue : Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            while (!_done)
            {
                long left = deadline == long.MaxValue ? Timeout.Infinite : deadline - Environment.TickCount64;
                if (left != Timeout.Infinite && left <= 0) return false;
                Monitor.Wait(_gate, left == Timeout.Infinite ? Timeout.Infinite : (int)Math.Min(left, int.MaxValue));
            }
            return true;
        }
    }
}

/// <summary>
/// The managed half of a model <c>struct file</c> (fs/file_table.c): the native struct, its
/// reference counts, the f_pos lock, the dispatcher (<c>f_op</c>), the path it was opened on
/// (<c>f_path</c>: a mount and dentry reference, which keep the inode alive after unlink) and its
/// credentials (<c>f_cred</c>). <c>file-&gt;f_model</c> holds a GCHandle to it. Freed, with the native
/// struct, by the last <see cref="Put"/> (__fput).
/// </summary>
internal sealed class OpenFile
{
    private readonly KernelCounters _counters;
    // Lifetime references: every holder of f_count plus every syscall in flight on the file.
    private int _refs;
    // f_count as file_needs_f_pos_lock sees it: references held by fd tables. The syscall's own
    // reference is "borrowed" as __fget_light borrows it for an unshared files_struct.
    private int _fileCount;
    private GCHandle _self;
    private bool _hasPath;

    private OpenFile(KernelCounters counters, Credentials cred)
    {
        _counters = counters;
        Cred = cred;
        _refs = 1;
        _fileCount = 1;
        Dispatch = NoOpsDispatch.Empty;
    }

    /// <summary>The kernel's leak counters (per-open state handles are counted here too).</summary>
    public KernelCounters Counters => _counters;

    /// <summary>The native <c>struct file</c>.</summary>
    public unsafe NativeFile* File { get; private set; }

    /// <summary><c>f_path</c> (valid once <see cref="HasPath"/>): the file holds a reference to both.</summary>
    public VfsPath Path { get; private set; }

    /// <summary>True once the file has a path (vfs_open ran).</summary>
    public bool HasPath => _hasPath;

    /// <summary><c>f_inode</c>.</summary>
    public VfsInode? Inode { get; private set; }

    /// <summary><c>f_cred</c>: the opener's credentials.</summary>
    public Credentials Cred { get; }

    /// <summary>How the VFS calls this file's ops.</summary>
    public FileDispatch Dispatch { get; set; }

    /// <summary>The character device the file was opened on (chrdev_open's cdev_get), put by __fput after fops_put.</summary>
    public DeviceRegistration? Cdev { get; set; }

    /// <summary><c>file-&gt;f_pos_lock</c>.</summary>
    public Lock PosLock { get; } = new();

    /// <summary>The module pinned by fops_get at open, released by fops_put in __fput.</summary>
    public LoadedModule? PinnedOwner { get; set; }

    /// <summary>The FIFO end this file holds (pipe readers/writers), released at __fput.</summary>
    public PipeEnd PipeEnd;

    /// <summary>
    /// The text a debugfs text file formatted for this open file (its seq_file buffer), made at
    /// the first such read; null for every other file.
    /// </summary>
    public ReadSnapshot? TextSnapshot;

    /// <summary>f_count as the kernel would report it (fd-table references).</summary>
    public int FileCount => Volatile.Read(ref _fileCount);

    /// <summary><c>f_flags</c>.</summary>
    // SAFETY: File is allocated by Allocate and freed only by __fput after the last reference; callers hold a reference.
    public unsafe OpenFlags Flags => (OpenFlags)Volatile.Read(ref File->f_flags);

    /// <summary><c>f_mode</c>.</summary>
    // SAFETY: File is allocated by Allocate and freed only by __fput after the last reference; callers hold a reference.
    public unsafe FMode Mode => (FMode)Volatile.Read(ref File->f_mode);

    /// <summary>
    /// mirrors fs/file_table.c:alloc_empty_file: a zeroed struct file with one reference (the
    /// opener's, handed to the fd table by fd_install) and the opener's credentials.
    /// </summary>
    public static unsafe OpenFile Allocate(KernelCounters counters, OpenFlags flags, Credentials cred)
    {
        var file = new OpenFile(counters, cred);
        file.File = (NativeFile*)NativeMemory.AllocZeroed((nuint)sizeof(NativeFile));
        file._self = GCHandle.Alloc(file);
        // The handle first: a snapshot never counts a file without its handle.
        // The handle first: a snapshot never counts a file without its handle.
        counters.Update(handles: 1);
        counters.Update(files: 1);
        // SAFETY: File was just allocated, zeroed and is owned by this record until __fput.
        file.File->f_model = GCHandle.ToIntPtr(file._self);
        file.File->f_flags = (uint)flags;
        return file;
    }

    /// <summary>Sets f_path and f_inode, taking over the caller's path reference (do_dentry_open's path_get).</summary>
    public unsafe void SetPath(VfsPath path)
    {
        Path = path;
        _hasPath = true;
        Inode = path.Dentry.Inode;
        // SAFETY: File is allocated by Allocate and freed only by __fput after the last reference; callers hold a reference.
        File->f_inode = Inode is null ? null : Inode.Native;
    }

    /// <summary>The record behind a native file (reads <c>f_model</c>); null if it is not a model file.</summary>
    public static unsafe OpenFile? FromNative(NativeFile* file)
    {
        if (!RawPointer.IsFile(file)) return null;
        // SAFETY: f_model is set only by Allocate and cleared before the handle is freed in __fput;
        // HandleTarget refuses a word that cannot be a handle (a raw file built by C code).
        return RawPointer.HandleTarget(Volatile.Read(ref file->f_model)) as OpenFile;
    }

    /// <summary>
    /// A borrowed reference for one syscall, taken only if the file still has one (get_file_rcu's
    /// atomic_long_inc_not_zero): false once the last reference is gone and __fput has begun.
    /// </summary>
    public bool TryGetBorrowed() => Atomics.IncrementNotZero(ref _refs);

    /// <summary>A new holder of f_count (dup, fd_install of a shared file): get_file.</summary>
    public void GetFileCount()
    {
        Interlocked.Increment(ref _refs);
        Interlocked.Increment(ref _fileCount);
    }

    /// <summary>
    /// A handler's get_file (<see cref="FileReference"/>): a new f_count holder, taken only while
    /// the file still has a reference (the handler's call holds one), so __fput cannot be undone.
    /// </summary>
    public bool TryGetCounted()
    {
        if (!Atomics.IncrementNotZero(ref _refs)) return false;
        Interlocked.Increment(ref _fileCount);
        return true;
    }

    /// <summary>Drops an f_count holder's reference (close): fput.</summary>
    public void PutFileCount()
    {
        Interlocked.Decrement(ref _fileCount);
        Put();
    }

    /// <summary>Drops one lifetime reference; the last one runs __fput.</summary>
    public void Put()
    {
        int left = Interlocked.Decrement(ref _refs);
        if (left == 0) Fput();
        else if (left < 0) throw new InvalidOperationException("struct file reference count underflow");
    }

    // mirrors fs/file_table.c:__fput: release only for a file whose open succeeded
    // (FMODE_OPENED), then fops_put, then free the file and put its path (dput, mntput).
    private unsafe void Fput()
    {
        NativeFile* file = File;
        try
        {
            // SAFETY: File is allocated by Allocate and freed only by __fput after the last reference; callers hold a reference.
            if (((FMode)file->f_mode & (FMode.FMODE_OPENED | FMode.FMODE_PATH)) == FMode.FMODE_OPENED)
                Dispatch.Release(file->f_inode, file);
        }
        finally
        {
            PinnedOwner?.Put(); // fops_put -> module_put(fops->owner)
            PinnedOwner = null;
            Cdev?.Put(); // cdev_put(inode->i_cdev)
            Cdev = null;
            PipeEnd.Release();
            if (((FMode)file->f_mode & FMode.FMODE_WRITER) != 0 && Inode is { } inode) Interlocked.Decrement(ref inode.WriteCount);
            file->f_model = 0;
            _self.Free();
            NativeMemory.Free(file);
            File = null;
            _counters.Update(files: -1); // then the handle: see Allocate
            _counters.Update(handles: -1);
            if (_hasPath)
            {
                _hasPath = false;
                Path.Put();
            }
        }
    }
}

/// <summary>
/// The per-open output buffer of a generated text file, as a seq_file keeps it (m->buf, m->count,
/// m->read_pos): sequential reads drain the text formatted at position 0 instead of formatting again.
/// </summary>
internal sealed class ReadSnapshot
{
    /// <summary>Serialises reads of one open file (seq_file's m->lock).</summary>
    public readonly Lock Lock = new();

    /// <summary>The formatted text (one page, as seq_file's first buffer).</summary>
    public readonly byte[] Text = new byte[DebugFsText.PageSize];

    /// <summary>Bytes of <see cref="Text"/> in use.</summary>
    public int Length;

    /// <summary>Where the next sequential read starts (m->read_pos); -1 before the first read.</summary>
    public long ReadPosition = -1;
}
