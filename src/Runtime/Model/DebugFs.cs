using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The model's debugfs, mounted at <c>/sys/kernel/debug</c> (fs/debugfs/inode.c registration,
/// fs/debugfs/file.c proxies). Files carry a <c>struct file_operations</c> table and one word of
/// private data (<c>inode-&gt;i_private</c>). Every file is opened through the full proxy, so removal
/// while a file is open behaves as Linux's: calls in flight finish and removal waits for them
/// (active_users drain), later calls get -EIO (poll: EPOLLHUP, open: -ENOENT), and release still runs.
/// Three APIs sit on top: the raw one (<see cref="CreateFile"/>), the File API
/// (<see cref="CreateValueFile{T}"/>, <see cref="CreateCallbackFile{TCallback, TData}"/>) and the Scope
/// API (<see cref="CreateScope"/>). Thread-safe.
/// </summary>
public sealed class DebugFs
{
    /// <summary>The mount point.</summary>
    public const string MountPoint = "/sys/kernel/debug";

    /// <summary>DEBUGFS_MAGIC.</summary>
    public const ulong Magic = 0x64626720;

    private readonly Kernel _kernel;
    private VfsMount? _mount; // debugfs_mount: the kernel's own mount (simple_pin_fs), made at boot
    private DebugFsEntry? _root;

    internal DebugFs(Kernel kernel) => _kernel = kernel;

    /// <summary>The debugfs root (<c>/sys/kernel/debug</c>): the parent of entries created with a null parent.</summary>
    public DebugFsEntry Root => _root ?? throw new InvalidOperationException("debugfs is not mounted yet.");

    /// <summary>debugfs_init: the kernel's own mount of debugfs (simple_pin_fs), which every entry lives in.</summary>
    internal void Boot(VfsMount mount)
    {
        _mount = mount;
        _root = new DebugFsEntry(this, "debug", mount.Root.Inode!.Mode, null, default, null, owner: null) { Dentry = mount.Root };
        _root.IsLinked = true;
    }

    /// <summary>Guards every entry's children and linked state (the parent inode locks of Linux).</summary>
    internal Lock TreeLock { get; } = new();

    internal KernelCounters Counters => _kernel.Counters;

    /// <summary>
    /// debugfs_create_dir: a directory <paramref name="name"/> under <paramref name="parent"/> (null: the root), mode 0755.
    /// </summary>
    /// <exception cref="KernelErrorException">EINVAL for a bad name, EEXIST for a duplicate, ENOENT when the parent was removed.</exception>
    public DebugFsEntry CreateDirectory(string name, DebugFsEntry? parent = null) =>
        CreateDirectory(name, parent, owner: null);

    // owner: the module whose files these are (THIS_MODULE in their fops); entries below inherit it.
    internal DebugFsEntry CreateDirectory(string name, DebugFsEntry? parent, LoadedModule? owner) =>
        Register(name, UMode.S_IFDIR | 0x1ED /* 0755 */, parent, default, null, owner);

    /// <summary>
    /// debugfs_create_file: a regular file served by <paramref name="fops"/> through the full proxy.
    /// <paramref name="data"/> becomes <c>i_private</c> (one GCHandle word), read by handlers with
    /// <c>inode.Data&lt;T&gt;()</c>. A mode without permission bits means 0444.
    /// </summary>
    /// <exception cref="KernelErrorException">As <see cref="CreateDirectory(string, DebugFsEntry)"/>.</exception>
    [PublishesTable]
    public DebugFsEntry CreateFile(string name, uint mode, DebugFsEntry? parent, OpsTable<FileOperations> fops, [PublishesTable] object? data = null)
    {
        if (fops.IsNull) throw new ArgumentException("A debugfs file needs a file_operations table.", nameof(fops));
        // mirrors fs/debugfs/inode.c:__debugfs_create_file: "if (!(mode & S_IFMT)) mode |= S_IFREG"
        if ((mode & UMode.S_IFMT) == 0) mode |= UMode.S_IFREG;
        if ((mode & UMode.S_IALLUGO) == 0) mode |= UMode.S_IRUGO;
        if ((mode & UMode.S_IFMT) != UMode.S_IFREG) throw new KernelErrorException(Errno.EINVAL, $"debugfs_create_file(\"{name}\")");
        return Register(name, mode, parent, fops, data, owner: null);
    }

    /// <summary>
    /// The File API: a file that owns its value (a <see cref="DebugFsValue{T}"/> holding
    /// <paramref name="initial"/>). Reading formats it as text, writing parses text into it (see
    /// <see cref="DebugFsValue{T}"/> for the accepted forms and errnos). Disposing the result removes the file.
    /// </summary>
    /// <param name="mode">0444 gives a read-only file (write answers EINVAL), 0200 a write-only one; default 0644.</param>
    public DebugFsFile<T> CreateValueFile<T>(string name, DebugFsEntry? parent, T initial, uint mode = 0x1A4 /* 0644 */)
    {
        var value = new DebugFsValue<T>(initial);
        return new DebugFsFile<T>(CreateFile(name, mode, parent, DebugFsValueFile.TableFor(mode), value), value);
    }

    /// <summary>
    /// The File API with callbacks: a file owning <paramref name="data"/> whose read and/or write are
    /// <typeparamref name="TCallback"/>'s. The file_operations table is <c>TCallback.Table</c>, generated
    /// at compile time for that type (<c>[DebugFsCallbackFile]</c>): the callback's identity travels in
    /// the type ("pointer smuggling"), only <paramref name="data"/> is stored, and nothing is allocated
    /// for the ops. The mode follows the table: 0444 with a read callback, plus 0200 with a write callback.
    /// </summary>
    [PublishesTable]
    public DebugFsCallbackFile<TData> CreateCallbackFile<TCallback, TData>(string name, DebugFsEntry? parent, [PublishesTable] TData data)
        where TCallback : struct, IDebugFsCallbackFile
        where TData : class
    {
        ArgumentNullException.ThrowIfNull(data);
        OpsTable<FileOperations> table = TCallback.Table;
        return new DebugFsCallbackFile<TData>(CreateFile(name, ModeOf(table), parent, table, data));
    }

    /// <summary>
    /// The Scope API: a directory whose files may refer to shared data in any combination and be
    /// created conditionally; none can be removed alone: disposing the scope removes the whole directory.
    /// </summary>
    public DebugFsScope CreateScope(string name, DebugFsEntry? parent = null) => new(this, CreateDirectory(name, parent));

    /// <summary>debugfs_lookup: the entry <paramref name="name"/> under <paramref name="parent"/> (null: the root), or null.</summary>
    public DebugFsEntry? Lookup(string name, DebugFsEntry? parent = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        parent ??= Root;
        lock (TreeLock)
        {
            return parent.Children is { } c && c.TryGetValue(name, out DebugFsEntry? e) ? e : null;
        }
    }

    /// <summary>
    /// debugfs_remove (debugfs_remove_recursive): removes <paramref name="entry"/> and everything
    /// below it, waiting for calls in flight on each file. Null and removed entries are ignored.
    /// </summary>
    public void Remove(DebugFsEntry? entry)
    {
        if (entry is null || entry == Root) return;
        RemoveSubtree(entry);
    }

    internal static unsafe uint ModeOf(OpsTable<FileOperations> table)
    {
        uint mode = UMode.S_IFREG;
        // SAFETY: an OpsTable points at a table that outlives every registration using it.
        if (table.Pointer->read != null) mode |= UMode.S_IRUGO;
        if (table.Pointer->write != null) mode |= 0x80; // S_IWUSR
        return mode;
    }

    // mirrors fs/debugfs/inode.c:start_creating + __debugfs_create_file / debugfs_create_dir: a
    // dentry in the parent (simple_lookup's negative one), a new inode (debugfs_get_inode), d_instantiate;
    // the lookup's reference is the pin the entry keeps until removal.
    private DebugFsEntry Register(string name, uint mode, DebugFsEntry? parent, OpsTable<FileOperations> fops, object? data, LoadedModule? owner)
    {
        ArgumentNullException.ThrowIfNull(name);
        _kernel.ThrowIfDisposed();
        parent ??= Root;
        if (parent.DebugFs != this) throw new ArgumentException("The parent belongs to another kernel.", nameof(parent));
        if (name.Length == 0 || name.Length > Vfs.NameMax || name is "." or ".." || name.Contains('/'))
            throw new KernelErrorException(Errno.EINVAL, Operation(name));
        if (!parent.IsDirectory) throw new KernelErrorException(Errno.ENOTDIR, Operation(name));

        var entry = new DebugFsEntry(this, name, mode, parent, fops, data, owner ?? parent.Owner);
        bool inserted = false;
        try
        {
            lock (TreeLock)
            {
                if (!parent.IsLinked) throw new KernelErrorException(Errno.ENOENT, Operation(name));
                if (parent.Children!.ContainsKey(name))
                {
                    // start_creating: "debugfs: '%s' already exists in '%s'"
                    _kernel.Log.Printk($"debugfs: '{name}' already exists in '{parent.Name}'");
                    throw new KernelErrorException(Errno.EEXIST, Operation(name));
                }
                VfsDentry parentDentry = parent.Dentry!;
                VfsInode dir = parentDentry.Inode!;
                lock (dir.Rwsem)
                {
                    int error = Nameidata.LookupLocked(parentDentry, Dcache.FromDisplay(name), 0, out VfsDentry? dentry);
                    if (error != 0) throw new KernelErrorException((Errno)(-error), Operation(name));
                    if (dentry!.Inode is not null)
                    {
                        Dcache.Put(dentry);
                        throw new KernelErrorException(Errno.EEXIST, Operation(name));
                    }
                    VfsInode inode = entry.MakeInode(dir.Sb);
                    Dcache.Instantiate(dentry, inode);
                    if (entry.IsDirectory)
                    {
                        inode.IncLink();
                        dir.IncLink();
                    }
                    entry.Dentry = dentry; // the pin
                }
                parent.Children.Add(name, entry);
                entry.IsLinked = true;
                inserted = true;
            }
            return entry;
        }
        finally
        {
            if (!inserted) entry.FreeData();
        }
    }

    private static string Operation(string name) => $"debugfs_create(\"{name}\")";

    // mirrors fs/libfs.c:simple_recursive_removal with fs/debugfs/inode.c:remove_one: unlink the
    // subtree from the registry (no new creations under it), then, children first, take each name
    // out of its directory (simple_unlink/simple_rmdir drop the pin, d_invalidate unhashes), drain
    // the file's calls in flight (__debugfs_file_removed) and free its data.
    private void RemoveSubtree(DebugFsEntry root)
    {
        var doomed = new List<DebugFsEntry>();
        lock (TreeLock)
        {
            if (!root.IsLinked) return;
            root.Parent?.Children?.Remove(root.Name);
            Collect(root, doomed);
        }
        foreach (DebugFsEntry entry in doomed) entry.Teardown();

        static void Collect(DebugFsEntry entry, List<DebugFsEntry> into)
        {
            if (entry.Children is { } children)
            {
                foreach (DebugFsEntry child in children.Values) Collect(child, into);
                children.Clear();
            }
            entry.IsLinked = false;
            into.Add(entry);
        }
    }

    /// <summary>Kernel shutdown: removes every remaining entry and drops the kernel's mount.</summary>
    internal void Shutdown()
    {
        if (_root is null) return;
        var top = new List<DebugFsEntry>();
        lock (TreeLock) top.AddRange(Root.Children!.Values);
        foreach (DebugFsEntry entry in top) RemoveSubtree(entry);
        lock (TreeLock) Root.IsLinked = false;
        _mount?.Put();
        _mount = null;
    }

    internal void Printk(string line) => _kernel.Log.Printk(line);
}

/// <summary>
/// A debugfs dentry (file or directory). <see cref="Dispose"/> is debugfs_remove: it removes the
/// entry and everything below it, waiting for calls in flight; files still open keep their fd, and
/// their later calls fail with EIO.
/// </summary>
public sealed class DebugFsEntry : IDisposable
{
    private readonly OpsTable<FileOperations> _fops;
    private readonly FileDispatch? _dispatch;
    // debugfs_fsdata.active_users: 1 for the registration, +1 per call in flight; removal drops the
    // registration's and waits for zero (active_users_drained).
    private int _activeUsers = 1;
    private readonly Completion _drained = new();
    private nint _dataWord; // i_private, readable after the inode is freed

    internal DebugFsEntry(DebugFs debugFs, string name, uint mode, DebugFsEntry? parent, OpsTable<FileOperations> fops, object? data, LoadedModule? owner = null)
    {
        DebugFs = debugFs;
        Owner = owner;
        Name = name;
        Mode = mode;
        Parent = parent;
        _fops = fops;
        if ((mode & UMode.S_IFMT) == UMode.S_IFDIR) Children = new Dictionary<string, DebugFsEntry>(StringComparer.Ordinal);
        else _dispatch = new FullProxyDispatch(this);
        if (data is not null)
        {
            _dataWord = GCHandle.ToIntPtr(GCHandle.Alloc(data));
            debugFs.Counters.Update(handles: 1);
        }
    }

    /// <summary>The entry's name (the last path component).</summary>
    public string Name { get; }

    /// <summary>File type and permission bits.</summary>
    public uint Mode { get; }

    /// <summary>The parent directory; null for the root.</summary>
    public DebugFsEntry? Parent { get; }

    /// <summary>True for a directory.</summary>
    public bool IsDirectory => Children is not null;

    /// <summary>True once the entry has been removed.</summary>
    public bool IsRemoved
    {
        get { lock (DebugFs.TreeLock) return !IsLinked; }
    }

    /// <summary>The absolute path, e.g. <c>/sys/kernel/debug/driver/count</c>.</summary>
    public string Path => Parent is null ? DebugFs.MountPoint : Parent.Path + "/" + Name;

    /// <summary>
    /// The registration data (<c>i_private</c>) as <typeparamref name="T"/>, or null when there is
    /// none, it has another type, or the entry was removed.
    /// </summary>
    public T? Data<T>() where T : class
    {
        nint word = Volatile.Read(ref _dataWord);
        // The managed copy of i_private (the inode itself may already be freed): 0 or a GCHandle
        // allocated at registration and freed by FreeData, which clears this word first.
        return word == 0 ? null : GCHandle.FromIntPtr(word).Target as T;
    }

    /// <summary>debugfs_remove: removes this entry and everything below it (see <see cref="DebugFs.Remove"/>). Idempotent.</summary>
    public void Dispose() => DebugFs.Remove(this);

    /// <inheritdoc/>
    public override string ToString() => Path;

    internal DebugFs DebugFs { get; }

    /// <summary>
    /// The module whose fops serve this entry (<c>real_fops-&gt;owner</c>), or null for built-in
    /// code: full_proxy_open's fops_get pins it while a file is open on the entry.
    /// </summary>
    internal LoadedModule? Owner { get; }

    internal Dictionary<string, DebugFsEntry>? Children { get; }

    /// <summary>Under TreeLock.</summary>
    internal bool IsLinked { get; set; }

    /// <summary>The entry's dentry in the debugfs superblock, pinned (the reference debugfs_create_* returns) until removal.</summary>
    internal VfsDentry? Dentry { get; set; }

    /// <summary>mirrors fs/debugfs/inode.c:debugfs_get_inode plus what __debugfs_create_file / debugfs_create_dir set.</summary>
    internal unsafe VfsInode MakeInode(VfsSuperBlock sb)
    {
        VfsInode inode = VfsInode.New(sb);
        // SAFETY: VfsInode.New just allocated the native inode; no other thread can see it before
        // it is returned, and it stays allocated until the inode is evicted.
        NativeInode* i = inode.Native;
        i->i_ino = sb.Kernel.Vfs.GetNextIno();
        KernelTimespec now = sb.CurrentTime();
        i->i_atime = i->i_mtime = i->i_ctime = now;
        i->i_mode = Mode;
        inode.FsNode = this;
        if (IsDirectory)
        {
            i->i_op = DebugfsDirInodeOps.Table.Pointer;
            inode.SetFileOperations(Libfs.SimpleDirOperations);
        }
        else
        {
            i->i_op = DebugfsFileInodeOps.Table.Pointer;
            inode.SetBorrowedPrivateWord(Volatile.Read(ref _dataWord));
            inode.SetFileDispatch(_dispatch!); // debugfs_full_proxy_file_operations
        }
        return inode;
    }

    internal unsafe void FreeData()
    {
        nint word = Interlocked.Exchange(ref _dataWord, 0);
        // The inode, if still alive (a file open on it), must not hand out the word any more.
        // SAFETY: the entry's pinned dentry holds its inode, whose native struct (checked non-null)
        // stays allocated until eviction.
        if (Dentry?.Inode is { } inode && inode.Native != null) inode.Native->i_private = 0;
        if (word == 0) return;
        GCHandle.FromIntPtr(word).Free();
        DebugFs.Counters.Update(handles: -1);
    }

    /// <summary>After unlinking from the registry: out of the directory, drain (files), free the data word.</summary>
    internal unsafe void Teardown()
    {
        VfsDentry dentry = Dentry!;
        VfsInode dir = dentry.Parent.Inode!;
        lock (dir.Rwsem)
        {
            dentry.Get(); // the remover's own reference while it works (simple_recursive_removal's dget)
            // SAFETY: the dentry is held (the dget above) and holds its parent, whose inode is locked
            // here; both native structs outlive the views, which do not leave this block.
            var dirView = new Inode(dir.Native);
            var view = new Dentry(dentry.Native);
            if (IsDirectory) Libfs.SimpleRmdir(dirView, view);
            else Libfs.SimpleUnlink(dirView, view);
            Dcache.Invalidate(dentry);
            if (!IsDirectory) FileRemoved();
        }
        if (!IsDirectory) FreeData(); // no proxied call can reach the real fops any more
        Dcache.Put(dentry);
    }

    // ---- fs/debugfs/file.c ---------------------------------------------------------------------

    /// <summary>mirrors fs/debugfs/file.c:debugfs_file_get: 0, or -EIO once removal has started.</summary>
    internal int FileGet()
    {
        // refcount_inc_not_zero(&fsd->active_users)
        return Atomics.IncrementNotZero(ref _activeUsers) ? 0 : -(int)Errno.EIO;
    }

    /// <summary>mirrors fs/debugfs/file.c:debugfs_file_put.</summary>
    internal void FilePut()
    {
        if (Interlocked.Decrement(ref _activeUsers) == 0) _drained.Complete();
    }

    /// <summary>mirrors fs/debugfs/inode.c:__debugfs_file_removed: drop the initial reference and wait for active users.</summary>
    private void FileRemoved()
    {
        if (Interlocked.Decrement(ref _activeUsers) == 0) return;
        while (!_drained.Wait(TimeSpan.FromSeconds(10)))
            DebugFs.Printk($"debugfs: removal of '{Path}' still waiting for {Volatile.Read(ref _activeUsers)} call(s) in flight");
    }

    /// <summary>
    /// debugfs_full_proxy_file_operations: what the VFS sees for every debugfs file. llseek, read,
    /// write, poll and unlocked_ioctl are proxied (always present, so FMODE_CAN_READ/WRITE and
    /// FMODE_LSEEK stay set and the proxy answers for a missing real op); open is guarded; release
    /// is not. flush and fsync are not proxied: close returns 0 and fsync EINVAL.
    /// </summary>
    private sealed class FullProxyDispatch(DebugFsEntry entry) : FileDispatch
    {
        // INVARIANT: Real is readable for as long as this proxy exists: an OpsTable outlives every
        // registration that uses it, and the entry outlives every file opened on it (the file holds
        // a node reference). Each proxied call goes through a slot checked non-null, with the raw
        // arguments the VFS passed (live for the call, as Linux's callers of f_op guarantee).
        private unsafe FileOperations* Real => entry._fops.Pointer;

        public override unsafe void* Ops => entry._fops.Pointer;
        public override bool HasRead => true;
        public override bool HasWrite => true;
        public override bool HasLlseek => true;
        public override bool HasIoctl => true;

        // mirrors fs/debugfs/file.c:full_proxy_open_regular, with its fops_get(real_fops): an open
        // file pins the module that registered the entry until full_proxy_release's fops_put.
        public override unsafe int Open(NativeInode* inode, NativeFile* file)
        {
            int r = entry.FileGet();
            if (r != 0) return r == -(int)Errno.EIO ? -(int)Errno.ENOENT : r;
            bool pinned = false;
            try
            {
                // "Huh? Module did not clean up after itself at exit?": a module on its way out.
                if (entry.Owner is { } owner && !(pinned = owner.TryGet())) return -(int)Errno.ENXIO;
                // SAFETY: Real is readable (invariant above); the slot is checked non-null before it is called.
                var open = Real->open;
                r = open != null ? open(inode, file) : 0;
                if (r != 0 && pinned) entry.Owner!.Put(); // fops_put on the failed open
                return r;
            }
            finally
            {
                entry.FilePut();
            }
        }

        // FULL_PROXY_FUNC(llseek, loff_t, ..., HAS_LSEEK, -ESPIPE)
        public override unsafe long Llseek(NativeFile* file, long offset, int whence)
        {
            // SAFETY: Real is readable (invariant above); the slot is checked non-null before it is called.
            var llseek = Real->llseek;
            if (llseek == null) return -(long)Errno.ESPIPE;
            int r = entry.FileGet();
            if (r != 0) return r;
            try { return llseek(file, offset, whence); }
            finally { entry.FilePut(); }
        }

        // FULL_PROXY_FUNC(read, ssize_t, ..., HAS_READ, -EINVAL)
        public override unsafe nint Read(NativeFile* file, byte* buffer, nuint count, long* position)
        {
            // SAFETY: Real is readable (invariant above); the slot is checked non-null before it is called.
            var read = Real->read;
            if (read == null) return -(nint)Errno.EINVAL;
            int r = entry.FileGet();
            if (r != 0) return r;
            try { return read(file, buffer, count, position); }
            finally { entry.FilePut(); }
        }

        // FULL_PROXY_FUNC(write, ssize_t, ..., HAS_WRITE, -EINVAL)
        public override unsafe nint Write(NativeFile* file, byte* buffer, nuint count, long* position)
        {
            // SAFETY: Real is readable (invariant above); the slot is checked non-null before it is called.
            var write = Real->write;
            if (write == null) return -(nint)Errno.EINVAL;
            int r = entry.FileGet();
            if (r != 0) return r;
            try { return write(file, buffer, count, position); }
            finally { entry.FilePut(); }
        }

        // FULL_PROXY_FUNC(unlocked_ioctl, long, ..., HAS_IOCTL, -ENOTTY)
        public override unsafe nint Ioctl(NativeFile* file, uint command, nuint argument)
        {
            // SAFETY: Real is readable (invariant above); the slot is checked non-null before it is called.
            var ioctl = Real->unlocked_ioctl;
            if (ioctl == null) return -(nint)Errno.ENOTTY;
            int r = entry.FileGet();
            if (r != 0) return r;
            try { return ioctl(file, command, argument); }
            finally { entry.FilePut(); }
        }

        // mirrors fs/debugfs/file.c:full_proxy_poll
        public override unsafe uint Poll(NativeFile* file, NativePollTable* table)
        {
            // SAFETY: Real is readable (invariant above); the slot is checked non-null before it is called.
            var poll = Real->poll;
            if (poll == null) return (uint)PollMasks.Default;
            if (entry.FileGet() != 0) return (uint)PollEvents.Hup;
            try { return poll(file, table); }
            finally { entry.FilePut(); }
        }

        // mirrors fs/debugfs/file.c:full_proxy_release: the real release, called unconditionally
        // ("We must not protect this against removal races here"), then fops_put(real_fops).
        public override unsafe int Release(NativeInode* inode, NativeFile* file)
        {
            // SAFETY: Real is readable (invariant above); the slot is checked non-null before it is called.
            var release = Real->release;
            try
            {
                return release != null ? release(inode, file) : 0;
            }
            finally
            {
                entry.Owner?.Put();
            }
        }
    }
}

/// <summary>fs/debugfs/inode.c's debug_fs_type: one superblock (debugfs_get_tree: get_tree_single).</summary>
[FileSystemType(Name = "debugfs")]
internal static partial class DebugfsType
{
    [InitFsContext]
    private static KResult InitFsContext(FsContext context)
    {
        context.SetOperations(DebugfsContextOps.Table);
        return KResult.Ok;
    }

    [KillSuperBlock]
    private static void KillSb(SuperBlock superBlock) => Libfs.KillLitterSuper(superBlock);
}

/// <summary>fs/debugfs/inode.c's debugfs_context_ops.</summary>
[FsContextOperations]
internal static partial class DebugfsContextOps
{
    // mirrors fs/debugfs/inode.c:debugfs_parse_param: uid=, gid=, mode= (accepted, not modelled beyond the root's mode)
    [ParseParam]
    private static KResult ParseParam(FsContext context, FsParameter parameter) =>
        parameter.Key is "uid" or "gid" or "mode" ? KResult.Ok : Errno.ENOPARAM;

    [GetTree]
    private static KResult GetTree(FsContext context) => Libfs.GetTreeSingle(context, FillSuper);

    // mirrors fs/debugfs/inode.c:debugfs_fill_super (simple_fill_super, then the root's mode 0700)
    private static KResult FillSuper(SuperBlock sb, FsContext context)
    {
        sb.Magic = DebugFs.Magic;
        sb.BlockSize = Libfs.PageSize;
        sb.SetOperations(DebugfsSuperOps.Table);
        sb.TimeGranularity = 1;
        using InodeReference root = sb.NewInode();
        Inode inode = root.Borrow();
        inode.SetNumber(1); // simple_fill_super: the root is inode 1
        inode.SetMode(UMode.S_IFDIR | 0x1C0); // DEBUGFS_DEFAULT_MODE
        inode.SetAllTimesCurrent();
        inode.SetOperations(DebugfsDirInodeOps.Table);
        inode.SetFileOperations(Libfs.SimpleDirOperations);
        inode.SetLink(2);
        return sb.MakeRoot(root);
    }
}

/// <summary>fs/debugfs/inode.c's debugfs_super_operations.</summary>
[SuperOperations]
internal static partial class DebugfsSuperOps
{
    [Statfs]
    private static KResult Statfs(Dentry dentry, Kstatfs buffer) => Libfs.SimpleStatfs(dentry, buffer);

    [DropInode]
    private static bool DropInode(Inode inode) => Libfs.GenericDeleteInode(inode);
}

/// <summary>fs/debugfs/inode.c's debugfs_dir_inode_operations.</summary>
[InodeOperations]
internal static partial class DebugfsDirInodeOps
{
    [Lookup]
    private static KResult Lookup(Inode dir, Dentry dentry, LookupFlags flags) => Libfs.SimpleLookup(dir, dentry, flags);

    [Getattr]
    private static KResult Getattr(Dentry dentry, Kstat stat, StatxMask requestMask, uint queryFlags) => Libfs.SimpleGetattr(dentry, stat, requestMask, queryFlags);
}

/// <summary>fs/debugfs/inode.c's debugfs_file_inode_operations (debugfs_setattr is simple_setattr here: no lockdown).</summary>
[InodeOperations]
internal static partial class DebugfsFileInodeOps
{
    [Setattr]
    private static KResult Setattr(Dentry dentry, Iattr attributes) => Libfs.SimpleSetattr(dentry, attributes);
}
