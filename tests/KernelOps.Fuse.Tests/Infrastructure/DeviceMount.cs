using System;
using System.IO;
using KernelOps.Model;
using KernelOps.Samples.DebugFsDemo;
using KernelOps.Samples.PipeDevice;
using KernelOps.Samples.PrinterFact;

namespace KernelOps.Fuse.Tests.Infrastructure;

/// <summary>A kernel with a sample's device (or debugfs files), its whole tree ("/") mounted on a fresh temp directory.</summary>
internal sealed class DeviceMount : IDisposable
{
    private DeviceMount(Kernel kernel, Action<Kernel> setup, string modelRoot = "/")
    {
        Directory = Machine.TempDirectory("dev");
        Kernel = kernel;
        try
        {
            setup(kernel);
            Host = FuseHost.Mount(Kernel, Directory, new FuseHostOptions { ModelRoot = modelRoot, HandleSignals = false });
        }
        catch
        {
            Kernel.Dispose();
            Machine.CleanUp(Directory);
            throw;
        }
    }

    public string Directory { get; }
    public Kernel Kernel { get; }
    public FuseHost Host { get; } = null!;
    public PipeModule? Pipe { get; private set; }
    public NetCard? Card { get; private set; }

    /// <summary>A path under the mount (<paramref name="model"/> is the model's absolute path, under the served root).</summary>
    public string Real(string model) => Directory + model[(Host.ModelRoot == "/" ? 0 : Host.ModelRoot.Length)..];

    /// <summary>PrinterFact as the seed's script makes it: a chrdev region, /dev/printerfact c MAJOR 1.</summary>
    public static DeviceMount PrinterFact()
    {
        Machine.RequireFuse();
        return new DeviceMount(new Kernel(randomSeed: 2021), kernel =>
        {
            kernel.Modules.Load(new PrinterFactModule(PrinterFactRegistration.ChrdevRegion));
            using UserProcess sh = kernel.CreateProcess("sh");
            Shell.Mknod(sh, "/dev/printerfact", Shell.ParseMajor(Shell.FindMajor(sh, "printerfact")), 1);
        });
    }

    /// <summary>scullpipe as a misc device at /dev/scullpipe.</summary>
    public static DeviceMount PipeDevice(int capacity = 4000)
    {
        Machine.RequireFuse();
        DeviceMount? m = null;
        PipeModule? pipe = null;
        m = new DeviceMount(new Kernel(), kernel =>
        {
            pipe = PipeModule.Install(kernel, capacity);
        });
        m.Pipe = pipe;
        return m;
    }

    /// <summary>DebugFsDemo's netcard (NetCard.Probe) under /sys/kernel/debug/netcard; <paramref name="modelRoot"/> is what is served.</summary>
    public static DeviceMount DebugFs(string modelRoot = "/")
    {
        Machine.RequireFuse();
        NetCard? card = null;
        var m = new DeviceMount(new Kernel(), kernel => card = NetCard.Probe(kernel), modelRoot);
        m.Card = card;
        return m;
    }

    public void Dispose()
    {
        try
        {
            Host.Dispose();
            Assert.That(Host.Completion.Wait(TimeSpan.FromSeconds(15)), Is.True, "the host did not finish unmounting");
        }
        finally
        {
            Machine.CleanUp(Directory);
            Kernel.Dispose();
        }
    }
}
