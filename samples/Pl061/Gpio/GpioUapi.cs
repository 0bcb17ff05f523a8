using System;
using System.Runtime.InteropServices;
using System.Text;
using KernelOps;

namespace KernelOps.Samples.Pl061.Gpio;

// The subset of include/uapi/linux/gpio.h (ABI v2) the GPIO character device serves, byte for byte:
// tests/KernelOps.Samples.Tests/Pl061/GpioUapiLayoutTests.cs compiles the real header with gcc and
// compares every size, offset and ioctl number.

/// <summary><c>struct gpiochip_info</c> (68 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioChipInfo
{
    /// <summary>The kernel name of the chip (<c>gpiochip0</c>).</summary>
    public fixed byte name[GpioUapi.MaxNameSize];
    /// <summary>A functional name (the driver's label, <c>pl061.0</c>).</summary>
    public fixed byte label[GpioUapi.MaxNameSize];
    /// <summary>The number of lines.</summary>
    public uint lines;
}

/// <summary><c>struct gpio_v2_line_attribute</c> (16 bytes): id, padding, then the union of flags / values / debounce_period_us.</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GpioV2LineAttribute
{
    /// <summary>A <see cref="GpioV2AttributeId"/>.</summary>
    public uint id;
    /// <summary>Must be zero.</summary>
    public uint padding;
    /// <summary>The union: <c>flags</c> (FLAGS), <c>values</c> (OUTPUT_VALUES) or, in the low 32 bits, <c>debounce_period_us</c>.</summary>
    public ulong value;
}

/// <summary><c>struct gpio_v2_line_config_attribute</c> (24 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GpioV2LineConfigAttribute
{
    /// <summary>The attribute.</summary>
    public GpioV2LineAttribute attr;
    /// <summary>The requested lines (by index in the request) it applies to.</summary>
    public ulong mask;
}

/// <summary><c>struct gpio_v2_line_config</c> (272 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineConfig
{
    /// <summary>Default <see cref="GpioV2LineFlags"/> of every requested line.</summary>
    public ulong flags;
    /// <summary>How many of <see cref="attrs"/> are used.</summary>
    public uint num_attrs;
    /// <summary>Must be zero.</summary>
    public fixed uint padding[5];
    /// <summary><c>struct gpio_v2_line_config_attribute attrs[10]</c>, 24 bytes each (use <see cref="Attribute"/>).</summary>
    public fixed ulong attrs[GpioUapi.LineNumAttrsMax * 3];

    /// <summary>attrs[<paramref name="index"/>].</summary>
    public GpioV2LineConfigAttribute Attribute(int index)
    {
        if ((uint)index >= GpioUapi.LineNumAttrsMax) throw new ArgumentOutOfRangeException(nameof(index));
        fixed (ulong* a = attrs) return ((GpioV2LineConfigAttribute*)a)[index];
    }

    /// <summary>attrs[<paramref name="index"/>] = <paramref name="value"/>.</summary>
    public void SetAttribute(int index, GpioV2LineConfigAttribute value)
    {
        if ((uint)index >= GpioUapi.LineNumAttrsMax) throw new ArgumentOutOfRangeException(nameof(index));
        fixed (ulong* a = attrs) ((GpioV2LineConfigAttribute*)a)[index] = value;
    }
}

/// <summary><c>struct gpio_v2_line_request</c> (592 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineRequest
{
    /// <summary>The chip offsets of the requested lines.</summary>
    public fixed uint offsets[GpioUapi.LinesMax];
    /// <summary>The consumer label (NUL-terminated).</summary>
    public fixed byte consumer[GpioUapi.MaxNameSize];
    /// <summary>The lines' configuration.</summary>
    public GpioV2LineConfig config;
    /// <summary>How many of <see cref="offsets"/> are requested (1..64).</summary>
    public uint num_lines;
    /// <summary>Events to buffer; 0: num_lines * 16.</summary>
    public uint event_buffer_size;
    /// <summary>Must be zero.</summary>
    public fixed uint padding[5];
    /// <summary>Out: the line request's file descriptor.</summary>
    public int fd;
}

/// <summary><c>struct gpio_v2_line_info</c> (256 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineInfo
{
    /// <summary>The line's name, may be empty.</summary>
    public fixed byte name[GpioUapi.MaxNameSize];
    /// <summary>Its consumer's label, empty when unused.</summary>
    public fixed byte consumer[GpioUapi.MaxNameSize];
    /// <summary>In: the line's offset on the chip.</summary>
    public uint offset;
    /// <summary>How many of <see cref="attrs"/> are used.</summary>
    public uint num_attrs;
    /// <summary><see cref="GpioV2LineFlags"/>.</summary>
    public ulong flags;
    /// <summary><c>struct gpio_v2_line_attribute attrs[10]</c>, 16 bytes each.</summary>
    public fixed ulong attrs[GpioUapi.LineNumAttrsMax * 2];
    /// <summary>Reserved.</summary>
    public fixed uint padding[4];
}

/// <summary><c>struct gpio_v2_line_values</c> (16 bytes).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct GpioV2LineValues
{
    /// <summary>The values, bit i for the request's line i (1: active).</summary>
    public ulong bits;
    /// <summary>Which of the request's lines to get or set.</summary>
    public ulong mask;
}

/// <summary><c>struct gpio_v2_line_event</c> (48 bytes): what read(2) of a line request returns.</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct GpioV2LineEvent
{
    /// <summary>CLOCK_MONOTONIC time of the edge, in nanoseconds.</summary>
    public ulong timestamp_ns;
    /// <summary>A <see cref="GpioV2LineEventId"/>.</summary>
    public uint id;
    /// <summary>The chip offset of the line.</summary>
    public uint offset;
    /// <summary>The event's number among all the request's events (from 1).</summary>
    public uint seqno;
    /// <summary>The event's number among this line's events (from 1).</summary>
    public uint line_seqno;
    /// <summary>Reserved.</summary>
    public fixed uint padding[6];
}

/// <summary><c>enum gpio_v2_line_flag</c>.</summary>
[Flags]
public enum GpioV2LineFlags : ulong
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>GPIO_V2_LINE_FLAG_USED.</summary>
    Used = 1UL << 0,
    /// <summary>GPIO_V2_LINE_FLAG_ACTIVE_LOW.</summary>
    ActiveLow = 1UL << 1,
    /// <summary>GPIO_V2_LINE_FLAG_INPUT.</summary>
    Input = 1UL << 2,
    /// <summary>GPIO_V2_LINE_FLAG_OUTPUT.</summary>
    Output = 1UL << 3,
    /// <summary>GPIO_V2_LINE_FLAG_EDGE_RISING.</summary>
    EdgeRising = 1UL << 4,
    /// <summary>GPIO_V2_LINE_FLAG_EDGE_FALLING.</summary>
    EdgeFalling = 1UL << 5,
    /// <summary>GPIO_V2_LINE_FLAG_OPEN_DRAIN.</summary>
    OpenDrain = 1UL << 6,
    /// <summary>GPIO_V2_LINE_FLAG_OPEN_SOURCE.</summary>
    OpenSource = 1UL << 7,
    /// <summary>GPIO_V2_LINE_FLAG_BIAS_PULL_UP.</summary>
    BiasPullUp = 1UL << 8,
    /// <summary>GPIO_V2_LINE_FLAG_BIAS_PULL_DOWN.</summary>
    BiasPullDown = 1UL << 9,
    /// <summary>GPIO_V2_LINE_FLAG_BIAS_DISABLED.</summary>
    BiasDisabled = 1UL << 10,
    /// <summary>GPIO_V2_LINE_FLAG_EVENT_CLOCK_REALTIME.</summary>
    EventClockRealtime = 1UL << 11,
    /// <summary>GPIO_V2_LINE_FLAG_EVENT_CLOCK_HTE.</summary>
    EventClockHte = 1UL << 12,
}

/// <summary><c>enum gpio_v2_line_attr_id</c>.</summary>
public enum GpioV2AttributeId : uint
{
    /// <summary>GPIO_V2_LINE_ATTR_ID_FLAGS.</summary>
    Flags = 1,
    /// <summary>GPIO_V2_LINE_ATTR_ID_OUTPUT_VALUES.</summary>
    OutputValues = 2,
    /// <summary>GPIO_V2_LINE_ATTR_ID_DEBOUNCE.</summary>
    Debounce = 3,
}

/// <summary><c>enum gpio_v2_line_event_id</c>.</summary>
public enum GpioV2LineEventId : uint
{
    /// <summary>GPIO_V2_LINE_EVENT_RISING_EDGE.</summary>
    RisingEdge = 1,
    /// <summary>GPIO_V2_LINE_EVENT_FALLING_EDGE.</summary>
    FallingEdge = 2,
}

/// <summary>The uAPI's limits and ioctl numbers.</summary>
public static class GpioUapi
{
    /// <summary>GPIO_MAX_NAME_SIZE.</summary>
    public const int MaxNameSize = 32;
    /// <summary>GPIO_V2_LINES_MAX.</summary>
    public const int LinesMax = 64;
    /// <summary>GPIO_V2_LINE_NUM_ATTRS_MAX.</summary>
    public const int LineNumAttrsMax = 10;
    /// <summary>The ioctl type byte of the GPIO character device.</summary>
    public const uint IoctlType = 0xB4;

    /// <summary>GPIO_GET_CHIPINFO_IOCTL: _IOR(0xB4, 0x01, struct gpiochip_info).</summary>
    public static readonly uint GetChipInfo = IoctlNumber.IOR<GpioChipInfo>(IoctlType, 0x01);
    /// <summary>GPIO_V2_GET_LINEINFO_IOCTL: _IOWR(0xB4, 0x05, struct gpio_v2_line_info).</summary>
    public static readonly uint GetLineInfo = IoctlNumber.IOWR<GpioV2LineInfo>(IoctlType, 0x05);
    /// <summary>GPIO_V2_GET_LINE_IOCTL: _IOWR(0xB4, 0x07, struct gpio_v2_line_request).</summary>
    public static readonly uint GetLine = IoctlNumber.IOWR<GpioV2LineRequest>(IoctlType, 0x07);
    /// <summary>GPIO_V2_LINE_SET_CONFIG_IOCTL: _IOWR(0xB4, 0x0D, struct gpio_v2_line_config) (not served: EINVAL).</summary>
    public static readonly uint LineSetConfig = IoctlNumber.IOWR<GpioV2LineConfig>(IoctlType, 0x0D);
    /// <summary>GPIO_V2_LINE_GET_VALUES_IOCTL: _IOWR(0xB4, 0x0E, struct gpio_v2_line_values).</summary>
    public static readonly uint LineGetValues = IoctlNumber.IOWR<GpioV2LineValues>(IoctlType, 0x0E);
    /// <summary>GPIO_V2_LINE_SET_VALUES_IOCTL: _IOWR(0xB4, 0x0F, struct gpio_v2_line_values).</summary>
    public static readonly uint LineSetValues = IoctlNumber.IOWR<GpioV2LineValues>(IoctlType, 0x0F);

    /// <summary>strscpy into a fixed char array: at most <paramref name="size"/> - 1 bytes and a NUL.</summary>
    public static unsafe void CopyName(byte* destination, int size, string text)
    {
        int n = Encoding.UTF8.GetBytes(text, new Span<byte>(destination, size - 1));
        new Span<byte>(destination + n, size - n).Clear();
    }

    /// <summary>A NUL-terminated fixed char array as text.</summary>
    public static unsafe string ReadName(byte* source, int size)
    {
        var bytes = new ReadOnlySpan<byte>(source, size);
        int end = bytes.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? bytes : bytes[..end]);
    }
}
