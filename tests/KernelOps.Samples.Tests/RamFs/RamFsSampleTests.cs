using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using KernelOps.Abi;
using KernelOps.Model;
using KernelOps.Samples.RamFs;
using KernelOps.Testing;

namespace KernelOps.Samples.Tests.RamFs;

/// <summary>
/// The seed's ramfs as a module: what the transcript shows is asserted through syscalls (inode
/// numbers, link counts, contents, errnos), not by comparing its text; then what the seed claims
/// of the file system: FS_USERNS_MOUNT, independent superblocks, mode=, statfs, and its lifetime.
/// </summary>
public class RamFsSampleTests
{
    private const string Mnt = Transcript.MountPoint;
    private TestKernel _test = null!;
    private ModelShell _shell = null!;
    private StringWriter _output = null!;

    private UserProcess Sh => _test.Shell.Process;

    [SetUp]
    public void Boot()
    {
        _test = new TestKernel();
        _output = new StringWriter();
        _shell = new ModelShell(_test.Kernel, Sh, _output, Transcript.Modules);
    }

    [TearDown]
    public void ShutDown()
    {
        _output.Dispose();
        _test.ShutDownAndAssertNoLeaks(); // disposes the kernel: every mount, module and file gone
        _test.Dispose();
    }

    private void Run(string command)
    {
        int status = _shell.Run(command);
        Assert.That(status, Is.Zero, $"{command}: {_output}");
    }

    private void InsmodAndMount(string options = "")
    {
        Run("insmod rust_ramfs.ko");
        Run($"mkdir -p {Mnt}");
        Run($"mount -t rust_ramfs {(options.Length > 0 ? $"-o {options} " : "")}none {Mnt}");
    }

    private StatResult Lstat(string path)
    {
        Assert.That(Sh.Lstat(path, out StatResult st), Is.Zero, path);
        return st;
    }

    [Test]
    public void The_transcript_runs_as_the_seed_shows_and_leaves_nothing_behind()
    {
        // proc keeps the dentries and inodes of the files it has shown in its dcache, as Linux does:
        // look the two the session reads up first, so what is left at the end is the session's own
        Assert.That(Sh.Stat("/proc/filesystems", out _), Is.Zero);
        Assert.That(Sh.Stat("/proc/mounts", out _), Is.Zero);
        KernelStatistics before = _test.Statistics;
        var seen = new List<string>();
        Transcript.Run(_shell, _output, (i, status, error) =>
        {
            (string command, Errno expected) = Transcript.Commands[i];
            Assert.That(error, Is.EqualTo(expected), $"step {i}: {command}\n{_output}");
            Assert.That(status == 0, Is.EqualTo(expected == 0), $"step {i}: {command} exit status {status}");
            seen.Add(command);
            // what each kind of step must have done, read back through syscalls
            if (command.StartsWith("mount -t rust_ramfs -o", StringComparison.Ordinal))
            {
                Assert.That(Sh.Statfs(Mnt, out StatFsResult fs), Is.Zero);
                Assert.That((ulong)fs.Type, Is.EqualTo(Libfs.RamfsMagic));
                Assert.That(Lstat(Mnt).Mode, Is.EqualTo(UMode.S_IFDIR | 0x1ED));
            }
            else if (command.StartsWith("ln -s", StringComparison.Ordinal))
            {
                Assert.That(Lstat($"{Mnt}/hello.link").IsSymlink);
                Assert.That(Sh.Readlink($"{Mnt}/hello.link", out string target), Is.Zero);
                Assert.That(Lstat($"{Mnt}/hello.link").Size, Is.EqualTo(14), "a symlink's size is its target's length");
                Assert.That(target, Is.EqualTo("docs/hello.txt"));
            }
            else if (command.StartsWith("ln ", StringComparison.Ordinal))
            {
                StatResult a = Lstat($"{Mnt}/docs/hello.txt"), b = Lstat($"{Mnt}/hello.hard");
                Assert.That(b.Inode, Is.EqualTo(a.Inode));
                Assert.That(a.LinkCount, Is.EqualTo(2u));
            }
            else if (command.StartsWith("mv ", StringComparison.Ordinal))
            {
                Assert.That(Sh.Lstat($"{Mnt}/docs/hello.txt", out _), Is.EqualTo(-(int)Errno.ENOENT));
                Assert.That(Lstat($"{Mnt}/docs/notes/hello.txt").Inode, Is.EqualTo(Lstat($"{Mnt}/hello.hard").Inode));
            }
            else if (command.StartsWith("rm -r", StringComparison.Ordinal))
            {
                Assert.That(Sh.Lstat($"{Mnt}/docs", out _), Is.EqualTo(-(int)Errno.ENOENT));
                Assert.That(Lstat(Mnt).LinkCount, Is.EqualTo(2u), "the root lost the subdirectory's '..'");
                Assert.That(Lstat($"{Mnt}/hello.hard").LinkCount, Is.EqualTo(1u));
            }
            else if (command.StartsWith("umount", StringComparison.Ordinal))
            {
                Assert.That(_test.Statistics.LiveSuperBlocks, Is.EqualTo(before.LiveSuperBlocks), "the superblock is gone");
            }
        });
        Assert.That(seen, Has.Count.EqualTo(Transcript.Commands.Count));
        Assert.That(_test.Kernel.Modules.IsLoaded(RustRamfsModule.ModuleName), Is.False);
        Assert.That(_test.Kernel.FileSystems.Names, Does.Not.Contain("rust_ramfs"));
        // the mount point /mnt/ram stays on the root file system: only it and /mnt are new
        Assert.That(Sh.Rmdir(Mnt), Is.Zero);
        Assert.That(Sh.Rmdir("/mnt"), Is.Zero);
        KernelStatistics after = _test.Statistics;
        Assert.That((after.LiveInodes, after.LiveDentries, after.LiveSuperBlocks, after.LiveMounts, after.PageCacheBytes, after.LiveFiles),
            Is.EqualTo((before.LiveInodes, before.LiveDentries, before.LiveSuperBlocks, before.LiveMounts, before.PageCacheBytes, before.LiveFiles)));
    }

    [Test]
    public void Echo_cat_and_ls_agree_with_the_syscalls()
    {
        InsmodAndMount();
        Run($"mkdir -p {Mnt}/a/b/c");
        Run($"echo one two > {Mnt}/a/f");
        Run($"echo three >> {Mnt}/a/f");
        _output.GetStringBuilder().Clear();
        Run($"cat {Mnt}/a/f");
        Assert.That(_output.ToString(), Is.EqualTo(Sh.ReadAllText($"{Mnt}/a/f")));
        Assert.That(Sh.ReadAllText($"{Mnt}/a/f"), Is.EqualTo("one two\nthree\n"));
        Assert.That(Lstat($"{Mnt}/a/f").Size, Is.EqualTo(14));
        Assert.That(Lstat($"{Mnt}/a/b/c").Mode, Is.EqualTo(UMode.S_IFDIR | 0x1ED), "mkdir 0777 less umask 022");
        Assert.That(Lstat($"{Mnt}/a/f").Mode, Is.EqualTo(UMode.S_IFREG | 0x1A4), "creat 0666 less umask 022");

        _output.GetStringBuilder().Clear();
        Run($"ls -l {Mnt}/a");
        string[] lines = _output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var entries = new List<DirectoryEntry>();
        Assert.That(Sh.ReadDirectory($"{Mnt}/a", entries), Is.Zero);
        string[] names = entries.Select(e => e.Name).Where(n => n is not "." and not "..").OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.That(lines.Skip(1).Select(l => l.Split(' ')[^1]), Is.EqualTo(names));
        foreach (string line in lines.Skip(1))
        {
            string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            StatResult st = Lstat($"{Mnt}/a/{f[^1]}");
            Assert.That(f[0], Is.EqualTo(ModelShell.ModeString(st.Mode)));
            Assert.That(f[1], Is.EqualTo(st.LinkCount.ToString()));
            Assert.That(f[4], Is.EqualTo(st.Size.ToString()));
        }
    }

    [Test]
    public void Every_mount_is_its_own_superblock()
    {
        InsmodAndMount();
        Run("mkdir -p /mnt/second");
        Run("mount -t rust_ramfs none /mnt/second");
        Run($"echo first > {Mnt}/only-here");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Lstat(Mnt).Device, Is.Not.EqualTo(Lstat("/mnt/second").Device), "independent superblocks have their own st_dev");
            Assert.That(Sh.Lstat("/mnt/second/only-here", out _), Is.EqualTo(-(int)Errno.ENOENT));
            Assert.That(_shell.Run($"ln {Mnt}/only-here /mnt/second/x"), Is.EqualTo(1));
            Assert.That(_shell.LastError, Is.EqualTo(Errno.EXDEV), "no link across superblocks");
            Assert.That(_shell.Run($"mv {Mnt}/only-here /mnt/second/x"), Is.EqualTo(1));
            Assert.That(_shell.LastError, Is.EqualTo(Errno.EXDEV));
        }
        Run("umount /mnt/second");
        Assert.That(Sh.ReadAllText($"{Mnt}/only-here"), Is.EqualTo("first\n"), "unmounting one leaves the other");
        Run($"umount {Mnt}");
        Run("rmmod rust_ramfs");
    }

    [Test]
    public void The_mode_option_sets_the_root_and_a_bad_value_is_EINVAL()
    {
        InsmodAndMount("mode=1777,size=10m");
        Assert.That(Lstat(Mnt).Mode, Is.EqualTo(UMode.S_IFDIR | 0x3FF), "mode=1777 (sticky); size= ignored as ramfs does");
        Run($"umount {Mnt}");
        Assert.That(_shell.Run($"mount -t rust_ramfs -o mode=0789 none {Mnt}"), Is.EqualTo(32));
        Assert.That(_shell.LastError, Is.EqualTo(Errno.EINVAL));
        Run($"mount -t rust_ramfs none {Mnt}");
        Assert.That(Lstat(Mnt).Mode, Is.EqualTo(UMode.S_IFDIR | RustRamfsState.DefaultMode), "without mode= the root is 0755");
        Assert.That(Lstat(Mnt).Uid, Is.Zero, "the root belongs to the mounter");
        Run($"umount {Mnt}");
        Run("rmmod rust_ramfs");
    }

    [Test]
    public unsafe void The_type_is_registered_by_the_module_with_FS_USERNS_MOUNT()
    {
        FileSystemType* type = RustRamfsType.Table.Pointer;
        Assert.That(Marshal.PtrToStringUTF8((nint)type->name), Is.EqualTo("rust_ramfs"));
        Assert.That((FsFlags)type->fs_flags, Is.EqualTo(FsFlags.UserNsMount));
        Assert.That(_test.Kernel.FileSystems.Names, Does.Not.Contain("rust_ramfs"));
        Assert.That(_shell.Run($"mount -t rust_ramfs none /"), Is.EqualTo(32));
        Assert.That(_shell.LastError, Is.EqualTo(Errno.ENODEV), "before insmod");
        Run("insmod rust_ramfs.ko");
        Assert.That(Sh.ReadAllText("/proc/filesystems").Split('\n'), Does.Contain("nodev\trust_ramfs"));
        Assert.That(_shell.Run("insmod rust_ramfs.ko"), Is.EqualTo(1));
        Assert.That(_shell.LastError, Is.EqualTo(Errno.EEXIST));
        Run("rmmod rust_ramfs");
        Assert.That(Sh.ReadAllText("/proc/filesystems").Split('\n'), Does.Not.Contain("nodev\trust_ramfs"));
    }

    [Test]
    public void Statfs_is_libfs_simple_statfs()
    {
        InsmodAndMount();
        Assert.That(Sh.Statfs(Mnt, out StatFsResult fs), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((ulong)fs.Type, Is.EqualTo(0x858458f6UL), "RAMFS_MAGIC");
            Assert.That(fs.BlockSize, Is.EqualTo(4096));
            Assert.That(fs.NameLength, Is.EqualTo(255));
            Assert.That(fs.Blocks, Is.Zero, "ramfs has no size limit: df shows 0");
        }
        Assert.That(_shell.Run($"df {Mnt}"), Is.Zero);
        Assert.That(_output.ToString(), Does.Contain($" {Mnt}\n"));
        Run($"umount {Mnt}");
        Run("rmmod rust_ramfs");
    }

    [Test]
    public void Rmmod_waits_for_every_superblock_even_a_detached_one_with_an_open_file()
    {
        InsmodAndMount();
        KernelStatistics mounted = _test.Statistics;
        Run($"echo data > {Mnt}/f");
        int fd = Sh.Open($"{Mnt}/f", OpenFlags.O_RDONLY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Assert.That(_shell.Run($"umount {Mnt}"), Is.EqualTo(32));
        Assert.That(_shell.LastError, Is.EqualTo(Errno.EBUSY));
        Assert.That(Sh.Umount2(Mnt, UnmountFlags.Detach), Is.Zero, "MNT_DETACH");
        Assert.That(Sh.Lstat($"{Mnt}/f", out _), Is.EqualTo(-(int)Errno.ENOENT), "gone from the tree");
        Assert.That(_shell.Run("rmmod rust_ramfs"), Is.EqualTo(1));
        Assert.That(_shell.LastError, Is.EqualTo(Errno.EAGAIN), "the detached superblock still pins the module");
        Assert.That(Sh.Close(fd), Is.Zero);
        Assert.That(_test.Statistics.LiveSuperBlocks, Is.EqualTo(mounted.LiveSuperBlocks - 1), "the last close freed the superblock");
        Run("rmmod rust_ramfs");
    }

    [Test]
    public void An_unprivileged_user_cannot_mount_and_meets_the_permission_bits()
    {
        InsmodAndMount();
        Run($"mkdir -p {Mnt}/public");
        Assert.That(Sh.Chmod($"{Mnt}/public", 0x3FF), Is.Zero); // 1777
        using UserProcess user = _test.Kernel.CreateProcess("user");
        Assert.That(user.SetResGid(1000, 1000, 1000), Is.Zero);
        Assert.That(user.SetResUid(1000, 1000, 1000), Is.Zero);
        var userShell = new ModelShell(_test.Kernel, user, _output, Transcript.Modules);
        using (Assert.EnterMultipleScope())
        {
            // FS_USERNS_MOUNT lets root of a user namespace mount it; the model has one namespace, so
            // an unprivileged mount is EPERM as on the host (no CAP_SYS_ADMIN)
            Assert.That(userShell.Run($"mount -t rust_ramfs none {Mnt}/public"), Is.EqualTo(32));
            Assert.That(userShell.LastError, Is.EqualTo(Errno.EPERM));
            Assert.That(userShell.Run($"mkdir -p {Mnt}/mine"), Is.EqualTo(1));
            Assert.That(userShell.LastError, Is.EqualTo(Errno.EACCES), "the root is 0755 root");
            Assert.That(userShell.Run($"echo hi > {Mnt}/public/mine"), Is.Zero);
            Assert.That(Lstat($"{Mnt}/public/mine").Uid, Is.EqualTo(1000u));
        }
        Run($"echo root > {Mnt}/public/roots");
        Assert.That(userShell.Run($"rm -r {Mnt}/public/roots"), Is.EqualTo(1));
        Assert.That(userShell.LastError, Is.EqualTo(Errno.EPERM), "sticky directory: not the user's file");
        Run($"rm -r {Mnt}/public");
        Run($"umount {Mnt}");
        Run("rmmod rust_ramfs");
    }
}
