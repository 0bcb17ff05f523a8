using System;
using System.Collections.Generic;
using System.IO;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests.Tool;

/// <summary>
/// <c>kernelops</c>, the built tool, as a user runs it: its help, every kind of bad argument (one
/// line, status 2), everything a command line can name wrongly (one line, status 1: a missing or
/// foreign file, a type that is not a module, a module whose init fails, module parameters), and a
/// driver from a built assembly served to real processes until SIGTERM.
/// </summary>
public class ToolTests
{
    private const string Fixtures = "KernelOps.Fuse.Tests.Tool.Fixtures.";

    // Gets past the FUSE device check on any machine: these tests stop before the mount.
    private static readonly Dictionary<string, string> NoFuseNeeded = new() { [KernelOps.Fuse.Cli.KernelOpsCommand.DeviceVariable] = "/dev/null" };

    private string _dir = null!;

    [SetUp]
    public void MakeDirectory() => _dir = Machine.TempDirectory("tool");

    [TearDown]
    public void RemoveDirectory() => Machine.CleanUp(_dir);

    private Machine.Result Mount(params string[] options) => KernelOpsTool.Run(["mount", _dir, .. options], NoFuseNeeded);

    [Test]
    public void Help_documents_the_mount_command_and_its_options()
    {
        var r = KernelOpsTool.Run(["--help"]);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.ExitCode, Is.Zero);
            Assert.That(r.Stderr, Is.Empty);
            foreach (string documented in (string[])["usage: kernelops mount DIR", "--module PATH", "--type NAME", "--param NAME=VALUE",
                "--mknod PATH c|b MAJOR MINOR", "--mount-fs TYPE[:MODEL_PATH]", "--fs-options OPTIONS", "--root MODEL_PATH", "--allow-other",
                "--owner-only", "--cache-timeout SECS", "Ctrl-C or SIGTERM", "Exit status"])
                Assert.That(r.Stdout, Does.Contain(documented));
            Assert.That(KernelOpsTool.Run(["mount", "--help"]).Stdout, Does.StartWith("usage: kernelops mount DIR"));
            Assert.That(KernelOpsTool.Run(["--version"]).Stdout, Does.Match(@"^kernelops \d+\.\d+\.\d+"));
        }
    }

    [TestCase(new string[0], "no command: kernelops mount DIR --module PATH")]
    [TestCase(new[] { "serve" }, "unknown command 'serve'")]
    [TestCase(new[] { "--mount" }, "unknown option '--mount'")]
    [TestCase(new[] { "mount" }, "mount needs a directory")]
    [TestCase(new[] { "mount", "/tmp/a", "/tmp/b" }, "one mount directory only")]
    [TestCase(new[] { "mount", "/tmp/a", "--modul", "x.dll" }, "unknown option '--modul'")]
    [TestCase(new[] { "mount", "/tmp/a", "--module" }, "--module needs a path to a built assembly")]
    [TestCase(new[] { "mount", "/tmp/a", "--type", "X" }, "--type names a type of the --module before it")]
    [TestCase(new[] { "mount", "/tmp/a", "--module", "a.dll", "--param", "count" }, "--param 'count' must be NAME=VALUE")]
    [TestCase(new[] { "mount", "/tmp/a", "--mknod", "/dev/x", "c", "1" }, "--mknod needs PATH TYPE MAJOR MINOR")]
    [TestCase(new[] { "mount", "/tmp/a", "--mknod", "/dev/x", "p", "1", "1" }, "--mknod type 'p' must be c (character) or b (block)")]
    [TestCase(new[] { "mount", "/tmp/a", "--root", "proc" }, "--root 'proc' must be an absolute model path")]
    [TestCase(new[] { "mount", "/tmp/a", "--max-threads", "0" }, "--max-threads must be a positive number (got '0')")]
    [TestCase(new[] { "mount", "/tmp/a", "--mount-fs", ":/mnt/x" }, "--mount-fs ':/mnt/x' needs a file system type")]
    [TestCase(new[] { "mount", "/tmp/a", "--mount-fs", "ramfs:mnt" }, "--mount-fs 'ramfs:mnt': the model path 'mnt' must be absolute")]
    [TestCase(new[] { "mount", "/tmp/a", "--fs-options", "mode=0700" }, "--fs-options are the mount options of the --mount-fs before them")]
    [TestCase(new[] { "mount", "/tmp/a", "--cache-timeout", "-1" }, "--cache-timeout must be a number of seconds from 0 to 3600 (got '-1')")]
    [TestCase(new[] { "mount", "/tmp/a", "--owner-only", "--allow-other" }, "--allow-other and --owner-only contradict each other")]
    public void A_bad_command_line_is_one_line_and_status_2(string[] args, string says)
    {
        KernelOpsTool.AssertOneLineError(KernelOpsTool.Run(args), 2, "kernelops: " + says);
    }

    [Test]
    public void A_missing_mount_directory_is_status_1_before_anything_loads()
    {
        string missing = _dir + "-missing";
        KernelOpsTool.AssertOneLineError(KernelOpsTool.Run(["mount", missing, "--module", "nowhere.dll"], NoFuseNeeded), 1,
            $"kernelops: mount point {missing} does not exist: create it first (mkdir -p {missing})");
    }

    [Test]
    public void A_missing_assembly_says_to_build_the_driver()
    {
        string path = Path.Combine(_dir + "-bin", "MyDriver.dll");
        KernelOpsTool.AssertOneLineError(Mount("--module", path), 1, $"kernelops: {path} does not exist: build the driver first");
    }

    [Test]
    public void A_file_that_is_not_an_assembly_is_refused()
    {
        string path = Path.Combine(Path.GetTempPath(), $"kernelops-notdll-{Guid.NewGuid():N}.dll");
        File.WriteAllText(path, "not a PE file\n");
        try
        {
            KernelOpsTool.AssertOneLineError(Mount("--module", path), 1, $"kernelops: {path} is not a .NET assembly");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void An_assembly_that_does_not_reference_KernelOps_holds_no_modules()
    {
        string nunit = Path.Combine(TestContext.CurrentContext.TestDirectory, "nunit.framework.dll");
        KernelOpsTool.AssertOneLineError(Mount("--module", nunit), 1, "nunit.framework.dll does not reference KernelOps (KernelOps.Runtime): it holds no kernel modules");
    }

    [Test]
    public void An_assembly_with_several_modules_needs_type()
    {
        var r = Mount("--module", KernelOpsTool.TestAssembly);
        KernelOpsTool.AssertOneLineError(r, 1, "KernelOps.Fuse.Tests.dll holds ");
        Assert.That(r.Stderr, Does.Contain(Fixtures + "FailingInitModule").And.Contain(Fixtures + "ParameterModule").And.EndWith("name one with --type\n"));
    }

    [TestCase("KernelOps.Fuse.Tests.Tool.ToolTests", "KernelOps.Fuse.Tests.Tool.ToolTests is not a kernel module: it does not implement KernelOps.Model.IKernelModule")]
    [TestCase("NoSuchModule", "KernelOps.Fuse.Tests.dll has no type NoSuchModule")]
    [TestCase("AbstractModule", Fixtures + "AbstractModule cannot be created")]
    public void A_type_that_is_not_a_loadable_module_is_refused(string type, string says)
    {
        KernelOpsTool.AssertOneLineError(Mount("--module", KernelOpsTool.TestAssembly, "--type", type), 1, "kernelops: " + says);
    }

    [Test]
    public void A_module_whose_init_fails_is_refused_with_its_errno()
    {
        KernelOpsTool.AssertOneLineError(Mount("--module", KernelOpsTool.TestAssembly, "--type", "FailingInitModule"), 1,
            $"kernelops: module 'failing_init' ({Fixtures}FailingInitModule) did not load: its init failed with ENODEV (No such device)");
    }

    [Test]
    public void A_module_whose_init_throws_is_refused_with_the_exception()
    {
        KernelOpsTool.AssertOneLineError(Mount("--module", KernelOpsTool.TestAssembly, "--type", "ThrowingInitModule"), 1,
            $"kernelops: module 'throwing_init' ({Fixtures}ThrowingInitModule) did not load: its init threw InvalidOperationException: no registers at 0x1000");
    }

    [TestCase(new string[0], "needs the module parameter count (--param count=VALUE)")]
    [TestCase(new[] { "count=1", "speed=2" }, "has no module parameter speed (its parameters: count, verbose, mode)")]
    [TestCase(new[] { "count=ten" }, "module parameter count=ten of " + Fixtures + "ParameterModule: not a valid Int32")]
    [TestCase(new[] { "count=99999999999" }, "module parameter count=99999999999 of " + Fixtures + "ParameterModule: not a valid Int32")]
    [TestCase(new[] { "count=1", "verbose=maybe" }, "not a boolean (y/n, 1/0, true/false, on/off)")]
    [TestCase(new[] { "count=1", "mode=warp" }, "not one of Slow, Fast")]
    [TestCase(new[] { "count=1", "count=2" }, "module parameter count is given twice")]
    public void Bad_module_parameters_are_refused(string[] parameters, string says)
    {
        var args = new List<string> { "--module", KernelOpsTool.TestAssembly, "--type", "ParameterModule" };
        foreach (string p in parameters) args.AddRange(["--param", p]);
        KernelOpsTool.AssertOneLineError(Mount([.. args]), 1, says);
    }

    [Test]
    public void Mknod_by_a_name_no_driver_registered_is_refused()
    {
        KernelOpsTool.AssertOneLineError(Mount("--module", KernelOpsTool.Sample("PipeDevice"), "--mknod", "/dev/x", "c", "10", "nope"), 1,
            "kernelops: --mknod /dev/x: no misc device named 'nope' in /proc/misc (is its module loaded?)");
        KernelOpsTool.AssertOneLineError(Mount("--mknod", "/dev/x", "c", "printerfact", "1"), 1,
            "kernelops: --mknod /dev/x: no character driver named 'printerfact' in /proc/devices (is its module loaded?)");
    }

    [Test]
    public void A_file_system_type_no_module_registered_is_refused()
    {
        KernelOpsTool.AssertOneLineError(Mount("--mount-fs", "rust_ramfs:/mnt/ram"), 1,
            "kernelops: --mount-fs rust_ramfs:/mnt/ram: the model has no file system type 'rust_ramfs' (is the module that registers it given with --module?)");
        KernelOpsTool.AssertOneLineError(Mount("--mount-fs", "ramfs", "--fs-options", "mode=bogus"), 1,
            "kernelops: --mount-fs ramfs:/mnt/ramfs -o mode=bogus: mount failed with EINVAL");
    }

    [Test, CancelAfter(120_000)]
    public void Mount_fs_serves_a_fresh_file_system_of_the_model_to_real_processes()
    {
        Machine.RequireFuse();
        using var tool = KernelOpsTool.Start(["mount", _dir, "--mount-fs", "ramfs:/mnt/ram", "--fs-options", "mode=0750"]);
        try
        {
            Assert.That(Machine.WaitUntil(() => MountTable.IsMountPoint(_dir) || tool.HasExited, TimeSpan.FromSeconds(60)), Is.True, "mounted in time");
            Assert.That(tool.HasExited, Is.False, () => "the tool exited: " + tool.StandardError.ReadToEnd());
            string script = $"cd '{_dir}' && stat -c %a . && mkdir -p a/b && echo hi > a/b/f && ln -s b/f a/l && cat a/l && ls -A";
            Assert.That(Machine.Sh(script), Is.EqualTo("750\nhi\na\n"), "the root has the mode= option; the tree is a ramfs");
            Machine.Run("kill", ["-TERM", tool.Id.ToString()]);
            Assert.That(tool.WaitForExit(30_000), Is.True, "the tool exited after SIGTERM");
            tool.WaitForExit();
            Assert.That(tool.ExitCode, Is.Zero, tool.StandardError.ReadToEnd());
            Assert.That(tool.StandardOutput.ReadToEnd(), Does.Contain($"kernelops: serving the model's /mnt/ram (no modules) on {_dir}; Ctrl-C unmounts"));
        }
        finally
        {
            if (!tool.HasExited) tool.Kill(entireProcessTree: true);
        }
    }

    [Test, CancelAfter(120_000)]
    public void Serves_a_driver_from_a_built_assembly_with_its_parameters_until_SIGTERM()
    {
        Machine.RequireFuse();
        string script = Path.Combine(TestContext.CurrentContext.TestDirectory, "Scripts", "devops.py");
        // no --mknod: scullpipe's misc_register makes /dev/scullpipe, as devtmpfs does
        using var tool = KernelOpsTool.Start(["mount", _dir, "--module", KernelOpsTool.Sample("PipeDevice"), "--param", "capacity=0x100",
            "--module", KernelOpsTool.TestAssembly, "--type", "ParameterModule", "--param", "count=0x10", "--param", "verbose=y", "--param", "mode=fast"]);
        try
        {
            Assert.That(Machine.WaitUntil(() => MountTable.IsMountPoint(_dir) || tool.HasExited, TimeSpan.FromSeconds(60)), Is.True, "mounted in time");
            Assert.That(tool.HasExited, Is.False, () => "the tool exited: " + tool.StandardError.ReadToEnd());
            string pipe = Path.Combine(_dir, "dev", "scullpipe");
            using (Assert.EnterMultipleScope())
            {
                Assert.That(Machine.Run("python3", [script, "getinfo", pipe]).Stdout, Is.EqualTo("256 0 1 0\n"), "capacity=0x100 reached PipeModule's constructor");
                Assert.That(Machine.Sh($"exec 3< '{pipe}'; echo hello > '{pipe}'; python3 '{script}' read '{pipe}' 100"), Is.EqualTo("b'hello\\n'\n"));
                Assert.That(Machine.Sh($"grep -c scullpipe '{_dir}/proc/misc'"), Is.EqualTo("1\n"));
            }

            Machine.Run("kill", ["-TERM", tool.Id.ToString()]);
            Assert.That(tool.WaitForExit(30_000), Is.True, "the tool exited after SIGTERM");
            tool.WaitForExit();
            string output = tool.StandardOutput.ReadToEnd();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(tool.ExitCode, Is.Zero, tool.StandardError.ReadToEnd());
                Assert.That(MountTable.IsMountPoint(_dir), Is.False, "unmounted");
                Assert.That(output, Does.Contain("[dmesg] parameters: count=16 verbose=1 mode=Fast"));
                Assert.That(output, Does.Contain($"kernelops: serving the model's / (modules scullpipe, parameters) on {_dir}; Ctrl-C unmounts"));
                Assert.That(output, Does.Contain($"unmounted {_dir}\n"));
            }
        }
        finally
        {
            if (!tool.HasExited) tool.Kill(entireProcessTree: true);
        }
    }
}
