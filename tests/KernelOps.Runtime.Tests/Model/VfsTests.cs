using System;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

[TestFixture]
internal sealed class VfsTests : ModelTestBase
{
    [Test]
    public void OpenReadWriteClose_GoThroughTheTable()
    {
        var state = new RamState("hello");
        CreateRam("ram", state);

        Assert.That(Proc.ReadAllText("/proc/ram"), Is.EqualTo("hello"));
        Proc.WriteAllText("/proc/ram", "bye!!");
        Assert.That(state.Text, Is.EqualTo("bye!!"));
        Assert.That(Proc.ReadAllText("/proc/ram"), Is.EqualTo("bye!!"));
        Assert.That(state.Opens, Is.EqualTo(3));
        Assert.That(state.Releases, Is.EqualTo(3));
        Assert.That(state.ReadCalls, Is.EqualTo(4), "cat reads until a read returns 0");
        Assert.That(Kernel.Statistics.LiveFiles, Is.Zero);
    }

    [Test]
    public void RawSyscalls_ReadAndWriteThroughUserMemory()
    {
        var state = new RamState("0123456789");
        CreateRam("ram", state);
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDWR);
        Assert.That(fd, Is.EqualTo(0));
        nuint buf = Buffer(16);
        Assert.That(Proc.Read(fd, buf, 4), Is.EqualTo((nint)4));
        Assert.That(ReadString(buf, 4), Is.EqualTo("0123"));
        nuint src = UserString("ab");
        Assert.That(Proc.Write(fd, src, 2), Is.EqualTo((nint)2));
        Assert.That(state.Text, Is.EqualTo("0123ab6789"));
        Assert.That(Proc.Lseek(fd, 0, (int)Whence.Current), Is.EqualTo(6));
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test]
    public void FdAllocation_IsLowestFree_AndBadFdsGiveEbadf()
    {
        CreateRam("ram", new RamState("x"));
        int a = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        int b = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        int c = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        Assert.That(new[] { a, b, c }, Is.EqualTo(new[] { 0, 1, 2 }));
        Assert.That(Proc.Close(1), Is.Zero);
        Assert.That(Proc.Close(1), Is.EqualTo(Err(Errno.EBADF)));
        Assert.That(Proc.Open("/proc/ram", OpenFlags.O_RDONLY), Is.EqualTo(1));
        nuint buf = Buffer();
        Assert.Multiple(() =>
        {
            Assert.That(Proc.Read(7, buf, 1), Is.EqualTo((nint)Err(Errno.EBADF)));
            Assert.That(Proc.Read(-1, buf, 1), Is.EqualTo((nint)Err(Errno.EBADF)));
            Assert.That(Proc.Write(5000, buf, 1), Is.EqualTo((nint)Err(Errno.EBADF)));
            Assert.That(Proc.Pread(9, buf, 1, 0), Is.EqualTo((nint)Err(Errno.EBADF)));
            Assert.That(Proc.Pwrite(9, buf, 1, 0), Is.EqualTo((nint)Err(Errno.EBADF)));
            Assert.That(Proc.Lseek(9, 0, 0), Is.EqualTo((long)Err(Errno.EBADF)));
            Assert.That(Proc.Ioctl(9, 1, 0), Is.EqualTo((long)Err(Errno.EBADF)));
            Assert.That(Proc.Dup(9), Is.EqualTo(Err(Errno.EBADF)));
            Assert.That(Proc.Close(int.MaxValue), Is.EqualTo(Err(Errno.EBADF)));
        });
    }

    [Test]
    public void FdTable_IsLimitedByRlimitNofile()
    {
        CreateRam("ram", new RamState("x"));
        for (int i = 0; i < UserProcess.MaxOpenFiles; i++)
            Assert.That(Proc.Open("/proc/ram", OpenFlags.O_RDONLY), Is.EqualTo(i));
        Assert.That(Proc.Open("/proc/ram", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.EMFILE)));
        Assert.That(Proc.Dup(0), Is.EqualTo(Err(Errno.EMFILE)));
        Assert.That(Kernel.Statistics.OpenDescriptors, Is.EqualTo(UserProcess.MaxOpenFiles));
        Assert.That(Proc.Close(500), Is.Zero);
        Assert.That(Proc.Dup(0), Is.EqualTo(500));
    }

    [Test]
    public void FailedOpen_FreesTheFile_WithoutRelease_AndGivesTheFdBack()
    {
        var state = new RamState("x") { FailOpen = Errno.EPERM };
        CreateRam("ram", state);
        Assert.That(Proc.Open("/proc/ram", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.EPERM)));
        Assert.That(state.Releases, Is.Zero);
        Assert.That(Kernel.Statistics.LiveFiles, Is.Zero);
        state.FailOpen = 0;
        Assert.That(Proc.Open("/proc/ram", OpenFlags.O_RDONLY), Is.EqualTo(0));
    }

    [Test]
    public void Dup_SharesTheFileAndItsPosition_ReleaseRunsOnLastClose()
    {
        var state = new RamState("abcdefgh");
        CreateRam("ram", state);
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        int dup = Proc.Dup(fd);
        Assert.That(dup, Is.EqualTo(1));
        nuint buf = Buffer();
        Assert.That(Proc.Read(fd, buf, 3), Is.EqualTo((nint)3));
        Assert.That(Proc.Lseek(dup, 0, (int)Whence.Current), Is.EqualTo(3));
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(state.Releases, Is.Zero, "the dup still holds the file");
        Assert.That(Proc.Read(dup, buf, 3), Is.EqualTo((nint)3));
        Assert.That(ReadString(buf, 3), Is.EqualTo("def"));
        Assert.That(Proc.Close(dup), Is.Zero);
        Assert.That(state.Releases, Is.EqualTo(1));
        Assert.That(state.Opens, Is.EqualTo(1));
    }

    [Test]
    public void PreadAndPwrite_LeaveFPosAlone()
    {
        var state = new RamState("abcdefgh");
        CreateRam("ram", state);
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDWR);
        nuint buf = Buffer();
        Assert.That(Proc.Pread(fd, buf, 3, 2), Is.EqualTo((nint)3));
        Assert.That(ReadString(buf, 3), Is.EqualTo("cde"));
        Assert.That(Proc.Pwrite(fd, UserString("XY"), 2, 6), Is.EqualTo((nint)2));
        Assert.That(state.Text, Is.EqualTo("abcdefXY"));
        Assert.That(Proc.Lseek(fd, 0, (int)Whence.Current), Is.Zero);
        Assert.That(Proc.Pread(fd, buf, 3, -1), Is.EqualTo((nint)Err(Errno.EINVAL)));
        Assert.That(Proc.Pread(99, buf, 3, -1), Is.EqualTo((nint)Err(Errno.EINVAL)), "ksys_pread64 checks pos before the fd");
        Assert.That(Proc.Pwrite(fd, buf, 3, -1), Is.EqualTo((nint)Err(Errno.EINVAL)));
    }

    [Test]
    public void FModeBits_AreSetAsDoDentryOpenDoes()
    {
        var state = new RamState("x");
        CreateRam("ram", state);
        const FMode common = FMode.FMODE_LSEEK | FMode.FMODE_PREAD | FMode.FMODE_PWRITE | FMode.FMODE_ATOMIC_POS | FMode.FMODE_OPENED;

        FMode ModeOf(OpenFlags flags)
        {
            int fd = Proc.Open("/proc/ram", flags);
            Assert.That(fd, Is.GreaterThanOrEqualTo(0));
            long mode = Proc.Ioctl(fd, TestTables.IoctlGetFMode, 0);
            Proc.Close(fd);
            return (FMode)mode;
        }

        Assert.Multiple(() =>
        {
            Assert.That(ModeOf(OpenFlags.O_RDONLY), Is.EqualTo(common | FMode.FMODE_READ | FMode.FMODE_CAN_READ));
            // a regular file opened for write takes write access: FMODE_WRITER (do_dentry_open)
            Assert.That(ModeOf(OpenFlags.O_WRONLY), Is.EqualTo(common | FMode.FMODE_WRITE | FMode.FMODE_WRITER | FMode.FMODE_CAN_WRITE));
            Assert.That(ModeOf(OpenFlags.O_RDWR), Is.EqualTo(common | FMode.FMODE_READ | FMode.FMODE_WRITE | FMode.FMODE_WRITER | FMode.FMODE_CAN_READ | FMode.FMODE_CAN_WRITE));
            Assert.That(ModeOf(OpenFlags.O_ACCMODE), Is.EqualTo(common), "access mode 3: neither read nor write (OPEN_FMODE)");
        });
        // ->open ran before FMODE_OPENED and FMODE_CAN_* were added.
        Assert.That((FMode)state.ModeSeenAtOpen & (FMode.FMODE_OPENED | FMode.FMODE_CAN_READ | FMode.FMODE_CAN_WRITE), Is.EqualTo(FMode.None));
    }

    [Test]
    public void AccessMode3_AllowsIoctlOnly()
    {
        CreateRam("ram", new RamState("x"));
        int fd = Proc.Open("/proc/ram", OpenFlags.O_ACCMODE);
        nuint buf = Buffer();
        Assert.That(Proc.Read(fd, buf, 1), Is.EqualTo((nint)Err(Errno.EBADF)));
        Assert.That(Proc.Write(fd, buf, 1), Is.EqualTo((nint)Err(Errno.EBADF)));
        Assert.That(Proc.Ioctl(fd, TestTables.IoctlGetInodeMode, 0), Is.EqualTo((long)(ProcFs.S_IFREG | 0x1B6)));
    }

    [Test]
    public void OpenOnlyFlags_AreClearedAfterOpen()
    {
        CreateRam("ram", new RamState("x"));
        int fd = Proc.Open("/proc/ram", OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC | OpenFlags.O_APPEND);
        var flags = (OpenFlags)Proc.Ioctl(fd, TestTables.IoctlGetFFlags, 0);
        // O_LARGEFILE: open(2) on a 64-bit kernel forces it (build_open_how's force_o_largefile)
        Assert.That(flags, Is.EqualTo(OpenFlags.O_WRONLY | OpenFlags.O_APPEND | OpenFlags.O_LARGEFILE));
    }

    [Test]
    public void ReadOnWriteOnlyFile_IsEbadf_WriteOnReadOnlyFile_IsEbadf()
    {
        CreateRam("ram", new RamState("x"));
        nuint buf = Buffer();
        int ro = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        int wo = Proc.Open("/proc/ram", OpenFlags.O_WRONLY);
        Assert.That(Proc.Write(ro, buf, 1), Is.EqualTo((nint)Err(Errno.EBADF)));
        Assert.That(Proc.Read(wo, buf, 1), Is.EqualTo((nint)Err(Errno.EBADF)));
    }

    [Test]
    public void FPosLock_IsSkippedOnlyForAnUnsharedFileInASingleThreadedProcess()
    {
        var state = new RamState(new string('x', 64)) { OverlapWaitMs = 400 };
        CreateRam("ram", state);
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        nuint buffer = Buffer();

        // One thread, f_count == 1: fdget_pos borrows the file and skips f_pos_lock.
        state.CheckPosLock = true;
        Assert.That(Proc.Read(fd, buffer, 1), Is.EqualTo((nint)1));
        Assert.That(state.PosLockHeldInRead, Is.False, "single-threaded, unshared: no f_pos_lock");
        // After dup, f_count == 2: the same thread's reads take it.
        int dup = Proc.Dup(fd);
        Assert.That(Proc.Read(fd, buffer, 1), Is.EqualTo((nint)1));
        Assert.That(state.PosLockHeldInRead, Is.True, "shared by dup: f_pos_lock");
        Assert.That(Proc.Close(dup), Is.Zero);
        Assert.That(Proc.Read(fd, buffer, 1), Is.EqualTo((nint)1));
        Assert.That(state.PosLockHeldInRead, Is.False, "unshared again");
        state.CheckPosLock = false;

        // Two threads of the process read the one fd at once: the process is multi-threaded, so
        // __fget_light takes a real reference (file_count 2) and the reads serialise on f_pos_lock.
        state.MaxConcurrentReads = 0;
        using var start = new Barrier(2);
        var threads = new Thread[2];
        for (int i = 0; i < 2; i++)
        {
            threads[i] = new Thread(() =>
            {
                nuint buf = Proc.Memory.Map(8).Address;
                start.SignalAndWait(TimeSpan.FromSeconds(5));
                Proc.Read(fd, buf, 1);
            });
            threads[i].Start();
        }
        foreach (Thread t in threads) Assert.That(t.Join(TimeSpan.FromSeconds(10)), Is.True, "reader hung");
        Assert.That(state.MaxConcurrentReads, Is.EqualTo(1));
        state.CheckPosLock = true;
        Assert.That(Proc.Read(fd, buffer, 1), Is.EqualTo((nint)1));
        Assert.That(state.PosLockHeldInRead, Is.True, "the table stays shared for the first thread too");
    }

    [Test]
    public void KsysRead_WritesFPosBackOnlyOnSuccess()
    {
        var state = new RamState("abcdefgh") { AdvanceThenFail = true };
        CreateRam("ram", state);
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        nuint buf = Buffer();
        Assert.That(Proc.Read(fd, buf, 4), Is.EqualTo((nint)Err(Errno.EAGAIN)));
        Assert.That(Proc.Lseek(fd, 0, (int)Whence.Current), Is.Zero, "the handler moved *ppos but failed");
        state.AdvanceThenFail = false;
        Assert.That(Proc.Read(fd, buf, 4), Is.EqualTo((nint)4));
        Assert.That(Proc.Lseek(fd, 0, (int)Whence.Current), Is.EqualTo(4));
    }

    [Test]
    public void AccessOk_RejectsWrappingRanges_BeforeTheHandler()
    {
        var state = new RamState("abc");
        CreateRam("ram", state);
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDWR);
        Assert.That(Proc.Read(fd, nuint.MaxValue - 10, 100), Is.EqualTo((nint)Err(Errno.EFAULT)));
        Assert.That(Proc.Write(fd, nuint.MaxValue - 10, 100), Is.EqualTo((nint)Err(Errno.EFAULT)));
        Assert.That(state.ReadCalls + state.WriteCalls, Is.Zero);
    }

    [Test]
    public void NegativeOrOverflowingPosition_IsEinval_BeforeTheHandler()
    {
        var state = new RamState("abc");
        CreateRam("ram", state, TestTables.RawSeekAnywhere);
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        nuint buf = Buffer();
        Proc.Lseek(fd, -5, (int)Whence.Set); // the buggy driver stores -5 in f_pos
        Assert.That(Proc.Read(fd, buf, 1), Is.EqualTo((nint)Err(Errno.EINVAL)));
        Proc.Lseek(fd, long.MaxValue - 2, (int)Whence.Set);
        Assert.That(Proc.Read(fd, buf, 10), Is.EqualTo((nint)Err(Errno.EINVAL)), "pos + count overflows loff_t");
        Assert.That(state.ReadCalls, Is.Zero);
    }

    [Test]
    public void UnmappedUserBuffer_IsEfaultFromTheHandler_AndFPosStays()
    {
        var state = new RamState("abcdef");
        CreateRam("ram", state);
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDWR);
        const nuint unmapped = 0x1000; // passes access_ok, but nothing is mapped there
        Assert.That(Proc.Read(fd, unmapped, 4), Is.EqualTo((nint)Err(Errno.EFAULT)));
        Assert.That(state.ReadCalls, Is.EqualTo(1), "the handler ran and faulted in copy_to_user");
        Assert.That(Proc.Write(fd, unmapped, 4), Is.EqualTo((nint)Err(Errno.EFAULT)));
        Assert.That(Proc.Lseek(fd, 0, (int)Whence.Current), Is.Zero);
        Assert.That(state.Text, Is.EqualTo("abcdef"));
    }

    [Test]
    public void PartlyMappedBuffer_GivesAShortRead()
    {
        CreateRam("ram", new RamState("abcdefgh"));
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        UserMapping m = Proc.Memory.Map(4);
        // The mapping is 4 bytes; the read asks for 8 starting 2 bytes in: 2 bytes copy, then a fault.
        nint n = Proc.Read(fd, m.Address + 2, 8);
        Assert.That(n, Is.EqualTo((nint)2));
        Assert.That(Proc.Lseek(fd, 0, (int)Whence.Current), Is.EqualTo(2));
    }

    [Test]
    public void Lseek_RejectsWhenceAboveSeekMax_AndNegative()
    {
        CreateRam("ram", new RamState("abc"));
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        Assert.That(Proc.Lseek(fd, 0, 5), Is.EqualTo((long)Err(Errno.EINVAL)));
        Assert.That(Proc.Lseek(fd, 0, -1), Is.EqualTo((long)Err(Errno.EINVAL)));
        Assert.That(Proc.Lseek(fd, 2, (int)Whence.End), Is.EqualTo(5));
    }

    [Test]
    public void HandlerThatThrows_GivesEio_AndALogLineInThisKernel()
    {
        CreateRam("ram", new RamState("abc") { ThrowInRead = true });
        int fd = Proc.Open("/proc/ram", OpenFlags.O_RDONLY);
        Assert.That(Proc.Read(fd, Buffer(), 1), Is.EqualTo((nint)Err(Errno.EIO)));
        Assert.That(Kernel.Log.Lines, Has.Some.Contains("Tests.Ram.Read threw"));
    }

    [Test]
    public void PathLookup_Errors()
    {
        CreateRam("ram", new RamState("abc"));
        Kernel.Proc.Mkdir("dir");
        Assert.Multiple(() =>
        {
            Assert.That(Proc.Open("/proc/missing", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Open("/tmp/x", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Open("", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Open("/proc", OpenFlags.O_WRONLY), Is.EqualTo(Err(Errno.EISDIR)));
            Assert.That(Proc.Open("/proc/dir", OpenFlags.O_RDWR), Is.EqualTo(Err(Errno.EISDIR)));
            Assert.That(Proc.Open("/proc/dir", OpenFlags.O_RDONLY | OpenFlags.O_TRUNC), Is.EqualTo(Err(Errno.EISDIR)));
            Assert.That(Proc.Open("/proc/dir", OpenFlags.O_RDONLY | OpenFlags.O_CREAT), Is.EqualTo(Err(Errno.EISDIR)));
            // proc's ->lookup answers ENOENT for a name it does not have, before any create or
            // length check (as on Linux 6.18); /dev's simple_lookup checks NAME_MAX
            Assert.That(Proc.Open("/proc/new", OpenFlags.O_WRONLY | OpenFlags.O_CREAT), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Open("/proc/ram", OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL), Is.EqualTo(Err(Errno.EEXIST)));
            Assert.That(Proc.Open("/proc/ram/", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOTDIR)));
            Assert.That(Proc.Open("/proc/ram/x", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOTDIR)));
            Assert.That(Proc.Open("/proc/ram", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY), Is.EqualTo(Err(Errno.ENOTDIR)));
            Assert.That(Proc.Open("/proc/" + new string('a', 300), OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Open("/dev/" + new string('a', 300), OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENAMETOOLONG)));
            Assert.That(Proc.Open("/dev/new", OpenFlags.O_WRONLY | OpenFlags.O_CREAT), Is.GreaterThanOrEqualTo(0), "devtmpfs has ->create");
        });
        Assert.That(Proc.Open("/proc/./dir/../ram", OpenFlags.O_RDONLY), Is.GreaterThanOrEqualTo(0));
        Assert.That(Proc.Open("proc/ram", OpenFlags.O_RDONLY), Is.GreaterThanOrEqualTo(0), "relative to cwd /");
        Assert.That(Kernel.Statistics.LiveFiles, Is.EqualTo(3));
    }

    [Test]
    public void Directory_OpensForRead_ReadIsEisdir_LseekWorks()
    {
        Kernel.Proc.Mkdir("dir");
        int fd = Proc.Open("/proc/dir", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Assert.That(Proc.Read(fd, Buffer(), 10), Is.EqualTo((nint)Err(Errno.EISDIR)));
        Assert.That(Proc.Lseek(fd, 3, (int)Whence.Set), Is.EqualTo(3));
        Assert.That(Proc.Ioctl(fd, 1, 0), Is.EqualTo((long)Err(Errno.ENOTTY)));
    }

    [Test]
    public void ConvenienceErrors_NameTheSyscallAndPath()
    {
        var e = Assert.Throws<KernelErrorException>(() => Proc.ReadAllBytes("/proc/nope"))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.ENOENT));
        Assert.That(e.Message, Does.Contain("open(\"/proc/nope\")"));
        CreateRam("wo", new RamState(), TestTables.RawWriteOnly);
        e = Assert.Throws<KernelErrorException>(() => Proc.ReadAllBytes("/proc/wo"))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EIO));
        Assert.That(e.Message, Does.Contain("read(\"/proc/wo\")"));
        Assert.That(Proc.OpenDescriptorCount, Is.Zero, "the failed cat closed its fd");
        Assert.That(Proc.Memory.MappingCount, Is.Zero, "the temporary buffer was unmapped");
    }

    [Test]
    public void AppendAndTruncate_ConveniencesUseEchoFlags()
    {
        var state = new RamState("abc");
        CreateRam("ram", state);
        Proc.WriteAllText("/proc/ram", "XY", append: true);
        Assert.That(state.Text, Is.EqualTo("abcXY"), "O_APPEND reaches the handler in f_flags");
        Proc.WriteAllText("/proc/ram", "Z");
        Assert.That(state.Text, Is.EqualTo("ZbcXY"), "proc files ignore O_TRUNC; the write lands at 0");
    }

    [Test]
    public void RawCStyleWriteOnlyTable_Works()
    {
        var state = new RamState();
        CreateRam("wo", state, TestTables.RawWriteOnly);
        Proc.WriteAllText("/proc/wo", "raw");
        Assert.That(state.Text, Is.EqualTo("raw"));
    }
}
