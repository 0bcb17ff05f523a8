using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The model's <c>/dev</c>: a flat directory where registered devices get their nodes, as devtmpfs
/// gives them (misc_register, <see cref="CharDeviceRegistry.CreateDevice"/>), and mknod(2) creates
/// more. Opening a character node runs chrdev_open (def_chr_fops), which dispatches on the node's
/// (major, minor); a block node answers ENXIO (no block devices are modelled). Thread-safe.
/// </summary>
public sealed unsafe class DevFs
{
    /// <summary>st_dev of /dev (an anonymous superblock number, as devtmpfs has).</summary>
    public static readonly ulong SuperblockDevice = DeviceNumber.MakeUser(0, 5);

    private readonly Kernel _kernel;
    private readonly Lock _lock = new();
    private readonly Dictionary<string, DevNode> _nodes = new(StringComparer.Ordinal);
    private long _nextIno = 2;

    internal DevFs(Kernel kernel)
    {
        _kernel = kernel;
        Root = new DevNode(this, ProcFs.S_IFDIR | 0x1ED /* 0755 */, 0, 1, DirectoryDispatch.Instance);
    }

    internal DevNode Root { get; }

    internal KernelCounters Counters => _kernel.Counters;

    /// <summary>The names of the nodes in /dev, sorted.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock)
            {
                var names = new List<string>(_nodes.Keys);
                names.Sort(StringComparer.Ordinal);
                return names;
            }
        }
    }

    /// <summary>
    /// mirrors fs/namei.c:do_mknodat + may_mknod + vfs_mknod for /dev/NAME. Returns 0 or -errno:
    /// EEXIST, ENOENT (not under /dev), EPERM for directories (and, not modelled, regular files,
    /// FIFOs and sockets), EINVAL for an unknown file type.
    /// </summary>
    internal int Mknod(string name, uint mode, uint dev)
    {
        uint type = mode & ProcFs.S_IFMT;
        switch (type)
        {
            case 0:
                return -(int)Errno.EPERM; // S_IFREG by default: not modelled in /dev
            case StatResult.S_IFCHR:
            case StatResult.S_IFBLK:
                break;
            case ProcFs.S_IFDIR:
                return -(int)Errno.EPERM; // may_mknod
            case ProcFs.S_IFREG:
            case 0x1000: // S_IFIFO
            case 0xC000: // S_IFSOCK
                return -(int)Errno.EPERM; // valid in Linux; not modelled here
            default:
                return -(int)Errno.EINVAL;
        }
        if (name.Length == 0) return -(int)Errno.ENOENT;
        if (name.Length > Vfs.NameMax) return -(int)Errno.ENAMETOOLONG;
        FileDispatch dispatch = type == StatResult.S_IFCHR ? _kernel.CharDevices.ChrdevOpen : BlockDispatch.Instance;
        lock (_lock)
        {
            if (_nodes.ContainsKey(name)) return -(int)Errno.EEXIST;
            var node = new DevNode(this, (mode & (ProcFs.S_IFMT | ProcFs.S_IALLUGO)), dev, (ulong)Interlocked.Increment(ref _nextIno) + 1, dispatch);
            _nodes.Add(name, node);
        }
        return 0;
    }

    /// <summary>
    /// mirrors drivers/base/devtmpfs.c:devtmpfs_create_node (handle_create): the node a registered
    /// device gets, /dev/NAME, a character device with <paramref name="permissions"/> (the caller
    /// applies devtmpfs' 0600 default), owned by <paramref name="creator"/> so only its own removal deletes it.
    /// A name already taken is left as it is, as device_add ignores devtmpfs' EEXIST.
    /// </summary>
    internal void CreateDeviceNode(string name, uint permissions, uint dev, object creator)
    {
        uint mode = StatResult.S_IFCHR | (permissions & ProcFs.S_IALLUGO);
        if (Mknod(name, mode, dev) != 0) return;
        lock (_lock)
        {
            if (_nodes.TryGetValue(name, out DevNode? node)) node.Creator = creator;
        }
    }

    /// <summary>
    /// mirrors drivers/base/devtmpfs.c:devtmpfs_delete_node (handle_remove): deletes /dev/NAME if it
    /// is still the node <paramref name="creator"/>'s registration made (dev_mynode); a node
    /// someone replaced it with stays. Open files keep the node until their last close.
    /// </summary>
    internal void DeleteDeviceNode(string name, object creator)
    {
        DevNode? node;
        lock (_lock)
        {
            if (!_nodes.TryGetValue(name, out node) || !ReferenceEquals(node.Creator, creator)) return;
            _nodes.Remove(name);
        }
        node.PutNode();
    }

    /// <summary>unlink(2) of /dev/NAME: the node goes away when the last open file on it closes.</summary>
    internal int Unlink(string name)
    {
        DevNode? node;
        lock (_lock)
        {
            if (!_nodes.Remove(name, out node)) return -(int)Errno.ENOENT;
        }
        node.PutNode();
        return 0;
    }

    /// <summary>Kernel shutdown: drops every node's directory reference (open files keep theirs).</summary>
    internal void Shutdown()
    {
        DevNode[] nodes;
        lock (_lock)
        {
            nodes = new DevNode[_nodes.Count];
            _nodes.Values.CopyTo(nodes, 0);
            _nodes.Clear();
        }
        foreach (DevNode node in nodes) node.PutNode();
        Root.PutNode();
    }

    /// <summary>A node in /dev: its inode and reference count (directory entry + lookups + open files).</summary>
    internal sealed class DevNode(DevFs fs, uint mode, uint dev, ulong ino, FileDispatch dispatch)
        : CountedInode(fs.Counters, mode, ino, dev), IVfsNode
    {
        public FileDispatch Dispatch { get; } = dispatch;

        /// <summary>The registration whose devtmpfs node this is (dev_mynode), or null for a mknod(2) node.</summary>
        public object? Creator { get; set; }

        public ulong Device => SuperblockDevice;

        // /dev is flat: only its root has children (looked up as simple_lookup would, under /dev's lock)
        public IVfsNode? Lookup(string name) => DirectoryTable.Lookup(fs._lock, this == fs.Root ? fs._nodes : null, name);

        // mirrors fs/libfs.c:dcache_readdir on devtmpfs' root, listed by name
        public void ListChildren(List<DirectoryEntry> into) =>
            DirectoryTable.List(fs._lock, this == fs.Root ? fs._nodes : null, into, DirectoryTable.ByName);
    }

    /// <summary>def_blk_fops as far as the model goes: no block device exists, so open is ENXIO (blkdev_open).</summary>
    private sealed class BlockDispatch : FileDispatch
    {
        public static readonly BlockDispatch Instance = new();
        public override void* Ops => null;
        public override bool HasRead => false;
        public override bool HasWrite => false;
        public override bool HasLlseek => false;
        public override bool HasIoctl => false;
        public override int Open(NativeInode* inode, NativeFile* file) => -(int)Errno.ENXIO;
        public override nint Read(NativeFile* file, byte* buffer, nuint count, long* position) => -(nint)Errno.EINVAL;
        public override nint Write(NativeFile* file, byte* buffer, nuint count, long* position) => -(nint)Errno.EINVAL;
        public override long Llseek(NativeFile* file, long offset, int whence) => -(long)Errno.ESPIPE;
        public override nint Ioctl(NativeFile* file, uint command, nuint argument) => -(nint)Errno.ENOTTY;
        public override int Release(NativeInode* inode, NativeFile* file) => 0;
    }
}
