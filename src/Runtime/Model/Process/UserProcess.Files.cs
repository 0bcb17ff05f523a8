using System;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

public sealed partial class UserProcess
{
    /// <summary>The default RLIMIT_NOFILE soft limit (EMFILE beyond it).</summary>
    public const int MaxOpenFiles = 1024;

    /// <summary>fs.nr_open: the most RLIMIT_NOFILE may be raised to.</summary>
    public const int NrOpen = 1 << 20;

    private readonly Lock _fdLock = new(); // files->file_lock
    private OpenFile?[] _fds = new OpenFile?[MaxOpenFiles]; // replaced (grown) under _fdLock, read lock-free
    private bool[] _reserved = new bool[MaxOpenFiles];
    private int _fileLimit = MaxOpenFiles;
    // files->count > 1: a second thread has used the fd table (never reset: threads are not
    // tracked to their exit, so the model stays on the locking side). See NoteThread.
    private int _firstThread;
    private volatile bool _tableShared;
    private int _nextFd; // files->next_fd: no free fd below it
    private bool _exited;

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

    /// <summary>RLIMIT_NOFILE's soft limit: descriptors are below it.</summary>
    public int FileDescriptorLimit
    {
        get { lock (_fdLock) return _fileLimit; }
    }

    /// <summary>
    /// setrlimit(RLIMIT_NOFILE): raises or lowers the descriptor limit (up to <see cref="NrOpen"/>;
    /// EPERM above it, as the hard limit; EINVAL below 1). The table grows as expand_files does.
    /// </summary>
    public int SetFileDescriptorLimit(int limit)
    {
        if (limit < 1) return -(int)Errno.EINVAL;
        if (limit > NrOpen) return -(int)Errno.EPERM;
        lock (_fdLock)
        {
            _fileLimit = limit;
            if (limit > _fds.Length)
            {
                // expand_fdtable: a bigger array, published so lock-free readers see one or the other
                var fds = new OpenFile?[limit];
                var reserved = new bool[limit];
                Array.Copy(_fds, fds, _fds.Length);
                Array.Copy(_reserved, reserved, _reserved.Length);
                _reserved = reserved;
                Volatile.Write(ref _fds, fds);
            }
            return 0;
        }
    }

    /// <summary>close(2) (fs/file.c:close_fd, then filp_close/fput).</summary>
    public unsafe int Close(int fd)
    {
        using TaskScope task = EnterTask();
        OpenFile? file;
        lock (_fdLock)
        {
            if ((uint)fd >= (uint)_fds.Length || (file = _fds[fd]) is null) return -(int)Errno.EBADF;
            _fds[fd] = null;
            if (fd < _nextFd) _nextFd = fd;
        }
        Kernel.Counters.Update(descriptors: -1);
        // SAFETY: the reference taken from the fd table keeps the OpenFile and its NativeFile (freed only by __fput) allocated for the call.
        // mirrors fs/open.c:filp_close -> filp_flush: ->flush on every close, its result is close's
        int retval = (file.Mode & FMode.FMODE_PATH) != 0 ? 0 : file.Dispatch.Flush(file.File, null);
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
            if ((uint)fd >= (uint)_fds.Length || (file = _fds[fd]) is null) return -(int)Errno.EBADF;
            int newFd = FindFreeFdLocked();
            if (newFd < 0) return newFd;
            file.GetFileCount();
            _fds[newFd] = file;
            _nextFd = newFd + 1;
            Kernel.Counters.Update(descriptors: 1);
            return newFd;
        }
    }

    /// <summary>The open file behind <paramref name="fd"/>, for model tests (no reference taken).</summary>
    internal OpenFile? FileForTests(int fd)
    {
        lock (_fdLock) return (uint)fd < (uint)_fds.Length ? _fds[fd] : null;
    }

    /// <summary>
    /// The FMODE bits of the file on <paramref name="fd"/>, or null for a bad fd: what the VFS of
    /// a bridge (the FUSE host) needs to know about a file it opened (FMODE_LSEEK, FMODE_PREAD,
    /// FMODE_STREAM), and what no syscall shows a real process.
    /// </summary>
    public unsafe FMode? FileModeOf(int fd)
    {
        using FileHandle f = FdGetRawHandle(fd);
        // SAFETY: FdGet took a reference, so the native file is live until the handle is disposed.
        return f.File is null ? null : (FMode)f.File.File->f_mode;
    }

    // exit_files: empties the table and returns the files to close.
    private List<OpenFile> CloseAllFiles()
    {
        var files = new List<OpenFile>();
        lock (_fdLock)
        {
            if (_exited) return files;
            _exited = true;
            for (int fd = 0; fd < _fds.Length; fd++)
            {
                if (_fds[fd] is { } file) files.Add(file);
                _fds[fd] = null;
            }
        }
        Kernel.Counters.Update(descriptors: -files.Count);
        return files;
    }

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
        for (int fd = _nextFd; fd < _fileLimit; fd++)
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

    /// <summary>Allocates an fd for an opened file (get_unused_fd_flags + fd_install); the file's reference goes to the table.</summary>
    private int InstallNewFile(OpenFile file)
    {
        int fd = AllocFd();
        if (fd < 0)
        {
            file.Put();
            return fd;
        }
        if (!FdInstall(fd, file))
        {
            file.PutFileCount(); // the process exited while we opened
            return -(int)Errno.EBADF;
        }
        return fd;
    }

    // mirrors fs/file.c:__fget_files_rcu: the lookup takes no lock (Linux reads the fd array under
    // RCU; files->file_lock only serialises changes to it). The reference is taken only while the
    // file is alive (get_file_rcu's inc-not-zero), and the slot is read again afterwards: if close
    // (and perhaps a new open) changed it meanwhile, the reference goes back and the lookup retries.
    // O_PATH files are found only when <raw> (fdget_raw); fdget skips them (FMODE_PATH).
    private OpenFile? FdGetFile(int fd, bool raw)
    {
        if (!_tableShared) NoteThread();
        while (true)
        {
            OpenFile?[] fds = Volatile.Read(ref _fds);
            if ((uint)fd >= (uint)fds.Length) return null;
            OpenFile? file = Volatile.Read(ref fds[fd]);
            if (file is null) return null;
            if (!file.TryGetBorrowed()) continue; // its last reference is gone: the slot has changed
            // the slot again, in the table now current (expand_files may have replaced it meanwhile)
            if (Volatile.Read(ref fds[fd]) == file && Volatile.Read(ref _fds) == fds)
            {
                if (!raw && (file.Mode & FMode.FMODE_PATH) != 0)
                {
                    file.Put();
                    return null;
                }
                return file;
            }
            file.Put();
        }
    }

    private FileHandle FdGet(int fd) => new(FdGetFile(fd, raw: false), unlock: false);

    private FileHandle FdGetRawHandle(int fd) => new(FdGetFile(fd, raw: true), unlock: false);

    /// <summary>fdget_raw for the VFS (dirfds, AT_EMPTY_PATH): the file with a reference the caller puts, O_PATH files included.</summary>
    internal OpenFile? FdGetRaw(int fd) => FdGetFile(fd, raw: true);

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
        bool needsLock = (file.Mode & FMode.FMODE_ATOMIC_POS) != 0
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
