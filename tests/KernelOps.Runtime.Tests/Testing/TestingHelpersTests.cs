using System;
using System.Linq;
using KernelOps.Model;
using KernelOps.Runtime.Tests.Model;
using KernelOps.Testing;

namespace KernelOps.Runtime.Tests.Testing;

/// <summary>
/// KernelOps.Testing, the helpers a driver's own test project uses: each failure is an exception
/// that names the syscall, its path or fd and the errno, and the leak assertions name what leaked.
/// </summary>
public class TestingHelpersTests
{
    private static DeviceModule StatefulModule(DeviceCounters data) =>
        new("helpers", c => c.Devices.RegisterMisc("st", StatefulDevice.Table, data: data, mode: 0x1B6));

    [Test]
    public void AFailedSyscall_ThrowsNamingTheSyscallPathAndErrno()
    {
        using var test = new TestKernel();
        var open = Assert.Throws<KernelErrorException>(() => test.Shell.Open("/dev/nope", OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK));
        Assert.That(open!.Errno, Is.EqualTo(Errno.ENOENT));
        Assert.That(open.Message, Is.EqualTo("open(\"/dev/nope\", O_RDONLY|O_NONBLOCK): ENOENT (No such file or directory)"));

        var stat = Assert.Throws<KernelErrorException>(() => test.Shell.Stat("/proc/nope"));
        Assert.That(stat!.Message, Does.StartWith("stat(\"/proc/nope\"): ENOENT"));
        Assert.That(test.Shell.Exists("/proc/devices"), Is.True);
        Assert.That(test.Shell.Exists("/proc/nope"), Is.False);
    }

    [Test]
    public void AModulesDevice_IsDrivenThroughTheFileHelpers()
    {
        var data = new DeviceCounters { Text = "helpers\n" };
        using var test = TestKernel.WithModule(StatefulModule(data));
        using (TestFile file = test.Shell.Open("/dev/st"))
        {
            Assert.That(file.ReadText(4), Is.EqualTo("help"));
            Assert.That(file.ReadToEnd(2), Is.EqualTo("ers\n"u8.ToArray()), "read until 0 continues from the position");
            var info = new DeviceInfo();
            Assert.That(file.Ioctl(StatefulDevice.GetInfo, ref info), Is.Zero);
            Assert.That(info.Opens, Is.EqualTo(1));
            Assert.That(info.Cookie, Is.EqualTo(0x1234_5678_9ABC), "the driver's copy_to_user came back");
            var cookie = new DeviceInfo { Cookie = 99 };
            Assert.That(file.Ioctl(StatefulDevice.SetCookie, ref cookie), Is.EqualTo(99), "copy_from_user saw the argument");
            Assert.That(file.Ioctl(StatefulDevice.Ping), Is.EqualTo(7));
            var ioctl = Assert.Throws<KernelErrorException>(() => file.Ioctl(0xDEAD));
            Assert.That(ioctl!.Errno, Is.EqualTo(Errno.ENOTTY));
            Assert.That(ioctl.Message, Is.EqualTo($"ioctl({file.Fd} \"/dev/st\", 0xdead, 0x0): ENOTTY (Inappropriate ioctl for device)"));
            Assert.That(file.Poll(PollEvents.In), Is.EqualTo(PollEvents.None), "the device is not ready");
            data.Ready = true;
            Assert.That(file.Poll(PollEvents.In | PollEvents.RdNorm), Is.EqualTo(PollEvents.In | PollEvents.RdNorm), "revents: what is ready of what was asked");
            file.Fsync();
            Assert.That(data.Fsyncs, Is.EqualTo(1));
            var seek = Assert.Throws<KernelErrorException>(() => file.Seek(0));
            Assert.That(seek!.Errno, Is.EqualTo(Errno.ESPIPE), "a device without llseek");
            var busy = Assert.Throws<KernelErrorException>(() => test.Unload("helpers"));
            Assert.That(busy!.Errno, Is.EqualTo(Errno.EAGAIN), "rmmod of a module in use");
        }
        Assert.That(data.Releases, Is.EqualTo(1), "Dispose closed it");
        test.Unload("helpers");
        Assert.That(test.Shell.Exists("/dev/st"), Is.False);
        test.ShutDownAndAssertNoLeaks();
    }

    [Test]
    public void LeakCheckpoints_NameWhatLeaked()
    {
        var data = new DeviceCounters();
        using var test = TestKernel.WithModule(StatefulModule(data));
        LeakCheckpoint clean = test.Checkpoint();
        TestFile forgotten = test.Shell.Open("/dev/st", OpenFlags.O_RDONLY);
        var leak = Assert.Throws<KernelLeakException>(clean.AssertNoLeaks);
        Assert.That(leak!.Message, Does.Contain("struct files 0 -> 1").And.Contain("descriptors 0 -> 1").And.Contain("since the checkpoint"));
        Assert.That(leak.Actual.LiveFiles, Is.EqualTo(leak.Expected.LiveFiles + 1));
        forgotten.Close();
        clean.AssertNoLeaks();
    }

    [Test]
    public void ShutDown_FindsAFileReferenceADriverNeverDropped()
    {
        var keeper = new Keeper();
        var test = TestKernel.WithModule(new DeviceModule("keeper", c => c.Devices.RegisterMisc("keeper", KeepingDevice.Table, data: keeper)));
        using (TestFile file = test.Shell.Open("/dev/keeper"))
            file.Ioctl(KeepingDevice.Keep);
        var leak = Assert.Throws<KernelLeakException>(test.ShutDownAndAssertNoLeaks);
        Assert.That(leak!.Message, Does.Contain("file references 0 -> 1").And.Contain("after the kernel's shutdown"));
        keeper.Kept!.Dispose();
        Assert.That(test.Kernel.Statistics.IsEmpty, Is.True, "the reference held the file; dropping it frees everything");
    }

    [Test]
    public void TheHelpers_DependOnNoTestFramework()
    {
        string[] references = typeof(TestKernel).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();
        Assert.That(references.Where(r => r.Contains("nunit", StringComparison.OrdinalIgnoreCase)
            || r.Contains("xunit", StringComparison.OrdinalIgnoreCase) || r.Contains("MSTest", StringComparison.OrdinalIgnoreCase)
            || r.Contains("TestPlatform", StringComparison.OrdinalIgnoreCase)), Is.Empty);
    }
}
