using System;
using System.IO;
using KernelOps.Model;
using KernelOps.Samples.ProcRamFile;

namespace KernelOps.Fuse.Tests.Infrastructure;

/// <summary>A kernel with the RAM-file module, its /proc mounted on a fresh temp directory through a FuseHost.</summary>
internal sealed class RamFileMount : IDisposable
{
    public RamFileMount(long maxBytes = RamFileData.DefaultMaxBytes)
    {
        Machine.RequireFuse();
        Directory = Machine.TempDirectory("fuse");
        Kernel = new Kernel();
        Module = new RamFileModule(maxBytes);
        Kernel.Modules.Load(Module);
        try
        {
            Host = FuseHost.Mount(Kernel, Directory, new FuseHostOptions { HandleSignals = false });
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
    public RamFileModule Module { get; }
    public FuseHost Host { get; }

    /// <summary>The RAM file as real processes see it.</summary>
    public string File => Path.Combine(Directory, RamFileModule.EntryName);

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
