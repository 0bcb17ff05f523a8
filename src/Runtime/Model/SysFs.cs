using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A sysfs attribute's show: format the value into <paramref name="buffer"/> (PAGE_SIZE bytes, as
/// sysfs_emit's) and return how many bytes were written.
/// </summary>
public delegate KResult<int> SysfsShow(KernfsNode node, Span<byte> buffer);

/// <summary>A sysfs attribute's store: parse <paramref name="input"/> (at most PAGE_SIZE bytes) and return how many were consumed.</summary>
public delegate KResult<int> SysfsStore(KernfsNode node, ReadOnlySpan<byte> input);

/// <summary>
/// The model's sysfs (fs/sysfs/, fs/kernfs/): a tree of kernfs nodes (directories, attribute files
/// with show/store callbacks, symlinks) created and removed at run time by the kernel's subsystems,
/// and the "sysfs" file system that shows it at /sys. Removal deactivates a node first: calls in
/// flight finish and removal waits for them (kernfs_drain); later calls on files still open get
/// ENODEV and the name is gone. Thread-safe.
/// </summary>
public sealed class SysFs
{
    /// <summary>SYSFS_MAGIC.</summary>
    public const ulong Magic = 0x62656572;

    private readonly Kernel _kernel;

    internal SysFs(Kernel kernel)
    {
        _kernel = kernel;
        // kernfs_create_root: the root is S_IFDIR | 0555; kernel_kobj (kernel/ksysfs.c) is 0755
        Root = new KernfsNode(this, "", UMode.S_IFDIR | 0x16D, null, kernel.Vfs.GetNextIno());
        Root.Activate();
        KernelDirectory = CreateDirectory("kernel", Root);
    }

    /// <summary>/sys.</summary>
    public KernfsNode Root { get; }

    /// <summary>/sys/kernel (kernel_kobj).</summary>
    public KernfsNode KernelDirectory { get; }

    /// <summary>kernfs_rwsem: guards every node's children and active state.</summary>
    internal Lock TreeLock { get; } = new();

    internal Kernel Owner => _kernel;

    internal KernelCounters Counters => _kernel.Counters;

    /// <summary>
    /// sysfs_create_dir_ns / kernfs_create_dir: a directory (mode 0755 unless given) under
    /// <paramref name="parent"/> (null: /sys). <paramref name="data"/> is what <see cref="KernfsNode.Data{T}"/> returns.
    /// </summary>
    /// <exception cref="KernelErrorException">EINVAL for a bad name, EEXIST for a duplicate (logged, as sysfs_warn_dup), ENOENT when the parent was removed.</exception>
    public KernfsNode CreateDirectory(string name, KernfsNode? parent = null, uint mode = 0x1ED, object? data = null) =>
        Add(name, UMode.S_IFDIR | (mode & UMode.S_IALLUGO), parent, data, show: null, store: null, target: null);

    /// <summary>
    /// sysfs_create_file_ns: an attribute file. Reading it calls <paramref name="show"/> once per
    /// read from offset 0 (the rest of that text is served to the reads that follow, as seq_file);
    /// writing calls <paramref name="store"/> with what was written (up to PAGE_SIZE). A file with
    /// no show cannot be opened for reading, one with no store not for writing (EACCES), whatever
    /// the mode says.
    /// </summary>
    public KernfsNode CreateFile(string name, KernfsNode? parent, uint mode, SysfsShow? show, SysfsStore? store, object? data = null) =>
        Add(name, UMode.S_IFREG | (mode & UMode.S_IALLUGO), parent, data, show, store, target: null);

    /// <summary>sysfs_create_link: a symlink to <paramref name="target"/> (read as a relative path, "../../devices/...").</summary>
    public KernfsNode CreateSymlink(string name, KernfsNode? parent, KernfsNode target)
    {
        ArgumentNullException.ThrowIfNull(target);
        return Add(name, UMode.S_IFLNK | UMode.S_IRWXUGO, parent, null, null, null, target);
    }

    /// <summary>sysfs_create_mount_point: an empty directory something (debugfs) is mounted on.</summary>
    public KernfsNode CreateMountPoint(string name, KernfsNode parent) => CreateDirectory(name, parent);

    /// <summary>kernfs_find_and_get: the child <paramref name="name"/> of <paramref name="parent"/> (null: /sys), or null.</summary>
    public KernfsNode? Lookup(string name, KernfsNode? parent = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        parent ??= Root;
        lock (TreeLock) return parent.Children is { } c && c.TryGetValue(name, out KernfsNode? n) ? n : null;
    }

    /// <summary>kernfs_remove: removes <paramref name="node"/> and everything below it, waiting for calls in flight. Idempotent.</summary>
    public void Remove(KernfsNode? node)
    {
        if (node is null || node == Root) return;
        var doomed = new List<KernfsNode>();
        lock (TreeLock)
        {
            if (!node.IsLinked) return;
            if (node.Parent is { } parent)
            {
                parent.Children!.Remove(node.Name);
                if (node.IsDirectory) parent.Subdirs--;
            }
            Collect(node, doomed);
        }
        foreach (KernfsNode n in doomed) n.Deactivate();

        static void Collect(KernfsNode n, List<KernfsNode> into)
        {
            if (n.Children is { } children)
            {
                foreach (KernfsNode child in children.Values) Collect(child, into);
                children.Clear();
            }
            n.IsLinked = false;
            into.Add(n);
        }
    }

    private KernfsNode Add(string name, uint mode, KernfsNode? parent, object? data, SysfsShow? show, SysfsStore? store, KernfsNode? target)
    {
        ArgumentNullException.ThrowIfNull(name);
        _kernel.ThrowIfDisposed();
        parent ??= Root;
        if (parent.SysFs != this) throw new ArgumentException("The parent belongs to another kernel.", nameof(parent));
        string op = $"kernfs_create(\"{name}\")";
        if (name.Length == 0 || name.Length > Vfs.NameMax || name is "." or ".." || name.Contains('/')) throw new KernelErrorException(Errno.EINVAL, op);
        if (!parent.IsDirectory) throw new KernelErrorException(Errno.ENOTDIR, op);
        var node = new KernfsNode(this, name, mode, parent, _kernel.Vfs.GetNextIno(), data, show, store, target);
        bool added = false;
        try
        {
            lock (TreeLock)
            {
                if (!parent.IsLinked) throw new KernelErrorException(Errno.ENOENT, op);
                if (parent.Children!.ContainsKey(name))
                {
                    _kernel.Log.Printk($"sysfs: cannot create duplicate filename '{parent.Path}/{name}'");
                    throw new KernelErrorException(Errno.EEXIST, op);
                }
                parent.Children.Add(name, node);
                if (node.IsDirectory) parent.Subdirs++;
                node.Activate();
                added = true;
            }
            return node;
        }
        finally
        {
            if (!added) node.Release();
        }
    }

    /// <summary>Kernel shutdown: removes every node but the root.</summary>
    internal void Shutdown()
    {
        var top = new List<KernfsNode>();
        lock (TreeLock) top.AddRange(Root.Children!.Values);
        foreach (KernfsNode node in top) Remove(node);
    }

    /// <summary>mirrors fs/kernfs/inode.c:kernfs_get_inode: the node's inode in the sysfs superblock (iget by kn->id).</summary>
    internal static unsafe VfsInode GetInode(VfsSuperBlock sb, KernfsNode kn)
    {
        VfsInode inode = sb.IgetLocked(kn.Ino, out bool isNew);
        if (!isNew) return inode;
        // kernfs_init_inode
        NativeInode* i = inode.Native;
        // SAFETY: i is the Native of the inode just allocated by iget for this node; nobody else can see it before it is returned.
        i->i_mode = kn.Mode;
        i->i_uid = kn.Uid;
        i->i_gid = kn.Gid;
        KernelTimespec now = sb.CurrentTime();
        i->i_atime = i->i_mtime = i->i_ctime = now;
        inode.FsNode = kn;
        i->i_op = SysfsInodeOps.Table.Pointer;
        switch (kn.Mode & UMode.S_IFMT)
        {
            case UMode.S_IFDIR:
                i->i_op = SysfsDirInodeOps.Table.Pointer;
                inode.SetFileOperations(SysfsDirFileOps.Table);
                i->i_nlink = (uint)(kn.Subdirs + 2);
                break;
            case UMode.S_IFREG:
                i->i_size = Libfs.PageSize; // sysfs_add_file_mode_ns: attributes are PAGE_SIZE files
                inode.SetFileOperations(SysfsFileOps.Table);
                break;
            case UMode.S_IFLNK:
                i->i_op = SysfsSymlinkInodeOps.Table.Pointer;
                break;
        }
        kn.Get(); // the inode's reference to its node (kernfs_get in kernfs_get_inode)
        sb.UnlockNewInode(inode);
        return inode;
    }
}

/// <summary>
/// A sysfs node (<c>struct kernfs_node</c>): a directory, an attribute file or a symlink.
/// <see cref="Dispose"/> is kernfs_remove.
/// </summary>
public sealed class KernfsNode : IDisposable
{
    private const int Deactivated = int.MinValue; // KN_DEACTIVATED_BIAS
    private readonly object? _data;
    private int _active = Deactivated; // kn->active: calls in flight; biased until activated and after removal
    private int _refs = 1;             // kn->count
    private readonly Completion _drained = new();

    internal KernfsNode(SysFs sysFs, string name, uint mode, KernfsNode? parent, ulong ino, object? data = null,
        SysfsShow? show = null, SysfsStore? store = null, KernfsNode? target = null)
    {
        SysFs = sysFs;
        Name = name;
        Mode = mode;
        Parent = parent;
        Ino = ino;
        _data = data;
        Show = show;
        Store = store;
        Target = target;
        if (UMode.IsDirectory(mode)) Children = new SortedDictionary<string, KernfsNode>(StringComparer.Ordinal);
        target?.Get();
    }

    /// <summary>The node's name ("" for /sys).</summary>
    public string Name { get; }

    /// <summary>Type and permission bits.</summary>
    public uint Mode { get; }

    /// <summary>The parent directory; null for /sys.</summary>
    public KernfsNode? Parent { get; }

    /// <summary>True for a directory.</summary>
    public bool IsDirectory => Children is not null;

    /// <summary>True once removed.</summary>
    public bool IsRemoved
    {
        get { lock (SysFs.TreeLock) return !IsLinked; }
    }

    /// <summary>The absolute path, e.g. <c>/sys/bus/platform</c>.</summary>
    public string Path => Parent is null ? "/sys" : Parent.Path + "/" + Name;

    /// <summary>The data given at creation as <typeparamref name="T"/>, or null.</summary>
    public T? Data<T>() where T : class => _data as T;

    /// <summary>kernfs_remove (see <see cref="SysFs.Remove"/>).</summary>
    public void Dispose() => SysFs.Remove(this);

    /// <inheritdoc/>
    public override string ToString() => Path;

    internal SysFs SysFs { get; }
    internal ulong Ino { get; }
    internal uint Uid => 0;
    internal uint Gid => 0;
    internal SysfsShow? Show { get; }
    internal SysfsStore? Store { get; }
    internal KernfsNode? Target { get; }
    internal SortedDictionary<string, KernfsNode>? Children { get; }
    internal int Subdirs;
    internal bool IsLinked;

    /// <summary>Dentries bound to the node, invalidated when it is removed.</summary>
    internal readonly List<VfsDentry> Dentries = new();

    internal void Activate()
    {
        IsLinked = true;
        Volatile.Write(ref _active, 0);
    }

    /// <summary>kernfs_get_active: false once deactivated.</summary>
    internal bool GetActive() => Atomics.IncrementUnlessNegative(ref _active);

    /// <summary>kernfs_put_active.</summary>
    internal void PutActive()
    {
        if (Interlocked.Decrement(ref _active) == Deactivated) _drained.Complete();
    }

    internal bool Active => Volatile.Read(ref _active) >= 0;

    // mirrors fs/kernfs/dir.c:kernfs_deactivate + kernfs_drain: no new calls; wait for the ones in flight
    internal void Deactivate()
    {
        if (ActiveCall.HeldByThisThread(this) is { Broken: false } own)
        {
            // Linux hangs here (lockdep names it); the model reports it and lets the call go on unprotected
            SysFs.Owner.Sanitizer.Report(SanitizerReportKind.Deadlock, $"sysfs {Path}",
                $"kernfs_remove of '{Path}' from inside its own show or store waits for that call forever (kernfs_drain); " +
                "the attribute must call sysfs_break_active_protection (KernfsNode.BreakActiveProtection) before removing itself", "", "", 0);
            own.Broken = true;
            PutActive();
        }
        if (Interlocked.Add(ref _active, Deactivated) != Deactivated)
        {
            while (!_drained.Wait(TimeSpan.FromSeconds(10)))
                SysFs.Owner.Log.Printk($"kernfs: removal of '{Path}' still waiting for calls in flight");
        }
        VfsDentry[] dentries;
        lock (Dentries) dentries = Dentries.ToArray();
        foreach (VfsDentry d in dentries) Dcache.Invalidate(d);
        Release();
    }

    /// <summary>
    /// sysfs_break_active_protection (fs/kernfs/dir.c:kernfs_break_active_protection): from inside
    /// this node's own show or store, gives up the active reference the call holds, so that removing
    /// the node or a directory above it (a <c>remove</c> attribute deleting its own device) does not
    /// wait for the call that does it. The node's data must not be trusted after that removal.
    /// Restore with <see cref="UnbreakActiveProtection"/> before returning (the model restores it at
    /// the end of the call if the attribute forgets).
    /// </summary>
    /// <exception cref="InvalidOperationException">Not called from this node's show or store on this thread, or already broken.</exception>
    public void BreakActiveProtection()
    {
        ActiveCall call = ActiveCall.HeldByThisThread(this) ?? throw new InvalidOperationException($"{Path}: sysfs_break_active_protection outside its show or store");
        if (call.Broken) throw new InvalidOperationException($"{Path}: active protection broken twice");
        call.Broken = true;
        PutActive();
    }

    /// <summary>
    /// sysfs_unbreak_active_protection (kernfs_unbreak_active_protection): takes the active reference
    /// back, unconditionally (even when the node was removed meanwhile), so the call's own put balances.
    /// </summary>
    /// <exception cref="InvalidOperationException">Not called from this node's show or store on this thread, or not broken.</exception>
    public void UnbreakActiveProtection()
    {
        ActiveCall call = ActiveCall.HeldByThisThread(this) ?? throw new InvalidOperationException($"{Path}: sysfs_unbreak_active_protection outside its show or store");
        if (!call.Broken) throw new InvalidOperationException($"{Path}: active protection was not broken");
        call.Broken = false;
        Interlocked.Increment(ref _active);
    }

    /// <summary>
    /// A show or store in progress on this thread (the active reference kernfs_fop_read_iter and
    /// kernfs_fop_write_iter hold around it). Calls nest (a store that reads another attribute).
    /// </summary>
    internal sealed class ActiveCall : IDisposable
    {
        [ThreadStatic] private static ActiveCall? t_innermost;
        private readonly ActiveCall? _outer;

        private ActiveCall(KernfsNode node)
        {
            Node = node;
            _outer = t_innermost;
            t_innermost = this;
        }

        public KernfsNode Node { get; }

        public bool Broken;

        /// <summary>kernfs_get_active around a show or store; null when the node was removed.</summary>
        public static ActiveCall? Enter(KernfsNode node) => node.GetActive() ? new ActiveCall(node) : null;

        public static ActiveCall? HeldByThisThread(KernfsNode node)
        {
            for (ActiveCall? c = t_innermost; c is not null; c = c._outer)
                if (c.Node == node) return c;
            return null;
        }

        /// <summary>kernfs_put_active (after taking back a reference the call gave up and did not restore).</summary>
        public void Dispose()
        {
            t_innermost = _outer;
            if (Broken) Interlocked.Increment(ref Node._active);
            Node.PutActive();
        }
    }

    internal void Get() => Interlocked.Increment(ref _refs);

    /// <summary>kernfs_put.</summary>
    internal void Release()
    {
        if (Interlocked.Decrement(ref _refs) == 0) Target?.Release();
    }
}

/// <summary>fs/sysfs/mount.c's sysfs_fs_type.</summary>
[FileSystemType(Name = "sysfs", Flags = FsFlags.UserNsMount)]
internal static partial class SysfsType
{
    [InitFsContext]
    private static KResult InitFsContext(FsContext context)
    {
        context.SetOperations(SysfsContextOps.Table);
        return KResult.Ok;
    }

    // mirrors fs/sysfs/mount.c:sysfs_kill_sb (kernfs_kill_sb)
    [KillSuperBlock]
    private static void KillSb(SuperBlock superBlock) => Libfs.KillAnonSuper(superBlock);
}

/// <summary>fs/sysfs/mount.c's sysfs_fs_context_ops (kernfs_get_tree: one superblock per root).</summary>
[FsContextOperations]
internal static partial class SysfsContextOps
{
    [GetTree]
    private static KResult GetTree(FsContext context) => Libfs.GetTreeSingle(context, FillSuper);

    // mirrors fs/kernfs/mount.c:kernfs_fill_super
    private static unsafe KResult FillSuper(SuperBlock sb, FsContext context)
    {
        VfsSuperBlock managed = VfsSuperBlock.FromNative(sb.Pointer);
        SysFs sysfs = managed.Kernel.SysFs;
        managed.KernelFsData = sysfs;
        sb.BlockSize = Libfs.PageSize;
        sb.Magic = SysFs.Magic;
        sb.SetOperations(SysfsSuperOps.Table);
        sb.TimeGranularity = 1;
        return managed.MakeRoot(SysFs.GetInode(managed, sysfs.Root));
    }
}

/// <summary>fs/kernfs/mount.c's kernfs_sops.</summary>
[SuperOperations]
internal static partial class SysfsSuperOps
{
    [Statfs]
    private static KResult Statfs(Dentry dentry, Kstatfs buffer) => Libfs.SimpleStatfs(dentry, buffer);

    // mirrors fs/kernfs/inode.c:kernfs_evict_inode: kernfs_put
    [EvictInode]
    private static unsafe void EvictInode(Inode inode)
    {
        if (VfsInode.FromNative(inode.Pointer).FsNode is KernfsNode kn) kn.Release();
    }
}

/// <summary>What kernfs_iops gives every sysfs inode: getattr with the node's link count, setattr (chmod/chown by root).</summary>
[InodeOperations]
internal static partial class SysfsInodeOps
{
    [Getattr]
    private static KResult Getattr(Dentry dentry, Kstat stat, StatxMask requestMask, uint queryFlags) => SysfsAttrs.Getattr(dentry, stat);
}

/// <summary>fs/kernfs/dir.c's kernfs_dir_iops (no mkdir/rmdir for sysfs: EPERM).</summary>
[InodeOperations]
internal static partial class SysfsDirInodeOps
{
    // mirrors fs/kernfs/dir.c:kernfs_iop_lookup: the node's inode, or a negative dentry
    [Lookup]
    private static unsafe KResult Lookup(Inode dir, Dentry dentry, LookupFlags flags)
    {
        VfsInode managedDir = VfsInode.FromNative(dir.Pointer);
        var parent = (KernfsNode)managedDir.FsNode!;
        VfsDentry d = dentry.Managed;
        KernfsNode? kn;
        lock (parent.SysFs.TreeLock)
        {
            kn = parent.Children is { } c && c.TryGetValue(Dcache.ToDisplay(d.Name), out KernfsNode? found) && found.Active ? found : null;
        }
        if (kn is null)
        {
            d.Ops = NegativeOps;
            Dcache.Add(d, null);
            return KResult.Ok;
        }
        VfsInode inode = SysFs.GetInode(managedDir.Sb, kn);
        d.Ops = PositiveOps;
        lock (kn.Dentries) kn.Dentries.Add(d);
        Dcache.Add(d, inode);
        return KResult.Ok;
    }

    [Getattr]
    private static KResult Getattr(Dentry dentry, Kstat stat, StatxMask requestMask, uint queryFlags) => SysfsAttrs.Getattr(dentry, stat);

    // negative kernfs dentries are not kept: a node of that name may appear at any time (kernfs_dop_revalidate)
    private static readonly DentryOperations NegativeOps = DentryOperations.AlwaysDelete;

    // a removed node's dentry is invalid (kernfs_dop_revalidate) and dropped
    private static readonly DentryOperations PositiveOps = new()
    {
        Revalidate = static d => d.Inode?.FsNode is not KernfsNode kn || kn.Active,
        Delete = static d => d.Inode?.FsNode is KernfsNode kn && !kn.Active,
        Release = static d =>
        {
            if (d.Inode?.FsNode is KernfsNode kn) lock (kn.Dentries) kn.Dentries.Remove(d);
        },
    };
}

/// <summary>fs/kernfs/symlink.c's kernfs_symlink_iops: the target as a path relative to the link's directory.</summary>
[InodeOperations]
internal static partial class SysfsSymlinkInodeOps
{
    // mirrors fs/kernfs/symlink.c:kernfs_get_target_path
    [GetLink]
    private static unsafe KResult GetLink(Dentry dentry, Inode inode, LinkTarget target)
    {
        var link = (KernfsNode)VfsInode.FromNative(inode.Pointer).FsNode!;
        if (link.Target is not { } to || link.Parent is not { } from) return Errno.ENOENT;
        var up = new List<KernfsNode>();
        for (KernfsNode? p = from; p is not null; p = p.Parent) up.Add(p);
        var down = new List<string>();
        KernfsNode? common = to;
        while (common is not null && !up.Contains(common))
        {
            down.Add(common.Name);
            common = common.Parent;
        }
        var path = new StringBuilder();
        for (KernfsNode? p = from; p is not null && p != common; p = p.Parent) path.Append("../");
        down.Reverse();
        path.Append(string.Join("/", down));
        target.Set(path.ToString());
        return KResult.Ok;
    }
}

/// <summary>fs/kernfs/dir.c's kernfs_dir_fops.</summary>
[FileOperations]
internal static partial class SysfsDirFileOps
{
    [Lseek]
    private static KResult<long> Lseek(FileRef file, long offset, Whence whence) => Libfs.GenericFileLlseek(file, offset, whence);

    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => Errno.EISDIR;

    // mirrors fs/kernfs/dir.c:kernfs_fop_readdir (by name here; kernfs orders by name hash)
    [IterateShared]
    private static unsafe KResult Iterate(FileRef file, DirContext context)
    {
        if (!context.EmitDots(file)) return KResult.Ok;
        var dir = (KernfsNode)VfsInode.FromNative(file.Inode.Pointer).FsNode!;
        List<(string Name, ulong Ino, uint Mode)> entries;
        lock (dir.SysFs.TreeLock)
        {
            entries = new List<(string, ulong, uint)>();
            if (dir.Children is not null)
                foreach (KernfsNode kn in dir.Children.Values)
                    if (kn.Active) entries.Add((kn.Name, kn.Ino, kn.Mode));
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

/// <summary>
/// fs/kernfs/file.c's kernfs_file_fops over sysfs' show/store (fs/sysfs/file.c): show fills a page
/// at the read from offset 0, later reads continue in it; a write hands store up to a page.
/// </summary>
[FileOperations]
internal static partial class SysfsFileOps
{
    // mirrors fs/kernfs/file.c:kernfs_fop_open: active node, and a show (store) for reading (writing)
    [Open]
    private static unsafe OpenResult<SysfsOpenFile> Open(Inode inode, FileRef file)
    {
        var kn = (KernfsNode)VfsInode.FromNative(inode.Pointer).FsNode!;
        if (!kn.GetActive()) return Errno.ENODEV;
        try
        {
            if (file.CanWrite && ((kn.Mode & UMode.S_IWUGO) == 0 || kn.Store is null)) return Errno.EACCES;
            if (file.CanRead && ((kn.Mode & UMode.S_IRUGO) == 0 || kn.Show is null)) return Errno.EACCES;
            return new SysfsOpenFile(kn);
        }
        finally
        {
            kn.PutActive();
        }
    }

    // seq_read over sysfs_kf_seq_show
    [Read]
    private static KResult<nuint> Read(SysfsOpenFile of, FileRef file, UserSliceWriter destination, ref long position)
    {
        KernfsNode kn = of.Node;
        lock (of)
        {
            if (position == 0 || of.Text is null)
            {
                using (KernfsNode.ActiveCall? call = KernfsNode.ActiveCall.Enter(kn))
                {
                    if (call is null) return Errno.ENODEV;
                    byte[] page = new byte[Libfs.PageSize];
                    KResult<int> shown = kn.Show!(kn, page);
                    if (!shown.TryGetValue(out int n)) return shown.Error;
                    if (n < 0 || n > page.Length) return Errno.EIO;
                    of.Text = page.AsSpan(0, n).ToArray();
                }
            }
            if (position >= of.Text.Length || destination.IsEmpty) return (nuint)0;
            KResult<nuint> copied = destination.WriteSome(of.Text.AsSpan((int)position));
            if (copied.TryGetValue(out nuint c)) position += (long)c;
            return copied;
        }
    }

    // mirrors fs/kernfs/file.c:kernfs_fop_write_iter + sysfs_kf_write
    [Write]
    private static KResult<nuint> Write(SysfsOpenFile of, FileRef file, UserSliceReader source, ref long position)
    {
        KernfsNode kn = of.Node;
        int len = (int)Math.Min(source.Length, (nuint)Libfs.PageSize);
        byte[] buffer = new byte[len];
        KResult read = source.Read(buffer);
        if (!read.IsOk) return read.Error;
        if (len == 0) return (nuint)0;
        using KernfsNode.ActiveCall? call = KernfsNode.ActiveCall.Enter(kn);
        if (call is null) return Errno.ENODEV;
        KResult<int> stored = kn.Store!(kn, buffer);
        if (!stored.TryGetValue(out int n)) return stored.Error;
        if (n < 0 || n > len) return Errno.EIO;
        position += n;
        return (nuint)n;
    }

    [Lseek]
    private static KResult<long> Lseek(SysfsOpenFile of, FileRef file, long offset, Whence whence) =>
        Llseek.GenericFileLlseekSize(file, offset, whence, Libfs.MaxLfsFileSize, Libfs.PageSize);
}

/// <summary>An open sysfs attribute (<c>struct kernfs_open_file</c>): the node and the text of the last show.</summary>
internal sealed class SysfsOpenFile(KernfsNode node)
{
    public KernfsNode Node { get; } = node;

    public byte[]? Text;
}

internal static class SysfsAttrs
{
    // mirrors fs/kernfs/inode.c:kernfs_iop_getattr (kernfs_refresh_inode: nlink = subdirs + 2 for a directory)
    public static unsafe KResult Getattr(Dentry dentry, Kstat stat)
    {
        VfsInode inode = VfsInode.FromNative(dentry.Inode.Pointer);
        if (inode.FsNode is KernfsNode { IsDirectory: true } kn) inode.SetLinkCount((uint)(Volatile.Read(ref kn.Subdirs) + 2));
        FsStat.GenericFillattr(inode, stat.Pointer);
        return KResult.Ok;
    }
}
