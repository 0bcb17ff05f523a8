using System.Collections.Generic;
using System.Linq;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>getdents64 (UserProcess.ReadDirectory) on /dev, on "/" and on /proc, and what it refuses (/sys and debugfs: SysFsTests).</summary>
internal sealed class ReadDirectoryTests : ModelTestBase
{
    private const uint Chr0666 = StatResult.S_IFCHR | 0x1B6;

    [Test]
    public void Dev_is_empty_at_boot_but_for_its_dots()
    {
        var entries = ListDirectory("/dev");
        Assert.That(entries, Is.EqualTo(new[]
        {
            new DirectoryEntry(".", StatOf("/dev").Inode, ProcFs.S_IFDIR),
            new DirectoryEntry("..", StatOf("/").Inode, ProcFs.S_IFDIR),
        }));
    }

    [Test]
    public void Dev_lists_mknod_nodes_sorted_with_their_inode_and_type_and_forgets_unlinked_ones()
    {
        Assert.That(Proc.Mknod("/dev/zz", Chr0666, DeviceNumber.MakeUser(250, 1)), Is.Zero);
        Assert.That(Proc.Mknod("/dev/a", Chr0666, DeviceNumber.MakeUser(250, 2)), Is.Zero);
        Assert.That(Proc.Mknod("/dev/blk", StatResult.S_IFBLK | 0x1B0, DeviceNumber.MakeUser(8, 0)), Is.Zero);
        var entries = ListDirectory("/dev/");
        Assert.That(entries.Skip(2), Is.EqualTo(new[]
        {
            new DirectoryEntry("a", StatOf("/dev/a").Inode, StatResult.S_IFCHR),
            new DirectoryEntry("blk", StatOf("/dev/blk").Inode, StatResult.S_IFBLK),
            new DirectoryEntry("zz", StatOf("/dev/zz").Inode, StatResult.S_IFCHR),
        }));
        Assert.That(Proc.Unlink("/dev/a"), Is.Zero);
        Assert.That(ListDirectory("/dev").Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "blk", "zz" }));
    }

    [Test]
    public void Root_lists_dev_proc_and_sys_and_counts_them_in_its_links()
    {
        var entries = ListDirectory("/");
        Assert.That(entries, Is.EqualTo(new[]
        {
            new DirectoryEntry(".", StatOf("/").Inode, ProcFs.S_IFDIR),
            new DirectoryEntry("..", StatOf("/").Inode, ProcFs.S_IFDIR),
            new DirectoryEntry("dev", StatOf("/dev").Inode, ProcFs.S_IFDIR),
            new DirectoryEntry("proc", StatOf("/proc").Inode, ProcFs.S_IFDIR),
            new DirectoryEntry("sys", StatOf("/sys").Inode, ProcFs.S_IFDIR),
        }));
        Assert.That(Proc.Stat("/", out StatResult root), Is.Zero);
        Assert.That(root.LinkCount, Is.EqualTo(5u), ". and .. plus /dev, /proc and /sys");
    }

    [Test]
    public void Proc_still_lists_in_rb_tree_order_with_its_parent()
    {
        var entries = ListDirectory("/proc");
        Assert.That(entries.Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "misc", "devices" }));
        Assert.That(entries[1].Inode, Is.EqualTo(StatOf("/").Inode));
    }

    [Test]
    public void A_device_node_or_a_missing_name_is_not_a_directory_and_nothing_leaks()
    {
        Assert.That(Proc.Mknod("/dev/n", Chr0666, DeviceNumber.MakeUser(250, 1)), Is.Zero);
        var entries = new List<DirectoryEntry>();
        Assert.That(Proc.ReadDirectory("/dev/n", entries), Is.EqualTo(Err(Errno.ENOTDIR)));
        Assert.That(Proc.ReadDirectory("/dev/missing", entries), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(Proc.ReadDirectory("/dev/n/x", entries), Is.EqualTo(Err(Errno.ENOTDIR)));
        Assert.That(Proc.ReadDirectory("/nowhere", entries), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(entries, Is.Empty);
    }
}
