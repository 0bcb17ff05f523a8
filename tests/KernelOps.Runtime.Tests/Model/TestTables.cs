using System;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>Per-registration state handed to handlers as proc data (pde_data / Inode.Data).</summary>
internal sealed class RamState
{
    public readonly object Gate = new();
    public byte[] Content = [];
    public int Opens;
    public int Releases;
    public int ReadCalls;
    public int WriteCalls;
    public int InRead;
    public int MaxConcurrentReads;
    /// <summary>How long a read waits inside the handler for a second reader to arrive.</summary>
    public int OverlapWaitMs;
    public ManualResetEventSlim? BlockRead;
    public readonly ManualResetEventSlim ReadEntered = new();
    public Errno FailOpen;
    public bool AdvanceThenFail;
    public uint ModeSeenAtOpen;
    public bool ThrowInRead;
    /// <summary>When set, each read records whether its thread holds the file's f_pos_lock.</summary>
    public bool CheckPosLock;
    public bool PosLockHeldInRead;

    public RamState() { }

    public RamState(string text) => Content = System.Text.Encoding.UTF8.GetBytes(text);

    public string Text
    {
        get { lock (Gate) return System.Text.Encoding.UTF8.GetString(Content); }
    }
}

/// <summary>
/// Hand-built proc_ops tables (no generator): some slots through ThunkAdapters with small
/// operation structs, as generated code will be, some raw C-style [UnmanagedCallersOnly] functions.
/// </summary>
internal static unsafe class TestTables
{
    public const uint IoctlGetFMode = 1, IoctlGetFFlags = 2, IoctlGetInodeMode = 3;

    public static readonly OpsTable<ProcOps> Ram = Build("Ram", t =>
    {
        t->proc_open = &OpenThunk;
        t->proc_read = &ReadThunk;
        t->proc_write = &WriteThunk;
        t->proc_lseek = &LseekThunk;
        t->proc_release = &ReleaseThunk;
        t->proc_ioctl = &IoctlThunk;
    });

    public static readonly OpsTable<ProcOps> RamNoLseek = Build("RamNoLseek", t =>
    {
        t->proc_open = &OpenThunk;
        t->proc_read = &ReadThunk;
        t->proc_write = &WriteThunk;
        t->proc_release = &ReleaseThunk;
        t->proc_ioctl = &IoctlThunk;
    });

    public static readonly OpsTable<ProcOps> RamNoRelease = Build("RamNoRelease", t =>
    {
        t->proc_open = &OpenThunk;
        t->proc_read = &ReadThunk;
        t->proc_write = &WriteThunk;
        t->proc_lseek = &LseekThunk;
    });

    public static readonly OpsTable<ProcOps> RamPermanent = Build("RamPermanent", t =>
    {
        t->proc_flags = (uint)ProcOpsFlags.Permanent;
        t->proc_open = &OpenThunk;
        t->proc_read = &ReadThunk;
        t->proc_write = &WriteThunk;
        t->proc_lseek = &LseekThunk;
        t->proc_release = &ReleaseThunk;
    });

    /// <summary>Raw C-style: only proc_write, no open/read/lseek/release/ioctl.</summary>
    public static readonly OpsTable<ProcOps> RawWriteOnly = Build("RawWriteOnly", t => t->proc_write = &RawWrite);

    /// <summary>Raw lseek that stores any offset in f_pos unchecked (a buggy driver), plus the RAM read.</summary>
    public static readonly OpsTable<ProcOps> RawSeekAnywhere = Build("RawSeekAnywhere", t =>
    {
        t->proc_read = &ReadThunk;
        t->proc_lseek = &RawSeekAnywhereLseek;
    });

    private delegate void Filler(ProcOps* table);

    private static OpsTable<ProcOps> Build(string name, Filler fill)
    {
        OpsTable<ProcOps> table = OpsTable<ProcOps>.AllocateFor(typeof(TestTables), name);
        fill(table.Pointer);
        return table;
    }

    private static RamState State(FileRef file) => file.Inode.Data<RamState>() ?? throw new InvalidOperationException("no RamState");

    // ---- adapter-based slots (what the generator emits) ----

    [UnmanagedCallersOnly] private static int OpenThunk(NativeInode* i, NativeFile* f) => ThunkAdapters.InodeFile<RamOpen>(i, f);
    [UnmanagedCallersOnly] private static int ReleaseThunk(NativeInode* i, NativeFile* f) => ThunkAdapters.InodeFile<RamRelease>(i, f);
    [UnmanagedCallersOnly] private static nint ReadThunk(NativeFile* f, byte* b, nuint c, long* p) => ThunkAdapters.Read<RamRead>(f, b, c, p);
    [UnmanagedCallersOnly] private static nint WriteThunk(NativeFile* f, byte* b, nuint c, long* p) => ThunkAdapters.Write<RamWrite>(f, b, c, p);
    [UnmanagedCallersOnly] private static long LseekThunk(NativeFile* f, long o, int w) => ThunkAdapters.Lseek<RamLseek>(f, o, w);
    [UnmanagedCallersOnly] private static nint IoctlThunk(NativeFile* f, uint c, nuint a) => ThunkAdapters.Ioctl<RamIoctl>(f, c, a);

    private struct RamOpen : IInodeFileOperation
    {
        public static string HandlerName => "Tests.Ram.Open";

        public static KResult Invoke(Inode inode, FileRef file)
        {
            RamState s = inode.Data<RamState>()!;
            s.ModeSeenAtOpen = (uint)file.Mode;
            if (s.FailOpen != 0) return s.FailOpen;
            Interlocked.Increment(ref s.Opens);
            return KResult.Ok;
        }
    }

    private struct RamRelease : IInodeFileOperation
    {
        public static string HandlerName => "Tests.Ram.Release";

        public static KResult Invoke(Inode inode, FileRef file)
        {
            Interlocked.Increment(ref inode.Data<RamState>()!.Releases);
            return KResult.Ok;
        }
    }

    private struct RamRead : IReadOperation
    {
        public static string HandlerName => "Tests.Ram.Read";

        public static KResult<nuint> Invoke(FileRef file, UserSliceWriter destination, ref long position)
        {
            RamState s = State(file);
            Interlocked.Increment(ref s.ReadCalls);
            if (s.CheckPosLock) s.PosLockHeldInRead = OpenFile.FromNative(file.Pointer)!.PosLock.IsHeldByCurrentThread;
            int now = Interlocked.Increment(ref s.InRead);
            try
            {
                int max;
                while ((max = Volatile.Read(ref s.MaxConcurrentReads)) < now &&
                       Interlocked.CompareExchange(ref s.MaxConcurrentReads, now, max) != max) { }
                s.ReadEntered.Set();
                s.BlockRead?.Wait(TimeSpan.FromSeconds(10));
                if (s.OverlapWaitMs > 0)
                    SpinWait.SpinUntil(() => Volatile.Read(ref s.InRead) >= 2, s.OverlapWaitMs);
                while ((max = Volatile.Read(ref s.MaxConcurrentReads)) < Volatile.Read(ref s.InRead) &&
                       Interlocked.CompareExchange(ref s.MaxConcurrentReads, Volatile.Read(ref s.InRead), max) != max) { }
                if (s.ThrowInRead) throw new InvalidOperationException("handler bug");
                if (s.AdvanceThenFail)
                {
                    position += 5;
                    return Errno.EAGAIN;
                }
                byte[] content;
                lock (s.Gate) content = s.Content;
                if (position >= content.Length) return (nuint)0;
                KResult<nuint> copied = destination.WriteSome(content.AsSpan((int)position));
                if (!copied.TryGetValue(out nuint n)) return copied;
                position += (long)n;
                return n;
            }
            finally
            {
                Interlocked.Decrement(ref s.InRead);
            }
        }
    }

    private struct RamWrite : IWriteOperation
    {
        public static string HandlerName => "Tests.Ram.Write";

        public static KResult<nuint> Invoke(FileRef file, UserSliceReader source, ref long position)
        {
            RamState s = State(file);
            Interlocked.Increment(ref s.WriteCalls);
            var data = new System.Collections.Generic.List<byte>();
            KResult read = source.ReadAll(data);
            if (!read.IsOk) return read.Error;
            lock (s.Gate)
            {
                long start = (file.Flags & OpenFlags.O_APPEND) != 0 ? s.Content.Length : position;
                long end = start + data.Count;
                byte[] content = s.Content;
                if (end > content.Length) Array.Resize(ref content, (int)end);
                else content = (byte[])content.Clone();
                data.CopyTo(content, (int)start);
                s.Content = content;
                position = end;
            }
            return (nuint)data.Count;
        }
    }

    private struct RamLseek : ILseekOperation
    {
        public static string HandlerName => "Tests.Ram.Lseek";

        public static KResult<long> Invoke(FileRef file, long offset, Whence whence)
        {
            RamState s = State(file);
            long size;
            lock (s.Gate) size = s.Content.Length;
            long target = whence switch
            {
                Whence.Set => offset,
                Whence.Current => file.ReadPositionUnsynchronized() + offset,
                Whence.End => size + offset,
                _ => -1,
            };
            if (target < 0) return Errno.EINVAL;
            return target; // the thunk stores it in f_pos
        }
    }

    private struct RamIoctl : IIoctlOperation
    {
        public static string HandlerName => "Tests.Ram.Ioctl";

        public static KResult<long> Invoke(FileRef file, uint command, nuint argument) => command switch
        {
            IoctlGetFMode => (long)file.Mode,
            IoctlGetFFlags => (long)file.Flags,
            IoctlGetInodeMode => (long)file.Inode.Mode,
            _ => Errno.ENOTTY,
        };
    }

    // ---- raw C-style slots ----

    [UnmanagedCallersOnly]
    private static nint RawWrite(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        // A C driver: copy_from_user into a kernel buffer, remember it, return the count.
        if (file == null) return -(nint)Errno.EBADF;
        var kernelBuffer = new byte[(int)Math.Min(count, 4096)];
        nuint notCopied = CurrentTask.Memory?.CopyFromUser(kernelBuffer, (nuint)buffer) ?? count;
        if (notCopied != 0) return -(nint)Errno.EFAULT;
        RamState? s = new Inode(file->f_inode).Data<RamState>();
        if (s is not null) lock (s.Gate) s.Content = kernelBuffer;
        return (nint)kernelBuffer.Length;
    }

    [UnmanagedCallersOnly]
    private static long RawSeekAnywhereLseek(NativeFile* file, long offset, int whence)
    {
        file->f_pos = offset; // no validation at all
        return offset < 0 ? 0 : offset;
    }
}
