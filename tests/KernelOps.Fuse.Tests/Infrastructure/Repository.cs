using System;
using System.IO;
using System.Runtime.CompilerServices;

namespace KernelOps.Fuse.Tests.Infrastructure;

/// <summary>Where the repository and this test build are, for tests that pack or run its projects.</summary>
internal static class Repository
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>The repository root, found from this file's own path.</summary>
    public static string Root { get; } = FindRoot();

    private static string FindRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", ".."));

    /// <summary>A version no NuGet cache can have seen.</summary>
    public static string FreshVersion() => $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
}
