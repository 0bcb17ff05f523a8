using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary><c>i_state</c> bits the model keeps (include/linux/fs.h).</summary>
[Flags]
internal enum InodeState
{
    None = 0,
    /// <summary>I_NEW: iget made it and the file system has not finished filling it.</summary>
    New = 1,
    /// <summary>I_FREEING: being evicted; iget must not hand it out.</summary>
    Freeing = 2,
    /// <summary>I_LINKABLE: an O_TMPFILE inode that linkat may give a name.</summary>
    Linkable = 4,
}

/// <summary><c>S_*</c> bits of <c>i_flags</c> the model uses (include/linux/fs.h).</summary>
internal static class InodeFlags
{
    public const uint Sync = 1;          // S_SYNC
    public const uint NoAtime = 2;       // S_NOATIME
    public const uint Append = 4;        // S_APPEND
    public const uint Immutable = 8;     // S_IMMUTABLE
    public const uint Dead = 16;         // S_DEAD: removed directory
    public const uint Private = 512;     // S_PRIVATE: internal inode
}

/// <summary>
/// The managed half of a model <c>struct inode</c> (fs/inode.c): the native inode handlers see, its
/// reference count (<c>i_count</c>, held by the dentries bound to it and by ihold), its state, its
/// lock (<c>i_rwsem</c>, exclusive only), the managed <c>f_op</c> of its files, and its page cache.
/// One lifetime for every file system: new_inode/iget, iput, and eviction when the last reference
/// goes and <c>drop_inode</c> says so (generic_drop_inode: no link left, or never hashed).
/// </summary>
internal sealed class VfsInode
{
    private GCHandle _self;
    private int _count = 1;
    private FileDispatch? _fop;
    private bool _ownsPrivate;
    private byte[]? _linkTarget;

    private unsafe VfsInode(VfsSuperBlock sb)
    {
        Sb = sb;
        // SAFETY: a fresh zeroed allocation owned by this object until Destroy.
        Native = (NativeInode*)NativeMemory.AllocZeroed((nuint)sizeof(NativeInode));
        _self = GCHandle.Alloc(this, GCHandleType.Normal);
        Native->i_model = GCHandle.ToIntPtr(_self);
        Native->i_sb = sb.Native;
        Native->i_nlink = 1;
        Native->i_blkbits = sb.Native->s_blocksize_bits != 0 ? sb.Native->s_blocksize_bits : 12;
        sb.Counters.Update(inodes: 1);
    }

    /// <summary>The superblock.</summary>
    public VfsSuperBlock Sb { get; }

    /// <summary>The native inode; live until the last reference is dropped and the inode evicted.</summary>
    public unsafe NativeInode* Native { get; private set; }

    /// <summary>i_state, under <see cref="VfsSuperBlock.InodeLock"/>.</summary>
    public InodeState State;

    /// <summary>True while in the superblock's inode hash (iget can find it by number).</summary>
    public bool Hashed;

    /// <summary>The node on the superblock's <c>s_inodes</c> list.</summary>
    public LinkedListNode<VfsInode>? ListNode;

    /// <summary><c>i_rwsem</c> as the model takes it: always exclusive (directory operations, size changes).</summary>
    public readonly Lock Rwsem = new();

    /// <summary><c>i_mapping</c>: the page cache of a regular file of a RAM file system, made on first use.</summary>
    public AddressSpace? Mapping;

    /// <summary>The internal file system's own object behind this inode (a proc entry, a sysfs node), if any.</summary>
    public object? FsNode;

    /// <summary>The FIFO behind an S_IFIFO inode (i_pipe), made at its first open.</summary>
    public Pipe? Pipe;

    /// <summary><c>i_writecount</c>-like count of open files with FMODE_WRITE (not enforced: no exec).</summary>
    public int WriteCount;

    /// <summary><c>i_ino</c>.</summary>
    // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
    public unsafe ulong Number => Native->i_ino;

    /// <summary><c>i_mode</c>.</summary>
    // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
    public unsafe uint Mode => Volatile.Read(ref Native->i_mode);

    /// <summary><c>i_count</c>.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>The managed inode behind a native one.</summary>
    public static unsafe VfsInode FromNative(NativeInode* inode)
    {
        // SAFETY: a pointer that passes RawPointer.IsInode is read; i_model is set at allocation and
        // cleared (with the handle freed) only in Destroy, after which nothing holds the native inode.
        if (RawPointer.IsInode(inode) && RawPointer.HandleTarget(Volatile.Read(ref inode->i_model)) is VfsInode i) return i;
        throw new InvalidOperationException("This inode does not belong to the VFS core (a null or wild pointer, or a raw inode built outside the model).");
    }

    /// <summary>mirrors fs/inode.c:new_inode: a fresh, unhashed inode with one reference.</summary>
    public static VfsInode New(VfsSuperBlock sb)
    {
        var inode = new VfsInode(sb);
        sb.AddInode(inode);
        return inode;
    }

    /// <summary>The managed f_op of files opened on the inode (i_fop as the model calls it), or null.</summary>
    public unsafe FileDispatch? FileDispatch
    {
        get
        {
            if (Volatile.Read(ref _fop) is { } fop) return fop;
            // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
            void* table = Native->i_fop;
            return table == null ? null : Sb.Kernel.Vfs.DispatchFor((FileOperations*)table);
        }
    }

    /// <summary>Sets i_fop to a file_operations table (what handlers do).</summary>
    public unsafe void SetFileOperations(OpsTable<FileOperations> operations)
    {
        // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
        Native->i_fop = operations.Pointer;
        Volatile.Write(ref _fop, operations.IsNull ? null : Sb.Kernel.Vfs.DispatchFor(operations.Pointer));
    }

    /// <summary>Sets the managed f_op (what the kernel's own file systems do) and i_fop to its table, if it has one.</summary>
    public unsafe void SetFileDispatch(FileDispatch dispatch)
    {
        // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
        Native->i_fop = dispatch.Ops;
        Volatile.Write(ref _fop, dispatch);
    }

    /// <summary>ihold: the caller already holds a reference (or the lock that keeps the inode findable).</summary>
    public void Hold() => Interlocked.Increment(ref _count);

    /// <summary>igrab under <see cref="VfsSuperBlock.InodeLock"/>: a reference unless the inode is being freed.</summary>
    public bool TryGrabLocked()
    {
        if ((State & InodeState.Freeing) != 0) return false;
        Interlocked.Increment(ref _count);
        return true;
    }

    /// <summary>mirrors fs/inode.c:iput: the last reference runs iput_final.</summary>
    public void Put()
    {
        int left = Interlocked.Decrement(ref _count);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException($"inode {Number}: i_count underflow");
        IputFinal();
    }

    // mirrors fs/inode.c:iput_final: ask ->drop_inode (or generic_drop_inode) whether to keep the
    // unused inode cached; evict it otherwise (always when the superblock is going away).
    private unsafe void IputFinal()
    {
        bool drop;
        // SAFETY: an inode holds a reference on its superblock (s_count) until Destroy, so Sb.Native is allocated; s_op is a static generated table whose non-null slots are thunks; Native is ours until Destroy.
        SuperOperations* sop = Sb.Native->s_op;
        if (sop != null && sop->drop_inode != null) drop = sop->drop_inode(Native) != 0;
        else drop = Volatile.Read(ref Native->i_nlink) == 0 || !Hashed; // generic_drop_inode
        lock (Sb.InodeLock)
        {
            if (Volatile.Read(ref _count) != 0) return; // igrab revived it meanwhile
            if ((State & InodeState.Freeing) != 0) return; // a racing iput_final got here first
            if (!drop && !Sb.Dying) return;          // stays in the inode cache, unused
            State |= InodeState.Freeing;
            Sb.RemoveInodeLocked(this);
        }
        Evict();
    }

    /// <summary>mirrors fs/inode.c:evict: ->evict_inode (or truncate + clear_inode), then destroy.</summary>
    internal unsafe void Evict()
    {
        try
        {
            // SAFETY: an inode holds a reference on its superblock (s_count) until Destroy, so Sb.Native is allocated; s_op is a static generated table whose non-null slots are thunks; Native is ours until Destroy.
            SuperOperations* sop = Sb.Native->s_op;
            if (sop != null && sop->evict_inode != null) sop->evict_inode(Native);
        }
        finally
        {
            // truncate_inode_pages_final + clear_inode, whatever ->evict_inode did
            Mapping?.Release();
            Mapping = null;
            Pipe = null;
            Destroy();
        }
    }

    // mirrors fs/inode.c:destroy_inode
    private unsafe void Destroy()
    {
        // SAFETY: Destroy runs once, after the last reference and link are gone; Native is still allocated here and freed at its end.
        if (_ownsPrivate && Native->i_private != 0)
        {
            GCHandle.FromIntPtr(Native->i_private).Free();
            Sb.Counters.Update(handles: -1);
        }
        if (Native->i_link != null && _linkTarget is not null) NativeMemory.Free(Native->i_link);
        Native->i_model = 0;
        _self.Free();
        NativeMemory.Free(Native);
        Native = null;
        Sb.Counters.Update(inodes: -1);
    }

    /// <summary>mirrors fs/inode.c:inc_nlink.</summary>
    // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
    public unsafe void IncLink() => Interlocked.Increment(ref Native->i_nlink);

    /// <summary>mirrors fs/inode.c:drop_nlink: a WARN, not an underflow, at 0.</summary>
    public unsafe void DropLink()
    {
        // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
        uint n = Volatile.Read(ref Native->i_nlink);
        while (n > 0)
        {
            uint seen = Interlocked.CompareExchange(ref Native->i_nlink, n - 1, n);
            if (seen == n) return;
            n = seen;
        }
        Sb.Kernel.Log.Printk($"WARNING: drop_nlink on inode {Number} with i_nlink 0");
    }

    /// <summary>mirrors fs/inode.c:set_nlink / clear_nlink.</summary>
    // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
    public unsafe void SetLinkCount(uint count) => Volatile.Write(ref Native->i_nlink, count);

    /// <summary>mirrors fs/inode.c:inode_init_owner.</summary>
    public unsafe void InitOwner(VfsInode? dir, uint mode)
    {
        Credentials cred = CurrentCred.Get();
        // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
        Native->i_uid = cred.Fsuid;
        if (dir is not null && (dir.Mode & UMode.S_ISGID) != 0)
        {
            Native->i_gid = dir.Native->i_gid;
            // Directories are special, and always inherit S_ISGID
            if (UMode.IsDirectory(mode)) mode |= UMode.S_ISGID;
        }
        else
        {
            Native->i_gid = cred.Fsgid;
        }
        Volatile.Write(ref Native->i_mode, mode);
    }

    /// <summary>mirrors fs/inode.c:init_special_inode.</summary>
    public unsafe void InitSpecial(uint mode, uint device)
    {
        // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
        Volatile.Write(ref Native->i_mode, mode);
        switch (mode & UMode.S_IFMT)
        {
            case UMode.S_IFCHR:
                SetFileDispatch(Sb.Kernel.CharDevices.ChrdevOpen); // def_chr_fops
                Native->i_rdev = device;
                break;
            case UMode.S_IFBLK:
                SetFileDispatch(NoOpsDispatch.BlockDevice); // def_blk_fops
                Native->i_rdev = device;
                break;
            case UMode.S_IFIFO:
                SetFileDispatch(PipeFifoDispatch.Instance); // pipefifo_fops
                break;
            case UMode.S_IFSOCK:
                SetFileDispatch(NoOpsDispatch.BadSocket); // bad_sock_fops
                break;
            default:
                Sb.Kernel.Log.Printk($"init_special_inode: bogus i_mode ({Convert.ToString(mode, 8)}) for inode {Number}");
                break;
        }
    }

    /// <summary>Sets i_private to an object the VFS owns (freed at eviction).</summary>
    public unsafe void SetPrivateData(object? data)
    {
        // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
        nint old = Native->i_private;
        Native->i_private = data is null ? 0 : GCHandle.ToIntPtr(GCHandle.Alloc(data));
        if (data is not null) Sb.Counters.Update(handles: 1);
        if (_ownsPrivate && old != 0)
        {
            GCHandle.FromIntPtr(old).Free();
            Sb.Counters.Update(handles: -1);
        }
        _ownsPrivate = data is not null;
    }

    /// <summary>Sets i_private to a word someone else owns (a proc entry's data, freed by its rundown).</summary>
    public unsafe void SetBorrowedPrivateWord(nint word)
    {
        if (_ownsPrivate) throw new InvalidOperationException("i_private is already owned by the inode.");
        // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
        Native->i_private = word;
    }

    /// <summary>Keeps a symlink target in i_link (NUL-terminated) and sets i_size to its length.</summary>
    public unsafe void SetLinkTarget(ReadOnlySpan<byte> target)
    {
        if (target.IndexOf((byte)0) >= 0) throw new ArgumentException("A link target cannot contain NUL.", nameof(target));
        byte* copy = (byte*)NativeMemory.Alloc((nuint)target.Length + 1);
        target.CopyTo(new Span<byte>(copy, target.Length));
        copy[target.Length] = 0;
        // SAFETY: Native is owned by this inode: allocated in the constructor, freed only by Destroy after the last reference (i_count) and link are gone; callers hold a reference.
        byte* old = Native->i_link;
        Native->i_link = copy;
        if (old != null && _linkTarget is not null) NativeMemory.Free(old);
        _linkTarget = target.ToArray();
        Volatile.Write(ref Native->i_size, target.Length);
    }

    /// <summary>The target kept by <see cref="SetLinkTarget"/>, or empty.</summary>
    public ReadOnlySpan<byte> LinkTarget => _linkTarget;

    /// <inheritdoc/>
    public override unsafe string ToString() => Native == null ? "(freed inode)" : $"inode {Number} on {Sb}";
}
