using System;
using System.Runtime.InteropServices;
using KernelOps;
using KernelOps.Model;

namespace KernelOps.Samples.Pl061.Gpio;

/// <summary>
/// What libgpiod's tools (gpiodetect, gpioinfo, gpioset, gpioget, gpiomon) do, as raw syscalls of a
/// model process: every struct goes through the process's user memory and the ioctl numbers of
/// include/uapi/linux/gpio.h. Methods return the syscall's result (&gt;= 0 or -errno).
/// </summary>
public sealed class GpioTool(UserProcess process)
{
    /// <summary>The process the calls are made as.</summary>
    public UserProcess Process { get; } = process;

    /// <summary>open(2) of a chip node, read-only as gpiodetect opens it.</summary>
    public int OpenChip(string path) => Process.Open(path, OpenFlags.O_RDONLY);

    /// <summary>GPIO_GET_CHIPINFO_IOCTL: name, label and line count, or the errno.</summary>
    public unsafe long ChipInfo(int fd, out string name, out string label, out uint lines)
    {
        GpioChipInfo info = default;
        long r = Call(fd, GpioUapi.GetChipInfo, ref info);
        name = GpioUapi.ReadName(info.name, GpioUapi.MaxNameSize);
        label = GpioUapi.ReadName(info.label, GpioUapi.MaxNameSize);
        lines = info.lines;
        return r;
    }

    /// <summary>GPIO_V2_GET_LINEINFO_IOCTL for <paramref name="offset"/>: its flags and consumer, or the errno.</summary>
    public unsafe long LineInfo(int fd, uint offset, out GpioV2LineFlags flags, out string consumer)
    {
        GpioV2LineInfo info = default;
        info.offset = offset;
        long r = Call(fd, GpioUapi.GetLineInfo, ref info);
        flags = (GpioV2LineFlags)info.flags;
        consumer = GpioUapi.ReadName(info.consumer, GpioUapi.MaxNameSize);
        return r;
    }

    /// <summary>
    /// GPIO_V2_GET_LINE_IOCTL: requests <paramref name="offsets"/> with <paramref name="flags"/>
    /// (outputs start at <paramref name="outputValues"/>, bit i for line i). Returns the line
    /// request's fd, or -errno.
    /// </summary>
    public unsafe long RequestLines(int fd, uint[] offsets, GpioV2LineFlags flags, string consumer, ulong outputValues = 0, uint eventBufferSize = 0)
    {
        ArgumentNullException.ThrowIfNull(offsets);
        ArgumentNullException.ThrowIfNull(consumer);
        GpioV2LineRequest request = default;
        for (int i = 0; i < offsets.Length && i < GpioUapi.LinesMax; i++) request.offsets[i] = offsets[i];
        request.num_lines = (uint)offsets.Length;
        GpioUapi.CopyName(request.consumer, GpioUapi.MaxNameSize, consumer);
        request.config.flags = (ulong)flags;
        if ((flags & GpioV2LineFlags.Output) != 0 && outputValues != 0)
        {
            request.config.num_attrs = 1;
            request.config.SetAttribute(0, new GpioV2LineConfigAttribute
            {
                attr = new GpioV2LineAttribute { id = (uint)GpioV2AttributeId.OutputValues, value = outputValues },
                mask = offsets.Length >= 64 ? ulong.MaxValue : (1UL << offsets.Length) - 1,
            });
        }
        request.event_buffer_size = eventBufferSize;
        long r = Call(fd, GpioUapi.GetLine, ref request);
        return r < 0 ? r : request.fd;
    }

    /// <summary>GPIO_V2_LINE_GET_VALUES_IOCTL for the lines in <paramref name="mask"/>: the bits, or the errno.</summary>
    public long GetValues(int lineFd, ulong mask, out ulong bits)
    {
        var values = new GpioV2LineValues { mask = mask };
        long r = Call(lineFd, GpioUapi.LineGetValues, ref values);
        bits = values.bits;
        return r;
    }

    /// <summary>GPIO_V2_LINE_SET_VALUES_IOCTL.</summary>
    public long SetValues(int lineFd, ulong mask, ulong bits)
    {
        var values = new GpioV2LineValues { mask = mask, bits = bits };
        return Call(lineFd, GpioUapi.LineSetValues, ref values);
    }

    /// <summary>read(2) of one <c>struct gpio_v2_line_event</c>: its size, or -errno (EAGAIN, ENODEV, EINTR).</summary>
    public unsafe long ReadEvent(int lineFd, out GpioV2LineEvent e)
    {
        e = default;
        int size = sizeof(GpioV2LineEvent);
        UserMapping buffer = Process.Memory.Map((nuint)size);
        try
        {
            nint n = Process.Read(lineFd, buffer.Address, (nuint)size);
            if (n == size)
            {
                GpioV2LineEvent copy = default;
                Process.Memory.CopyFromUser(new Span<byte>(&copy, size), buffer.Address);
                e = copy;
            }
            return n;
        }
        finally
        {
            Process.Memory.Unmap(buffer.Address);
        }
    }

    /// <summary>An ioctl whose argument is <typeparamref name="T"/> in the process's memory, copied in and back.</summary>
    public unsafe long Call<T>(int fd, uint command, ref T argument) where T : unmanaged
    {
        UserMapping buffer = Process.Memory.Map((nuint)sizeof(T));
        try
        {
            Process.Memory.CopyToUser(buffer.Address, MemoryMarshal.AsBytes(new Span<T>(ref argument)));
            long r = Process.Ioctl(fd, command, buffer.Address);
            Process.Memory.CopyFromUser(MemoryMarshal.AsBytes(new Span<T>(ref argument)), buffer.Address);
            return r;
        }
        finally
        {
            Process.Memory.Unmap(buffer.Address);
        }
    }
}
