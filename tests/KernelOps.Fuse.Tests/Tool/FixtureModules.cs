using System;
using KernelOps.Model;

// Modules the kernelops tool tests load from this test assembly, as from any driver's build.
namespace KernelOps.Fuse.Tests.Tool.Fixtures;

/// <summary>A module whose init fails, as a probe that finds no hardware does.</summary>
public sealed class FailingInitModule : IKernelModule
{
    public string Name => "failing_init";
    public KResult Init(ModuleContext context) => Errno.ENODEV;
    public void Exit() { }
}

/// <summary>A module whose init throws (a bug): the load is refused, not the host crashed.</summary>
public sealed class ThrowingInitModule : IKernelModule
{
    public string Name => "throwing_init";
    public KResult Init(ModuleContext context) => throw new InvalidOperationException("no registers at 0x1000");
    public void Exit() { }
}

/// <summary>A module that needs a parameter (no default) and takes others.</summary>
public sealed class ParameterModule(int count, bool verbose = false, ParameterMode mode = ParameterMode.Slow) : IKernelModule
{
    public string Name => "parameters";
    public int Count { get; } = count;
    public bool Verbose { get; } = verbose;
    public ParameterMode Mode { get; } = mode;

    public KResult Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Log.Printk($"parameters: count={Count} verbose={(Verbose ? 1 : 0)} mode={Mode}");
        return KResult.Ok;
    }

    public void Exit() { }
}

/// <summary>An enum module parameter.</summary>
public enum ParameterMode
{
    Slow,
    Fast,
}

/// <summary>An abstract module type: named by --type, it cannot be created.</summary>
public abstract class AbstractModule : IKernelModule
{
    public abstract string Name { get; }
    public KResult Init(ModuleContext context) => KResult.Ok;
    public void Exit() { }
}
