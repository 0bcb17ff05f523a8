using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// What an internal file system can ask of its dentries (the part of <c>struct dentry_operations</c>
/// the model uses): whether an unused dentry is dropped at once (<c>d_delete</c>; libfs' and the
/// kernel file systems' default) and whether a cached one is still valid (<c>d_revalidate</c>).
/// </summary>
internal sealed class DentryOperations
{
    /// <summary>always_delete_dentry: unused dentries are freed, never cached (simple_dentry_operations).</summary>
    public static readonly DentryOperations AlwaysDelete = new() { Delete = static _ => true };

    /// <summary>d_delete: true frees the dentry when its last reference goes.</summary>
    public Func<VfsDentry, bool>? Delete { get; init; }

    /// <summary>d_revalidate: false makes the walk invalidate the cached dentry and look the name up again.</summary>
    public Func<VfsDentry, bool>? Revalidate { get; init; }

    /// <summary>d_release: the dentry is being freed (called under the dcache lock, before its inode is put).</summary>
    public Action<VfsDentry>? Release { get; init; }
}

/// <summary>
/// The managed half of a model <c>struct dentry</c> (fs/dcache.c): a name in a directory bound to an
/// inode or to none, its reference count (<c>d_lockref</c>), its place in its parent's hash (what
/// lookups find) and child list (what dcache_readdir walks, newest first, as <c>d_children</c>), and
/// how many mounts sit on it. Names are byte strings: a <see cref="string"/> whose chars are bytes
/// (Latin-1), so any name Linux allows round-trips.
/// </summary>
internal sealed class VfsDentry
{
    private GCHandle _self;
    private unsafe byte* _nameBytes;

    /// <summary>A dentry named <paramref name="name"/> (a byte string) under <paramref name="parent"/> (null: a root).</summary>
    internal unsafe VfsDentry(VfsSuperBlock sb, VfsDentry? parent, string name)
    {
        Sb = sb;
        Parent = parent ?? this;
        Name = name;
        Count = 1;
        // SAFETY: a fresh zeroed allocation owned by this object until Free.
        Native = (NativeDentry*)NativeMemory.AllocZeroed((nuint)sizeof(NativeDentry));
        _self = GCHandle.Alloc(this, GCHandleType.Normal);
        Native->d_model = GCHandle.ToIntPtr(_self);
        Native->d_sb = sb.Native;
        Native->d_parent = Parent.Native;
        SetNameBytes(name);
        sb.Counters.Update(dentries: 1);
    }

    // A readdir cursor (dcache_dir_open's d_alloc_cursor): a placeholder in a child list, no native part.
    private VfsDentry(VfsDentry directory)
    {
        Sb = directory.Sb;
        Parent = directory;
        Name = string.Empty;
        IsCursor = true;
    }

    /// <summary>The superblock.</summary>
    public VfsSuperBlock Sb { get; }

    /// <summary>The native dentry; null for a cursor and after the dentry is freed.</summary>
    public unsafe NativeDentry* Native { get; private set; }

    /// <summary>d_parent (itself for a root). Changes only by rename, under the dcache lock.</summary>
    public VfsDentry Parent;

    /// <summary>d_name as a byte string.</summary>
    public string Name;

    /// <summary>d_inode.</summary>
    public VfsInode? Inode;

    /// <summary>d_lockref.count.</summary>
    public int Count;

    /// <summary>In the parent's hash: lookups find it (d_unhashed is false).</summary>
    public bool Hashed;

    /// <summary>Killed: freed or about to be.</summary>
    public bool Dead;

    /// <summary>A readdir cursor, not a name.</summary>
    public readonly bool IsCursor;

    /// <summary>DCACHE_GENOCIDE: kill_litter_super already dropped this dentry's pin.</summary>
    public bool GenocideDone;

    /// <summary>How many mounts have this dentry as their mount point (DCACHE_MOUNTED while non-zero).</summary>
    public int MountCount;

    /// <summary>d_op.</summary>
    public DentryOperations? Ops;

    /// <summary>Hashed children by name (the dcache hash, per directory).</summary>
    public Dictionary<string, VfsDentry>? HashedChildren;

    /// <summary>d_children: every child (hashed or not, and readdir cursors), newest first.</summary>
    public LinkedList<VfsDentry>? Children;

    /// <summary>This dentry's node in <see cref="Parent"/>'s <see cref="Children"/>.</summary>
    public LinkedListNode<VfsDentry>? SiblingNode;

    /// <summary>The node on the superblock's list of unused cached dentries.</summary>
    public LinkedListNode<VfsDentry>? LruNode;

    /// <summary>IS_ROOT.</summary>
    public bool IsRoot => ReferenceEquals(Parent, this);

    /// <summary>d_is_dir: bound to a directory inode.</summary>
    public bool IsDirectory => Inode is { } i && UMode.IsDirectory(i.Mode);

    /// <summary>d_can_lookup: a directory with a ->lookup the walk can step into.</summary>
    // SAFETY: the dentry holds its inode (d_inode), so i.Native stays allocated; i_op is a static generated table (never freed), checked non-null before ->lookup is read.
    public unsafe bool CanLookup => Inode is { } i && UMode.IsDirectory(i.Mode) && i.Native->i_op != null && i.Native->i_op->lookup != null;

    /// <summary>d_is_symlink.</summary>
    public bool IsSymlink => Inode is { } i && UMode.IsSymlink(i.Mode);

    /// <summary>The name for messages (decoded as UTF-8).</summary>
    public string DisplayName => Dcache.ToDisplay(Name);

    /// <summary>The managed dentry behind a native one.</summary>
    public static unsafe VfsDentry FromNative(NativeDentry* dentry)
    {
        // SAFETY: a pointer that passes RawPointer.Is is read; d_model is set at allocation and
        // cleared (with the handle freed) only when the dentry is freed, after its last reference.
        if (RawPointer.Is<NativeDentry>(dentry) && RawPointer.HandleTarget(Volatile.Read(ref dentry->d_model)) is VfsDentry d) return d;
        throw new InvalidOperationException("Not a live dentry of the model (a null, wild or freed struct dentry pointer).");
    }

    /// <summary>A readdir cursor for <paramref name="directory"/>.</summary>
    public static VfsDentry NewCursor(VfsDentry directory) => new(directory);

    /// <summary>dget: the caller already holds a reference.</summary>
    public void Get() => Interlocked.Increment(ref Count);

    internal unsafe void SetNameBytes(string name)
    {
        byte* old = _nameBytes;
        byte* bytes = (byte*)NativeMemory.Alloc((nuint)name.Length + 1);
        for (int i = 0; i < name.Length; i++) bytes[i] = (byte)name[i];
        bytes[name.Length] = 0;
        _nameBytes = bytes;
        Name = name;
        // SAFETY: Native is owned by this dentry: allocated in the constructor and freed only when the dentry is killed after its last reference; the dcache lock serialises name/inode updates; callers hold a reference.
        Native->d_name = bytes;
        Native->d_name_len = (uint)name.Length;
        if (old != null) NativeMemory.Free(old);
    }

    internal unsafe void Free()
    {
        if (Native == null) return;
        NativeMemory.Free(_nameBytes);
        _nameBytes = null;
        // SAFETY: Native is owned by this dentry: allocated in the constructor and freed only when the dentry is killed after its last reference; the dcache lock serialises name/inode updates; callers hold a reference.
        Native->d_model = 0;
        _self.Free();
        NativeMemory.Free(Native);
        Native = null;
        Sb.Counters.Update(dentries: -1);
    }

    /// <inheritdoc/>
    public override string ToString() => IsCursor ? "(cursor)" : DisplayName;
}

/// <summary>
/// The dcache (fs/dcache.c): allocation, lookup, instantiation, deletion, moves and the reference
/// counting of dentries. Every change to a superblock's tree happens under its
/// <see cref="VfsSuperBlock.DcacheLock"/> (the model's d_lock, rename_lock and hash lock in one);
/// iput and file-system callbacks run outside it. d_count changes only atomically: dget by a holder
/// and dput above 1 take no lock (lockref's fast paths), so every change under the lock is atomic
/// too; a count reaches 0, and leaves 0, only under the lock. A dentry whose count falls to 0 is freed at once
/// when it is unhashed or its d_op says so (every kernel file system and libfs), and otherwise
/// stays cached, unused, until umount or drop_caches.
/// </summary>
internal static class Dcache
{
    /// <summary>mirrors fs/dcache.c:d_alloc: a negative, unhashed child of <paramref name="parent"/> with one reference.</summary>
    public static VfsDentry Alloc(VfsDentry parent, string name)
    {
        VfsSuperBlock sb = parent.Sb;
        lock (sb.DcacheLock)
        {
            Interlocked.Increment(ref parent.Count); // the child's reference to its parent
            var dentry = new VfsDentry(sb, parent, name) { Ops = parent.Sb.DefaultDentryOps };
            LinkChild(parent, dentry);
            return dentry;
        }
    }

    /// <summary>mirrors fs/dcache.c:d_make_root: a root dentry bound to <paramref name="inode"/> (its reference taken over).</summary>
    public static VfsDentry MakeRoot(VfsSuperBlock sb, VfsInode inode)
    {
        var root = new VfsDentry(sb, null, "/") { Ops = sb.DefaultDentryOps };
        Instantiate(root, inode);
        return root;
    }

    /// <summary>
    /// mirrors fs/dcache.c:d_alloc_pseudo: a negative dentry named <paramref name="name"/> that no
    /// directory holds (its own parent, never hashed), freed with its last reference.
    /// </summary>
    public static VfsDentry AllocPseudo(VfsSuperBlock sb, string name) => new(sb, null, name) { Ops = sb.DefaultDentryOps };

    /// <summary>mirrors fs/dcache.c:d_lookup: the hashed child <paramref name="name"/> with a reference, or null.</summary>
    public static VfsDentry? Lookup(VfsDentry parent, string name)
    {
        lock (parent.Sb.DcacheLock)
        {
            if (parent.HashedChildren is null || !parent.HashedChildren.TryGetValue(name, out VfsDentry? child) || child.Dead) return null;
            GetLocked(child);
            return child;
        }
    }

    /// <summary>dget under the lock: a cached unused dentry leaves the LRU.</summary>
    private static void GetLocked(VfsDentry dentry)
    {
        if (Interlocked.Increment(ref dentry.Count) == 1 && dentry.LruNode is { } node)
        {
            dentry.Sb.Lru.Remove(node);
            dentry.LruNode = null;
        }
    }

    /// <summary>mirrors fs/dcache.c:d_instantiate: binds the negative dentry to <paramref name="inode"/> (its reference taken over).</summary>
    public static unsafe void Instantiate(VfsDentry dentry, VfsInode inode)
    {
        lock (dentry.Sb.DcacheLock)
        {
            if (dentry.Inode is not null)
            {
                inode.Put();
                throw new InvalidOperationException($"d_instantiate on the positive dentry '{dentry.DisplayName}'");
            }
            dentry.Inode = inode;
            // SAFETY: the caller holds the dentry and hands over its inode reference, so both Native structs are allocated; the dcache lock serialises d_inode updates.
            dentry.Native->d_inode = inode.Native;
        }
    }

    /// <summary>mirrors fs/dcache.c:d_add: instantiate (with <paramref name="inode"/> or as negative) and hash.</summary>
    public static void Add(VfsDentry dentry, VfsInode? inode)
    {
        if (inode is not null) Instantiate(dentry, inode);
        lock (dentry.Sb.DcacheLock) RehashLocked(dentry);
    }

    /// <summary>mirrors fs/dcache.c:d_rehash.</summary>
    public static void Rehash(VfsDentry dentry)
    {
        lock (dentry.Sb.DcacheLock) RehashLocked(dentry);
    }

    private static void RehashLocked(VfsDentry dentry)
    {
        if (dentry.Hashed || dentry.IsRoot || dentry.Dead) return;
        VfsDentry parent = dentry.Parent;
        parent.HashedChildren ??= new Dictionary<string, VfsDentry>(StringComparer.Ordinal);
        if (parent.HashedChildren.TryGetValue(dentry.Name, out VfsDentry? other) && other != dentry)
        {
            // Two live names for one path would be a VFS bug; the newer one wins, as a d_add would hide the older.
            other.Hashed = false;
        }
        parent.HashedChildren[dentry.Name] = dentry;
        dentry.Hashed = true;
    }

    /// <summary>mirrors fs/dcache.c:__d_drop (d_drop): lookups no longer find it; references stay valid.</summary>
    public static void Drop(VfsDentry dentry)
    {
        lock (dentry.Sb.DcacheLock) DropLocked(dentry);
    }

    private static void DropLocked(VfsDentry dentry)
    {
        if (!dentry.Hashed) return;
        dentry.Hashed = false;
        Dictionary<string, VfsDentry>? hash = dentry.Parent.HashedChildren;
        if (hash is not null && hash.TryGetValue(dentry.Name, out VfsDentry? current) && current == dentry) hash.Remove(dentry.Name);
    }

    /// <summary>
    /// mirrors fs/dcache.c:d_delete: after a successful unlink/rmdir. When the caller holds the only
    /// reference the dentry turns negative in place (its inode is put); otherwise it is unhashed and
    /// keeps its inode for the files still open on it.
    /// </summary>
    public static unsafe void Delete(VfsDentry dentry)
    {
        VfsInode? inode = null;
        lock (dentry.Sb.DcacheLock)
        {
            if (dentry.Count == 1)
            {
                inode = dentry.Inode;
                dentry.Inode = null;
                // SAFETY: Native is owned by this dentry: allocated in the constructor and freed only when the dentry is killed after its last reference; the dcache lock serialises name/inode updates; callers hold a reference.
                dentry.Native->d_inode = null;
            }
            else
            {
                DropLocked(dentry);
            }
        }
        inode?.Put();
    }

    /// <summary>
    /// mirrors fs/dcache.c:dput: drops a reference; the last one frees the dentry (and puts its inode
    /// and its parent) unless it stays cached.
    /// </summary>
    public static void Put(VfsDentry? dentry)
    {
        while (dentry is not null)
        {
            // lockref_put_return: most puts leave other references and need no lock.
            int count = Volatile.Read(ref dentry.Count);
            if (count > 1 && Interlocked.CompareExchange(ref dentry.Count, count - 1, count) == count) return;

            VfsInode? inode;
            VfsDentry? parent;
            VfsSuperBlock sb = dentry.Sb;
            lock (sb.DcacheLock)
            {
                if (dentry.Count <= 0) throw new InvalidOperationException($"dput of '{dentry.DisplayName}' with d_count {dentry.Count}");
                if (Interlocked.Decrement(ref dentry.Count) > 0) return;
                if (Retain(dentry))
                {
                    dentry.LruNode = sb.Lru.AddFirst(dentry);
                    return;
                }
                (inode, parent) = KillLocked(dentry);
            }
            // mirrors fs/dcache.c:dentry_kill / __dentry_kill: iput and the parent's dput outside the lock
            inode?.Put();
            dentry.Free();
            dentry = parent;
        }
    }

    // retain_dentry: hashed, not dying, and its d_op (if any) does not ask for deletion.
    private static bool Retain(VfsDentry dentry)
    {
        if (!dentry.Hashed || dentry.Sb.Dying || dentry.IsRoot) return false;
        if (dentry.Ops?.Delete is { } delete && delete(dentry)) return false;
        return true;
    }

    /// <summary>
    /// mirrors fs/dcache.c:d_invalidate: lookups no longer find the dentry; an unused cached one is
    /// freed at once, one in use when its last user lets go.
    /// </summary>
    public static void Invalidate(VfsDentry dentry)
    {
        VfsInode? inode = null;
        VfsDentry? parent = null;
        bool free = false;
        lock (dentry.Sb.DcacheLock)
        {
            if (dentry.Dead) return;
            DropLocked(dentry);
            if (dentry.Count == 0)
            {
                (inode, parent) = KillLocked(dentry);
                free = true;
            }
        }
        if (!free) return;
        inode?.Put();
        dentry.Free();
        Put(parent);
    }

    // Unlinks a dentry with no references from the tree; returns its inode and parent to put.
    private static unsafe (VfsInode? Inode, VfsDentry? Parent) KillLocked(VfsDentry dentry)
    {
        dentry.Ops?.Release?.Invoke(dentry);
        dentry.Dead = true;
        DropLocked(dentry);
        if (dentry.LruNode is { } lru)
        {
            dentry.Sb.Lru.Remove(lru);
            dentry.LruNode = null;
        }
        VfsInode? inode = dentry.Inode;
        dentry.Inode = null;
        // SAFETY: Native is owned by this dentry: allocated in the constructor and freed only when the dentry is killed after its last reference; the dcache lock serialises name/inode updates; callers hold a reference.
        dentry.Native->d_inode = null;
        VfsDentry? parent = null;
        if (!dentry.IsRoot)
        {
            parent = dentry.Parent;
            UnlinkChild(dentry);
        }
        return (inode, parent);
    }

    private static void LinkChild(VfsDentry parent, VfsDentry child)
    {
        parent.Children ??= new LinkedList<VfsDentry>();
        child.SiblingNode = parent.Children.AddFirst(child); // hlist_add_head(&dentry->d_sib, &parent->d_children)
    }

    private static void UnlinkChild(VfsDentry child)
    {
        if (child.SiblingNode is { } node)
        {
            child.Parent.Children!.Remove(node);
            child.SiblingNode = null;
        }
    }

    /// <summary>
    /// mirrors fs/dcache.c:d_move: <paramref name="dentry"/> takes <paramref name="target"/>'s name and
    /// parent and is hashed there; <paramref name="target"/> (now unhashed) takes the old name and
    /// parent, so each keeps exactly one reference to its parent.
    /// </summary>
    public static void Move(VfsDentry dentry, VfsDentry target)
    {
        lock (dentry.Sb.DcacheLock)
        {
            DropLocked(target);
            bool wasHashed = dentry.Hashed;
            DropLocked(dentry);
            SwapNamesAndParents(dentry, target);
            if (wasHashed) RehashLocked(dentry);
        }
    }

    /// <summary>mirrors fs/dcache.c:d_exchange: the two dentries swap names and parents, both hashed.</summary>
    public static void Exchange(VfsDentry a, VfsDentry b)
    {
        lock (a.Sb.DcacheLock)
        {
            DropLocked(a);
            DropLocked(b);
            SwapNamesAndParents(a, b);
            RehashLocked(a);
            RehashLocked(b);
        }
    }

    private static unsafe void SwapNamesAndParents(VfsDentry a, VfsDentry b)
    {
        string aName = a.Name, bName = b.Name;
        VfsDentry aParent = a.Parent, bParent = b.Parent;
        UnlinkChild(a);
        UnlinkChild(b);
        a.Parent = bParent;
        b.Parent = aParent;
        a.SetNameBytes(bName);
        b.SetNameBytes(aName);
        // SAFETY: d_exchange runs under the dcache lock with both dentries and both parents held by the rename, so all four Native structs are allocated.
        a.Native->d_parent = bParent.Native;
        b.Native->d_parent = aParent.Native;
        LinkChild(bParent, a); // list_move to the head of the new parent, as __d_move does
        LinkChild(aParent, b);
    }

    /// <summary>mirrors fs/libfs.c:simple_empty: no positive, hashed child.</summary>
    public static bool SimpleEmpty(VfsDentry directory)
    {
        lock (directory.Sb.DcacheLock)
        {
            if (directory.Children is null) return true;
            foreach (VfsDentry child in directory.Children)
                if (IsSimplePositive(child)) return false;
            return true;
        }
    }

    /// <summary>simple_positive: a real entry readdir shows.</summary>
    public static bool IsSimplePositive(VfsDentry dentry) => !dentry.IsCursor && dentry.Inode is not null && dentry.Hashed;

    /// <summary>parent_ino.</summary>
    public static ulong ParentInodeNumber(VfsDentry dentry)
    {
        lock (dentry.Sb.DcacheLock) return dentry.Parent.Inode?.Number ?? 0;
    }

    /// <summary>dget_parent.</summary>
    public static VfsDentry GetParent(VfsDentry dentry)
    {
        lock (dentry.Sb.DcacheLock)
        {
            VfsDentry parent = dentry.Parent;
            GetLocked(parent);
            return parent;
        }
    }

    /// <summary>mirrors fs/namei.c:is_subdir-style ancestry: true when <paramref name="ancestor"/> is <paramref name="dentry"/> or above it.</summary>
    public static bool IsSubdir(VfsDentry dentry, VfsDentry ancestor)
    {
        lock (dentry.Sb.DcacheLock)
        {
            for (VfsDentry d = dentry; ; d = d.Parent)
            {
                if (d == ancestor) return true;
                if (d.IsRoot) return false;
            }
        }
    }

    /// <summary>
    /// The first directory, walking up from <paramref name="p1"/>, whose parent is <paramref name="p2"/>
    /// (lock_rename's "trap"): null when <paramref name="p2"/> is not an ancestor of <paramref name="p1"/>.
    /// </summary>
    public static VfsDentry? ChildOfAncestor(VfsDentry p1, VfsDentry p2)
    {
        lock (p1.Sb.DcacheLock)
        {
            for (VfsDentry p = p1; !p.IsRoot; p = p.Parent)
                if (p.Parent == p2) return p;
            return null;
        }
    }

    /// <summary>
    /// mirrors fs/dcache.c:d_genocide as kill_litter_super uses it: drops the pin every positive,
    /// hashed dentry of the tree holds (a RAM file system's "extra count"), once.
    /// </summary>
    public static void Genocide(VfsDentry root)
    {
        lock (root.Sb.DcacheLock)
        {
            var stack = new Stack<VfsDentry>();
            stack.Push(root);
            while (stack.Count > 0)
            {
                VfsDentry d = stack.Pop();
                if (d.Children is { } children)
                    foreach (VfsDentry child in children)
                        if (!child.IsCursor && child.Hashed && child.Inode is not null) stack.Push(child);
                if (d.IsRoot || d.GenocideDone) continue;
                d.GenocideDone = true;
                Interlocked.Decrement(ref d.Count);
            }
        }
    }

    /// <summary>
    /// mirrors fs/dcache.c:shrink_dcache_for_umount: drops the superblock's reference to its root and
    /// frees every dentry of the tree, children first. A dentry still referenced (a bug somewhere,
    /// "Dentry still in use" in Linux) is reported and left.
    /// </summary>
    public static void ShrinkForUmount(VfsSuperBlock sb)
    {
        VfsDentry? root = sb.Root;
        if (root is null) return;
        var puts = new List<VfsInode>();
        var frees = new List<VfsDentry>();
        lock (sb.DcacheLock)
        {
            Interlocked.Decrement(ref root.Count); // the superblock's own reference (s_root)
            Shrink(root, puts, frees, sb);
        }
        foreach (VfsInode inode in puts) inode.Put();
        foreach (VfsDentry d in frees) d.Free();
    }

    // Post-order: frees every unreferenced dentry of the subtree; the counts of parents drop as their
    // children go. Reports the ones still in use.
    private static void Shrink(VfsDentry dentry, List<VfsInode> puts, List<VfsDentry> frees, VfsSuperBlock sb)
    {
        if (dentry.Children is { } children)
        {
            var snapshot = new List<VfsDentry>(children);
            foreach (VfsDentry child in snapshot)
            {
                if (child.IsCursor) continue;
                Shrink(child, puts, frees, sb);
            }
        }
        if (dentry.Count != 0)
        {
            sb.Kernel.Log.Printk($"BUG: Dentry {dentry.DisplayName}{{i={(dentry.Inode?.Number ?? 0):x},n={dentry.DisplayName}}} still in use ({dentry.Count}) [unmount of {sb.TypeName}]");
            return;
        }
        (VfsInode? inode, VfsDentry? parent) = KillLocked(dentry);
        if (inode is not null) puts.Add(inode);
        frees.Add(dentry);
        if (parent is not null) Interlocked.Decrement(ref parent.Count);
    }

    /// <summary>drop_caches (echo 2): frees every unused cached dentry of the superblock.</summary>
    public static void PruneUnused(VfsSuperBlock sb)
    {
        while (true)
        {
            VfsDentry? victim;
            VfsInode? inode;
            VfsDentry? parent;
            lock (sb.DcacheLock)
            {
                victim = sb.Lru.First?.Value;
                if (victim is null) return;
                (inode, parent) = KillLocked(victim);
            }
            inode?.Put();
            victim.Free();
            Put(parent);
        }
    }

    /// <summary>A byte-string name decoded as UTF-8 for messages and managed results.</summary>
    public static string ToDisplay(string byteString)
    {
        bool ascii = true;
        foreach (char c in byteString) if (c > 0x7F) { ascii = false; break; }
        if (ascii) return byteString;
        byte[] bytes = new byte[byteString.Length];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)byteString[i];
        return Encoding.UTF8.GetString(bytes);
    }

    /// <summary>A managed string as the byte string of its UTF-8 encoding.</summary>
    public static string FromDisplay(string text)
    {
        bool ascii = true;
        foreach (char c in text) if (c > 0x7F) { ascii = false; break; }
        if (ascii) return text;
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        return Encoding.Latin1.GetString(bytes);
    }
}
