using System.Runtime.InteropServices;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>The VFS steps between a syscall's fd lookup and the file's ops, each mirroring one Linux function.</summary>
internal static unsafe class Vfs
{
    /// <summary>MAY_WRITE / MAY_READ (include/linux/fs.h).</summary>
    public const int MayWrite = 2, MayRead = 4;

    /// <summary>PATH_MAX and NAME_MAX (include/uapi/linux/limits.h).</summary>
    public const int PathMax = 4096, NameMax = 255;

    /// <summary>
    /// TASK_SIZE_MAX: the top of user space. x86_64 with 4-level paging; on other hosts the model's
    /// user mappings (native heap addresses) can sit higher, so only wrapping is checked there.
    /// </summary>
    public static readonly nuint TaskSizeMax =
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

    /// <summary>
    /// mirrors fs/open.c:do_dentry_open (with alloc_empty_file before it): builds the struct file on
    /// <paramref name="node"/> (taking over the caller's node reference), pins the ops' owner,
    /// calls ->open, and on failure frees the file without calling release.
    /// </summary>
    public static int DentryOpen(KernelCounters counters, IVfsNode node, OpenFlags flags, out OpenFile? opened)
    {
        opened = null;
        FileDispatch dispatch = node.Dispatch;
        OpenFile file = OpenFile.Allocate(counters, node, dispatch, flags);
        // SAFETY: the file was just allocated and is referenced only by this call until installed;
        // the caller's node reference (now the file's) keeps the inode alive.
        NativeFile* f = file.File;
        NativeInode* inode = node.Inode;

        FMode mode = OpenFmode(flags);
        // POSIX.1-2008/SUSv4 Section XSI 2.9.7: regular files and directories get atomic f_pos.
        uint type = inode->i_mode & ProcFs.S_IFMT;
        if (type == ProcFs.S_IFREG || type == ProcFs.S_IFDIR) mode |= FMode.FMODE_ATOMIC_POS;
        // "normally all 3 are set; ->open() can clear them if needed"
        mode |= FMode.FMODE_LSEEK | FMode.FMODE_PREAD | FMode.FMODE_PWRITE;
        f->f_mode = (uint)mode;

        // fops_get: try_module_get(fops->owner); a module on its way out cannot be opened.
        if (dispatch.Owner is { } owner)
        {
            if (!owner.TryGet())
            {
                file.Put();
                return -(int)Errno.ENODEV;
            }
            file.PinnedOwner = owner;
        }

        int error = dispatch.Open(inode, f);
        // chrdev_open / misc_open may have replaced f_op (replace_fops): the checks below are the new fops'.
        dispatch = file.Dispatch;
        if (error != 0)
        {
            // cleanup_all: fput of a file without FMODE_OPENED frees it without ->release.
            file.Put();
            return error < 0 ? error : -(int)Errno.EIO;
        }

        mode = (FMode)f->f_mode | FMode.FMODE_OPENED;
        if ((mode & FMode.FMODE_READ) != 0 && dispatch.HasRead) mode |= FMode.FMODE_CAN_READ;
        if ((mode & FMode.FMODE_WRITE) != 0 && dispatch.HasWrite) mode |= FMode.FMODE_CAN_WRITE;
        if ((mode & FMode.FMODE_LSEEK) != 0 && !dispatch.HasLlseek) mode &= ~FMode.FMODE_LSEEK;
        f->f_mode = (uint)mode;
        f->f_flags &= ~(uint)(OpenFlags.O_CREAT | OpenFlags.O_EXCL | OpenFlags.O_NOCTTY | OpenFlags.O_TRUNC);
        opened = file;
        return 0;
    }

    /// <summary>mirrors arch/x86/include/asm/uaccess_64.h:__access_ok: the range must not wrap and must end inside user space.</summary>
    public static bool AccessOk(nuint address, nuint count)
    {
        nuint sum = address + count;
        return sum >= address && sum <= TaskSizeMax;
    }

    /// <summary>mirrors fs/read_write.c:rw_verify_area (unsigned_offsets() is false for model files).</summary>
    public static int RwVerifyArea(long* position, nuint count)
    {
        if ((long)(ulong)count < 0) return -(int)Errno.EINVAL;
        if (position != null)
        {
            long pos = *position;
            if (pos < 0) return -(int)Errno.EINVAL;
            if (unchecked(pos + (long)count) < 0) return -(int)Errno.EINVAL;
        }
        return 0;
    }

    /// <summary>mirrors fs/read_write.c:vfs_read.</summary>
    public static nint Read(OpenFile file, nuint buffer, nuint count, long* position)
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
    public static nint Write(OpenFile file, nuint buffer, nuint count, long* position)
    {
        NativeFile* f = file.File;
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
    public static long Llseek(OpenFile file, long offset, int whence)
    {
        NativeFile* f = file.File;
        if (((FMode)f->f_mode & FMode.FMODE_LSEEK) == 0) return -(long)Errno.ESPIPE;
        return file.Dispatch.Llseek(f, offset, whence);
    }

    /// <summary>mirrors fs/ioctl.c:vfs_ioctl (no generic do_vfs_ioctl commands are modelled).</summary>
    public static long Ioctl(OpenFile file, uint command, nuint argument)
    {
        if (!file.Dispatch.HasIoctl) return -(long)Errno.ENOTTY;
        long error = file.Dispatch.Ioctl(file.File, command, argument);
        return error == -(long)Errno.ENOIOCTLCMD ? -(long)Errno.ENOTTY : error;
    }
}
