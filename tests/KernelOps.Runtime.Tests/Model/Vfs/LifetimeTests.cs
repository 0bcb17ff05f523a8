using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Vfs;

/// <summary>A module file system with just a root directory (libfs' simple_dir_inode_operations): enough to mount and pin.</summary>
[FileSystemType(Name = "emptyfs", Flags = FsFlags.UserNsMount)]
internal static partial class EmptyFsType
{
    [InitFsContext]
    private static KResult InitFsContext(FsContext context)
    {
        context.SetOperations(EmptyFsContextOps.Table);
        return KResult.Ok;
    }

    [KillSuperBlock]
    private static void KillSb(SuperBlock superBlock) => Libfs.KillLitterSuper(superBlock);
}

[FsContextOperations]
internal static partial class EmptyFsContextOps
{
    [GetTree]
    private static KResult GetTree(FsContext context) => Libfs.GetTreeNodev(context, FillSuper);

    private static KResult FillSuper(SuperBlock sb, FsContext context)
    {
        sb.Magic = 0x454d5054;
        using InodeReference root = sb.NewInode();
        Inode inode = root.Borrow();
        inode.SetNumber(1);
        inode.SetMode(UMode.S_IFDIR | 0x1ED);
        inode.SetAllTimesCurrent();
        inode.SetOperations(Libfs.SimpleDirInodeOperations);
        inode.SetFileOperations(Libfs.SimpleDirOperations);
        inode.SetLink(2);
        return sb.MakeRoot(root);
    }
}

internal sealed class EmptyFsModule : IKernelModule
{
    public string Name => "emptyfs";

    public KResult Init(ModuleContext context)
    {
        context.FileSystems.Register(EmptyFsType.Table);
        return KResult.Ok;
    }

    public void Exit() { } // the registration is tracked: unregister_filesystem at unload
}

/// <summary>
/// Who keeps what alive: open files keep unlinked inodes and busy mounts, superblocks pin the
/// module of their type, and when the last holder lets go everything is freed (the kernel's
/// statistics come back to what they were).
/// </summary>
internal sealed class LifetimeTests : VfsTestBase
{
    [Test]
    public void An_unlinked_file_stays_readable_until_its_last_close_then_is_evicted_with_its_pages()
    {
        KernelStatistics before = Kernel.Statistics;
        WriteFile("f", new string('x', 10000));
        int fd = Proc.Open("f", OpenFlags.O_RDWR);
        Assert.That(Proc.Unlink("f"), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Stat("f", out _), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Fstat(fd, out StatResult st), Is.Zero);
            Assert.That(st.LinkCount, Is.Zero);
            Assert.That(ReadFd(fd).Length, Is.EqualTo(10000));
            Assert.That(Proc.Pwrite(fd, UserString("more"), 4, 10000), Is.EqualTo((nint)4), "still writable");
            Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(before.LiveInodes + 1));
            Assert.That(Kernel.Statistics.PageCacheBytes, Is.EqualTo(3 * 4096));
        }
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(Kernel.Statistics, Is.EqualTo(before), "evicted at the last close: inode, dentry and pages freed");
    }

    [Test]
    public void A_file_unlinked_by_another_name_keeps_its_data_through_the_remaining_link()
    {
        WriteFile("a", "shared");
        Assert.That(Proc.Link("a", "b"), Is.Zero);
        KernelStatistics withBoth = Kernel.Statistics;
        Assert.That(Proc.Unlink("a"), Is.Zero);
        Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(withBoth.LiveInodes), "one name left");
        Assert.That(Proc.Unlink("b"), Is.Zero);
        Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(withBoth.LiveInodes - 1));
        Assert.That(Kernel.Statistics.PageCacheBytes, Is.Zero);
    }

    [Test]
    public void O_TMPFILE_files_have_no_name_until_linkat_and_vanish_at_close_otherwise()
    {
        KernelStatistics before = Kernel.Statistics;
        int fd = Proc.Open(".", OpenFlags.O_RDWR | OpenFlags.O_TMPFILE, 0x1A4);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Assert.That(Proc.Write(fd, UserString("tmp"), 3), Is.EqualTo((nint)3));
        Assert.That(Names("."), Is.Empty);
        Assert.That(Proc.Fstat(fd, out StatResult st), Is.Zero);
        Assert.That((st.LinkCount, st.IsRegular), Is.EqualTo((0u, true)));
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(Kernel.Statistics, Is.EqualTo(before));

        fd = Proc.Open(".", OpenFlags.O_WRONLY | OpenFlags.O_TMPFILE, 0x1A4);
        Assert.That(Proc.Write(fd, UserString("kept"), 4), Is.EqualTo((nint)4));
        Assert.That(Proc.Linkat(fd, "", UserProcess.AtFdCwd, "named", AtFlags.EmptyPath), Is.Zero);
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(ReadFile("named"), Is.EqualTo("kept"));
        Assert.That(StatOf("named").LinkCount, Is.EqualTo(1u));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Open(".", OpenFlags.O_RDONLY | OpenFlags.O_TMPFILE, 0x1A4), Is.EqualTo(Err(Errno.EINVAL)), "O_TMPFILE needs write access");
            Assert.That(Proc.Open("named", OpenFlags.O_RDWR | OpenFlags.O_TMPFILE, 0x1A4), Is.EqualTo(Err(Errno.ENOTDIR)));
            Assert.That(Proc.Open("/proc", OpenFlags.O_RDWR | OpenFlags.O_TMPFILE, 0x1A4), Is.EqualTo(Err(Errno.EOPNOTSUPP)), "proc has no ->tmpfile");
        }
    }

    [Test]
    public void O_PATH_descriptors_name_a_file_without_opening_it()
    {
        WriteFile("f", "data");
        int path = Proc.Open("f", OpenFlags.O_PATH);
        Assert.That(path, Is.GreaterThanOrEqualTo(0));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Read(path, Buffer(), 4), Is.EqualTo((nint)Err(Errno.EBADF)));
            Assert.That(Proc.Fstat(path, out StatResult st), Is.Zero);
            Assert.That(st.Size, Is.EqualTo(4));
            Assert.That(Proc.Fchmod(path, 0x1FF), Is.EqualTo(Err(Errno.EBADF)));
            int reopened = Proc.Reopen(path, OpenFlags.O_RDONLY);
            Assert.That(reopened, Is.GreaterThanOrEqualTo(0), "what open(/proc/self/fd/N) does");
            Assert.That(ReadFd(reopened), Is.EqualTo("data"));
            Assert.That(Proc.Symlink("f", "l"), Is.Zero);
            int link = Proc.Open("l", OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW);
            Assert.That(link, Is.GreaterThanOrEqualTo(0), "O_PATH|O_NOFOLLOW opens the link itself");
            Assert.That(Proc.Fstatat(link, "", out StatResult ls, AtFlags.EmptyPath), Is.Zero);
            Assert.That(ls.IsSymbolicLink, Is.True);
        }
    }

    [Test]
    public void Umount_is_EBUSY_while_a_file_or_working_directory_is_inside_and_MNT_DETACH_frees_at_the_last_close()
    {
        Assert.That(Proc.Chdir("/"), Is.Zero);
        WriteFile("/mnt/f", "x");
        int fd = Proc.Open("/mnt/f", OpenFlags.O_RDONLY);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Umount(Mnt), Is.EqualTo(Err(Errno.EBUSY)));
            Assert.That(Proc.Umount("/mnt/f"), Is.EqualTo(Err(Errno.EINVAL)), "not a mount point");
            Assert.That(Proc.Umount("/nowhere"), Is.EqualTo(Err(Errno.ENOENT)));
        }
        Assert.That(Proc.Umount2(Mnt, UnmountFlags.Detach), Is.Zero);
        Assert.That(Proc.Stat("/mnt/f", out _), Is.EqualTo(Err(Errno.ENOENT)), "/mnt is rootfs' empty directory again");
        Assert.That(ReadFd(fd), Is.EqualTo("x"), "the open file still works");
        Assert.That(Kernel.Statistics.LiveSuperBlocks, Is.EqualTo(BeforeMount.LiveSuperBlocks + 1));
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(Kernel.Statistics, Is.EqualTo(BeforeMount), "superblock, mount, inodes and dentries gone");
    }

    [Test]
    public void Umount_of_a_working_directory_is_EBUSY_and_succeeds_once_it_moves()
    {
        UserProcess other = Kernel.CreateProcess("cwd");
        Assert.That(other.Chdir(Mnt), Is.Zero);
        Assert.That(Proc.Chdir("/"), Is.Zero);
        Assert.That(Proc.Umount(Mnt), Is.EqualTo(Err(Errno.EBUSY)));
        Assert.That(other.Chdir("/"), Is.Zero);
        Assert.That(Proc.Umount(Mnt), Is.Zero);
        other.Dispose();
        Assert.That(Kernel.Statistics, Is.EqualTo(BeforeMount));
    }

    [Test]
    public void Rmmod_of_a_mounted_file_system_is_refused_until_umount()
    {
        Kernel.Modules.Load(new EmptyFsModule());
        Assert.That(Kernel.FileSystems.ProcFilesystemsText(), Does.Contain("nodev\temptyfs\n"));
        Assert.That(Proc.Mkdir("/mnt/e", 0x1ED), Is.Zero);
        Assert.That(Proc.Mount("none", "/mnt/e", "emptyfs"), Is.Zero);
        Assert.That(Kernel.Modules.Unload("emptyfs"), Is.EqualTo((KResult)Errno.EAGAIN), "the superblock pins the module");
        Assert.That(Proc.Umount("/mnt/e"), Is.Zero);
        Assert.That(Kernel.Modules.Unload("emptyfs").IsOk, Is.True);
        Assert.That(Kernel.FileSystems.ProcFilesystemsText(), Does.Not.Contain("emptyfs"));
        Assert.That(Proc.Mount("none", "/mnt/e", "emptyfs"), Is.EqualTo(Err(Errno.ENODEV)), "unregistered with its module");
    }

    [Test]
    public void Mount_checks_its_arguments_and_ramfs_takes_mode()
    {
        WriteFile("file", "");
        Assert.That(Proc.Mkdir("m", 0x1ED), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Mount("none", "m", "nosuchfs"), Is.EqualTo(Err(Errno.ENODEV)));
            Assert.That(Proc.Mount("none", "missing", "ramfs"), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Mount("none", "file", "ramfs"), Is.EqualTo(Err(Errno.ENOTDIR)));
            Assert.That(Proc.Mount("none", "m", "ramfs", data: "mode=abc"), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Kernel.Log.Lines, Has.Some.Contains("ramfs: Bad value for 'mode'"));
            Assert.That(Proc.Mount("none", "m", "ramfs", data: "mode=1777,unknown=1"), Is.Zero, "ramfs ignores options it does not know");
            Assert.That(StatOf("m").Mode, Is.EqualTo(UMode.S_IFDIR | Octal("1777")));
        }
        using UserProcess user = User(1000, 1000);
        Assert.That(user.Mount("none", "/mnt/m", "ramfs"), Is.EqualTo(Err(Errno.EPERM)), "mounting needs CAP_SYS_ADMIN");
        Assert.That(user.Umount("/mnt/m"), Is.EqualTo(Err(Errno.EPERM)));
    }

    [Test]
    public void Mounts_stack_and_dot_dot_climbs_out_of_each()
    {
        Assert.That(Proc.Mkdir("inner", 0x1ED), Is.Zero);
        WriteFile("inner/under", "");
        Assert.That(Proc.Mount("none", "inner", "ramfs"), Is.Zero);
        Assert.That(Names("inner"), Is.Empty, "the mount covers the directory");
        WriteFile("inner/over", "");
        Assert.That(Proc.Mount("none", "inner", "ramfs"), Is.Zero, "a second mount on the same point");
        Assert.That(Names("inner"), Is.Empty);
        Assert.That(StatOf("inner/..").Inode, Is.EqualTo(StatOf(".").Inode));
        Assert.That(Proc.Umount("inner"), Is.Zero);
        Assert.That(Names("inner"), Is.EqualTo(new[] { "over" }));
        Assert.That(Proc.Umount("inner"), Is.Zero);
        Assert.That(Names("inner"), Is.EqualTo(new[] { "under" }));
        Assert.That(Proc.Rmdir("inner"), Is.EqualTo(Err(Errno.ENOTEMPTY)));
    }

    [Test]
    public void A_mount_point_cannot_be_removed_or_renamed()
    {
        Assert.That(Proc.Mkdir("mp", 0x1ED), Is.Zero);
        Assert.That(Proc.Mount("none", "mp", "ramfs"), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Rmdir("mp"), Is.EqualTo(Err(Errno.EBUSY)));
            Assert.That(Proc.Rename("mp", "other"), Is.EqualTo(Err(Errno.EBUSY)));
            Assert.That(Proc.Rmdir("/mnt"), Is.EqualTo(Err(Errno.EBUSY)));
        }
    }

    [Test]
    public void Concurrent_lookups_and_renames_keep_every_name_reachable()
    {
        // The dentry count changes without a lock (dget, dput above 1) and with it (lookup, kill):
        // four threads that look names up while another renames them back and forth must never
        // lose one.
        for (int i = 0; i < 8; i++) WriteFile($"f{i}", $"{i}");
        int stop = 0;
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var readers = new Thread[4];
        for (int t = 0; t < readers.Length; t++)
        {
            int id = t;
            readers[t] = new Thread(() =>
            {
                using UserProcess p = Kernel.CreateProcess($"r{id}");
                while (Volatile.Read(ref stop) == 0)
                {
                    for (int i = 0; i < 4; i++)
                    {
                        int fd = p.Open($"/mnt/f{i}", OpenFlags.O_RDONLY);
                        if (fd < 0) { failures.Add($"open f{i}: {(Errno)(-fd)}"); continue; }
                        p.Close(fd);
                    }
                }
            });
            readers[t].Start();
        }
        for (int round = 0; round < 2000; round++)
        {
            int i = 4 + round % 4;
            Assert.That(Proc.Rename($"f{i}", $"g{i}"), Is.Zero);
            Assert.That(Proc.Rename($"g{i}", $"f{i}"), Is.Zero);
        }
        Volatile.Write(ref stop, 1);
        foreach (Thread t in readers) Assert.That(t.Join(System.TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(failures, Is.Empty);
    }
}
