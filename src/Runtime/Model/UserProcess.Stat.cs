using System;
using System.Collections.Generic;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>One record of getdents64(2).</summary>
/// <param name="Name">d_name.</param>
/// <param name="Inode">d_ino.</param>
/// <param name="Mode">The file-type bits of the entry's mode (d_type as S_IFMT bits).</param>
public readonly record struct DirectoryEntry(string Name, ulong Inode, uint Mode);

public sealed unsafe partial class UserProcess
{
    /// <summary>fstat(2): the status of the node open on <paramref name="fd"/>, or -EBADF.</summary>
    public int Fstat(int fd, out StatResult status)
    {
        status = default;
        using TaskScope task = EnterTask();
        // mirrors fs/stat.c:vfs_fstat (fdget, then vfs_getattr on the file's path)
        using FileHandle f = FdGet(fd);
        if (f.File is null) return -(int)Errno.EBADF;
        status = FillAttr(f.File.Node);
        return 0;
    }

    /// <summary>
    /// getdents64(2) on the directory at <paramref name="path"/>, read to the end in one go: opens
    /// it O_RDONLY|O_DIRECTORY, lists ".", ".." and the children, and closes it. /proc directories
    /// list as proc_readdir does (in the order of proc's rb-tree: shorter names first, then
    /// bytewise); <c>/dev</c> lists its nodes as dcache_readdir would after mknod (sorted by name,
    /// d_type from each node's mode: DT_CHR, DT_BLK); <c>/</c> lists <c>dev</c> and <c>proc</c>.
    /// </summary>
    /// <returns>0 with <paramref name="entries"/> filled, or -errno (ENOENT, ENOTDIR).</returns>
    public int ReadDirectory(string path, List<DirectoryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(entries);
        using TaskScope task = EnterTask();
        int error = Kernel.LookupForOpen(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY, out IVfsNode? found);
        if (error != 0) return error;
        try
        {
            if (found is DevFs.DevNode)
            {
                // mirrors fs/libfs.c:dcache_readdir on devtmpfs' root: dots, then the children
                entries.Add(new DirectoryEntry(".", Ino(found), ProcFs.S_IFDIR));
                entries.Add(new DirectoryEntry("..", Ino(Kernel.Proc.FsRoot), ProcFs.S_IFDIR));
                entries.AddRange(Kernel.Dev.Entries());
                return 0;
            }
            ProcEntry dir = (ProcEntry)found!;
            var children = new List<DirectoryEntry>();
            ulong parentIno = Ino(dir);
            lock (Kernel.Proc.TreeLock)
            {
                // SAFETY: under proc_subdir_lock every linked entry still holds its registration's
                // reference (removal unlinks under this lock and drops it only afterwards), so the
                // inodes read here are live.
                if (dir.Parent is { IsLinked: true } parent) parentIno = Ino(parent);
                if (dir.Children is { } c)
                    foreach (var (name, child) in c) // the key: /proc's own Name is "/proc"
                        children.Add(new DirectoryEntry(name, Ino(child), child.Mode & ProcFs.S_IFMT));
            }
            // "/" holds /dev too (a mount on the root's "dev" entry in Linux); /dev's root node
            // lives as long as the kernel.
            if (dir == Kernel.Proc.FsRoot) children.Add(new DirectoryEntry("dev", Ino(Kernel.Dev.Root), ProcFs.S_IFDIR));
            // mirrors fs/proc/generic.c:proc_readdir_de (dir_emit_dots, then pde_subdir_first/next)
            entries.Add(new DirectoryEntry(".", Ino(dir), ProcFs.S_IFDIR));
            entries.Add(new DirectoryEntry("..", parentIno, ProcFs.S_IFDIR));
            children.Sort(static (a, b) => ProcMatchOrder(a.Name, b.Name));
            entries.AddRange(children);
            return 0;
        }
        finally
        {
            found!.PutNode();
        }
    }

    /// <summary>
    /// The FMODE bits of the file on <paramref name="fd"/>, or null for a bad fd: what the VFS of
    /// a bridge (the FUSE host) needs to know about a file it opened (FMODE_LSEEK, FMODE_PREAD,
    /// FMODE_STREAM), and what no syscall shows a real process.
    /// </summary>
    internal FMode? FileModeOf(int fd)
    {
        using FileHandle f = FdGet(fd);
        // SAFETY: FdGet took a reference, so the native file is live until the handle is disposed.
        return f.File is null ? null : (FMode)f.File.File->f_mode;
    }

    // mirrors fs/stat.c:generic_fillattr for the fields the model keeps
    private StatResult FillAttr(IVfsNode node)
    {
        // SAFETY: the caller holds a node reference (lookup) or a file reference (fdget), which
        // keeps the inode allocated.
        NativeInode* inode = node.Inode;
        uint type = inode->i_mode & ProcFs.S_IFMT;
        uint links = type == ProcFs.S_IFDIR ? 2u : 1u;
        if (node is ProcEntry { Children: { } children })
        {
            // proc_mkdir: nlink 2, and each subdirectory adds one to its parent (proc_register)
            lock (Kernel.Proc.TreeLock)
            {
                foreach (ProcEntry child in children.Values)
                    if (child.IsDirectory) links++;
            }
            if (node == Kernel.Proc.FsRoot) links++; // /dev
        }
        return new StatResult(
            Device: node is DevFs.DevNode ? DevFs.SuperblockDevice : node is DebugFsEntry ? DeviceNumber.MakeUser(0, 7) : DeviceNumber.MakeUser(0, 22),
            Inode: inode->i_ino,
            Mode: inode->i_mode,
            LinkCount: links,
            RDevice: type is StatResult.S_IFCHR or StatResult.S_IFBLK ? DeviceNumber.ToUser(inode->i_rdev) : 0,
            Size: System.Threading.Volatile.Read(ref inode->i_size));
    }

    private static ulong Ino(IVfsNode node) => node.Inode->i_ino;

    // mirrors fs/proc/generic.c:proc_match (the rb-tree order: length first, then memcmp)
    private static int ProcMatchOrder(string a, string b) =>
        a.Length != b.Length ? a.Length.CompareTo(b.Length) : string.CompareOrdinal(a, b);
}
