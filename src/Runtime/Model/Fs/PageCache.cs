using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A RAM file system's file data (mm/filemap.c and fs/libfs.c's ram_aops as ramfs uses them): 4 KiB
/// pages in native memory, made when a write or a read within i_size first touches them
/// (simple_write_begin, simple_read_folio zero-fills) and dropped by truncation. There is no backing
/// store and no readahead, so the pages present are exactly the ones touched: what
/// simple_getattr reports as st_blocks (nrpages &lt;&lt; 3). SEEK_DATA/SEEK_HOLE see no holes.
/// </summary>
internal sealed class AddressSpace
{
    /// <summary>PAGE_SIZE.</summary>
    public const int PageSize = 4096;

    private readonly KernelCounters _counters;
    private readonly Dictionary<long, nint> _pages = new();

    public AddressSpace(KernelCounters counters) => _counters = counters;

    /// <summary>Guards the page index and the pages' bytes.</summary>
    public readonly Lock Lock = new();

    /// <summary>mapping-&gt;nrpages.</summary>
    public long PageCount
    {
        get { lock (Lock) return _pages.Count; }
    }

    /// <summary>The page at <paramref name="index"/>, made (zeroed) if missing. Under <see cref="Lock"/>.</summary>
    public unsafe byte* GetOrCreatePageLocked(long index)
    {
        if (_pages.TryGetValue(index, out nint page)) return (byte*)page;
        // SAFETY: a fresh zeroed page owned by this mapping until it is truncated away or released.
        byte* fresh = (byte*)NativeMemory.AlignedAlloc(PageSize, PageSize);
        new Span<byte>(fresh, PageSize).Clear();
        _pages.Add(index, (nint)fresh);
        _counters.Update(pageCacheBytes: PageSize);
        return fresh;
    }

    /// <summary>mirrors mm/truncate.c:truncate_inode_pages_range from <paramref name="newSize"/> on: drops whole pages past it and zeroes the tail of the last one.</summary>
    public unsafe void TruncateLocked(long newSize)
    {
        long firstGone = (newSize + PageSize - 1) / PageSize;
        var gone = new List<long>();
        foreach (long index in _pages.Keys) if (index >= firstGone) gone.Add(index);
        foreach (long index in gone) FreePageLocked(index);
        int partial = (int)(newSize % PageSize);
        if (partial != 0 && _pages.TryGetValue(newSize / PageSize, out nint page))
            new Span<byte>((byte*)page + partial, PageSize - partial).Clear();
    }

    private unsafe void FreePageLocked(long index)
    {
        NativeMemory.AlignedFree((void*)_pages[index]);
        _pages.Remove(index);
        _counters.Update(pageCacheBytes: -PageSize);
    }

    /// <summary>truncate_inode_pages_final: every page goes (eviction).</summary>
    public unsafe void Release()
    {
        lock (Lock)
        {
            foreach (nint page in _pages.Values)
            {
                NativeMemory.AlignedFree((void*)page);
                _counters.Update(pageCacheBytes: -PageSize);
            }
            _pages.Clear();
        }
    }
}

/// <summary>
/// The generic file read and write paths over an <see cref="AddressSpace"/> (mm/filemap.c:
/// generic_file_read_iter/filemap_read and generic_file_write_iter/generic_perform_write), and
/// truncation (truncate_setsize).
/// </summary>
internal static class PageCache
{
    /// <summary>i_mapping: the inode's page cache, made on first use.</summary>
    public static AddressSpace MappingOf(VfsInode inode)
    {
        AddressSpace? mapping = Volatile.Read(ref inode.Mapping);
        if (mapping is not null) return mapping;
        var fresh = new AddressSpace(inode.Sb.Counters);
        return Interlocked.CompareExchange(ref inode.Mapping, fresh, null) ?? fresh;
    }

    /// <summary>
    /// mirrors mm/filemap.c:filemap_read: copies from <paramref name="pos"/> up to i_size, making
    /// (zero-filled) pages the read touches, then file_accessed. A fault part-way is a short read;
    /// one before the first byte is EFAULT.
    /// </summary>
    public static unsafe KResult<nuint> Read(OpenFile file, ref UserSliceWriter destination, ref long pos)
    {
        VfsInode inode = file.Inode!;
        // SAFETY: the open file (or the setattr caller) holds the inode and its superblock, so inode.Native and inode.Sb.Native stay allocated for the call.
        if (pos >= inode.Sb.Native->s_maxbytes || destination.IsEmpty) return (nuint)0;
        AddressSpace mapping = MappingOf(inode);
        nuint done = 0;
        bool fault = false;
        lock (mapping.Lock)
        {
            long size = Volatile.Read(ref inode.Native->i_size);
            while (!destination.IsEmpty && pos < size)
            {
                long index = pos / AddressSpace.PageSize;
                int offset = (int)(pos % AddressSpace.PageSize);
                int chunk = (int)Math.Min(Math.Min((ulong)(AddressSpace.PageSize - offset), (ulong)(size - pos)), (ulong)destination.Length);
                byte* page = mapping.GetOrCreatePageLocked(index);
                KResult<nuint> copied = destination.WriteSome(new ReadOnlySpan<byte>(page + offset, chunk));
                if (!copied.TryGetValue(out nuint n))
                {
                    fault = true;
                    break;
                }
                done += n;
                pos += (long)n;
                if (n < (nuint)chunk)
                {
                    fault = true;
                    break;
                }
            }
        }
        Attr.TouchAtime(file.Path);
        if (done == 0 && fault) return Errno.EFAULT;
        return done;
    }

    /// <summary>
    /// mirrors mm/filemap.c:generic_file_write_iter under the inode lock: generic_write_checks
    /// (O_APPEND writes at i_size; EFBIG at s_maxbytes), file_remove_privs, file_update_time, then
    /// generic_perform_write (simple_write_begin/end: pages made and filled, i_size extended). A
    /// fault part-way is a short write; one before the first byte is EFAULT.
    /// </summary>
    public static unsafe KResult<nuint> Write(OpenFile file, ref UserSliceReader source, ref long pos)
    {
        VfsInode inode = file.Inode!;
        lock (inode.Rwsem)
        {
            // mirrors fs/read_write.c:generic_write_checks + generic_write_check_limits
            // SAFETY: the open file (or the setattr caller) holds the inode and its superblock, so inode.Native and inode.Sb.Native stay allocated for the call.
            if ((file.Flags & OpenFlags.O_APPEND) != 0) pos = Volatile.Read(ref inode.Native->i_size);
            long limit = inode.Sb.Native->s_maxbytes;
            if (source.IsEmpty) return (nuint)0;
            if (pos >= limit) return Errno.EFBIG;
            nuint count = (nuint)Math.Min((ulong)source.Length, (ulong)(limit - pos));

            int error = Attr.FileRemovePrivs(file.Path.Dentry);
            if (error != 0) return (Errno)(-error);
            Attr.FileUpdateTime(file.Path);

            AddressSpace mapping = MappingOf(inode);
            nuint done = 0;
            bool fault = false;
            Span<byte> bounce = stackalloc byte[AddressSpace.PageSize];
            lock (mapping.Lock)
            {
                while (done < count)
                {
                    long index = pos / AddressSpace.PageSize;
                    int offset = (int)(pos % AddressSpace.PageSize);
                    int chunk = (int)Math.Min((ulong)(AddressSpace.PageSize - offset), (ulong)(count - done));
                    // copy_page_from_iter_atomic: into a bounce buffer first, so a fault leaves no page made for nothing
                    KResult<nuint> copied = source.ReadSome(bounce[..chunk]);
                    if (!copied.TryGetValue(out nuint n) || n == 0)
                    {
                        fault = true;
                        break;
                    }
                    byte* page = mapping.GetOrCreatePageLocked(index);
                    bounce[..(int)n].CopyTo(new Span<byte>(page + offset, (int)n));
                    done += n;
                    pos += (long)n;
                    // simple_write_end: i_size_write when the write went past the end
                    if (pos > Volatile.Read(ref inode.Native->i_size)) Volatile.Write(ref inode.Native->i_size, pos);
                    if (n < (nuint)chunk)
                    {
                        fault = true;
                        break;
                    }
                }
            }
            if (done == 0 && fault) return Errno.EFAULT;
            return done;
        }
    }

    /// <summary>mirrors mm/truncate.c:truncate_setsize: i_size, then the pages past it.</summary>
    public static unsafe void TruncateSetsize(VfsInode inode, long newSize)
    {
        // SAFETY: the open file (or the setattr caller) holds the inode and its superblock, so inode.Native and inode.Sb.Native stay allocated for the call.
        long old = Volatile.Read(ref inode.Native->i_size);
        Volatile.Write(ref inode.Native->i_size, newSize);
        if (newSize < old && Volatile.Read(ref inode.Mapping) is { } mapping)
        {
            lock (mapping.Lock) mapping.TruncateLocked(newSize);
        }
    }
}
