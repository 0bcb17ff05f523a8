using System;
using System.Runtime.CompilerServices;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>fs/char_dev.c and drivers/char/misc.c as the model mirrors them: regions, cdevs, misc, /dev, open dispatch, lifetimes.</summary>
internal sealed unsafe class CharDeviceTests : ModelTestBase
{
    private const uint Chr0666 = StatResult.S_IFCHR | 0x1B6;

    private int Mknod(string path, uint major, uint minor) => Proc.Mknod(path, Chr0666, DeviceNumber.MakeUser(major, minor));

    private string ReadFd(int fd, int max = 256)
    {
        nuint buffer = Buffer(max);
        nint n = Proc.Read(fd, buffer, (nuint)max);
        Assert.That(n, Is.GreaterThanOrEqualTo((nint)0), "read");
        return ReadString(buffer, (int)n);
    }

    [Test]
    public void ProcDevices_ListsRegionsByMajor_AsChrdevShowPrintsThem()
    {
        using ChrdevRegion a = Kernel.CharDevices.RegisterRegion(0, 0, 2, "alpha");
        using ChrdevRegion b = Kernel.CharDevices.RegisterRegion(0, 0, 1, "beta");
        using ChrdevRegion fixedRegion = Kernel.CharDevices.RegisterRegion(240, 4, 4, "fixed");
        using ChrdevRegion sameMajor = Kernel.CharDevices.RegisterRegion(240, 0, 4, "fixed-low");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(a.Major, Is.EqualTo(254u), "find_dynamic_major starts at 254");
            Assert.That(b.Major, Is.EqualTo(253u));
            Assert.That(Proc.ReadAllText("/proc/devices"), Is.EqualTo(
                "Character devices:\n 10 misc\n240 fixed-low\n240 fixed\n253 beta\n254 alpha\n\nBlock devices:\n"));
        }
        var overlap = Assert.Throws<KernelErrorException>(() => Kernel.CharDevices.RegisterRegion(240, 6, 4, "clash"));
        var tooBig = Assert.Throws<KernelErrorException>(() => Kernel.CharDevices.RegisterRegion(512, 0, 1, "huge"));
        var pastMinors = Assert.Throws<KernelErrorException>(() => Kernel.CharDevices.RegisterRegion(200, DeviceNumber.MinorMask, 2, "wide"));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(overlap!.Errno, Is.EqualTo(Errno.EBUSY));
            Assert.That(tooBig!.Errno, Is.EqualTo(Errno.EINVAL));
            Assert.That(pastMinors!.Errno, Is.EqualTo(Errno.EINVAL));
        }
        a.Dispose();
        Assert.That(Proc.ReadAllText("/proc/devices"), Does.Not.Contain("alpha"));
        using ChrdevRegion again = Kernel.CharDevices.RegisterRegion(0, 0, 1, "again");
        Assert.That(again.Major, Is.EqualTo(254u), "an unregistered major is free again");
    }

    [Test]
    public void MiscRegister_DynamicMinorsCountDownFrom127_AndProcMiscListsNewestFirst()
    {
        using MiscDevice a = Kernel.CharDevices.RegisterMisc("a", ReadOnlyDevice.Table);
        using MiscDevice b = Kernel.CharDevices.RegisterMisc("b", ReadOnlyDevice.Table);
        using MiscDevice f = Kernel.CharDevices.RegisterMisc("fixed", ReadOnlyDevice.Table, 200);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(a.Minor, Is.EqualTo(127u));
            Assert.That(b.Minor, Is.EqualTo(126u));
            Assert.That(Proc.ReadAllText("/proc/misc"), Is.EqualTo("200 fixed\n126 b\n127 a\n"));
            Assert.That(Assert.Throws<KernelErrorException>(() => Kernel.CharDevices.RegisterMisc("dup", ReadOnlyDevice.Table, 200))!.Errno, Is.EqualTo(Errno.EBUSY));
            Assert.That(Proc.ReadAllText("/proc/devices"), Does.Contain(" 10 misc\n"));
        }
    }

    [Test]
    public void Mknod_CreatesCharacterNodes_AndStatReportsThem()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Mknod("/dev/x", 250, 3), Is.Zero);
            Assert.That(Mknod("/dev/x", 250, 3), Is.EqualTo(Err(Errno.EEXIST)));
            Assert.That(Proc.Mknod("/dev/d", ProcFs.S_IFDIR | 0x1ED, 0), Is.EqualTo(Err(Errno.EPERM)));
            Assert.That(Proc.Mknod("/dev/bad", 0xE000 | 0x1B6, 0), Is.EqualTo(Err(Errno.EINVAL)));
            // As on Linux 6.18: proc_root_lookup answers ENOENT before vfs_mknod is reached; sysfs
            // finds no "x" (a negative dentry) and then has no ->mknod.
            Assert.That(Mknod("/proc/x", 250, 3), Is.EqualTo(Err(Errno.ENOENT)), "proc's lookup fails first");
            Assert.That(Mknod("/sys/x", 250, 3), Is.EqualTo(Err(Errno.EPERM)), "sysfs has no ->mknod");
            Assert.That(Mknod("/nowhere/x", 250, 3), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Stat("/dev/none", out _), Is.EqualTo(Err(Errno.ENOENT)));
        }
        Assert.That(Proc.Stat("/dev/x", out StatResult st), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(st.IsCharacterDevice, Is.True);
            Assert.That(st.Mode, Is.EqualTo(StatResult.S_IFCHR | 0x1A4), "0666 less the umask 022 a process starts with (init_fs)");
            Assert.That(st.RDeviceMajor, Is.EqualTo(250u));
            Assert.That(st.RDeviceMinor, Is.EqualTo(3u));
            Assert.That(st.RDevice, Is.EqualTo(0xFA03UL), "glibc makedev(250, 3)");
            Assert.That(st.Inode, Is.Not.Zero);
            Assert.That(st.LinkCount, Is.EqualTo(1u));
        }
        Assert.That(Proc.Stat("/proc/devices", out StatResult procStat), Is.Zero);
        Assert.That(procStat.Mode, Is.EqualTo(ProcFs.S_IFREG | ProcFs.S_IRUGO));
        Assert.That(Proc.Unlink("/dev/x"), Is.Zero);
        Assert.That(Proc.Stat("/dev/x", out _), Is.EqualTo(Err(Errno.ENOENT)));
    }

    [Test]
    public void Open_DispatchesOnMajorMinor_AsChrdevOpenAndMiscOpen()
    {
        var data = new DeviceCounters { Text = "cdev\n" };
        using ChrdevRegion region = Kernel.CharDevices.RegisterRegion(0, 0, 2, "stateful");
        Assert.That(Mknod("/dev/s0", region.Major, 0), Is.Zero);
        Assert.That(Mknod("/dev/s2", region.Major, 2), Is.Zero);
        Assert.That(Mknod("/dev/m", CharDeviceRegistry.MiscMajor, 127), Is.Zero);
        Assert.That(Proc.Mknod("/dev/b", StatResult.S_IFBLK | 0x1B6, DeviceNumber.MakeUser(8, 0)), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Open("/dev/s0", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENXIO)), "a region without a cdev");
            Assert.That(Proc.Open("/dev/m", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENODEV)), "misc_open finds no minor");
            Assert.That(Proc.Open("/dev/b", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENXIO)), "no block devices");
        }

        using CharDevice cdev = Kernel.CharDevices.AddCdev(StatefulDevice.Table, region.Dev, 2, data);
        using MiscDevice misc = Kernel.CharDevices.RegisterMisc("ro", ReadOnlyDevice.Table);
        int fd = Proc.Open("/dev/s0", OpenFlags.O_RDONLY);
        int mfd = Proc.Open("/dev/m", OpenFlags.O_RDWR);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fd, Is.GreaterThanOrEqualTo(0));
            Assert.That(ReadFd(fd), Is.EqualTo("cdev\n"));
            Assert.That(Proc.Open("/dev/s2", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENXIO)), "minor 2 is outside the cdev's range");
            Assert.That(mfd, Is.GreaterThanOrEqualTo(0));
            Assert.That(ReadFd(mfd), Is.EqualTo("ro\n"));
            Assert.That(data.Opens, Is.EqualTo(1));
        }
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(Proc.Close(mfd), Is.Zero);
        Assert.That(data.Releases, Is.EqualTo(1));
    }

    [Test]
    public void NullSlots_BehaveAsLinuxMakesThem()
    {
        using MiscDevice misc = Kernel.CharDevices.RegisterMisc("ro", ReadOnlyDevice.Table);
        int fd = Proc.Open("/dev/ro", OpenFlags.O_RDWR);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        nuint buffer = Buffer();
        var fds = new[] { new PollFd(fd, PollEvents.In | PollEvents.Out) };
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Write(fd, buffer, 1), Is.EqualTo((nint)Err(Errno.EINVAL)), "no write: no FMODE_CAN_WRITE");
            Assert.That(Proc.Lseek(fd, 0, 0), Is.EqualTo((long)Err(Errno.ESPIPE)), "no llseek: FMODE_LSEEK cleared");
            Assert.That(Proc.Ioctl(fd, 1, 0), Is.EqualTo((long)Err(Errno.ENOTTY)));
            Assert.That(Proc.Fsync(fd), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Poll(fds, 0), Is.EqualTo(1));
            Assert.That(fds[0].ReturnedEvents, Is.EqualTo(PollEvents.In | PollEvents.Out), "DEFAULT_POLLMASK filtered by the events asked");
            Assert.That(Proc.Close(fd), Is.Zero, "no flush: close returns 0");
        }
        Assert.That(ReadOnlyDevice.Table.Value.owner == null, Is.True, "the generated table never carries an owner");
    }

    [Test]
    public void Ioctl_CopiesArgumentStructsInAndOut_WithEfaultOnBadPointers()
    {
        var data = new DeviceCounters();
        using MiscDevice misc = Kernel.CharDevices.RegisterMisc("st", StatefulDevice.Table, data: data);
        int fd = Proc.Open("/dev/st", OpenFlags.O_RDONLY);
        ReadFd(fd);
        nuint arg = Buffer(Unsafe.SizeOf<DeviceInfo>());
        var info = new DeviceInfo();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(StatefulDevice.GetInfo, Is.EqualTo(0x80106B01u), "_IOR('k', 1, 16-byte struct)");
            Assert.That(IoctlNumber.Direction(StatefulDevice.SetCookie), Is.EqualTo(IoctlDirection.Write));
            Assert.That(IoctlNumber.Size(StatefulDevice.SetCookie), Is.EqualTo(16u));
            Assert.That(IoctlNumber.Type(StatefulDevice.Ping), Is.EqualTo((uint)'k'));
            Assert.That(IoctlNumber.Nr(StatefulDevice.Ping), Is.EqualTo(3u));
            Assert.That(Proc.Ioctl(fd, StatefulDevice.GetInfo, arg), Is.Zero, string.Join("\n", Kernel.Log.Lines));
            Assert.That(Proc.Memory.CopyFromUser(System.Runtime.InteropServices.MemoryMarshal.AsBytes(new Span<DeviceInfo>(ref info)), arg), Is.EqualTo((nuint)0));
            Assert.That(info.Opens, Is.EqualTo(1));
            Assert.That(info.Reads, Is.EqualTo(1));
            Assert.That(info.Cookie, Is.EqualTo(0x1234_5678_9ABCL));
            Assert.That(Proc.Ioctl(fd, StatefulDevice.SetCookie, arg), Is.EqualTo(0x1234_5678_9ABCL));
            Assert.That(Proc.Ioctl(fd, StatefulDevice.GetInfo, 0), Is.EqualTo((long)Err(Errno.EFAULT)), "null argument");
            Assert.That(Proc.Ioctl(fd, StatefulDevice.GetInfo, 0x10), Is.EqualTo((long)Err(Errno.EFAULT)), "unmapped argument");
            Assert.That(Proc.Ioctl(fd, StatefulDevice.GetInfo, arg + 8), Is.EqualTo((long)Err(Errno.EFAULT)), "argument runs off its mapping");
            Assert.That(Proc.Ioctl(fd, StatefulDevice.SetCookie, nuint.MaxValue - 4), Is.EqualTo((long)Err(Errno.EFAULT)), "argument wraps the address space");
            Assert.That(Proc.Ioctl(fd, IoctlNumber.IO('x', 1), arg), Is.EqualTo((long)Err(Errno.ENOTTY)), "unknown command");
            Assert.That(Proc.Ioctl(fd, StatefulDevice.Ping, 0), Is.EqualTo(7L));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlNumber.Make(IoctlDirection.Read, 256, 0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlNumber.Make(IoctlDirection.Read, 1, 0, 1u << 14));
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test]
    public void FlushRunsOnEveryClose_ReleaseOnceAtTheLastFput()
    {
        var data = new DeviceCounters();
        using MiscDevice misc = Kernel.CharDevices.RegisterMisc("st", StatefulDevice.Table, data: data);
        int fd = Proc.Open("/dev/st", OpenFlags.O_RDONLY);
        int dup = Proc.Dup(fd);
        Assert.That(Proc.Fsync(fd), Is.Zero);
        Assert.That(Proc.Fdatasync(fd), Is.Zero);
        Assert.That(Proc.Close(fd), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(data.Flushes, Is.EqualTo(1));
            Assert.That(data.Releases, Is.Zero, "the dup still holds the file");
            Assert.That(data.Fsyncs, Is.EqualTo(2));
        }
        Assert.That(Proc.Close(dup), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(data.Flushes, Is.EqualTo(2));
            Assert.That(data.Releases, Is.EqualTo(1));
            Assert.That(data.LiveSessions, Is.Zero, "release disposed the state");
        }
    }

    [Test]
    public void UnregisteringWhileOpen_OpenFilesKeepTheirFops_NewOpensFail_ModuleStaysPinned()
    {
        var data = new DeviceCounters { Text = "still here\n" };
        var misc = new DeviceModule("miscmod", c => c.Devices.RegisterMisc("st", StatefulDevice.Table, data: data));
        var cdevModule = new DeviceModule("cdevmod", c =>
        {
            ChrdevRegion r = c.Devices.RegisterRegion(0, 0, 1, "cdevmod");
            return c.Devices.AddCdev(StatefulDevice.Table, r.Dev, 1, data);
        });
        LoadedModule miscLoaded = Kernel.Modules.Load(misc);
        LoadedModule cdevLoaded = Kernel.Modules.Load(cdevModule);
        var miscDevice = (MiscDevice)misc.Device!;
        var cdev = (CharDevice)cdevModule.Device!;
        Assert.That(Mknod("/dev/m", 10, miscDevice.Minor), Is.Zero);
        Assert.That(Mknod("/dev/c", cdev.Major, 0), Is.Zero);
        int mfd = Proc.Open("/dev/m", OpenFlags.O_RDONLY);
        int cfd = Proc.Open("/dev/c", OpenFlags.O_RDONLY);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(miscLoaded.ReferenceCount, Is.EqualTo(1), "try_module_get at open");
            Assert.That(cdevLoaded.ReferenceCount, Is.EqualTo(1));
            Assert.That(Kernel.Modules.Unload("miscmod"), Is.EqualTo((KResult)Errno.EAGAIN), "rmmod of a module in use");
        }

        miscDevice.Dispose(); // misc_deregister with a file open
        cdev.Dispose(); // cdev_del with a file open
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ReadFd(mfd), Is.EqualTo("still here\n"), "open files keep their fops");
            Assert.That(ReadFd(cfd), Is.EqualTo("still here\n"));
            Assert.That(Proc.Open("/dev/m", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENODEV)), "misc_open after deregister");
            Assert.That(Proc.Open("/dev/c", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENXIO)), "chrdev_open after cdev_del");
            Assert.That(miscDevice.OpenFileCount, Is.EqualTo(1));
        }
        Assert.That(Proc.Close(mfd), Is.Zero);
        Assert.That(Proc.Close(cfd), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(miscLoaded.ReferenceCount, Is.Zero, "module_put at the last fput");
            Assert.That(data.Releases, Is.EqualTo(2));
            Assert.That(Kernel.Modules.Unload("miscmod"), Is.EqualTo(KResult.Ok));
            Assert.That(Kernel.Modules.Unload("cdevmod"), Is.EqualTo(KResult.Ok));
            Assert.That(Proc.ReadAllText("/proc/devices"), Does.Not.Contain("cdevmod"), "the region left registered was removed at unload");
        }
    }

    [Test]
    public void OpeningADeviceOfAModuleGoingAway_FailsWithoutCallingOpen()
    {
        var data = new DeviceCounters();
        var module = new DeviceModule("going", c => c.Devices.RegisterMisc("st", StatefulDevice.Table, data: data));
        Kernel.Modules.Load(module);
        // a node made by hand outlives the device; devtmpfs' own /dev/st goes with misc_deregister
        Assert.That(Mknod("/dev/st-by-hand", 10, ((MiscDevice)module.Device!).Minor), Is.Zero);
        Assert.That(Kernel.Modules.Unload("going"), Is.EqualTo(KResult.Ok));
        Assert.That(Proc.Open("/dev/st", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(Proc.Open("/dev/st-by-hand", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENODEV)));
        Assert.That(data.Opens, Is.Zero);
    }

    [Test]
    public void FailedStatefulOpen_StoresNoState_AndCallsNoRelease()
    {
        var data = new DeviceCounters { FailOpen = Errno.EBUSY };
        using MiscDevice misc = Kernel.CharDevices.RegisterMisc("st", StatefulDevice.Table, data: data);
        long handles = Kernel.Statistics.LiveGCHandles;
        Assert.That(Proc.Open("/dev/st", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.EBUSY)));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(data.Releases, Is.Zero);
            Assert.That(Kernel.Statistics.LiveGCHandles, Is.EqualTo(handles));
            Assert.That(Kernel.Statistics.LiveFiles, Is.Zero);
        }
    }

    [Test]
    public void PerOpenState_NoGCHandleOrNativeLeak_AfterManyOpens_AndAfterUnloadWithFilesOpen()
    {
        const int N = 2000;
        var data = new DeviceCounters();
        var module = new DeviceModule("leaky", c => c.Devices.RegisterMisc("st", StatefulDevice.Table, data: data));
        Kernel.Modules.Load(module);
        KernelStatistics baseline = Kernel.Statistics;
        nuint buffer = Buffer();
        for (int i = 0; i < N; i++)
        {
            int fd = Proc.Open("/dev/st", OpenFlags.O_RDONLY);
            if (i == 0)
            {
                KernelStatistics open = Kernel.Statistics;
                Assert.That(open.LiveGCHandles, Is.EqualTo(baseline.LiveGCHandles + 2), "f_model and the per-open state");
                Assert.That(open.LiveFiles, Is.EqualTo(baseline.LiveFiles + 1));
            }
            Proc.Read(fd, buffer, 64);
            Assert.That(Proc.Close(fd), Is.Zero);
        }
        KernelStatistics afterCycles = Kernel.Statistics;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(afterCycles, Is.EqualTo(baseline), $"after {N} opens and closes");
            Assert.That(data.Opens, Is.EqualTo(N));
            Assert.That(data.Releases, Is.EqualTo(N));
            Assert.That(data.LiveSessions, Is.Zero);
        }

        // Files still open when the module is asked to go: rmmod refuses (EAGAIN) and nothing is
        // freed under them; once they are closed the unload goes through and the kernel is back
        // where it was before the module was loaded.
        const int Open = 50;
        var fds = new int[Open];
        for (int i = 0; i < Open; i++) Assert.That(fds[i] = Proc.Open("/dev/st", OpenFlags.O_RDONLY), Is.GreaterThanOrEqualTo(0));
        Assert.That(Kernel.Statistics.LiveGCHandles, Is.EqualTo(baseline.LiveGCHandles + 2 * Open));
        Assert.That(Kernel.Modules.Unload("leaky"), Is.EqualTo((KResult)Errno.EAGAIN));
        Assert.That(ReadFdAt(fds[0]), Is.EqualTo("hello\n"), "files keep working after the refused unload");
        foreach (int fd in fds) Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(Kernel.Modules.Unload("leaky"), Is.EqualTo(KResult.Ok));
        KernelStatistics afterUnload = Kernel.Statistics;
        Assert.That(afterUnload.LiveGCHandles, Is.EqualTo(baseline.LiveGCHandles - 1), "the device's data handle went with misc_deregister");
        Assert.That(afterUnload.LiveFiles, Is.Zero);

        // And a kernel shut down with files still open on a loaded module: release runs for each,
        // every state is freed, nothing is left.
        Kernel.Modules.Load(module); // misc_register makes /dev/st again
        for (int i = 0; i < Open; i++) Assert.That(Proc.Open("/dev/st", OpenFlags.O_RDONLY), Is.GreaterThanOrEqualTo(0));
        WeakReference weak = OpenAndForget();
        Proc.Dispose();
        Kernel.Dispose();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Kernel.Statistics, Is.EqualTo(new KernelStatistics(0, 0, 0, 0)));
            Assert.That(data.Releases, Is.EqualTo(N + 2 * Open + 1));
            Assert.That(data.LiveSessions, Is.Zero);
            Assert.That(weak.IsAlive, Is.False, "the state object is collectable: its GCHandle was freed");
        }
        TestContext.Out.WriteLine($"leak check: {N} open/close cycles -> {afterCycles} (baseline {baseline}); " +
            $"{Open} files open at a refused rmmod, closed, unloaded -> {afterUnload}; {Open + 1} files open at shutdown -> all zero");
    }

    private string ReadFdAt(int fd) => ReadFd(fd);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private WeakReference OpenAndForget()
    {
        int fd = Proc.Open("/dev/st", OpenFlags.O_RDONLY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        OpenFile file = OpenFileOf(fd);
        nint word = file.File->private_data;
        return new WeakReference(System.Runtime.InteropServices.GCHandle.FromIntPtr(word).Target);
    }

    private OpenFile OpenFileOf(int fd)
    {
        // The fd table is private; the model exposes the record to its tests.
        return Proc.FileForTests(fd) ?? throw new InvalidOperationException("no such fd");
    }
}
