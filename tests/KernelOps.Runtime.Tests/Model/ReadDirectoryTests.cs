using System.Collections.Generic;
using System.Linq;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>
/// getdents64 (UserProcess.ReadDirectory) on /dev, on "/" and on /proc, and what it refuses (/sys and
/// debugfs: SysFsTests). As on Linux 6.18 (checked with getdents64 on a real machine): libfs
/// directories (rootfs, devtmpfs, ramfs) list newest first, as dcache_readdir walks d_children,
/// which d_alloc fills at the head; ".." of a mount's root is the root itself (parent_ino stays
/// inside the file system).
/// </summary>
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
            new DirectoryEntry("..", StatOf("/dev").Inode, ProcFs.S_IFDIR),
        }));
    }

    [Test]
    public void Dev_lists_mknod_nodes_newest_first_with_their_inode_and_type_and_forgets_unlinked_ones()
    {
        Assert.That(Proc.Mknod("/dev/zz", Chr0666, DeviceNumber.MakeUser(250, 1)), Is.Zero);
        Assert.That(Proc.Mknod("/dev/a", Chr0666, DeviceNumber.MakeUser(250, 2)), Is.Zero);
        Assert.That(Proc.Mknod("/dev/blk", StatResult.S_IFBLK | 0x1B0, DeviceNumber.MakeUser(8, 0)), Is.Zero);
        var entries = ListDirectory("/dev/");
        Assert.That(entries.Skip(2), Is.EqualTo(new[]
        {
            new DirectoryEntry("blk", StatOf("/dev/blk").Inode, StatResult.S_IFBLK),
            new DirectoryEntry("a", StatOf("/dev/a").Inode, StatResult.S_IFCHR),
            new DirectoryEntry("zz", StatOf("/dev/zz").Inode, StatResult.S_IFCHR),
        }));
        Assert.That(Proc.Unlink("/dev/a"), Is.Zero);
        Assert.That(ListDirectory("/dev").Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "blk", "zz" }));
        Assert.That(Proc.Mknod("/dev/a", Chr0666, DeviceNumber.MakeUser(250, 2)), Is.Zero);
        Assert.That(ListDirectory("/dev").Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "a", "blk", "zz" }), "a new node goes first");
    }

    [Test]
    public void Root_lists_dev_proc_and_sys_and_counts_them_in_its_links()
    {
        var entries = ListDirectory("/");
        Assert.That(entries.Take(2), Is.EqualTo(new[]
        {
            new DirectoryEntry(".", StatOf("/").Inode, ProcFs.S_IFDIR),
            new DirectoryEntry("..", StatOf("/").Inode, ProcFs.S_IFDIR),
        }));
        // newest first; each is a mount point, listed with the rootfs directory it covers
        Assert.That(entries.Skip(2).Select(e => (e.Name, e.Mode)), Is.EqualTo(new[] { ("sys", ProcFs.S_IFDIR), ("proc", ProcFs.S_IFDIR), ("dev", ProcFs.S_IFDIR) }));
        Assert.That(entries.Select(e => e.Inode).Skip(1), Is.Unique);
        Assert.That(Proc.Stat("/", out StatResult root), Is.Zero);
        Assert.That(root.LinkCount, Is.EqualTo(5u), ". and .. plus /dev, /proc and /sys");
    }

    [Test]
    public void Proc_still_lists_in_rb_tree_order_with_its_root_as_parent()
    {
        var entries = ListDirectory("/proc");
        Assert.That(entries.Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "misc", "mounts", "devices", "filesystems" }), "proc_match orders by length, then bytes");
        Assert.That(entries[1].Inode, Is.EqualTo(StatOf("/proc").Inode));
        Assert.That(StatOf("/proc").Inode, Is.EqualTo(1UL), "PROC_ROOT_INO");
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
