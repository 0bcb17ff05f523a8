using System;
using KernelOps.Model;
using KernelOps.Samples.RamFs;

namespace KernelOps.Fuse.Tests.Infrastructure;

/// <summary>
/// A kernel with a RAM file system mounted in the model (<c>mount -t TYPE TYPE /mnt/ram</c>; by
/// default the seed's rust_ramfs, its module loaded first), served on a fresh temp directory
/// through a <see cref="FuseHost"/> whose root is <c>/mnt/ram</c>.
/// </summary>
internal sealed class RamFsMount : IDisposable
{
    public const string ModelPath = "/mnt/ram";

    /// <param name="type">The file system type mounted in the model: rust_ramfs (samples/RamFs, loaded here) or the kernel's own ramfs.</param>
    public RamFsMount(string type = RustRamfsModule.ModuleName, string? options = null)
    {
        Machine.RequireFuse();
        Directory = Machine.TempDirectory("ramfs-fuse");
        Kernel = new Kernel();
        try
        {
            if (type == RustRamfsModule.ModuleName) Module = RustRamfsModule.Install(Kernel);
            Shell = Kernel.CreateProcess("sh");
            Assert.That(Shell.Mkdir("/mnt", 0x1ED), Is.Zero.Or.EqualTo(-(int)Errno.EEXIST));
            Assert.That(Shell.Mkdir(ModelPath, 0x1ED), Is.Zero);
            Assert.That(Shell.Mount(type, ModelPath, type, MountOptions.None, options), Is.Zero, $"mount -t {type}");
            Host = FuseHost.Mount(Kernel, Directory, new FuseHostOptions { ModelRoot = ModelPath, HandleSignals = false });
        }
        catch
        {
            Shell?.Dispose();
            Kernel.Dispose();
            Machine.CleanUp(Directory);
            throw;
        }
    }

    /// <summary>The mount point real processes use.</summary>
    public string Directory { get; }

    public Kernel Kernel { get; }

    /// <summary>rust_ramfs's module, when that is the type mounted.</summary>
    public LoadedModule? Module { get; }

    /// <summary>A model process (root) for looking at the model's side.</summary>
    public UserProcess Shell { get; } = null!;

    public FuseHost Host { get; } = null!;

    /// <summary>The real path of <paramref name="relative"/> under the mount.</summary>
    public string Real(string relative) => System.IO.Path.Combine(Directory, relative);

    /// <summary>The model path of <paramref name="relative"/>.</summary>
    public string Model(string relative) => ModelPath + "/" + relative;

    public void Dispose()
    {
        try
        {
            Host?.Dispose();
            Assert.That(Host?.Completion.Wait(TimeSpan.FromSeconds(15)), Is.Not.False, "the host did not finish unmounting");
        }
        finally
        {
            Machine.CleanUp(Directory);
            Shell?.Dispose();
            Kernel.Dispose();
        }
    }
}
