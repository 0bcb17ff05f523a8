using System;
using System.Collections.Generic;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>One record of getdents64(2).</summary>
/// <param name="Name">d_name.</param>
/// <param name="Inode">d_ino.</param>
/// <param name="Mode">The file-type bits of the entry's mode (d_type as S_IFMT bits).</param>
public readonly record struct DirectoryEntry(string Name, ulong Inode, uint Mode)
{
    /// <summary>The entry for <paramref name="node"/> under <paramref name="name"/>.</summary>
    internal static unsafe DirectoryEntry For(string name, IVfsNode node) =>
        // SAFETY: callers hold a reference to the node, or the lock under which a linked node keeps
        // its registration's reference, so the inode is live.
        new(name, node.Inode->i_ino, node.Inode->i_mode & ProcFs.S_IFMT);
}

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
    /// bytewise); <c>/dev</c> and debugfs directories list as dcache_readdir (sorted by name here,
    /// d_type from each node's mode: DT_CHR, DT_BLK, DT_REG, DT_DIR); <c>/</c> lists <c>dev</c>,
    /// <c>proc</c> and <c>sys</c>, <c>/sys</c> lists <c>kernel</c> and <c>/sys/kernel</c> lists <c>debug</c>.
    /// </summary>
    /// <returns>0 with <paramref name="entries"/> filled, or -errno (ENOENT, ENOTDIR).</returns>
    public int ReadDirectory(string path, List<DirectoryEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(entries);
        using TaskScope task = EnterTask();
        int error = Kernel.LookupForOpen(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY, out IVfsNode? found, out ulong parentIno);
        if (error != 0) return error;
        try
        {
            // mirrors fs/readdir.c:iterate_dir: dir_emit_dots, then the filesystem's iterate_shared
            entries.Add(new DirectoryEntry(".", Ino(found!), ProcFs.S_IFDIR));
            entries.Add(new DirectoryEntry("..", parentIno, ProcFs.S_IFDIR));
            found!.ListChildren(entries);
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
    public FMode? FileModeOf(int fd)
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
        uint links = 1;
        if (node.IsDirectory)
        {
            // "." and the parent's entry, plus each subdirectory's "..": what proc_mkdir
            // (proc_register), debugfs_create_dir and kernfs (kernfs_refresh_inode) keep
            var children = new List<DirectoryEntry>();
            node.ListChildren(children);
            links = 2;
            foreach (DirectoryEntry child in children)
                if (child.Mode == ProcFs.S_IFDIR) links++;
        }
        return new StatResult(
            Device: node.Device,
            Inode: inode->i_ino,
            Mode: inode->i_mode,
            LinkCount: links,
            RDevice: type is StatResult.S_IFCHR or StatResult.S_IFBLK ? DeviceNumber.ToUser(inode->i_rdev) : 0,
            Size: System.Threading.Volatile.Read(ref inode->i_size));
    }

    private static ulong Ino(IVfsNode node) => node.Inode->i_ino;
}
