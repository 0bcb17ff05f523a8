using System;
using System.Collections.Generic;
using System.IO;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests;

/// <summary>
/// <c>SAMPLE --mount DIR</c> for the five samples, which run <c>kernelops mount DIR --module
/// SAMPLE.dll ...</c> (the tool's code, KernelOpsCommand): the errors (one line, non-zero exit) and
/// real sessions ended by SIGINT.
/// </summary>
[TestFixture("ProcRamFile")]
[TestFixture("PrinterFact")]
[TestFixture("PipeDevice")]
[TestFixture("DebugFsDemo")]
[TestFixture("RamFs")]
public class SampleMountTests(string program)
{
    private string Sample => Path.Combine(TestContext.CurrentContext.TestDirectory, program + ".dll");

    private Machine.Result RunSample(IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null) =>
        Machine.Run("dotnet", [Sample, .. arguments], environment: environment, timeout: TimeSpan.FromSeconds(60), check: false);

    private static void AssertOneLineError(Machine.Result r, int exitCode, string says)
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.ExitCode, Is.EqualTo(exitCode), r.Stderr);
            Assert.That(r.Stderr.TrimEnd('\n').Split('\n'), Has.Length.EqualTo(1), "one line: " + r.Stderr);
            Assert.That(r.Stderr, Does.Contain(says));
        }
    }

    [Test]
    public void An_unknown_option_is_an_error_with_the_usage()
    {
        AssertOneLineError(RunSample(["--mnt", "/tmp"]), 2, $"{program}: unknown option '--mnt /tmp' (usage: {program} [--mount DIR [kernelops mount options]])");
    }

    [Test]
    public void Mount_without_a_directory_is_an_error()
    {
        AssertOneLineError(RunSample(["--mount"]), 2, $"{program}: --mount needs a directory");
    }

    [Test]
    public void A_missing_directory_is_an_error_that_says_to_create_it()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"kernelops-missing-{Guid.NewGuid():N}");
        AssertOneLineError(RunSample(["--mount", dir]), 1, $"mount point {dir} does not exist: create it first (mkdir -p {dir})");
    }

    [Test]
    public void A_non_empty_directory_is_an_error()
    {
        string dir = Machine.TempDirectory("nonempty");
        try
        {
            File.WriteAllText(Path.Combine(dir, "keep"), "x");
            AssertOneLineError(RunSample(["--mount", dir]), 1, "is not empty: pass an empty directory");
            Assert.That(MountTable.IsMountPoint(dir), Is.False);
        }
        finally
        {
            File.Delete(Path.Combine(dir, "keep"));
            Machine.CleanUp(dir);
        }
    }

    [Test]
    public void A_missing_FUSE_device_is_an_error_that_says_how_to_get_it()
    {
        string dir = Machine.TempDirectory("nodev");
        try
        {
            var env = new Dictionary<string, string> { ["KERNELOPS_FUSE_DEVICE"] = "/dev/no-such-fuse" };
            AssertOneLineError(RunSample(["--mount", dir], env), 1, "/dev/no-such-fuse is missing: load the fuse module (modprobe fuse)");
        }
        finally
        {
            Machine.CleanUp(dir);
        }
    }

    [Test]
    public void A_missing_libfuse3_is_an_error_that_says_what_to_install()
    {
        string dir = Machine.TempDirectory("nolib");
        try
        {
            var env = new Dictionary<string, string>
            {
                ["KERNELOPS_FUSE_DEVICE"] = "/dev/null", // present on any machine: get past the device check
                ["KERNELOPS_FUSE_LIBRARY"] = "libfuse3-not-installed.so.3",
            };
            AssertOneLineError(RunSample(["--mount", dir], env), 1, "libfuse3 is not installed (Debian/Ubuntu: apt-get install fuse3 libfuse3-dev)");
        }
        finally
        {
            Machine.CleanUp(dir);
        }
    }

    [Test, CancelAfter(120_000)]
    public void The_sample_serves_until_SIGINT_then_unmounts_and_exits_0()
    {
        Machine.RequireFuse();
        string dir = Machine.TempDirectory("sample");
        try
        {
            using var sample = Machine.StartInterruptible("dotnet", [Sample, "--mount", dir]);
            try
            {
                Assert.That(Machine.WaitUntil(() => MountTable.IsMountPoint(dir) || sample.HasExited, TimeSpan.FromSeconds(60)), Is.True, "mounted in time");
                Assert.That(sample.HasExited, Is.False, () => "the sample exited: " + sample.StandardError.ReadToEnd());
                Session(dir);

                Machine.Run("kill", ["-INT", sample.Id.ToString()]);
                Assert.That(sample.WaitForExit(30_000), Is.True, "the sample exited after SIGINT");
                sample.WaitForExit();
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(sample.ExitCode, Is.Zero);
                    Assert.That(MountTable.IsMountPoint(dir), Is.False, "unmounted");
                    Assert.That(sample.StandardOutput.ReadToEnd(), Does.Contain($"unmounted {dir}"));
                }
            }
            finally
            {
                if (!sample.HasExited) sample.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            Machine.CleanUp(dir);
        }
    }

    // What each sample's mount is for, done from a shell.
    private void Session(string dir)
    {
        switch (program)
        {
            case "ProcRamFile":
                string file = Path.Combine(dir, "rust-proc-file");
                Assert.That(Machine.Sh($"cat '{file}'; echo abcd > '{file}'; cat '{file}'; echo defg > '{file}'; cat '{file}'; echo abcd >> '{file}'; cat '{file}'"),
                    Is.EqualTo("abcd\ndefg\ndefg\nabcd\n"));
                break;
            case "PrinterFact":
                Assert.That(Machine.Sh($"grep -c printerfact '{dir}/proc/devices'"), Is.EqualTo("1\n"));
                string facts = Machine.Sh($"for i in 1 2 3 4; do cat '{dir}/dev/printerfact'; done");
                Assert.That(facts.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(4).And.All.Match(@"\.$"));
                break;
            case "PipeDevice":
                // a blocking reader in the background, woken by the writer
                Assert.That(Machine.Sh($"cat '{dir}/dev/scullpipe' > '{dir}.out' & sleep 0.5; echo hello > '{dir}/dev/scullpipe'; sleep 0.5; kill $!; wait; cat '{dir}.out'; rm -f '{dir}.out'", TimeSpan.FromSeconds(30)),
                    Is.EqualTo("hello\n"));
                Assert.That(Machine.Sh($"grep scullpipe '{dir}/proc/misc'"), Does.Match(@"^\s*\d+ scullpipe\n$"));
                break;
            case "DebugFsDemo":
                string card = $"{dir}/sys/kernel/debug/netcard";
                Assert.That(Machine.Sh($"cat '{card}/stats'; echo 9000 > '{card}/mtu'; cat '{card}/mtu'; echo jumbo > '{card}/mtu' || echo refused; cat '{card}/mtu'; ls '{card}'"),
                    Is.EqualTo("rx_packets: 5\ntx_packets: 12\nerrors: 1\n9000\nrefused\n9000\nmtu\nname\npromiscuous\nqueues\nreset_stats\nstats\n"));
                break;
            case "RamFs":
                // a fresh rust_ramfs (mount -t rust_ramfs in the model) is the mount's root
                Assert.That(Machine.Sh($"cd '{dir}' && ls -A && mkdir -p docs/notes && echo hello > docs/hello.txt && ln -s docs/hello.txt link && cat link && mv docs/hello.txt docs/notes/ && ls -R docs && rm -r docs link && ls -A"),
                    Is.EqualTo("hello\ndocs:\nnotes\n\ndocs/notes:\nhello.txt\n"));
                break;
            default:
                Assert.Fail("no session for " + program);
                break;
        }
    }

    [Test]
    public void Without_arguments_the_sample_still_prints_its_transcript()
    {
        var r = RunSample([]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.ExitCode, Is.Zero, r.Stderr);
            Assert.That(r.Stdout, Does.Contain(program switch
            {
                "ProcRamFile" => "$ echo abcd >> /proc/rust-proc-file\n$ cat /proc/rust-proc-file\ndefg\nabcd\n",
                "PrinterFact" => "$ cat /dev/printerfact\n",
                "DebugFsDemo" => "$ echo 9000 > /sys/kernel/debug/netcard/mtu\n$ cat /sys/kernel/debug/netcard/mtu\n9000\n",
                "RamFs" => "$ rmmod rust_ramfs\n",
                _ => "reader: woke up and read \"hello, pipe\"",
            }));
        }
    }
}
