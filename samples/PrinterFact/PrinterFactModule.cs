using System;
using KernelOps;
using KernelOps.Model;

namespace KernelOps.Samples.PrinterFact;

/// <summary>How the module exposes the device.</summary>
public enum PrinterFactRegistration
{
    /// <summary>A misc device "printerfact" (major 10, dynamic minor; listed in /proc/misc).</summary>
    Misc,
    /// <summary>As the seed did (chrdev::Registration&lt;2&gt;): a dynamic major named "printerfact" with two minors, listed in /proc/devices.</summary>
    ChrdevRegion,
}

/// <summary>The printerfacts module (module_init registers the device; module_exit removes it).</summary>
public sealed class PrinterFactModule(PrinterFactRegistration registration = PrinterFactRegistration.Misc) : IKernelModule
{
    private MiscDevice? _misc;
    private ChrdevRegion? _region;
    private CharDevice? _cdev;

    /// <inheritdoc/>
    public string Name => "printerfacts";

    /// <summary>The misc device, when registered that way.</summary>
    public MiscDevice? Misc => _misc;

    /// <summary>The chrdev region, when registered that way.</summary>
    public ChrdevRegion? Region => _region;

    /// <inheritdoc/>
    public KResult Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Log.Printk("printerfact initialized");
        if (registration == PrinterFactRegistration.Misc)
        {
            _misc = context.Devices.RegisterMisc("printerfact", PrinterFactFile.Table);
        }
        else
        {
            _region = context.Devices.AllocRegion(0, 2, "printerfact");
            _cdev = context.Devices.AddCdev(PrinterFactFile.Table, _region.Dev, 2);
        }
        return KResult.Ok;
    }

    /// <inheritdoc/>
    public void Exit()
    {
        _misc?.Dispose();
        _cdev?.Dispose();
        _region?.Dispose();
        _misc = null;
        _cdev = null;
        _region = null;
    }
}
