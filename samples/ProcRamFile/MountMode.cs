using System;
using System.Runtime.InteropServices;
using KernelOps.Fuse;
using KernelOps.Model;

namespace KernelOps.Samples.ProcRamFile;

/// <summary>
/// <c>ProcRamFile --mount DIR</c>: loads the module in a kernel model and serves the model's /proc
/// on DIR through FUSE, so <c>cat DIR/rust-proc-file</c> and <c>echo abcd &gt; DIR/rust-proc-file</c>
/// work from any shell, until SIGINT (Ctrl-C) or SIGTERM unmounts it.
/// </summary>
internal static class MountMode
{
    public const string Usage = "usage: ProcRamFile [--mount DIR]";

    /// <summary>Environment knobs for the preflight checks (tests use them to simulate a machine without FUSE).</summary>
    public const string DeviceVariable = "KERNELOPS_FUSE_DEVICE", LibraryVariable = "KERNELOPS_FUSE_LIBRARY";

    public static int Run(string directory)
    {
        var defaults = new FuseHostOptions();
        var options = new FuseHostOptions
        {
            // This program handles SIGINT/SIGTERM itself, to unmount and exit 0.
            HandleSignals = false,
            DevicePath = Environment.GetEnvironmentVariable(DeviceVariable) ?? defaults.DevicePath,
            LibraryName = Environment.GetEnvironmentVariable(LibraryVariable) ?? defaults.LibraryName,
        };
        using var kernel = new Kernel();
        kernel.Log.LineWritten += line => Console.WriteLine($"[dmesg] {line}");
        var module = new RamFileModule();
        kernel.Modules.Load(module);

        FuseHost host;
        try
        {
            host = FuseHost.Mount(kernel, directory, options);
        }
        catch (FuseHostException e)
        {
            Console.Error.WriteLine($"ProcRamFile: {e.Message}");
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
            Console.WriteLine($"serving the model's /proc on {host.MountPoint} (Ctrl-C unmounts); try:");
            Console.WriteLine($"  cat {host.MountPoint}/{RamFileModule.EntryName}");
            Console.WriteLine($"  echo abcd > {host.MountPoint}/{RamFileModule.EntryName}");
            host.Completion.Wait();
        }
        Console.WriteLine($"unmounted {directory}");
        return 0;
    }
}
