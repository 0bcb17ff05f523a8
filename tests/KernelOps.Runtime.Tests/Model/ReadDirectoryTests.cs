using System.Collections.Generic;
using System.Linq;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>getdents64 (UserProcess.ReadDirectory) on /dev, on "/" and on /proc, and what it refuses.</summary>
internal sealed class ReadDirectoryTests : ModelTestBase
{
    private const uint Chr0666 = StatResult.S_IFCHR | 0x1B6;

    private List<DirectoryEntry> List(string path)
    {
        var entries = new List<DirectoryEntry>();
        Assert.That(Proc.ReadDirectory(path, entries), Is.Zero, path);
        return entries;
    }

    private ulong InoOf(string path)
    {
        Assert.That(Proc.Stat(path, out StatResult st), Is.Zero, path);
        return st.Inode;
    }

    [Test]
    public void Dev_is_empty_at_boot_but_for_its_dots()
    {
        var entries = List("/dev");
        Assert.That(entries, Is.EqualTo(new[]
        {
            new DirectoryEntry(".", InoOf("/dev"), ProcFs.S_IFDIR),
            new DirectoryEntry("..", InoOf("/"), ProcFs.S_IFDIR),
        }));
    }

    [Test]
    public void Dev_lists_mknod_nodes_sorted_with_their_inode_and_type_and_forgets_unlinked_ones()
    {
        Assert.That(Proc.Mknod("/dev/zz", Chr0666, DeviceNumber.MakeUser(250, 1)), Is.Zero);
        Assert.That(Proc.Mknod("/dev/a", Chr0666, DeviceNumber.MakeUser(250, 2)), Is.Zero);
        Assert.That(Proc.Mknod("/dev/blk", StatResult.S_IFBLK | 0x1B0, DeviceNumber.MakeUser(8, 0)), Is.Zero);
        var entries = List("/dev/");
        Assert.That(entries.Skip(2), Is.EqualTo(new[]
        {
            new DirectoryEntry("a", InoOf("/dev/a"), StatResult.S_IFCHR),
            new DirectoryEntry("blk", InoOf("/dev/blk"), StatResult.S_IFBLK),
            new DirectoryEntry("zz", InoOf("/dev/zz"), StatResult.S_IFCHR),
        }));
        Assert.That(Proc.Unlink("/dev/a"), Is.Zero);
        Assert.That(List("/dev").Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "blk", "zz" }));
    }

    [Test]
    public void Root_lists_dev_and_proc_and_counts_both_in_its_links()
    {
        var entries = List("/");
        Assert.That(entries, Is.EqualTo(new[]
        {
            new DirectoryEntry(".", InoOf("/"), ProcFs.S_IFDIR),
            new DirectoryEntry("..", InoOf("/"), ProcFs.S_IFDIR),
            new DirectoryEntry("dev", InoOf("/dev"), ProcFs.S_IFDIR),
            new DirectoryEntry("proc", InoOf("/proc"), ProcFs.S_IFDIR),
        }));
        Assert.That(Proc.Stat("/", out StatResult root), Is.Zero);
        Assert.That(root.LinkCount, Is.EqualTo(4u), ". and .. plus /dev and /proc");
    }

    [Test]
    public void Proc_still_lists_in_rb_tree_order_with_its_parent()
    {
        var entries = List("/proc");
        Assert.That(entries.Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "misc", "devices" }));
        Assert.That(entries[1].Inode, Is.EqualTo(InoOf("/")));
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
