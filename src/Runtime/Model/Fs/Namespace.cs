using System;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary><c>MNT_*</c> per-mount flags (include/linux/mount.h).</summary>
[Flags]
internal enum MountFlags
{
    None = 0,
    NoSuid = 0x01,
    NoDev = 0x02,
    NoExec = 0x04,
    NoAtime = 0x08,
    NoDirAtime = 0x10,
    RelAtime = 0x20,
    ReadOnly = 0x40,
    NoSymFollow = 0x80,
}

/// <summary>
/// A model <c>struct mount</c> (fs/mount.h, fs/namespace.c): a superblock's tree grafted at a
/// mount point. Its count (<c>mnt_count</c>) is held by the namespace while attached, by every
/// path referencing it (open files, cwds, walks in progress) and by its child mounts; umount
/// without MNT_DETACH refuses while anything beyond the namespace and the umount's own lookup holds
/// it (EBUSY). A detached mount lives until its last reference goes, then deactivates its superblock.
/// </summary>
internal sealed class VfsMount
{
    private int _count = 1;

    public VfsMount(VfsSuperBlock sb, VfsDentry root, MountFlags flags, string devName, int id)
    {
        Sb = sb;
        Root = root;
        Flags = flags;
        DevName = devName;
        Id = id;
        Parent = this;
        MountPoint = root;
    }

    public VfsSuperBlock Sb { get; }

    /// <summary>mnt_root (with a dentry reference).</summary>
    public VfsDentry Root { get; }

    /// <summary>mnt_parent (itself when not attached or the namespace root).</summary>
    public VfsMount Parent;

    /// <summary>mnt_mountpoint (with a dentry reference while attached; the root itself when not).</summary>
    public VfsDentry MountPoint;

    /// <summary>mnt_flags.</summary>
    public MountFlags Flags;

    /// <summary>mnt_devname: the source given to mount(2).</summary>
    public string DevName { get; }

    /// <summary>mnt_id.</summary>
    public int Id { get; }

    /// <summary>mnt_mounts: mounts attached on dentries of this one.</summary>
    public readonly List<VfsMount> Children = new();

    /// <summary>In the namespace's mount hash (reachable by path walks).</summary>
    public bool Attached;

    /// <summary>mnt_count.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>mntget.</summary>
    public VfsMount Get()
    {
        Interlocked.Increment(ref _count);
        return this;
    }

    /// <summary>
    /// mirrors fs/namespace.c:mntput: the last reference (only possible once detached) frees the
    /// mount: its root and mount point dentries are put and its superblock deactivated (cleanup_mnt).
    /// </summary>
    public void Put()
    {
        int left = Interlocked.Decrement(ref _count);
        if (left > 0) return;
        if (left < 0) throw new InvalidOperationException($"mount of {Sb.TypeName}: mnt_count underflow");
        Dcache.Put(Root);
        Sb.Deactivate();
        Sb.Counters.Update(mounts: -1);
    }

    /// <summary>MNT_READONLY or SB_RDONLY: mnt_want_write answers EROFS.</summary>
    public bool IsReadOnly => (Flags & MountFlags.ReadOnly) != 0 || Sb.IsReadOnly;

    /// <inheritdoc/>
    public override string ToString() => $"{DevName} on {Sb.TypeName} (id {Id})";
}

/// <summary>A <c>struct path</c>: a mount and a dentry in it. Referenced paths are got and put together.</summary>
internal readonly record struct VfsPath(VfsMount Mount, VfsDentry Dentry)
{
    /// <summary>path_get.</summary>
    public VfsPath Get()
    {
        Mount.Get();
        Dentry.Get();
        return this;
    }

    /// <summary>path_put.</summary>
    public void Put()
    {
        Dcache.Put(Dentry);
        Mount.Put();
    }
}

/// <summary>
/// The model's one mount namespace (fs/namespace.c): the mount tree, the mount hash the path walk
/// follows (lookup_mnt), and namespace_sem. Every process shares it (no CLONE_NEWNS).
/// </summary>
internal sealed class MountNamespace
{
    private readonly Dictionary<(VfsMount Parent, VfsDentry MountPoint), VfsMount> _hash = new();
    private int _nextId = 20; // mnt_id: Linux's first mounts are numbered in the twenties

    /// <summary>namespace_sem and mount_lock in one.</summary>
    public readonly Lock Lock = new();

    /// <summary>The root mount ("/").</summary>
    public VfsMount? Root { get; private set; }

    public int NextId() => Interlocked.Increment(ref _nextId);

    /// <summary>Makes <paramref name="root"/> the namespace root (init_mount_tree).</summary>
    public void SetRoot(VfsMount root)
    {
        lock (Lock)
        {
            root.Attached = true;
            Root = root;
        }
    }

    /// <summary>mirrors fs/namespace.c:lookup_mnt: the mount on (mnt, dentry) with a reference, or null.</summary>
    public VfsMount? LookupMount(VfsMount parent, VfsDentry dentry)
    {
        lock (Lock)
        {
            return _hash.TryGetValue((parent, dentry), out VfsMount? child) ? child.Get() : null;
        }
    }

    /// <summary>
    /// mirrors fs/namespace.c:graft_tree/attach_mnt: attaches <paramref name="child"/> (its reference
    /// becomes the namespace's) on <paramref name="mountPoint"/>, which must be the top of its stack.
    /// </summary>
    public void Attach(VfsMount child, VfsPath mountPoint)
    {
        lock (Lock)
        {
            child.Parent = mountPoint.Mount.Get();
            mountPoint.Dentry.Get();
            child.MountPoint = mountPoint.Dentry;
            Interlocked.Increment(ref mountPoint.Dentry.MountCount);
            mountPoint.Mount.Children.Add(child);
            _hash[(mountPoint.Mount, mountPoint.Dentry)] = child;
            child.Attached = true;
        }
    }

    /// <summary>Every mount, the root first (for /proc/mounts and shutdown).</summary>
    public List<VfsMount> All()
    {
        var all = new List<VfsMount>();
        lock (Lock)
        {
            if (Root is null) return all;
            var stack = new Stack<VfsMount>();
            stack.Push(Root);
            while (stack.Count > 0)
            {
                VfsMount m = stack.Pop();
                all.Add(m);
                for (int i = m.Children.Count - 1; i >= 0; i--) stack.Push(m.Children[i]);
            }
        }
        return all;
    }

    /// <summary>
    /// mirrors fs/namespace.c:umount_tree: detaches <paramref name="mount"/> and everything mounted
    /// below it, deepest first, from the namespace. Returns the references to drop once the lock is
    /// released (the namespace's references and the mount points' pins): the caller puts them.
    /// </summary>
    public List<Action> DetachTreeLocked(VfsMount mount)
    {
        var puts = new List<Action>();
        var order = new List<VfsMount>();
        var stack = new Stack<VfsMount>();
        stack.Push(mount);
        while (stack.Count > 0)
        {
            VfsMount m = stack.Pop();
            order.Add(m);
            foreach (VfsMount c in m.Children) stack.Push(c);
        }
        for (int i = order.Count - 1; i >= 0; i--)
        {
            VfsMount m = order[i];
            VfsMount parent = m.Parent;
            VfsDentry mp = m.MountPoint;
            m.Attached = false;
            if (parent == m)
            {
                // the namespace root: no mount point, no parent
                if (Root == m) Root = null;
                puts.Add(m.Put); // the namespace's reference
                continue;
            }
            _hash.Remove((parent, mp));
            parent.Children.Remove(m);
            Interlocked.Decrement(ref mp.MountCount);
            m.Parent = m;
            m.MountPoint = m.Root;
            puts.Add(() =>
            {
                Dcache.Put(mp);   // the mount point's pin
                parent.Put();     // the child's reference to its parent
                m.Put();          // the namespace's reference
            });
        }
        return puts;
    }

    /// <summary>propagate_mount_busy(mnt, 2): more references than the namespace's and the caller's, or child mounts.</summary>
    public bool IsBusyLocked(VfsMount mount, int expected) => mount.Children.Count > 0 || mount.Count > expected;
}

/// <summary>mount(2) flags (include/uapi/linux/mount.h).</summary>
[Flags]
public enum MountOptions : ulong
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>MS_RDONLY.</summary>
    ReadOnly = 1,
    /// <summary>MS_NOSUID.</summary>
    NoSuid = 2,
    /// <summary>MS_NODEV.</summary>
    NoDev = 4,
    /// <summary>MS_NOEXEC.</summary>
    NoExec = 8,
    /// <summary>MS_SYNCHRONOUS.</summary>
    Synchronous = 16,
    /// <summary>MS_REMOUNT.</summary>
    Remount = 32,
    /// <summary>MS_MANDLOCK.</summary>
    MandLock = 64,
    /// <summary>MS_DIRSYNC.</summary>
    DirSync = 128,
    /// <summary>MS_NOSYMFOLLOW.</summary>
    NoSymFollow = 256,
    /// <summary>MS_NOATIME.</summary>
    NoAtime = 1024,
    /// <summary>MS_NODIRATIME.</summary>
    NoDirAtime = 2048,
    /// <summary>MS_BIND.</summary>
    Bind = 4096,
    /// <summary>MS_MOVE.</summary>
    Move = 8192,
    /// <summary>MS_REC.</summary>
    Recursive = 16384,
    /// <summary>MS_SILENT.</summary>
    Silent = 32768,
    /// <summary>MS_UNBINDABLE.</summary>
    Unbindable = 1 << 17,
    /// <summary>MS_PRIVATE.</summary>
    Private = 1 << 18,
    /// <summary>MS_SLAVE.</summary>
    Slave = 1 << 19,
    /// <summary>MS_SHARED.</summary>
    Shared = 1 << 20,
    /// <summary>MS_RELATIME.</summary>
    RelAtime = 1 << 21,
    /// <summary>MS_STRICTATIME.</summary>
    StrictAtime = 1 << 24,
    /// <summary>MS_LAZYTIME.</summary>
    LazyTime = 1 << 25,
    /// <summary>MS_NOUSER: internal superblocks only.</summary>
    NoUser = 1UL << 31,
}

/// <summary>umount2(2) flags (include/linux/fs.h).</summary>
[Flags]
public enum UnmountFlags
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>MNT_FORCE: call the superblock's umount_begin first.</summary>
    Force = 1,
    /// <summary>MNT_DETACH: lazy unmount; the mount goes when its last user does.</summary>
    Detach = 2,
    /// <summary>MNT_EXPIRE.</summary>
    Expire = 4,
    /// <summary>UMOUNT_NOFOLLOW: do not follow a trailing symlink.</summary>
    NoFollow = 8,
}

/// <summary>fs/namespace.c: mount(2) (path_mount, do_new_mount, do_add_mount) and umount2(2) (do_umount).</summary>
internal static class FsNamespace
{
    private const ulong MsMgcMask = 0xffff0000, MsMgcVal = 0xC0ED0000;

    /// <summary>
    /// mirrors fs/namespace.c:path_mount for a new mount (bind, move, remount and propagation changes
    /// are answered EINVAL: not modelled, except MS_REMOUNT which reconfigures the superblock flags).
    /// </summary>
    public static int PathMount(UserProcess process, string? devName, VfsPath path, string? type, MountOptions flags, byte[]? data)
    {
        // Discard magic
        if (((ulong)flags & MsMgcMask) == MsMgcVal) flags = (MountOptions)((ulong)flags & ~MsMgcMask);
        if ((flags & MountOptions.NoUser) != 0) return -(int)Errno.EINVAL;
        if (!CurrentCred.Capable(Capability.SysAdmin)) return -(int)Errno.EPERM; // may_mount
        MountFlags mntFlags = 0;
        // Default to relatime unless overriden
        if ((flags & MountOptions.NoAtime) == 0) mntFlags |= MountFlags.RelAtime;
        if ((flags & MountOptions.NoSuid) != 0) mntFlags |= MountFlags.NoSuid;
        if ((flags & MountOptions.NoDev) != 0) mntFlags |= MountFlags.NoDev;
        if ((flags & MountOptions.NoExec) != 0) mntFlags |= MountFlags.NoExec;
        if ((flags & MountOptions.NoAtime) != 0) mntFlags |= MountFlags.NoAtime;
        if ((flags & MountOptions.NoDirAtime) != 0) mntFlags |= MountFlags.NoDirAtime;
        if ((flags & MountOptions.StrictAtime) != 0) mntFlags &= ~(MountFlags.RelAtime | MountFlags.NoAtime);
        if ((flags & MountOptions.ReadOnly) != 0) mntFlags |= MountFlags.ReadOnly;
        if ((flags & MountOptions.NoSymFollow) != 0) mntFlags |= MountFlags.NoSymFollow;
        uint sbFlags = (uint)((ulong)flags & (SuperBlockFlags.ReadOnly | SuperBlockFlags.Synchronous | SuperBlockFlags.DirSync | SuperBlockFlags.Silent));
        if ((flags & MountOptions.Remount) != 0)
        {
            if ((flags & MountOptions.Bind) != 0) return DoReconfigureMount(path, mntFlags);
            return DoRemount(path, sbFlags, mntFlags, data);
        }
        if ((flags & (MountOptions.Bind | MountOptions.Move | MountOptions.Shared | MountOptions.Private | MountOptions.Slave | MountOptions.Unbindable)) != 0)
        {
            process.Kernel.Log.Printk("mount: bind, move and propagation changes are not modelled");
            return -(int)Errno.EINVAL;
        }
        return DoNewMount(process.Kernel, path, type, sbFlags, mntFlags, devName, data, out _);
    }

    /// <summary>mirrors fs/namespace.c:do_new_mount (and, with <paramref name="mounted"/>, lets the kernel's boot mounts find the result).</summary>
    public static int DoNewMount(Kernel kernel, VfsPath path, string? fstype, uint sbFlags, MountFlags mntFlags, string? name, byte[]? data, out VfsMount? mounted)
    {
        mounted = null;
        if (fstype is null) return -(int)Errno.EINVAL;
        RegisteredFileSystem? type = kernel.FileSystems.GetFsType(fstype);
        if (type is null) return -(int)Errno.ENODEV;
        int err = VfsFsContext.Create(kernel, type, purpose: 0, sbFlags, reconfigure: null, out VfsFsContext? context);
        if (err != 0) return err;
        using VfsFsContext fc = context!;
        {
            if (name is not null) err = fc.ParseParam("source", name);
            if (err == 0) err = fc.ParseMonolithic(data);
            // mount_capable: FS_USERNS_MOUNT only matters inside a user namespace, which the model has not
            if (err == 0 && !CurrentCred.Capable(Capability.SysAdmin)) err = -(int)Errno.EPERM;
            if (err == 0) err = fc.GetTree();
            if (err == 0) err = DoNewMountFc(kernel, fc, path, mntFlags, name ?? "none", out mounted);
            return err;
        }
    }

    // mirrors fs/namespace.c:do_new_mount_fc + vfs_create_mount + do_add_mount + graft_tree
    private static unsafe int DoNewMountFc(Kernel kernel, VfsFsContext fc, VfsPath mountpoint, MountFlags mntFlags, string devName, out VfsMount? mounted)
    {
        mounted = null;
        VfsDentry root = fc.Root!;
        VfsSuperBlock sb = root.Sb;
        // SAFETY: the mount holds an active reference on its superblock (and the fs_context is owned by this call), so sb.Native/fc.Native stay allocated; ops tables are static generated tables whose non-null slots are thunks.
        if ((sb.Native->s_flags & SuperBlockFlags.NoUser) != 0) return -(int)Errno.EINVAL;
        // vfs_create_mount: the mount's own dentry and active superblock references
        root.Get();
        if (!sb.TryGetActive())
        {
            Dcache.Put(root);
            return -(int)Errno.EBUSY;
        }
        MountNamespace ns = kernel.Vfs.Namespace;
        var mnt = new VfsMount(sb, root, mntFlags, devName, ns.NextId());
        kernel.Counters.Update(mounts: 1);
        int error = AddMount(ns, mnt, mountpoint);
        if (error != 0)
        {
            mnt.Put();
            return error;
        }
        mounted = mnt;
        return 0;
    }

    /// <summary>mirrors fs/namespace.c:lock_mount + do_add_mount + graft_tree: attaches on the top of the mount stack at <paramref name="path"/>.</summary>
    public static int AddMount(MountNamespace ns, VfsMount mnt, VfsPath path)
    {
        // lock_mount: what the walk found is already the top; an unlinked directory cannot be mounted on
        if (!path.Dentry.IsRoot && !path.Dentry.Hashed) return -(int)Errno.ENOENT;
        // Refuse the same filesystem on the same mount point
        if (path.Mount.Sb == mnt.Sb && path.Mount.Root == path.Dentry) return -(int)Errno.EBUSY;
        if (mnt.Root.IsSymlink) return -(int)Errno.EINVAL;
        if (path.Dentry.IsDirectory != mnt.Root.IsDirectory) return -(int)Errno.ENOTDIR;
        if (!path.Mount.Attached) return -(int)Errno.EINVAL; // check_mnt
        ns.Attach(mnt, path);
        return 0;
    }

    // mirrors fs/namespace.c:do_reconfigure_mnt (MS_REMOUNT|MS_BIND): the mount's own flags
    private static int DoReconfigureMount(VfsPath path, MountFlags mntFlags)
    {
        if (path.Mount.Root != path.Dentry) return -(int)Errno.EINVAL;
        path.Mount.Flags = mntFlags;
        return 0;
    }

    // mirrors fs/namespace.c:do_remount: reconfigure the superblock (its ->reconfigure, if any), then the mount's flags
    private static unsafe int DoRemount(VfsPath path, uint sbFlags, MountFlags mntFlags, byte[]? data)
    {
        VfsMount mnt = path.Mount;
        if (mnt.Root != path.Dentry) return -(int)Errno.EINVAL;
        VfsSuperBlock sb = mnt.Sb;
        if (!sb.Type.TryGetFileSystem()) return -(int)Errno.ENODEV;
        int err = VfsFsContext.Create(sb.Kernel, sb.Type, purpose: 2, sbFlags, reconfigure: sb, out VfsFsContext? context);
        if (err != 0) return err;
        using VfsFsContext fc = context!;
        {
            err = fc.ParseMonolithic(data);
            if (err != 0) return err;
            // SAFETY: the mount holds an active reference on its superblock (and the fs_context is owned by this call), so sb.Native/fc.Native stay allocated; ops tables are static generated tables whose non-null slots are thunks.
            FsContextOperations* ops = fc.Native->ops;
            if (ops != null && ops->reconfigure != null) err = ops->reconfigure(fc.Native);
            if (err != 0) return err;
            ulong mask = SuperBlockFlags.ReadOnly | SuperBlockFlags.Synchronous | SuperBlockFlags.DirSync;
            sb.Native->s_flags = (sb.Native->s_flags & ~mask) | (sbFlags & mask);
            mnt.Flags = mntFlags;
            return 0;
        }
    }

    /// <summary>mirrors fs/namespace.c:path_umount (can_umount + do_umount); consumes <paramref name="path"/>'s reference.</summary>
    public static unsafe int PathUmount(UserProcess process, VfsPath path, UnmountFlags flags)
    {
        List<Action>? puts = null;
        int ret;
        VfsMount mnt = path.Mount;
        MountNamespace ns = process.Kernel.Vfs.Namespace;
        try
        {
            // can_umount
            if (!CurrentCred.Capable(Capability.SysAdmin)) return ret = -(int)Errno.EPERM;
            if (mnt.Root != path.Dentry) return ret = -(int)Errno.EINVAL; // path_mounted
            if (!mnt.Attached) return ret = -(int)Errno.EINVAL;          // check_mnt
            // do_umount
            if ((flags & UnmountFlags.Expire) != 0) return ret = -(int)Errno.EINVAL; // expiry marks are not modelled
            if ((flags & UnmountFlags.Force) != 0)
            {
                // SAFETY: the mount holds an active reference on its superblock (and the fs_context is owned by this call), so sb.Native/fc.Native stay allocated; ops tables are static generated tables whose non-null slots are thunks.
                SuperOperations* sop = mnt.Sb.Native->s_op;
                if (sop != null && sop->umount_begin != null) sop->umount_begin(mnt.Sb.Native);
            }
            if (mnt == ns.Root && (flags & UnmountFlags.Detach) == 0) return ret = -(int)Errno.EBUSY; // do_umount_root: not modelled
            lock (ns.Lock)
            {
                if ((flags & UnmountFlags.Detach) != 0)
                {
                    puts = ns.DetachTreeLocked(mnt);
                    ret = 0;
                }
                else
                {
                    // propagate_mount_busy(mnt, 2): the namespace's reference and this lookup's
                    ret = -(int)Errno.EBUSY;
                    if (!ns.IsBusyLocked(mnt, 2))
                    {
                        puts = ns.DetachTreeLocked(mnt);
                        ret = 0;
                    }
                }
            }
            return ret;
        }
        finally
        {
            path.Put();
            if (puts is not null) foreach (Action put in puts) put();
        }
    }

    /// <summary>Kernel shutdown: detaches every mount (umount -l /), so each goes with its last user.</summary>
    public static void DetachAll(MountNamespace ns)
    {
        List<Action> puts;
        lock (ns.Lock)
        {
            if (ns.Root is null) return;
            puts = ns.DetachTreeLocked(ns.Root);
        }
        foreach (Action put in puts) put();
    }
}
