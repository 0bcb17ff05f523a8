using System;
using System.Linq;
using KernelOps.Model;
using KernelOps.Samples.Pl061;
using KernelOps.Samples.Pl061.Gpio;

namespace KernelOps.Samples.Tests.Pl061;

/// <summary>
/// A kernel with gpiolib and the pl061 module loaded, /dev/gpiochip0 made, and a shell with the
/// GPIO tools. Dispose checks the sanitizer found nothing and the kernel leaked nothing.
/// </summary>
internal sealed class Pl061TestSession : IDisposable
{
    public readonly Kernel Kernel = new();
    public readonly Pl061Module Module;
    public readonly UserProcess Shell;
    public readonly GpioTool Gpio;

    public Pl061TestSession()
    {
        Module = Pl061Module.Load(Kernel);
        Shell = Kernel.CreateProcess("sh");
        Gpio = new GpioTool(Shell);
        uint major = GpioSubsystem.For(Kernel)!.Major;
        for (int i = 0; i < 4; i++)
            Assert.That(Shell.Mknod($"/dev/gpiochip{i}", StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(major, (uint)i)), Is.Zero);
    }

    public Pl061Board Plug(int id = 0) => Pl061Board.Plug(Kernel, id);

    /// <summary>Opens /dev/gpiochip<paramref name="n"/>, which must succeed.</summary>
    public int OpenChip(int n = 0)
    {
        int fd = Gpio.OpenChip($"/dev/gpiochip{n}");
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"open /dev/gpiochip{n}");
        return fd;
    }

    /// <summary>Requests lines on a fresh chip fd (closed again: the request keeps the device), which must succeed.</summary>
    public int Request(uint[] offsets, GpioV2LineFlags flags, ulong outputValues = 0, string consumer = "test")
    {
        int chip = OpenChip();
        long fd = Gpio.RequestLines(chip, offsets, flags, consumer, outputValues);
        Assert.That(Shell.Close(chip), Is.Zero);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"GPIO_V2_GET_LINE_IOCTL: {(fd < 0 ? (Errno)(-fd) : 0)}");
        return (int)fd;
    }

    public static int Err(Errno e) => -(int)e;

    public void Dispose()
    {
        var reports = Kernel.Sanitizer.Reports;
        Assert.That(reports, Is.Empty, "sanitizer: " + string.Join("\n", reports.Select(r => r.Title + ": " + r.Detail)));
        Kernel.Dispose();
        Assert.That(Kernel.Statistics.IsEmpty, Is.True, $"nothing leaked: {Kernel.Statistics}");
    }
}
