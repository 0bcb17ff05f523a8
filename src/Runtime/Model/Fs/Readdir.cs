using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>Where getdents' filldir puts entries: a user buffer of linux_dirent64 records, or a managed list.</summary>
internal abstract class DirentSink
{
    /// <summary>The error to report when the listing stopped (buf.error): 0, EINVAL (buffer too small), EFAULT, EIO.</summary>
    public int Error;

    /// <summary>One entry at directory position <paramref name="offset"/>; false stops the listing.</summary>
    public abstract bool Add(ReadOnlySpan<byte> name, long offset, ulong ino, byte type);

    /// <summary>mirrors fs/readdir.c:verify_dirent_name.</summary>
    protected static int VerifyName(ReadOnlySpan<byte> name) =>
        name.Length == 0 || name.IndexOf((byte)'/') >= 0 ? -(int)Errno.EIO : 0;
}

/// <summary>mirrors fs/readdir.c:filldir64 into the caller's user buffer.</summary>
internal sealed class UserDirentSink : DirentSink
{
    private readonly UserMemory _memory;
    private readonly int _size;
    private nuint _current;
    private int _count;
    private int _prevReclen;

    public UserDirentSink(UserMemory memory, nuint buffer, int count)
    {
        _memory = memory;
        _current = buffer;
        _count = _size = count;
    }

    /// <summary>Bytes written.</summary>
    public int Used => _size - _count;

    /// <summary>The size of the last record written (buf.prev_reclen), 0 before the first.</summary>
    public int PrevReclen => _prevReclen;

    /// <summary>The address of the last record written.</summary>
    public nuint LastRecord => _current - (nuint)_prevReclen;

    public override bool Add(ReadOnlySpan<byte> name, long offset, ulong ino, byte type)
    {
        int reclen = (19 + name.Length + 1 + 7) & ~7; // ALIGN(offsetof(struct linux_dirent64, d_name) + namlen + 1, sizeof(u64))
        Error = VerifyName(name);
        if (Error != 0) return false;
        Error = -(int)Errno.EINVAL; // only used if we fail..
        if (reclen > _count) return false;
        Span<byte> record = stackalloc byte[reclen];
        record.Clear();
        MemoryMarshal.Write(record, in ino);
        // d_off is the position after this entry: written into the previous record now, and into
        // this one by the next entry or by getdents64 at the end.
        MemoryMarshal.Write(record[16..], (ushort)reclen);
        record[18] = type;
        name.CopyTo(record[19..]);
        if (_prevReclen != 0 && _memory.CopyToUser(_current - (nuint)_prevReclen + 8, BitConverter.GetBytes(offset)) != 0)
        {
            Error = -(int)Errno.EFAULT;
            return false;
        }
        if (_memory.CopyToUser(_current, record) != 0)
        {
            Error = -(int)Errno.EFAULT;
            return false;
        }
        _prevReclen = reclen;
        _current += (nuint)reclen;
        _count -= reclen;
        Error = 0;
        return true;
    }
}

/// <summary>Collects entries as <see cref="DirectoryEntry"/> values (the managed getdents).</summary>
internal sealed class ListDirentSink(List<DirectoryEntry> into) : DirentSink
{
    public override bool Add(ReadOnlySpan<byte> name, long offset, ulong ino, byte type)
    {
        Error = VerifyName(name);
        if (Error != 0) return false;
        into.Add(new DirectoryEntry(Dcache.ToDisplay(Vfs.BytesToName(name)), ino, UMode.FromDirentType(type)));
        return true;
    }
}

/// <summary>fs/readdir.c: iterate_dir and the dir_context whose actor is filldir.</summary>
internal static class FsReaddir
{
    [StructLayout(LayoutKind.Sequential)]
    private struct ContextWithSink
    {
        public NativeDirContext Context; // first: the actor gets this address
        public nint Sink;
    }

    /// <summary>
    /// mirrors fs/readdir.c:iterate_dir: the file's iterate_shared from f_pos, under the directory's
    /// lock (ENOENT for a removed directory), then f_pos updated and the access time touched.
    /// </summary>
    public static unsafe int IterateDir(OpenFile file, DirentSink sink)
    {
        if (!file.Dispatch.HasIterateShared) return -(int)Errno.ENOTDIR;
        VfsInode inode = file.Inode!;
        GCHandle handle = GCHandle.Alloc(sink);
        try
        {
            lock (inode.Rwsem)
            {
                // SAFETY: the fd table's reference keeps the OpenFile (and its NativeFile, freed only by __fput) and its inode allocated for the call; Sink is a GCHandle set by this class and freed only after the iteration returns.
                if ((inode.Native->i_flags & InodeFlags.Dead) != 0) return -(int)Errno.ENOENT;
                ContextWithSink ctx = default;
                ctx.Context.actor = &Filldir;
                ctx.Context.pos = Volatile.Read(ref file.File->f_pos);
                ctx.Sink = GCHandle.ToIntPtr(handle);
                int res = file.Dispatch.IterateShared(file.File, &ctx.Context);
                Volatile.Write(ref file.File->f_pos, ctx.Context.pos);
                Attr.TouchAtime(file.Path);
                return res;
            }
        }
        finally
        {
            handle.Free();
        }
    }

    [UnmanagedCallersOnly, KernelCallback]
    private static unsafe byte Filldir(NativeDirContext* ctx, byte* name, int length, long offset, ulong ino, uint type)
    {
        try
        {
            // SAFETY: ctx is the first field of the ContextWithSink IterateDir built for this call,
            // whose Sink is a GCHandle live until IterateDir returns; name has length bytes.
            var outer = (ContextWithSink*)ctx;
            var sink = (DirentSink)GCHandle.FromIntPtr(outer->Sink).Target!;
            if (length < 0) return 0;
            return sink.Add(new ReadOnlySpan<byte>(name, length), offset, ino, (byte)type) ? (byte)1 : (byte)0;
        }
        catch
        {
            return 0; // nothing may cross the boundary
        }
    }

    /// <summary>mirrors fs/readdir.c:getdents64 after fdget_pos: returns the bytes written, 0 at the end, or -errno.</summary>
    public static unsafe int Getdents64(OpenFile file, UserMemory memory, nuint buffer, int count)
    {
        var sink = new UserDirentSink(memory, buffer, count);
        int error = IterateDir(file, sink);
        if (error >= 0) error = sink.Error;
        if (sink.PrevReclen != 0)
        {
            // SAFETY: the fd table's reference keeps the OpenFile (and its NativeFile, freed only by __fput) and its inode allocated for the call; Sink is a GCHandle set by this class and freed only after the iteration returns.
            long dOff = Volatile.Read(ref file.File->f_pos);
            error = memory.CopyToUser(sink.LastRecord + 8, BitConverter.GetBytes(dOff)) != 0 ? -(int)Errno.EFAULT : sink.Used;
        }
        return error;
    }
}
