using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Fuse.Native;
using KernelOps.Model;

namespace KernelOps.Fuse;

// What each FUSE request does in the model. Every method returns the C convention libfuse's
// high-level API expects (a value >= 0 or -errno) and runs as a syscall of the host's process.
public sealed unsafe partial class FuseHost
{
    /// <summary>_IOC_WRITE / _IOC_READ (include/uapi/asm-generic/ioctl.h): the caller passes data in / wants data out.</summary>
    private const uint IocWrite = 1, IocRead = 2;

    internal int GetAttr(byte* path, NativeStat* st, FuseFileInfo* fi)
    {
        // A request that carries a handle (the FUSE client's attribute refresh for SEEK_END) asks
        // the open file, which survives removal of the name; otherwise stat the path. fstat(2)
        // itself arrives without one (fs/fuse/dir.c:fuse_getattr passes no file) and the
        // high-level API cannot tell it from a lookup of the name, so after the name is removed
        // (rmmod, debugfs_remove) fstat on a file still open answers ENOENT, where Linux answers
        // from the file's inode.
        StatResult status;
        int rc = fi != null && fi->fh != 0
            ? Process.Fstat(FdOf(fi), out status)
            : Process.Stat(ModelPath(path), out status);
        if (rc != 0) return rc;
        FillStat(st, status);
        return 0;
    }

    internal int Open(byte* path, FuseFileInfo* fi, bool create, uint mode)
    {
        // The kernel's FUSE client passes the open(2) flags minus O_CREAT|O_EXCL|O_NOCTTY
        // (fs/fuse/file.c:fuse_do_open); O_TRUNC arrives because libfuse enables atomic_o_trunc.
        var flags = (OpenFlags)(uint)fi->flags;
        if (create) flags |= OpenFlags.O_CREAT;
        int fd;
        using (BeginInterruptible()) fd = Process.Open(ModelPath(path), flags, mode);
        if (fd < 0) return fd;
        FMode fmode = Process.FileModeOf(fd) ?? 0;
        ulong fh = (ulong)fd + 1;
        if ((fmode & (FMode.FMODE_PREAD | FMode.FMODE_PWRITE)) != (FMode.FMODE_PREAD | FMode.FMODE_PWRITE)) fh |= PositionlessBit;
        fi->fh = fh;
        // Driver-backed files: no page cache, every read and write reaches the handler, reads are
        // not cut at st_size.
        fi->DirectIo = true;
        fi->KeepCache = false;
        // No FMODE_LSEEK (no lseek handler, nonseekable_open, stream_open): the FUSE client then
        // calls nonseekable_open itself, so lseek fails with ESPIPE as it does in the model.
        if ((fmode & FMode.FMODE_LSEEK) == 0) fi->Nonseekable = true;
        return 0;
    }

    internal int Read(byte* buffer, nuint size, long offset, FuseFileInfo* fi)
    {
        int fd = FdOf(fi);
        if (size == 0) return 0;
        size = Math.Min(size, (nuint)int.MaxValue);
        UserMapping user = Buffer(size);
        nint n;
        using (BeginInterruptible())
        {
            n = (fi->fh & PositionlessBit) != 0
                ? Process.Read(fd, user.Address, size)
                : Process.Pread(fd, user.Address, size, offset);
        }
        if (n <= 0) return (int)n;
        // SAFETY: libfuse hands a buffer of at least size bytes, and n <= size.
        nuint left = Process.Memory.CopyFromUser(new Span<byte>(buffer, (int)n), user.Address);
        return left == 0 ? (int)n : -(int)Errno.EFAULT;
    }

    internal int Write(byte* buffer, nuint size, long offset, FuseFileInfo* fi)
    {
        int fd = FdOf(fi);
        if (size == 0) return 0;
        size = Math.Min(size, (nuint)int.MaxValue);
        UserMapping user = Buffer(size);
        // SAFETY: libfuse hands size readable bytes.
        if (Process.Memory.CopyToUser(user.Address, new ReadOnlySpan<byte>(buffer, (int)size)) != 0) return -(int)Errno.EFAULT;
        using (BeginInterruptible())
        {
            return (int)((fi->fh & PositionlessBit) != 0
                ? Process.Write(fd, user.Address, size)
                : Process.Pwrite(fd, user.Address, size, offset));
        }
    }

    internal int Release(FuseFileInfo* fi)
    {
        StopPollWatcher(FdOf(fi));
        // fs/fuse/file.c:fuse_release: the last close of the real file; the model's close runs
        // its __fput and so the handler's release.
        int rc = Process.Close(FdOf(fi));
        fi->fh = 0;
        return rc;
    }

    internal long Lseek(long offset, int whence, FuseFileInfo* fi) =>
        // The FUSE client answers SEEK_SET/SEEK_CUR/SEEK_END itself (fs/fuse/file.c:
        // fuse_file_llseek, SEEK_END after refreshing st_size); SEEK_DATA/SEEK_HOLE come here.
        Process.Lseek(FdOf(fi), offset, whence);

    internal int Ioctl(uint command, void* argument, FuseFileInfo* fi, uint flags, void* data)
    {
        const uint FuseIoctlCompat = 1 << 0, FuseIoctlDir = 1 << 4;
        if ((flags & FuseIoctlCompat) != 0) return -(int)Errno.ENOSYS; // no 32-bit callers
        if ((flags & FuseIoctlDir) != 0) return -(int)Errno.ENOTTY; // proc directories have no unlocked_ioctl
        int fd = FdOf(fi);
        // A restricted FUSE ioctl carries _IOC_SIZE(cmd) bytes in and/or out (fs/fuse/ioctl.c:
        // fuse_do_ioctl); they go through the model's user memory so the handler's
        // copy_from_user/copy_to_user see a real user buffer.
        uint size = (command >> 16) & 0x3FFF, direction = command >> 30;
        using Interruptible interruptible = BeginInterruptible();
        if (size == 0 || data == null) return Clamp(Process.Ioctl(fd, command, (nuint)argument));
        UserMapping user = Buffer(size);
        // SAFETY: libfuse's data buffer holds size bytes (in_bufsz or out_bufsz equals _IOC_SIZE).
        var bytes = new Span<byte>(data, (int)size);
        if ((direction & IocWrite) != 0) Process.Memory.CopyToUser(user.Address, bytes);
        else Process.Memory.CopyToUser(user.Address, new byte[size]); // no stale bytes from an earlier request
        long rc = Process.Ioctl(fd, command, user.Address);
        if ((direction & IocRead) != 0) Process.Memory.CopyFromUser(bytes, user.Address);
        return Clamp(rc);
    }

    internal int ReadDirectory(byte* path, void* buffer, delegate* unmanaged<void*, byte*, NativeStat*, long, int, int> filler)
    {
        var entries = new List<DirectoryEntry>();
        int rc = Process.ReadDirectory(ModelPath(path), entries);
        if (rc != 0) return rc;
        Span<byte> name = stackalloc byte[4 * 255 + 1];
        foreach (DirectoryEntry entry in entries)
        {
            NativeStat st = default;
            st.st_ino = entry.Inode;
            st.st_mode = AsSeenByTheKernel(entry.Mode);
            int n = Encoding.UTF8.GetBytes(entry.Name, name);
            name[n] = 0;
            fixed (byte* p = name)
            {
                // fuse_fill_dir_t with offset 0: libfuse collects the whole listing and pages it.
                if (filler(buffer, p, &st, 0, 0) != 0) break;
            }
        }
        return 0;
    }

    // ---- poll -------------------------------------------------------------------------------

    private const PollEvents AllPollEvents = PollEvents.In | PollEvents.Pri | PollEvents.Out | PollEvents.RdNorm | PollEvents.WrNorm;
    private readonly Lock _pollLock = new();
    private readonly Dictionary<int, PollWatcher> _pollWatchers = new();
    private readonly List<Thread> _pollThreads = new();

    /// <summary>
    /// FUSE_POLL: the model's poll(2) with timeout 0 on the open file answers the events now.
    /// When nothing is ready and the kernel asks to be told (a handle: FUSE_POLL_SCHEDULE_NOTIFY),
    /// a watcher thread sleeps in the model's poll (on the driver's wait queues, through its
    /// poll_wait) and calls fuse_notify_poll when the driver wakes it, so the real poll()/select()
    /// asks again and sees the new mask. One watcher per open file; a newer handle replaces the
    /// older one. Release and unmount end the watcher with a signal to its thread.
    /// </summary>
    internal int Poll(FuseFileInfo* fi, void* handle, uint* revents)
    {
        int fd = FdOf(fi);
        PollEvents events = fi->poll_events != 0 ? (PollEvents)fi->poll_events : AllPollEvents;
        var fds = new[] { new PollFd(fd, events) };
        int n = Process.Poll(fds, 0);
        if (n < 0 || handle == null || n > 0)
        {
            if (handle != null) _lib.PollhandleDestroy(handle);
            if (n < 0) return n;
            *revents = (uint)fds[0].ReturnedEvents;
            return 0;
        }
        *revents = 0;
        lock (_pollLock)
        {
            if (_pollWatchers.TryGetValue(fd, out PollWatcher? existing) && existing.Handle != null)
            {
                _lib.PollhandleDestroy(existing.Handle);
                existing.Handle = handle;
                existing.Events |= events; // read by the watcher's next pass only; a new watcher is not worth it
                return 0;
            }
            var watcher = new PollWatcher(fd, events, handle);
            _pollWatchers[fd] = watcher;
            var thread = new Thread(() => WatchPoll(watcher)) { IsBackground = true, Name = $"fuse-poll fd {fd}" };
            _pollThreads.Add(thread);
            thread.Start();
        }
        return 0;
    }

    private void WatchPoll(PollWatcher watcher)
    {
        int n;
        using (Interruptible registration = BeginInterruptible())
        {
            lock (_pollLock) watcher.Task = KernelTask.Current;
            // a release or unmount before the thread ran: its signal was sent to nobody
            if (watcher.Stopped) n = -(int)Errno.EINTR;
            else n = Process.Poll(new[] { new PollFd(watcher.Fd, watcher.Events) }, -1);
        }
        lock (_pollLock)
        {
            if (_pollWatchers.TryGetValue(watcher.Fd, out PollWatcher? current) && current == watcher) _pollWatchers.Remove(watcher.Fd);
            // SAFETY: Unmount joins every watcher before it frees libfuse's session.
            if (n > 0 && !watcher.Stopped) _lib.NotifyPoll(watcher.Handle);
            _lib.PollhandleDestroy(watcher.Handle);
            watcher.Handle = null;
            _pollThreads.Remove(Thread.CurrentThread);
        }
    }

    private void StopPollWatcher(int fd)
    {
        lock (_pollLock)
        {
            if (!_pollWatchers.Remove(fd, out PollWatcher? watcher)) return;
            watcher.Stopped = true;
            watcher.Task?.SendSignal();
        }
    }

    /// <summary>Unmounting: stop every watcher and wait (bounded) for them to leave libfuse alone.</summary>
    private void StopPollWatchers(DateTime deadline)
    {
        Thread[] threads;
        lock (_pollLock)
        {
            foreach (PollWatcher w in _pollWatchers.Values)
            {
                w.Stopped = true;
                w.Task?.SendSignal();
            }
            _pollWatchers.Clear();
            threads = _pollThreads.ToArray();
        }
        foreach (Thread t in threads)
        {
            TimeSpan left = deadline - DateTime.UtcNow;
            t.Join(left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }

    private sealed class PollWatcher(int fd, PollEvents events, void* handle)
    {
        public int Fd { get; } = fd;
        public PollEvents Events { get; set; } = events;
        public void* Handle { get; set; } = handle;
        public KernelTask? Task { get; set; }
        public bool Stopped { get; set; }
    }

    // ---- device nodes -------------------------------------------------------------------------

    /// <summary>
    /// The mode a model node shows the real kernel: character and block nodes become regular
    /// files (S_IFREG, same permission bits). Were they S_IFCHR on the FUSE mount, the kernel
    /// would open them by itself (init_special_inode + chrdev_open on the real machine's major
    /// and minor) and never send FUSE_OPEN, and mounts with nodev (as FUSE mounts by unprivileged
    /// users are) refuse them outright. As regular files, opened direct_io with size 0, every
    /// open, read, write and ioctl comes to the host, which opens the model's node through the
    /// model's own chrdev_open, so the driver sees what a device node would give it.
    /// </summary>
    private static uint AsSeenByTheKernel(uint mode)
    {
        const uint Chr = 0x2000, Blk = 0x6000;
        uint type = mode & 0xF000;
        return type is Chr or Blk ? 0x8000 | (mode & 0xFFF) : mode;
    }

    // ---- interrupts ---------------------------------------------------------------------------

    // Requests that may sleep in a handler (open, read, write, ioctl), by id, across hosts: the
    // interrupt callback gets only the id (it runs with no high-level context).
    private static readonly Lock s_requestsLock = new();
    private static readonly Dictionary<long, (FuseHost Host, KernelTask Task)> s_inFlight = new();
    private static long s_nextRequest;

    /// <summary>
    /// Registers the calling worker's request for FUSE_INTERRUPT: when the real caller gets a
    /// signal while its request is in the host (SIGINT to a blocked <c>cat</c>), the kernel sends
    /// FUSE_INTERRUPT and libfuse calls <see cref="FuseCallbacks.Interrupt"/>, which signals this
    /// worker's model task alone (tgkill, not the host process: other callers' requests keep
    /// sleeping). The handler's wait_event_interruptible then ends with ERESTARTSYS and the caller
    /// gets EINTR, as it would from a real driver.
    /// </summary>
    private Interruptible BeginInterruptible()
    {
        KernelTask task = KernelTask.Current;
        long id = Interlocked.Increment(ref s_nextRequest);
        lock (s_requestsLock) s_inFlight.Add(id, (this, task));
        void* request = FuseCallbacks.CurrentRequest(_lib);
        // SAFETY: request is the live fuse_req_t this worker is serving; libfuse clears the
        // callback when it frees the request, and a late call finds no id.
        if (request != null) _lib.ReqInterruptFunc(request, &FuseCallbacks.Interrupt, (void*)(nint)id);
        return new Interruptible(id, task);
    }

    /// <summary>FUSE_INTERRUPT for request <paramref name="id"/>: signal the task serving it, if it still is.</summary>
    internal static void InterruptRequest(long id)
    {
        lock (s_requestsLock)
        {
            if (s_inFlight.TryGetValue(id, out var entry)) entry.Task.SendSignal();
        }
    }

    /// <summary>Unmounting: every request of this host still in a handler is interrupted.</summary>
    private void InterruptAll()
    {
        lock (s_requestsLock)
        {
            foreach (var (host, task) in s_inFlight.Values)
                if (host == this) task.SendSignal();
        }
    }

    private readonly struct Interruptible(long id, KernelTask task) : IDisposable
    {
        // The request is over: a signal that did not end a sleep is discarded with it, so it
        // cannot hit the next request this worker serves.
        public void Dispose()
        {
            lock (s_requestsLock)
            {
                s_inFlight.Remove(id);
                task.ClearSignal();
            }
        }
    }

    // ---- helpers ----------------------------------------------------------------------------

    // A process can repeat a failing request in a loop: the line is printk_ratelimited.
    private static readonly RateLimitSite RequestFailures = new("kernelops_fuse_request");

    /// <summary>A request threw: the caller gets EIO and the kernel log says why (as a thunk's catch does), rate-limited.</summary>
    internal void LogFailure(string operation, Exception e)
    {
        if (_kernel.Log.RateLimit(RequestFailures))
            _kernel.Log.Printk($"fuse: {MountPoint}: {operation} failed with {e.GetType().Name}: {e.Message}");
    }

    private static int FdOf(FuseFileInfo* fi) =>
        fi == null || fi->fh == 0 ? -1 : (int)((fi->fh & ~PositionlessBit) - 1);

    private static int Clamp(long value) => (int)Math.Clamp(value, int.MinValue, int.MaxValue);

    private string ModelPath(byte* path)
    {
        string relative = Marshal.PtrToStringUTF8((nint)path) ?? "/";
        if (_modelRoot == "/") return relative;
        return relative == "/" ? _modelRoot : _modelRoot + relative;
    }

    private void FillStat(NativeStat* st, in StatResult status)
    {
        *st = default;
        st->st_ino = status.Inode;
        st->st_mode = AsSeenByTheKernel(status.Mode);
        st->st_nlink = status.LinkCount;
        bool device = st->st_mode != status.Mode;
        st->st_size = device ? 0 : status.Size;
        st->st_rdev = 0;
        st->st_blksize = 4096;
        st->st_blocks = (status.Size + 511) / 512;
        // The model keeps no timestamps: every node reports the mount's time.
        st->st_atim.tv_sec = st->st_mtim.tv_sec = st->st_ctim.tv_sec = _mountTime;
    }

    /// <summary>This worker thread's buffer in the host process's user memory, grown to <paramref name="size"/>.</summary>
    private UserMapping Buffer(nuint size)
    {
        UserMapping current = _buffers.Value;
        if (current.Length >= size) return current;
        if (current.Length != 0) Process.Memory.Unmap(current.Address);
        UserMapping grown = Process.Memory.Map(Math.Max(size, (nuint)InitialBufferBytes));
        _buffers.Value = grown;
        return grown;
    }
}
