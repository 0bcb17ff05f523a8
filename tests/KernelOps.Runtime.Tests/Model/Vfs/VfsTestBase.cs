using System.Collections.Generic;
using System.Linq;
using System.Text;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Vfs;

/// <summary>A kernel with a ramfs mounted at /mnt by the test process (root, umask 022).</summary>
internal abstract class VfsTestBase : ModelTestBase
{
    protected const string Mnt = "/mnt";

    /// <summary>The statistics with /mnt made and nothing mounted on it: what a full umount returns to.</summary>
    protected KernelStatistics BeforeMount;

    [SetUp]
    public void MountRamfs()
    {
        Assert.That(Proc.Mkdir(Mnt, 0x1ED), Is.Zero);
        BeforeMount = Kernel.Statistics;
        Assert.That(Proc.Mount("none", Mnt, "ramfs"), Is.Zero);
        Assert.That(Proc.Chdir(Mnt), Is.Zero);
    }

    protected static uint Octal(string digits) => System.Convert.ToUInt32(digits, 8);

    /// <summary>Creates (or truncates) <paramref name="path"/> with <paramref name="text"/>; asserts success.</summary>
    protected void WriteFile(string path, string text, uint mode = 0x1A4)
    {
        int fd = Proc.Open(path, OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, mode);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"open {path}: {(fd < 0 ? (Errno)(-fd) : 0)}");
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        if (bytes.Length > 0)
        {
            nuint buffer = UserString(text);
            Assert.That(Proc.Write(fd, buffer, (nuint)bytes.Length), Is.EqualTo((nint)bytes.Length));
        }
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    /// <summary>The whole content of an open file from its position.</summary>
    protected string ReadFd(int fd, int max = 65536)
    {
        nuint buffer = Buffer(max);
        nint n = Proc.Read(fd, buffer, (nuint)max);
        Assert.That(n, Is.GreaterThanOrEqualTo((nint)0), $"read: {(n < 0 ? (Errno)(-n) : 0)}");
        return ReadString(buffer, (int)n);
    }

    protected string ReadFile(string path)
    {
        int fd = Proc.Open(path, OpenFlags.O_RDONLY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"open {path}: {(fd < 0 ? (Errno)(-fd) : 0)}");
        try { return ReadFd(fd); }
        finally { Proc.Close(fd); }
    }

    protected StatResult LstatOf(string path)
    {
        Assert.That(Proc.Lstat(path, out StatResult st), Is.Zero, path);
        return st;
    }

    /// <summary>The names in a directory, without . and .., sorted.</summary>
    protected string[] Names(string path) =>
        ListDirectory(path).Select(e => e.Name).Where(n => n is not "." and not "..").OrderBy(n => n, System.StringComparer.Ordinal).ToArray();

    /// <summary>Runs <paramref name="body"/> in a new process with the given credentials (umask 022, cwd /mnt).</summary>
    protected UserProcess User(uint uid, uint gid, params uint[] groups)
    {
        UserProcess user = Kernel.CreateProcess($"user{uid}");
        Assert.That(user.Chdir(Mnt), Is.Zero);
        if (groups.Length > 0 || gid != 0) Assert.That(user.SetGroups(groups), Is.Zero);
        Assert.That(user.SetResGid(gid, gid, gid), Is.Zero);
        Assert.That(user.SetResUid(uid, uid, uid), Is.Zero);
        return user;
    }

    protected static List<string> Sorted(IEnumerable<string> names) => names.OrderBy(n => n, System.StringComparer.Ordinal).ToList();
}
