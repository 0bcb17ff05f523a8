using KernelOps.Model;

namespace KernelOps.Samples.Tests.ProcRamFile;

/// <summary>The seed article's manual test, step by step: modprobe, cat, echo &gt;, echo &gt;&gt;.</summary>
public class SeedShellStepsTests
{
    [Test]
    public void Cat_of_a_fresh_file_is_empty()
    {
        using var s = new RamFileSession();
        Assert.That(s.Cat(), Is.Empty);
    }

    [Test]
    public void Echo_then_cat_gives_what_was_written()
    {
        using var s = new RamFileSession();
        s.Echo("abcd");
        Assert.That(s.Cat(), Is.EqualTo("abcd\n"));
    }

    [Test]
    public void Echo_truncates_what_was_there()
    {
        using var s = new RamFileSession();
        s.Echo("abcd");
        s.Echo("defg");
        Assert.That(s.Cat(), Is.EqualTo("defg\n"));
    }

    [Test]
    public void Echo_append_appends()
    {
        using var s = new RamFileSession();
        s.Echo("abcd");
        s.Echo("defg");
        s.Echo("abcd", append: true);
        Assert.That(s.Cat(), Is.EqualTo("defg\nabcd\n"));
    }

    [Test]
    public void After_rmmod_the_file_is_gone_and_after_modprobe_it_is_empty_again()
    {
        using var s = new RamFileSession();
        s.Echo("abcd");
        Assert.That(s.Kernel.Modules.Unload(s.Module.Name).IsOk, Is.True);
        var e = Assert.Throws<KernelErrorException>(() => s.Cat());
        Assert.That(e!.Errno, Is.EqualTo(Errno.ENOENT));
        s.Kernel.Modules.Load(s.Module);
        Assert.That(s.Cat(), Is.Empty);
    }
}
