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
        _device = context.Devices.RegisterMisc("scullpipe", PipeFile.Table, data: Pipe);
        return KResult.Ok;
    }

    /// <inheritdoc/>
    public void Exit()
    {
        _device?.Dispose();
        _device = null;
    }

    /// <summary>Loads the module and makes /dev/scullpipe.</summary>
    public static PipeModule Install(Kernel kernel, UserProcess shell, int capacity = 4000)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(shell);
        var module = new PipeModule(capacity);
        kernel.Modules.Load(module);
        int r = shell.Mknod("/dev/scullpipe", StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(CharDeviceRegistry.MiscMajor, module.Device.Minor));
        if (r != 0) throw new KernelErrorException((Errno)(-r), "mknod(\"/dev/scullpipe\")");
        return module;
    }
}
