using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Threading.Tasks;

namespace KernelOps.Fuse.Tests.Infrastructure;

/// <summary>What FUSE tests need from the machine, and how they run real processes.</summary>
internal static class Machine
{
    /// <summary>Skips the test (Assert.Ignore with the reason) unless FUSE can be mounted here.</summary>
    public static void RequireFuse()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            Assert.Ignore("FUSE tests need Linux on x86_64.");
        if (!File.Exists("/dev/fuse"))
            Assert.Ignore("/dev/fuse is missing: load the fuse module or give the container --device /dev/fuse.");
        if (!NativeLibrary.TryLoad("libfuse3.so.3", out nint lib))
            Assert.Ignore("libfuse3 is not installed (apt-get install fuse3 libfuse3-dev).");
        NativeLibrary.Free(lib);
        if (KernelOps.Fuse.Native.LibC.Geteuid() != 0)
            Assert.Ignore("FUSE tests mount and force-unmount as root (CI runs as root).");
    }

    /// <summary>A fresh empty directory under /tmp.</summary>
    public static string TempDirectory(string tag)
    {
        string dir = Path.Combine(Path.GetTempPath(), $"kernelops-{tag}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>Teardown: whatever happened, leave no mount and no directory behind.</summary>
    public static void CleanUp(string? directory)
    {
        if (directory is null) return;
        for (int i = 0; i < 3 && MountTable.IsMountPoint(directory); i++)
        {
            Run("fusermount3", ["-u", "-z", directory], timeout: TimeSpan.FromSeconds(10), check: false);
            if (MountTable.IsMountPoint(directory)) Run("umount", ["-l", directory], timeout: TimeSpan.FromSeconds(10), check: false);
        }
        try { Directory.Delete(directory, recursive: false); }
        catch (IOException e) { TestContext.Out.WriteLine($"could not remove {directory}: {e.Message}"); }
    }

    /// <summary>Result of a finished child process.</summary>
    public readonly record struct Result(int ExitCode, string Stdout, string Stderr);

    /// <summary>Runs a program to completion; kills it (and its children) and fails the test on timeout.</summary>
    public static Result Run(string file, IEnumerable<string> arguments, string? stdin = null, TimeSpan? timeout = null,
        IReadOnlyDictionary<string, string>? environment = null, bool check = true)
    {
        using Process p = Start(file, arguments, environment);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (stdin is not null) p.StandardInput.Write(stdin);
            p.StandardInput.Close();
        }
        catch (IOException) { /* the child exited without reading */ }
        TimeSpan limit = timeout ?? TimeSpan.FromSeconds(60);
        if (!p.WaitForExit(limit))
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(5000);
            Assert.Fail($"{file} {string.Join(' ', arguments)} did not finish within {limit.TotalSeconds:0}s; killed it");
        }
        p.WaitForExit();
        var result = new Result(p.ExitCode, stdout.Result, stderr.Result);
        if (check && result.ExitCode != 0)
            Assert.Fail($"{file} {string.Join(' ', arguments)} exited {result.ExitCode}: {result.Stderr}{result.Stdout}");
        return result;
    }

    /// <summary>Starts a program with redirected standard streams.</summary>
    public static Process Start(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in arguments) psi.ArgumentList.Add(a);
        if (environment is not null)
            foreach (var (k, v) in environment) psi.Environment[k] = v;
        return Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
    }

    /// <summary>
    /// <see cref="Start"/> with SIGINT and SIGQUIT at their default disposition in the child, for
    /// tests that interrupt it. A shell running the test run in the background without job control
    /// (<c>cmd &amp;</c> in a script, as some CI runners do) starts it with both ignored, every
    /// descendant inherits that through exec, and a program started that way rightly ignores
    /// Ctrl-C; python3 resets them and execs, so the pid the test signals is the program's.
    /// </summary>
    public static Process StartInterruptible(string file, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Start("python3",
            ["-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); signal.signal(signal.SIGQUIT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])", file, .. arguments],
            environment);

    /// <summary>sh -c <paramref name="script"/>, checked.</summary>
    public static string Sh(string script, TimeSpan? timeout = null) => Run("/bin/sh", ["-c", script], timeout: timeout).Stdout;

    /// <summary>Waits (bounded) until <paramref name="condition"/> holds.</summary>
    public static bool WaitUntil(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < timeout)
        {
            if (condition()) return true;
            System.Threading.Thread.Sleep(50);
        }
        return condition();
    }
}
