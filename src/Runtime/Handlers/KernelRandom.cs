using System;
using System.Security.Cryptography;
using KernelOps.Model;

namespace KernelOps;

/// <summary>The kernel's entropy pool as handlers reach it.</summary>
public static class KernelRandom
{
    /// <summary>
    /// get_random_bytes: fills <paramref name="buffer"/> from the calling task's kernel
    /// (<see cref="Kernel.GetRandomBytes"/>, seedable per kernel); outside any kernel, from the
    /// operating system's generator.
    /// </summary>
    [Abi.CallScoped]
    public static void GetBytes(Span<byte> buffer)
    {
        if (CurrentTask.Kernel is { } kernel) kernel.GetRandomBytes(buffer);
        else RandomNumberGenerator.Fill(buffer);
    }
}
