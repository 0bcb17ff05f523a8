using System.Collections.Generic;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Vfs;

/// <summary>
/// The seam a low-level FUSE host builds on (docs/VFS.md, "Serving the model to a host"): node ids
/// are O_PATH descriptors (counted references to a path, so to its inode, that survive unlink and
/// rename), every operation is an *at call with that descriptor for a dirfd or with AT_EMPTY_PATH,
/// opening a node is <see cref="UserProcess.Reopen"/> (open("/proc/self/fd/N")), and each request
/// runs with its caller's credentials (<see cref="UserProcess.OverrideCredentials"/>).
/// </summary>
internal sealed class HostSeamTests : VfsTestBase
{
    private const OpenFlags PathRef = OpenFlags.O_PATH | OpenFlags.O_NOFOLLOW;
    private const AtFlags Self = AtFlags.EmptyPath | AtFlags.SymlinkNoFollow;

    private int Lookup(int parent, string name)
    {
        int node = Proc.Openat(parent, name, PathRef);
        Assert.That(node, Is.GreaterThanOrEqualTo(0), $"lookup {name}: {(node < 0 ? (Errno)(-node) : 0)}");
        return node;
    }

    private StatResult Getattr(int node)
    {
        Assert.That(Proc.Fstatat(node, "", out StatResult st, Self), Is.Zero);
        return st;
    }

    [Test]
    public void Every_request_of_a_low_level_host_has_an_at_call_on_a_node_reference()
    {
        int root = Proc.Open(Mnt, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
        using (Assert.EnterMultipleScope())
        {
            // mkdir, create, mknod, symlink under a node
            Assert.That(Proc.Mkdirat(root, "dir", 0x1ED), Is.Zero);
            int dir = Lookup(root, "dir");
            int created = Proc.Openat(dir, "file", OpenFlags.O_RDWR | OpenFlags.O_CREAT | OpenFlags.O_EXCL, 0x1A4);
            Assert.That(created, Is.GreaterThanOrEqualTo(0));
            Assert.That(Proc.Write(created, UserString("hello"), 5), Is.EqualTo((nint)5));
            Assert.That(Proc.Mknodat(dir, "fifo", UMode.S_IFIFO | 0x1A4, 0), Is.Zero);
            Assert.That(Proc.Symlinkat("file", dir, "link"), Is.Zero);
            int file = Lookup(dir, "file"), link = Lookup(dir, "link");

            // getattr / readlink / statfs / access on the reference itself
            Assert.That(Getattr(file).Size, Is.EqualTo(5));
            Assert.That(Getattr(link).IsSymbolicLink, Is.True, "lookup did not follow");
            Assert.That(Proc.Readlinkat(link, "", out string target), Is.Zero);
            Assert.That(target, Is.EqualTo("file"));
            Assert.That(Proc.Fstatfs(file, out StatFsResult fs), Is.Zero);
            Assert.That(fs.Type, Is.EqualTo((long)Libfs.RamfsMagic));
            Assert.That(Proc.Faccessat(file, "", 4, AtFlags.EmptyPath), Is.Zero);

            // setattr: mode, owner, times on the reference; size through an open
            Assert.That(Proc.Fchmodat(file, "", Octal("600"), AtFlags.EmptyPath), Is.Zero);
            Assert.That(Proc.Fchownat(file, "", 7, 8, AtFlags.EmptyPath), Is.Zero);
            Assert.That(Proc.Utimensat(file, "", new[] { new KernelTimespec(1, 0), new KernelTimespec(2, 0) }, AtFlags.EmptyPath), Is.Zero);
            StatResult st = Getattr(file);
            Assert.That((st.Mode, st.Uid, st.Gid, st.ModifyTime.tv_sec), Is.EqualTo((UMode.S_IFREG | Octal("600"), 7u, 8u, 2L)));
            int writable = Proc.Reopen(file, OpenFlags.O_WRONLY);
            Assert.That(Proc.Ftruncate(writable, 2), Is.Zero);
            Assert.That(Getattr(file).Size, Is.EqualTo(2));

            // open and readdir a node
            int opened = Proc.Reopen(file, OpenFlags.O_RDONLY);
            Assert.That(ReadFd(opened), Is.EqualTo("he"));
            int listing = Proc.Reopen(dir, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
            var entries = new List<DirectoryEntry>();
            Assert.That(Proc.Getdents(listing, entries), Is.Zero);
            Assert.That(entries.ConvertAll(e => e.Name), Is.EquivalentTo(new[] { ".", "..", "file", "fifo", "link" }));

            // link, rename, unlink, rmdir by parent reference and name
            Assert.That(Proc.Linkat(file, "", root, "hard", AtFlags.EmptyPath), Is.Zero, "link of the node itself");
            Assert.That(Getattr(file).LinkCount, Is.EqualTo(2u));
            Assert.That(Proc.Renameat2(dir, "fifo", root, "fifo2", RenameFlags.NoReplace), Is.Zero);
            Assert.That(Proc.Unlinkat(root, "fifo2", AtFlags.None), Is.Zero);
            Assert.That(Proc.Unlinkat(dir, "link", AtFlags.None), Is.Zero);
            Assert.That(Proc.Unlinkat(dir, "file", AtFlags.None), Is.Zero);
            Assert.That(Proc.Unlinkat(root, "dir", AtFlags.RemoveDir), Is.Zero);
            Assert.That(Proc.Close(writable) | Proc.Close(opened) | Proc.Close(listing) | Proc.Close(created), Is.Zero);
        }
    }

    [Test]
    public void A_node_reference_keeps_its_inode_through_unlink_and_rename_and_releases_it_on_forget()
    {
        KernelStatistics before = Kernel.Statistics;
        WriteFile("f", "data");
        int node = Proc.Open("f", PathRef);
        Assert.That(Proc.Rename("f", "g"), Is.Zero);
        Assert.That(Getattr(node).Inode, Is.EqualTo(StatOf("g").Inode), "the same inode under its new name");
        Assert.That(Proc.Unlink("g"), Is.Zero);
        StatResult st = Getattr(node);
        Assert.That((st.LinkCount, st.Size), Is.EqualTo((0u, 4L)), "unlinked but alive");
        int opened = Proc.Reopen(node, OpenFlags.O_RDONLY);
        Assert.That(ReadFd(opened), Is.EqualTo("data"), "still openable through the reference");
        Assert.That(Proc.Close(opened), Is.Zero);
        Assert.That(Proc.Close(node), Is.Zero, "forget");
        Assert.That(Kernel.Statistics, Is.EqualTo(before));
    }

    [Test]
    public void Each_request_runs_with_its_callers_credentials()
    {
        WriteFile("secret", "x", Octal("600"));
        Assert.That(Proc.Chmod(".", Octal("777")), Is.Zero);
        int root = Proc.Open(Mnt, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
        using (Proc.OverrideCredentials(Credentials.For(1000, 100, 20)))
        {
            Assert.That(Proc.Openat(root, "secret", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.EACCES)));
            int fd = Proc.Openat(root, "mine", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4);
            Assert.That(fd, Is.GreaterThanOrEqualTo(0));
            Assert.That(Proc.Close(fd), Is.Zero);
        }
        Assert.That((StatOf("mine").Uid, StatOf("mine").Gid), Is.EqualTo((1000u, 100u)), "owned by the caller");
        Assert.That(Proc.Close(Proc.Open("secret", OpenFlags.O_RDONLY)), Is.Zero, "the host itself is root again");
    }

    [Test]
    public void Many_node_references_fit_once_the_descriptor_limit_is_raised()
    {
        Assert.That(Proc.SetFileDescriptorLimit(100_000), Is.Zero);
        int root = Proc.Open(Mnt, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
        for (int i = 0; i < 2000; i++)
        {
            Assert.That(Proc.Mkdirat(root, $"d{i}", 0x1ED), Is.Zero);
            Lookup(root, $"d{i}");
        }
        Assert.That(Kernel.Statistics.OpenDescriptors, Is.GreaterThanOrEqualTo(2001));
    }
}
