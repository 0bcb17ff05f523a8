using System.Collections.Generic;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Vfs;

/// <summary>
/// generic_permission, the owner and capability checks of chmod/chown/utimes, sticky and setgid
/// directories, as an unprivileged model user (uid 1000, gid 1000, supplementary group 600) meets
/// them; each answer is what the same user gets on a real ramfs on Linux 6.18.
/// </summary>
internal sealed class PermissionTests : VfsTestBase
{
    private UserProcess _user = null!;

    [SetUp]
    public void MakeUserAndTree()
    {
        Assert.That(Proc.Chmod(Mnt, Octal("777")), Is.Zero);
        Assert.That(Proc.Mkdir("sticky", 0x1FF), Is.Zero);
        Assert.That(Proc.Chmod("sticky", Octal("1777")), Is.Zero);
        Assert.That(Proc.Mkdir("sg", 0x1FF), Is.Zero);
        Assert.That(Proc.Chown("sg", 0, 500), Is.Zero);
        Assert.That(Proc.Chmod("sg", Octal("2777")), Is.Zero);
        Assert.That(Proc.Mkdir("ro", Octal("555")), Is.Zero);
        Assert.That(Proc.Mkdir("nox", 0x1FF), Is.Zero);
        WriteFile("nox/f", "");
        Assert.That(Proc.Chmod("nox", Octal("666")), Is.Zero);
        WriteFile("rootfile", "root's", Octal("644"));
        WriteFile("sticky/rootfile", "", Octal("666"));
        Assert.That(Proc.Chmod("sticky/rootfile", Octal("666")), Is.Zero);
        WriteFile("grpfile", "");
        Assert.That(Proc.Chown("grpfile", 0, 600), Is.Zero);
        Assert.That(Proc.Chmod("grpfile", Octal("060")), Is.Zero);
        _user = User(1000, 1000, 600);
    }

    [TearDown]
    public void ExitUser() => _user.Dispose();

    [Test]
    public void Mode_bits_decide_for_an_unprivileged_user()
    {
        UserProcess u = _user;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(u.Open("rootfile", OpenFlags.O_WRONLY), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(u.Close(u.Open("rootfile", OpenFlags.O_RDONLY)), Is.Zero);
            Assert.That(u.Truncate("rootfile", 0), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(u.Open("ro/x", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(u.Mkdir("ro/x", 0x1ED), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(u.Access("ro", 2), Is.EqualTo(Err(Errno.EACCES)));
            Assert.That(u.Stat("nox/f", out _), Is.EqualTo(Err(Errno.EACCES)), "no search permission");
            Assert.That(u.ReadDirectory("nox", new List<DirectoryEntry>()), Is.Zero, "but the listing is readable");
            Assert.That(u.Close(u.Open("grpfile", OpenFlags.O_RDWR)), Is.Zero, "through the supplementary group");
            Assert.That(u.Unlink("/mnt/ro/../rootfile"), Is.Zero, "/mnt is 0777 without sticky bit");
        }
    }

    [Test]
    public void Owner_only_calls_are_EPERM_and_utimes_needs_write_for_now()
    {
        UserProcess u = _user;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(u.Chmod("rootfile", Octal("777")), Is.EqualTo(Err(Errno.EPERM)));
            Assert.That(u.Chown("rootfile", 1000, uint.MaxValue), Is.EqualTo(Err(Errno.EPERM)));
            Assert.That(u.Utimensat(UserProcess.AtFdCwd, "rootfile", null, AtFlags.None), Is.EqualTo(Err(Errno.EACCES)), "now needs write permission");
            Assert.That(u.Utimensat(UserProcess.AtFdCwd, "rootfile", new[] { new KernelTimespec(1, 0), new KernelTimespec(1, 0) }, AtFlags.None), Is.EqualTo(Err(Errno.EPERM)), "a chosen time needs ownership");
        }
        Assert.That(u.Close(u.Open("mine", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4)), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((StatOf("mine").Uid, StatOf("mine").Gid), Is.EqualTo((1000u, 1000u)));
            Assert.That(u.Chown("mine", 0, uint.MaxValue), Is.EqualTo(Err(Errno.EPERM)), "giving a file away needs CAP_CHOWN");
            Assert.That(u.Chown("mine", uint.MaxValue, 600), Is.Zero, "to a group it is in");
            Assert.That(u.Chown("mine", uint.MaxValue, 700), Is.EqualTo(Err(Errno.EPERM)), "not to one it is not in");
            Assert.That(u.Chmod("mine", Octal("2755")), Is.Zero);
            Assert.That(StatOf("mine").Mode, Is.EqualTo(UMode.S_IFREG | Octal("2755")), "600 is one of its groups");
        }
    }

    [Test]
    public void Sticky_directories_protect_other_users_names()
    {
        UserProcess u = _user;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(u.Unlink("sticky/rootfile"), Is.EqualTo(Err(Errno.EPERM)));
            Assert.That(u.Rename("sticky/rootfile", "sticky/x"), Is.EqualTo(Err(Errno.EPERM)));
            Assert.That(u.Close(u.Open("sticky/mine", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, Octal("666"))), Is.Zero);
            Assert.That(StatOf("sticky/mine").Mode, Is.EqualTo(UMode.S_IFREG | Octal("644")));
            Assert.That(u.Unlink("sticky/mine"), Is.Zero, "its own name");
            Assert.That(Proc.Unlink("sticky/rootfile"), Is.Zero, "root may (CAP_FOWNER)");
        }
    }

    [Test]
    public void Setgid_directories_pass_their_group_down_and_strip_setgid_from_non_members()
    {
        UserProcess u = _user;
        Assert.That(u.Close(u.Open("sg/f", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, Octal("2775"))), Is.Zero);
        Assert.That(u.Mkdir("sg/d", 0x1ED), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(StatOf("sg/f").Gid, Is.EqualTo(500u), "the directory's group");
            Assert.That(StatOf("sg/f").Mode, Is.EqualTo(UMode.S_IFREG | Octal("755")), "umask, and no setgid for a group it is not in");
            Assert.That(StatOf("sg/d").Gid, Is.EqualTo(500u));
            Assert.That(StatOf("sg/d").Mode, Is.EqualTo(UMode.S_IFDIR | Octal("2755")), "subdirectories inherit the setgid bit");
            Assert.That(u.Chmod("sg/f", Octal("2755")), Is.Zero);
            Assert.That(StatOf("sg/f").Mode, Is.EqualTo(UMode.S_IFREG | Octal("755")), "chmod drops setgid silently for a non-member");
        }
    }

    [Test]
    public void Writes_and_truncates_by_a_user_clear_setuid_and_setgid()
    {
        UserProcess u = _user;
        int fd = u.Open("mine", OpenFlags.O_WRONLY | OpenFlags.O_CREAT, 0x1A4);
        nuint x = u.Memory.Map(1).Address;
        Assert.That(u.Chmod("mine", Octal("4755")), Is.Zero);
        Assert.That(u.Write(fd, x, 1), Is.EqualTo((nint)1));
        Assert.That(StatOf("mine").Mode, Is.EqualTo(UMode.S_IFREG | Octal("755")));
        Assert.That(u.Chmod("mine", Octal("2755")), Is.Zero);
        Assert.That(u.Write(fd, x, 1), Is.EqualTo((nint)1));
        Assert.That(StatOf("mine").Mode, Is.EqualTo(UMode.S_IFREG | Octal("755")));
        Assert.That(u.Chmod("mine", Octal("2745")), Is.Zero);
        Assert.That(u.Write(fd, x, 1), Is.EqualTo((nint)1));
        Assert.That(StatOf("mine").Mode, Is.EqualTo(UMode.S_IFREG | Octal("2745")), "setgid without group-execute is not a privilege");
        Assert.That(u.Chmod("mine", Octal("4755")), Is.Zero);
        Assert.That(u.Ftruncate(fd, 0), Is.Zero);
        Assert.That(StatOf("mine").Mode, Is.EqualTo(UMode.S_IFREG | Octal("755")));
    }

    [Test]
    public void Root_without_its_capabilities_is_an_ordinary_owner()
    {
        // CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH are what let root past mode bits.
        Assert.That(Proc.Open("grpfile", OpenFlags.O_RDONLY), Is.GreaterThanOrEqualTo(0));
        Proc.DropCapability(Capability.DacOverride);
        Assert.That(Proc.Open("grpfile", OpenFlags.O_WRONLY), Is.EqualTo(Err(Errno.EACCES)));
        Assert.That(Proc.Open("grpfile", OpenFlags.O_RDONLY), Is.GreaterThanOrEqualTo(0), "CAP_DAC_READ_SEARCH still reads");
        Proc.DropCapability(Capability.DacReadSearch);
        Assert.That(Proc.Open("grpfile", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.EACCES)));
        Assert.That(Proc.Stat("nox/f", out _), Is.EqualTo(Err(Errno.EACCES)));
        Proc.DropCapability(Capability.Chown);
        Assert.That(Proc.Chown("rootfile", 5, uint.MaxValue), Is.EqualTo(Err(Errno.EPERM)));
        Proc.DropCapability(Capability.Fowner);
        Assert.That(Proc.Chmod("grpfile", Octal("777")), Is.Zero, "still the owner");
    }
}
