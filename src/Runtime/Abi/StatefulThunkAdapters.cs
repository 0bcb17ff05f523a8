using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Abi;

/// <summary>
/// The adapters of the per-open-state operation variants: the same validation as
/// <see cref="ThunkAdapters"/>, plus the one-word <c>file-&gt;private_data</c> discipline of
/// rust/kernel/miscdevice.rs: open stores the state as a GCHandle word (into_foreign), every other
/// operation borrows it (borrow), release takes it back exactly once (from_foreign), disposes it if
/// it is <see cref="IDisposable"/> and frees the handle. Nothing is kept in side tables. Generated
/// code calls these; users do not.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StatefulThunkAdapters
{
    /// <summary>Stateful open: calls the handler and stores its state in private_data.</summary>
    public static unsafe int Open<T, TState>(NativeInode* inode, NativeFile* file) where T : IOpenOperation<TState> where TState : class
    {
        try
        {
            int refused = ThunkAdapters.CheckInodeFile(inode, file);
            if (refused != 0) return refused;
            // SAFETY: both pointers passed CheckInodeFile and are live for the call (the VFS holds the file it is opening).
            OpenResult<TState> result = T.Invoke(new Inode(inode), new FileRef(file));
            if (!result.IsOk) return (int)ThunkAdapters.ErrorReturn<T>(result.Error);
            if (!result.TryGetState(out TState? state)) return (int)ThunkAdapters.Misbehaved<T>("succeeded without a state");
            var handle = GCHandle.Alloc(state);
            // Whatever the opener left there (misc_open leaves the miscdevice) is replaced, as the
            // Rust miscdevice open thunk replaces it with into_foreign's pointer.
            // SAFETY: file passed CheckInodeFile and is the file the VFS is opening, live and not yet
            // visible to any other call, so the store cannot race a borrow.
            Volatile.Write(ref file->private_data, GCHandle.ToIntPtr(handle));
            CountHandle(file, +1);
            return 0;
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>Stateful release: takes the state out of private_data (once), calls the handler, drops the state.</summary>
    public static unsafe int Release<T, TState>(NativeInode* inode, NativeFile* file) where T : IReleaseOperation<TState> where TState : class
    {
        GCHandle handle = default;
        try
        {
            int refused = ThunkAdapters.CheckInodeFile(inode, file);
            if (refused != 0) return refused;
            // SAFETY: file passed CheckInodeFile. The exchange makes "exactly once" hold even if a
            // buggy caller releases twice: only one call gets the word.
            nint word = Interlocked.Exchange(ref file->private_data, 0);
            if (word == 0)
            {
                ThunkAdapters.Log($"kernelops: {ThunkAdapters.SafeName<T>()}: release of a file with no per-open state; nothing to free");
                return 0;
            }
            if (!RawPointer.IsHandleOrZero(word)) return (int)NotAState<T>(word);
            // SAFETY: a plausible non-zero private_data on a file with a stateful table is the
            // GCHandle the Open adapter allocated (nothing else writes it), and the exchange above
            // made this call its only owner.
            handle = GCHandle.FromIntPtr(word);
            object? target = handle.Target;
            if (target is not TState state)
                return (int)ThunkAdapters.Misbehaved<T>($"found a {target?.GetType().FullName ?? "null"} in private_data instead of a {typeof(TState).FullName}");
            try
            {
                // SAFETY: as in Open: inode and file are live for the call.
                KResult result = T.Invoke(state, new Inode(inode), new FileRef(file));
                return result.IsOk ? 0 : (int)ThunkAdapters.ErrorReturn<T>(result.Error);
            }
            finally
            {
                try { (state as IDisposable)?.Dispose(); }
                catch (Exception e) { ThunkAdapters.HandlerThrew<T>(e); }
            }
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
        finally
        {
            if (handle.IsAllocated)
            {
                handle.Free();
                CountHandle(file, -1);
            }
        }
    }

    /// <summary>Stateful read.</summary>
    public static unsafe nint Read<T, TState>(NativeFile* file, byte* buffer, nuint count, long* position) where T : IReadOperation<TState> where TState : class
    {
        long streamPosition = 0;
        try
        {
            nint refused = ThunkAdapters.CheckReadWrite(file, ref count, ref position, &streamPosition);
            if (refused != 0) return refused;
            if (!TryBorrow<T, TState>(file, out TState? state, out nint error)) return error;
            // SAFETY: as ThunkAdapters.Read; the state is kept alive by its handle until release,
            // which cannot run while this call holds the file.
            var destination = new UserSliceWriter(CurrentTask.MemorySlot, (nuint)buffer, count);
            return ThunkAdapters.CountReturn<T>(T.Invoke(state, new FileRef(file), destination, ref *position), count, read: true);
        }
        catch (Exception e)
        {
            return ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>Stateful write.</summary>
    public static unsafe nint Write<T, TState>(NativeFile* file, byte* buffer, nuint count, long* position) where T : IWriteOperation<TState> where TState : class
    {
        long streamPosition = 0;
        try
        {
            nint refused = ThunkAdapters.CheckReadWrite(file, ref count, ref position, &streamPosition);
            if (refused != 0) return refused;
            if (!TryBorrow<T, TState>(file, out TState? state, out nint error)) return error;
            // SAFETY: as in Read; the user buffer is only read through copy_from_user.
            var source = new UserSliceReader(CurrentTask.MemorySlot, (nuint)buffer, count);
            return ThunkAdapters.CountReturn<T>(T.Invoke(state, new FileRef(file), source, ref *position), count, read: false);
        }
        catch (Exception e)
        {
            return ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>Stateful llseek.</summary>
    public static unsafe long Lseek<T, TState>(NativeFile* file, long offset, int whence) where T : ILseekOperation<TState> where TState : class
    {
        try
        {
            long refused = ThunkAdapters.CheckLseek(file, whence, out Whence w);
            if (refused != 0) return refused;
            if (!TryBorrow<T, TState>(file, out TState? state, out nint error)) return error;
            // SAFETY: file passed CheckLseek and is live for the call; the state as in Read.
            long before = Volatile.Read(ref file->f_pos);
            KResult<long> result = T.Invoke(state, new FileRef(file), offset, w);
            return ThunkAdapters.SetPosition<T>(file, before, result);
        }
        catch (Exception e)
        {
            return ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>Stateful ioctl/compat_ioctl.</summary>
    public static unsafe nint Ioctl<T, TState>(NativeFile* file, uint command, nuint argument) where T : IIoctlOperation<TState> where TState : class
    {
        try
        {
            if (!RawPointer.IsFile(file)) return -(nint)Errno.EBADF;
            if (!TryBorrow<T, TState>(file, out TState? state, out nint error)) return error;
            // SAFETY: file passed IsFile and is live for the call; argument is an opaque word the
            // handler must only dereference through user-copy helpers (UserPtr<T>).
            KResult<long> result = T.Invoke(state, new FileRef(file), command, argument);
            if (!result.TryGetValue(out long value)) return ThunkAdapters.ErrorReturn<T>(result.Error);
            return value >= 0 ? (nint)value : ThunkAdapters.NegativeValue<T>(value);
        }
        catch (Exception e)
        {
            return ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>Stateful poll: EPOLLERR for bad input, a missing state or a failure.</summary>
    public static unsafe uint Poll<T, TState>(NativeFile* file, NativePollTable* table) where T : IPollOperation<TState> where TState : class
    {
        try
        {
            if (!ThunkAdapters.CheckPoll(file, table)) return (uint)PollEvents.Err;
            if (!TryBorrow<T, TState>(file, out TState? state, out _)) return (uint)PollEvents.Err;
            // SAFETY: as ThunkAdapters.Poll.
            return (uint)T.Invoke(state, new FileRef(file), new PollTable(table));
        }
        catch (Exception e)
        {
            ThunkAdapters.HandlerThrew<T>(e);
            return (uint)PollEvents.Err;
        }
    }

    /// <summary>Stateful flush.</summary>
    public static unsafe int Flush<T, TState>(NativeFile* file, void* owner) where T : IFlushOperation<TState> where TState : class
    {
        _ = owner; // an opaque cookie, never dereferenced
        try
        {
            if (!RawPointer.IsFile(file)) return -(int)Errno.EBADF;
            if (!TryBorrow<T, TState>(file, out TState? state, out nint error)) return (int)error;
            // SAFETY: file passed IsFile and is live for the call.
            KResult result = T.Invoke(state, new FileRef(file));
            return result.IsOk ? 0 : (int)ThunkAdapters.ErrorReturn<T>(result.Error);
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>Stateful fsync.</summary>
    public static unsafe int Fsync<T, TState>(NativeFile* file, long start, long end, int datasync) where T : IFsyncOperation<TState> where TState : class
    {
        try
        {
            int refused = ThunkAdapters.CheckFsync(file, start, end);
            if (refused != 0) return refused;
            if (!TryBorrow<T, TState>(file, out TState? state, out nint error)) return (int)error;
            // SAFETY: file passed IsFile and is live for the call.
            KResult result = T.Invoke(state, new FileRef(file), start, end, datasync != 0);
            return result.IsOk ? 0 : (int)ThunkAdapters.ErrorReturn<T>(result.Error);
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>
    /// Borrows the per-open state. A file without one (open never ran through the stateful
    /// adapter, or release already took it), or whose private_data cannot be a handle, answers
    /// EBADFD's kernel cousin EINVAL with a log line rather than dereferencing nothing.
    /// The caller has checked <paramref name="file"/> with <see cref="RawPointer.IsFile"/>.
    /// </summary>
    internal static unsafe bool TryBorrow<T, TState>(NativeFile* file, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TState? state, out nint error)
        where T : IHandlerOperation where TState : class
    {
        // SAFETY: the caller checked file with RawPointer.IsFile, and the VFS keeps it live for the call.
        nint word = Volatile.Read(ref file->private_data);
        // SAFETY: a non-zero, plausible private_data is the Open adapter's GCHandle; it is freed only
        // by Release, which the VFS runs at the last fput, after every other call on the file returned.
        state = RawPointer.HandleTarget(word) as TState;
        error = 0;
        if (state is not null) return true;
        error = RawPointer.IsHandleOrZero(word) ? NoState<T, TState>() : NotAState<T>(word);
        return false;
    }

    // Out of line, as ThunkAdapters' cold paths: the message is formatted only when it is needed.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint NoState<T, TState>() where T : IHandlerOperation
    {
        ThunkAdapters.Log($"kernelops: {ThunkAdapters.SafeName<T>()}: the file has no {typeof(TState).Name} in private_data; returning -EINVAL");
        return -(nint)Errno.EINVAL;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint NotAState<T>(nint word) where T : IHandlerOperation
    {
        ThunkAdapters.Log($"kernelops: {ThunkAdapters.SafeName<T>()}: private_data holds 0x{word:x}, which cannot be a per-open state; returning -EINVAL");
        return -(nint)Errno.EINVAL;
    }

    // Per-open states are GCHandles the kernel accounts for like its own (Kernel.Statistics),
    // found through the file's model record; raw files built by tests have none.
    private static unsafe void CountHandle(NativeFile* file, int delta)
    {
        // SAFETY: the callers checked file and the VFS keeps it live for the call.
        if (OpenFile.FromNative(file) is { } record) Interlocked.Add(ref record.Counters.Handles, delta);
    }
}
