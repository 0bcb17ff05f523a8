using System;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>A module that registers /proc/&lt;dir&gt;/data and optionally forgets to remove it.</summary>
internal sealed class RamModule(string name, RamState state) : IKernelModule
{
    private ProcEntry? _dir;

    public string Name { get; } = name;
    public bool ForgetToRemove { get; init; }
    public Errno FailInitWith { get; init; }
    public bool ThrowInInit { get; init; }
    public int Inits;
    public int Exits;

    public KResult Init(ModuleContext context)
    {
        Interlocked.Increment(ref Inits);
        _dir = context.Proc.Mkdir(Name);
        context.Proc.Create("data", 0x1B6, _dir, TestTables.Ram, state);
        if (ThrowInInit) throw new InvalidOperationException("init bug");
        if (FailInitWith != 0) return FailInitWith;
        context.Log.Printk($"{Name}: loaded");
        return KResult.Ok;
    }

    public void Exit()
    {
        Interlocked.Increment(ref Exits);
        if (!ForgetToRemove) _dir?.Dispose();
    }
}

[TestFixture]
internal sealed class ModuleTests : ModelTestBase
{
    [Test]
    public void LoadAndUnload_RegisterAndRemove_InLsmodOrder()
    {
        var a = new RamModule("alpha", new RamState("A"));
        var b = new RamModule("beta", new RamState("B"));
        LoadedModule la = Kernel.Modules.Load(a);
        Kernel.Modules.Load(b);
        Assert.That(la.State, Is.EqualTo(ModuleState.Live));
        Assert.That(Kernel.Modules.Loaded, Is.EqualTo(new[] { "beta", "alpha" }), "lsmod lists the newest first");
        Assert.That(Kernel.Modules.IsLoaded("alpha"), Is.True);
        Assert.That(Proc.ReadAllText("/proc/alpha/data"), Is.EqualTo("A"));
        Assert.That(Kernel.Log.Lines, Has.Some.EqualTo("alpha: loaded"));

        Assert.That(Kernel.Modules.Unload("alpha"), Is.EqualTo(KResult.Ok));
        Assert.That(a.Exits, Is.EqualTo(1));
        Assert.That(la.State, Is.EqualTo(ModuleState.Gone));
        Assert.That(Kernel.Modules.Loaded, Is.EqualTo(new[] { "beta" }));
        Assert.That(Proc.Open("/proc/alpha/data", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(Kernel.Log.Lines, Has.None.Contains("left"), "alpha cleaned up after itself");
        Assert.That(Kernel.Modules.Unload("alpha"), Is.EqualTo((KResult)Errno.ENOENT));
    }

    [Test]
    public void DoubleLoad_IsEexist()
    {
        Kernel.Modules.Load(new RamModule("m", new RamState()));
        var e = Assert.Throws<KernelErrorException>(() => Kernel.Modules.Load(new RamModule("m", new RamState())))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EEXIST));
    }

    [Test]
    public void Unload_RemovesWhatExitForgot_WithALogLine()
    {
        var state = new RamState("x");
        Kernel.Modules.Load(new RamModule("sloppy", state) { ForgetToRemove = true });
        int fd = Proc.Open("/proc/sloppy/data", OpenFlags.O_RDONLY);
        Assert.That(Kernel.Modules.Unload("sloppy"), Is.EqualTo(KResult.Ok));
        Assert.That(Kernel.Log.Lines, Has.Some.Contains("module 'sloppy' left /proc/sloppy registered at unload"));
        Assert.That(Kernel.Proc.Find("sloppy"), Is.Null);
        Assert.That(state.Releases, Is.EqualTo(1), "the open file was released by rundown");
        Assert.That(Proc.Read(fd, Buffer(), 1), Is.EqualTo((nint)Err(Errno.EIO)));
        Proc.Close(fd);
        Assert.That(state.Releases, Is.EqualTo(1));
    }

    [Test]
    public void FailedInit_LeavesNothingRegistered()
    {
        long inodes = Kernel.Statistics.LiveInodes;
        var module = new RamModule("broken", new RamState()) { FailInitWith = Errno.ENODEV };
        var e = Assert.Throws<KernelErrorException>(() => Kernel.Modules.Load(module))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.ENODEV));
        Assert.That(Kernel.Modules.IsLoaded("broken"), Is.False);
        Assert.That(Kernel.Modules.Loaded, Is.Empty);
        Assert.That(Kernel.Proc.Find("broken"), Is.Null);
        Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(inodes));
        Assert.That(Kernel.Statistics.LiveGCHandles, Is.EqualTo(Baseline.LiveGCHandles));
        Assert.That(module.Exits, Is.Zero, "exit is not called for a failed init");
        // The name is free again.
        Kernel.Modules.Load(new RamModule("broken", new RamState()));
    }

    [Test]
    public void ThrowingInit_IsRethrown_AndLeavesNothing()
    {
        Assert.Throws<InvalidOperationException>(() => Kernel.Modules.Load(new RamModule("boom", new RamState()) { ThrowInInit = true }));
        Assert.That(Kernel.Proc.Find("boom"), Is.Null);
        Assert.That(Kernel.Modules.IsLoaded("boom"), Is.False);
    }

    [Test]
    public void ModuleReference_BlocksUnload_UntilPut()
    {
        LoadedModule m = Kernel.Modules.Load(new RamModule("pinned", new RamState()));
        Assert.That(m.TryGet(), Is.True); // what fops_get does for a table whose .owner is m
        Assert.That(m.ReferenceCount, Is.EqualTo(1));
        Assert.That(Kernel.Modules.Unload("pinned"), Is.EqualTo((KResult)Errno.EAGAIN));
        Assert.That(m.State, Is.EqualTo(ModuleState.Live));
        m.Put();
        Assert.That(Kernel.Modules.Unload("pinned"), Is.EqualTo(KResult.Ok));
        Assert.That(m.TryGet(), Is.False, "a gone module cannot be pinned");
    }

    [Test]
    public void KernelDispose_UnloadsModulesNewestFirst()
    {
        var order = new List<string>();
        var k = new Kernel();
        k.Modules.Load(new OrderModule("first", order));
        k.Modules.Load(new OrderModule("second", order));
        k.Dispose();
        Assert.That(order, Is.EqualTo(new[] { "second", "first" }));
        Assert.That(k.Statistics.IsEmpty, Is.True);
    }

    private sealed class OrderModule(string name, List<string> order) : IKernelModule
    {
        public string Name => name;
        public KResult Init(ModuleContext context) => KResult.Ok;
        public void Exit() => order.Add(name);
    }
}
