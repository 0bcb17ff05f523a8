using System;
using System.Text;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Vfs;

/// <summary>
/// Paths as a hostile or careless caller passes them: too long, with over-long components, with
/// NUL bytes, at addresses that are not mapped. The raw calls take user addresses as Linux's do and
/// answer as getname does; the string conveniences refuse what no C string can carry.
/// </summary>
internal sealed class BadInputTests : VfsTestBase
{
    /// <summary>An address no mapping covers.</summary>
    private const nuint Unmapped = 0x10;

    private nuint CString(string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text + "\0");
        nuint address = Buffer(bytes.Length);
        Assert.That(Proc.Memory.CopyToUser(address, bytes), Is.EqualTo((nuint)0));
        return address;
    }

    [Test]
    public void Paths_of_PATH_MAX_bytes_or_more_are_ENAMETOOLONG_and_components_over_NAME_MAX_too()
    {
        string deep = string.Concat(System.Linq.Enumerable.Repeat("a/", 2047)) + "b"; // 4095 bytes
        string tooDeep = deep + "c";                                                       // 4096 bytes
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Stat(deep, out _), Is.EqualTo(Err(Errno.ENOENT)), "4095 bytes and the NUL fit PATH_MAX");
            Assert.That(Proc.Stat(tooDeep, out _), Is.EqualTo(Err(Errno.ENAMETOOLONG)));
            Assert.That(Proc.Stat(CString(tooDeep), Buffer(144)), Is.EqualTo(Err(Errno.ENAMETOOLONG)), "the raw call: getname");
            Assert.That(Proc.Open(new string('n', 256), OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4), Is.EqualTo(Err(Errno.ENAMETOOLONG)));
            Assert.That(Proc.Mkdir(new string('n', 256), 0x1ED), Is.EqualTo(Err(Errno.ENAMETOOLONG)));
            Assert.That(Proc.Stat(new string('n', 256), out _), Is.EqualTo(Err(Errno.ENAMETOOLONG)));
            Assert.That(Proc.Close(Proc.Open(new string('n', 255), OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4)), Is.Zero, "NAME_MAX itself is fine");
            Assert.That(Proc.Symlink(new string('t', 4096), "l"), Is.EqualTo(Err(Errno.ENAMETOOLONG)), "a symlink target is a path too");
        }
    }

    [Test]
    public void A_NUL_inside_a_string_path_is_EINVAL_and_ends_a_raw_one()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Open("a\0b", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Mkdir("d\0", 0x1ED), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Names("."), Is.Empty, "nothing was created");
            byte[] raw = Encoding.ASCII.GetBytes("a\0b\0");
            nuint address = Buffer(raw.Length);
            Proc.Memory.CopyToUser(address, raw);
            Assert.That(Proc.Close(Proc.Open(address, OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4)), Is.Zero);
            Assert.That(Names("."), Is.EqualTo(new[] { "a" }), "C stops at the first NUL");
        }
    }

    [Test]
    public void Names_are_bytes_not_text()
    {
        // Any byte but '/' and NUL is a name character: invalid UTF-8 round-trips through getdents.
        byte[] name = [0x66, 0xFF, 0xFE, 0x0A, 0x80];
        nuint address = Buffer(name.Length + 1);
        Proc.Memory.CopyToUser(address, [.. name, 0]);
        Assert.That(Proc.Mkdir(address, 0x1ED), Is.Zero);
        int fd = Proc.Open(".", OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY);
        nuint dirents = Buffer(4096);
        int n = Proc.Getdents64(fd, dirents, 4096);
        var bytes = new byte[n];
        Proc.Memory.CopyFromUser(bytes, dirents);
        Assert.That(bytes.AsSpan().IndexOf(name), Is.GreaterThan(0), "the exact bytes come back");
        Assert.That(Proc.Stat(address, Buffer(144)), Is.Zero);
    }

    [Test]
    public void Every_path_argument_at_an_unmapped_address_is_EFAULT()
    {
        WriteFile("f", "x");
        Assert.That(Proc.Symlink("f", "l"), Is.Zero);
        nuint f = CString("f"), l = CString("l"), n = CString("n"), dot = CString("."), buf = Buffer(4096);
        nuint ramfs = CString("ramfs"), none = CString("none");
        var calls = new (string Name, Func<long> Call)[]
        {
            ("open", () => Proc.Open(Unmapped, OpenFlags.O_RDONLY)),
            ("openat", () => Proc.Openat(UserProcess.AtFdCwd, Unmapped, OpenFlags.O_RDONLY)),
            ("mkdir", () => Proc.Mkdir(Unmapped, 0x1ED)),
            ("mknod", () => Proc.Mknod(Unmapped, UMode.S_IFIFO | 0x1A4, 0)),
            ("rmdir", () => Proc.Rmdir(Unmapped)),
            ("unlink", () => Proc.Unlink(Unmapped)),
            ("symlink target", () => Proc.Symlink(Unmapped, n)),
            ("symlink path", () => Proc.Symlink(f, Unmapped)),
            ("link old", () => Proc.Link(Unmapped, n)),
            ("link new", () => Proc.Link(f, Unmapped)),
            ("rename old", () => Proc.Rename(Unmapped, n)),
            ("rename new", () => Proc.Rename(f, Unmapped)),
            ("readlink path", () => Proc.Readlink(Unmapped, buf, 100)),
            ("readlink buffer", () => Proc.Readlink(l, Unmapped, 100)),
            ("truncate", () => Proc.Truncate(Unmapped, 0)),
            ("chmod", () => Proc.Chmod(Unmapped, 0x1A4)),
            ("chown", () => Proc.Chown(Unmapped, 0, 0)),
            ("lchown", () => Proc.Lchown(Unmapped, 0, 0)),
            ("access", () => Proc.Access(Unmapped, 0)),
            ("chdir", () => Proc.Chdir(Unmapped)),
            ("stat path", () => Proc.Stat(Unmapped, buf)),
            ("stat buffer", () => Proc.Stat(f, Unmapped)),
            ("lstat", () => Proc.Lstat(Unmapped, buf)),
            ("statx path", () => Proc.Statx(UserProcess.AtFdCwd, Unmapped, AtFlags.None, StatxMask.BasicStats, buf)),
            ("statx buffer", () => Proc.Statx(UserProcess.AtFdCwd, f, AtFlags.None, StatxMask.BasicStats, Unmapped)),
            ("statfs path", () => Proc.Statfs(Unmapped, buf)),
            ("statfs buffer", () => Proc.Statfs(dot, Unmapped)),
            ("utimensat path", () => Proc.Utimensat(UserProcess.AtFdCwd, Unmapped, 0, AtFlags.None)),
            ("utimensat times", () => Proc.Utimensat(UserProcess.AtFdCwd, f, Unmapped, AtFlags.None)),
            ("getcwd", () => Proc.Getcwd(Unmapped, 4096)),
            ("mount target", () => Proc.Mount(none, Unmapped, ramfs, 0, 0)),
            ("mount type", () => Proc.Mount(none, dot, Unmapped, 0, 0)),
            ("umount2", () => Proc.Umount2(Unmapped, 0)),
        };
        using (Assert.EnterMultipleScope())
        {
            foreach ((string name, Func<long> call) in calls)
                Assert.That(call(), Is.EqualTo((long)Err(Errno.EFAULT)), name);
        }
        Assert.That(Names("."), Is.EqualTo(new[] { "f", "l" }), "nothing was made or removed");
    }

    [Test]
    public void A_path_that_runs_into_unmapped_memory_before_its_NUL_is_EFAULT()
    {
        UserMapping mapping = Proc.Memory.Map(64);
        Proc.Memory.CopyToUser(mapping.Address, Encoding.ASCII.GetBytes(new string('a', 64)));
        Assert.That(Proc.Stat(mapping.Address, Buffer(144)), Is.EqualTo(Err(Errno.EFAULT)));
    }

    [Test]
    public void Rename_of_a_directory_into_its_own_subtree_is_EINVAL_at_any_depth()
    {
        Assert.That(Proc.Mkdir("a", 0x1ED), Is.Zero);
        Assert.That(Proc.Mkdir("a/b", 0x1ED), Is.Zero);
        Assert.That(Proc.Mkdir("a/b/c", 0x1ED), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Rename("a", "a/b/c/d"), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Rename("a/b", "a/b/c/d"), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Rename("a/b/c", "a"), Is.EqualTo(Err(Errno.ENOTEMPTY)), "onto an ancestor: the target is not empty");
            Assert.That(Proc.Renameat2(UserProcess.AtFdCwd, "a", UserProcess.AtFdCwd, "a/b/c", RenameFlags.Exchange), Is.EqualTo(Err(Errno.EINVAL)));
        }
        Assert.That(Proc.Rename("a/b/c", "c"), Is.Zero);
        Assert.That(Proc.Rename("a", "c/a"), Is.Zero);
        Assert.That(Names("c/a"), Is.EqualTo(new[] { "b" }));
    }

    [Test]
    public void Bad_descriptors_and_flags_get_their_errno()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Openat(-5, "x", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.EBADF)));
            Assert.That(Proc.Fchdir(123), Is.EqualTo(Err(Errno.EBADF)));
            Assert.That(Proc.Fchmod(-1, 0), Is.EqualTo(Err(Errno.EBADF)));
            Assert.That(Proc.Ftruncate(77, 0), Is.EqualTo(Err(Errno.EBADF)));
            Assert.That(Proc.Open("f", OpenFlags.O_RDONLY | OpenFlags.O_CREAT | OpenFlags.O_DIRECTORY, 0x1A4), Is.EqualTo(Err(Errno.EINVAL)), "O_CREAT|O_DIRECTORY");
            Assert.That(Proc.Fstatat(UserProcess.AtFdCwd, ".", out _, (AtFlags)0x1), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Umount2(Mnt, (UnmountFlags)0x100), Is.EqualTo(Err(Errno.EINVAL)));
            Assert.That(Proc.Umount2(Mnt, UnmountFlags.Expire | UnmountFlags.Detach), Is.EqualTo(Err(Errno.EINVAL)));
        }
    }
}
