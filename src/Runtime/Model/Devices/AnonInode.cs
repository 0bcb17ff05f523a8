using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

/// <summary>
/// fs/anon_inodes.c for handlers: a file with no name, made by a call (an ioctl) and handed to the
/// calling process as a new descriptor, as gpiolib's GPIO_V2_GET_LINE_IOCTL hands out a line
/// request. The file belongs to the device its creator was opened on: it gets the same
/// <c>FileRef.DeviceData</c>, pins the same module, and is disconnected with that device.
/// </summary>
public static class AnonInode
{
    /// <summary>
    /// anon_inode_getfd: <see cref="Reserve"/> then <see cref="AnonFd.Install"/>. Returns the fd, or
    /// -errno (see <see cref="Reserve"/>).
    /// </summary>
    public static int GetFd<TState>(string name, OpsTable<FileOperations> fops, [ReachableFromFiles] TState state, OpenFlags flags, FileRef sameDeviceAs)
        where TState : class
    {
        using AnonFd reserved = Reserve(name, fops, state, flags, sameDeviceAs);
        return reserved.IsValid ? reserved.Install() : -(int)reserved.Error;
    }

    /// <summary>
    /// get_unused_fd_flags + anon_inode_getfile: a new file served by <paramref name="fops"/>, whose
    /// per-open state (what the table's stateful handlers receive, and its release takes back) is
    /// <paramref name="state"/>, and a descriptor reserved for it in the calling process. Nothing is
    /// visible to the process until <see cref="AnonFd.Install"/> (fd_install); disposing the
    /// reservation without installing it (the copy of the fd number to user space failed) drops the
    /// file (its release runs) and frees the descriptor. Errors: EBADF outside a process, ENODEV when
    /// <paramref name="sameDeviceAs"/>'s device is gone, ENOENT when its module is going, EMFILE.
    /// </summary>
    /// <param name="name">The file's name (<c>anon_inode:gpio-line</c> in /proc/PID/fd).</param>
    /// <param name="fops">The file's operations (a stateful <c>[FileOperations]</c> table).</param>
    /// <param name="state">The per-open state, in <c>file-&gt;private_data</c>.</param>
    /// <param name="flags">O_RDONLY, O_RDWR... (and O_CLOEXEC, O_NONBLOCK).</param>
    /// <param name="sameDeviceAs">The file whose device the new file belongs to (the creating ioctl's file).</param>
    public static unsafe AnonFd Reserve<TState>(string name, OpsTable<FileOperations> fops, [ReachableFromFiles] TState state, OpenFlags flags, FileRef sameDeviceAs)
        where TState : class
    {
        System.ArgumentNullException.ThrowIfNull(name);
        System.ArgumentNullException.ThrowIfNull(state);
        if (fops.IsNull) return new AnonFd(Errno.EINVAL);
        if (CurrentTask.Process is not { } process) return new AnonFd(Errno.EBADF);
        // SAFETY: sameDeviceAs is the handler's borrowed file, live for the ioctl call that is running.
        OpenFile? creator = OpenFile.FromNative(sameDeviceAs.Pointer);
        if (creator is null) return new AnonFd(Errno.EBADF);
        Kernel kernel = process.Kernel;

        int fd = process.ReserveFd();
        if (fd < 0) return new AnonFd((Errno)(-fd));

        // anon_inode_getfile: fops_get(fops) (the creator's module), and the device the creator holds.
        LoadedModule? owner = creator.PinnedOwner;
        if (owner is not null && !owner.TryGet())
        {
            process.UnreserveFd(fd);
            return new AnonFd(Errno.ENOENT);
        }
        DeviceRegistration? device = creator.Cdev;
        if (device is not null && !device.TryGet())
        {
            owner?.Put();
            process.UnreserveFd(fd);
            return new AnonFd(Errno.ENODEV);
        }
        DisconnectGate? gate = device?.Gate;
        if (gate is { IsDisconnected: true })
        {
            device!.Put();
            owner?.Put();
            process.UnreserveFd(fd);
            return new AnonFd(Errno.ENODEV);
        }

        FileDispatch dispatch = gate is not null ? gate.Wrap(fops, owner) : new FopsDispatch(fops, owner);
        OpenFile file = kernel.Vfs.AnonInodes.GetFile(name, dispatch, flags, process.Credentials);
        file.PinnedOwner = owner;
        file.Cdev = device;
        // SAFETY: the file was just allocated and is referenced only by this call until installed.
        NativeFile* f = file.File;
        f->f_device = device?.DataWord ?? 0;
        f->private_data = GCHandle.ToIntPtr(GCHandle.Alloc(state));
        kernel.Counters.Update(handles: 1);
        // mirrors fs/file_table.c:alloc_file: OPEN_FMODE, FMODE_OPENED, FMODE_CAN_READ/WRITE from the fops
        FMode mode = Vfs.OpenFmode(flags) | FMode.FMODE_OPENED;
        if ((mode & FMode.FMODE_READ) != 0 && dispatch.HasRead) mode |= FMode.FMODE_CAN_READ;
        if ((mode & FMode.FMODE_WRITE) != 0 && dispatch.HasWrite) mode |= FMode.FMODE_CAN_WRITE;
        if (dispatch.HasLlseek) mode |= FMode.FMODE_LSEEK;
        f->f_mode = (uint)mode;
        return new AnonFd(process, fd, file);
    }
}

/// <summary>
/// A reserved descriptor and the anonymous file made for it (<see cref="AnonInode.Reserve"/>):
/// <see cref="Install"/> hands it to the process (fd_install); disposing it without installing
/// drops the file and frees the descriptor, as the error path of linereq_create does.
/// </summary>
public ref struct AnonFd
{
    private readonly UserProcess? _process;
    private OpenFile? _file;

    internal AnonFd(Errno error)
    {
        Error = error;
        Fd = -1;
    }

    internal AnonFd(UserProcess process, int fd, OpenFile file)
    {
        _process = process;
        _file = file;
        Fd = fd;
    }

    /// <summary>The descriptor the file will have, or -1.</summary>
    public int Fd { get; }

    /// <summary>Why there is no file, or 0.</summary>
    public Errno Error { get; }

    /// <summary>True when a file and descriptor were made.</summary>
    public readonly bool IsValid => Error == 0;

    /// <summary>fd_install: the process sees the file at <see cref="Fd"/>. Returns the fd (or -EBADF if the process exited).</summary>
    public int Install()
    {
        OpenFile? file = _file;
        if (file is null || _process is null) return -(int)(Error == 0 ? Errno.EBADF : Error);
        _file = null;
        return _process.InstallReserved(Fd, file);
    }

    /// <summary>Drops a file that was not installed (fput + put_unused_fd).</summary>
    public void Dispose()
    {
        OpenFile? file = _file;
        _file = null;
        if (file is null || _process is null) return;
        _process.UnreserveFd(Fd);
        file.PutFileCount();
    }
}
