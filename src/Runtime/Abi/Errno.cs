namespace KernelOps;

/// <summary>
/// Linux error numbers (include/uapi/asm-generic/errno-base.h, errno.h, include/linux/errno.h)
/// with their x86_64 values. The C side sees them negated: a handler failing with
/// <see cref="EINVAL"/> makes the slot return -22.
/// </summary>
public enum Errno
{
    /// <summary>Operation not permitted.</summary>
    EPERM = 1,
    /// <summary>No such file or directory.</summary>
    ENOENT = 2,
    /// <summary>No such process.</summary>
    ESRCH = 3,
    /// <summary>Interrupted system call.</summary>
    EINTR = 4,
    /// <summary>I/O error.</summary>
    EIO = 5,
    /// <summary>No such device or address.</summary>
    ENXIO = 6,
    /// <summary>Argument list too long.</summary>
    E2BIG = 7,
    /// <summary>Bad file number.</summary>
    EBADF = 9,
    /// <summary>Try again (also EWOULDBLOCK).</summary>
    EAGAIN = 11,
    /// <summary>Out of memory.</summary>
    ENOMEM = 12,
    /// <summary>Permission denied.</summary>
    EACCES = 13,
    /// <summary>Bad address.</summary>
    EFAULT = 14,
    /// <summary>Block device required.</summary>
    ENOTBLK = 15,
    /// <summary>Device or resource busy.</summary>
    EBUSY = 16,
    /// <summary>File exists.</summary>
    EEXIST = 17,
    /// <summary>Cross-device link.</summary>
    EXDEV = 18,
    /// <summary>No such device.</summary>
    ENODEV = 19,
    /// <summary>Not a directory.</summary>
    ENOTDIR = 20,
    /// <summary>Is a directory.</summary>
    EISDIR = 21,
    /// <summary>Invalid argument.</summary>
    EINVAL = 22,
    /// <summary>File table overflow.</summary>
    ENFILE = 23,
    /// <summary>Too many open files.</summary>
    EMFILE = 24,
    /// <summary>Not a typewriter (inappropriate ioctl).</summary>
    ENOTTY = 25,
    /// <summary>Text file busy.</summary>
    ETXTBSY = 26,
    /// <summary>File too large.</summary>
    EFBIG = 27,
    /// <summary>No space left on device.</summary>
    ENOSPC = 28,
    /// <summary>Illegal seek.</summary>
    ESPIPE = 29,
    /// <summary>Read-only file system.</summary>
    EROFS = 30,
    /// <summary>Too many links.</summary>
    EMLINK = 31,
    /// <summary>Broken pipe.</summary>
    EPIPE = 32,
    /// <summary>Math result not representable.</summary>
    ERANGE = 34,
    /// <summary>Resource deadlock would occur.</summary>
    EDEADLK = 35,
    /// <summary>File name too long.</summary>
    ENAMETOOLONG = 36,
    /// <summary>Invalid system call number.</summary>
    ENOSYS = 38,
    /// <summary>Directory not empty.</summary>
    ENOTEMPTY = 39,
    /// <summary>Too many symbolic links encountered.</summary>
    ELOOP = 40,
    /// <summary>Value too large for defined data type.</summary>
    EOVERFLOW = 75,
    /// <summary>Operation not supported on transport endpoint.</summary>
    EOPNOTSUPP = 95,
    /// <summary>Connection timed out.</summary>
    ETIMEDOUT = 110,
    /// <summary>Stale file handle.</summary>
    ESTALE = 116,
    /// <summary>Kernel-internal: restart the system call after a signal (include/linux/errno.h).</summary>
    ERESTARTSYS = 512,
    /// <summary>Kernel-internal: no ioctl command; the caller translates it (include/linux/errno.h).</summary>
    ENOIOCTLCMD = 515,
    /// <summary>Kernel-internal: a file system's parse_param does not know the parameter; the VFS handles it (include/linux/errno.h).</summary>
    ENOPARAM = 519,
}

/// <summary>Text for errno values.</summary>
public static class ErrnoExtensions
{
    /// <summary>The C library's strerror text for <paramref name="error"/> (glibc wording).</summary>
    public static string Message(this Errno error) => error switch
    {
        Errno.EPERM => "Operation not permitted",
        Errno.ENOENT => "No such file or directory",
        Errno.ESRCH => "No such process",
        Errno.EINTR => "Interrupted system call",
        Errno.EIO => "Input/output error",
        Errno.ENXIO => "No such device or address",
        Errno.E2BIG => "Argument list too long",
        Errno.EBADF => "Bad file descriptor",
        Errno.EAGAIN => "Resource temporarily unavailable",
        Errno.ENOMEM => "Cannot allocate memory",
        Errno.EACCES => "Permission denied",
        Errno.EFAULT => "Bad address",
        Errno.ENOTBLK => "Block device required",
        Errno.EBUSY => "Device or resource busy",
        Errno.EEXIST => "File exists",
        Errno.EXDEV => "Invalid cross-device link",
        Errno.ENODEV => "No such device",
        Errno.ENOTDIR => "Not a directory",
        Errno.EISDIR => "Is a directory",
        Errno.EINVAL => "Invalid argument",
        Errno.ENFILE => "Too many open files in system",
        Errno.EMFILE => "Too many open files",
        Errno.ENOTTY => "Inappropriate ioctl for device",
        Errno.ETXTBSY => "Text file busy",
        Errno.EFBIG => "File too large",
        Errno.ENOSPC => "No space left on device",
        Errno.ESPIPE => "Illegal seek",
        Errno.EROFS => "Read-only file system",
        Errno.EMLINK => "Too many links",
        Errno.EPIPE => "Broken pipe",
        Errno.ERANGE => "Numerical result out of range",
        Errno.EDEADLK => "Resource deadlock avoided",
        Errno.ENAMETOOLONG => "File name too long",
        Errno.ENOSYS => "Function not implemented",
        Errno.ENOTEMPTY => "Directory not empty",
        Errno.ELOOP => "Too many levels of symbolic links",
        Errno.EOVERFLOW => "Value too large for defined data type",
        Errno.EOPNOTSUPP => "Operation not supported",
        Errno.ETIMEDOUT => "Connection timed out",
        Errno.ESTALE => "Stale file handle",
        _ => $"Unknown error {(int)error}",
    };
}
