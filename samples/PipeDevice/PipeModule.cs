using System;
using KernelOps;
using KernelOps.Model;

namespace KernelOps.Samples.PipeDevice;

/// <summary>The module: one misc device "scullpipe" backed by one <see cref="Pipe"/>.</summary>
public sealed class PipeModule(int capacity = 4000) : IKernelModule
{
    private MiscDevice? _device;

    /// <inheritdoc/>
    public string Name => "scullpipe";

    /// <summary>The device's buffer.</summary>
    public Pipe Pipe { get; } = new(capacity);

    /// <summary>The registered device (its minor is dynamic).</summary>
    public MiscDevice Device => _device ?? throw new InvalidOperationException("not loaded");

    /// <inheritdoc/>
    public KResult Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // misc_register makes /dev/scullpipe (devtmpfs); 0666 so any process may use the pipe
        _device = context.Devices.RegisterMisc("scullpipe", PipeFile.Table, data: Pipe, mode: 0x1B6 /* 0666 */);
        return KResult.Ok;
    }

    /// <inheritdoc/>
    public void Exit()
    {
        _device?.Dispose();
        _device = null;
    }

    /// <summary>insmod: loads the module, whose misc_register makes /dev/scullpipe.</summary>
    public static PipeModule Install(Kernel kernel, int capacity = 4000)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        var module = new PipeModule(capacity);
        kernel.Modules.Load(module);
        return module;
    }
}
