using System;
using System.Collections.Generic;
using System.IO;
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
/// handlers reach this process and kernel). The fd table is treated as unshared
/// (files_struct count 1): a syscall borrows its file reference, so only dup makes a file
/// "shared" for fdget_pos.
/// </summary>
public sealed unsafe partial class UserProcess : IDisposable
{
    /// <summary>RLIMIT_NOFILE: the soft limit on open descriptors (EMFILE beyond it).</summary>
    public const int MaxOpenFiles = 1024;

    private readonly Lock _fdLock = new(); // files->file_lock
    private readonly OpenFile?[] _fds = new OpenFile?[MaxOpenFiles];
    private readonly bool[] _reserved = new bool[MaxOpenFiles];
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
    public TaskScope EnterTask() => new(CurrentTask.Enter(Memory, Kernel.Log));

    // ---- syscalls ---------------------------------------------------------------------------

    /// <summary>open(2). Returns the lowest free fd or -errno.</summary>
    /// <param name="path">Absolute, or relative to <c>/</c>; only <c>/</c> and <c>/proc</c> exist.</param>
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
        int error = Kernel.Proc.LookupForOpen(path, flags, out ProcEntry? node);
        OpenFile? file = null;
        if (error == 0) error = Vfs.DentryOpen(Kernel.Counters, node!, flags, out file);
        if (error != 0)
        {
            PutUnusedFd(fd);
            return error;
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
        Interlocked.Decrement(ref Kernel.Counters.Descriptors);
        file.PutFileCount();
        return 0;
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
            Interlocked.Increment(ref Kernel.Counters.Descriptors);
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
        return ret;
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
        return ret;
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
        return Vfs.Read(f.File, buf, count, &pos);
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
        return Vfs.Write(f.File, buf, count, &pos);
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
        return Vfs.Ioctl(f.File, cmd, arg);
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
        Interlocked.Add(ref Kernel.Counters.Descriptors, -files.Count);
        using (EnterTask())
        {
            foreach (OpenFile file in files) file.PutFileCount();
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
        Interlocked.Increment(ref Kernel.Counters.Descriptors);
        return true;
    }

    // mirrors fs/file.c:fget: the reference is taken under the table lock, so close cannot free the
    // file between lookup and use.
    private FileHandle FdGet(int fd)
    {
        lock (_fdLock)
        {
            if ((uint)fd >= MaxOpenFiles || _fds[fd] is not { } file) return default;
            file.GetBorrowed();
            return new FileHandle(file, unlock: false);
        }
    }

    // mirrors fs/file.c:fdget_pos + file_needs_f_pos_lock
    private FileHandle FdGetPos(int fd)
    {
        FileHandle handle = FdGet(fd);
        OpenFile? file = handle.File;
        if (file is null) return handle;
        // SAFETY: FdGet took a reference, so file.File is live.
        bool needsLock = ((FMode)file.File->f_mode & FMode.FMODE_ATOMIC_POS) != 0
            && (file.FileCount > 1 || file.Dispatch.HasIterateShared);
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
