using System.Collections.Generic;
using System.Linq;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Vfs;

/// <summary>
/// Directory operations on a ramfs mounted in the model, each expectation as a real ramfs on Linux
/// 6.18 answers (checked with the same calls on a <c>mount -t ramfs</c>).
/// </summary>
internal sealed class NamespaceOperationTests : VfsTestBase
{
    [Test]
    public void A_new_ramfs_root_is_0755_with_two_links_and_statfs_as_ramfs_reports()
    {
        StatResult root = StatOf(Mnt);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(root.Mode, Is.EqualTo(UMode.S_IFDIR | Octal("755")));
            Assert.That(root.LinkCount, Is.EqualTo(2u));
            Assert.That(root.Size, Is.Zero);
            Assert.That(root.Device, Is.Not.EqualTo(StatOf("/").Device), "its own anonymous device");
            Assert.That(Proc.Statfs(Mnt, out StatFsResult fs), Is.Zero);
            Assert.That(fs.Type, Is.EqualTo((long)Libfs.RamfsMagic));
            Assert.That(fs.BlockSize, Is.EqualTo(4096));
            Assert.That(fs.NameLength, Is.EqualTo(255));
            Assert.That((fs.Blocks, fs.FreeBlocks, fs.AvailableBlocks, fs.Files, fs.FreeFiles), Is.EqualTo((0UL, 0UL, 0UL, 0UL, 0UL)));
        }
    }

    [Test]
    public void Mkdir_counts_links_in_the_parent_and_rmdir_gives_them_back()
    {
        Assert.That(Proc.Mkdir("d", 0x1FF), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(StatOf("d").Mode, Is.EqualTo(UMode.S_IFDIR | Octal("755")), "0777 less umask 022");
            Assert.That(StatOf("d").LinkCount, Is.EqualTo(2u));
            Assert.That(StatOf(".").LinkCount, Is.EqualTo(3u));
            Assert.That(Proc.Mkdir("d", 0x1FF), Is.EqualTo(Err(Errno.EEXIST)));
            Assert.That(Proc.Mkdir("m/", 0x1FF), Is.Zero, "a trailing slash is fine for mkdir");
            Assert.That(Proc.Mkdir("nowhere/x", 0x1FF), Is.EqualTo(Err(Errno.ENOENT)));
        }
        WriteFile("d/x", "");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Rmdir("d"), Is.EqualTo(Err(Errno.ENOTEMPTY)));
            Assert.That(Proc.Unlink("d"), Is.EqualTo(Err(Errno.EISDIR)));
            Assert.That(Proc.Rmdir("d/x"), Is.EqualTo(Err(Errno.ENOTDIR)));
            Assert.That(Proc.Rmdir("."), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Rmdir("d/.."), Is.EqualTo(Err(Errno.ENOTEMPTY)));
            Assert.That(Proc.Unlink("d/x/"), Is.EqualTo(Err(Errno.ENOTDIR)));
        }
        Assert.That(Proc.Unlink("d/x"), Is.Zero);
        Assert.That(Proc.Rmdir("d"), Is.Zero);
        Assert.That(Proc.Rmdir("m"), Is.Zero);
        Assert.That(StatOf(".").LinkCount, Is.EqualTo(2u));
        Assert.That(Names("."), Is.Empty);
    }

    [Test]
    public void Hard_links_share_the_inode_and_count_its_names()
    {
        WriteFile("a", "data");
        Assert.That(Proc.Link("a", "b"), Is.Zero);
        StatResult a = StatOf("a"), b = StatOf("b");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(b.Inode, Is.EqualTo(a.Inode));
            Assert.That(b.LinkCount, Is.EqualTo(2u));
            Assert.That(Proc.Link("a", "b"), Is.EqualTo(Err(Errno.EEXIST)));
            Assert.That(Proc.Mkdir("d", 0x1ED), Is.Zero);
            Assert.That(Proc.Link("d", "d2"), Is.EqualTo(Err(Errno.EPERM)), "no hard links to directories");
            Assert.That(Proc.Link("a", "newlink/"), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Link("missing", "c"), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Link("a", "/dev/a"), Is.EqualTo(Err(Errno.EXDEV)), "across mounts");
        }
        Assert.That(Proc.Unlink("a"), Is.Zero);
        Assert.That(ReadFile("b"), Is.EqualTo("data"));
        Assert.That(StatOf("b").LinkCount, Is.EqualTo(1u));
    }

    [Test]
    public void Symlinks_resolve_relative_to_their_directory_and_readlink_returns_the_target()
    {
        Assert.That(Proc.Mkdir("d", 0x1ED), Is.Zero);
        WriteFile("d/f", "in d");
        Assert.That(Proc.Symlink("f", "d/l"), Is.Zero);
        Assert.That(Proc.Symlink("d", "dl"), Is.Zero);
        StatResult link = LstatOf("d/l");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(link.Mode, Is.EqualTo(UMode.S_IFLNK | Octal("777")));
            Assert.That(link.Size, Is.EqualTo(1));
            Assert.That(link.Blocks, Is.Zero);
            Assert.That(ReadFile("d/l"), Is.EqualTo("in d"));
            Assert.That(ReadFile("dl/l"), Is.EqualTo("in d"), "a symlink to a directory in the middle of a path");
            Assert.That(Proc.Readlink("d/l", out string target), Is.Zero);
            Assert.That(target, Is.EqualTo("f"));
            Assert.That(Proc.Readlink("d/f", out _), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Symlink("f", "d/l"), Is.EqualTo(Err(Errno.EEXIST)));
            Assert.That(Proc.Symlink("f", "newl/"), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Symlink("", "empty"), Is.EqualTo(Err(Errno.ENOENT)), "an empty target");
            Assert.That(Proc.Open("d/l", OpenFlags.O_RDONLY | OpenFlags.O_NOFOLLOW), Is.EqualTo(Err(Errno.ELOOP)));
            Assert.That(StatOf("dl/").IsDirectory, Is.True, "a trailing slash follows the link");
        }
    }

    [Test]
    public void Creating_through_a_dangling_symlink_creates_its_target_unless_O_EXCL()
    {
        Assert.That(Proc.Symlink("target", "dl"), Is.Zero);
        int fd = Proc.Open("dl", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(StatOf("target").IsRegular, Is.True);
        Assert.That(Proc.Symlink("t2", "dl2"), Is.Zero);
        Assert.That(Proc.Open("dl2", OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_EXCL, 0x1A4), Is.EqualTo(Err(Errno.EEXIST)));
        Assert.That(Proc.Open("new/", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4), Is.EqualTo(Err(Errno.EISDIR)));
    }

    [Test]
    public void Symlink_loops_and_chains_longer_than_40_are_ELOOP()
    {
        Assert.That(Proc.Symlink("loop2", "loop1"), Is.Zero);
        Assert.That(Proc.Symlink("loop1", "loop2"), Is.Zero);
        Assert.That(Proc.Stat("loop1", out _), Is.EqualTo(Err(Errno.ELOOP)));
        Assert.That(Proc.Lstat("loop1", out _), Is.Zero, "lstat does not follow");
        Assert.That(Proc.Open("loop1/x", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ELOOP)));

        // MAXSYMLINKS is 40: a chain of 40 links resolves, 41 do not.
        WriteFile("end", "end");
        Assert.That(Proc.Symlink("end", "c0"), Is.Zero);
        for (int i = 1; i <= 40; i++) Assert.That(Proc.Symlink($"c{i - 1}", $"c{i}"), Is.Zero);
        Assert.That(ReadFile("c39"), Is.EqualTo("end"), "40 links");
        Assert.That(Proc.Stat("c40", out _), Is.EqualTo(Err(Errno.ELOOP)), "41 links");
    }

    [Test]
    public void Rename_moves_replaces_and_refuses_as_Linux_does()
    {
        Assert.That(Proc.Mkdir("d", 0x1ED), Is.Zero);
        Assert.That(Proc.Mkdir("e", 0x1ED), Is.Zero);
        WriteFile("f", "f");
        WriteFile("g", "g");
        WriteFile("e/x", "");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Rename("d", "f"), Is.EqualTo(Err(Errno.ENOTDIR)));
            Assert.That(Proc.Rename("f", "d"), Is.EqualTo(Err(Errno.EISDIR)));
            Assert.That(Proc.Rename("d", "d/sub"), Is.EqualTo(Err(Errno.EINVAL)), "into its own subtree");
            Assert.That(Proc.Rename("d", "e"), Is.EqualTo(Err(Errno.ENOTEMPTY)));
            Assert.That(Proc.Rename(".", "zz"), Is.EqualTo(Err(Errno.EBUSY)));
            Assert.That(Proc.Rename("missing", "zz"), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Rename("f", "/dev/f"), Is.EqualTo(Err(Errno.EXDEV)));
            Assert.That(Proc.Rename("f", "f"), Is.Zero, "the same name: nothing to do");
        }
        ulong g = StatOf("g").Inode;
        Assert.That(Proc.Rename("g", "f"), Is.Zero, "replaces the file");
        Assert.That(StatOf("f").Inode, Is.EqualTo(g));
        Assert.That(ReadFile("f"), Is.EqualTo("g"));
        Assert.That(Proc.Mkdir("empty", 0x1ED), Is.Zero);
        Assert.That(Proc.Rename("d", "empty"), Is.Zero, "a directory replaces an empty one");
        Assert.That(Proc.Rename("empty", "e/moved"), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(StatOf(".").LinkCount, Is.EqualTo(3u), ". and .. and e");
            Assert.That(StatOf("e").LinkCount, Is.EqualTo(3u), "e gained moved's ..");
            Assert.That(Names("."), Is.EqualTo(new[] { "e", "f" }));
            Assert.That(Names("e"), Is.EqualTo(new[] { "moved", "x" }));
        }
    }

    [Test]
    public void Renameat2_NOREPLACE_and_EXCHANGE_follow_simple_rename()
    {
        WriteFile("a", "a");
        WriteFile("b", "b");
        Assert.That(Proc.Mkdir("d", 0x1ED), Is.Zero);
        WriteFile("d/c", "c");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Renameat2(UserProcess.AtFdCwd, "a", UserProcess.AtFdCwd, "b", RenameFlags.NoReplace), Is.EqualTo(Err(Errno.EEXIST)));
            Assert.That(Proc.Renameat2(UserProcess.AtFdCwd, "a", UserProcess.AtFdCwd, "b", RenameFlags.NoReplace | RenameFlags.Exchange), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Renameat2(UserProcess.AtFdCwd, "a", UserProcess.AtFdCwd, "missing", RenameFlags.Exchange), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Renameat2(UserProcess.AtFdCwd, "a", UserProcess.AtFdCwd, "b", RenameFlags.Whiteout), Is.EqualTo(Err(Errno.EINVAL)), "libfs' simple_rename takes no whiteout");
            Assert.That(Proc.Renameat2(UserProcess.AtFdCwd, "a", UserProcess.AtFdCwd, "n", (RenameFlags)8), Is.EqualTo(Err(Errno.EINVAL)));
        }
        Assert.That(Proc.Renameat2(UserProcess.AtFdCwd, "a", UserProcess.AtFdCwd, "b", RenameFlags.Exchange), Is.Zero);
        Assert.That((ReadFile("a"), ReadFile("b")), Is.EqualTo(("b", "a")));
        // a directory and a file swap; the link counts of their parents follow the directory
        Assert.That(Proc.Renameat2(UserProcess.AtFdCwd, "d", UserProcess.AtFdCwd, "a", RenameFlags.Exchange), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(StatOf("a").IsDirectory, Is.True);
            Assert.That(ReadFile("a/c"), Is.EqualTo("c"));
            Assert.That(ReadFile("d"), Is.EqualTo("b"));
            Assert.That(StatOf(".").LinkCount, Is.EqualTo(3u));
        }
        Assert.That(Proc.Renameat2(UserProcess.AtFdCwd, "d", UserProcess.AtFdCwd, "c", RenameFlags.NoReplace), Is.Zero);
    }

    [Test]
    public void Getdents_lists_newest_first_with_types_and_dots()
    {
        Assert.That(Proc.Mkdir("sub", 0x1ED), Is.Zero);
        WriteFile("file", "");
        Assert.That(Proc.Symlink("file", "link"), Is.Zero);
        Assert.That(Proc.Mknod("fifo", UMode.S_IFIFO | 0x1A4, 0), Is.Zero);
        List<DirectoryEntry> entries = ListDirectory(".");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(entries.Select(e => e.Name), Is.EqualTo(new[] { ".", "..", "fifo", "link", "file", "sub" }));
            Assert.That(entries.Select(e => e.Mode), Is.EqualTo(new[] { UMode.S_IFDIR, UMode.S_IFDIR, UMode.S_IFIFO, UMode.S_IFLNK, UMode.S_IFREG, UMode.S_IFDIR }));
            Assert.That(entries[2].Inode, Is.EqualTo(LstatOf("fifo").Inode));
            Assert.That(ListDirectory("sub")[1].Inode, Is.EqualTo(StatOf(".").Inode), "the parent's inode for ..");
        }
    }

    [Test]
    public void Getdents_from_an_fd_resumes_where_it_stopped_and_lseek_rewinds()
    {
        for (int i = 0; i < 50; i++) WriteFile($"f{i:00}", "");
        int fd = Proc.Open(".", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        var names = new List<string>();
        nuint buffer = Buffer(512);
        int calls = 0;
        while (true)
        {
            int n = Proc.Getdents64(fd, buffer, 200);
            Assert.That(n, Is.GreaterThanOrEqualTo(0));
            if (n == 0) break;
            calls++;
            var bytes = new byte[n];
            Proc.Memory.CopyFromUser(bytes, buffer);
            for (int at = 0; at < n;)
            {
                ushort reclen = System.BitConverter.ToUInt16(bytes, at + 16);
                int end = System.Array.IndexOf(bytes, (byte)0, at + 19);
                names.Add(System.Text.Encoding.UTF8.GetString(bytes, at + 19, end - at - 19));
                at += reclen;
            }
        }
        using (Assert.EnterMultipleScope())
        {
            Assert.That(calls, Is.GreaterThan(1), "a small buffer takes several calls");
            Assert.That(names, Has.Count.EqualTo(52));
            Assert.That(names, Is.Unique);
            Assert.That(Proc.Getdents64(fd, buffer, 10), Is.Zero, "at the end");
            Assert.That(Proc.Lseek(fd, 0, (int)Whence.Set), Is.Zero);
            Assert.That(Proc.Getdents64(fd, buffer, 10), Is.EqualTo(Err(Errno.EINVAL)), "a buffer too small for one record");
            var again = new List<DirectoryEntry>();
            Assert.That(Proc.Getdents(fd, again), Is.Zero);
            Assert.That(again, Has.Count.EqualTo(52));
            Assert.That(Proc.Getdents64(Proc.Open("f00", OpenFlags.O_RDONLY), buffer, 512), Is.EqualTo(Err(Errno.ENOTDIR)));
        }
    }

    [Test]
    public void The_at_calls_resolve_against_a_directory_fd_and_AT_EMPTY_PATH_names_the_fd()
    {
        Assert.That(Proc.Mkdir("d", 0x1ED), Is.Zero);
        int dirfd = Proc.Open("d", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.That(Proc.Chdir("/"), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            int fd = Proc.Openat(dirfd, "f", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4);
            Assert.That(fd, Is.GreaterThanOrEqualTo(0));
            Assert.That(Proc.Mkdirat(dirfd, "sub", 0x1ED), Is.Zero);
            Assert.That(Proc.Fstatat(dirfd, "sub", out StatResult sub, AtFlags.None), Is.Zero);
            Assert.That(sub.IsDirectory, Is.True);
            Assert.That(Proc.Symlinkat("f", dirfd, "l"), Is.Zero);
            Assert.That(Proc.Readlinkat(dirfd, "l", out string target), Is.Zero);
            Assert.That(target, Is.EqualTo("f"));
            Assert.That(Proc.Linkat(dirfd, "f", dirfd, "f2", AtFlags.None), Is.Zero);
            Assert.That(Proc.Linkat(dirfd, "l", dirfd, "l2", AtFlags.None), Is.Zero, "linkat does not follow by default");
            Assert.That(Proc.Lstat("/mnt/d/l2", out StatResult l2), Is.Zero);
            Assert.That(l2.IsSymbolicLink, Is.True);
            Assert.That(Proc.Linkat(dirfd, "l", dirfd, "l3", AtFlags.SymlinkFollow), Is.Zero);
            Assert.That(StatOf("/mnt/d/l3").Inode, Is.EqualTo(StatOf("/mnt/d/f").Inode));
            Assert.That(Proc.Fstatat(fd, "", out StatResult self, AtFlags.EmptyPath), Is.Zero);
            Assert.That(self.Inode, Is.EqualTo(StatOf("/mnt/d/f").Inode));
            Assert.That(Proc.Fstatat(fd, "", out _, AtFlags.None), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Fstatat(fd, "x", out _, AtFlags.None), Is.EqualTo(Err(Errno.ENOTDIR)), "a file as dirfd");
            Assert.That(Proc.Fstatat(999, "x", out _, AtFlags.None), Is.EqualTo(Err(Errno.EBADF)));
            Assert.That(Proc.Fstatat(999, "/mnt/d", out _, AtFlags.None), Is.Zero, "an absolute path ignores dirfd");
            Assert.That(Proc.Unlinkat(dirfd, "sub", AtFlags.None), Is.EqualTo(Err(Errno.EISDIR)));
            Assert.That(Proc.Unlinkat(dirfd, "sub", AtFlags.RemoveDir), Is.Zero);
            Assert.That(Proc.Unlinkat(dirfd, "f2", (AtFlags)0x4000), Is.EqualTo(Err(Errno.EINVAL)), "unknown flag");
            Assert.That(Proc.Renameat2(dirfd, "f2", dirfd, "f3", RenameFlags.None), Is.Zero);
            Assert.That(Names("/mnt/d"), Is.EqualTo(new[] { "f", "f3", "l", "l2", "l3" }));
        }
    }

    [Test]
    public void Chdir_getcwd_and_fchdir_follow_the_process_working_directory()
    {
        Assert.That(Proc.Mkdir("a", 0x1ED), Is.Zero);
        Assert.That(Proc.Mkdir("a/b", 0x1ED), Is.Zero);
        Assert.That(Proc.Chdir("a/b"), Is.Zero);
        Assert.That(Proc.Getcwd(out string cwd), Is.Zero);
        Assert.That(cwd, Is.EqualTo("/mnt/a/b"));
        WriteFile("here", "x");
        Assert.That(ReadFile("/mnt/a/b/here"), Is.EqualTo("x"));
        Assert.That(Proc.Chdir("../.."), Is.Zero);
        Assert.That(Proc.Getcwd(out cwd), Is.Zero);
        Assert.That(cwd, Is.EqualTo("/mnt"));
        Assert.That(Proc.Chdir(".."), Is.Zero, ".. of a mount's root crosses to the mount point's parent");
        Assert.That(Proc.Getcwd(out cwd), Is.Zero);
        Assert.That(cwd, Is.EqualTo("/"));
        Assert.That(Proc.Chdir("/mnt/a/b/here"), Is.EqualTo(Err(Errno.ENOTDIR)));
        int fd = Proc.Open("/mnt/a", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        Assert.That(Proc.Fchdir(fd), Is.Zero);
        Assert.That(Proc.Getcwd(out cwd), Is.Zero);
        Assert.That(cwd, Is.EqualTo("/mnt/a"));
        Assert.That(Proc.Unlink("b/here"), Is.Zero);
        Assert.That(Proc.Rmdir("/mnt/a/b"), Is.Zero);
        Assert.That(Proc.Chdir("b"), Is.EqualTo(Err(Errno.ENOENT)));
    }

    [Test]
    public void Getcwd_of_a_removed_directory_says_unreachable()
    {
        Assert.That(Proc.Mkdir("gone", 0x1ED), Is.Zero);
        Assert.That(Proc.Chdir("gone"), Is.Zero);
        Assert.That(Proc.Rmdir("/mnt/gone"), Is.Zero);
        Assert.That(Proc.Getcwd(out _), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(Proc.Open("x", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4), Is.EqualTo(Err(Errno.ENOENT)), "a dead directory takes no new names");
        Assert.That(StatOf(".").LinkCount, Is.Zero);
    }
}
