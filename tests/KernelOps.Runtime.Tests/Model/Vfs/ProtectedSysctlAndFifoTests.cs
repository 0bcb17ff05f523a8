using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Vfs;

/// <summary>
/// The fs.protected_* sysctls (0 by default, as the kernel has them; distributions raise them) and
/// the sticky-directory check on O_CREAT that applies whatever they are; then FIFOs as fs/pipe.c
/// keeps them: 16 page buffers, reads across buffers, and the data gone with the last close. The
/// differential test against Linux's ramfs found each of these.
/// </summary>
internal sealed class ProtectedSysctlAndFifoTests : VfsTestBase
{
    private UserProcess _user = null!;

    [SetUp]
    public void MakeStickyDirectory()
    {
        Assert.That(Proc.Mkdir("tmp", 0x1FF), Is.Zero);
        Assert.That(Proc.Chmod("tmp", Octal("1777")), Is.Zero);
        WriteFile("tmp/roots", "secret", Octal("644"));
        Assert.That(Proc.Symlink("roots", "tmp/rootlink"), Is.Zero);
        Assert.That(Proc.Mknod("tmp/rootfifo", UMode.S_IFIFO | Octal("666"), 0), Is.Zero);
        _user = User(1000, 1000);
    }

    [TearDown]
    public void ExitUser() => _user.Dispose();

    [Test]
    public void Protected_hardlinks_refuses_links_to_files_the_caller_cannot_read_and_write()
    {
        Assert.That(Kernel.FsSysctls.ProtectedHardlinks, Is.Zero, "the kernel's default");
        Assert.That(_user.Link("tmp/roots", "tmp/mine"), Is.Zero, "0: any file may be linked");
        Assert.That(_user.Unlink("tmp/mine"), Is.EqualTo(Err(Errno.EPERM)), "sticky: neither the link's inode nor the directory is the user's");
        Assert.That(Proc.Unlink("tmp/mine"), Is.Zero);
        Kernel.FsSysctls.ProtectedHardlinks = 1;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_user.Link("tmp/roots", "tmp/mine"), Is.EqualTo(Err(Errno.EPERM)), "may_linkat comes before may_create");
            Assert.That(_user.Link("tmp/roots", "/mnt/ro-for-user"), Is.EqualTo(Err(Errno.EPERM)), "EPERM, not the EACCES of the directory");
            Assert.That(Proc.Chmod("tmp/roots", Octal("666")), Is.Zero);
            Assert.That(_user.Link("tmp/roots", "tmp/mine"), Is.Zero, "readable and writable: a safe source");
            Assert.That(Proc.Chmod("tmp/roots", Octal("4666")), Is.Zero);
            Assert.That(_user.Link("tmp/roots", "tmp/mine2"), Is.EqualTo(Err(Errno.EPERM)), "setuid is never a safe source");
            Assert.That(Proc.Link("tmp/roots", "tmp/roots2"), Is.Zero, "root has CAP_FOWNER");
        }
        Assert.That(() => Kernel.FsSysctls.ProtectedHardlinks = 2, Throws.TypeOf<System.ArgumentOutOfRangeException>());
    }

    [Test]
    public void Protected_symlinks_refuses_to_follow_another_users_link_in_a_sticky_world_writable_directory()
    {
        Assert.That(_user.Symlink("roots", "tmp/userlink"), Is.Zero);
        Assert.That(_user.Stat("tmp/rootlink", out _), Is.Zero, "0: followed");
        Kernel.FsSysctls.ProtectedSymlinks = 1;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(_user.Stat("tmp/rootlink", out _), Is.Zero, "the directory's owner (root) owns the link");
            Assert.That(Proc.Stat("tmp/userlink", out _), Is.EqualTo(Err(Errno.EACCES)), "root following the user's link");
            Assert.That(_user.Stat("tmp/userlink", out _), Is.Zero, "its owner follows it");
            Assert.That(Proc.Lstat("tmp/userlink", out _), Is.Zero, "a link not followed is not checked");
            Assert.That(Proc.Stat("tmp/userlink/", out _), Is.EqualTo(Err(Errno.EACCES)), "a trailing slash still makes it the trailing link");
            Assert.That(_user.Mkdir("tmp/d", 0x1FF), Is.Zero);
            Assert.That(_user.Symlink("d", "tmp/dirlink"), Is.Zero);
            Assert.That(Proc.Stat("tmp/dirlink/.", out _), Is.Zero, "a link in the middle of a path is not checked");
        }
    }

    [Test]
    public void O_CREAT_on_another_users_existing_file_in_a_sticky_directory()
    {
        // files of uid 1001 in root's sticky directory: neither the caller's nor the directory owner's
        WriteFile("tmp/others", "", Octal("666"));
        Assert.That(Proc.Chown("tmp/others", 1001, 1001), Is.Zero);
        Assert.That(Proc.Chmod("tmp/others", Octal("666")), Is.Zero);
        Assert.That(Proc.Mknod("tmp/othersfifo", UMode.S_IFIFO | Octal("666"), 0), Is.Zero);
        Assert.That(Proc.Chown("tmp/othersfifo", 1001, 1001), Is.Zero);
        Assert.That(Proc.Symlink("others", "tmp/otherslink"), Is.Zero);
        Assert.That(Proc.Lchown("tmp/otherslink", 1001, 1001), Is.Zero);
        const OpenFlags CreateNoFollow = OpenFlags.O_RDONLY | OpenFlags.O_CREAT | OpenFlags.O_NOFOLLOW;
        using (Assert.EnterMultipleScope())
        {
            // whatever the sysctls say, a file neither regular nor a FIFO (a symlink not followed) is
            // refused unless the caller or the directory's owner owns it
            Assert.That(_user.Open("tmp/otherslink", CreateNoFollow, 0x1A4), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(Proc.Open("tmp/otherslink", CreateNoFollow, 0x1A4), Is.EqualTo(Err(Errno.EACCES)), "root too: no capability overrides it");
            Assert.That(_user.Open("tmp/rootlink", CreateNoFollow, 0x1A4), Is.EqualTo(Err(Errno.ELOOP)), "owned by the directory's owner");
            Assert.That(_user.Close(_user.Open("tmp/others", OpenFlags.O_RDONLY | OpenFlags.O_CREAT, 0x1A4)), Is.Zero, "protected_regular 0");
            Kernel.FsSysctls.ProtectedRegular = 1;
            Kernel.FsSysctls.ProtectedFifos = 1;
            Assert.That(_user.Open("tmp/others", OpenFlags.O_RDONLY | OpenFlags.O_CREAT, 0x1A4), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(_user.Open("tmp/othersfifo", OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK | OpenFlags.O_CREAT, 0x1A4), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(_user.Close(_user.Open("tmp/roots", OpenFlags.O_RDONLY | OpenFlags.O_CREAT, 0x1A4)), Is.Zero, "the directory's owner's file");
            Assert.That(_user.Close(_user.Open("tmp/others", OpenFlags.O_RDONLY, 0)), Is.Zero, "without O_CREAT nothing is checked");
        }
    }

    [Test]
    public void A_fifo_reads_across_its_buffers_counts_buffers_not_bytes_and_forgets_its_data_at_the_last_close()
    {
        int fd = Proc.Open("tmp/rootfifo", OpenFlags.O_RDWR | OpenFlags.O_NONBLOCK);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        nuint data = Buffer(65536);
        using (Assert.EnterMultipleScope())
        {
            // 4548 bytes: a full page and a 452-byte one; a second 4548-byte write merges its 452-byte
            // head into the second page (452 + 452 fits), then takes a third page for the rest
            Assert.That(Proc.Write(fd, data, 4548), Is.EqualTo((nint)4548));
            Assert.That(Proc.Write(fd, data, 4548), Is.EqualTo((nint)4548));
            Assert.That(Proc.Read(fd, data, 9000), Is.EqualTo((nint)9000), "one read takes from every buffer it needs");
            Assert.That(Proc.Read(fd, data, 9000), Is.EqualTo((nint)96));
            // 16 one-byte writes into an empty pipe: the first opens a page, the rest merge into it
            for (int i = 0; i < 16; i++) Assert.That(Proc.Write(fd, data, 1), Is.EqualTo((nint)1));
            Assert.That(Proc.Read(fd, data, 100), Is.EqualTo((nint)16));
            // page-sized writes fill the 16 buffers: 64 KiB, then EAGAIN
            for (int i = 0; i < 16; i++) Assert.That(Proc.Write(fd, data, 4096), Is.EqualTo((nint)4096));
            Assert.That(Proc.Write(fd, data, 1), Is.EqualTo(-(nint)Errno.EAGAIN), "the last buffer is full");
            Assert.That(Proc.Read(fd, data, 10), Is.EqualTo((nint)10));
            Assert.That(Proc.Write(fd, data, 11), Is.EqualTo(-(nint)Errno.EAGAIN), "every buffer is taken though 10 bytes are free");
            Assert.That(Proc.Read(fd, data, 4086), Is.EqualTo((nint)4086));
            Assert.That(Proc.Write(fd, data, 5000), Is.EqualTo((nint)4096), "one free buffer: a partial write of a page");
        }
        Assert.That(Proc.Close(fd), Is.Zero);
        fd = Proc.Open("tmp/rootfifo", OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK);
        Assert.That(Proc.Read(fd, data, 100), Is.EqualTo((nint)0), "the last close freed the pipe and its data: empty, no writer");
        Assert.That(Proc.Close(fd), Is.Zero);
    }
}
