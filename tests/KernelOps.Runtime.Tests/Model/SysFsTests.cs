using System.Collections.Generic;
using System.Linq;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>
/// sysfs' <c>/sys</c> and <c>/sys/kernel</c> (the directories debugfs is mounted under), what
/// Linux answers for them (checked against a real /sys: 0555 and 0755, EISDIR, EACCES), and the
/// one path walk crossing the model's mounts, ".." included.
/// </summary>
internal sealed class SysFsTests : ModelTestBase
{
    private const uint Dir = ProcFs.S_IFDIR;

    [Test]
    public void Sys_and_sys_kernel_stat_as_sysfs_directories()
    {
        StatResult sys = StatOf("/sys"), kernel = StatOf("/sys/kernel"), debug = StatOf("/sys/kernel/debug");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sys.Mode, Is.EqualTo(Dir | 0x16D), "kernfs_create_root: S_IFDIR | 0555");
            Assert.That(kernel.Mode, Is.EqualTo(Dir | 0x1ED), "sysfs_create_dir_ns for kernel_kobj: 0755");
            Assert.That(sys.LinkCount, Is.EqualTo(5u), ". and .. plus the .. of bus, devices and kernel");
            Assert.That(kernel.LinkCount, Is.EqualTo(3u), ". and .. plus debug's ..");
            Assert.That(kernel.Device, Is.EqualTo(sys.Device), "one sysfs superblock");
            Assert.That(new[] { StatOf("/").Device, StatOf("/proc").Device, debug.Device, StatOf("/dev").Device }, Has.None.EqualTo(sys.Device),
                "sysfs is a filesystem of its own");
            // a FUSE mount of "/" shows every inode on one st_dev: no directory may share an ancestor's number
            Assert.That(new[] { StatOf("/").Inode, sys.Inode, kernel.Inode, debug.Inode }, Is.Unique);
            Assert.That(sys.Size, Is.Zero);
        }
    }

    [Test]
    public void Getdents_of_sys_lists_kernel_and_of_sys_kernel_lists_debug_with_their_parents()
    {
        // As getdents64 shows on Linux 6.18: ".." of a mount's root is the root itself, and a
        // mount point lists with the inode of the directory it covers, not of the mounted root.
        ulong sys = StatOf("/sys").Inode, kernel = StatOf("/sys/kernel").Inode, debug = StatOf("/sys/kernel/debug").Inode;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ListDirectory("/sys"), Is.EqualTo(new[]
            {
                new DirectoryEntry(".", sys, Dir), new DirectoryEntry("..", sys, Dir),
                new DirectoryEntry("bus", StatOf("/sys/bus").Inode, Dir), new DirectoryEntry("devices", StatOf("/sys/devices").Inode, Dir),
                new DirectoryEntry("kernel", kernel, Dir),
            }));
            List<DirectoryEntry> sysKernel = ListDirectory("/sys/kernel/");
            Assert.That(sysKernel.Take(2), Is.EqualTo(new[] { new DirectoryEntry(".", kernel, Dir), new DirectoryEntry("..", sys, Dir) }));
            Assert.That(sysKernel.Skip(2).Select(e => (e.Name, e.Mode)), Is.EqualTo(new[] { ("debug", Dir) }));
            Assert.That(sysKernel[2].Inode, Is.Not.EqualTo(debug), "the covered sysfs directory, not debugfs' root");
            Assert.That(ListDirectory("/sys/kernel/debug"), Is.EqualTo(new[]
            {
                new DirectoryEntry(".", debug, Dir), new DirectoryEntry("..", debug, Dir),
            }), "an empty debugfs");
        }
    }

    [Test]
    public void Open_O_DIRECTORY_of_sys_works_and_reads_are_EISDIR()
    {
        foreach (string path in new[] { "/sys", "/sys/kernel", "sys/kernel/" })
        {
            int fd = Proc.Open(path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
            Assert.That(fd, Is.GreaterThanOrEqualTo(0), path);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(Proc.Read(fd, Buffer(16), 16), Is.EqualTo((nint)Err(Errno.EISDIR)), "generic_read_dir");
                Assert.That(Proc.Fstat(fd, out StatResult st), Is.Zero);
                Assert.That(st.IsDirectory, Is.True);
                Assert.That(Proc.Lseek(fd, 0, (int)Whence.Set), Is.Zero, "generic_file_llseek");
            }
            Assert.That(Proc.Close(fd), Is.Zero);
        }
        Assert.That(Kernel.Statistics.OpenDescriptors, Is.Zero);
    }

    [TestCase(OpenFlags.O_WRONLY)]
    [TestCase(OpenFlags.O_RDWR)]
    [TestCase(OpenFlags.O_RDONLY | OpenFlags.O_TRUNC)]
    public void Opening_sys_or_sys_kernel_for_writing_is_EISDIR(OpenFlags flags)
    {
        Assert.That(Proc.Open("/sys", flags), Is.EqualTo(Err(Errno.EISDIR)));
        Assert.That(Proc.Open("/sys/kernel", flags), Is.EqualTo(Err(Errno.EISDIR)));
    }

    [Test]
    public void Creating_in_sys_fails_as_on_a_real_sysfs()
    {
        const OpenFlags Creat = OpenFlags.O_WRONLY | OpenFlags.O_CREAT;
        using (Assert.EnterMultipleScope())
        {
            // kernfs directories have no ->create: lookup_open answers EACCES (root included)
            Assert.That(Proc.Open("/sys/new", Creat, 0x1A4), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(Proc.Open("/sys/kernel/new", Creat | OpenFlags.O_EXCL, 0x1A4), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(Proc.Open("/sys/kernel", Creat), Is.EqualTo(Err(Errno.EISDIR)), "do_open: O_CREAT on a directory");
            Assert.That(Proc.Open("/sys", Creat | OpenFlags.O_EXCL), Is.EqualTo(Err(Errno.EEXIST)), "do_open: O_EXCL and nothing created");
            Assert.That(Proc.Open("/sys/missing/new", Creat), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Open("/sys/new", OpenFlags.O_RDONLY | OpenFlags.O_CREAT | OpenFlags.O_DIRECTORY), Is.EqualTo(Err(Errno.EINVAL)));
            // vfs_mknod: kernfs has no ->mknod
            Assert.That(Proc.Mknod("/sys/kernel/node", StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(1, 3)), Is.EqualTo(Err(Errno.EPERM)));
            Assert.That(Proc.Mknod("/sys/kernel", StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(1, 3)), Is.EqualTo(Err(Errno.EEXIST)));
            Assert.That(Proc.Mknod("/sys/missing/node", StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(1, 3)), Is.EqualTo(Err(Errno.ENOENT)));
        }
        Assert.That(ListDirectory("/sys").Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "bus", "devices", "kernel" }), "nothing was created");
        Assert.That(Proc.Stat("/sys/new", out _), Is.EqualTo(Err(Errno.ENOENT)));
    }

    [Test]
    public void Mknod_still_creates_in_dev_however_the_path_is_spelled()
    {
        Assert.That(Proc.Mknod("/sys/../dev/./node", StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(1, 3)), Is.Zero);
        Assert.That(StatOf("/dev/node").IsCharacterDevice, Is.True);
        Assert.That(Proc.Unlink("/dev/node"), Is.Zero);
    }

    [Test]
    public void Dotdot_leads_back_across_mounts_and_stops_at_the_root()
    {
        ulong kernel = StatOf("/sys/kernel").Inode;
        using DebugFsEntry dir = Kernel.DebugFs.CreateDirectory("drv");
        using DebugFsFile<int> file = Kernel.DebugFs.CreateValueFile("n", dir, 7);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(StatOf("/sys/kernel/debug/..").Inode, Is.EqualTo(kernel), "debugfs' root leads back to the mount point's directory");
            Assert.That(StatOf("/sys/kernel/debug/drv/../../debug/./drv/n").Size, Is.Zero);
            Assert.That(StatOf("/proc/../sys/kernel").Inode, Is.EqualTo(kernel));
            Assert.That(StatOf("/dev/../../../sys/kernel").Inode, Is.EqualTo(kernel));
            Assert.That(Proc.ReadAllText("/sys/kernel/../kernel/debug/drv/n"), Is.EqualTo("7\n"));
            Assert.That(Proc.Stat("/sys/kernel/debug/drv/n/..", out _), Is.EqualTo(Err(Errno.ENOTDIR)), "a file has no ..");
            Assert.That(Proc.Stat("/sys/kernel/debug/drv/n/", out _), Is.EqualTo(Err(Errno.ENOTDIR)));
            Assert.That(Proc.Stat("/sys/nothing/..", out _), Is.EqualTo(Err(Errno.ENOENT)));
        }
    }

    [Test]
    public void Debugfs_directories_list_their_entries_and_forget_removed_ones()
    {
        using DebugFsEntry dir = Kernel.DebugFs.CreateDirectory("drv");
        using DebugFsFile<int> b = Kernel.DebugFs.CreateValueFile("b", dir, 1);
        using DebugFsFile<int> a = Kernel.DebugFs.CreateValueFile("a", dir, 2);
        DebugFsEntry sub = Kernel.DebugFs.CreateDirectory("sub", dir);
        ulong drv = StatOf("/sys/kernel/debug/drv").Inode;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(ListDirectory("/sys/kernel/debug/drv"), Is.EqualTo(new[]
            {
                new DirectoryEntry(".", drv, Dir),
                new DirectoryEntry("..", StatOf("/sys/kernel/debug").Inode, Dir),
                // newest first: debugfs directories are libfs' (dcache_readdir)
                new DirectoryEntry("sub", StatOf("/sys/kernel/debug/drv/sub").Inode, Dir),
                new DirectoryEntry("a", StatOf("/sys/kernel/debug/drv/a").Inode, ProcFs.S_IFREG),
                new DirectoryEntry("b", StatOf("/sys/kernel/debug/drv/b").Inode, ProcFs.S_IFREG),
            }));
            Assert.That(StatOf("/sys/kernel/debug/drv").LinkCount, Is.EqualTo(3u), "debugfs_create_dir adds a link to its parent");
            Assert.That(ListDirectory("/sys/kernel/debug/drv/sub")[1].Inode, Is.EqualTo(drv));
        }
        sub.Dispose();
        a.Dispose();
        Assert.That(ListDirectory("/sys/kernel/debug/drv").Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "b" }));
        var entries = new List<DirectoryEntry>();
        Assert.That(Proc.ReadDirectory("/sys/kernel/debug/drv/sub", entries), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(Proc.ReadDirectory("/sys/kernel/debug/drv/b", entries), Is.EqualTo(Err(Errno.ENOTDIR)));
        Assert.That(entries, Is.Empty);
    }

    [Test]
    public void A_directory_held_open_while_its_subtree_goes_lists_nothing_and_leaks_nothing()
    {
        DebugFsEntry dir = Kernel.DebugFs.CreateDirectory("gone");
        Kernel.DebugFs.CreateValueFile("v", dir, 1);
        int fd = Proc.Open("/sys/kernel/debug/gone", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        long inodes = Kernel.Statistics.LiveInodes;
        dir.Dispose();
        Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(inodes - 1), "the file went; the open directory keeps its inode");
        Assert.That(Proc.Fstat(fd, out StatResult st), Is.Zero);
        Assert.That(st.LinkCount, Is.Zero, "removed: simple_rmdir dropped . and its name, as fstat shows on Linux");
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(Kernel.Statistics.LiveInodes, Is.EqualTo(inodes - 2));
    }
}
