using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The calling thread working for a process (see <see cref="UserProcess.EnterTask"/>); dispose to
/// restore what the thread worked for before. Scopes nest.
/// </summary>
public readonly struct TaskScope : IDisposable
{
    private readonly CurrentTask.Scope _scope;

    internal TaskScope(CurrentTask.Scope scope) => _scope = scope;

    /// <summary>Restores the previous task.</summary>
    public void Dispose() => _scope.Dispose();
}

/// <summary>
/// A user process: an address space (<see cref="Memory"/>) and an fd table. The raw syscalls
/// return a value &gt;= 0 or <c>-errno</c> as the syscall ABI does; they may be called from any
/// number of threads at once. Each one runs as this process's task (copy_to_user and printk in
/// handlers reach this process and kernel). Each calling thread is one of the process's threads:
/// while only one thread has used the fd table it is unshared (files_struct count 1) and a
/// syscall borrows its file reference, so only dup makes a file "shared" for fdget_pos; once a
/// second thread has, every fdget_pos takes f_pos_lock, as __fget_light's real reference does.
/// </summary>
public sealed unsafe partial class UserProcess : IDisposable
{
    /// <summary>RLIMIT_NOFILE: the soft limit on open descriptors (EMFILE beyond it).</summary>
    public const int MaxOpenFiles = 1024;

    private readonly Lock _fdLock = new(); // files->file_lock
    private readonly OpenFile?[] _fds = new OpenFile?[MaxOpenFiles];
    private readonly bool[] _reserved = new bool[MaxOpenFiles];
    // files->count > 1: a second thread has used the fd table (never reset: threads are not
    // tracked to their exit, so the model stays on the locking side). See NoteThread.
    private int _firstThread;
    private volatile bool _tableShared;
    private int _nextFd; // files->next_fd: no free fd below it
    private bool _exited;

    internal UserProcess(Kernel kernel, int pid, string name)
    {
        Kernel = kernel;
        Pid = pid;
        Name = name;
    }

    /// <summary>The process id.</summary>
    public int Pid { get; }

    /// <summary>The command name (<c>comm</c>).</summary>
    public string Name { get; }

    /// <summary>The kernel the process runs on.</summary>
    public Kernel Kernel { get; }

    /// <summary>The process's address space: map buffers here and pass their addresses to syscalls.</summary>
    public UserMemory Memory { get; } = new();

    /// <summary>Number of installed descriptors.</summary>
    public int OpenDescriptorCount
    {
        get
        {
            lock (_fdLock)
            {
                int n = 0;
                foreach (OpenFile? f in _fds) if (f is not null) n++;
                return n;
            }
        }
    }

    /// <summary>
    /// Makes the calling thread work for this process (<c>current</c>) until the scope is disposed:
    /// thunks then copy to and from <see cref="Memory"/> and printk to <see cref="Kernel"/>'s log.
    /// Every syscall enters it for its own duration.
    /// </summary>
    public TaskScope EnterTask()
    {
        // The task on this thread is the same on every syscall: kept on the thread's copy slot.
        UserMemory.ReaderSlot slot = Memory.SlotForCurrentThread();
        TaskContext task = slot.Task is { } cached && cached.Process == this
            ? cached
            : slot.Task = new TaskContext(slot, Kernel.Log, this, Kernel);
        return new(CurrentTask.Enter(task));
    }

    // ---- syscalls ---------------------------------------------------------------------------

    /// <summary>open(2). Returns the lowest free fd or -errno.</summary>
    /// <param name="path">Absolute, or relative to <c>/</c>: /proc, /dev and /sys (with debugfs at /sys/kernel/debug) are what exists.</param>
    /// <param name="flags">open(2) flags.</param>
    /// <param name="mode">Creation mode; nothing in the model can be created, so it is only validated by use.</param>
    public int Open(string path, OpenFlags flags, uint mode = 0)
    {
        ArgumentNullException.ThrowIfNull(path);
        _ = mode;
        using TaskScope task = EnterTask();
        // mirrors fs/open.c:do_sys_openat2: get_unused_fd_flags, do_filp_open, fd_install
        int fd = AllocFd();
        if (fd < 0) return fd;
        int error = Kernel.LookupForOpen(path, flags, out IVfsNode? node);
        OpenFile? file = null;
        if (error == 0) error = Vfs.DentryOpen(Kernel.Counters, node!, flags, out file);
        if (error != 0)
        {
            PutUnusedFd(fd);
            return (int)SyscallReturn(error);
        }
        if (!FdInstall(fd, file!))
        {
            file!.PutFileCount(); // the process exited while we opened
            return -(int)Errno.EBADF;
        }
        return fd;
    }

    /// <summary>close(2) (fs/file.c:close_fd, then filp_close/fput).</summary>
    public int Close(int fd)
    {
        using TaskScope task = EnterTask();
        OpenFile? file;
        lock (_fdLock)
        {
            if ((uint)fd >= MaxOpenFiles || (file = _fds[fd]) is null) return -(int)Errno.EBADF;
            _fds[fd] = null;
            if (fd < _nextFd) _nextFd = fd;
        }
        Kernel.Counters.Update(descriptors: -1);
        // mirrors fs/open.c:filp_close -> filp_flush: ->flush on every close, its result is close's
        int retval = file.Dispatch.Flush(file.File, null);
        file.PutFileCount();
        return (int)SyscallReturn(retval);
    }

    /// <summary>dup(2) (fs/file.c:ksys_dup): the new fd shares the struct file, so f_pos and f_count.</summary>
    public int Dup(int fd)
    {
        using TaskScope task = EnterTask();
        lock (_fdLock)
        {
            OpenFile? file;
            if ((uint)fd >= MaxOpenFiles || (file = _fds[fd]) is null) return -(int)Errno.EBADF;
            int newFd = FindFreeFdLocked();
            if (newFd < 0) return newFd;
            file.GetFileCount();
            _fds[newFd] = file;
            _nextFd = newFd + 1;
            Kernel.Counters.Update(descriptors: 1);
            return newFd;
        }
    }

    /// <summary>read(2).</summary>
    public nint Read(int fd, nuint buf, nuint count)
    {
        using TaskScope task = EnterTask();
        // mirrors fs/read_write.c:ksys_read
        using FileHandle f = FdGetPos(fd);
        if (f.File is null) return -(nint)Errno.EBADF;
        // SAFETY: the handle holds a reference to the file, so __fput cannot free the native struct
        // before the handle is disposed at the end of this method.
        NativeFile* file = f.File.File;
        bool stream = IsStream(file);
        long pos = stream ? 0 : Volatile.Read(ref file->f_pos); // file_ppos()
        nint ret = Vfs.Read(f.File, buf, count, stream ? null : &pos);
        if (ret >= 0 && !stream) Volatile.Write(ref file->f_pos, pos);
        return SyscallReturn(ret);
    }

    /// <summary>write(2).</summary>
    public nint Write(int fd, nuint buf, nuint count)
    {
        using TaskScope task = EnterTask();
        // mirrors fs/read_write.c:ksys_write
        using FileHandle f = FdGetPos(fd);
        if (f.File is null) return -(nint)Errno.EBADF;
        // SAFETY: as in Read, the handle's reference keeps the native file alive.
        NativeFile* file = f.File.File;
        bool stream = IsStream(file);
        long pos = stream ? 0 : Volatile.Read(ref file->f_pos);
        nint ret = Vfs.Write(f.File, buf, count, stream ? null : &pos);
        if (ret >= 0 && !stream) Volatile.Write(ref file->f_pos, pos);
        return SyscallReturn(ret);
    }

    /// <summary>pread64(2): reads at <paramref name="pos"/> without using or moving f_pos.</summary>
    public nint Pread(int fd, nuint buf, nuint count, long pos)
    {
        using TaskScope task = EnterTask();
        // mirrors fs/read_write.c:ksys_pread64
        if (pos < 0) return -(nint)Errno.EINVAL;
        using FileHandle f = FdGet(fd);
        if (f.File is null) return -(nint)Errno.EBADF;
        if (((FMode)f.File.File->f_mode & FMode.FMODE_PREAD) == 0) return -(nint)Errno.ESPIPE;
        return SyscallReturn(Vfs.Read(f.File, buf, count, &pos));
    }

    /// <summary>pwrite64(2): writes at <paramref name="pos"/> without using or moving f_pos.</summary>
    public nint Pwrite(int fd, nuint buf, nuint count, long pos)
    {
        using TaskScope task = EnterTask();
        // mirrors fs/read_write.c:ksys_pwrite64
        if (pos < 0) return -(nint)Errno.EINVAL;
        using FileHandle f = FdGet(fd);
        if (f.File is null) return -(nint)Errno.EBADF;
        if (((FMode)f.File.File->f_mode & FMode.FMODE_PWRITE) == 0) return -(nint)Errno.ESPIPE;
        return SyscallReturn(Vfs.Write(f.File, buf, count, &pos));
    }

    /// <summary>lseek(2). <paramref name="whence"/> is the raw C int: values above SEEK_MAX (or negative) give EINVAL.</summary>
    public long Lseek(int fd, long offset, int whence)
    {
        using TaskScope task = EnterTask();
        // mirrors fs/read_write.c:ksys_lseek (whence is unsigned there)
        using FileHandle f = FdGetPos(fd);
        if (f.File is null) return -(long)Errno.EBADF;
        if ((uint)whence > WhenceExtensions.SeekMax) return -(long)Errno.EINVAL;
        return Vfs.Llseek(f.File, offset, whence);
    }

    /// <summary>ioctl(2) (fs/ioctl.c:SYSCALL_DEFINE3(ioctl) → vfs_ioctl).</summary>
    public long Ioctl(int fd, uint cmd, nuint arg)
    {
        using TaskScope task = EnterTask();
        using FileHandle f = FdGet(fd);
        if (f.File is null) return -(long)Errno.EBADF;
        return SyscallReturn((nint)Vfs.Ioctl(f.File, cmd, arg));
    }

    /// <summary>fsync(2) (fs/sync.c:do_fsync → vfs_fsync_range(file, 0, LLONG_MAX, 0)): EINVAL when the file has no -&gt;fsync.</summary>
    public int Fsync(int fd) => DoFsync(fd, datasync: 0);

    /// <summary>fdatasync(2): as <see cref="Fsync"/> with datasync set.</summary>
    public int Fdatasync(int fd) => DoFsync(fd, datasync: 1);

    private int DoFsync(int fd, int datasync)
    {
        using TaskScope task = EnterTask();
        using FileHandle f = FdGet(fd);
        if (f.File is null) return -(int)Errno.EBADF;
        return (int)SyscallReturn(f.File.Dispatch.Fsync(f.File.File, 0, long.MaxValue, datasync));
    }

    /// <summary>
    /// mknod(2): creates a device node. Only <c>/dev/NAME</c> can hold nodes (other directories have
    /// no <c>-&gt;mknod</c>: EPERM); <paramref name="mode"/>
    /// must carry S_IFCHR (0x2000) or S_IFBLK (0x6000) plus permission bits; <paramref name="dev"/>
    /// is the user-space dev_t (<see cref="DeviceNumber.MakeUser"/>, glibc's makedev). Returns 0 or
    /// -errno (EEXIST, ENOENT, EPERM, EINVAL), as do_mknodat.
    /// </summary>
    public int Mknod(string path, uint mode, ulong dev)
    {
        ArgumentNullException.ThrowIfNull(path);
        using TaskScope task = EnterTask();
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) return -(int)Errno.EEXIST; // "/" exists
        if (parts.Length != 2 || parts[0] != "dev")
        {
            // mirrors fs/namei.c:do_mknodat: filename_create (the name exists: EEXIST; its directory
            // does not: the walk's errno), then vfs_mknod, where only /dev's directory has ->mknod
            // (proc, kernfs, debugfs and "/" do not: EPERM).
            int found = Kernel.LookupForOpen(path, OpenFlags.O_RDONLY, out IVfsNode? existing);
            if (found == 0)
            {
                existing!.PutNode();
                return -(int)Errno.EEXIST;
            }
            int parent = Kernel.LookupForOpen("/" + string.Join('/', parts[..^1]), OpenFlags.O_DIRECTORY, out IVfsNode? directory);
            if (parent != 0) return parent;
            bool inDev = directory == Kernel.Dev.Root; // "/dev/./x", "/proc/../dev/x"
            directory!.PutNode();
            return inDev ? Kernel.Dev.Mknod(parts[^1], mode, DeviceNumber.FromUser(dev)) : -(int)Errno.EPERM;
        }
        return Kernel.Dev.Mknod(parts[1], mode, DeviceNumber.FromUser(dev));
    }

    /// <summary>unlink(2) of a node in /dev (others: EPERM for /proc, ENOENT elsewhere).</summary>
    public int Unlink(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        using TaskScope task = EnterTask();
        string[] parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 2 && parts[0] == "dev") return Kernel.Dev.Unlink(parts[1]);
        return parts.Length > 0 && parts[0] == "proc" ? -(int)Errno.EPERM : -(int)Errno.ENOENT;
    }

    /// <summary>stat(2) (fs/stat.c:vfs_statx → generic_fillattr). Returns 0 and the result, or -errno.</summary>
    public int Stat(string path, out StatResult result)
    {
        ArgumentNullException.ThrowIfNull(path);
        result = default;
        using TaskScope task = EnterTask();
        // mirrors fs/stat.c:vfs_statx: filename_lookup, then vfs_getattr -> generic_fillattr
        int error = Kernel.LookupForOpen(path, OpenFlags.O_RDONLY, out IVfsNode? node);
        if (error != 0) return error;
        try
        {
            result = FillAttr(node!);
            return 0;
        }
        finally
        {
            node!.PutNode();
        }
    }

    /// <summary>
    /// poll(2) (fs/select.c:do_sys_poll → do_poll): asks each file's -&gt;poll (vfs_poll) and sleeps
    /// on the wait queues the handlers registered with poll_wait until one is ready, the timeout
    /// passes or a signal arrives. <paramref name="timeoutMs"/> is in milliseconds, negative for
    /// no limit, 0 to return at once. Returns the number of entries with non-zero revents, 0 on
    /// timeout, or -errno (EINTR). Each entry's revents is filled as Linux does: the events asked
    /// for plus POLLERR/POLLHUP, POLLNVAL for a closed fd, 0 for a negative fd.
    /// </summary>
    public int Poll(Span<PollFd> fds, int timeoutMs)
    {
        using TaskScope task = EnterTask();
        if ((uint)fds.Length > MaxOpenFiles) return -(int)Errno.EINVAL; // RLIMIT_NOFILE
        var table = new PollWaitQueues();
        GCHandle handle = GCHandle.Alloc(table);
        try
        {
            NativePollTable pt = new() { _qproc = GCHandle.ToIntPtr(handle) };
            long deadline = timeoutMs < 0 ? long.MaxValue : Environment.TickCount64 + timeoutMs;
            bool timedOut = timeoutMs == 0;
            while (true)
            {
                table.Waiter.Arm(); // set_current_state(TASK_INTERRUPTIBLE) before looking
                int count = 0;
                for (int i = 0; i < fds.Length; i++)
                {
                    PollEvents revents = DoPollFd(ref fds[i], &pt);
                    fds[i].ReturnedEvents = revents;
                    if (revents != 0)
                    {
                        count++;
                        pt._qproc = 0; // found something: no need to queue on the rest
                    }
                }
                pt._qproc = 0; // queued (or not) once: later passes only re-check
                if (count > 0 || timedOut) return count;
                if (SignalPending || table.Waiter.SignalPending) return (int)SyscallReturn(-(nint)Errno.ERESTARTSYS);
                long left = deadline == long.MaxValue ? Timeout.Infinite : deadline - Environment.TickCount64;
                if (left != Timeout.Infinite && left <= 0) { timedOut = true; continue; }
                AddSleeper(table.Waiter);
                try
                {
                    if (!SignalPending && !table.Waiter.SignalPending && !table.Waiter.Sleep(left == Timeout.Infinite ? Timeout.Infinite : (int)Math.Min(left, int.MaxValue)) &&
                        deadline != long.MaxValue && Environment.TickCount64 >= deadline)
                        timedOut = true;
                }
                finally { RemoveSleeper(table.Waiter); }
            }
        }
        finally
        {
            table.FreeWait(); // poll_freewait
            handle.Free();
        }
    }

    /// <summary>
    /// select(2) (fs/select.c:do_select) over fds below <paramref name="nfds"/>: each set is read
    /// as the fds to watch and overwritten with the ready ones (null sets are ignored). Readable
    /// means POLLIN_SET (IN|RDNORM|RDBAND|HUP|ERR), writable POLLOUT_SET (OUT|WRNORM|WRBAND|ERR),
    /// exceptional POLLEX_SET (PRI). Returns the number of bits set, 0 on timeout, -EBADF for a
    /// closed fd in a set, -EINVAL for a bad nfds, -EINTR.
    /// </summary>
    public int Select(int nfds, FdSet? readFds, FdSet? writeFds, FdSet? exceptFds, int timeoutMs)
    {
        if (nfds < 0 || nfds > MaxOpenFiles) return -(int)Errno.EINVAL;
        var watched = new List<int>();
        for (int fd = 0; fd < nfds; fd++)
            if (readFds?.IsSet(fd) == true || writeFds?.IsSet(fd) == true || exceptFds?.IsSet(fd) == true) watched.Add(fd);
        var pfds = new PollFd[watched.Count];
        for (int i = 0; i < pfds.Length; i++)
        {
            int fd = watched[i];
            PollEvents want = 0;
            if (readFds?.IsSet(fd) == true) want |= PollInSet;
            if (writeFds?.IsSet(fd) == true) want |= PollOutSet;
            if (exceptFds?.IsSet(fd) == true) want |= PollExSet;
            pfds[i] = new PollFd(fd, want);
        }
        // do_select's max_select_fd: a set naming a closed fd is EBADF before anything waits.
        lock (_fdLock)
            foreach (int fd in watched)
                if (_fds[fd] is null) return -(int)Errno.EBADF;
        int n = Poll(pfds, timeoutMs);
        if (n < 0) return n;
        readFds?.ClearAll();
        writeFds?.ClearAll();
        exceptFds?.ClearAll();
        int bits = 0;
        foreach (PollFd p in pfds)
        {
            if ((p.ReturnedEvents & PollEvents.Nval) != 0) return -(int)Errno.EBADF;
            if ((p.Events & PollInSet) != 0 && (p.ReturnedEvents & PollInSet) != 0) { readFds!.Set(p.Fd); bits++; }
            if ((p.Events & PollOutSet) != 0 && (p.ReturnedEvents & PollOutSet) != 0) { writeFds!.Set(p.Fd); bits++; }
            if ((p.Events & PollExSet) != 0 && (p.ReturnedEvents & PollExSet) != 0) { exceptFds!.Set(p.Fd); bits++; }
        }
        return bits;
    }

    private const PollEvents PollInSet = PollEvents.RdNorm | PollEvents.RdBand | PollEvents.In | PollEvents.Hup | PollEvents.Err;
    private const PollEvents PollOutSet = PollEvents.WrBand | PollEvents.WrNorm | PollEvents.Out | PollEvents.Err;
    private const PollEvents PollExSet = PollEvents.Pri;

    // mirrors fs/select.c:do_pollfd
    private PollEvents DoPollFd(ref PollFd pollfd, NativePollTable* pt)
    {
        if (pollfd.Fd < 0) return 0;
        using FileHandle f = FdGet(pollfd.Fd);
        if (f.File is null) return PollEvents.Nval;
        // userland can ask for only the events it wants, but always gets POLLERR and POLLHUP
        PollEvents filter = pollfd.Events | PollEvents.Err | PollEvents.Hup;
        pt->_key = (uint)filter;
        var mask = (PollEvents)f.File.Dispatch.Poll(f.File.File, pt);
        return mask & filter;
    }

    /// <summary>The open file behind <paramref name="fd"/>, for model tests (no reference taken).</summary>
    internal OpenFile? FileForTests(int fd)
    {
        lock (_fdLock) return (uint)fd < MaxOpenFiles ? _fds[fd] : null;
    }

    // ---- signals --------------------------------------------------------------------------

    private readonly Lock _sleepersLock = new();
    private readonly List<TaskWaiter> _sleepers = new();
    private int _signalPending;

    /// <summary>True while a signal sent with <see cref="SendSignal"/> has not been delivered.</summary>
    public bool SignalPending => Volatile.Read(ref _signalPending) != 0;

    /// <summary>
    /// Sends the process a signal (with no handler semantics beyond interrupting): every
    /// interruptible sleep of its tasks (wait_event_interruptible, poll) ends, and the syscall that
    /// was sleeping returns -EINTR, which delivers (clears) the signal.
    /// </summary>
    public void SendSignal()
    {
        Volatile.Write(ref _signalPending, 1);
        TaskWaiter[] sleepers;
        lock (_sleepersLock) sleepers = _sleepers.ToArray();
        foreach (TaskWaiter w in sleepers) w.Wake();
    }

    internal void AddSleeper(TaskWaiter waiter)
    {
        lock (_sleepersLock) _sleepers.Add(waiter);
    }

    internal void RemoveSleeper(TaskWaiter waiter)
    {
        lock (_sleepersLock) _sleepers.Remove(waiter);
    }

    // Syscall exit: ERESTARTSYS (a sleep interrupted by a signal) reaches user space as EINTR
    // (no SA_RESTART in the model) and the signal counts as delivered.
    private nint SyscallReturn(nint value)
    {
        if (value != -(nint)Errno.ERESTARTSYS) return value;
        // the signal that ended the sleep: the process's, or one sent to this thread alone
        if (TaskWaiter.ForCurrentThread().SignalPending) TaskWaiter.ForCurrentThread().ClearSignal();
        else Volatile.Write(ref _signalPending, 0);
        return -(nint)Errno.EINTR;
    }

    // ---- conveniences -----------------------------------------------------------------------

    /// <summary>Reads a whole file as <c>cat</c> does: open O_RDONLY, read until 0, close.</summary>
    /// <exception cref="KernelErrorException">Any step failed; the message names the syscall and path.</exception>
    public byte[] ReadAllBytes(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        const int chunk = 4096;
        int fd = Check(Open(path, OpenFlags.O_RDONLY), "open", path);
        UserMapping buffer = default;
        try
        {
            buffer = Memory.Map(chunk);
            var result = new MemoryStream();
            Span<byte> bounce = stackalloc byte[chunk];
            while (true)
            {
                nint n = Read(fd, buffer.Address, chunk);
                if (n < 0) throw new KernelErrorException((Errno)(-n), $"read(\"{path}\")");
                if (n == 0) break;
                Memory.CopyFromUser(bounce[..(int)n], buffer.Address);
                result.Write(bounce[..(int)n]);
            }
            return result.ToArray();
        }
        finally
        {
            if (buffer.Length != 0) Memory.Unmap(buffer.Address);
            Close(fd);
        }
    }

    /// <summary>
    /// Writes <paramref name="data"/> as the shell's <c>echo &gt;</c> does (O_WRONLY|O_CREAT|O_TRUNC),
    /// or <c>echo &gt;&gt;</c> (O_WRONLY|O_CREAT|O_APPEND) when <paramref name="append"/>, writing until
    /// everything is taken (a write of 0 is ENOSPC, as coreutils' full_write says).
    /// </summary>
    /// <exception cref="KernelErrorException">Any step failed; the message names the syscall and path.</exception>
    public void WriteAllBytes(string path, ReadOnlySpan<byte> data, bool append = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        OpenFlags flags = OpenFlags.O_WRONLY | OpenFlags.O_CREAT | (append ? OpenFlags.O_APPEND : OpenFlags.O_TRUNC);
        int fd = Check(Open(path, flags, 0x1B6 /* 0666 */), "open", path);
        UserMapping buffer = default;
        try
        {
            if (data.IsEmpty) return;
            const int maxChunk = 1 << 20;
            buffer = Memory.Map((nuint)Math.Min(data.Length, maxChunk));
            while (!data.IsEmpty)
            {
                int piece = (int)Math.Min((nuint)data.Length, buffer.Length);
                Memory.CopyToUser(buffer.Address, data[..piece]);
                int done = 0;
                while (done < piece)
                {
                    nint n = Write(fd, buffer.Address + (nuint)done, (nuint)(piece - done));
                    if (n < 0) throw new KernelErrorException((Errno)(-n), $"write(\"{path}\")");
                    if (n == 0) throw new KernelErrorException(Errno.ENOSPC, $"write(\"{path}\")");
                    done += (int)n;
                }
                data = data[piece..];
            }
        }
        finally
        {
            if (buffer.Length != 0) Memory.Unmap(buffer.Address);
            Close(fd);
        }
    }

    /// <summary><see cref="ReadAllBytes"/> decoded as UTF-8.</summary>
    public string ReadAllText(string path) => Encoding.UTF8.GetString(ReadAllBytes(path));

    /// <summary><see cref="WriteAllBytes"/> of <paramref name="text"/> encoded as UTF-8.</summary>
    public void WriteAllText(string path, string text, bool append = false)
    {
        ArgumentNullException.ThrowIfNull(text);
        WriteAllBytes(path, Encoding.UTF8.GetBytes(text), append);
    }

    /// <summary>
    /// exit: closes every descriptor (the last reference to a file runs its release) and unmaps
    /// the address space. Syscalls racing with exit fail cleanly; a later <see cref="Open"/> throws.
    /// </summary>
    public void Dispose()
    {
        var files = new List<OpenFile>();
        lock (_fdLock)
        {
            if (_exited) return;
            _exited = true;
            for (int fd = 0; fd < MaxOpenFiles; fd++)
            {
                if (_fds[fd] is { } file) files.Add(file);
                _fds[fd] = null;
            }
        }
        Kernel.Counters.Update(descriptors: -files.Count);
        using (EnterTask())
        {
            // exit_files → close_files → filp_close: flush, then fput
            foreach (OpenFile file in files)
            {
                file.Dispatch.Flush(file.File, null);
                file.PutFileCount();
            }
        }
        Memory.Dispose();
        Kernel.ProcessExited(this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}[{Pid}]";

    // ---- fd table (fs/file.c) -------------------------------------------------------------

    private static int Check(int result, string syscall, string path) =>
        result >= 0 ? result : throw new KernelErrorException((Errno)(-result), $"{syscall}(\"{path}\")");

    private static bool IsStream(NativeFile* file) => ((FMode)file->f_mode & FMode.FMODE_STREAM) != 0;

    // mirrors fs/file.c:alloc_fd (lowest free descriptor below RLIMIT_NOFILE)
    private int AllocFd()
    {
        lock (_fdLock)
        {
            ObjectDisposedException.ThrowIf(_exited, this);
            int fd = FindFreeFdLocked();
            if (fd < 0) return fd;
            _reserved[fd] = true;
            _nextFd = fd + 1;
            return fd;
        }
    }

    private int FindFreeFdLocked()
    {
        for (int fd = _nextFd; fd < MaxOpenFiles; fd++)
            if (_fds[fd] is null && !_reserved[fd]) return fd;
        return -(int)Errno.EMFILE;
    }

    /// <summary>get_unused_fd_flags for a file the kernel makes (anon_inode_getfd): the fd, or -errno.</summary>
    internal int ReserveFd()
    {
        try
        {
            return AllocFd();
        }
        catch (ObjectDisposedException)
        {
            return -(int)Errno.EBADF; // the process exited
        }
    }

    /// <summary>put_unused_fd for a reservation whose file was not installed.</summary>
    internal void UnreserveFd(int fd) => PutUnusedFd(fd);

    /// <summary>fd_install of a reserved fd: the fd, or -EBADF with the file's reference dropped if the process exited.</summary>
    internal int InstallReserved(int fd, OpenFile file)
    {
        if (FdInstall(fd, file)) return fd;
        file.PutFileCount();
        return -(int)Errno.EBADF;
    }

    // mirrors fs/file.c:put_unused_fd
    private void PutUnusedFd(int fd)
    {
        lock (_fdLock)
        {
            _reserved[fd] = false;
            if (fd < _nextFd) _nextFd = fd;
        }
    }

    // mirrors fs/file.c:fd_install
    private bool FdInstall(int fd, OpenFile file)
    {
        lock (_fdLock)
        {
            _reserved[fd] = false;
            if (_exited) return false;
            _fds[fd] = file;
        }
        Kernel.Counters.Update(descriptors: 1);
        return true;
    }

    // mirrors fs/file.c:__fget_files_rcu: the lookup takes no lock (Linux reads the fd array under
    // RCU; files->file_lock only serialises changes to it). The reference is taken only while the
    // file is alive (get_file_rcu's inc-not-zero), and the slot is read again afterwards: if close
    // (and perhaps a new open) changed it meanwhile, the reference goes back and the lookup retries.
    private FileHandle FdGet(int fd)
    {
        if (!_tableShared) NoteThread();
        if ((uint)fd >= MaxOpenFiles) return default;
        while (true)
        {
            OpenFile? file = Volatile.Read(ref _fds[fd]);
            if (file is null) return default;
            if (!file.TryGetBorrowed()) continue; // its last reference is gone: the slot has changed
            if (Volatile.Read(ref _fds[fd]) == file) return new FileHandle(file, unlock: false);
            file.Put();
        }
    }

    // The thread using the table; a second one makes it shared. Lock-free: the first thread is
    // claimed once with a compare-exchange, later syscalls only compare.
    private void NoteThread()
    {
        int thread = Environment.CurrentManagedThreadId;
        int first = Volatile.Read(ref _firstThread);
        if (first == thread) return;
        if (first == 0 && Interlocked.CompareExchange(ref _firstThread, thread, 0) == 0) return;
        _tableShared = true;
    }

    // mirrors fs/file.c:fdget_pos + file_needs_f_pos_lock
    private FileHandle FdGetPos(int fd)
    {
        FileHandle handle = FdGet(fd);
        OpenFile? file = handle.File;
        if (file is null) return handle;
        // SAFETY: FdGet took a reference, so file.File is live.
        // In a multi-threaded process __fget_light takes a real reference, so file_count > 1.
        bool needsLock = ((FMode)file.File->f_mode & FMode.FMODE_ATOMIC_POS) != 0
            && (file.FileCount > 1 || _tableShared || file.Dispatch.HasIterateShared);
        if (!needsLock) return handle;
        file.PosLock.Enter();
        return new FileHandle(file, unlock: true);
    }

    /// <summary>fdput / fdput_pos.</summary>
    private readonly struct FileHandle(OpenFile? file, bool unlock) : IDisposable
    {
        public OpenFile? File { get; } = file;

        public void Dispose()
        {
            if (File is null) return;
            if (unlock) File.PosLock.Exit();
            File.Put();
        }
    }
}
