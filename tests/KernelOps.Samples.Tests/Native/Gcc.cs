using System;
using System.Diagnostics;
using System.IO;

namespace KernelOps.Samples.Tests.Native;

/// <summary>Compiles a C file of this folder into a shared library for a test to load.</summary>
internal static class Gcc
{
    /// <summary>
    /// <c>gcc -shared</c> of <c>Native/<paramref name="source"/></c> into a fresh temporary file;
    /// ignores the test (with the reason) when gcc is not installed, fails it when gcc fails.
    /// </summary>
    public static string CompileShared(string source)
    {
        string path = Path.Combine(TestContext.CurrentContext.TestDirectory, "Native", source);
        string output = Path.Combine(Path.GetTempPath(), $"kernelops-{Path.GetFileNameWithoutExtension(source)}-{Guid.NewGuid():N}.so");
        var psi = new ProcessStartInfo("gcc", ["-std=c11", "-O2", "-Wall", "-Werror", "-shared", "-fPIC", "-o", output, path])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        Process p;
        try { p = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception) { Assert.Ignore("gcc is not installed: cannot build the C caller."); throw; }
        using (p)
        {
            string err = p.StandardError.ReadToEnd();
            p.WaitForExit();
            Assert.That(p.ExitCode, Is.Zero, "gcc failed: " + err);
        }
        return output;
    }
}
