using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

// fs/read_write.c, fs/ioctl.c and fs/sync.c: the syscalls on an open file's data.
public sealed partial class UserProcess
{
    /// <summary>read(2).</summary>
    public unsafe nint Read(int fd, nuint buf, nuint count)
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
    public unsafe nint Write(int fd, nuint buf, nuint count)
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
    public unsafe nint Pread(int fd, nuint buf, nuint count, long pos)
    {
        using TaskScope task = EnterTask();
        // mirrors fs/read_write.c:ksys_pread64
        if (pos < 0) return -(nint)Errno.EINVAL;
        using FileHandle f = FdGet(fd);
        if (f.File is null) return -(nint)Errno.EBADF;
        // SAFETY: the reference taken from the fd table keeps the OpenFile and its NativeFile (freed only by __fput) allocated for the call.
        if (((FMode)f.File.File->f_mode & FMode.FMODE_PREAD) == 0) return -(nint)Errno.ESPIPE;
        return SyscallReturn(Vfs.Read(f.File, buf, count, &pos));
    }

    /// <summary>pwrite64(2): writes at <paramref name="pos"/> without using or moving f_pos.</summary>
    public unsafe nint Pwrite(int fd, nuint buf, nuint count, long pos)
    {
        using TaskScope task = EnterTask();
        // mirrors fs/read_write.c:ksys_pwrite64
        if (pos < 0) return -(nint)Errno.EINVAL;
        using FileHandle f = FdGet(fd);
        if (f.File is null) return -(nint)Errno.EBADF;
        // SAFETY: the reference taken from the fd table keeps the OpenFile and its NativeFile (freed only by __fput) allocated for the call.
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

    private unsafe int DoFsync(int fd, int datasync)
    {
        using TaskScope task = EnterTask();
        using FileHandle f = FdGet(fd);
        if (f.File is null) return -(int)Errno.EBADF;
        return (int)SyscallReturn(f.File.Dispatch.Fsync(f.File.File, 0, long.MaxValue, datasync));
    }

    // SAFETY: the reference taken from the fd table keeps the OpenFile and its NativeFile (freed only by __fput) allocated for the call.
    private static unsafe bool IsStream(NativeFile* file) => ((FMode)file->f_mode & FMode.FMODE_STREAM) != 0;
}
