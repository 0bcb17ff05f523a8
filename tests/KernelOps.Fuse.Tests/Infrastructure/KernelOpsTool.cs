using System;
using System.Collections.Generic;
using System.IO;

namespace KernelOps.Fuse.Tests.Infrastructure;

/// <summary>The built kernelops tool (src/Tool), run as <c>dotnet kernelops.dll ...</c>.</summary>
internal static class KernelOpsTool
{
    public static string Path { get; } = System.IO.Path.Combine(Repository.Root, "src", "Tool", "bin", Repository.Configuration, "net10.0", "kernelops.dll");

    /// <summary>This test assembly: its Fixtures namespace holds modules the tool loads.</summary>
    public static string TestAssembly => System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, "KernelOps.Fuse.Tests.dll");

    /// <summary>A sample's built assembly, as the test build copied it.</summary>
    public static string Sample(string name) => System.IO.Path.Combine(TestContext.CurrentContext.TestDirectory, name + ".dll");

    public static Machine.Result Run(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        Assert.That(File.Exists(Path), Is.True, $"{Path} is built (dotnet build src/Tool)");
        return Machine.Run("dotnet", [Path, .. arguments], environment: environment, timeout: TimeSpan.FromSeconds(90), check: false);
    }

    /// <summary>Starts <c>kernelops mount DIR ...</c> with SIGINT at its default, for tests that stop it.</summary>
    public static System.Diagnostics.Process Start(IEnumerable<string> arguments) =>
        Machine.StartInterruptible("dotnet", [Path, .. arguments]);

    /// <summary>Asserts one line on stderr holding <paramref name="says"/>, and the exit status.</summary>
    public static void AssertOneLineError(Machine.Result r, int exitCode, string says)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.ExitCode, Is.EqualTo(exitCode), r.Stderr + r.Stdout);
            Assert.That(r.Stderr.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), "one line: " + r.Stderr);
            Assert.That(r.Stderr, Does.Contain(says));
        }
    }
}
