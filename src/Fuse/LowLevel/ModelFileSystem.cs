using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Fuse.Native;
using KernelOps.Model;

namespace KernelOps.Fuse.LowLevel;

/// <summary>
/// A model directory tree served on libfuse3's low-level API. Every request is a syscall of one
/// model process (the host's), made with the caller's uid, gid and groups (fuse_req_ctx), so the
/// model's own permission checks answer, as the seam in docs/VFS.md describes:
/// <list type="bullet">
/// <item>A FUSE node is a model inode: the node holds an O_PATH descriptor of it (a counted
/// reference to its path, so to the inode, that survives unlink and rename), one node per
/// (st_dev, st_ino), with the kernel's lookup count. FORGET and BATCH_FORGET take lookups away; at
/// zero the descriptor is closed (iput), so the inode lives exactly as long as a dentry of the
/// kernel's FUSE client or an open file needs it.</item>
/// <item>A file handle is a model <c>struct file</c>: the descriptor OPEN and CREATE get from
/// <see cref="UserProcess.Reopen"/> / openat (release is its close); a directory handle is a
/// descriptor with the listing read at the first READDIR.</item>
/// <item>Name operations are *at calls on the parent's descriptor; attribute operations use
/// AT_EMPTY_PATH on the node's.</item>
/// </list>
/// </summary>
/// <remarks>
/// <para>Data: regular files of RAM file systems (statfs magic in <see cref="ModelFileSystemOptions.PageCacheMagics"/>)
/// go through the real kernel's page cache (no direct_io, so mmap works); every other file (device
/// nodes, proc, sysfs, debugfs, other file systems' files) is opened direct_io, so each read and
/// write reaches its handler and reads are not cut at st_size.</para>
/// <para>Device nodes are shown as regular files (same permission bits, size 0): a S_IFCHR node on
/// the FUSE mount would make the real kernel open its own driver for the numbers and never send
/// OPEN; as regular files every open, read, write and ioctl reaches the model's chrdev_open.</para>
/// <para>Names and symlink targets stay bytes: they are copied into the host process's user memory
/// and passed to the raw syscalls, so no encoding is applied.</para>
/// </remarks>
internal sealed unsafe partial class ModelFileSystem : LowLevelFileSystem
{
    private const ulong RootId = 1;
    private const OpenFlags PathRef = OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW;
    private const AtFlags Self = AtFlags.EmptyPath | AtFlags.SymlinkNoFollow;
    private const ulong PositionlessBit = 1UL << 62; // fh tag: no FMODE_PREAD/PWRITE, use read/write
    private const uint IocWrite = 1, IocRead = 2;
    private const long UtimeNow = (1L << 30) - 1, UtimeOmit = (1L << 30) - 2; // include/uapi/linux/stat.h

    private readonly UserProcess _process;
    private readonly ModelFileSystemOptions _options;
    private readonly Action<string> _log;
    private readonly Lock _nodesLock = new();
    private readonly Dictionary<ulong, Node> _nodes = new();
    private readonly Dictionary<(ulong Device, ulong Inode), Node> _byInode = new();
    private readonly Dictionary<ulong, bool> _cachedDevices = new(); // st_dev -> page cache for its regular files
    private readonly Lock _directoriesLock = new();
    private readonly Dictionary<ulong, DirectoryHandle> _directories = new();
    private ulong _nextNode = RootId + 1, _nextDirectory = 1;
    private int _openFiles;

    /// <summary>A node: the model inode behind a FUSE node id, held by an O_PATH descriptor.</summary>
    private sealed class Node(ulong id, int fd, ulong device, ulong inode, bool pageCache)
    {
        public readonly ulong Id = id;
        public readonly int Fd = fd;
        public readonly ulong Device = device, Inode = inode;
        public readonly bool PageCache = pageCache; // regular file of a RAM file system
        public long Lookups;
    }

    /// <summary>An open directory: its descriptor and the listing (read at offset 0).</summary>
    private sealed class DirectoryHandle(int fd)
    {
        public int Fd = fd;
        public List<DirectoryRecord>? Entries;
    }

    private readonly record struct DirectoryRecord(ulong Inode, byte Type, byte[] Name);

    public ModelFileSystem(UserProcess process, int root, ModelFileSystemOptions options, Action<string> log)
    {
        _process = process;
        _options = options;
        _log = log;
        int rc = _process.Fstatat(root, "", out StatResult st, Self);
        if (rc != 0) throw new InvalidOperationException($"the root descriptor cannot be stat'ed: {(Errno)(-rc)}");
        var node = new Node(RootId, root, st.Device, st.Inode, pageCache: false) { Lookups = 1 };
        _nodes.Add(RootId, node);
        _byInode.Add((st.Device, st.Inode), node);
    }

    /// <summary>Nodes the kernel holds (the root included).</summary>
    public int NodeCount
    {
        get { lock (_nodesLock) return _nodes.Count; }
    }

    /// <summary>Files and directories open through the mount.</summary>
    public int OpenFileCount => Volatile.Read(ref _openFiles);

    // ---- per-thread scratch in the host process's user memory -------------------------------------

    // One per task thread: names (two, for rename and link), a link target, and a data buffer in
    // the host process's address space, so the raw syscalls copy from and to it as from a process.
    private sealed class Scratch(UserMemory memory)
    {
        public const int NameBytes = 4104; // PATH_MAX + NUL, rounded
        public const nuint Empty = 0, NameA = 16, NameB = NameA + NameBytes, Link = NameB + NameBytes;
        public readonly UserMemory Memory = memory;
        public readonly UserMapping Names = memory.Map(Link + NameBytes);
        public UserMapping Data;
        public byte[] Bytes = new byte[16 << 10];
        public uint CallerUid = uint.MaxValue, CallerGid;
        public uint[] CallerGroups = [];
        public Credentials? CallerCredentials;
    }

    [ThreadStatic] private static Scratch? t_scratch;

    private Scratch ThreadScratch()
    {
        Scratch? s = t_scratch;
        if (s is null || s.Memory != _process.Memory) t_scratch = s = new Scratch(_process.Memory);
        return s;
    }

    /// <inheritdoc/>
    public override void ThreadLeaving()
    {
        Scratch? s = t_scratch;
        t_scratch = null;
        if (s is null || s.Memory != _process.Memory) return;
        try
        {
            s.Memory.Unmap(s.Names.Address);
            if (s.Data.Length != 0) s.Memory.Unmap(s.Data.Address);
        }
        catch (ObjectDisposedException) { /* the process exited first: its memory went with it */ }
    }

    /// <summary><paramref name="name"/> and a NUL at <paramref name="slot"/> of the names area: the user address.</summary>
    private nuint Name(Scratch s, nuint slot, ReadOnlySpan<byte> name)
    {
        if (name.Length >= Scratch.NameBytes) return 0;
        Span<byte> z = stackalloc byte[name.Length + 1];
        name.CopyTo(z);
        z[^1] = 0;
        nuint address = s.Names.Address + slot;
        return s.Memory.CopyToUser(address, z) == 0 ? address : 0;
    }

    private nuint EmptyName(Scratch s) => Name(s, Scratch.Empty, default);

    private UserMapping Data(Scratch s, nuint size)
    {
        if (s.Data.Length >= size) return s.Data;
        if (s.Data.Length != 0) s.Memory.Unmap(s.Data.Address);
        s.Data = s.Memory.Map(Math.Max((nuint)64 << 10, (size + 4095) & ~(nuint)4095));
        return s.Data;
    }

    private static byte[] Bytes(Scratch s, int size)
    {
        if (s.Bytes.Length < size) s.Bytes = new byte[Math.Max(size, s.Bytes.Length * 2)];
        return s.Bytes;
    }

    // ---- credentials ----------------------------------------------------------------------------

    /// <summary>
    /// override_creds with the caller's ids and supplementary groups for the rest of the request.
    /// uid 0 is taken as fully capable (FUSE does not tell the caller's capability sets).
    /// </summary>
    private CredentialsScope AsCaller(FuseRequest request, Scratch s)
    {
        FuseCtx ctx = request.Caller;
        uint[] groups = ctx.uid == 0 ? [] : request.CallerGroups();
        if (s.CallerCredentials is null || s.CallerUid != ctx.uid || s.CallerGid != ctx.gid || !groups.AsSpan().SequenceEqual(s.CallerGroups))
        {
            s.CallerCredentials = ctx.uid == 0 && ctx.gid == 0 && groups.Length == 0 ? Credentials.Root : Credentials.For(ctx.uid, ctx.gid, groups);
            s.CallerUid = ctx.uid;
            s.CallerGid = ctx.gid;
            s.CallerGroups = groups;
        }
        return _process.OverrideCredentials(s.CallerCredentials);
    }

    // ---- nodes ----------------------------------------------------------------------------------

    private Node? Find(ulong id)
    {
        lock (_nodesLock) return _nodes.GetValueOrDefault(id);
    }

    /// <summary>
    /// The node for the O_PATH descriptor <paramref name="fd"/> (taken over): an existing node of the
    /// same inode gets one more lookup (and the descriptor is closed), else a new node is made.
    /// </summary>
    private int Remember(int fd, out FuseEntryParam entry)
    {
        entry = default;
        int rc = _process.Fstatat(fd, "", out StatResult st, Self);
        if (rc != 0)
        {
            _process.Close(fd);
            return rc;
        }
        bool pageCache = UMode.IsRegular(st.Mode) && UsesPageCache(fd, st.Device);
        Node node;
        bool known;
        lock (_nodesLock)
        {
            known = _byInode.TryGetValue((st.Device, st.Inode), out node!);
            if (!known)
            {
                node = new Node(_nextNode++, fd, st.Device, st.Inode, pageCache);
                _nodes.Add(node.Id, node);
                _byInode.Add((st.Device, st.Inode), node);
            }
            node.Lookups++;
        }
        if (known) _process.Close(fd);
        entry = Entry(node.Id, st);
        return 0;
    }

    private bool UsesPageCache(int fd, ulong device)
    {
        lock (_nodesLock)
        {
            if (_cachedDevices.TryGetValue(device, out bool known)) return known;
        }
        bool cached = _process.Fstatfs(fd, out StatFsResult fs) == 0 && Array.IndexOf(_options.PageCacheMagics, (ulong)fs.Type) >= 0;
        lock (_nodesLock) _cachedDevices[device] = cached;
        return cached;
    }

    /// <inheritdoc/>
    public override void Forget(ulong node, ulong lookups)
    {
        Node? gone = null;
        lock (_nodesLock)
        {
            if (!_nodes.TryGetValue(node, out Node? n)) return;
            n.Lookups -= (long)Math.Min(lookups, (ulong)long.MaxValue);
            if (n.Lookups > 0 || n.Id == RootId) return;
            _nodes.Remove(n.Id);
            _byInode.Remove((n.Device, n.Inode));
            gone = n;
        }
        _process.Close(gone.Fd); // iput: an unlinked inode is evicted here
    }

    private FuseEntryParam Entry(ulong id, in StatResult st) => new()
    {
        ino = id,
        attr = Attributes(st),
        attr_timeout = _options.Timeout,
        entry_timeout = _options.Timeout,
    };

    /// <summary>The model's stat as the real kernel is shown it (device nodes as regular files).</summary>
    private static NativeStat Attributes(in StatResult st)
    {
        NativeStat a = default;
        a.st_ino = st.Inode;
        a.st_mode = AsSeenByTheKernel(st.Mode);
        bool device = a.st_mode != st.Mode;
        a.st_nlink = st.LinkCount;
        a.st_uid = st.Uid;
        a.st_gid = st.Gid;
        a.st_size = device ? 0 : st.Size;
        a.st_blksize = st.BlockSize == 0 ? 4096 : st.BlockSize;
        a.st_blocks = st.Blocks;
        a.st_rdev = 0;
        a.st_atim = new Timespec { tv_sec = st.AccessTime.tv_sec, tv_nsec = st.AccessTime.tv_nsec };
        a.st_mtim = new Timespec { tv_sec = st.ModifyTime.tv_sec, tv_nsec = st.ModifyTime.tv_nsec };
        a.st_ctim = new Timespec { tv_sec = st.ChangeTime.tv_sec, tv_nsec = st.ChangeTime.tv_nsec };
        return a;
    }

    /// <summary>
    /// Character and block nodes become regular files with the same permission bits: as S_IFCHR the
    /// real kernel would open its own driver for the numbers (init_special_inode) and never send
    /// OPEN, and nodev mounts would refuse them.
    /// </summary>
    private static uint AsSeenByTheKernel(uint mode)
    {
        uint type = mode & UMode.S_IFMT;
        return type is UMode.S_IFCHR or UMode.S_IFBLK ? UMode.S_IFREG | (mode & ~UMode.S_IFMT) : mode;
    }

    private static int Code(long negative) => negative < 0 ? (int)Math.Min(-negative, int.MaxValue) : 0;

    // ---- requests on names -----------------------------------------------------------------------

    /// <inheritdoc/>
    public override void Init(FuseConnInfo* connection)
    {
        // O_TRUNC arrives with OPEN (the model truncates as open(2) does); directories' ioctls too.
        connection->want |= FuseConnInfo.CapAtomicOTrunc;
        if ((connection->capable & FuseConnInfo.CapIoctlDir) != 0) connection->want |= FuseConnInfo.CapIoctlDir;
        // Writes reach the model as they happen (write-through), so what a process wrote is what the
        // model holds when write(2) returns; the kernel applies the umask (no DONT_MASK).
        connection->want &= ~(FuseConnInfo.CapWritebackCache | FuseConnInfo.CapDontMask);
        if (!_options.ReaddirPlus) connection->want &= ~(FuseConnInfo.CapReaddirplus | FuseConnInfo.CapReaddirplusAuto);
    }

    public override void Lookup(FuseRequest request, ulong parent, ReadOnlySpan<byte> name)
    {
        Node? p = Find(parent);
        if (p is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        Scratch s = ThreadScratch();
        int rc;
        FuseEntryParam entry = default;
        using (AsCaller(request, s))
        {
            nuint address = Name(s, Scratch.NameA, name);
            if (address == 0)
            {
                request.ReplyError((int)Errno.ENAMETOOLONG);
                return;
            }
            int fd = _process.Openat(p.Fd, address, PathRef);
            rc = fd < 0 ? fd : Remember(fd, out entry);
        }
        if (rc != 0) request.ReplyError(Code(rc));
        else request.ReplyEntry(entry);
    }

    // After a name was made under parent: the node of the new name, with its lookup.
    private void ReplyNewEntry(FuseRequest request, Node parent, nuint name)
    {
        int fd = _process.Openat(parent.Fd, name, PathRef);
        FuseEntryParam entry = default;
        int rc = fd < 0 ? fd : Remember(fd, out entry);
        if (rc != 0) request.ReplyError(Code(rc));
        else request.ReplyEntry(entry);
    }

    // The shape every name operation has: the parent's node, the name in user memory, the caller's
    // credentials, one syscall; then either a new entry or a plain answer.
    private void NameCall(FuseRequest request, ulong parent, ReadOnlySpan<byte> name, bool replyEntry, Func<int, nuint, int> call)
    {
        Node? p = Find(parent);
        if (p is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        Scratch s = ThreadScratch();
        using (AsCaller(request, s))
        {
            nuint address = Name(s, Scratch.NameA, name);
            if (address == 0)
            {
                request.ReplyError((int)Errno.ENAMETOOLONG);
                return;
            }
            int rc = call(p.Fd, address);
            if (rc < 0) request.ReplyError(Code(rc));
            else if (replyEntry) ReplyNewEntry(request, p, address);
            else request.ReplyError(0);
        }
    }

    public override void Mknod(FuseRequest request, ulong parent, ReadOnlySpan<byte> name, uint mode, ulong device) =>
        NameCall(request, parent, name, replyEntry: true, (dir, n) => _process.Mknodat(dir, n, mode, device));

    public override void Mkdir(FuseRequest request, ulong parent, ReadOnlySpan<byte> name, uint mode) =>
        NameCall(request, parent, name, replyEntry: true, (dir, n) => _process.Mkdirat(dir, n, mode));

    public override void Unlink(FuseRequest request, ulong parent, ReadOnlySpan<byte> name) =>
        NameCall(request, parent, name, replyEntry: false, (dir, n) => _process.Unlinkat(dir, n, AtFlags.None));

    public override void Rmdir(FuseRequest request, ulong parent, ReadOnlySpan<byte> name) =>
        NameCall(request, parent, name, replyEntry: false, (dir, n) => _process.Unlinkat(dir, n, AtFlags.RemoveDir));

    public override void Symlink(FuseRequest request, ReadOnlySpan<byte> target, ulong parent, ReadOnlySpan<byte> name)
    {
        Scratch s = ThreadScratch();
        nuint link = Name(s, Scratch.Link, target);
        if (link == 0)
        {
            request.ReplyError((int)Errno.ENAMETOOLONG);
            return;
        }
        NameCall(request, parent, name, replyEntry: true, (dir, n) => _process.Symlinkat(link, dir, n));
    }

    public override void Rename(FuseRequest request, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, uint flags)
    {
        Node? to = Find(newParent);
        if (to is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        Scratch s = ThreadScratch();
        nuint target = Name(s, Scratch.NameB, newName);
        if (target == 0)
        {
            request.ReplyError((int)Errno.ENAMETOOLONG);
            return;
        }
        NameCall(request, parent, name, replyEntry: false, (dir, n) => _process.Renameat2(dir, n, to.Fd, target, (RenameFlags)flags));
    }

    /// <summary>
    /// LINK: linkat(node, "", newparent, name, AT_EMPTY_PATH) names the node's inode. AT_EMPTY_PATH
    /// needs CAP_DAC_READ_SEARCH, which an unprivileged caller lacks (passthrough_ll links
    /// /proc/self/fd/N instead, which the model has not): so the caller's own check is what
    /// link(2) asks of the caller, may_create in the new directory (write and search), and the link
    /// itself is made with the host's credentials.
    /// </summary>
    public override void Link(FuseRequest request, ulong node, ulong newParent, ReadOnlySpan<byte> newName)
    {
        Node? n = Find(node), to = Find(newParent);
        if (n is null || to is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        Scratch s = ThreadScratch();
        nuint name = Name(s, Scratch.NameA, newName);
        if (name == 0)
        {
            request.ReplyError((int)Errno.ENAMETOOLONG);
            return;
        }
        int rc;
        using (AsCaller(request, s)) rc = _process.Faccessat(to.Fd, "", 2 | 1 /* W_OK | X_OK */, AtFlags.EmptyPath | AtFlags.EffectiveAccess);
        if (rc == 0) rc = _process.Linkat(n.Fd, EmptyName(s), to.Fd, name, AtFlags.EmptyPath);
        StatResult st = default;
        if (rc == 0) rc = _process.Fstatat(n.Fd, "", out st, Self);
        if (rc != 0)
        {
            request.ReplyError(Code(rc));
            return;
        }
        lock (_nodesLock) n.Lookups++; // the new name is one more lookup of the same node
        request.ReplyEntry(Entry(n.Id, st));
    }

    // ---- requests on nodes -----------------------------------------------------------------------

    public override void GetAttr(FuseRequest request, ulong node, FuseFileInfo* file)
    {
        // The node's own inode, whatever happened to its names: fstat of an unlinked open file works.
        Node? n = Find(node);
        if (n is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        int rc = _process.Fstatat(n.Fd, "", out StatResult st, Self);
        if (rc != 0) request.ReplyError(Code(rc));
        else request.ReplyAttr(Attributes(st), _options.Timeout);
    }

    /// <summary>
    /// SETATTR as the calls a process would make: chmod, chown, truncate (ftruncate of the handle
    /// when the kernel sends one), utimensat, each on the node with the caller's credentials; the
    /// answer is the inode's attributes after them.
    /// </summary>
    public override void SetAttr(FuseRequest request, ulong node, NativeStat* attr, int toSet, FuseFileInfo* file)
    {
        Node? n = Find(node);
        if (n is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        Scratch s = ThreadScratch();
        int rc = 0;
        using (AsCaller(request, s))
        {
            if ((toSet & FuseSetAttr.Mode) != 0)
                rc = _process.Fchmodat(n.Fd, "", attr->st_mode & 0xFFF, AtFlags.EmptyPath);
            if (rc == 0 && (toSet & (FuseSetAttr.Uid | FuseSetAttr.Gid)) != 0)
            {
                uint uid = (toSet & FuseSetAttr.Uid) != 0 ? attr->st_uid : uint.MaxValue;
                uint gid = (toSet & FuseSetAttr.Gid) != 0 ? attr->st_gid : uint.MaxValue;
                rc = _process.Fchownat(n.Fd, "", uid, gid, Self);
            }
            if (rc == 0 && (toSet & FuseSetAttr.Size) != 0)
            {
                if (file is not null && FileOf(file) is int fd and >= 0)
                {
                    rc = _process.Ftruncate(fd, attr->st_size);
                }
                else
                {
                    // truncate(2): write permission on the file, as open(O_WRONLY) checks it
                    int w = _process.Reopen(n.Fd, OpenFlags.O_WRONLY);
                    rc = w < 0 ? w : _process.Ftruncate(w, attr->st_size);
                    if (w >= 0) _process.Close(w);
                }
            }
            const int Times = FuseSetAttr.Atime | FuseSetAttr.Mtime | FuseSetAttr.AtimeNow | FuseSetAttr.MtimeNow;
            if (rc == 0 && (toSet & Times) != 0)
            {
                var times = new[]
                {
                    Time(toSet, FuseSetAttr.Atime, FuseSetAttr.AtimeNow, attr->st_atim),
                    Time(toSet, FuseSetAttr.Mtime, FuseSetAttr.MtimeNow, attr->st_mtim),
                };
                rc = _process.Utimensat(n.Fd, "", times, Self);
            }
        }
        StatResult st = default;
        if (rc == 0) rc = _process.Fstatat(n.Fd, "", out st, Self);
        if (rc != 0) request.ReplyError(Code(rc));
        else request.ReplyAttr(Attributes(st), _options.Timeout);
    }

    private static KernelTimespec Time(int toSet, int given, int now, Timespec value) =>
        (toSet & now) != 0 ? new KernelTimespec(0, UtimeNow)
        : (toSet & given) != 0 ? new KernelTimespec(value.tv_sec, value.tv_nsec)
        : new KernelTimespec(0, UtimeOmit);

    public override void ReadLink(FuseRequest request, ulong node)
    {
        Node? n = Find(node);
        if (n is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        Scratch s = ThreadScratch();
        nuint buffer = s.Names.Address + Scratch.Link;
        long length = _process.Readlinkat(n.Fd, EmptyName(s), buffer, Scratch.NameBytes - 1);
        if (length < 0)
        {
            request.ReplyError(Code(length));
            return;
        }
        Span<byte> target = stackalloc byte[(int)length];
        s.Memory.CopyFromUser(target, buffer);
        request.ReplyReadlink(target);
    }

    public override void StatFs(FuseRequest request, ulong node)
    {
        Node? n = Find(node);
        if (n is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        int rc = _process.Fstatfs(n.Fd, out StatFsResult fs);
        if (rc != 0)
        {
            request.ReplyError(Code(rc));
            return;
        }
        var v = new NativeStatvfs
        {
            f_bsize = (ulong)fs.BlockSize,
            f_frsize = (ulong)(fs.FragmentSize != 0 ? fs.FragmentSize : fs.BlockSize),
            f_blocks = fs.Blocks,
            f_bfree = fs.FreeBlocks,
            f_bavail = fs.AvailableBlocks,
            f_files = fs.Files,
            f_ffree = fs.FreeFiles,
            f_favail = fs.FreeFiles,
            f_fsid = fs.FsId,
            f_flag = (ulong)fs.Flags,
            f_namemax = (ulong)fs.NameLength,
        };
        request.ReplyStatfs(v);
    }

    public override void Access(FuseRequest request, ulong node, int mask)
    {
        Node? n = Find(node);
        if (n is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        Scratch s = ThreadScratch();
        int rc;
        using (AsCaller(request, s)) rc = _process.Faccessat(n.Fd, "", mask, AtFlags.EmptyPath);
        request.ReplyError(Code(rc));
    }

    // ---- open files --------------------------------------------------------------------------------

    private static int FileOf(FuseFileInfo* file) =>
        file == null || file->fh == 0 ? -1 : (int)((file->fh & ~PositionlessBit) - 1);

    // The handle of model fd `fd`, and how the kernel's FUSE client is to treat it.
    private void DescribeOpen(int fd, Node n, FuseFileInfo* file)
    {
        FMode mode = _process.FileModeOf(fd) ?? 0;
        ulong fh = (ulong)fd + 1;
        if ((mode & (FMode.FMODE_PREAD | FMode.FMODE_PWRITE)) != (FMode.FMODE_PREAD | FMode.FMODE_PWRITE)) fh |= PositionlessBit;
        file->fh = fh;
        // RAM files through the page cache (mmap works; invalidated at each open); the rest direct.
        file->DirectIo = !n.PageCache;
        file->KeepCache = false;
        // No FMODE_LSEEK (no lseek handler, nonseekable_open, stream_open): lseek is ESPIPE.
        file->Nonseekable = (mode & FMode.FMODE_LSEEK) == 0;
        Interlocked.Increment(ref _openFiles);
    }

    public override void Open(FuseRequest request, ulong node, FuseFileInfo* file)
    {
        Node? n = Find(node);
        if (n is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        Scratch s = ThreadScratch();
        int fd;
        using (AsCaller(request, s))
        using (request.OnInterruptSignal(KernelTask.Current))
            fd = _process.Reopen(n.Fd, (OpenFlags)(uint)file->flags);
        if (fd < 0)
        {
            request.ReplyError(Code(fd));
            return;
        }
        DescribeOpen(fd, n, file);
        request.ReplyOpen(*file);
    }

    public override void Create(FuseRequest request, ulong parent, ReadOnlySpan<byte> name, uint mode, FuseFileInfo* file)
    {
        Node? p = Find(parent);
        if (p is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        Scratch s = ThreadScratch();
        int fd, rc;
        FuseEntryParam entry = default;
        using (AsCaller(request, s))
        {
            nuint address = Name(s, Scratch.NameA, name);
            if (address == 0)
            {
                request.ReplyError((int)Errno.ENAMETOOLONG);
                return;
            }
            using (request.OnInterruptSignal(KernelTask.Current))
                fd = _process.Openat(p.Fd, address, (OpenFlags)(uint)file->flags | OpenFlags.O_CREAT, mode);
            if (fd < 0)
            {
                request.ReplyError(Code(fd));
                return;
            }
            int path = _process.Openat(p.Fd, address, PathRef);
            rc = path < 0 ? path : Remember(path, out entry);
        }
        if (rc != 0)
        {
            _process.Close(fd);
            request.ReplyError(Code(rc));
            return;
        }
        DescribeOpen(fd, Find(entry.ino)!, file);
        request.ReplyCreate(entry, *file);
    }

    public override void Read(FuseRequest request, ulong node, nuint size, long offset, FuseFileInfo* file)
    {
        int fd = FileOf(file);
        if (size == 0)
        {
            request.ReplyBuffer(default);
            return;
        }
        size = Math.Min(size, (nuint)(64 << 20));
        Scratch s = ThreadScratch();
        UserMapping user = Data(s, size);
        nint n;
        using (request.OnInterruptSignal(KernelTask.Current))
        {
            n = (file->fh & PositionlessBit) != 0
                ? _process.Read(fd, user.Address, size)
                : _process.Pread(fd, user.Address, size, offset);
        }
        if (n < 0)
        {
            request.ReplyError(Code(n));
            return;
        }
        byte[] bytes = Bytes(s, (int)n);
        if (s.Memory.CopyFromUser(bytes.AsSpan(0, (int)n), user.Address) != 0)
        {
            request.ReplyError((int)Errno.EFAULT);
            return;
        }
        request.ReplyBuffer(bytes.AsSpan(0, (int)n));
    }

    public override void Write(FuseRequest request, ulong node, ReadOnlySpan<byte> data, long offset, FuseFileInfo* file)
    {
        int fd = FileOf(file);
        if (data.IsEmpty)
        {
            request.ReplyWrite(0);
            return;
        }
        Scratch s = ThreadScratch();
        UserMapping user = Data(s, (nuint)data.Length);
        if (s.Memory.CopyToUser(user.Address, data) != 0)
        {
            request.ReplyError((int)Errno.EFAULT);
            return;
        }
        nint n;
        using (AsCaller(request, s)) // write clears setuid bits as the caller (file_remove_privs)
        using (request.OnInterruptSignal(KernelTask.Current))
        {
            n = (file->fh & PositionlessBit) != 0
                ? _process.Write(fd, user.Address, (nuint)data.Length)
                : _process.Pwrite(fd, user.Address, (nuint)data.Length, offset);
        }
        if (n < 0) request.ReplyError(Code(n));
        else request.ReplyWrite((nuint)n);
    }

    /// <summary>FLUSH: each close(2) of the real file runs the model's ->flush (close of a dup, as filp_close does).</summary>
    public override void Flush(FuseRequest request, ulong node, FuseFileInfo* file)
    {
        int fd = FileOf(file);
        int dup = _process.Dup(fd);
        int rc;
        using (request.OnInterruptSignal(KernelTask.Current))
            rc = dup < 0 ? dup : _process.Close(dup);
        request.ReplyError(Code(rc));
    }

    public override void Release(FuseRequest request, ulong node, FuseFileInfo* file)
    {
        int fd = FileOf(file);
        StopPollWatcher(fd);
        // fs/fuse/file.c:fuse_release: the last close of the real file; the model's __fput runs release.
        _process.Close(fd);
        Interlocked.Decrement(ref _openFiles);
        request.ReplyError(0);
    }

    public override void Fsync(FuseRequest request, ulong node, bool dataOnly, FuseFileInfo* file)
    {
        int fd = FileOf(file);
        int rc;
        using (request.OnInterruptSignal(KernelTask.Current))
            rc = dataOnly ? _process.Fdatasync(fd) : _process.Fsync(fd);
        request.ReplyError(Code(rc));
    }

    /// <summary>LSEEK: the kernel's FUSE client answers SEEK_SET/CUR/END itself; SEEK_DATA and SEEK_HOLE come here.</summary>
    public override void Lseek(FuseRequest request, ulong node, long offset, int whence, FuseFileInfo* file)
    {
        long rc = _process.Lseek(FileOf(file), offset, whence);
        if (rc < 0) request.ReplyError(Code(rc));
        else request.ReplyLseek(rc);
    }

    public override void Ioctl(FuseRequest request, ulong node, uint command, nuint argument, FuseFileInfo* file, uint flags, ReadOnlySpan<byte> input, nuint outputSize)
    {
        const uint FuseIoctlCompat = 1 << 0, FuseIoctlDir = 1 << 4;
        if ((flags & FuseIoctlCompat) != 0)
        {
            request.ReplyError((int)Errno.ENOSYS); // no 32-bit callers
            return;
        }
        int fd = (flags & FuseIoctlDir) != 0 ? DirectoryOf(file)?.Fd ?? -1 : FileOf(file);
        // A restricted FUSE ioctl carries _IOC_SIZE(cmd) bytes in and/or out (fs/fuse/ioctl.c:
        // fuse_do_ioctl); they go through the host process's user memory, so the handler's
        // copy_from_user/copy_to_user see a real user buffer.
        uint size = (command >> 16) & 0x3FFF, direction = command >> 30;
        Scratch s = ThreadScratch();
        long rc;
        byte[] output = [];
        using (AsCaller(request, s))
        using (request.OnInterruptSignal(KernelTask.Current))
        {
            if (size == 0)
            {
                rc = _process.Ioctl(fd, command, argument);
            }
            else
            {
                UserMapping user = Data(s, size);
                Span<byte> bytes = stackalloc byte[(int)size];
                bytes.Clear(); // no stale bytes from an earlier request
                if ((direction & IocWrite) != 0) input[..Math.Min(input.Length, (int)size)].CopyTo(bytes);
                s.Memory.CopyToUser(user.Address, bytes);
                rc = _process.Ioctl(fd, command, user.Address);
                if ((direction & IocRead) != 0 && rc >= 0)
                {
                    output = new byte[Math.Min(size, (uint)outputSize)];
                    s.Memory.CopyFromUser(output, user.Address);
                }
            }
        }
        if (rc < 0) request.ReplyError(Code(rc));
        else request.ReplyIoctl((int)Math.Min(rc, int.MaxValue), output);
    }

    // ---- directories -------------------------------------------------------------------------------

    private DirectoryHandle? DirectoryOf(FuseFileInfo* file)
    {
        if (file == null) return null;
        lock (_directoriesLock) return _directories.GetValueOrDefault(file->fh);
    }

    public override void OpenDir(FuseRequest request, ulong node, FuseFileInfo* file)
    {
        Node? n = Find(node);
        if (n is null)
        {
            request.ReplyError((int)Errno.ESTALE);
            return;
        }
        Scratch s = ThreadScratch();
        int fd;
        using (AsCaller(request, s)) fd = _process.Reopen(n.Fd, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        if (fd < 0)
        {
            request.ReplyError(Code(fd));
            return;
        }
        lock (_directoriesLock)
        {
            file->fh = _nextDirectory++;
            _directories.Add(file->fh, new DirectoryHandle(fd));
        }
        Interlocked.Increment(ref _openFiles);
        request.ReplyOpen(*file);
    }

    /// <summary>
    /// READDIR/READDIRPLUS: the listing is read from the model (getdents64 to the end) when the
    /// kernel asks for offset 0, and served from there; an entry's offset is its index + 1. A
    /// READDIRPLUS entry is a lookup (one more count on its node), except "." and "..".
    /// </summary>
    public override void ReadDir(FuseRequest request, ulong node, nuint size, long offset, FuseFileInfo* file, bool plus)
    {
        Node? n = Find(node);
        DirectoryHandle? d = DirectoryOf(file);
        if (n is null || d is null)
        {
            request.ReplyError((int)Errno.EBADF);
            return;
        }
        Scratch s = ThreadScratch();
        byte[] buffer = Bytes(s, (int)Math.Min(size, (nuint)(1 << 20)));
        int used = 0;
        using (AsCaller(request, s))
        {
            lock (d)
            {
                if (offset == 0 || d.Entries is null)
                {
                    int rc = Fill(s, n, d);
                    if (rc != 0)
                    {
                        request.ReplyError(Code(rc));
                        return;
                    }
                }
                List<DirectoryRecord> entries = d.Entries!;
                Span<byte> nameZ = stackalloc byte[256 * 4 + 1];
                Span<byte> span = buffer.AsSpan(0, (int)Math.Min(size, (nuint)buffer.Length));
                for (long i = Math.Max(offset, 0); i < entries.Count; i++)
                {
                    DirectoryRecord e = entries[(int)i];
                    e.Name.CopyTo(nameZ);
                    nameZ[e.Name.Length] = 0;
                    ReadOnlySpan<byte> z = nameZ[..(e.Name.Length + 1)];
                    var attr = new NativeStat { st_ino = e.Inode, st_mode = AsSeenByTheKernel((uint)e.Type << 12) };
                    if (!plus)
                    {
                        if (!request.AddDirectoryEntry(span, ref used, z, attr, i + 1)) break;
                        continue;
                    }
                    FuseEntryParam entry = new() { attr = attr };
                    bool dots = e.Name is [(byte)'.'] or [(byte)'.', (byte)'.'];
                    if (!dots)
                    {
                        nuint address = Name(s, Scratch.NameB, e.Name);
                        int fd = address == 0 ? -1 : _process.Openat(n.Fd, address, PathRef);
                        if (fd >= 0 && Remember(fd, out FuseEntryParam found) == 0) entry = found;
                        // else: listed without attributes (node 0: no lookup), it went meanwhile
                    }
                    if (!request.AddDirectoryEntryPlus(span, ref used, z, entry, i + 1))
                    {
                        if (entry.ino != 0) Forget(entry.ino, 1); // did not fit: the kernel never saw it
                        break;
                    }
                }
            }
        }
        request.ReplyBuffer(buffer.AsSpan(0, used));
    }

    // The whole listing, from the start: a rewind reopens the directory (no lseek needed of it).
    private int Fill(Scratch s, Node n, DirectoryHandle d)
    {
        if (d.Entries is not null)
        {
            int fresh = _process.Reopen(n.Fd, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
            if (fresh < 0) return fresh;
            _process.Close(d.Fd);
            d.Fd = fresh;
        }
        var entries = new List<DirectoryRecord>();
        const int Chunk = 32 << 10;
        UserMapping user = Data(s, Chunk);
        byte[] bytes = Bytes(s, Chunk);
        while (true)
        {
            int got = _process.Getdents64(d.Fd, user.Address, Chunk);
            if (got < 0) return got;
            if (got == 0) break;
            s.Memory.CopyFromUser(bytes.AsSpan(0, got), user.Address);
            // struct linux_dirent64 { u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[]; }
            for (int at = 0; at < got;)
            {
                ulong ino = BitConverter.ToUInt64(bytes, at);
                ushort length = BitConverter.ToUInt16(bytes, at + 16);
                byte type = bytes[at + 18];
                ReadOnlySpan<byte> name = bytes.AsSpan(at + 19, length - 19);
                int nul = name.IndexOf((byte)0);
                if (nul >= 0) name = name[..nul];
                entries.Add(new DirectoryRecord(ino, type, name.ToArray()));
                at += length;
            }
        }
        d.Entries = entries;
        return 0;
    }

    public override void ReleaseDir(FuseRequest request, ulong node, FuseFileInfo* file)
    {
        DirectoryHandle? d;
        lock (_directoriesLock)
        {
            if (_directories.Remove(file->fh, out d)) Interlocked.Decrement(ref _openFiles);
        }
        if (d is not null)
        {
            lock (d) _process.Close(d.Fd);
        }
        request.ReplyError(0);
    }

    public override void FsyncDir(FuseRequest request, ulong node, bool dataOnly, FuseFileInfo* file)
    {
        DirectoryHandle? d = DirectoryOf(file);
        int rc = d is null ? -(int)Errno.EBADF : dataOnly ? _process.Fdatasync(d.Fd) : _process.Fsync(d.Fd);
        request.ReplyError(Code(rc));
    }
}

/// <summary>What a <see cref="ModelFileSystem"/> tells the kernel's FUSE client.</summary>
internal sealed record ModelFileSystemOptions
{
    /// <summary>Entry and attribute timeout, seconds (0: every lookup and stat asks the model).</summary>
    public double Timeout { get; init; }

    /// <summary>Statfs magics of file systems whose regular files go through the page cache (RAMFS_MAGIC, TMPFS_MAGIC).</summary>
    public ulong[] PageCacheMagics { get; init; } = [0x858458f6, 0x01021994];

    /// <summary>Offer READDIRPLUS (each listed entry is looked up with it).</summary>
    public bool ReaddirPlus { get; init; } = true;
}
