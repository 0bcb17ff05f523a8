using System;
using KernelOps;

namespace KernelOps.Samples.Pl061.Gpio;

/// <summary>The per-open state of <c>/dev/gpiochipN</c> (<c>struct gpio_chardev_data</c>): the chip it was opened on.</summary>
internal sealed class ChipFile(GpioDevice device)
{
    public GpioDevice Device { get; } = device;
}

/// <summary>
/// <c>/dev/gpiochipN</c>: drivers/gpio/gpiolib-cdev.c's gpio_fileops for the ABI v2 subset this
/// sample serves: GPIO_GET_CHIPINFO_IOCTL, GPIO_V2_GET_LINEINFO_IOCTL and GPIO_V2_GET_LINE_IOCTL (a
/// line request on a new descriptor). Other commands answer EINVAL, as gpio_ioctl does; line-info
/// watches (GPIO_V2_GET_LINEINFO_WATCH_IOCTL, reading the chip file) are not served. The device is
/// registered by a bound driver, so its files are disconnected at unbind without code here: calls
/// then answer ENODEV, as gpiolib-cdev's numbed chip does.
/// </summary>
[FileOperations(NonSeekable = true)]
internal static partial class GpioChipFile
{
    // mirrors drivers/gpio/gpiolib-cdev.c:gpio_chrdev_open
    [Open]
    private static OpenResult<ChipFile> Open(Inode inode, FileRef file)
    {
        if (file.DeviceData<GpioDevice>() is not { } gdev || gdev.IsRemoved) return Errno.ENODEV;
        file.NonseekableOpen();
        return new ChipFile(gdev);
    }

    // mirrors drivers/gpio/gpiolib-cdev.c:gpio_ioctl
    [Ioctl]
    private static unsafe KResult<long> Ioctl(ChipFile open, FileRef file, uint command, nuint argument)
    {
        GpioDevice gdev = open.Device;
        using RevocableGuard<IGpioChip> chip = gdev.Chip.TryAccess(); // guard(srcu)(&gdev->srcu)
        if (chip.Value is null) return Errno.ENODEV;

        if (command == GpioUapi.GetChipInfo)
        {
            GpioChipInfo info = default;
            GpioUapi.CopyName(info.name, GpioUapi.MaxNameSize, gdev.Name);
            GpioUapi.CopyName(info.label, GpioUapi.MaxNameSize, gdev.Label);
            info.lines = (uint)gdev.LineCount;
            return Copied(new UserPtr<GpioChipInfo>(argument).Write(info));
        }
        if (command == GpioUapi.GetLineInfo)
        {
            var user = new UserPtr<GpioV2LineInfo>(argument);
            KResult copied = user.Read(out GpioV2LineInfo request);
            if (!copied.IsOk) return copied.Error;
            for (int i = 0; i < 4; i++)
                if (request.padding[i] != 0) return Errno.EINVAL;
            if (request.offset >= (uint)gdev.LineCount) return Errno.EINVAL;
            GpioV2LineInfo info = LineInfo(gdev, chip.Value, (int)request.offset);
            return Copied(user.Write(info));
        }
        if (command == GpioUapi.GetLine)
        {
            return LineRequest.Create(gdev, chip.Value, file, argument);
        }
        return Errno.EINVAL;
    }

    // mirrors drivers/gpio/gpiolib-cdev.c:gpio_desc_to_lineinfo
    private static unsafe GpioV2LineInfo LineInfo(GpioDevice gdev, IGpioChip chip, int offset)
    {
        GpioV2LineInfo info = default; // memset(info, 0, sizeof(*info))
        info.offset = (uint)offset;
        GpioV2LineFlags flags = GpioV2LineFlags.None;
        lock (gdev.Lock)
        {
            GpioLine line = gdev.Line(offset);
            if (line.Consumer is { } consumer)
            {
                flags |= GpioV2LineFlags.Used;
                GpioUapi.CopyName(info.consumer, GpioUapi.MaxNameSize, consumer);
            }
            if (line.ActiveLow) flags |= GpioV2LineFlags.ActiveLow;
            flags |= line.Edges;
        }
        if (chip.IsOutput(offset).TryGetValue(out bool output))
            flags |= output ? GpioV2LineFlags.Output : GpioV2LineFlags.Input;
        info.flags = (ulong)flags;
        return info;
    }

    private static KResult<long> Copied(KResult copied) => copied.WithValue(0L);
}
