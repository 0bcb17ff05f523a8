using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// What the VFS opens: a dentry and its inode. A lookup returns a node with a reference taken
/// (dget/iget); the file opened on it owns that reference and drops it in __fput.
/// </summary>
internal unsafe interface IVfsNode
{
    /// <summary>The node's native inode; live while the caller holds a reference.</summary>
    NativeInode* Inode { get; }

    /// <summary>How the VFS calls files opened on this node (the inode's i_fop).</summary>
    FileDispatch Dispatch { get; }

    /// <summary>Takes one more reference (dget); the caller already holds one, or holds the lock that keeps the node linked.</summary>
    void GetNode();

    /// <summary>Drops one reference taken by lookup (dput/iput); the last one frees the inode.</summary>
    void PutNode();

    /// <summary>S_ISDIR: the path walk may step into the node and getdents may list it.</summary>
    bool IsDirectory { get; }

    /// <summary>st_dev: the superblock's (anonymous) device number, in the user encoding.</summary>
    ulong Device { get; }

    /// <summary>
    /// The directory's <c>i_op-&gt;lookup</c> (plus dget): the child <paramref name="name"/> with a
    /// reference taken, or null when there is none (or the node is not a directory). Never asked
    /// for "." or "..": the path walk resolves those itself. The caller holds a reference to this node.
    /// </summary>
    IVfsNode? Lookup(string name);

    /// <summary>
    /// The directory's <c>iterate_shared</c> past the dots: appends one entry per child, in the
    /// order its filesystem emits them. The caller holds a reference to this node.
    /// </summary>
    void ListChildren(List<DirectoryEntry> into);
}

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
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        lock (_gate)
        {
            while (!_done)
            {
                long left = deadline - Environment.TickCount64;
                if (left <= 0) return false;
                Monitor.Wait(_gate, (int)Math.Min(left, int.MaxValue));
            }
            return true;
        }
    }
}

/// <summary>
/// The managed half of a model <c>struct file</c>: the native struct, its refcounts, the f_pos
/// lock, the dispatcher and the node it was opened on. <c>file-&gt;f_model</c> holds a GCHandle to
/// it. Freed, with the native struct, by the last <see cref="Put"/> (fs/file_table.c:__fput).
/// </summary>
internal sealed unsafe class OpenFile
{
    private readonly KernelCounters _counters;
    // Lifetime references: every holder of f_count plus every syscall in flight on the file.
    private int _refs;
    // f_count as file_needs_f_pos_lock sees it: references held by fd tables. The syscall's own
    // reference is "borrowed" as __fget_light borrows it for an unshared files_struct.
    private int _fileCount;
    private GCHandle _self;

    private OpenFile(KernelCounters counters, IVfsNode node, FileDispatch dispatch)
    {
        _counters = counters;
        Node = node;
        Dispatch = dispatch;
        _refs = 1;
        _fileCount = 1;
    }

    /// <summary>The kernel's leak counters (per-open state handles are counted here too).</summary>
    public KernelCounters Counters => _counters;

    /// <summary>The native <c>struct file</c>.</summary>
    public NativeFile* File { get; private set; }

    /// <summary>The node (dentry + inode) the file was opened on; its reference is owned by this file.</summary>
    public IVfsNode Node { get; }

    /// <summary>How the VFS calls this file's ops.</summary>
    public FileDispatch Dispatch { get; set; }

    /// <summary>The character device the file was opened on (chrdev_open's cdev_get), put by __fput after fops_put.</summary>
    public DeviceRegistration? Cdev { get; set; }

    /// <summary><c>file-&gt;f_pos_lock</c>.</summary>
    public Lock PosLock { get; } = new();

    /// <summary>The module pinned by fops_get at open, released by fops_put in __fput.</summary>
    public LoadedModule? PinnedOwner { get; set; }

    /// <summary>
    /// The text a debugfs text file formatted for this open file (its seq_file buffer), made at
    /// the first such read; null for every other file.
    /// </summary>
    public ReadSnapshot? TextSnapshot;

    /// <summary>f_count as the kernel would report it (fd-table references).</summary>
    public int FileCount => Volatile.Read(ref _fileCount);

    /// <summary>
    /// mirrors fs/file_table.c:alloc_empty_file: a zeroed struct file with one reference (the
    /// opener's, handed to the fd table by fd_install). Takes over the caller's node reference.
    /// </summary>
    public static OpenFile Allocate(KernelCounters counters, IVfsNode node, FileDispatch dispatch, OpenFlags flags)
    {
        var file = new OpenFile(counters, node, dispatch);
        file.File = (NativeFile*)NativeMemory.AllocZeroed((nuint)sizeof(NativeFile));
        file._self = GCHandle.Alloc(file);
        // The handle first: a snapshot never counts a file without its handle.
        counters.Update(handles: 1);
        counters.Update(files: 1);
        // SAFETY: File was just allocated, zeroed and is owned by this record until __fput.
        file.File->f_model = GCHandle.ToIntPtr(file._self);
        file.File->f_inode = node.Inode;
        file.File->f_op = dispatch.Ops;
        file.File->f_flags = (uint)flags;
        return file;
    }

    /// <summary>The record behind a native file (reads <c>f_model</c>); null if it is not a model file.</summary>
    public static OpenFile? FromNative(NativeFile* file)
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
    // (FMODE_OPENED), then fops_put, then free the file and drop the dentry/inode.
    private void Fput()
    {
        NativeFile* file = File;
        try
        {
            if (((FMode)file->f_mode & FMode.FMODE_OPENED) != 0)
                Dispatch.Release(file->f_inode, file);
        }
        finally
        {
            PinnedOwner?.Put(); // fops_put -> module_put(fops->owner)
            PinnedOwner = null;
            Cdev?.Put(); // cdev_put(inode->i_cdev)
            Cdev = null;
            file->f_model = 0;
            _self.Free();
            NativeMemory.Free(file);
            File = null;
            _counters.Update(files: -1);
            _counters.Update(handles: -1);
            Node.PutNode();
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
