using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using KernelOps.Model;

namespace KernelOps.Fuse;

/// <summary>
/// The <c>--mount DIR</c> mode every sample program shares: parses the command line, builds a
/// kernel with the sample's modules and nodes, serves <see cref="ModelRoot"/> on DIR through a
/// <see cref="FuseHost"/> until SIGINT (Ctrl-C) or SIGTERM, then unmounts and exits 0. Errors are
/// one line on stderr: 2 for a bad command line, 1 when the mount cannot be made (with what to do).
/// </summary>
/// <example>
/// <code>
/// var mount = new SampleMount("PipeDevice", "/", kernel => { ...; return ["cat {dir}/dev/scullpipe"]; });
/// if (mount.Run(args) is int exit) return exit;   // null: no arguments, run the transcript
/// </code>
/// </example>
/// <param name="program">The program's name, as errors and the usage line show it.</param>
/// <param name="modelRoot">The model directory to serve (<c>/proc</c>, or <c>/</c> for /proc and /dev side by side).</param>
/// <param name="setup">
/// Loads the sample's modules into the fresh kernel and makes its nodes; returns example shell
/// commands to print, where <c>{dir}</c> stands for the mount point.
/// </param>
public sealed class SampleMount(string program, string modelRoot, Func<Kernel, IEnumerable<string>> setup)
{
    /// <summary>Environment knobs for the preflight checks (tests use them to simulate a machine without FUSE).</summary>
    public const string DeviceVariable = "KERNELOPS_FUSE_DEVICE", LibraryVariable = "KERNELOPS_FUSE_LIBRARY";

    /// <summary>The program's name.</summary>
    public string Program { get; } = program ?? throw new ArgumentNullException(nameof(program));

    /// <summary>The model directory served.</summary>
    public string ModelRoot { get; } = modelRoot ?? throw new ArgumentNullException(nameof(modelRoot));

    /// <summary>Seeds the kernel's random generator (null: unpredictable).</summary>
    public int? RandomSeed { get; init; }

    /// <summary>The usage line.</summary>
    public string Usage => $"usage: {Program} [--mount DIR]";

    /// <summary>
    /// Handles the command line: null when there are no arguments (the program goes on with its
    /// transcript), otherwise the exit status after printing help, an error, or serving a mount.
    /// </summary>
    public int? Run(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        switch (args)
        {
            case []:
                return null;
            case ["--mount", string dir]:
                return Serve(dir);
            case ["-h" or "--help"]:
                Console.WriteLine(Usage);
                return 0;
            case ["--mount"]:
                Console.Error.WriteLine($"{Program}: --mount needs a directory ({Usage})");
                return 2;
            default:
                Console.Error.WriteLine($"{Program}: unknown option '{string.Join(' ', args)}' ({Usage})");
                return 2;
        }
    }

    private int Serve(string directory)
    {
        var defaults = new FuseHostOptions();
        var options = new FuseHostOptions
        {
            ModelRoot = ModelRoot,
            // SIGINT/SIGTERM are handled here, to unmount and exit 0.
            HandleSignals = false,
            DevicePath = Environment.GetEnvironmentVariable(DeviceVariable) ?? defaults.DevicePath,
            LibraryName = Environment.GetEnvironmentVariable(LibraryVariable) ?? defaults.LibraryName,
        };
        using var kernel = new Kernel(randomSeed: RandomSeed);
        kernel.Log.LineWritten += line => Console.WriteLine($"[dmesg] {line}");
        var examples = new List<string>(setup(kernel));

        FuseHost host;
        try
        {
            host = FuseHost.Mount(kernel, directory, options);
        }
        catch (FuseHostException e)
        {
            Console.Error.WriteLine($"{Program}: {e.Message}");
            return 1;
        }
        using (host)
        {
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true; // exit through the normal path below, with status 0
                host.Unmount();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            Console.WriteLine($"serving the model's {ModelRoot} on {host.MountPoint} (Ctrl-C unmounts); try:");
            foreach (string example in examples) Console.WriteLine("  " + example.Replace("{dir}", host.MountPoint, StringComparison.Ordinal));
            host.Completion.Wait();
        }
        Console.WriteLine($"unmounted {directory}");
        return 0;
    }
}
