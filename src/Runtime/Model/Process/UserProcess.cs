using System;
using System.Collections.Generic;
using System.Threading;

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

/// <summary>The calling thread's credential override (see <see cref="UserProcess.OverrideCredentials"/>); dispose to revert.</summary>
public readonly struct CredentialsScope : IDisposable
{
    private readonly CurrentCred.Scope _scope;

    internal CredentialsScope(CurrentCred.Scope scope) => _scope = scope;

    /// <summary>revert_creds.</summary>
    public void Dispose() => _scope.Dispose();
}

/// <summary>
/// A user process: an address space (<see cref="Memory"/>), an fd table, credentials, and an
/// <c>fs_struct</c> (root, working directory, umask). The raw syscalls take user-memory addresses
/// for paths and buffers as Linux's do and return a value &gt;= 0 or <c>-errno</c>; the conveniences
/// beside them take .NET strings and return managed results. All may be called from any number
/// of threads at once. Each runs as this process's task (copy_to_user and printk in handlers reach
/// this process and kernel). Each calling thread is one of the process's threads: while only one
/// thread has used the fd table it is unshared (files_struct count 1) and a syscall borrows its file
/// reference, so only dup makes a file "shared" for fdget_pos; once a second thread has, every
/// fdget_pos takes f_pos_lock, as __fget_light's real reference does.
/// </summary>
/// <remarks>
/// The syscalls are grouped as Linux's sources are: fs/file.c (the fd table), fs/read_write.c,
/// fs/open.c, fs/namei.c, fs/stat.c and fs/readdir.c, fs/namespace.c, kernel/sys.c (credentials),
/// fs/select.c, kernel/signal.c; one partial file each.
/// </remarks>
public sealed partial class UserProcess : IDisposable
{
    /// <summary>AT_FDCWD: the dirfd meaning "relative to the working directory".</summary>
    public const int AtFdCwd = Vfs.AtFdCwd;

    private readonly Lock _fsLock = new(); // fs->lock
    private VfsPath _root, _pwd;           // fs->root, fs->pwd (held)
    private bool _fsReleased;
    private Credentials _credentials = Credentials.Root;
    internal uint UmaskValue = FsUmask.Default;

    internal UserProcess(Kernel kernel, int pid, string name, VfsPath root)
    {
        Kernel = kernel;
        Pid = pid;
        Name = name;
        _root = root.Get();
        _pwd = root.Get();
    }

    /// <summary>The process id.</summary>
    public int Pid { get; }

    /// <summary>The command name (<c>comm</c>).</summary>
    public string Name { get; }

    /// <summary>The kernel the process runs on.</summary>
    public Kernel Kernel { get; }

    /// <summary>The process's address space: map buffers here and pass their addresses to syscalls.</summary>
    public UserMemory Memory { get; } = new();

    /// <summary>The process's credentials (<c>current_cred()</c> when no override is in effect).</summary>
    public Credentials Credentials
    {
        get => Volatile.Read(ref _credentials);
        internal set => Volatile.Write(ref _credentials, value);
    }

    /// <summary>
    /// override_creds for the calling thread: until the scope is disposed, every syscall this thread
    /// makes (on any process) checks permissions against <paramref name="credentials"/> and creates
    /// files owned by them. A FUSE host uses it to run each request as its caller.
    /// </summary>
    public CredentialsScope OverrideCredentials(Credentials credentials)
    {
        ArgumentNullException.ThrowIfNull(credentials);
        return new CredentialsScope(CurrentCred.Override(credentials));
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

    /// <summary>get_fs_root: the process root with a reference.</summary>
    internal VfsPath GetRoot()
    {
        lock (_fsLock) return _root.Get();
    }

    /// <summary>get_fs_pwd: the working directory with a reference.</summary>
    internal VfsPath GetPwd()
    {
        lock (_fsLock) return _pwd.Get();
    }

    /// <summary>set_fs_pwd: takes over <paramref name="path"/>'s reference.</summary>
    internal void SetPwd(VfsPath path)
    {
        VfsPath old;
        lock (_fsLock)
        {
            old = _pwd;
            _pwd = path;
        }
        old.Put();
    }

    /// <summary>set_fs_root: takes over <paramref name="path"/>'s reference.</summary>
    internal void SetRoot(VfsPath path)
    {
        VfsPath old;
        lock (_fsLock)
        {
            old = _root;
            _root = path;
        }
        old.Put();
    }

    /// <summary>
    /// exit: closes every descriptor (the last reference to a file runs its release), drops the root
    /// and working directory, and unmaps the address space. Syscalls racing with exit fail cleanly;
    /// a later <see cref="Open(string, OpenFlags, uint)"/> throws.
    /// </summary>
    public unsafe void Dispose()
    {
        List<OpenFile> files = CloseAllFiles();
        if (files.Count == 0 && _fsReleased) return;
        using (EnterTask())
        {
            // exit_files → close_files → filp_close: flush, then fput
            foreach (OpenFile file in files)
            {
                file.Dispatch.Flush(file.File, null);
                file.PutFileCount();
            }
            // exit_fs
            VfsPath root, pwd;
            lock (_fsLock)
            {
                if (_fsReleased) return;
                _fsReleased = true;
                root = _root;
                pwd = _pwd;
            }
            pwd.Put();
            root.Put();
        }
        Memory.Dispose();
        Kernel.ProcessExited(this);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name}[{Pid}]";
}
