using System;

namespace KernelOps.Model;

/// <summary>
/// A kernel-model call failed with an errno: thrown by the convenience APIs (ReadAllBytes, proc
/// registration, module load) where the raw syscalls would return <c>-errno</c>.
/// </summary>
public sealed class KernelErrorException : Exception
{
    /// <summary>Creates the exception for <paramref name="errno"/>; the message names the operation.</summary>
    /// <param name="errno">The error.</param>
    /// <param name="operation">What failed, e.g. <c>open("/proc/foo")</c>.</param>
    public KernelErrorException(Errno errno, string operation)
        : base($"{operation}: {errno} ({Describe(errno)})")
    {
        Errno = errno;
        Operation = operation;
    }

    /// <summary>The error number.</summary>
    public Errno Errno { get; }

    /// <summary>The operation that failed, e.g. <c>open("/proc/foo")</c>.</summary>
    public string Operation { get; }

    private static string Describe(Errno errno) => errno switch
    {
        Errno.ENOENT => "No such file or directory",
        Errno.EIO => "Input/output error",
        Errno.EBADF => "Bad file descriptor",
        Errno.EAGAIN => "Resource temporarily unavailable",
        Errno.EACCES => "Permission denied",
        Errno.EFAULT => "Bad address",
        Errno.EBUSY => "Device or resource busy",
        Errno.EEXIST => "File exists",
        Errno.ENODEV => "No such device",
        Errno.ENOTDIR => "Not a directory",
        Errno.EISDIR => "Is a directory",
        Errno.EINVAL => "Invalid argument",
        Errno.EMFILE => "Too many open files",
        Errno.ENOTTY => "Inappropriate ioctl for device",
        Errno.ENOSPC => "No space left on device",
        Errno.ESPIPE => "Illegal seek",
        Errno.ENAMETOOLONG => "File name too long",
        Errno.EPERM => "Operation not permitted",
        Errno.ENOMEM => "Cannot allocate memory",
        _ => "errno " + ((int)errno).ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
