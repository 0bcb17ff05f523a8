using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Abi;

/// <summary>
/// The validating halves of every generated thunk, one per slot shape. Each runs on the far side
/// of an <c>[UnmanagedCallersOnly]</c> boundary, so each: checks every raw argument and answers bad
/// ones with the errno Linux gives; builds the safe views; calls the handler; maps its result to
/// the C convention; and catches every exception (one crossing the boundary would kill the
/// process) into -EIO plus a kernel-log line. Generated code calls these; users do not.
/// </summary>
/// <remarks>
/// What the adapters can promise about raw pointers: every argument and field they read is
/// checked before it is dereferenced, and every dereference is inside the guarded region. A null
/// pointer, an address in the first 64 KiB (where a C caller's garbage usually lands: small
/// integers, a NULL struct plus a field offset) or one misaligned for what it points at is
/// refused with an errno (<see cref="RawPointer"/>); so is a GCHandle word (private_data, f_model,
/// f_device, i_private) that cannot be one. What they cannot promise: a well-aligned pointer above
/// 64 KiB into unmapped memory faults when read, and .NET turns such a fault into a fatal
/// AccessViolation that no catch can stop (only faults inside the first 64 KiB become a catchable
/// NullReferenceException). The caller (the VFS, the model, or C code) must hand live objects, as
/// Linux's callers of f_op must.
/// </remarks>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class ThunkAdapters
{
    /// <summary>MAX_RW_COUNT (include/linux/fs.h): INT_MAX &amp; PAGE_MASK, the most one read/write moves.</summary>
    public const nuint MaxRwCount = 0x7FFFF000;

    /// <summary>MAX_ERRNO (include/linux/err.h): a negative return above -4096 is an error.</summary>
    public const int MaxErrno = 4095;

    /// <summary>open/release: <c>int (*)(struct inode *, struct file *)</c>.</summary>
    public static unsafe int InodeFile<T>(NativeInode* inode, NativeFile* file) where T : IInodeFileOperation
    {
        try
        {
            int refused = CheckInodeFile(inode, file);
            if (refused != 0) return refused;
            // SAFETY: both pointers passed CheckInodeFile and, by the caller's contract (the VFS),
            // point at a live inode and file for the duration of this call; the views do not outlive it.
            KResult result = T.Invoke(new Inode(inode), new FileRef(file));
            return result.IsOk ? 0 : (int)ErrorReturn<T>(result.Error);
        }
        catch (Exception e)
        {
            return (int)HandlerThrew<T>(e);
        }
    }

    /// <summary>read: <c>ssize_t (*)(struct file *, char __user *, size_t, loff_t *)</c>.</summary>
    public static unsafe nint Read<T>(NativeFile* file, byte* buffer, nuint count, long* position) where T : IReadOperation
    {
        long streamPosition = 0;
        try
        {
            nint refused = CheckReadWrite(file, ref count, ref position, &streamPosition);
            if (refused != 0) return refused;
            // SAFETY: CheckReadWrite's contract: file is live for the call and position points at the
            // caller's loff_t or at streamPosition; the user buffer is only touched through copy_to_user.
            var destination = new UserSliceWriter(CurrentTask.MemorySlot, (nuint)buffer, count);
            return CountReturn<T>(T.Invoke(new FileRef(file), destination, ref *position), count, read: true);
        }
        catch (Exception e)
        {
            return HandlerThrew<T>(e);
        }
    }

    /// <summary>write: <c>ssize_t (*)(struct file *, const char __user *, size_t, loff_t *)</c>.</summary>
    public static unsafe nint Write<T>(NativeFile* file, byte* buffer, nuint count, long* position) where T : IWriteOperation
    {
        long streamPosition = 0;
        try
        {
            nint refused = CheckReadWrite(file, ref count, ref position, &streamPosition);
            if (refused != 0) return refused;
            // SAFETY: as in Read; the user buffer is only read through copy_from_user.
            var source = new UserSliceReader(CurrentTask.MemorySlot, (nuint)buffer, count);
            return CountReturn<T>(T.Invoke(new FileRef(file), source, ref *position), count, read: false);
        }
        catch (Exception e)
        {
            return HandlerThrew<T>(e);
        }
    }

    /// <summary>lseek/llseek: <c>loff_t (*)(struct file *, loff_t, int)</c>.</summary>
    public static unsafe long Lseek<T>(NativeFile* file, long offset, int whence) where T : ILseekOperation
    {
        try
        {
            long refused = CheckLseek(file, whence, out Whence w);
            if (refused != 0) return refused;
            // SAFETY: file passed CheckFile and is live for the call.
            long before = Volatile.Read(ref file->f_pos);
            KResult<long> result = T.Invoke(new FileRef(file), offset, w);
            return SetPosition<T>(file, before, result);
        }
        catch (Exception e)
        {
            return HandlerThrew<T>(e);
        }
    }

    /// <summary>ioctl/compat_ioctl: <c>long (*)(struct file *, unsigned int, unsigned long)</c>.</summary>
    public static unsafe nint Ioctl<T>(NativeFile* file, uint command, nuint argument) where T : IIoctlOperation
    {
        try
        {
            if (!RawPointer.IsFile(file)) return -(nint)Errno.EBADF;
            // SAFETY: file passed IsFile and is live for the call; argument is an opaque word the
            // handler must only dereference through user-copy helpers.
            KResult<long> result = T.Invoke(new FileRef(file), command, argument);
            if (!result.TryGetValue(out long value)) return ErrorReturn<T>(result.Error);
            return value >= 0 ? (nint)value : NegativeValue<T>(value);
        }
        catch (Exception e)
        {
            return HandlerThrew<T>(e);
        }
    }

    /// <summary>poll: <c>__poll_t (*)(struct file *, struct poll_table_struct *)</c>. A poll cannot return an errno: bad input and failures answer EPOLLERR.</summary>
    public static unsafe uint Poll<T>(NativeFile* file, NativePollTable* table) where T : IPollOperation
    {
        try
        {
            if (!CheckPoll(file, table)) return (uint)PollEvents.Err;
            // SAFETY: file passed IsFile and is live for the call; table is null or the caller's
            // poll_table for the duration of the call (PollTable treats null as "queue nothing").
            return (uint)T.Invoke(new FileRef(file), new PollTable(table));
        }
        catch (Exception e)
        {
            HandlerThrew<T>(e);
            return (uint)PollEvents.Err;
        }
    }

    /// <summary>flush: <c>int (*)(struct file *, fl_owner_t)</c>.</summary>
    public static unsafe int Flush<T>(NativeFile* file, void* owner) where T : IFlushOperation
    {
        _ = owner; // the files_struct closing the fd: an opaque cookie, never dereferenced nor handed to handlers
        try
        {
            if (!RawPointer.IsFile(file)) return -(int)Errno.EBADF;
            // SAFETY: file passed IsFile and is live for the call (filp_flush holds the fd's reference).
            KResult result = T.Invoke(new FileRef(file));
            return result.IsOk ? 0 : (int)ErrorReturn<T>(result.Error);
        }
        catch (Exception e)
        {
            return (int)HandlerThrew<T>(e);
        }
    }

    /// <summary>fsync: <c>int (*)(struct file *, loff_t start, loff_t end, int datasync)</c>.</summary>
    public static unsafe int Fsync<T>(NativeFile* file, long start, long end, int datasync) where T : IFsyncOperation
    {
        try
        {
            int refused = CheckFsync(file, start, end);
            if (refused != 0) return refused;
            // SAFETY: file passed IsFile and is live for the call.
            KResult result = T.Invoke(new FileRef(file), start, end, datasync != 0);
            return result.IsOk ? 0 : (int)ErrorReturn<T>(result.Error);
        }
        catch (Exception e)
        {
            return (int)HandlerThrew<T>(e);
        }
    }

    // ---- the argument checks, once for the stateless and the stateful adapters -----------------

    /// <summary>open and release: EBADF for a file that cannot be one, EINVAL for such an inode. Returns 0 or -errno.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe int CheckInodeFile(NativeInode* inode, NativeFile* file)
    {
        if (!RawPointer.IsFile(file)) return -(int)Errno.EBADF;
        return RawPointer.IsInode(inode) ? 0 : -(int)Errno.EINVAL;
    }

    /// <summary>
    /// lseek: EBADF for a file that cannot be one; whence above SEEK_MAX is EINVAL before any
    /// handler runs (mirrors fs/read_write.c:vfs_llseek). Returns 0 or -errno.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe long CheckLseek(NativeFile* file, int whence, out Whence w)
    {
        w = default;
        if (!RawPointer.IsFile(file)) return -(long)Errno.EBADF;
        return WhenceExtensions.TryFromRaw(whence, out w) ? 0 : -(long)Errno.EINVAL;
    }

    /// <summary>poll: the file must be one; the poll_table may be null (queue nothing) but not garbage.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe bool CheckPoll(NativeFile* file, NativePollTable* table) =>
        RawPointer.IsFile(file) && (table == null || RawPointer.Is<NativePollTable>(table));

    /// <summary>fsync: the file must be one; mirrors fs/sync.c:ksys_sync_file_range's range checks (offsets non-negative, end &gt;= start).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe int CheckFsync(NativeFile* file, long start, long end)
    {
        if (!RawPointer.IsFile(file)) return -(int)Errno.EBADF;
        return start < 0 || end < start ? -(int)Errno.EINVAL : 0;
    }

    /// <summary>
    /// The lseek contract: the position the handler returns becomes f_pos (vfs_setpos's store), so
    /// a handler computes and returns it and never writes f_pos itself; an error leaves f_pos alone.
    /// </summary>
    internal static unsafe long SetPosition<T>(NativeFile* file, long before, KResult<long> result) where T : IHandlerOperation
    {
        if (!result.TryGetValue(out long newPosition)) return ErrorReturn<T>(result.Error);
        if (newPosition < 0) return NegativePosition<T>(newPosition);
        return Llseek.ApplyPosition(file, before, newPosition);
    }

    /// <summary>
    /// The argument checks of every read and write adapter, stateless and stateful: EBADF for a
    /// file that cannot be one; EFAULT for a position pointer that cannot be a loff_t; a stream
    /// file's missing position (ksys_read passes file_ppos() == NULL for FMODE_STREAM) replaced by
    /// <paramref name="streamPosition"/>; the count clamped to MAX_RW_COUNT (vfs_read/vfs_write);
    /// rw_verify_area's range check. Returns 0 or -errno. The user buffer is not checked here: it
    /// is a user address, only ever reached through copy_to_user/copy_from_user, which fault.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe nint CheckReadWrite(NativeFile* file, ref nuint count, ref long* position, long* streamPosition)
    {
        if (!RawPointer.IsFile(file)) return -(nint)Errno.EBADF;
        if (position == null) position = streamPosition;
        else if (!RawPointer.Is<long>(position)) return -(nint)Errno.EFAULT;
        count = Math.Min(count, MaxRwCount);
        // SAFETY: position is streamPosition or passed RawPointer.Is<long>.
        return PositionRangeValid(*position, count) ? 0 : -(nint)Errno.EINVAL;
    }

    /// <summary>A read or write handler's result on the C side: the count (at most what was asked) or -errno.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static nint CountReturn<T>(KResult<nuint> result, nuint count, bool read) where T : IHandlerOperation
    {
        if (!result.TryGetValue(out nuint n)) return ErrorReturn<T>(result.Error);
        if (n <= count) return (nint)n;
        return read ? ReadOverrun<T>(n, count) : WriteOverrun<T>(n, count);
    }

    /// <summary>mirrors fs/read_write.c:rw_verify_area: pos must be non-negative and pos + count must not overflow loff_t.</summary>
    internal static bool PositionRangeValid(long position, nuint count) =>
        position >= 0 && (ulong)position + count <= long.MaxValue;

    internal static nint ErrorReturn<T>(Errno error) where T : IHandlerOperation =>
        error is > 0 and <= (Errno)MaxErrno ? -(nint)error : NotAnErrno<T>(error);

    // The cold paths below format their message out of line: inlined into a thunk, the string
    // interpolation made every call zero ~100 bytes of handler state in the prologue.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint NotAnErrno<T>(Errno error) where T : IHandlerOperation =>
        Misbehaved<T>($"failed with {(int)error}, which is not an errno (1..{MaxErrno})");

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static nint ReadOverrun<T>(nuint returned, nuint count) where T : IHandlerOperation =>
        Misbehaved<T>($"returned {returned} bytes for a {count}-byte read");

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static nint WriteOverrun<T>(nuint claimed, nuint count) where T : IHandlerOperation =>
        Misbehaved<T>($"claimed {claimed} bytes written of {count}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static nint NegativePosition<T>(long position) where T : IHandlerOperation =>
        Misbehaved<T>($"returned the negative position {position}");

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static nint NegativeValue<T>(long value) where T : IHandlerOperation =>
        Misbehaved<T>($"returned the negative value {value}");

    internal static nint Misbehaved<T>(string what) where T : IHandlerOperation
    {
        Log($"kernelops: {SafeName<T>()} {what}; returning -EIO");
        return -(nint)Errno.EIO;
    }

    internal static nint HandlerThrew<T>(Exception e) where T : IHandlerOperation
    {
        // A failure made of errno 0 (or a negative number) throws where it is converted, inside the
        // handler: say what the handler returned rather than that it threw.
        if (e is NotAnErrnoException notAnErrno) return Misbehaved<T>(notAnErrno.Describe(returned: true));
        Log($"kernelops: {SafeName<T>()} threw {e.GetType().FullName}: {e.Message}; returning -EIO");
        return -(nint)Errno.EIO;
    }

    internal static string SafeName<T>() where T : IHandlerOperation
    {
        try { return T.HandlerName; }
        catch { return typeof(T).FullName ?? typeof(T).Name; }
    }

    internal static void Log(string line)
    {
        // Logging is on the error path of an unmanaged entry point: it must not throw either.
        try { CurrentTask.Printk(line); }
        catch { /* nothing may cross the boundary; the errno still reports the failure */ }
    }
}
