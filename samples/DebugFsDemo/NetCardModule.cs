using System;
using KernelOps.Model;

namespace KernelOps.Samples.DebugFsDemo;

/// <summary>
/// The netcard driver as a loadable module ("netcard"): module_init probes the card the demo
/// shows, with its files in the module's own debugfs directory <c>/sys/kernel/debug/netcard</c>
/// (so an open file pins the module, and rmmod waits for it); module_exit removes them. This is
/// what <c>kernelops mount DIR --module DebugFsDemo.dll</c> (and the sample's <c>--mount</c>) loads.
/// </summary>
public sealed class NetCardModule : IKernelModule
{
    private NetCard? _card;

    /// <inheritdoc/>
    public string Name => "netcard";

    /// <inheritdoc/>
    public KResult Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _card = NetCard.Probe(context.Kernel, context.DebugFs.CreateDirectory("netcard"));
        return KResult.Ok;
    }

    /// <inheritdoc/>
    public void Exit()
    {
        _card?.Dispose();
        _card = null;
    }
}
