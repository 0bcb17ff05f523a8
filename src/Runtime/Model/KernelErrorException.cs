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
        : base($"{operation}: {errno} ({errno.Message()})")
    {
        Errno = errno;
        Operation = operation;
    }

    /// <summary>The error number.</summary>
    public Errno Errno { get; }

    /// <summary>The operation that failed, e.g. <c>open("/proc/foo")</c>.</summary>
    public string Operation { get; }
}
