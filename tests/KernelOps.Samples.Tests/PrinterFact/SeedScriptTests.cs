using System;
using System.Linq;
using System.Text;
using KernelOps.Model;
using KernelOps.Samples.PrinterFact;
using static KernelOps.Samples.PrinterFact.Shell;

namespace KernelOps.Samples.Tests.PrinterFact;

/// <summary>The seed's NixOS test script, step by step, on the model; and its pitfall, made impossible.</summary>
public unsafe class SeedScriptTests
{
    private static readonly string[] AllFacts = Facts.All.Select(f => f + "\n").ToArray();

    [Test]
    public void The_seed_test_script_finds_the_major_mknods_stats_and_reads_four_facts()
    {
        using var kernel = new Kernel(randomSeed: 7);
        using UserProcess machine = kernel.CreateProcess("sh");
        var log = new System.Collections.Generic.List<string>();
        kernel.Log.LineWritten += log.Add;

        // start_all(); machine.wait_for_console_text("printerfact")
        kernel.Modules.Load(new PrinterFactModule(PrinterFactRegistration.ChrdevRegion));
        Assert.That(log, Has.Some.Contains("printerfact"));

        // chardev = [x for x in machine.wait_until_succeeds("cat /proc/devices").splitlines() if "printerfact" in x][0].split(" ")[0]
        string chardev = machine.ReadAllText("/proc/devices").Split('\n').Where(x => x.Contains("printerfact", StringComparison.Ordinal)).First().Split(' ')[0];
        Assert.That(chardev, Is.EqualTo("254"), "the first dynamic major, printed \"%3d\" so the split needs no trimming");

        // machine.wait_until_succeeds("mknod /dev/printerfact c {} 1".format(chardev)); machine.wait_for_file("/dev/printerfact")
        Mknod(machine, "/dev/printerfact", ParseMajor(chardev), 1);
        Assert.That(machine.Stat("/dev/printerfact", out StatResult st), Is.Zero);

        // print(machine.wait_until_succeeds("stat /dev/printerfact"))
        string stat = Stat(machine, "/dev/printerfact");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(st.IsCharacterDevice, Is.True);
            Assert.That(st.RDeviceMajor, Is.EqualTo(254u));
            Assert.That(st.RDeviceMinor, Is.EqualTo(1u));
            Assert.That(stat, Does.Contain("character special file").And.Contain("Device type: 254,1").And.Contain("crw-r--r--"), "mknod's 0666 less root's umask 022");
        }

        // print(machine.wait_until_succeeds("cat /dev/printerfact")) x4
        string[] facts = Enumerable.Range(0, 4).Select(_ => machine.ReadAllText("/dev/printerfact")).ToArray();
        Assert.That(facts, Is.All.AnyOf(AllFacts));
        TestContext.Out.WriteLine(string.Concat(facts));
    }

    [Test]
    public void The_generated_table_has_read_because_read_is_written()
    {
        // The seed's pitfall: read implemented but not declared, so cat got EINVAL. Here the
        // declared set is what is implemented.
        ref readonly KernelOps.Abi.FileOperations table = ref PrinterFactFile.Table.Value;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(table.read != null, Is.True, "read");
            Assert.That(table.open != null, Is.True, "open creates the per-open state");
            Assert.That(table.release != null, Is.True, "the default release frees it");
            Assert.That(table.write == null && table.llseek == null && table.unlocked_ioctl == null && table.poll == null, Is.True, "nothing else");
            Assert.That(table.owner == null, Is.True, "no owner in the shared table");
        }
    }

    [Test]
    public void Cat_never_gets_EINVAL_and_the_unimplemented_ops_answer_as_Linux()
    {
        using var kernel = new Kernel(randomSeed: 1);
        using UserProcess sh = kernel.CreateProcess("sh");
        kernel.Modules.Load(new PrinterFactModule(PrinterFactRegistration.ChrdevRegion));
        Mknod(sh, "/dev/printerfact", 254, 0);
        int fd = sh.Open("/dev/printerfact", OpenFlags.O_RDWR);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        UserMapping buffer = sh.Memory.Map(4);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sh.Read(fd, buffer.Address, 4), Is.EqualTo((nint)4), "a short buffer gets part of the fact, not EFAULT");
            Assert.That(sh.Write(fd, buffer.Address, 4), Is.EqualTo((nint)(-(int)Errno.EINVAL)));
            Assert.That(sh.Lseek(fd, 0, 0), Is.EqualTo(-(long)Errno.ESPIPE));
            Assert.That(sh.Ioctl(fd, 0x5401, 0), Is.EqualTo(-(long)Errno.ENOTTY), "TCGETS on a non-tty, like the seed's shell complained");
        }
        Assert.That(sh.Close(fd), Is.Zero);
    }

    [Test]
    public void As_a_misc_device_it_is_found_in_proc_misc_on_major_10()
    {
        using var kernel = new Kernel(randomSeed: 3);
        using UserProcess sh = kernel.CreateProcess("sh");
        var module = new PrinterFactModule();
        kernel.Modules.Load(module);
        string line = sh.ReadAllText("/proc/misc").Split('\n').First(l => l.EndsWith(" printerfact", StringComparison.Ordinal));
        uint minor = uint.Parse(line.Trim().Split(' ')[0]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(minor, Is.EqualTo(module.Misc!.Minor));
            Assert.That(sh.ReadAllText("/proc/devices"), Does.Contain(" 10 misc\n").And.Not.Contain("printerfact"));
        }
        // misc_register made the node (devtmpfs); the seed's mknod would now say EEXIST
        Assert.That(sh.Stat("/dev/printerfact", out StatResult st), Is.Zero);
        Assert.That(st.RDevice, Is.EqualTo(DeviceNumber.MakeUser(10, minor)));
        Assert.That(sh.ReadAllText("/dev/printerfact"), Is.AnyOf(AllFacts));
    }

    [Test]
    public void A_seeded_kernel_repeats_its_facts_and_an_open_file_pins_the_module()
    {
        static string[] Run(int seed)
        {
            using var kernel = new Kernel(randomSeed: seed);
            using UserProcess sh = kernel.CreateProcess("sh");
            kernel.Modules.Load(new PrinterFactModule());
            Mknod(sh, "/dev/pf", 10, 127);
            return Enumerable.Range(0, 8).Select(_ => sh.ReadAllText("/dev/pf")).ToArray();
        }
        string[] first = Run(42), second = Run(42);
        Assert.That(second, Is.EqualTo(first));

        using var k = new Kernel(randomSeed: 5);
        using UserProcess p = k.CreateProcess("sh");
        LoadedModule loaded = k.Modules.Load(new PrinterFactModule());
        Mknod(p, "/dev/pf", 10, 127);
        int fd = p.Open("/dev/pf", OpenFlags.O_RDONLY);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(loaded.ReferenceCount, Is.EqualTo(1));
            Assert.That(k.Modules.Unload("printerfacts"), Is.EqualTo((KResult)Errno.EAGAIN));
        }
        Assert.That(p.Close(fd), Is.Zero);
        Assert.That(k.Modules.Unload("printerfacts"), Is.EqualTo(KResult.Ok));
        Assert.That(p.Open("/dev/pf", OpenFlags.O_RDONLY), Is.EqualTo(-(int)Errno.ENODEV));
    }
}
