using System;
using KernelOps.Samples.Tests.Native;

namespace KernelOps.Samples.Tests;

/// <summary>
/// The test assembly's entry point. The test runner never calls it (it loads the assembly into its
/// own host); tests start this assembly as a child process for work that may kill a process.
/// </summary>
public static class Program
{
    /// <summary><c>thunk-fuzz LIBRARY</c>: see <see cref="ThunkFuzz"/>.</summary>
    public static int Main(string[] args)
    {
        if (args is ["thunk-fuzz", string library]) return ThunkFuzz.RunChild(library);
        Console.Error.WriteLine("usage: KernelOps.Samples.Tests thunk-fuzz LIBRARY (the tests run this; nothing else does)");
        return 2;
    }
}
