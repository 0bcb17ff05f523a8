using System;
using KernelOps;
using KernelOps.Model;
using KernelOps.Samples.Pl061.Driver;
using KernelOps.Samples.Pl061.Gpio;
using KernelOps.Samples.Pl061.Hardware;

namespace KernelOps.Samples.Pl061;

/// <summary>gpiolib's character-device side (built into Linux; a module here): the <c>gpiochip</c> region and chip numbers.</summary>
public sealed class GpioLibModule : IKernelModule
{
    private GpioSubsystem? _subsystem;

    /// <inheritdoc/>
    public string Name => "gpiolib";

    /// <summary>The subsystem, once loaded.</summary>
    public GpioSubsystem Subsystem => _subsystem ?? throw new InvalidOperationException("not loaded");

    /// <inheritdoc/>
    public KResult Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _subsystem = GpioSubsystem.Register(context);
        return KResult.Ok;
    }

    /// <inheritdoc/>
    public void Exit() => _subsystem?.Unregister();
}

/// <summary>
/// The PL061 driver module: registers the driver on the platform bus and on the hot-pluggable bus,
/// and stays loaded while PL061s come and go. Unloading it unbinds the driver from every device first.
/// </summary>
public sealed class Pl061Module : IKernelModule
{
    /// <summary>The driver's name (<c>/sys/bus/*/drivers/pl061</c>).</summary>
    public const string DriverName = "pl061";

    /// <inheritdoc/>
    public string Name => "pl061";

    /// <summary>The driver on the platform bus.</summary>
    public DeviceDriver? Platform { get; private set; }

    /// <summary>The driver on the hot-pluggable bus.</summary>
    public DeviceDriver? Hotplug { get; private set; }

    /// <inheritdoc/>
    public KResult Init(ModuleContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (GpioSubsystem.For(context.Kernel) is null)
        {
            context.Log.Printk("pl061: gpiolib is not loaded");
            return Errno.ENODEV; // an unresolved symbol, as insmod without gpiolib would say
        }
        Platform = context.Drivers.Register(context.Kernel.DeviceModel.Platform, DriverName, Pl061Driver.Table);
        Hotplug = context.Drivers.Register(context.Kernel.DeviceModel.Hotplug, DriverName, Pl061Driver.Table);
        return KResult.Ok;
    }

    /// <inheritdoc/>
    public void Exit()
    {
        Hotplug?.Dispose();
        Platform?.Dispose();
    }

    /// <summary>Loads gpiolib and this module into <paramref name="kernel"/>.</summary>
    public static Pl061Module Load(Kernel kernel)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        if (!kernel.Modules.IsLoaded("gpiolib")) kernel.Modules.Load(new GpioLibModule());
        var module = new Pl061Module();
        kernel.Modules.Load(module);
        return module;
    }
}

/// <summary>
/// A PL061 on a board: the hardware model attached at a free MMIO address, its interrupt line, and
/// the device that describes them on a bus (what a device tree node or a hot-plug event gives).
/// </summary>
public sealed class Pl061Board
{
    private Pl061Board(Kernel kernel, Pl061Hardware hardware, MmioWindow window, InterruptLine line, Device device)
    {
        Kernel = kernel;
        Hardware = hardware;
        Window = window;
        Line = line;
        Device = device;
    }

    /// <summary>The kernel.</summary>
    public Kernel Kernel { get; }

    /// <summary>The chip: drive its inputs, watch its outputs.</summary>
    public Pl061Hardware Hardware { get; }

    /// <summary>Where its registers are.</summary>
    public MmioWindow Window { get; }

    /// <summary>Its interrupt line (GPIOINTR).</summary>
    public InterruptLine Line { get; }

    /// <summary>The device on its bus (<c>pl061.N</c>).</summary>
    public Device Device { get; }

    /// <summary>Plugs a PL061 into the hot-pluggable bus; a loaded driver binds it at once.</summary>
    public static Pl061Board Plug(Kernel kernel, int id = 0, Pl061Hardware? hardware = null) => Create(kernel, id, hardware, hotplug: true);

    /// <summary>Registers a PL061 on the platform bus (a board file's platform_device).</summary>
    public static Pl061Board Register(Kernel kernel, int id = 0, Pl061Hardware? hardware = null) => Create(kernel, id, hardware, hotplug: false);

    /// <summary>
    /// Takes the chip away: unplugged from the hot-pluggable bus (the hardware vanishes first), or
    /// unregistered from the platform bus and then taken off the board.
    /// </summary>
    public void Remove()
    {
        if (Device.Bus is HotplugBus hotplug)
        {
            hotplug.Unplug(Device);
            return;
        }
        Kernel.DeviceModel.Platform.Unregister(Device);
        Window.Dispose();
        Line.Dispose();
    }

    private static Pl061Board Create(Kernel kernel, int id, Pl061Hardware? hardware, bool hotplug)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        hardware ??= new Pl061Hardware();
        MmioWindow window = kernel.DeviceModel.IoMemory.Attach(hardware, Pl061Hardware.WindowSize);
        InterruptLine line = kernel.DeviceModel.Interrupts.AllocateLine("pl061");
        hardware.Connect(line);
        IoResource[] resources = [IoResource.Memory(window), IoResource.Irq(line)];
        Device device = hotplug
            ? kernel.DeviceModel.Hotplug.Plug("pl061", id, resources)
            : kernel.DeviceModel.Platform.Register("pl061", id, resources);
        return new Pl061Board(kernel, hardware, window, line, device);
    }
}
