using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The lookup and getdents of a directory whose children sit in a name table guarded by its
/// filesystem's lock (proc_subdir_lock for /proc, debugfs' parent inode lock, /dev's lock): one
/// implementation for every filesystem of the model.
/// </summary>
internal static class DirectoryTable
{
    /// <summary>Orders entries bytewise by name (what the model's dcache_readdir users emit).</summary>
    public static readonly IComparer<DirectoryEntry> ByName =
        Comparer<DirectoryEntry>.Create(static (a, b) => string.CompareOrdinal(a.Name, b.Name));

    /// <summary>The child <paramref name="name"/> with a reference taken, or null (also when <paramref name="children"/> is null: not a directory).</summary>
    public static T? Lookup<T>(Lock treeLock, Dictionary<string, T>? children, string name) where T : class, IVfsNode
    {
        lock (treeLock)
        {
            // A child in the table is linked: it holds its registration's reference until removal
            // takes it out under this lock, so taking one more here is safe.
            if (children is null || !children.TryGetValue(name, out T? child)) return null;
            child.GetNode();
            return child;
        }
    }

    /// <summary>Appends one entry per child, sorted by <paramref name="order"/>.</summary>
    public static void List<T>(Lock treeLock, Dictionary<string, T>? children, List<DirectoryEntry> into, IComparer<DirectoryEntry> order)
        where T : class, IVfsNode
    {
        int first = into.Count;
        lock (treeLock)
        {
            if (children is null) return;
            // As in Lookup, every child in the table is live while the lock is held.
            foreach (var (name, child) in children) into.Add(DirectoryEntry.For(name, child));
        }
        into.Sort(first, into.Count - first, order);
    }
}

/// <summary>
/// A directory whose entries are fixed when the kernel boots: the model's <c>/</c> (holding /dev,
/// /proc and /sys) and sysfs' <c>/sys</c> and <c>/sys/kernel</c> (holding debugfs at
/// <c>/sys/kernel/debug</c>). An entry may be another filesystem's root: that is how a mount shows
/// in the model, the walk steps into the mounted root and ".." leads back (the walk remembers
/// where it came from). Nothing here can be created, written or removed. Lives as long as its
/// kernel; thread-safe (nothing changes after boot).
/// </summary>
internal sealed unsafe class FixedDirectory : CountedInode, IVfsNode
{
    private readonly (string Name, IVfsNode Node)[] _entries;

    /// <param name="counters">The kernel's allocation counters.</param>
    /// <param name="mode">The permission bits (S_IFDIR is added).</param>
    /// <param name="ino">The inode number.</param>
    /// <param name="device">st_dev (user encoding).</param>
    /// <param name="entries">The children; each must live as long as this directory.</param>
    public FixedDirectory(KernelCounters counters, uint mode, ulong ino, ulong device, params (string Name, IVfsNode Node)[] entries)
        : base(counters, ProcFs.S_IFDIR | (mode & ProcFs.S_IALLUGO), ino, rdev: 0)
    {
        Device = device;
        _entries = entries;
        Array.Sort(_entries, static (a, b) => string.CompareOrdinal(a.Name, b.Name));
    }

    // generic_read_dir, generic_file_llseek, no write: EISDIR comes from may_open before any write.
    public FileDispatch Dispatch => DirectoryDispatch.Instance;

    public ulong Device { get; }

    public IVfsNode? Lookup(string name)
    {
        foreach (var (entryName, node) in _entries)
        {
            if (entryName != name) continue;
            node.GetNode(); // the entries live as long as this directory, which the caller holds
            return node;
        }
        return null;
    }

    public void ListChildren(List<DirectoryEntry> into)
    {
        foreach (var (name, node) in _entries) into.Add(DirectoryEntry.For(name, node));
    }

    /// <summary>
    /// sysfs as far as the model goes: <c>/sys</c> (mirrors fs/kernfs/dir.c:kernfs_create_root, whose
    /// root is S_IFDIR | 0555) holding <c>kernel</c> (mirrors fs/sysfs/dir.c:sysfs_create_dir_ns for
    /// kernel/ksysfs.c's kernel_kobj, 0755), which holds <paramref name="debugFsRoot"/> as <c>debug</c>
    /// (debugfs mounted on fs/debugfs/inode.c:debugfs_init's sysfs_create_mount_point). kernfs
    /// directories have no <c>-&gt;create</c>, so open(O_CREAT) of a new name there is EACCES, as
    /// everywhere in the model (see <see cref="Kernel.LookupForOpen(string, OpenFlags, out IVfsNode?)"/>).
    /// </summary>
    public static FixedDirectory BootSysFs(KernelCounters counters, IVfsNode debugFsRoot)
    {
        // kernfs numbers its root 1; the model's /proc, /dev and debugfs roots already are 1, and a
        // FUSE mount of "/" puts every filesystem on one st_dev, where a directory sharing its
        // ancestor's inode number looks like a loop to ls -R, find and du. So /sys and /sys/kernel
        // take numbers of their own, below "/"'s.
        var kernel = new FixedDirectory(counters, 0x1ED /* 0755 */, ulong.MaxValue - 3, SuperblockDevice, ("debug", debugFsRoot));
        return new FixedDirectory(counters, 0x16D /* 0555 */, ulong.MaxValue - 2, SuperblockDevice, ("kernel", kernel));
    }

    /// <summary>st_dev of sysfs (an anonymous superblock number).</summary>
    public static readonly ulong SuperblockDevice = DeviceNumber.MakeUser(0, 21);

    /// <summary>st_dev of the model's "/" (the rootfs every other filesystem is mounted on).</summary>
    public static readonly ulong RootDevice = DeviceNumber.MakeUser(0, 1);

    /// <summary>Kernel shutdown: drops the kernel's reference to this directory and those below it that are fixed too.</summary>
    public void Shutdown()
    {
        foreach (var (_, node) in _entries)
            if (node is FixedDirectory fixedChild) fixedChild.Shutdown();
        PutNode();
    }
}

/// <summary>
/// A native inode with a reference count and nothing else to free: the nodes of /dev and the
/// fixed directories. The creator's reference is the first; the last <see cref="PutNode"/> frees the inode.
/// </summary>
internal abstract unsafe class CountedInode
{
    private readonly KernelCounters _counters;
    private NativeInode* _inode;
    private int _refs = 1;

    protected CountedInode(KernelCounters counters, uint mode, ulong ino, uint rdev)
    {
        _counters = counters;
        // SAFETY: a fresh zeroed allocation owned by this node until its last PutNode.
        _inode = (NativeInode*)NativeMemory.AllocZeroed((nuint)sizeof(NativeInode));
        counters.Update(inodes: 1);
        _inode->i_mode = mode;
        _inode->i_rdev = rdev;
        _inode->i_ino = ino;
    }

    /// <summary>The native inode; live while the caller holds a reference.</summary>
    public NativeInode* Inode => _inode;

    /// <summary>S_ISDIR.</summary>
    public bool IsDirectory => (_inode->i_mode & ProcFs.S_IFMT) == ProcFs.S_IFDIR;

    /// <summary>dget.</summary>
    public void GetNode() => Interlocked.Increment(ref _refs);

    /// <summary>dput: the last reference frees the inode.</summary>
    public void PutNode()
    {
        int left = Interlocked.Decrement(ref _refs);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException($"{GetType().Name} reference count underflow");
        // SAFETY: the last reference is gone: unlinked (or the kernel shut down) and no open file
        // points at the inode any more.
        NativeMemory.Free(_inode);
        _inode = null;
        _counters.Update(inodes: -1);
    }
}
