using System.Linq;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>
/// Registration makes the /dev node, as devtmpfs does on Linux (drivers/base/devtmpfs.c):
/// misc_register and device_create create /dev/NAME (0600 unless the driver says otherwise) and
/// deregistration removes it; a node someone else made is left alone.
/// </summary>
internal sealed class DevtmpfsTests : ModelTestBase
{
    private const uint Chr0600 = StatResult.S_IFCHR | 0x180, Chr0666 = StatResult.S_IFCHR | 0x1B6;

    private string ReadFd(int fd)
    {
        nuint buffer = Buffer(64);
        nint n = Proc.Read(fd, buffer, 64);
        Assert.That(n, Is.GreaterThanOrEqualTo((nint)0));
        return ReadString(buffer, (int)n);
    }

    [Test]
    public void MiscRegister_MakesDevName_0600_OnItsMajorAndMinor_AndDeregisterRemovesIt()
    {
        Assert.That(Proc.Stat("/dev/ro", out _), Is.EqualTo(Err(Errno.ENOENT)));
        MiscDevice misc = Kernel.CharDevices.RegisterMisc("ro", ReadOnlyDevice.Table);
        StatResult st = StatOf("/dev/ro");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(st.Mode, Is.EqualTo(Chr0600), "devtmpfs' default mode");
            Assert.That(st.RDevice, Is.EqualTo(DeviceNumber.MakeUser(CharDeviceRegistry.MiscMajor, misc.Minor)));
            Assert.That(misc.Mode, Is.EqualTo(0x180u));
            Assert.That(ListDirectory("/dev").Select(e => e.Name), Does.Contain("ro"));
            Assert.That(Kernel.Dev.Names, Does.Contain("ro"));
        }

        int fd = Proc.Open("/dev/ro", OpenFlags.O_RDONLY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Assert.That(ReadFd(fd), Is.EqualTo("ro\n"), "the open reached the driver");

        misc.Dispose();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Stat("/dev/ro", out _), Is.EqualTo(Err(Errno.ENOENT)), "misc_deregister removed the node");
            Assert.That(Proc.Open("/dev/ro", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(ListDirectory("/dev").Select(e => e.Name), Does.Not.Contain("ro"));
            Assert.That(Proc.Fstat(fd, out StatResult open), Is.Zero, "a file open on it keeps the node");
            Assert.That(open.Mode, Is.EqualTo(Chr0600));
        }
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test]
    public void MiscRegister_WithAMode_GivesTheNodeThatMode()
    {
        using MiscDevice misc = Kernel.CharDevices.RegisterMisc("open-to-all", ReadOnlyDevice.Table, mode: 0x1B6);
        Assert.That(StatOf("/dev/open-to-all").Mode, Is.EqualTo(Chr0666));
        Assert.Throws<System.ArgumentOutOfRangeException>(() => Kernel.CharDevices.RegisterMisc("typed", ReadOnlyDevice.Table, mode: StatResult.S_IFCHR | 0x1B6));
        Assert.That(Kernel.CharDevices.MiscDevices.Select(m => m.Name), Does.Not.Contain("typed"), "a refused registration registers nothing");
    }

    [Test]
    public void ANodeMadeBeforeRegistration_IsLeftAlone_AndNotRemovedByIt()
    {
        // mknod first: devtmpfs' own mknod fails with EEXIST, which device_add ignores; and at
        // deregistration dev_mynode sees the node is not devtmpfs' and keeps it.
        Assert.That(Proc.Mknod("/dev/ro", Chr0666, DeviceNumber.MakeUser(CharDeviceRegistry.MiscMajor, 5)), Is.Zero);
        StatResult made = StatOf("/dev/ro");
        Assert.That(made.Mode, Is.EqualTo(StatResult.S_IFCHR | 0x1A4), "0666 less the umask 022");
        MiscDevice misc = Kernel.CharDevices.RegisterMisc("ro", ReadOnlyDevice.Table, minor: 5);
        Assert.That(StatOf("/dev/ro"), Is.EqualTo(made), "the existing node stays as it was");
        misc.Dispose();
        Assert.That(StatOf("/dev/ro"), Is.EqualTo(made), "and outlives the registration");
        Assert.That(Proc.Open("/dev/ro", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENODEV)), "misc_open finds no device");
        Assert.That(Proc.Unlink("/dev/ro"), Is.Zero);
    }

    [Test]
    public void DeviceCreate_MakesTheNodeOfACdev_AndDeviceDestroyRemovesIt()
    {
        var data = new DeviceCounters { Text = "cdev\n" };
        using ChrdevRegion region = Kernel.CharDevices.AllocRegion(0, 2, "twins");
        using CharDevice cdev = Kernel.CharDevices.AddCdev(StatefulDevice.Table, region.Dev, 2, data);
        DeviceNode first = Kernel.CharDevices.CreateDevice("twin0", region.Dev);
        using DeviceNode second = Kernel.CharDevices.CreateDevice("twin1", region.Dev + 1, mode: 0x1A4 /* 0644 */);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(StatOf("/dev/twin0").Mode, Is.EqualTo(Chr0600));
            Assert.That(StatOf("/dev/twin0").RDevice, Is.EqualTo(DeviceNumber.MakeUser(region.Major, 0)));
            Assert.That(StatOf("/dev/twin1").Mode, Is.EqualTo(StatResult.S_IFCHR | 0x1A4));
            Assert.That(StatOf("/dev/twin1").RDevice, Is.EqualTo(DeviceNumber.MakeUser(region.Major, 1)));
        }
        int fd = Proc.Open("/dev/twin1", OpenFlags.O_RDONLY);
        Assert.That(ReadFd(fd), Is.EqualTo("cdev\n"), "the open reached the cdev's driver");
        Assert.That(Proc.Close(fd), Is.Zero);

        first.Dispose();
        first.Dispose(); // idempotent
        Assert.That(Proc.Stat("/dev/twin0", out _), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(first.IsDestroyed, Is.True);
        Assert.That(StatOf("/dev/twin1").Mode, Is.EqualTo(StatResult.S_IFCHR | 0x1A4), "the other stays");
        Assert.That(Assert.Throws<KernelErrorException>(() => Kernel.CharDevices.CreateDevice("a/b", region.Dev))!.Errno, Is.EqualTo(Errno.EINVAL));
    }

    [Test]
    public void AModulesNodes_GoAtRmmod_AndADeviceItForgot_IsDestroyedWithALogLine()
    {
        var module = new DeviceModule("nodes", c =>
        {
            ChrdevRegion region = c.Devices.AllocRegion(0, 1, "nodes");
            c.Devices.AddCdev(ReadOnlyDevice.Table, region.Dev, 1);
            c.Devices.CreateDevice("forgotten", region.Dev); // never destroyed by Exit
            return c.Devices.RegisterMisc("nodes-misc", ReadOnlyDevice.Table);
        });
        Kernel.Modules.Load(module);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Stat("/dev/nodes-misc", out _), Is.Zero);
            Assert.That(Proc.Stat("/dev/forgotten", out _), Is.Zero);
            Assert.That(Proc.ReadAllText("/dev/forgotten"), Is.EqualTo("ro\n"));
        }
        Assert.That(Kernel.Modules.Unload("nodes"), Is.EqualTo(KResult.Ok));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Stat("/dev/nodes-misc", out _), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Stat("/dev/forgotten", out _), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Kernel.Log.Lines.Any(l => l.Contains("device forgotten", System.StringComparison.Ordinal)), Is.True, string.Join("\n", Kernel.Log.Lines));
        }
    }
}
