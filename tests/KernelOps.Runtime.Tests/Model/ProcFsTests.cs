using System;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

[TestFixture]
internal sealed class ProcFsTests : ModelTestBase
{
    [Test]
    public void Create_DefaultsModeAsProcCreateData()
    {
        Assert.That(Kernel.Proc.Create("a", 0, null, TestTables.Ram).Mode, Is.EqualTo(ProcFs.S_IFREG | 0x124));
        Assert.That(Kernel.Proc.Create("b", 0x1A4, null, TestTables.Ram).Mode, Is.EqualTo(ProcFs.S_IFREG | 0x1A4));
        Assert.That(Kernel.Proc.Create("c", ProcFs.S_IFREG, null, TestTables.Ram).Mode, Is.EqualTo(ProcFs.S_IFREG | 0x124));
        var e = Assert.Throws<KernelErrorException>(() => Kernel.Proc.Create("d", ProcFs.S_IFDIR | 0x1ED, null, TestTables.Ram))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EINVAL));
        Assert.That(Kernel.Proc.Mkdir("dir").Mode, Is.EqualTo(ProcFs.S_IFDIR | 0x16D));
    }

    [Test]
    public void Data_ReachesHandlersThroughIPrivate_AndIsFreedWithTheEntry()
    {
        var state = new RamState("from data");
        long handlesBefore = Kernel.Statistics.LiveGCHandles;
        ProcEntry entry = CreateRam("ram", state);
        Assert.That(Kernel.Statistics.LiveGCHandles, Is.EqualTo(handlesBefore + 1));
        Assert.That(Proc.ReadAllText("/proc/ram"), Is.EqualTo("from data"));
        entry.Dispose();
        Assert.That(Kernel.Statistics.LiveGCHandles, Is.EqualTo(handlesBefore));
        Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(Baseline.LiveInodes));
    }

    [TestCase("")]
    [TestCase(".")]
    [TestCase("..")]
    [TestCase("a/b")]
    [TestCase("/")]
    [TestCase("123")]
    public void BadNames_AreEinval(string name)
    {
        var e = Assert.Throws<KernelErrorException>(() => Kernel.Proc.Create(name, 0, null, TestTables.Ram))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EINVAL));
        Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(Baseline.LiveInodes), "nothing left allocated");
    }

    [Test]
    public void TooLongName_IsEinval_NumericNameIsFineBelowRoot()
    {
        var e = Assert.Throws<KernelErrorException>(() => Kernel.Proc.Mkdir(new string('n', 256)))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EINVAL));
        Assert.That(Kernel.Proc.Mkdir(new string('n', 255)).Name, Has.Length.EqualTo(255));
        ProcEntry dir = Kernel.Proc.Mkdir("drv");
        Assert.That(Kernel.Proc.Create("123", 0, dir, TestTables.Ram).Path, Is.EqualTo("/proc/drv/123"));
    }

    [Test]
    public void Duplicates_AreEexist_WithLinuxsLogLine()
    {
        CreateRam("dup", new RamState());
        var e = Assert.Throws<KernelErrorException>(() => CreateRam("dup", new RamState()))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EEXIST));
        Assert.That(Kernel.Log.Lines, Has.Some.EqualTo("proc_dir_entry '/proc/dup' already registered"));
        ProcEntry dir = Kernel.Proc.Mkdir("drv");
        Kernel.Proc.Mkdir("x", dir);
        Assert.Throws<KernelErrorException>(() => Kernel.Proc.Create("x", 0, dir, TestTables.Ram));
        Assert.That(Kernel.Log.Lines, Has.Some.EqualTo("proc_dir_entry 'drv/x' already registered"));
        Assert.That(Kernel.Statistics.LiveGCHandles, Is.EqualTo(Baseline.LiveGCHandles + 1), "the rejected registrations freed their data handles");
    }

    [Test]
    public void Mkdir_Nesting_AndRecursiveRemoval()
    {
        ProcEntry drv = Kernel.Proc.Mkdir("drv");
        ProcEntry sub = Kernel.Proc.Mkdir("sub", drv);
        var state = new RamState("deep");
        ProcEntry file = CreateRam("f", state, parent: sub);
        CreateRam("g", new RamState("g"), parent: drv);
        Assert.That(file.Path, Is.EqualTo("/proc/drv/sub/f"));
        Assert.That(Proc.ReadAllText("/proc/drv/sub/f"), Is.EqualTo("deep"));
        Assert.That(Kernel.Proc.Find("drv/sub/f"), Is.SameAs(file));

        drv.Dispose();

        Assert.That(drv.IsRemoved && sub.IsRemoved && file.IsRemoved, Is.True);
        Assert.That(Proc.Open("/proc/drv/sub/f", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(Proc.Open("/proc/drv", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(Baseline.LiveInodes));
        Assert.That(Kernel.Statistics.LiveGCHandles, Is.EqualTo(Baseline.LiveGCHandles));
        Assert.Throws<KernelErrorException>(() => Kernel.Proc.Mkdir("again", sub), "a removed parent takes no children");
        drv.Dispose(); // idempotent
    }

    [Test]
    public void RemoveByPath()
    {
        ProcEntry drv = Kernel.Proc.Mkdir("drv");
        CreateRam("f", new RamState(), parent: drv);
        Assert.That(Kernel.Proc.Remove("/proc/drv/f"), Is.EqualTo(KResult.Ok));
        Assert.That(Kernel.Proc.Remove("drv/f"), Is.EqualTo((KResult)Errno.ENOENT));
        Assert.That(Kernel.Proc.Remove("drv"), Is.EqualTo(KResult.Ok));
        Assert.That(Kernel.Proc.Remove("/proc"), Is.EqualTo((KResult)Errno.EINVAL));
        Assert.That(Kernel.Proc.Find("drv"), Is.Null);
    }

    [Test]
    public void NullProcLseek_ClearsFModeLseek_SoLseekIsEspipe_ButPreadWorks()
    {
        CreateRam("ram", new RamState("abcdef"), TestTables.RamNoLseek);
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        Assert.That(Proc.Lseek(fd, 0, (int)Whence.Set), Is.EqualTo((long)Err(Errno.ESPIPE)));
        var mode = (FMode)Proc.Ioctl(fd, TestTables.IoctlGetFMode, 0);
        Assert.That(mode & FMode.FMODE_LSEEK, Is.EqualTo(FMode.None));
        Assert.That(Proc.Pread(fd, Buffer(), 2, 3), Is.EqualTo((nint)2));
    }

    [Test]
    public void NullProcRead_IsEio_FromPdeRead_NullIoctl_IsEnotty()
    {
        CreateRam("wo", new RamState(), TestTables.RawWriteOnly, mode: 0x1B6);
        int fd = Proc.Open("/proc/wo", OpenFlags.O_RDWR);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Assert.That(Proc.Read(fd, Buffer(), 4), Is.EqualTo((nint)Err(Errno.EIO)), "proc_reg_read exists, so FMODE_CAN_READ is set; pde_read finds no proc_read");
        Assert.That(Proc.Ioctl(fd, 1, 0), Is.EqualTo((long)Err(Errno.ENOTTY)));
    }

    [Test]
    public void RemoveWhileReadIsBlocked_WaitsForIt_ThenEioEnoentAndOneRelease()
    {
        using var gate = new ManualResetEventSlim(false);
        var state = new RamState("payload") { BlockRead = gate };
        ProcEntry entry = CreateRam("ram", state);
        int busy = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        int idle = Proc.Open("/proc/ram", OpenFlags.O_RDWR);

        nint readResult = 0;
        var reader = new Thread(() => readResult = Proc.Read(busy, Proc.Memory.Map(64).Address, 64));
        reader.Start();
        Assert.That(state.ReadEntered.Wait(TimeSpan.FromSeconds(5)), Is.True, "reader never reached the handler");

        var remover = new Thread(entry.Dispose);
        remover.Start();
        Assert.That(remover.Join(TimeSpan.FromMilliseconds(300)), Is.False, "proc_remove must wait for the read in flight");
        Assert.That(entry.IsRemoved, Is.True, "no new lookups once removal started");
        Assert.That(Proc.Open("/proc/ram", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(state.Releases, Is.Zero, "release waits for the drain");

        gate.Set();
        Assert.That(reader.Join(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(remover.Join(TimeSpan.FromSeconds(5)), Is.True);
        Assert.That(readResult, Is.EqualTo((nint)7), "the call in flight completed normally");
        Assert.That(state.Releases, Is.EqualTo(2), "rundown released both open files");

        nuint buf = Buffer();
        Assert.Multiple(() =>
        {
            Assert.That(Proc.Read(idle, buf, 1), Is.EqualTo((nint)Err(Errno.EIO)));
            Assert.That(Proc.Write(idle, UserString("x"), 1), Is.EqualTo((nint)Err(Errno.EIO)));
            Assert.That(Proc.Lseek(idle, 0, (int)Whence.Set), Is.EqualTo((long)Err(Errno.EIO)));
            Assert.That(Proc.Ioctl(idle, TestTables.IoctlGetFMode, 0), Is.EqualTo((long)Err(Errno.ENOTTY)));
        });
        int readCalls = state.ReadCalls;
        Assert.That(Proc.Close(busy), Is.Zero);
        Assert.That(Proc.Close(idle), Is.Zero);
        Assert.That(state.Releases, Is.EqualTo(2), "the final close does not release again");
        Assert.That(state.ReadCalls, Is.EqualTo(readCalls));
        Assert.That(Kernel.Statistics, Is.EqualTo(Baseline));
    }

    [Test]
    public void RemovalWithoutReleaseSlot_FilesStillFailWithEio()
    {
        var state = new RamState("abc");
        ProcEntry entry = CreateRam("ram", state, TestTables.RamNoRelease);
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        entry.Dispose();
        Assert.That(Proc.Read(fd, Buffer(), 1), Is.EqualTo((nint)Err(Errno.EIO)));
        Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(Baseline.LiveInodes + 1), "the open file keeps the inode");
        Assert.That(Kernel.Statistics.LiveGCHandles, Is.EqualTo(Baseline.LiveGCHandles + 1), "only f_model: the data handle went at rundown");
        Proc.Close(fd);
        Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(Baseline.LiveInodes));
    }

    [Test]
    public void PermanentEntry_SkipsUsePde_KeepsWorkingAfterRemoval_AndReleasesOnClose()
    {
        var state = new RamState("perm");
        ProcEntry entry = CreateRam("perm", state, TestTables.RamPermanent);
        Assert.That(entry.IsPermanent, Is.True);
        int fd = Proc.Open("/proc/perm", OpenFlags.O_RDONLY);
        entry.Dispose();
        Assert.That(Kernel.Log.Lines, Has.Some.Contains("removing permanent /proc entry '/proc/perm'"));
        Assert.That(Proc.Open("/proc/perm", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
        nuint buf = Buffer();
        Assert.That(Proc.Read(fd, buf, 4), Is.EqualTo((nint)4), "permanent entries call the table directly");
        Assert.That(ReadString(buf, 4), Is.EqualTo("perm"));
        Assert.That(state.Releases, Is.Zero);
        Proc.Close(fd);
        Assert.That(state.Releases, Is.EqualTo(1));
        Assert.That(Kernel.Statistics, Is.EqualTo(Baseline));
    }

    [Test]
    public void CloseRacingWithRundown_ReleasesExactlyOnce()
    {
        for (int round = 0; round < 200; round++)
        {
            var state = new RamState("x");
            ProcEntry entry = CreateRam("race", state);
            int fd = Proc.Open("/proc/race", OpenFlags.O_RDONLY);
            var closer = new Thread(() => Proc.Close(fd));
            closer.Start();
            entry.Dispose();
            Assert.That(closer.Join(TimeSpan.FromSeconds(5)), Is.True);
            Assert.That(state.Releases, Is.EqualTo(1), $"round {round}");
        }
        Assert.That(Kernel.Statistics, Is.EqualTo(Baseline));
    }
}
