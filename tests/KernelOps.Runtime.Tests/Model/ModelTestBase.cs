using System;
using System.Collections.Generic;
using System.Text;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>A kernel and a process per test; teardown disposes and checks nothing leaked.</summary>
internal abstract class ModelTestBase
{
    protected Kernel Kernel = null!;
    protected UserProcess Proc = null!;

    /// <summary>
    /// What a freshly booted kernel holds (the root file systems' superblocks, root inodes and
    /// dentries): leak checks compare against it rather than against a hard-coded count.
    /// </summary>
    protected KernelStatistics Baseline;

    [SetUp]
    public void CreateKernel()
    {
        Kernel = new Kernel();
        Proc = Kernel.CreateProcess("test");
        Baseline = Kernel.Statistics;
    }

    [TearDown]
    public void DisposeKernel()
    {
        Proc.Dispose();
        Kernel.Dispose();
        Assert.That(Kernel.Statistics, Is.EqualTo(new KernelStatistics(0, 0, 0, 0)), "kernel leaked after Dispose");
    }

    protected ProcEntry CreateRam(string name, RamState state, OpsTable<ProcOps>? table = null, ProcEntry? parent = null, uint mode = 0x1B6) =>
        Kernel.Proc.Create(name, mode, parent, table ?? TestTables.Ram, state);

    /// <summary>A user buffer of <paramref name="length"/> bytes.</summary>
    protected nuint Buffer(int length = 4096) => Proc.Memory.Map((nuint)length).Address;

    protected string ReadString(nuint address, int length)
    {
        var bytes = new byte[length];
        Assert.That(Proc.Memory.CopyFromUser(bytes, address), Is.EqualTo((nuint)0));
        return Encoding.UTF8.GetString(bytes);
    }

    protected nuint UserString(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        nuint address = Buffer(Math.Max(1, bytes.Length));
        Assert.That(Proc.Memory.CopyToUser(address, bytes), Is.EqualTo((nuint)0));
        return address;
    }

    protected static int Err(Errno e) => -(int)e;

    /// <summary>getdents of <paramref name="path"/>, which must succeed.</summary>
    protected List<DirectoryEntry> ListDirectory(string path)
    {
        var entries = new List<DirectoryEntry>();
        Assert.That(Proc.ReadDirectory(path, entries), Is.Zero, path);
        return entries;
    }

    /// <summary>stat of <paramref name="path"/>, which must succeed.</summary>
    protected StatResult StatOf(string path)
    {
        Assert.That(Proc.Stat(path, out StatResult st), Is.Zero, path);
        return st;
    }
}
