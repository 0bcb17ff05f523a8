using System;
using System.Collections.Generic;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The model's /proc: the registry of proc entries (fs/proc/generic.c, <c>struct proc_dir_entry</c>)
/// and the "proc" file system that shows them (fs/proc/root.c, inode.c): a lookup in a proc
/// directory finds the entry and makes an inode for it (proc_get_inode), opening a file goes
/// through the proc_reg_* proxies, which bracket every call with use_pde/unuse_pde so removal can
/// drain calls in flight and release files still open. Thread-safe.
/// </summary>
public sealed class ProcFs
{
    /// <summary>S_IFMT (see <see cref="UMode"/>, the one set of mode constants).</summary>
    public const uint S_IFMT = UMode.S_IFMT;
    /// <summary>S_IFREG.</summary>
    public const uint S_IFREG = UMode.S_IFREG;
    /// <summary>S_IFDIR.</summary>
    public const uint S_IFDIR = UMode.S_IFDIR;
    /// <summary>S_IALLUGO.</summary>
    public const uint S_IALLUGO = UMode.S_IALLUGO;
    /// <summary>S_IRUGO.</summary>
    public const uint S_IRUGO = UMode.S_IRUGO;
    /// <summary>S_IXUGO.</summary>
    public const uint S_IXUGO = UMode.S_IXUGO;

    /// <summary>PROC_SUPER_MAGIC.</summary>
    public const ulong Magic = 0x9fa0;

    /// <summary>PROC_ROOT_INO.</summary>
    internal const ulong RootIno = 1;

    /// <summary>PROC_DYNAMIC_FIRST (fs/proc/generic.c): the first dynamically allocated proc inode number.</summary>
    private const ulong ProcDynamicFirst = 0xF0000000;

    private readonly Kernel _kernel;
    private long _nextInode = (long)ProcDynamicFirst;

    internal ProcFs(Kernel kernel)
    {
        _kernel = kernel;
        Root = new ProcEntry(this, "/proc", S_IFDIR | S_IRUGO | S_IXUGO, null, default, null, null, RootIno);
        Root.MarkLinked();
    }

    /// <summary>The /proc directory (<c>proc_root</c>): the parent of entries created with a null parent.</summary>
    public ProcEntry Root { get; }

    /// <summary>proc_subdir_lock: guards every entry's children and linked state.</summary>
    internal Lock TreeLock { get; } = new();

    internal Kernel Kernel => _kernel;

    internal KernelCounters Counters => _kernel.Counters;

    /// <summary>
    /// proc_create_data: registers a regular file <paramref name="name"/> under
    /// <paramref name="parent"/> (null for /proc) served by <paramref name="ops"/>.
    /// <paramref name="data"/> becomes the inode's <c>i_private</c> (a GCHandle), which handlers
    /// read with <c>inode.Data&lt;T&gt;()</c>. A mode without type bits means S_IFREG; a mode without
    /// permission bits means 0444.
    /// </summary>
    /// <exception cref="KernelErrorException">EINVAL for a bad name or a non-regular mode, EEXIST for a
    /// duplicate (also logged as Linux does), ENOENT when the parent was removed.</exception>
    [PublishesTable]
    public ProcEntry Create(string name, uint mode, ProcEntry? parent, OpsTable<ProcOps> ops, [PublishesTable] object? data = null) =>
        CreateCore(name, mode, parent, ops, data, owner: null);

    /// <summary>proc_mkdir: registers a directory (mode 0555) under <paramref name="parent"/> (null for /proc).</summary>
    /// <exception cref="KernelErrorException">As <see cref="Create"/>.</exception>
    public ProcEntry Mkdir(string name, ProcEntry? parent = null) => MkdirCore(name, parent, owner: null);

    /// <summary>
    /// remove_proc_subtree: removes the entry at <paramref name="path"/> (relative to /proc, or
    /// absolute as <c>/proc/a/b</c>) and everything below it, waiting for calls in flight.
    /// </summary>
    /// <returns>Ok, ENOENT when there is no such entry, EINVAL for /proc itself.</returns>
    public KResult Remove(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        ProcEntry? entry = Find(path);
        if (entry is null) return Errno.ENOENT;
        if (entry == Root) return Errno.EINVAL;
        return RemoveSubtree(entry, force: false) ? KResult.Ok : Errno.ENOENT;
    }

    /// <summary>The registered entry at <paramref name="path"/> (relative to /proc or absolute), or null.</summary>
    public ProcEntry? Find(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string relative = path.StartsWith("/proc/", StringComparison.Ordinal) ? path["/proc/".Length..]
            : path == "/proc" ? "" : path.TrimStart('/');
        lock (TreeLock)
        {
            ProcEntry current = Root;
            foreach (string part in relative.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (current.Children is null || !current.Children.TryGetValue(part, out ProcEntry? child)) return null;
                current = child;
            }
            return current;
        }
    }

    internal ProcEntry MkdirCore(string name, ProcEntry? parent, LoadedModule? owner)
    {
        // mirrors fs/proc/generic.c:proc_mkdir_data (mode 0 -> S_IRUGO | S_IXUGO)
        return Register(name, S_IFDIR | S_IRUGO | S_IXUGO, parent, default, null, owner);
    }

    internal ProcEntry CreateCore(string name, uint mode, ProcEntry? parent, OpsTable<ProcOps> ops, object? data, LoadedModule? owner)
    {
        if (ops.IsNull) throw new ArgumentException("A proc entry needs a proc_ops table.", nameof(ops));
        // mirrors fs/proc/generic.c:proc_create_reg
        if ((mode & S_IFMT) == 0) mode |= S_IFREG;
        if ((mode & S_IALLUGO) == 0) mode |= S_IRUGO;
        if ((mode & S_IFMT) != S_IFREG)
        {
            Printk($"proc: proc_create_data('{name}') with non-regular mode 0{Convert.ToString(mode, 8)}");
            throw new KernelErrorException(Errno.EINVAL, $"proc_create(\"{name}\")");
        }
        return Register(name, mode, parent, ops, data, owner);
    }

    // mirrors fs/proc/generic.c:__proc_create + proc_register
    private ProcEntry Register(string name, uint mode, ProcEntry? parent, OpsTable<ProcOps> ops, object? data, LoadedModule? owner)
    {
        ArgumentNullException.ThrowIfNull(name);
        _kernel.ThrowIfDisposed();
        parent ??= Root;
        if (parent.ProcFs != this) throw new ArgumentException("The parent belongs to another kernel.", nameof(parent));
        string operation = $"proc_create(\"{name}\")";
        string? bad = name.Length == 0 || name.Length > Vfs.NameMax ? $"name len {name.Length}"
            : name == "." ? "name '.'"
            : name == ".." ? "name '..'"
            : name.Contains('/') ? $"name '{name}' contains '/' (the model does not walk names; pass a parent)"
            : parent == Root && uint.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out _) ? $"create '/proc/{name}' by hand"
            : null;
        if (bad is not null)
        {
            Printk("proc: " + bad);
            throw new KernelErrorException(Errno.EINVAL, operation);
        }
        if (!parent.IsDirectory) throw new KernelErrorException(Errno.ENOTDIR, operation);

        ulong ino = (ulong)Interlocked.Increment(ref _nextInode) - 1;
        var entry = new ProcEntry(this, name, mode, parent, ops, data, owner, ino);
        bool inserted = false;
        try
        {
            lock (TreeLock)
            {
                if (!parent.IsLinked) throw new KernelErrorException(Errno.ENOENT, operation);
                if (parent.Children!.ContainsKey(name))
                {
                    Printk($"proc_dir_entry '{parent.Name}/{name}' already registered");
                    throw new KernelErrorException(Errno.EEXIST, operation);
                }
                parent.Children.Add(name, entry);
                if (entry.IsDirectory) parent.LinkCount++;
                entry.MarkLinked();
                inserted = true;
            }
            return entry;
        }
        finally
        {
            if (!inserted) entry.Discard();
        }
    }

    /// <summary>
    /// mirrors fs/proc/generic.c:remove_proc_subtree: unlinks the whole subtree under
    /// proc_subdir_lock (no new lookups), then runs each entry down, children first.
    /// </summary>
    /// <returns>False when the entry was already removed.</returns>
    internal bool RemoveSubtree(ProcEntry root, bool force)
    {
        var doomed = new List<ProcEntry>();
        lock (TreeLock)
        {
            if (!root.IsLinked) return false;
            if (root.Parent is { } parent)
            {
                parent.Children?.Remove(root.Name);
                if (root.IsDirectory) parent.LinkCount--;
            }
            Collect(root, doomed);
        }
        foreach (ProcEntry entry in doomed) entry.Teardown(force);
        return true;

        static void Collect(ProcEntry entry, List<ProcEntry> into)
        {
            if (entry.Children is { } children)
            {
                foreach (ProcEntry child in children.Values) Collect(child, into);
                children.Clear();
            }
            entry.MarkUnlinked();
            into.Add(entry);
        }
    }

    /// <summary>Kernel shutdown: removes every remaining entry (permanent ones too).</summary>
    internal void Shutdown()
    {
        var top = new List<ProcEntry>();
        lock (TreeLock) top.AddRange(Root.Children!.Values);
        foreach (ProcEntry entry in top) RemoveSubtree(entry, force: true);
    }

    internal void Printk(string line) => _kernel.Log.Printk(line);

    /// <summary>
    /// mirrors fs/proc/inode.c:proc_get_inode: a new inode for <paramref name="de"/> in the proc
    /// superblock (the entry's reference, taken by the caller, goes with it: pde_get).
    /// </summary>
    internal static unsafe VfsInode GetInode(VfsSuperBlock sb, ProcEntry de)
    {
        VfsInode inode = VfsInode.New(sb);
        // SAFETY: VfsInode.New just allocated the native inode; no other thread can see it before
        // it is returned, and it stays allocated until the inode is evicted.
        NativeInode* i = inode.Native;
        i->i_ino = de.Ino;
        KernelTimespec now = sb.CurrentTime();
        i->i_atime = i->i_mtime = i->i_ctime = now;
        i->i_mode = de.Mode;
        inode.FsNode = de;
        if (de.IsDirectory)
        {
            i->i_op = ProcDirInodeOps.Table.Pointer;
            inode.SetFileOperations(ProcDirFileOps.Table);
            i->i_nlink = (uint)de.LinkCount;
        }
        else
        {
            inode.SetBorrowedPrivateWord(de.DataWord);
            inode.SetFileDispatch(de.Dispatch); // proc_reg_file_ops
            i->i_size = de.Size;
        }
        de.AddInode(inode);
        return inode;
    }
}

/// <summary>
/// A registered /proc entry (<c>struct proc_dir_entry</c>). <see cref="Dispose"/> is proc_remove:
/// it removes the entry and its subtree, waits for calls in flight, and releases files still
/// open, whose later calls fail with EIO.
/// </summary>
public sealed class ProcEntry : IDisposable
{
    /// <summary>BIAS (fs/proc/internal.h): added to in_use at removal so use_pde fails from then on.</summary>
    private const int Bias = int.MinValue;

    private readonly OpsTable<ProcOps> _ops;
    private readonly bool _permanent;
    private readonly bool _hasLseek; // PROC_ENTRY_proc_lseek, computed by pde_set_flags at registration
    private int _refs = 1; // pde->refcnt: the registration's; every inode of the entry adds one (pde_get)
    private int _inUse;
    private nint _dataWord;
    private Completion? _unloadCompletion;
    private readonly Lock _unloadLock = new(); // pde_unload_lock
    private readonly List<PdeOpener> _openers = new();
    private readonly List<VfsInode> _inodes = new(); // inodes alive for this entry (to clear i_private at rundown)
    private readonly List<VfsDentry> _dentries = new(); // dentries bound to it (invalidated at removal)
    private bool _linked;

    internal ProcEntry(ProcFs procFs, string name, uint mode, ProcEntry? parent, OpsTable<ProcOps> ops, object? data, LoadedModule? owner, ulong ino)
    {
        ProcFs = procFs;
        Name = name;
        Mode = mode;
        Parent = parent;
        Owner = owner;
        Ino = ino;
        _ops = ops;
        if ((mode & UMode.S_IFMT) == UMode.S_IFDIR)
        {
            Children = new SortedDictionary<string, ProcEntry>(RbTreeOrder);
            LinkCount = 2;
            Dispatch = NoOpsDispatch.Empty;
        }
        else
        {
            _permanent = (ops.Value.proc_flags & (uint)ProcOpsFlags.Permanent) != 0;
            _hasLseek = HasLseekSlot(ops.Value);
            LinkCount = 1;
            Dispatch = new ProcRegDispatch(this);
        }
        if (data is not null)
        {
            _dataWord = GCHandle.ToIntPtr(GCHandle.Alloc(data));
            procFs.Counters.Update(handles: 1);
        }
    }

    /// <summary>The entry's name (the last path component; <c>/proc</c> for the root).</summary>
    public string Name { get; }

    /// <summary>File type and permission bits (S_IFREG | 0444 ...).</summary>
    public uint Mode { get; }

    /// <summary>The parent directory (<see cref="ProcFs.Root"/> for top-level entries); null for the root.</summary>
    public ProcEntry? Parent { get; }

    /// <summary>True for a directory made with <see cref="ProcFs.Mkdir"/>.</summary>
    public bool IsDirectory => Children is not null;

    /// <summary>True when the table has PROC_ENTRY_PERMANENT: calls skip use_pde and removal does not drain.</summary>
    public bool IsPermanent => _permanent;

    /// <summary>True once the entry has been removed (no new lookups find it).</summary>
    public bool IsRemoved
    {
        get { lock (ProcFs.TreeLock) return !_linked; }
    }

    /// <summary>The absolute path, e.g. <c>/proc/driver/foo</c>.</summary>
    public string Path => Parent is null ? Name : Parent.Path + "/" + Name; // the root is named "/proc", as proc_root is

    /// <summary>proc_remove: removes this entry and its subtree (see <see cref="ProcFs.Remove"/>). Idempotent.</summary>
    public void Dispose()
    {
        if (Parent is null) return; // the root goes with the kernel
        ProcFs.RemoveSubtree(this, force: false);
    }

    /// <inheritdoc/>
    public override string ToString() => Path;

    internal ProcFs ProcFs { get; }

    internal LoadedModule? Owner { get; }

    /// <summary>low_ino.</summary>
    internal ulong Ino { get; }

    /// <summary>nlink (2 plus subdirectories for a directory).</summary>
    internal int LinkCount;

    /// <summary>de->size (proc_set_size); 0.</summary>
    internal long Size => 0;

    /// <summary>de->data as the GCHandle word handed to inodes' i_private.</summary>
    internal nint DataWord => Volatile.Read(ref _dataWord);

    /// <summary>proc_reg_file_ops (through this entry) for a file; empty for a directory.</summary>
    internal FileDispatch Dispatch { get; }

    /// <summary>subdir, in the rb-tree's order (fs/proc/generic.c:proc_match: length first, then memcmp).</summary>
    internal SortedDictionary<string, ProcEntry>? Children { get; }

    /// <summary>Under TreeLock.</summary>
    internal bool IsLinked => _linked;

    internal void MarkLinked() => _linked = true;

    internal void MarkUnlinked() => _linked = false;

    /// <summary>mirrors fs/proc/generic.c:proc_match: the rb-tree order, length first, then memcmp.</summary>
    internal static readonly IComparer<string> RbTreeOrder = Comparer<string>.Create(static (a, b) =>
        a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b));

    /// <summary>pde_get.</summary>
    internal void Get() => Interlocked.Increment(ref _refs);

    /// <summary>pde_put: the last reference (registration gone, no inode left) frees the entry's data.</summary>
    internal void Put()
    {
        int left = Interlocked.Decrement(ref _refs);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException("proc entry reference count underflow");
        FreeData();
    }

    /// <summary>Frees an entry that was never linked (registration failed).</summary>
    internal void Discard() => Put();

    internal void AddInode(VfsInode inode)
    {
        lock (_unloadLock) _inodes.Add(inode);
    }

    /// <summary>mirrors fs/proc/inode.c:proc_evict_inode: the inode lets go of its entry.</summary>
    internal void RemoveInode(VfsInode inode)
    {
        lock (_unloadLock) _inodes.Remove(inode);
        Put();
    }

    internal void AddDentry(VfsDentry dentry)
    {
        lock (_unloadLock) _dentries.Add(dentry);
    }

    internal void RemoveDentry(VfsDentry dentry)
    {
        lock (_unloadLock) _dentries.Remove(dentry);
    }

    private void FreeData()
    {
        nint word = Interlocked.Exchange(ref _dataWord, 0);
        if (word == 0) return;
        // SAFETY: no handler can see this word any more: removal drained every call, and the inodes
        // that carried it in i_private had it cleared (ClearInodeData) or are gone.
        GCHandle.FromIntPtr(word).Free();
        ProcFs.Counters.Update(handles: -1);
    }

    // Reads a function-pointer slot, which needs unsafe code; the table itself is a readable value.
    private static unsafe bool HasLseekSlot(in ProcOps ops) => ops.proc_lseek != null;

    // After rundown no call can reach a handler: i_private of the inodes still open is cleared, as the
    // data may go now (the model frees the handle; Linux leaves a pointer nobody will use).
    private unsafe void ClearInodeData()
    {
        lock (_unloadLock)
        {
            // SAFETY: _inodes holds the entry's live inodes (RemoveInode takes one out at eviction,
            // under _unloadLock, before its native struct is freed); the struct is checked non-null.
            foreach (VfsInode inode in _inodes)
                if (inode.Native != null) inode.Native->i_private = 0;
        }
    }

    /// <summary>After unlinking: drain and release (proc_entry_rundown), invalidate the dentries, then drop the registration's reference.</summary>
    internal void Teardown(bool force)
    {
        if (!IsDirectory)
        {
            if (_permanent && !force)
            {
                // Linux refuses to remove permanent entries (WARN in remove_proc_entry). The model removes
                // it from the namespace but cannot drain calls that skip use_pde: it reports instead.
                int openFiles;
                lock (_unloadLock) openFiles = _inodes.Count;
                ProcFs.Printk($"proc: removing permanent /proc entry '{Parent?.Name}/{Name}'" +
                    (openFiles > 0 ? $" while {openFiles} inode(s) are in use; their files keep calling its proc_ops" : ""));
            }
            else if (!_permanent)
            {
                Rundown();
                ClearInodeData();
                FreeData(); // no handler can see this inode any more
            }
        }
        // the dentries of a removed entry fail d_revalidate; the unused ones go now
        VfsDentry[] dentries;
        lock (_unloadLock) dentries = _dentries.ToArray();
        foreach (VfsDentry dentry in dentries) Dcache.Invalidate(dentry);
        Put();
    }

    // ---- fs/proc/inode.c ------------------------------------------------------------------

    /// <summary>mirrors fs/proc/inode.c:use_pde (atomic_inc_unless_negative).</summary>
    internal bool UsePde() => Atomics.IncrementUnlessNegative(ref _inUse);

    /// <summary>mirrors fs/proc/inode.c:unuse_pde.</summary>
    internal void UnusePde()
    {
        if (Interlocked.Decrement(ref _inUse) == Bias)
            Volatile.Read(ref _unloadCompletion)!.Complete();
    }

    /// <summary>pde_is_removed.</summary>
    internal bool IsRemovedUnlocked => Volatile.Read(ref _inUse) < 0 || !_linked;

    /// <summary>mirrors fs/proc/inode.c:proc_entry_rundown.</summary>
    private void Rundown()
    {
        var done = new Completion();
        Volatile.Write(ref _unloadCompletion, done);
        // Wait until all existing callers into the table are done.
        if (Interlocked.Add(ref _inUse, Bias) != Bias)
        {
            while (!done.Wait(TimeSpan.FromSeconds(10)))
                ProcFs.Printk($"proc: removal of '{Path}' still waiting for {Volatile.Read(ref _inUse) - Bias} call(s) in flight");
        }
        // ->pde_openers can't grow from now on.
        _unloadLock.Enter();
        while (_openers.Count > 0)
        {
            ClosePdeo(_openers[0]); // releases _unloadLock
            _unloadLock.Enter();
        }
        _unloadLock.Exit();
    }

    /// <summary>mirrors fs/proc/inode.c:close_pdeo. Called with pde_unload_lock held; returns with it released.</summary>
    private unsafe void ClosePdeo(PdeOpener opener)
    {
        if (opener.Closing)
        {
            // Somebody else is releasing it: wait for them.
            var c = new Completion();
            opener.Waiter = c;
            _unloadLock.Exit();
            c.Wait(Timeout.InfiniteTimeSpan);
            return;
        }
        opener.Closing = true;
        _unloadLock.Exit();
        NativeFile* file = opener.File;
        var release = _ops.Value.proc_release;
        // SAFETY: the opener is on the list, so the file's __fput has not finished: either it has not
        // started, or it is in proc_reg_release waiting for this close_pdeo. The table outlives the entry.
        release(file->f_inode, file);
        Completion? waiter;
        _unloadLock.Enter();
        _openers.Remove(opener); // strictly after ->proc_release
        waiter = opener.Waiter;
        _unloadLock.Exit();
        waiter?.Complete();
    }

    private sealed class PdeOpener
    {
        public unsafe PdeOpener(NativeFile* file) => File = file;

        public unsafe NativeFile* File { get; }
        public bool Closing { get; set; }
        public Completion? Waiter { get; set; }
    }

    /// <summary>proc_reg_file_ops: the file_operations the VFS sees for a regular proc file.</summary>
    private sealed class ProcRegDispatch(ProcEntry pde) : FileDispatch
    {
        public override unsafe void* Ops => pde._ops.Pointer;
        public override bool HasRead => true;
        public override bool HasWrite => true;
        public override bool HasLlseek => true;
        public override bool HasIoctl => true;

        // INVARIANT: an OpsTable must outlive every registration that uses it (its contract), and a
        // registration outlives every file opened on it, so the table is readable for any call here.
        // The file and inode pointers come from the VFS, which holds a file reference for the call.
        private unsafe ProcOps* Table => pde._ops.Pointer;

        // mirrors fs/proc/inode.c:proc_reg_open
        public override unsafe int Open(NativeInode* inode, NativeFile* file)
        {
            // SAFETY: file is the struct file do_dentry_open is opening, live and not yet shared with any
            // other thread, so the plain read-modify-write cannot race.
            if (!pde._hasLseek) file->f_mode &= ~(uint)FMode.FMODE_LSEEK;
            if (pde._permanent)
            {
                // SAFETY: Table is readable (invariant above); the slot is checked non-null before it is called.
                var permanentOpen = Table->proc_open;
                return permanentOpen != null ? permanentOpen(inode, file) : 0;
            }
            if (!pde.UsePde()) return -(int)Errno.ENOENT;
            int rv = 0;
            try
            {
                // SAFETY: Table is readable (invariant above); each slot is checked non-null before it is called.
                var release = Table->proc_release;
                var open = Table->proc_open;
                if (open != null) rv = open(inode, file);
                if (release != null && rv == 0)
                {
                    // Save every struct file with a release hook, so rundown can release it.
                    lock (pde._unloadLock) pde._openers.Add(new PdeOpener(file));
                }
            }
            finally
            {
                pde.UnusePde();
            }
            return rv;
        }

        // mirrors fs/proc/inode.c:proc_reg_read + pde_read
        public override unsafe nint Read(NativeFile* file, byte* buffer, nuint count, long* position)
        {
            if (pde._permanent) return PdeRead(file, buffer, count, position);
            nint rv = -(nint)Errno.EIO;
            if (pde.UsePde())
            {
                try { rv = PdeRead(file, buffer, count, position); }
                finally { pde.UnusePde(); }
            }
            return rv;
        }

        private unsafe nint PdeRead(NativeFile* file, byte* buffer, nuint count, long* position)
        {
            // SAFETY: Table is readable (invariant above); the slot is checked non-null before it is called.
            var read = Table->proc_read;
            return read != null ? read(file, buffer, count, position) : -(nint)Errno.EIO;
        }

        // mirrors fs/proc/inode.c:proc_reg_write + pde_write
        public override unsafe nint Write(NativeFile* file, byte* buffer, nuint count, long* position)
        {
            if (pde._permanent) return PdeWrite(file, buffer, count, position);
            nint rv = -(nint)Errno.EIO;
            if (pde.UsePde())
            {
                try { rv = PdeWrite(file, buffer, count, position); }
                finally { pde.UnusePde(); }
            }
            return rv;
        }

        private unsafe nint PdeWrite(NativeFile* file, byte* buffer, nuint count, long* position)
        {
            // SAFETY: Table is readable (invariant above); the slot is checked non-null before it is called.
            var write = Table->proc_write;
            return write != null ? write(file, buffer, count, position) : -(nint)Errno.EIO;
        }

        // mirrors fs/proc/inode.c:proc_reg_llseek + pde_lseek
        public override unsafe long Llseek(NativeFile* file, long offset, int whence)
        {
            if (pde._permanent) return PdeLseek(file, offset, whence);
            long rv = -(long)Errno.EIO;
            if (pde.UsePde())
            {
                try { rv = PdeLseek(file, offset, whence); }
                finally { pde.UnusePde(); }
            }
            return rv;
        }

        private unsafe long PdeLseek(NativeFile* file, long offset, int whence)
        {
            // SAFETY: Table is readable (invariant above); the slot is checked non-null before it is called.
            var lseek = Table->proc_lseek;
            return lseek != null ? lseek(file, offset, whence) : GenericLlseek.Default(file, offset, whence);
        }

        // mirrors fs/proc/inode.c:proc_reg_unlocked_ioctl + pde_ioctl (-ENOTTY after removal too)
        public override unsafe nint Ioctl(NativeFile* file, uint command, nuint argument)
        {
            if (pde._permanent) return PdeIoctl(file, command, argument);
            nint rv = -(nint)Errno.ENOTTY;
            if (pde.UsePde())
            {
                try { rv = PdeIoctl(file, command, argument); }
                finally { pde.UnusePde(); }
            }
            return rv;
        }

        private unsafe nint PdeIoctl(NativeFile* file, uint command, nuint argument)
        {
            // SAFETY: Table is readable (invariant above); the slot is checked non-null before it is called.
            var ioctl = Table->proc_ioctl;
            return ioctl != null ? ioctl(file, command, argument) : -(nint)Errno.ENOTTY;
        }

        // mirrors fs/proc/inode.c:proc_reg_release
        public override unsafe int Release(NativeInode* inode, NativeFile* file)
        {
            if (pde._permanent)
            {
                // SAFETY: Table is readable (invariant above); the slot is checked non-null before it is called.
                var release = Table->proc_release;
                return release != null ? release(inode, file) : 0;
            }
            pde._unloadLock.Enter();
            foreach (PdeOpener opener in pde._openers)
            {
                if (opener.File == file)
                {
                    pde.ClosePdeo(opener); // releases the lock
                    return 0;
                }
            }
            pde._unloadLock.Exit();
            return 0;
        }
    }
}

/// <summary>fs/proc/root.c's proc_fs_type: "proc", one superblock the kernel makes at boot and every mount shows.</summary>
[FileSystemType(Name = "proc", Flags = FsFlags.UserNsMount)]
internal static partial class ProcFsType
{
    [InitFsContext]
    private static KResult InitFsContext(FsContext context)
    {
        context.SetOperations(ProcContextOps.Table);
        return KResult.Ok;
    }

    // mirrors fs/proc/root.c:proc_kill_sb
    [KillSuperBlock]
    private static void KillSb(SuperBlock superBlock) => Libfs.KillAnonSuper(superBlock);
}

/// <summary>fs/proc/root.c's proc_fs_context_ops.</summary>
[FsContextOperations]
internal static partial class ProcContextOps
{
    // mirrors fs/proc/root.c:proc_parse_param: gid=, hidepid=, subset= are accepted (not modelled)
    [ParseParam]
    private static KResult ParseParam(FsContext context, FsParameter parameter) =>
        parameter.Key is "gid" or "hidepid" or "subset" ? KResult.Ok : Errno.ENOPARAM;

    [GetTree]
    private static KResult GetTree(FsContext context) => Libfs.GetTreeSingle(context, FillSuper);

    // mirrors fs/proc/root.c:proc_fill_super
    private static unsafe KResult FillSuper(SuperBlock sb, FsContext context)
    {
        // SAFETY: sb is the superblock being set up by get_tree, live for the call.
        VfsSuperBlock managed = VfsSuperBlock.FromNative(sb.Pointer);
        ProcFs proc = managed.Kernel.Proc;
        managed.KernelFsData = proc;
        sb.BlockSize = 1024;
        sb.Magic = ProcFs.Magic;
        sb.SetOperations(ProcSuperOps.Table);
        sb.TimeGranularity = 1;
        proc.Root.Get();
        VfsInode root = ProcFs.GetInode(managed, proc.Root);
        return managed.MakeRoot(root);
    }
}

/// <summary>fs/proc/inode.c's proc_sops.</summary>
[SuperOperations]
internal static partial class ProcSuperOps
{
    [Statfs]
    private static KResult Statfs(Dentry dentry, Kstatfs buffer) => Libfs.SimpleStatfs(dentry, buffer);

    [DropInode]
    private static bool DropInode(Inode inode) => Libfs.GenericDeleteInode(inode);

    // mirrors fs/proc/inode.c:proc_evict_inode: pde_put
    [EvictInode]
    private static unsafe void EvictInode(Inode inode)
    {
        // SAFETY: evict hands the inode being evicted, freed only after this returns.
        VfsInode managed = VfsInode.FromNative(inode.Pointer);
        if (managed.FsNode is ProcEntry de) de.RemoveInode(managed);
    }
}

/// <summary>fs/proc/generic.c's proc_dir_inode_operations.</summary>
[InodeOperations]
internal static partial class ProcDirInodeOps
{
    // mirrors fs/proc/generic.c:proc_lookup_de: the entry's inode, or ENOENT (no negative dentries in /proc)
    [Lookup]
    private static unsafe KResult Lookup(Inode dir, Dentry dentry, LookupFlags flags)
    {
        // SAFETY: the VFS holds the locked directory's inode for the call.
        VfsInode managedDir = VfsInode.FromNative(dir.Pointer);
        var parent = (ProcEntry)managedDir.FsNode!;
        ProcFs proc = parent.ProcFs;
        string name = dentry.Managed.Name;
        ProcEntry? de;
        lock (proc.TreeLock)
        {
            if (!parent.IsLinked || parent.Children is null || !parent.Children.TryGetValue(Dcache.ToDisplay(name), out de) || !de.IsLinked) return Errno.ENOENT;
            de.Get(); // pde_get
        }
        VfsInode inode = ProcFs.GetInode(managedDir.Sb, de);
        VfsDentry d = dentry.Managed;
        d.Ops = ProcDentryOps;
        de.AddDentry(d);
        Dcache.Add(d, inode);
        return KResult.Ok;
    }

    // mirrors fs/proc/generic.c:proc_getattr: nlink from the entry
    [Getattr]
    private static unsafe KResult Getattr(Dentry dentry, Kstat stat, StatxMask requestMask, uint queryFlags)
    {
        // SAFETY: vfs_getattr holds the positive dentry, and so its inode, and the caller's kstat for the call.
        VfsInode inode = VfsInode.FromNative(dentry.Inode.Pointer);
        if (inode.FsNode is ProcEntry de) inode.SetLinkCount((uint)Volatile.Read(ref de.LinkCount));
        FsStat.GenericFillattr(inode, stat.Pointer);
        return KResult.Ok;
    }

    /// <summary>
    /// proc_misc_dentry_ops: a removed entry's dentry fails d_revalidate and is dropped when unused;
    /// the others stay cached as Linux keeps them.
    /// </summary>
    internal static readonly DentryOperations ProcDentryOps = new()
    {
        Revalidate = static d => d.Inode?.FsNode is not ProcEntry de || !de.IsRemovedUnlocked,
        Delete = static d => d.Inode?.FsNode is ProcEntry de && de.IsRemovedUnlocked,
        Release = static d =>
        {
            if (d.Inode?.FsNode is ProcEntry de) de.RemoveDentry(d);
        },
    };
}

/// <summary>fs/proc/generic.c's proc_dir_operations.</summary>
[FileOperations]
internal static partial class ProcDirFileOps
{
    [Lseek]
    private static KResult<long> Lseek(FileRef file, long offset, Whence whence) => Libfs.GenericFileLlseek(file, offset, whence);

    // generic_read_dir
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => Errno.EISDIR;

    // mirrors fs/proc/generic.c:proc_readdir_de: ".", "..", then the entries in rb-tree order from ctx->pos - 2
    [IterateShared]
    private static unsafe KResult Iterate(FileRef file, DirContext context)
    {
        if (!context.EmitDots(file)) return KResult.Ok;
        // SAFETY: the open directory file holds its inode for the call.
        var dir = (ProcEntry)VfsInode.FromNative(file.Inode.Pointer).FsNode!;
        List<(string Name, ulong Ino, uint Mode)> entries;
        lock (dir.ProcFs.TreeLock)
        {
            if (dir.Children is null) return KResult.Ok;
            entries = new List<(string, ulong, uint)>(dir.Children.Count);
            foreach (ProcEntry de in dir.Children.Values) entries.Add((de.Name, de.Ino, de.Mode));
        }
        for (long i = context.Position - 2; i < entries.Count; i++)
        {
            var (name, ino, mode) = entries[(int)i];
            if (!context.Emit(name, ino, mode)) return KResult.Ok;
            context.Position++;
        }
        return KResult.Ok;
    }
}
