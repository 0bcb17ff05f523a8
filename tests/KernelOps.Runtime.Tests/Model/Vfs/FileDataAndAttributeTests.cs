using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Vfs;

/// <summary>
/// File data (ramfs' page cache) and attributes, as a real ramfs on Linux 6.18 reports them (the
/// same sequences were run on a <c>mount -t ramfs</c>).
/// </summary>
internal sealed class FileDataAndAttributeTests : VfsTestBase
{
    private int OpenRw(string path) => Proc.Open(path, OpenFlags.O_RDWR | OpenFlags.O_CREAT, 0x1A4);

    private nint Pwrite(int fd, string text, long position) => Proc.Pwrite(fd, UserString(text), (nuint)text.Length, position);

    private string Pread(int fd, int count, long position)
    {
        nuint buffer = Buffer(count);
        nint n = Proc.Pread(fd, buffer, (nuint)count, position);
        Assert.That(n, Is.GreaterThanOrEqualTo((nint)0));
        return ReadString(buffer, (int)n);
    }

    private StatResult Fstat(int fd)
    {
        Assert.That(Proc.Fstat(fd, out StatResult st), Is.Zero);
        return st;
    }

    [Test]
    public void Blocks_count_the_pages_present_and_truncate_frees_them()
    {
        int fd = OpenRw("f");
        Assert.That(Pwrite(fd, new string('x', 5000), 0), Is.EqualTo((nint)5000));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Fstat(fd).Blocks, Is.EqualTo(16), "two pages");
            Assert.That(Fstat(fd).BlockSize, Is.EqualTo(4096u));
            Assert.That(Proc.Ftruncate(fd, 100000), Is.Zero);
            Assert.That((Fstat(fd).Size, Fstat(fd).Blocks), Is.EqualTo((100000L, 16L)), "growing adds no page");
            Assert.That(Pread(fd, 10, 50000), Is.EqualTo(new string('\0', 10)), "no holes: zeros");
            Assert.That(Fstat(fd).Blocks, Is.EqualTo(24), "reading inside i_size brings the page in");
            Assert.That(Proc.Ftruncate(fd, 10), Is.Zero);
            Assert.That(Fstat(fd).Blocks, Is.EqualTo(8));
            Assert.That(Pwrite(fd, "y", 16384), Is.EqualTo((nint)1));
            Assert.That((Fstat(fd).Size, Fstat(fd).Blocks), Is.EqualTo((16385L, 16L)));
            Assert.That(Kernel.Statistics.PageCacheBytes, Is.EqualTo(2 * 4096));
        }
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(Proc.Unlink("f"), Is.Zero);
        Assert.That(Kernel.Statistics.PageCacheBytes, Is.Zero, "evicted with its pages");
    }

    [Test]
    public void SEEK_DATA_and_SEEK_HOLE_see_no_holes()
    {
        int fd = OpenRw("f");
        Assert.That(Pwrite(fd, "0123456789", 0), Is.EqualTo((nint)10));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Lseek(fd, 0, (int)Whence.Data), Is.Zero);
            Assert.That(Proc.Lseek(fd, 0, (int)Whence.Hole), Is.EqualTo(10));
            Assert.That(Proc.Lseek(fd, 10, (int)Whence.Data), Is.EqualTo((long)Err(Errno.ENXIO)));
            Assert.That(Proc.Lseek(fd, -1, (int)Whence.Set), Is.EqualTo((long)Err(Errno.EINVAL)));
            Assert.That(Proc.Lseek(fd, 10, (int)Whence.End), Is.EqualTo(20));
        }
    }

    [Test]
    public void Truncate_and_ftruncate_refuse_what_Linux_refuses()
    {
        WriteFile("f", "abc");
        Assert.That(Proc.Mkdir("d", 0x1ED), Is.Zero);
        int ro = Proc.Open("f", OpenFlags.O_RDONLY);
        int dir = Proc.Open("d", OpenFlags.O_RDONLY);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Ftruncate(ro, 0), Is.EqualTo(Err(Errno.EINVAL)), "not open for writing");
            Assert.That(Proc.Ftruncate(dir, 0), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Truncate("d", 0), Is.EqualTo(Err(Errno.EISDIR)));
            Assert.That(Proc.Truncate("f", -1), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Truncate("missing", 0), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Open("d", OpenFlags.O_WRONLY), Is.EqualTo(Err(Errno.EISDIR)));
            Assert.That(Proc.Read(dir, Buffer(), 10), Is.EqualTo((nint)Err(Errno.EISDIR)));
            Assert.That(Proc.Truncate("f", 1), Is.Zero);
            Assert.That(ReadFile("f"), Is.EqualTo("a"));
        }
    }

    [Test]
    public void O_APPEND_writes_at_the_end_even_with_pwrite_and_O_TRUNC_empties()
    {
        WriteFile("f", "abc");
        int fd = Proc.Open("f", OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
        Assert.That(Proc.Lseek(fd, 0, (int)Whence.Set), Is.Zero);
        Assert.That(Proc.Write(fd, UserString("Z"), 1), Is.EqualTo((nint)1));
        Assert.That(Pwrite(fd, "Q", 0), Is.EqualTo((nint)1), "Linux's pwrite on O_APPEND appends");
        Assert.That(ReadFile("f"), Is.EqualTo("abcZQ"));
        Assert.That(Proc.Close(Proc.Open("f", OpenFlags.O_WRONLY | OpenFlags.O_TRUNC)), Is.Zero);
        Assert.That(StatOf("f").Size, Is.Zero);
    }

    [Test]
    public void Mknod_makes_fifos_devices_sockets_and_regular_files_but_no_directories()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Mknod("p", UMode.S_IFIFO | 0x1A4, 0), Is.Zero);
            Assert.That(StatOf("p").Mode, Is.EqualTo(UMode.S_IFIFO | Octal("644")));
            Assert.That(Proc.Mknod("c", UMode.S_IFCHR | 0x1A4, DeviceNumber.MakeUser(1, 3)), Is.Zero);
            Assert.That(StatOf("c").RDevice, Is.EqualTo(DeviceNumber.MakeUser(1, 3)));
            Assert.That(Proc.Mknod("r", 0x1A4, 0), Is.Zero, "no type: a regular file");
            Assert.That(StatOf("r").Mode, Is.EqualTo(UMode.S_IFREG | Octal("644")));
            Assert.That(Proc.Mknod("s", UMode.S_IFSOCK | 0x1ED, 0), Is.Zero);
            Assert.That(StatOf("s").Mode, Is.EqualTo(UMode.S_IFSOCK | Octal("755")));
            Assert.That(Proc.Open("s", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENXIO)), "no socket behind the node");
            Assert.That(Proc.Mknod("dd", UMode.S_IFDIR | 0x1ED, 0), Is.EqualTo(Err(Errno.EPERM)));
            Assert.That(Proc.Mknod("bad", 0xF000 | 0x1ED, 0), Is.EqualTo(Err(Errno.EINVAL)));
        }
    }

    [Test]
    public void Chmod_and_chown_change_mode_and_owner_and_clear_setuid_as_Linux_does()
    {
        WriteFile("f", "");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Chmod("f", Octal("4755")), Is.Zero);
            Assert.That(StatOf("f").Mode, Is.EqualTo(UMode.S_IFREG | Octal("4755")));
            Assert.That(Proc.Chown("f", 1000, 1000), Is.Zero);
            Assert.That(StatOf("f").Mode, Is.EqualTo(UMode.S_IFREG | Octal("755")), "chown of an executable clears setuid");
            Assert.That((StatOf("f").Uid, StatOf("f").Gid), Is.EqualTo((1000u, 1000u)));
            Assert.That(Proc.Chmod("f", Octal("2745")), Is.Zero);
            Assert.That(Proc.Chown("f", 3000, uint.MaxValue), Is.Zero);
            Assert.That(StatOf("f").Mode, Is.EqualTo(UMode.S_IFREG | Octal("2745")), "setgid without group-execute stays (mandatory-locking mark)");
            Assert.That(StatOf("f").Gid, Is.EqualTo(1000u), "-1 leaves the group");
            Assert.That(Proc.Symlink("f", "l"), Is.Zero);
            Assert.That(Proc.Lchown("l", 5, 6), Is.Zero);
            Assert.That((LstatOf("l").Uid, StatOf("f").Uid), Is.EqualTo((5u, 3000u)));
        }
        int fd = Proc.Open("f", OpenFlags.O_WRONLY);
        Assert.That(Proc.Fchmod(fd, Octal("6755")), Is.Zero);
        Assert.That(Proc.Write(fd, UserString("a"), 1), Is.EqualTo((nint)1));
        Assert.That(StatOf("f").Mode, Is.EqualTo(UMode.S_IFREG | Octal("6755")), "root (CAP_FSETID) writing keeps setuid");
        Assert.That(Proc.Fchown(fd, 7, 8), Is.Zero);
        Assert.That((StatOf("f").Uid, StatOf("f").Gid), Is.EqualTo((7u, 8u)));
    }

    [Test]
    public void Utimensat_sets_omits_and_nows_each_time()
    {
        WriteFile("f", "");
        var times = new[] { new KernelTimespec(1, 123), new KernelTimespec(2, 456) };
        Assert.That(Proc.Utimensat(UserProcess.AtFdCwd, "f", times, AtFlags.None), Is.Zero);
        StatResult st = StatOf("f");
        Assert.That((st.AccessTime, st.ModifyTime), Is.EqualTo((times[0], times[1])));
        KernelTimespec ctime = st.ChangeTime;

        Assert.That(Proc.Utimensat(UserProcess.AtFdCwd, "f", new[] { new KernelTimespec(0, UserProcess.UtimeOmit), new KernelTimespec(0, UserProcess.UtimeNow) }, AtFlags.None), Is.Zero);
        st = StatOf("f");
        Assert.That(st.AccessTime, Is.EqualTo(times[0]), "UTIME_OMIT");
        Assert.That(st.ModifyTime.tv_sec, Is.GreaterThan(1000), "UTIME_NOW");
        Assert.That(st.ChangeTime.tv_sec, Is.GreaterThanOrEqualTo(ctime.tv_sec));
        Assert.That(Proc.Utimensat(UserProcess.AtFdCwd, "f", new[] { new KernelTimespec(0, 1_000_000_000), times[1] }, AtFlags.None), Is.EqualTo(Err(Errno.EINVAL)), "nsec out of range");
        Assert.That(Proc.Utimensat(UserProcess.AtFdCwd, "f", null, (AtFlags)0x4), Is.EqualTo(Err(Errno.EINVAL)));
    }

    [Test]
    public void Writes_move_mtime_and_ctime_and_a_new_name_moves_its_directory()
    {
        var old = new[] { new KernelTimespec(5, 0), new KernelTimespec(5, 0) };
        WriteFile("f", "");
        Assert.That(Proc.Utimensat(UserProcess.AtFdCwd, "f", old, AtFlags.None), Is.Zero);
        Assert.That(Proc.Utimensat(UserProcess.AtFdCwd, ".", old, AtFlags.None), Is.Zero);
        int fd = Proc.Open("f", OpenFlags.O_WRONLY);
        Assert.That(Proc.Write(fd, UserString("x"), 1), Is.EqualTo((nint)1));
        Assert.That(StatOf("f").ModifyTime.tv_sec, Is.GreaterThan(5), "file_update_time");
        Assert.That(StatOf(".").ModifyTime.tv_sec, Is.EqualTo(5), "a write does not touch the directory");
        WriteFile("g", "");
        Assert.That(StatOf(".").ModifyTime.tv_sec, Is.GreaterThan(5), "a new name does");
        Assert.That(StatOf(".").ChangeTime.tv_sec, Is.GreaterThan(5));
    }

    [Test]
    public void Statx_reports_the_basic_stats_and_btime_is_absent()
    {
        WriteFile("f", "12345");
        Assert.That(Proc.Statx(UserProcess.AtFdCwd, "f", AtFlags.None, StatxMask.BasicStats | StatxMask.Btime, out StatResult st), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(st.Size, Is.EqualTo(5));
            Assert.That(st.Mask & StatxMask.BasicStats, Is.EqualTo(StatxMask.BasicStats));
            Assert.That(st.Mask & StatxMask.Btime, Is.EqualTo((StatxMask)0), "ramfs keeps no birth time");
            Assert.That(st.MountId, Is.Not.Zero);
        }
    }

    [Test]
    public void Fsync_and_access_answer_for_ramfs_files()
    {
        WriteFile("f", "x", 0x1A4);
        int fd = Proc.Open("f", OpenFlags.O_RDONLY);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Fsync(fd), Is.Zero, "noop_fsync");
            Assert.That(Proc.Fdatasync(fd), Is.Zero);
            Assert.That(Proc.Access("f", 4), Is.Zero);
            Assert.That(Proc.Access("f", 1), Is.EqualTo(Err(Errno.EACCES)), "even root needs an execute bit");
            Assert.That(Proc.Access("missing", 0), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Access("f", 8), Is.EqualTo(Err(Errno.EINVAL)));
        }
    }
}
