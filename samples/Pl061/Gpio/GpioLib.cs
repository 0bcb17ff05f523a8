using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Threading;
using KernelOps;
using KernelOps.Model;

namespace KernelOps.Samples.Pl061.Gpio;

/// <summary>Which edges of a line raise its interrupt (IRQ_TYPE_EDGE_*).</summary>
[Flags]
public enum GpioEdge
{
    /// <summary>No interrupt (IRQ_TYPE_NONE).</summary>
    None = 0,
    /// <summary>IRQ_TYPE_EDGE_RISING.</summary>
    Rising = 1,
    /// <summary>IRQ_TYPE_EDGE_FALLING.</summary>
    Falling = 2,
    /// <summary>IRQ_TYPE_EDGE_BOTH.</summary>
    Both = Rising | Falling,
}

/// <summary>
/// What a GPIO controller driver provides (<c>struct gpio_chip</c> with its <c>irq_chip</c>): the line
/// operations gpiolib calls. They run in file calls and on the interrupt thread, never after the
/// chip was removed (gpiolib reaches the chip through a <see cref="Revocable{T}"/>); a driver still
/// answers ENODEV when its registers are gone under it.
/// </summary>
public interface IGpioChip
{
    /// <summary>The chip's label (<c>gc-&gt;label</c>, usually the device name).</summary>
    string Label { get; }

    /// <summary>The number of lines (<c>gc-&gt;ngpio</c>).</summary>
    int LineCount { get; }

    /// <summary>get_direction: true for an output.</summary>
    KResult<bool> IsOutput(int offset);

    /// <summary>direction_input.</summary>
    KResult DirectionInput(int offset);

    /// <summary>direction_output, driving <paramref name="value"/>.</summary>
    KResult DirectionOutput(int offset, bool value);

    /// <summary>get: the line's physical level.</summary>
    KResult<bool> Get(int offset);

    /// <summary>set: the physical level of an output.</summary>
    KResult Set(int offset, bool value);

    /// <summary>irq_set_type: which edges raise the line's interrupt.</summary>
    KResult SetIrqType(int offset, GpioEdge edge);

    /// <summary>irq_mask / irq_unmask.</summary>
    KResult SetIrqEnabled(int offset, bool enabled);
}

/// <summary>
/// The GPIO subsystem of one kernel (drivers/gpio/gpiolib.c's gpio_bus and gpio_devt): the
/// <c>gpiochip</c> character-device region and the chip numbers. Registered by the
/// <see cref="GpioLibModule"/>; drivers add their chips with <see cref="AddChip"/>.
/// </summary>
public sealed class GpioSubsystem
{
    /// <summary>GPIO_DEV_MAX: chips per kernel.</summary>
    public const int MaxChips = 256;

    private static readonly ConditionalWeakTable<Kernel, GpioSubsystem> s_byKernel = new();
    private readonly Kernel _kernel;
    private readonly ChrdevRegion _region;
    private readonly object _lock = new();
    private readonly bool[] _ids = new bool[MaxChips];
    private readonly List<GpioDevice> _devices = new();

    private GpioSubsystem(Kernel kernel, ChrdevRegion region)
    {
        _kernel = kernel;
        _region = region;
    }

    /// <summary>The major of <c>/dev/gpiochipN</c>.</summary>
    public uint Major => _region.Major;

    /// <summary>The chips registered now.</summary>
    public IReadOnlyList<GpioDevice> Devices
    {
        get { lock (_lock) return _devices.ToArray(); }
    }

    /// <summary>The subsystem of <paramref name="kernel"/>, or null when gpiolib is not loaded.</summary>
    public static GpioSubsystem? For(Kernel kernel) => s_byKernel.TryGetValue(kernel, out GpioSubsystem? s) ? s : null;

    /// <summary>mirrors drivers/gpio/gpiolib.c:gpiolib_dev_init: alloc_chrdev_region(&amp;gpio_devt, 0, GPIO_DEV_MAX, "gpiochip").</summary>
    internal static GpioSubsystem Register(ModuleContext context)
    {
        ChrdevRegion region = context.Devices.AllocRegion(0, MaxChips, "gpiochip");
        var subsystem = new GpioSubsystem(context.Kernel, region);
        s_byKernel.AddOrUpdate(context.Kernel, subsystem);
        return subsystem;
    }

    internal void Unregister()
    {
        s_byKernel.Remove(_kernel);
        _region.Dispose();
    }

    /// <summary>
    /// devm_gpiochip_add_data: registers <paramref name="chip"/> as <c>gpiochipN</c> with its
    /// character device. Two devres steps: the chip's removal, then the character device; at unbind
    /// the device's files are disconnected first (calls drained, sleepers woken with ENODEV), then the
    /// chip is revoked (gpiochip_remove's "numbing"). The <see cref="GpioDevice"/> itself lives
    /// until the last file on it is closed.
    /// </summary>
    /// <exception cref="KernelErrorException">ENOSPC when all chip numbers are used, or what devres throws.</exception>
    public GpioDevice AddChip(CoreDevice device, IGpioChip chip)
    {
        ArgumentNullException.ThrowIfNull(chip);
        if (chip.LineCount is <= 0 or > GpioUapi.LinesMax) throw new KernelErrorException(Errno.EINVAL, "gpiochip_add_data");
        int id = AllocateId();
        var gdev = new GpioDevice(this, id, chip, DeviceNumber.Make(Major, (uint)id));
        try
        {
            device.AddAction(gdev.Remove, "gpiochip_remove");
            device.AddCdev(GpioChipFile.Table, gdev.Dev, 1, gdev); // gdev is freed (its id too) after its last close
        }
        catch
        {
            gdev.Dispose(); // nothing holds it yet: give the number back now
            throw;
        }
        lock (_lock) _devices.Add(gdev);
        return gdev;
    }

    internal void Removed(GpioDevice gdev)
    {
        lock (_lock) _devices.Remove(gdev);
    }

    private int AllocateId()
    {
        lock (_lock)
        {
            for (int i = 0; i < MaxChips; i++)
            {
                if (_ids[i]) continue;
                _ids[i] = true;
                return i;
            }
        }
        throw new KernelErrorException(Errno.ENOSPC, "ida_alloc(&gpio_ida)");
    }

    internal void FreeId(int id)
    {
        lock (_lock) _ids[id] = false;
    }
}

/// <summary>One line's gpiolib state (<c>struct gpio_desc</c>).</summary>
internal sealed class GpioLine
{
    public string? Consumer;            // requested, by whom (FLAG_REQUESTED + label)
    public bool ActiveLow;
    public GpioV2LineFlags Edges;       // EDGE_RISING | EDGE_FALLING of the request
    public Action? EdgeHandler;         // the line request's edge detector
}

/// <summary>
/// A registered GPIO chip (<c>struct gpio_device</c>): what the character device and line requests
/// hold. It outlives its driver: the chip operations are behind a <see cref="Revocable{T}"/>
/// (<c>gdev-&gt;chip</c>, set to NULL by gpiochip_remove), and the device itself goes, with its chip
/// number, when the last file on it is closed (gpiodev_release).
/// </summary>
public sealed class GpioDevice : IDisposable
{
    private readonly GpioSubsystem _subsystem;
    private readonly GpioLine[] _lines;
    private int _released;

    internal GpioDevice(GpioSubsystem subsystem, int id, IGpioChip chip, uint dev)
    {
        _subsystem = subsystem;
        Id = id;
        Dev = dev;
        Label = chip.Label;
        LineCount = chip.LineCount;
        Chip = new Revocable<IGpioChip>(chip);
        _lines = new GpioLine[chip.LineCount];
        for (int i = 0; i < _lines.Length; i++) _lines[i] = new GpioLine();
    }

    /// <summary>The chip number.</summary>
    public int Id { get; }

    /// <summary><c>gpiochipN</c>.</summary>
    public string Name => $"gpiochip{Id}";

    /// <summary>The chip's label.</summary>
    public string Label { get; }

    /// <summary>The number of lines.</summary>
    public int LineCount { get; }

    /// <summary>MKDEV(gpiochip major, N).</summary>
    public uint Dev { get; }

    /// <summary>True once the chip was removed (its driver unbound): calls answer ENODEV.</summary>
    public bool IsRemoved => Chip.IsRevoked;

    /// <summary>True once the last file on it was closed.</summary>
    public bool IsReleased => Volatile.Read(ref _released) != 0;

    /// <summary>
    /// generic_handle_irq for the chip's line <paramref name="offset"/>: the driver's parent interrupt
    /// handler calls it for each pending line; the line request listening to it records an edge.
    /// </summary>
    public void HandleNestedIrq(int offset)
    {
        if ((uint)offset >= (uint)LineCount) return;
        Action? handler;
        lock (Lock) handler = _lines[offset].EdgeHandler;
        handler?.Invoke();
    }

    /// <summary>gpiodev_release: the chip number goes back (the last reference is gone).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0) _subsystem.FreeId(Id);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} [{Label}]";

    /// <summary><c>gdev-&gt;chip</c>.</summary>
    internal Revocable<IGpioChip> Chip { get; }

    /// <summary>Guards the lines' state (gpio_lock).</summary>
    internal object Lock { get; } = new();

    internal GpioLine Line(int offset) => _lines[offset];

    /// <summary>
    /// mirrors drivers/gpio/gpiolib.c:gpiochip_remove after the character device was disconnected:
    /// no edge handler runs any more, and the chip is revoked, waiting for users still inside it.
    /// </summary>
    internal void Remove()
    {
        lock (Lock)
        {
            foreach (GpioLine line in _lines) line.EdgeHandler = null;
        }
        Chip.Revoke();
        _subsystem.Removed(this);
    }

    /// <summary>gpiod_request_user: EBUSY when the line is requested already.</summary>
    internal KResult RequestLine(int offset, string consumer)
    {
        lock (Lock)
        {
            GpioLine line = _lines[offset];
            if (line.Consumer is not null) return Errno.EBUSY;
            line.Consumer = consumer;
            line.ActiveLow = false;
            line.Edges = GpioV2LineFlags.None;
            return KResult.Ok;
        }
    }

    /// <summary>gpiod_free.</summary>
    internal void FreeLine(int offset)
    {
        lock (Lock)
        {
            GpioLine line = _lines[offset];
            line.Consumer = null;
            line.ActiveLow = false;
            line.Edges = GpioV2LineFlags.None;
            line.EdgeHandler = null;
        }
    }
}
