using System;
using System.Text;
using KernelOps;
using KernelOps.Model;
using KernelOps.Samples.Pl061.Gpio;
using static KernelOps.Samples.Pl061.Hardware.Pl061Hardware;

namespace KernelOps.Samples.Pl061.Driver;

/// <summary>
/// The PL061 driver (drivers/gpio/gpio-pl061.c, and the Rust port from the seed), written against
/// KernelOps' driver API. Probe maps the registers, checks the peripheral and PrimeCell IDs,
/// disables the interrupts, requests the parent interrupt, registers the gpio_chip (and with it
/// /dev/gpiochipN), adds a debugfs register dump, and arranges for the interrupts to be masked at
/// unbind. Each step is a devres acquisition: a failure at any of them unwinds exactly the earlier
/// ones, newest first, and unbind undoes them all in the same order, so there is no remove.
/// </summary>
[PlatformDriver]
internal static partial class Pl061Driver
{
    /// <summary>PL061_GPIO_NR.</summary>
    public const int LineCount = 8;

    // mirrors drivers/gpio/gpio-pl061.c:pl061_probe
    [Probe]
    private static ProbeResult<Pl061> Probe(CoreDevice device)
    {
        if (GpioSubsystem.For(device.Device.Kernel) is not { } gpiolib) return Errno.ENODEV;

        Devres<IoMem> registers = device.IoRemapResource(0);            // devm_ioremap_resource: two steps
        IoMem io = registers.Access(device);
        uint periphId = ReadId(io, GPIOPeriphID0), cellId = ReadId(io, GPIOPCellID0);
        if (cellId != PrimeCellId || (periphId & 0x000F_FFFF) != PeriphId)
        {
            device.Error($"not a PL061: peripheral id 0x{periphId:x8}, PrimeCell id 0x{cellId:x8}");
            return Errno.ENODEV;                                        // the mapping and region are released
        }
        io.Write8(0, GPIOIE);                                           // disable irqs

        var pl061 = new Pl061(device.Name, registers);
        device.RequestIrq(0, pl061, device.Name);                       // the parent interrupt
        pl061.Gpio = gpiolib.AddChip(device, pl061);                    // devm_gpiochip_add_data: two steps
        DebugFsEntry directory = device.CreateDebugFsDirectory(device.Name);
        device.Device.Kernel.DebugFs.CreateFile("registers", 0x124 /* 0444 */, directory, Pl061RegistersFile.Table, pl061);
        device.AddAction(pl061.MaskInterrupts, "pl061_mask_irqs");      // at unbind, before free_irq
        device.Info($"PL061 GPIO chip {pl061.Gpio.Name} registered");
        return pl061;
    }

    // The ID registers hold one byte each, in the low byte of consecutive words (amba_read_periphid).
    private static uint ReadId(IoMem io, uint first)
    {
        uint id = 0;
        for (uint i = 0; i < 4; i++) id |= (io.Read32(first + (4 * i)) & 0xFF) << (int)(8 * i);
        return id;
    }
}

/// <summary>
/// The driver's state (<c>struct pl061</c>): the register mapping, behind its <see cref="Devres{T}"/>,
/// and the lock that makes read-modify-write of a register atomic (<c>raw_spinlock_t lock</c>). It is
/// the gpio_chip gpiolib calls and the parent interrupt's handler. gpiolib reaches it through a
/// revocable reference, so nothing an open file does can call it after unbind; its register
/// accesses still take a guard, and answer ENODEV if the mapping is gone.
/// </summary>
internal sealed class Pl061(string name, Devres<IoMem> registers) : IGpioChip, IIrqHandler
{
    private readonly object _lock = new();
    private volatile GpioDevice? _gpio;

    public string Label => name;

    public int LineCount => Pl061Driver.LineCount;

    public Devres<IoMem> Registers => registers;

    /// <summary>The registered chip (set once gpiochip_add_data returned).</summary>
    public GpioDevice? Gpio
    {
        get => _gpio;
        set => _gpio = value;
    }

    // mirrors pl061_get_direction
    public KResult<bool> IsOutput(int offset)
    {
        using RevocableGuard<IoMem> io = registers.TryAccess();
        if (io.Value is null) return Errno.ENODEV;
        return (io.Value.Read8(GPIODIR) & Bit(offset)) != 0;
    }

    // mirrors pl061_direction_input
    public KResult DirectionInput(int offset)
    {
        using RevocableGuard<IoMem> io = registers.TryAccess();
        if (io.Value is null) return Errno.ENODEV;
        lock (_lock) io.Value.Write8((byte)(io.Value.Read8(GPIODIR) & ~Bit(offset)), GPIODIR);
        return KResult.Ok;
    }

    // mirrors pl061_direction_output: the value is written again after the pin became an output,
    // because the PL061 ignores data written to an input
    public KResult DirectionOutput(int offset, bool value)
    {
        using RevocableGuard<IoMem> io = registers.TryAccess();
        if (io.Value is null) return Errno.ENODEV;
        lock (_lock)
        {
            byte data = value ? Bit(offset) : (byte)0;
            io.Value.Write8(data, DataAddress(offset));
            io.Value.Write8((byte)(io.Value.Read8(GPIODIR) | Bit(offset)), GPIODIR);
            io.Value.Write8(data, DataAddress(offset));
        }
        return KResult.Ok;
    }

    // mirrors pl061_get_value: address bits [9:2] select the one pin read
    public KResult<bool> Get(int offset)
    {
        using RevocableGuard<IoMem> io = registers.TryAccess();
        if (io.Value is null) return Errno.ENODEV;
        return io.Value.Read8(DataAddress(offset)) != 0;
    }

    // mirrors pl061_set_value: and the same masking writes that pin alone, with no lock
    public KResult Set(int offset, bool value)
    {
        using RevocableGuard<IoMem> io = registers.TryAccess();
        if (io.Value is null) return Errno.ENODEV;
        io.Value.Write8(value ? Bit(offset) : (byte)0, DataAddress(offset));
        return KResult.Ok;
    }

    // mirrors pl061_irq_type (edges only: gpiolib-cdev requests no level interrupts)
    public KResult SetIrqType(int offset, GpioEdge edge)
    {
        using RevocableGuard<IoMem> io = registers.TryAccess();
        if (io.Value is null) return Errno.ENODEV;
        byte bit = Bit(offset);
        lock (_lock)
        {
            byte iev = io.Value.Read8(GPIOIEV), isense = io.Value.Read8(GPIOIS), ibe = io.Value.Read8(GPIOIBE);
            isense &= (byte)~bit; // disable level detection
            if (edge == GpioEdge.Both)
            {
                ibe |= bit; // both edges; GPIOIEV is ignored
            }
            else
            {
                ibe &= (byte)~bit;
                if (edge == GpioEdge.Rising) iev |= bit;
                else iev &= (byte)~bit;
            }
            io.Value.Write8(isense, GPIOIS);
            io.Value.Write8(ibe, GPIOIBE);
            io.Value.Write8(iev, GPIOIEV);
        }
        return KResult.Ok;
    }

    // mirrors pl061_irq_mask / pl061_irq_unmask
    public KResult SetIrqEnabled(int offset, bool enabled)
    {
        using RevocableGuard<IoMem> io = registers.TryAccess();
        if (io.Value is null) return Errno.ENODEV;
        lock (_lock)
        {
            byte ie = io.Value.Read8(GPIOIE);
            io.Value.Write8(enabled ? (byte)(ie | Bit(offset)) : (byte)(ie & ~Bit(offset)), GPIOIE);
        }
        return KResult.Ok;
    }

    // mirrors pl061_irq_handler with handle_edge_irq's pl061_irq_ack: the parent interrupt, on the
    // interrupt thread. Its registration is freed before the mapping at unbind, so the device is
    // bound here and the mapping is reached without a guard.
    public IrqReturn Handle(BoundDevice device)
    {
        IoMem io = registers.Access(device);
        byte pending = io.Read8(GPIOMIS);
        if (pending == 0) return IrqReturn.None;
        for (int offset = 0; offset < Pl061Driver.LineCount; offset++)
        {
            if ((pending & Bit(offset)) == 0) continue;
            io.Write8(Bit(offset), GPIOIC); // irq_ack: clear the latched edge
            _gpio?.HandleNestedIrq(offset); // generic_handle_irq
        }
        return IrqReturn.Handled;
    }

    /// <summary>The devm action: mask every line's interrupt (<c>writeb(0, GPIOIE)</c>).</summary>
    public void MaskInterrupts()
    {
        using RevocableGuard<IoMem> io = registers.TryAccess();
        io.Value?.Write8(0, GPIOIE);
    }

    /// <summary>The registers as text, for the debugfs dump.</summary>
    public string DumpRegisters()
    {
        using RevocableGuard<IoMem> io = registers.TryAccess();
        if (io.Value is not { } r) return "gone\n";
        var text = new StringBuilder();
        text.Append($"GPIODATA  0x{r.Read8(0x3FC):x2}\n");
        foreach ((string reg, uint at) in new[] { ("GPIODIR", GPIODIR), ("GPIOIS", GPIOIS), ("GPIOIBE", GPIOIBE), ("GPIOIEV", GPIOIEV), ("GPIOIE", GPIOIE), ("GPIORIS", GPIORIS), ("GPIOMIS", GPIOMIS) })
            text.Append($"{reg,-9} 0x{r.Read8(at):x2}\n");
        return text.ToString();
    }

    private static byte Bit(int offset) => (byte)(1 << offset);

    private static uint DataAddress(int offset) => GPIODATA + ((uint)Bit(offset) << 2);
}

/// <summary>
/// <c>/sys/kernel/debug/pl061.N/registers</c>: the register dump. The debugfs directory is a devm
/// resource: it is removed at unbind (its proxy drains calls in flight), so the data word never
/// outlives the binding.
/// </summary>
[FileOperations]
internal static partial class Pl061RegistersFile
{
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position)
    {
        if (file.Inode.Data<Pl061>() is not { } pl061) return Errno.ENODEV;
        byte[] text = Encoding.ASCII.GetBytes(pl061.DumpRegisters());
        if (position >= text.Length) return (nuint)0;
        KResult<nuint> n = destination.WriteSome(text.AsSpan((int)position));
        if (n.TryGetValue(out nuint written)) position += (long)written;
        return n;
    }

    [Lseek]
    private static KResult<long> Lseek(FileRef file, long offset, Whence whence) => Llseek.DefaultLlseek(file, offset, whence, 0);
}
