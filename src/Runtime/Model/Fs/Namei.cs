using System;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>nd->last_type (include/linux/namei.h).</summary>
internal enum LastType
{
    Norm,
    Root,
    Dot,
    DotDot,
}

/// <summary>
/// One path walk (fs/namei.c <c>struct nameidata</c>), ref-walk only: the current path (referenced),
/// the process root (referenced once needed), the last component and its type, the lookup flags and
/// the symlink count. Disposing it drops what it holds (terminate_walk). Paths are byte strings.
/// </summary>
internal sealed class Nameidata : IDisposable
{
    /// <summary>MAXSYMLINKS (include/linux/namei.h): symlinks one walk may follow, nested or not.</summary>
    public const int MaxSymlinks = 40;

    /// <summary>LOOKUP_PARENT (internal: walking the directories before the last component).</summary>
    public const LookupFlags LookupParent = (LookupFlags)0x10;

    internal const int WalkTrailing = 1, WalkMore = 2, WalkNoFollow = 4;

    private readonly UserProcess _process;
    private readonly int _dfd;
    private bool _haveRoot;
    private bool _havePath;
    private int _totalLinkCount;

    public Nameidata(UserProcess process, int dfd)
    {
        _process = process;
        _dfd = dfd;
    }

    public UserProcess Process => _process;

    /// <summary>nd->path (held).</summary>
    public VfsPath Path;

    /// <summary>nd->root (held once grabbed).</summary>
    public VfsPath Root;

    public LookupFlags Flags;

    /// <summary>nd->last: the last component walked or to walk.</summary>
    public string Last = string.Empty;

    public LastType LastType;

    /// <summary>nd->last.name[nd->last.len] != 0: the last component was followed by '/'.</summary>
    public bool LastTrailing;

    /// <summary>nd->dir_mode / nd->dir_vfsuid: the directory the last component is in (sticky-directory checks).</summary>
    public uint DirMode, DirUid;

    /// <summary>The inode of nd->path.</summary>
    public VfsInode Inode => Path.Dentry.Inode!;

    /// <summary>Hands the held path to the caller (the walk no longer drops it).</summary>
    public VfsPath TakePath()
    {
        _havePath = false;
        return Path;
    }

    /// <summary>Replaces the held path (its reference is the walk's now).</summary>
    public void SetPath(VfsPath path)
    {
        if (_havePath) Path.Put();
        Path = path;
        _havePath = true;
    }

    /// <summary>terminate_walk.</summary>
    public void Dispose()
    {
        if (_havePath) Path.Put();
        _havePath = false;
        if (_haveRoot) Root.Put();
        _haveRoot = false;
    }

    private void SetRoot()
    {
        if (_haveRoot) return;
        Root = _process.GetRoot();
        _haveRoot = true;
    }

    /// <summary>mirrors fs/namei.c:path_init: the starting point (root, cwd or dirfd). Returns 0 or -errno.</summary>
    public int PathInit(string name, LookupFlags flags)
    {
        Flags = flags;
        if (name.Length > 0 && name[0] == '/')
        {
            SetRoot();
            SetPath(Root.Get());
            return 0;
        }
        if (_dfd == Vfs.AtFdCwd)
        {
            SetPath(_process.GetPwd());
            return 0;
        }
        // "Caller must check execute permissions on the starting path component" (fdget_raw: O_PATH allowed)
        OpenFile? file = _process.FdGetRaw(_dfd);
        if (file is null) return -(int)Errno.EBADF;
        try
        {
            if (name.Length > 0 && !file.Path.Dentry.CanLookup) return -(int)Errno.ENOTDIR;
            SetPath(file.Path.Get());
            return 0;
        }
        finally
        {
            file.Put();
        }
    }

    /// <summary>mirrors fs/namei.c:link_path_walk: walks every component but the last. Returns 0 or -errno.</summary>
    public unsafe int LinkPathWalk(string name)
    {
        LastType = LastType.Root;
        Flags |= LookupParent;
        int pos = 0;
        while (pos < name.Length && name[pos] == '/') pos++;
        if (pos == name.Length)
        {
            DirMode = 0; // short-circuit the 'hardening' idiocy
            return 0;
        }
        var saved = new System.Collections.Generic.Stack<(string Name, int Pos)>();
        while (true)
        {
            int err = MayLookup();
            if (err != 0) return err;

            int end = name.IndexOf('/', pos);
            if (end < 0) end = name.Length;
            string component = name.Substring(pos, end - pos);
            LastType type = component switch { "." => LastType.Dot, ".." => LastType.DotDot, _ => LastType.Norm };
            Last = component;
            LastType = type;
            LastTrailing = end < name.Length;
            pos = end;
            string? link;
            bool isLast = pos == name.Length;
            if (!isLast)
            {
                while (pos < name.Length && name[pos] == '/') pos++;
                isLast = pos == name.Length;
            }
            if (isLast)
            {
                // pathname or trailing symlink, done
                if (saved.Count == 0)
                {
                    // SAFETY: the walk holds the dentry and inode it dereferences (nd->path or a counted lookup result), so their Native structs stay allocated; i_op points at a static generated table whose non-null slots are [UnmanagedCallersOnly] thunks.
                    DirUid = Inode.Native->i_uid;
                    DirMode = Inode.Mode;
                    Flags &= ~LookupParent;
                    return 0;
                }
                // last component of nested symlink
                (name, pos) = saved.Pop();
                err = WalkComponent(0, out link);
            }
            else
            {
                // not the last component
                err = WalkComponent(WalkMore, out link);
            }
            if (err != 0) return err;
            if (link is not null)
            {
                // a symlink to follow
                saved.Push((name, pos));
                name = link;
                pos = 0;
                continue;
            }
            if (!Path.Dentry.CanLookup) return -(int)Errno.ENOTDIR;
        }
    }

    /// <summary>mirrors fs/namei.c:lookup_last: walks the last component (following a symlink only if asked, or if a slash follows).</summary>
    public int LookupLast(out string? link)
    {
        if (LastType == LastType.Norm && LastTrailing) Flags |= LookupFlags.Follow | LookupFlags.Directory;
        return WalkComponent(WalkTrailing, out link);
    }

    /// <summary>
    /// mirrors fs/namei.c:path_lookupat: walks the whole path; the result is <see cref="Path"/>.
    /// </summary>
    public int PathLookupAt(string name, LookupFlags flags)
    {
        int err = PathInit(name, flags);
        if (err != 0) return err;
        string? s = name;
        while (true)
        {
            err = LinkPathWalk(s);
            if (err != 0) return err;
            err = LookupLast(out s);
            if (err != 0) return err;
            if (s is null) break;
        }
        if ((Flags & LookupFlags.Directory) != 0 && !Path.Dentry.CanLookup) return -(int)Errno.ENOTDIR;
        return 0;
    }

    /// <summary>mirrors fs/namei.c:path_parentat: walks every component but the last; the result is <see cref="Path"/>, <see cref="Last"/> and <see cref="LastType"/>.</summary>
    public int PathParentAt(string name, LookupFlags flags)
    {
        int err = PathInit(name, flags);
        return err != 0 ? err : LinkPathWalk(name);
    }

    private int MayLookup() => Permission.InodePermission(Inode, MayMask.Exec);

    // mirrors fs/namei.c:walk_component
    private int WalkComponent(int flags, out string? link)
    {
        link = null;
        if (LastType != LastType.Norm) return HandleDots(out link);
        int err = LookupFast(Path.Dentry, Last, out VfsDentry? dentry);
        if (err != 0) return err;
        if (dentry is null)
        {
            err = LookupSlow(Path.Dentry, Last, Flags, out dentry);
            if (err != 0) return err;
        }
        return StepInto(flags, dentry!, out link);
    }

    /// <summary>mirrors fs/namei.c:lookup_fast (lookup_dcache): a cached dentry, revalidated; null when not cached.</summary>
    public static int LookupFast(VfsDentry parent, string name, out VfsDentry? dentry)
    {
        dentry = Dcache.Lookup(parent, name);
        if (dentry is null) return 0;
        if (dentry.Ops?.Revalidate is { } revalidate && !revalidate(dentry))
        {
            // d_invalidate, then treat it as not cached
            Dcache.Drop(dentry);
            Dcache.Put(dentry);
            dentry = null;
        }
        return 0;
    }

    /// <summary>mirrors fs/namei.c:lookup_slow / __lookup_slow: asks the directory's ->lookup, under its lock.</summary>
    public static int LookupSlow(VfsDentry parent, string name, LookupFlags flags, out VfsDentry? dentry)
    {
        VfsInode dir = parent.Inode!;
        lock (dir.Rwsem) return LookupLocked(parent, name, flags, out dentry);
    }

    /// <summary>
    /// mirrors fs/namei.c:lookup_one_qstr_excl: the dcache, then ->lookup; the directory is locked
    /// by the caller. The result may be negative.
    /// </summary>
    public static unsafe int LookupLocked(VfsDentry parent, string name, LookupFlags flags, out VfsDentry? dentry)
    {
        int err = LookupFast(parent, name, out dentry);
        if (err != 0 || dentry is not null) return err;
        VfsInode dir = parent.Inode!;
        // Don't create child dentry for a dead directory.
        // SAFETY: the walk holds the dentry and inode it dereferences (nd->path or a counted lookup result), so their Native structs stay allocated; i_op points at a static generated table whose non-null slots are [UnmanagedCallersOnly] thunks.
        if ((dir.Native->i_flags & InodeFlags.Dead) != 0) return -(int)Errno.ENOENT;
        InodeOperations* iop = dir.Native->i_op;
        if (iop == null || iop->lookup == null) return -(int)Errno.ENOTDIR;
        VfsDentry fresh = Dcache.Alloc(parent, name);
        NativeDentry* result = iop->lookup(dir.Native, fresh.Native, (uint)flags);
        if (result != null)
        {
            Dcache.Put(fresh);
            if (VfsThunkAdapters.IsErr(result)) return (int)(nint)result;
            // A file system answering with another dentry (d_splice_alias) hands over a reference to it.
            dentry = VfsDentry.FromNative(result);
            return 0;
        }
        dentry = fresh;
        return 0;
    }

    // mirrors fs/namei.c:step_into (with handle_mounts): crosses mounts, then either moves onto the
    // dentry or, for a symlink to follow, returns its body. Takes over the dentry reference.
    internal int StepInto(int flags, VfsDentry dentry, out string? link)
    {
        link = null;
        VfsPath path = new(Path.Mount, dentry);
        int err = TraverseMounts(ref path, out bool jumped);
        if (err != 0)
        {
            Dcache.Put(path.Dentry);
            if (jumped) path.Mount.Put();
            return err;
        }
        if (!jumped) path.Mount.Get();
        if (!path.Dentry.IsSymlink || ((flags & WalkTrailing) != 0 && (Flags & LookupFlags.Follow) == 0) || (flags & WalkNoFollow) != 0)
        {
            // not a symlink or should not follow
            SetPath(path);
            return 0;
        }
        return PickLink(path, flags, out link);
    }

    /// <summary>
    /// mirrors fs/namei.c:traverse_mounts: while something is mounted on the dentry, moves to the
    /// mounted root. A negative dentry is ENOENT. On return <paramref name="jumped"/> says whether
    /// <paramref name="path"/> holds a mount reference of its own.
    /// </summary>
    public static int TraverseMounts(ref VfsPath path, out bool jumped)
    {
        jumped = false;
        MountNamespace ns = path.Mount.Sb.Kernel.Vfs.Namespace;
        while (System.Threading.Volatile.Read(ref path.Dentry.MountCount) > 0)
        {
            VfsMount? mounted = ns.LookupMount(path.Mount, path.Dentry);
            if (mounted is null) break;
            Dcache.Put(path.Dentry);
            if (jumped) path.Mount.Put();
            mounted.Root.Get();
            path = new VfsPath(mounted, mounted.Root);
            jumped = true;
        }
        return path.Dentry.Inode is null ? -(int)Errno.ENOENT : 0;
    }

    // mirrors fs/namei.c:may_follow_link: with fs.protected_symlinks, a trailing symlink in a sticky
    // world-writable directory is followed only by its owner or when the directory's owner owns it
    private unsafe int MayFollowLink(VfsInode inode)
    {
        if (inode.Sb.Kernel.FsSysctls.ProtectedSymlinks == 0) return 0;
        // SAFETY: the walk holds the dentry and inode it dereferences (nd->path or a counted lookup result), so their Native structs stay allocated; i_op points at a static generated table whose non-null slots are [UnmanagedCallersOnly] thunks.
        uint owner = inode.Native->i_uid;
        if (owner == CurrentCred.Get().Fsuid) return 0;
        if ((DirMode & (UMode.S_ISVTX | 0x2)) != (UMode.S_ISVTX | 0x2)) return 0;
        if (DirUid == owner) return 0;
        return -(int)Errno.EACCES;
    }

    // mirrors fs/namei.c:pick_link: the link's body to walk next (with the root jumped to for an
    // absolute one), or null for a pure jump. Takes over the link's path.
    private int PickLink(VfsPath linkPath, int flags, out string? link)
    {
        link = null;
        try
        {
            if (_totalLinkCount++ >= MaxSymlinks) return -(int)Errno.ELOOP;
            VfsInode inode = linkPath.Dentry.Inode!;
            if ((flags & WalkTrailing) != 0)
            {
                int denied = MayFollowLink(inode);
                if (denied != 0) return denied;
            }
            if ((linkPath.Mount.Flags & MountFlags.NoSymFollow) != 0) return -(int)Errno.ELOOP;
            Attr.TouchAtime(linkPath);
            int err = ReadLink(linkPath.Dentry, inode, out byte[]? body);
            if (err != 0) return err;
            string res = Vfs.BytesToName(body!);
            int start = 0;
            if (res.Length > 0 && res[0] == '/')
            {
                SetRoot();
                SetPath(Root.Get()); // nd_jump_root
                while (start < res.Length && res[start] == '/') start++;
            }
            if (start < res.Length) link = start == 0 ? res : res[start..];
            return 0; // a pure jump (the body was only slashes): nothing more to walk
        }
        finally
        {
            linkPath.Put();
        }
    }

    /// <summary>The body of a symlink: i_link, or ->get_link's answer (its delayed call run at once, after the copy).</summary>
    public static unsafe int ReadLink(VfsDentry dentry, VfsInode inode, out byte[]? body)
    {
        body = null;
        // SAFETY: the walk holds the dentry and inode it dereferences (nd->path or a counted lookup result), so their Native structs stay allocated; i_op points at a static generated table whose non-null slots are [UnmanagedCallersOnly] thunks.
        byte* res = inode.Native->i_link;
        NativeDelayedCall done = default;
        if (res == null)
        {
            InodeOperations* iop = inode.Native->i_op;
            if (iop == null || iop->get_link == null) return -(int)Errno.EINVAL;
            res = iop->get_link(dentry.Native, inode.Native, &done);
            if (res == null) return -(int)Errno.EINVAL; // a pure nd_jump_link: not modelled
            if (VfsThunkAdapters.IsErr(res)) return (int)(nint)res;
        }
        try
        {
            body = System.Runtime.InteropServices.MemoryMarshal.CreateReadOnlySpanFromNullTerminated(res).ToArray();
            return 0;
        }
        finally
        {
            if (done.fn != null) done.fn(done.arg); // do_delayed_call
        }
    }

    // mirrors fs/namei.c:handle_dots + follow_dotdot
    private int HandleDots(out string? link)
    {
        link = null;
        if (LastType != LastType.DotDot) return 0;
        SetRoot();
        VfsDentry parent = FollowDotdot();
        return StepInto(WalkNoFollow, parent, out link);
    }

    private VfsDentry FollowDotdot()
    {
        if (Path == Root) return Get(Path.Dentry); // in_root
        if (Path.Dentry == Path.Mount.Root)
        {
            // choose_mountpoint: up to the mount point that is not itself the root of its mount
            MountNamespace ns = Path.Mount.Sb.Kernel.Vfs.Namespace;
            VfsPath? up = null;
            lock (ns.Lock)
            {
                VfsMount m = Path.Mount;
                while (m.Parent != m)
                {
                    VfsDentry mountpoint = m.MountPoint;
                    m = m.Parent;
                    if (Root.Dentry == mountpoint && Root.Mount == m) break;
                    if (mountpoint != m.Root)
                    {
                        up = new VfsPath(m, mountpoint).Get();
                        break;
                    }
                }
            }
            if (up is null) return Get(Path.Dentry); // in_root
            SetPath(up.Value);
        }
        return Dcache.GetParent(Path.Dentry);
    }

    private static VfsDentry Get(VfsDentry dentry)
    {
        dentry.Get();
        return dentry;
    }
}
