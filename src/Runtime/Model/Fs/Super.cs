using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The managed half of a model <c>struct super_block</c> (fs/super.c): one instance of a file system,
/// its native struct, its inodes (<c>s_inodes</c> and the hash iget uses), its unused cached dentries,
/// its locks, and its active count (<c>s_active</c>: one per mount; the last deactivate_super calls the
/// type's kill_sb). While it exists its file system type's module is pinned, so rmmod answers EAGAIN.
/// </summary>
internal sealed class VfsSuperBlock
{
    private GCHandle _self;
    private nint _fsInfoWord;
    private int _active = 1;

    private unsafe VfsSuperBlock(Kernel kernel, RegisteredFileSystem type, uint dev)
    {
        Kernel = kernel;
        Type = type;
        Dev = dev;
        // SAFETY: a fresh zeroed allocation owned by this object until Free.
        Native = (NativeSuperBlock*)NativeMemory.AllocZeroed((nuint)sizeof(NativeSuperBlock));
        _self = GCHandle.Alloc(this, GCHandleType.Normal);
        Native->s_model = GCHandle.ToIntPtr(_self);
        Native->s_type = type.Table;
        Native->s_dev = dev;
        Native->s_blocksize = 4096; // what alloc_super leaves until fill_super says otherwise
        Native->s_blocksize_bits = 12;
        Native->s_maxbytes = Llseek.MaxLfsFileSize;
        Native->s_time_gran = 1_000_000_000;
        kernel.Counters.Update(superBlocks: 1);
    }

    public Kernel Kernel { get; }

    public KernelCounters Counters => Kernel.Counters;

    /// <summary>The registered type (s_type), pinned while the superblock exists.</summary>
    public RegisteredFileSystem Type { get; }

    public string TypeName => Type.Name;

    public unsafe NativeSuperBlock* Native { get; private set; }

    /// <summary>s_dev (MKDEV, an anonymous device from get_anon_bdev).</summary>
    public uint Dev { get; }

    /// <summary>s_root.</summary>
    public VfsDentry? Root;

    /// <summary>The d_op every new dentry of this superblock gets (s_d_op), or null.</summary>
    public DentryOperations? DefaultDentryOps;

    /// <summary>The tree lock: every dentry link, hash and count change of this superblock (see <see cref="Dcache"/>).</summary>
    public readonly Lock DcacheLock = new();

    /// <summary>s_inode_list_lock plus the inode hash lock.</summary>
    public readonly Lock InodeLock = new();

    /// <summary>s_vfs_rename_mutex: serialises cross-directory renames.</summary>
    public readonly Lock RenameMutex = new();

    /// <summary>Unused cached dentries (the LRU), newest first.</summary>
    public readonly LinkedList<VfsDentry> Lru = new();

    private readonly LinkedList<VfsInode> _inodes = new();
    private readonly Dictionary<ulong, VfsInode> _inodeHash = new();

    /// <summary>Being torn down: nothing is cached any more, every unused inode and dentry is freed.</summary>
    public volatile bool Dying;

    /// <summary>SB_RDONLY.</summary>
    // SAFETY: Native is owned by this superblock: allocated in the constructor, freed only by Free once s_active/s_count drop to zero; callers hold a reference.
    public unsafe bool IsReadOnly => (Native->s_flags & SuperBlockFlags.ReadOnly) != 0;

    /// <summary>The kernel file system's own state (a ProcFs, a kernfs root), for its handlers.</summary>
    public object? KernelFsData;

    /// <summary>s_fs_info as the object behind it.</summary>
    public object? FsInfo => _fsInfoWord == 0 ? null : GCHandle.FromIntPtr(_fsInfoWord).Target;

    /// <summary>The managed superblock behind a native one.</summary>
    public static unsafe VfsSuperBlock FromNative(NativeSuperBlock* sb)
    {
        // SAFETY: a pointer that passes RawPointer.Is is read; s_model is set at allocation and cleared only when the superblock is freed.
        if (RawPointer.Is<NativeSuperBlock>(sb) && RawPointer.HandleTarget(Volatile.Read(ref sb->s_model)) is VfsSuperBlock s) return s;
        throw new InvalidOperationException("Not a live superblock of the model (a null, wild or freed pointer).");
    }

    /// <summary>
    /// mirrors fs/super.c:alloc_super + set_anon_super + sget_fc's get_filesystem: a new superblock
    /// with one active reference, its type's module pinned; null when the module is going away.
    /// </summary>
    public static VfsSuperBlock? Alloc(Kernel kernel, RegisteredFileSystem type)
    {
        if (!type.TryGetFileSystem()) return null;
        uint dev = kernel.Vfs.AllocAnonDev();
        var sb = new VfsSuperBlock(kernel, type, dev);
        type.AddSuper(sb);
        return sb;
    }

    /// <summary>Sets s_fs_info (a GCHandle the superblock owns).</summary>
    public unsafe void SetFsInfo(object? info)
    {
        nint old = _fsInfoWord;
        _fsInfoWord = info is null ? 0 : GCHandle.ToIntPtr(GCHandle.Alloc(info));
        if (info is not null) Counters.Update(handles: 1);
        // SAFETY: Native is owned by this superblock: allocated in the constructor, freed only by Free once s_active/s_count drop to zero; callers hold a reference.
        Native->s_fs_info = _fsInfoWord;
        FreeHandle(old);
    }

    /// <summary>sget_fc's hand-over of fc->s_fs_info: the superblock now owns the handle word.</summary>
    public unsafe void AdoptFsInfoWord(nint word)
    {
        FreeHandle(_fsInfoWord);
        _fsInfoWord = word;
        // SAFETY: Native is owned by this superblock: allocated in the constructor, freed only by Free once s_active/s_count drop to zero; callers hold a reference.
        Native->s_fs_info = word;
    }

    private void FreeHandle(nint word)
    {
        if (word == 0) return;
        GCHandle.FromIntPtr(word).Free();
        Counters.Update(handles: -1);
    }

    /// <summary>mirrors fs/dcache.c:d_make_root on this superblock: sets s_root.</summary>
    public unsafe KResult MakeRoot(VfsInode inode)
    {
        if (Root is not null)
        {
            inode.Put();
            return Errno.EBUSY;
        }
        Root = Dcache.MakeRoot(this, inode);
        // SAFETY: Native is owned by this superblock: allocated in the constructor, freed only by Free once s_active/s_count drop to zero; callers hold a reference.
        Native->s_root = Root.Native;
        return KResult.Ok;
    }

    /// <summary>new_inode.</summary>
    public VfsInode NewInode() => VfsInode.New(this);

    internal void AddInode(VfsInode inode)
    {
        lock (InodeLock) inode.ListNode = _inodes.AddLast(inode);
    }

    internal void RemoveInodeLocked(VfsInode inode)
    {
        if (inode.ListNode is { } node)
        {
            _inodes.Remove(node);
            inode.ListNode = null;
        }
        if (inode.Hashed && _inodeHash.TryGetValue(inode.Number, out VfsInode? hashed) && hashed == inode) _inodeHash.Remove(inode.Number);
        inode.Hashed = false;
    }

    /// <summary>
    /// mirrors fs/inode.c:iget_locked: the hashed inode numbered <paramref name="ino"/> with a new
    /// reference, or a new one (hashed, <see cref="InodeState.New"/>) the caller fills and then marks
    /// ready with <see cref="UnlockNewInode"/>. <paramref name="isNew"/> says which.
    /// </summary>
    public unsafe VfsInode IgetLocked(ulong ino, out bool isNew)
    {
        lock (InodeLock)
        {
            if (_inodeHash.TryGetValue(ino, out VfsInode? found) && found.TryGrabLocked())
            {
                isNew = false;
                return found;
            }
        }
        VfsInode inode = VfsInode.New(this);
        // SAFETY: inode was just allocated by VfsInode.New and is not yet visible to anyone else.
        inode.Native->i_ino = ino;
        lock (InodeLock)
        {
            if (_inodeHash.TryGetValue(ino, out VfsInode? raced) && raced.TryGrabLocked())
            {
                // Another task made it first: use theirs.
                inode.State |= InodeState.Freeing;
                RemoveInodeLocked(inode);
                isNew = false;
                inode.Evict();
                return raced;
            }
            inode.State |= InodeState.New;
            inode.Hashed = true;
            _inodeHash[ino] = inode;
        }
        isNew = true;
        return inode;
    }

    /// <summary>mirrors fs/inode.c:unlock_new_inode.</summary>
    public void UnlockNewInode(VfsInode inode)
    {
        lock (InodeLock) inode.State &= ~InodeState.New;
    }

    /// <summary>
    /// mirrors fs/inode.c:evict_inodes: evicts every unused inode (the inode cache) at umount. Inodes
    /// still referenced are reported ("Busy inodes after unmount") and left.
    /// </summary>
    public void EvictInodes()
    {
        var victims = new List<VfsInode>();
        int busy = 0;
        lock (InodeLock)
        {
            foreach (VfsInode inode in new List<VfsInode>(_inodes))
            {
                if (inode.Count != 0 || (inode.State & InodeState.Freeing) != 0)
                {
                    if (inode.Count != 0) busy++;
                    continue;
                }
                inode.State |= InodeState.Freeing;
                RemoveInodeLocked(inode);
                victims.Add(inode);
            }
        }
        foreach (VfsInode inode in victims) inode.Evict();
        if (busy > 0) Kernel.Log.Printk($"VFS: Busy inodes after unmount of {TypeName} ({busy}). Self-destruct in 5 seconds.  Have a nice day...");
    }

    /// <summary>Drops every unused cached dentry and inode (echo 3 &gt; /proc/sys/vm/drop_caches).</summary>
    public void DropCaches()
    {
        Dcache.PruneUnused(this);
        var victims = new List<VfsInode>();
        lock (InodeLock)
        {
            foreach (VfsInode inode in new List<VfsInode>(_inodes))
            {
                if (inode.Count != 0 || (inode.State & InodeState.Freeing) != 0) continue;
                inode.State |= InodeState.Freeing;
                RemoveInodeLocked(inode);
                victims.Add(inode);
            }
        }
        foreach (VfsInode inode in victims) inode.Evict();
    }

    /// <summary>current_time for an inode of this superblock: now, truncated to s_time_gran.</summary>
    // SAFETY: Native is owned by this superblock: allocated in the constructor, freed only by Free once s_active/s_count drop to zero; callers hold a reference.
    public unsafe KernelTimespec CurrentTime() => Kernel.Vfs.Clock.Now(Native->s_time_gran);

    /// <summary>Truncates a given time to this superblock's granularity (timestamp_truncate).</summary>
    public unsafe KernelTimespec Truncate(KernelTimespec t)
    {
        // SAFETY: Native is owned by this superblock: allocated in the constructor, freed only by Free once s_active/s_count drop to zero; callers hold a reference.
        uint gran = Native->s_time_gran;
        if (gran <= 1) return t;
        if (gran == 1_000_000_000) return new KernelTimespec(t.tv_sec, 0);
        return new KernelTimespec(t.tv_sec, t.tv_nsec - t.tv_nsec % gran);
    }

    /// <summary>atomic_inc_not_zero(&amp;s_active): another mount of this superblock (get_tree_single's reuse).</summary>
    public bool TryGetActive() => Atomics.IncrementNotZero(ref _active);

    /// <summary>
    /// mirrors fs/super.c:deactivate_super / deactivate_locked_super: the last active reference calls
    /// the type's kill_sb, then frees the superblock and unpins its type's module (put_filesystem).
    /// </summary>
    public void Deactivate()
    {
        int left = Interlocked.Decrement(ref _active);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException($"superblock of {TypeName}: s_active underflow");
        Kill();
    }

    internal unsafe void Kill()
    {
        Dying = true;
        try
        {
            FileSystemType* type = Type.Table;
            // SAFETY: Type.Table is the registered file_system_type, pinned while a superblock of it exists; Native is ours until Free below.
            if (type->kill_sb != null) type->kill_sb(Native);
            else GenericShutdown(); // a type without kill_sb: kill_anon_super
        }
        finally
        {
            if (Native != null) GenericShutdown(); // a kill_sb that forgot generic_shutdown_super
            Free();
        }
    }

    /// <summary>
    /// mirrors fs/super.c:generic_shutdown_super: frees the dentry tree, evicts the inodes, calls
    /// put_super. Idempotent (kill_sb helpers call it; the model calls it again if one did not).
    /// </summary>
    public unsafe void GenericShutdown()
    {
        if (ShutDown) return;
        ShutDown = true;
        Dying = true;
        if (Root is not null)
        {
            Dcache.ShrinkForUmount(this);
            EvictInodes();
            // SAFETY: Native is owned by this superblock: allocated in the constructor, freed only by Free once s_active/s_count drop to zero; callers hold a reference.
            SuperOperations* sop = Native->s_op;
            if (sop != null && sop->put_super != null) sop->put_super(Native);
            Root = null;
            Native->s_root = null;
        }
    }

    private bool ShutDown;

    private unsafe void Free()
    {
        if (Native == null) return;
        FreeHandle(_fsInfoWord);
        _fsInfoWord = 0;
        Type.RemoveSuper(this);
        Kernel.Vfs.FreeAnonDev(Dev);
        // SAFETY: Free runs once, after the last s_active/s_count reference; Native is still allocated here and freed just below.
        Native->s_model = 0;
        _self.Free();
        NativeMemory.Free(Native);
        Native = null;
        Kernel.Counters.Update(superBlocks: -1);
        Type.PutFileSystem(); // put_filesystem(fs): the type's module may go now
    }

    /// <inheritdoc/>
    public override string ToString() => $"{TypeName} ({DeviceNumber.Major(Dev)}:{DeviceNumber.Minor(Dev)})";
}
