using System;
using KernelOps.Model;

namespace KernelOps.Samples.Pl061.Hardware;

/// <summary>
/// A register-level model of the ARM PrimeCell PL061 GPIO controller (ARM DDI 0190B): eight pins,
/// the masked data register, direction, the interrupt sense/edge/event/enable registers, raw and
/// masked status, interrupt clear, the alternate-function select and the peripheral and PrimeCell
/// ID registers. The combined interrupt output (GPIOINTR, the OR of the masked status) drives an
/// interrupt line. The test-facing side drives input pins (<see cref="SetInput"/>) and watches the
/// outputs (<see cref="Output"/>). Registers are 8 bits wide on a 32-bit bus: reads of any width
/// return the register in the low byte, writes take the low byte. Thread-safe.
/// </summary>
public sealed class Pl061Hardware : IMmioHardware
{
    /// <summary>The size of the register window.</summary>
    public const uint WindowSize = 0x1000;

    /// <summary>GPIODATA: 0x000-0x3FC, address bits [9:2] mask the bits read or written.</summary>
    public const uint GPIODATA = 0x000;
    /// <summary>GPIODIR: 1 = output.</summary>
    public const uint GPIODIR = 0x400;
    /// <summary>GPIOIS: interrupt sense, 1 = level, 0 = edge.</summary>
    public const uint GPIOIS = 0x404;
    /// <summary>GPIOIBE: 1 = both edges (GPIOIEV ignored).</summary>
    public const uint GPIOIBE = 0x408;
    /// <summary>GPIOIEV: 1 = rising edge or high level, 0 = falling edge or low level.</summary>
    public const uint GPIOIEV = 0x40C;
    /// <summary>GPIOIE: interrupt mask, 1 = enabled.</summary>
    public const uint GPIOIE = 0x410;
    /// <summary>GPIORIS: raw interrupt status (read only).</summary>
    public const uint GPIORIS = 0x414;
    /// <summary>GPIOMIS: masked interrupt status, RIS &amp; IE (read only).</summary>
    public const uint GPIOMIS = 0x418;
    /// <summary>GPIOIC: interrupt clear, write 1s to clear latched edges (write only).</summary>
    public const uint GPIOIC = 0x41C;
    /// <summary>GPIOAFSEL: alternate function select (stored, no effect on the model's pins).</summary>
    public const uint GPIOAFSEL = 0x420;
    /// <summary>GPIOPeriphID0: the first of four peripheral ID registers (0xFE0-0xFEC).</summary>
    public const uint GPIOPeriphID0 = 0xFE0;
    /// <summary>GPIOPCellID0: the first of four PrimeCell ID registers (0xFF0-0xFFC).</summary>
    public const uint GPIOPCellID0 = 0xFF0;

    /// <summary>The peripheral ID as amba_read_periphid assembles it: part 0x061, designer 0x41 (ARM), revision 0, configuration 0.</summary>
    public const uint PeriphId = 0x00041061;
    /// <summary>The PrimeCell ID every PrimeCell carries (AMBA_CID).</summary>
    public const uint PrimeCellId = 0xB105F00D;

    private readonly object _lock = new();
    private readonly uint _periphId;
    private byte _data, _dir, _is, _ibe, _iev, _ie, _ris, _afsel;
    private byte _pins; // the level on each pin's input side (what drives an input pin)
    private InterruptLine? _line;

    /// <summary>A PL061 (or, with another <paramref name="periphId"/>, a device that answers like something else).</summary>
    public Pl061Hardware(uint periphId = PeriphId) => _periphId = periphId;

    /// <summary>How many register reads and writes the bus made.</summary>
    public long Accesses { get; private set; }

    /// <summary>Wires GPIOINTR to <paramref name="line"/> (a level-triggered interrupt line).</summary>
    public void Connect(InterruptLine line)
    {
        lock (_lock)
        {
            _line = line;
            UpdateInterruptLocked();
        }
    }

    /// <summary>The outside world drives input pin <paramref name="pin"/> high or low; edges latch interrupts as programmed.</summary>
    public void SetInput(int pin, bool high)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pin);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pin, 7);
        lock (_lock)
        {
            byte bit = (byte)(1 << pin);
            bool was = (_pins & bit) != 0;
            _pins = high ? (byte)(_pins | bit) : (byte)(_pins & ~bit);
            if (was != high && (_dir & bit) == 0 && (_is & bit) == 0)
            {
                // edge-sensitive input: both edges, or the one GPIOIEV selects
                if ((_ibe & bit) != 0 || ((_iev & bit) != 0) == high) _ris |= bit;
            }
            UpdateInterruptLocked();
        }
    }

    /// <summary>The level the chip drives on <paramref name="pin"/>, or null when it is an input.</summary>
    public bool? Output(int pin)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pin);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pin, 7);
        lock (_lock) return (_dir & (1 << pin)) == 0 ? null : (_data & (1 << pin)) != 0;
    }

    /// <summary>GPIODIR as the pins see it (1 = output).</summary>
    public byte Direction
    {
        get { lock (_lock) return _dir; }
    }

    /// <summary>GPIOIE: the pins whose interrupts are enabled.</summary>
    public byte InterruptMask
    {
        get { lock (_lock) return _ie; }
    }

    /// <inheritdoc/>
    public uint Read(uint offset, int size)
    {
        lock (_lock)
        {
            Accesses++;
            if (offset % 4 != 0) return 0; // the PL061 decodes word addresses only
            if (offset < GPIODIR)
            {
                byte mask = (byte)(offset >> 2);
                byte value = (byte)((_dir & _data) | (~_dir & _pins));
                return (uint)(value & mask);
            }
            return offset switch
            {
                GPIODIR => _dir,
                GPIOIS => _is,
                GPIOIBE => _ibe,
                GPIOIEV => _iev,
                GPIOIE => _ie,
                GPIORIS => RawStatusLocked(),
                GPIOMIS => (uint)(RawStatusLocked() & _ie),
                GPIOAFSEL => _afsel,
                >= GPIOPeriphID0 and < GPIOPCellID0 => (_periphId >> (int)((offset - GPIOPeriphID0) / 4 * 8)) & 0xFF,
                >= GPIOPCellID0 and < WindowSize => (PrimeCellId >> (int)((offset - GPIOPCellID0) / 4 * 8)) & 0xFF,
                _ => 0, // reserved; GPIOIC reads as 0
            };
        }
    }

    /// <inheritdoc/>
    public void Write(uint offset, int size, uint value)
    {
        lock (_lock)
        {
            Accesses++;
            if (offset % 4 != 0) return;
            byte v = (byte)value;
            if (offset < GPIODIR)
            {
                // only pins that are outputs latch what is written (the driver writes the value
                // again after switching a pin to output, as pl061_direction_output says)
                byte mask = (byte)((offset >> 2) & _dir);
                _data = (byte)((_data & ~mask) | (v & mask));
                return;
            }
            switch (offset)
            {
                case GPIODIR:
                    _data &= v; // a pin that stops being an output stops holding a value
                    _dir = v;
                    break;
                case GPIOIS: _is = v; break;
                case GPIOIBE: _ibe = v; break;
                case GPIOIEV: _iev = v; break;
                case GPIOIE: _ie = v; break;
                case GPIOIC: _ris &= (byte)~v; break; // clears latched edges; levels stay
                case GPIOAFSEL: _afsel = v; break;
                default: return; // read-only or reserved
            }
            UpdateInterruptLocked();
        }
    }

    // GPIORIS: latched edges, plus the level-sensitive pins whose level matches GPIOIEV.
    private byte RawStatusLocked()
    {
        byte levels = (byte)(_is & ~_dir & ~(_pins ^ _iev));
        return (byte)((_ris & ~_is) | levels);
    }

    private void UpdateInterruptLocked() => _line?.SetLevel((RawStatusLocked() & _ie) != 0);
}
