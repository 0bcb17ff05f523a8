using System;
using System.Collections.Generic;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A dcache_readdir cursor (fs/libfs.c dcache_dir_open's d_alloc_cursor): a placeholder in the
/// directory's child list marking where the next getdents continues, so entries created or removed
/// meanwhile neither repeat nor vanish from the listing.
/// </summary>
internal sealed class DcacheCursor
{
    private readonly VfsDentry _directory;
    private readonly VfsDentry _cursor;
    private LinkedListNode<VfsDentry>? _node;

    public DcacheCursor(VfsDentry directory)
    {
        _directory = directory;
        _cursor = VfsDentry.NewCursor(directory);
    }

    /// <summary>dcache_dir_close: the cursor leaves the list.</summary>
    public void Close()
    {
        lock (_directory.Sb.DcacheLock) Unlink();
    }

    private void Unlink()
    {
        if (_node is null) return;
        _directory.Children!.Remove(_node);
        _node = null;
    }

    // scan_positives: the first positive, hashed child from <node> on (inclusive)
    private static LinkedListNode<VfsDentry>? FirstPositive(LinkedListNode<VfsDentry>? node)
    {
        while (node is not null && !Dcache.IsSimplePositive(node.Value)) node = node.Next;
        return node;
    }

    /// <summary>
    /// mirrors fs/libfs.c:dcache_readdir: ".", "..", then the positive, hashed children from the
    /// cursor on (from the start at position 2), newest first; the cursor is parked before the first
    /// entry that did not fit, or leaves the list at the end.
    /// </summary>
    public KResult Readdir(FileRef file, DirContext context)
    {
        if (!context.EmitDots(file)) return KResult.Ok;
        VfsSuperBlock sb = _directory.Sb;
        LinkedListNode<VfsDentry>? start;
        lock (sb.DcacheLock)
        {
            start = context.Position == 2 ? _directory.Children?.First : _node?.Next;
            if (context.Position != 2 && _node is null) return KResult.Ok; // the cursor ran off the end last time
        }
        while (true)
        {
            VfsDentry next;
            lock (sb.DcacheLock)
            {
                LinkedListNode<VfsDentry>? found = FirstPositive(start);
                if (found is null)
                {
                    Unlink();
                    return KResult.Ok;
                }
                next = found.Value;
                next.Get(); // dget: its place in the list stays while we emit
            }
            try
            {
                if (!context.Emit(Vfs.NameToBytes(next.Name), next.Inode!.Number, next.Inode.Mode))
                {
                    lock (sb.DcacheLock)
                    {
                        Unlink();
                        if (next.SiblingNode is { } at) _node = _directory.Children!.AddBefore(at, _cursor);
                    }
                    return KResult.Ok;
                }
                context.Position++;
                lock (sb.DcacheLock)
                {
                    Unlink();
                    if (next.SiblingNode is { } at) _node = _directory.Children!.AddAfter(at, _cursor);
                    start = _node?.Next;
                    if (_node is null) return KResult.Ok;
                }
            }
            finally
            {
                Dcache.Put(next);
            }
        }
    }

    /// <summary>mirrors fs/libfs.c:dcache_dir_lseek: SEEK_SET/SEEK_CUR only; the cursor goes after the (pos-2)-th entry.</summary>
    public KResult<long> Lseek(FileRef file, long offset, Whence whence)
    {
        switch (whence)
        {
            case Whence.Current:
                offset += file.ReadPositionUnsynchronized();
                if (offset < 0) return Errno.EINVAL;
                break;
            case Whence.Set:
                if (offset < 0) return Errno.EINVAL;
                break;
            default:
                return Errno.EINVAL;
        }
        if (offset != file.ReadPositionUnsynchronized())
        {
            // the lseek thunk stores the returned offset in f_pos (vfs_setpos); only the cursor moves here
            if (offset >= 2)
            {
                lock (_directory.Sb.DcacheLock)
                {
                    Unlink();
                    long n = offset - 2;
                    if (n > 0)
                    {
                        for (LinkedListNode<VfsDentry>? node = _directory.Children?.First; node is not null; node = node.Next)
                        {
                            if (!Dcache.IsSimplePositive(node.Value) || --n != 0) continue;
                            _node = _directory.Children!.AddAfter(node, _cursor);
                            break;
                        }
                    }
                }
            }
        }
        return offset;
    }
}

/// <summary>fs/libfs.c's simple_dir_operations, as a generated file_operations table with the cursor as per-open state.</summary>
[FileOperations]
internal static partial class SimpleDirOps
{
    // dcache_dir_open
    [Open]
    private static unsafe OpenResult<DcacheCursor> Open(Inode inode, FileRef file) =>
        OpenFile.FromNative(file.Pointer) is { HasPath: true } f ? new DcacheCursor(f.Path.Dentry) : Errno.EINVAL;

    // dcache_dir_close
    [Release]
    private static KResult Release(DcacheCursor cursor, Inode inode, FileRef file)
    {
        cursor.Close();
        return KResult.Ok;
    }

    // dcache_dir_lseek
    [Lseek]
    private static KResult<long> Lseek(DcacheCursor cursor, FileRef file, long offset, Whence whence) => cursor.Lseek(file, offset, whence);

    // generic_read_dir
    [Read]
    private static KResult<nuint> Read(DcacheCursor cursor, FileRef file, UserSliceWriter destination, ref long position) => Errno.EISDIR;

    // dcache_readdir
    [IterateShared]
    private static KResult Iterate(DcacheCursor cursor, FileRef file, DirContext context) => cursor.Readdir(file, context);

    // noop_fsync
    [Fsync]
    private static KResult Fsync(DcacheCursor cursor, FileRef file, long start, long end, bool dataSync) => KResult.Ok;
}

/// <summary>fs/libfs.c's simple_dir_inode_operations.</summary>
[InodeOperations]
internal static partial class SimpleDirInodeOps
{
    [Lookup]
    private static KResult Lookup(Inode dir, Dentry dentry, LookupFlags flags) => Libfs.SimpleLookup(dir, dentry, flags);
}

/// <summary>fs/libfs.c's simple_symlink_inode_operations: simple_get_link (the body kept in i_link).</summary>
[InodeOperations]
internal static partial class SimpleSymlinkInodeOps
{
    [GetLink]
    private static KResult GetLink(Dentry dentry, Inode inode, LinkTarget target)
    {
        ReadOnlySpan<byte> body = inode.LinkTarget;
        if (body.IsEmpty) return Errno.EINVAL;
        target.Set(body);
        return KResult.Ok;
    }
}
