using System.Runtime.InteropServices;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The VFS constants and the read/write steps between a syscall's fd lookup and the file's ops
/// (fs/read_write.c, fs/ioctl.c), each mirroring one Linux function.
/// </summary>
internal static partial class Vfs
{
    /// <summary>MAY_WRITE / MAY_READ (include/linux/fs.h).</summary>
    public const int MayWrite = 2, MayRead = 4;

    /// <summary>PATH_MAX and NAME_MAX (include/uapi/linux/limits.h).</summary>
    public const int PathMax = 4096, NameMax = 255;

    /// <summary>
    /// TASK_SIZE_MAX: the top of user space. x86_64 with 4-level paging; on other hosts the model's
    /// user mappings (native heap addresses) can sit higher, so only wrapping is checked there.
    /// </summary>
    public static readonly unsafe nuint TaskSizeMax =
        RuntimeInformation.ProcessArchitecture == Architecture.X64 && sizeof(nuint) == 8
            ? unchecked((nuint)0x7FFF_FFFF_F000UL)
            : nuint.MaxValue;

    /// <summary>OPEN_FMODE (include/linux/fs.h): O_RDONLY→READ, O_WRONLY→WRITE, O_RDWR→both, 3→neither.</summary>
    public static FMode OpenFmode(OpenFlags flags) => (FMode)(((uint)flags + 1) & (uint)OpenFlags.O_ACCMODE);

    /// <summary>ACC_MODE plus O_TRUNC's MAY_WRITE, as fs/open.c:build_open_flags computes acc_mode (3 asks for both).</summary>
    public static int AccMode(OpenFlags flags)
    {
        int acc = ((uint)flags & 3) switch { 0 => MayRead, 1 => MayWrite, _ => MayRead | MayWrite };
        if ((flags & OpenFlags.O_TRUNC) != 0) acc |= MayWrite;
        return acc;
    }

    /// <summary>mirrors arch/x86/include/asm/uaccess_64.h:__access_ok: the range must not wrap and must end inside user space.</summary>
    public static bool AccessOk(nuint address, nuint count)
    {
        nuint sum = address + count;
        return sum >= address && sum <= TaskSizeMax;
    }

    /// <summary>mirrors fs/read_write.c:rw_verify_area (unsigned_offsets() is false for model files).</summary>
    public static unsafe int RwVerifyArea(long* position, nuint count)
    {
        if ((long)(ulong)count < 0) return -(int)Errno.EINVAL;
        if (position != null)
        {
            // SAFETY: the caller holds the OpenFile, whose NativeFile is freed only by __fput after the last reference.
            long pos = *position;
            if (pos < 0) return -(int)Errno.EINVAL;
            if (unchecked(pos + (long)count) < 0) return -(int)Errno.EINVAL;
        }
        return 0;
    }

    /// <summary>mirrors fs/read_write.c:vfs_read.</summary>
    public static unsafe nint Read(OpenFile file, nuint buffer, nuint count, long* position)
    {
        // SAFETY: callers hold a reference to file (fget), so the native struct is live; the user
        // buffer is never dereferenced here, only handed to the table, whose handlers copy through
        // UserMemory. position points at the caller's local.
        NativeFile* f = file.File;
        var mode = (FMode)f->f_mode;
        if ((mode & FMode.FMODE_READ) == 0) return -(nint)Errno.EBADF;
        if ((mode & FMode.FMODE_CAN_READ) == 0) return -(nint)Errno.EINVAL;
        if (!AccessOk(buffer, count)) return -(nint)Errno.EFAULT;
        int error = RwVerifyArea(position, count);
        if (error != 0) return error;
        if (count > ThunkAdapters.MaxRwCount) count = ThunkAdapters.MaxRwCount;
        return file.Dispatch.Read(f, (byte*)buffer, count, position);
    }

    /// <summary>mirrors fs/read_write.c:vfs_write.</summary>
    public static unsafe nint Write(OpenFile file, nuint buffer, nuint count, long* position)
    {
        NativeFile* f = file.File;
        // SAFETY: the caller holds the OpenFile, whose NativeFile is freed only by __fput after the last reference.
        var mode = (FMode)f->f_mode;
        if ((mode & FMode.FMODE_WRITE) == 0) return -(nint)Errno.EBADF;
        if ((mode & FMode.FMODE_CAN_WRITE) == 0) return -(nint)Errno.EINVAL;
        if (!AccessOk(buffer, count)) return -(nint)Errno.EFAULT;
        int error = RwVerifyArea(position, count);
        if (error != 0) return error;
        if (count > ThunkAdapters.MaxRwCount) count = ThunkAdapters.MaxRwCount;
        return file.Dispatch.Write(f, (byte*)buffer, count, position);
    }

    /// <summary>mirrors fs/read_write.c:vfs_llseek (the whence range was checked by ksys_lseek).</summary>
    public static unsafe long Llseek(OpenFile file, long offset, int whence)
    {
        NativeFile* f = file.File;
        // SAFETY: the caller holds the OpenFile, whose NativeFile is freed only by __fput after the last reference.
        if (((FMode)f->f_mode & FMode.FMODE_LSEEK) == 0) return -(long)Errno.ESPIPE;
        return file.Dispatch.Llseek(f, offset, whence);
    }

    /// <summary>mirrors fs/ioctl.c:vfs_ioctl (no generic do_vfs_ioctl commands are modelled).</summary>
    public static unsafe long Ioctl(OpenFile file, uint command, nuint argument)
    {
        if (!file.Dispatch.HasIoctl) return -(long)Errno.ENOTTY;
        long error = file.Dispatch.Ioctl(file.File, command, argument);
        return error == -(long)Errno.ENOIOCTLCMD ? -(long)Errno.ENOTTY : error;
    }
}
