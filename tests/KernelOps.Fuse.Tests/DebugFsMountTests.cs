using System;
using System.Linq;
using System.Threading.Tasks;
using KernelOps.Fuse.Tests.Infrastructure;
using KernelOps.Model;

namespace KernelOps.Fuse.Tests;

/// <summary>
/// Real processes on debugfs through a mount of the whole model tree: DebugFsDemo's netcard at
/// DIR/sys/kernel/debug/netcard, read and written through the debugfs proxy and the files'
/// file_operations, listed, and unloaded under a process that holds a file open.
/// </summary>
public class DebugFsMountTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static string Card(DeviceMount m, string file = "") => m.Real(DebugFs.MountPoint + "/netcard" + (file.Length == 0 ? "" : "/" + file));

    /// <summary>open(PATH, O_WRONLY|O_TRUNC) and one write of TEXT, as echo does: prints "ok N" or the errno.</summary>
    private const string WriteScript = """
        import os, sys, errno
        fd = os.open(sys.argv[1], os.O_WRONLY | os.O_TRUNC)
        try:
            print("ok", os.write(fd, sys.argv[2].encode()))
        except OSError as e:
            print(e.errno, errno.errorcode[e.errno])
        """;

    private static string PyWrite(string path, string text) => Machine.Run("python3", ["-c", WriteScript, path, text], timeout: Bound).Stdout;

    [Test]
    public void Cat_of_a_counter_shows_what_the_driver_counted_and_reads_again_each_time()
    {
        using var m = DeviceMount.DebugFs();
        Assert.That(Machine.Run("cat", [Card(m, "stats")], timeout: Bound).Stdout, Is.EqualTo("rx_packets: 5\ntx_packets: 12\nerrors: 1\n"));
        m.Card!.Receive();
        m.Card.Receive();
        // size 0 and direct_io: nothing cached, nothing cut at st_size
        Assert.That(Machine.Run("cat", [Card(m, "stats")], timeout: Bound).Stdout, Does.StartWith("rx_packets: 7\n"));
        Assert.That(Machine.Sh($"stat -c '%s %a %F' '{Card(m, "stats")}'"), Is.EqualTo("0 444 regular empty file\n"));
    }

    [Test]
    public void Echo_9000_to_mtu_then_cat_gives_9000_and_the_driver_has_it()
    {
        using var m = DeviceMount.DebugFs();
        string mtu = Card(m, "mtu");
        Assert.That(Machine.Sh($"cat '{mtu}'; echo 9000 > '{mtu}'; cat '{mtu}'", Bound), Is.EqualTo("1500\n9000\n"));
        Assert.That(m.Card!.Mtu.Value.Value, Is.EqualTo(9000u));
        Assert.That(Machine.WaitUntil(() => m.Host.OpenFileCount == 0, Bound), Is.True, "every file was released");
    }

    [Test]
    public void Echo_jumbo_to_mtu_fails_with_EINVAL_and_the_old_value_stays()
    {
        using var m = DeviceMount.DebugFs();
        string mtu = Card(m, "mtu");
        Machine.Sh($"echo 9000 > '{mtu}'", Bound);
        // dash reports any failed write of echo as "I/O error"; bash names the errno
        Machine.Result sh = Machine.Run("/bin/sh", ["-c", $"echo jumbo > '{mtu}'"], timeout: Bound, check: false);
        Machine.Result bash = Machine.Run("bash", ["-c", $"echo jumbo > '{mtu}'"], timeout: Bound, check: false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(sh.ExitCode, Is.Not.Zero, "the shell's echo failed");
            Assert.That(bash.ExitCode, Is.Not.Zero);
            Assert.That(bash.Stderr, Does.Contain("echo: write error: Invalid argument"));
            Assert.That(PyWrite(mtu, "jumbo\n"), Is.EqualTo("22 EINVAL\n"), "the handler's -EINVAL reaches write(2)");
            Assert.That(PyWrite(mtu, "70000000000\n"), Is.EqualTo("34 ERANGE\n"), "too large for a u32: kstrtouint's -ERANGE");
            Assert.That(Machine.Run("cat", [mtu], timeout: Bound).Stdout, Is.EqualTo("9000\n"));
            Assert.That(m.Card!.Mtu.Value.Value, Is.EqualTo(9000u));
        }
    }

    [Test]
    public void Ls_lists_sys_and_the_debugfs_directories_and_stat_shows_their_modes()
    {
        using var m = DeviceMount.DebugFs();
        string Ls(string model) => Machine.Sh($"ls -a '{m.Real(model)}'", Bound).Replace('\n', ' ').TrimEnd();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Ls("/"), Is.EqualTo(". .. dev proc sys"));
            Assert.That(Ls("/sys"), Is.EqualTo(". .. bus devices kernel"));
            Assert.That(Ls("/sys/kernel"), Is.EqualTo(". .. debug"));
            Assert.That(Ls("/sys/kernel/debug"), Is.EqualTo(". .. netcard"));
            Assert.That(Ls("/sys/kernel/debug/netcard"), Is.EqualTo(". .. mtu name promiscuous queues reset_stats stats"));
            Assert.That(Ls("/sys/kernel/debug/netcard/queues/rx1"), Is.EqualTo(". .. card_stats head ring_size tail"));
            Assert.That(Machine.Sh($"cd '{m.Real("/sys")}' && stat -c '%n %a %F %h' . kernel kernel/debug kernel/debug/netcard/reset_stats", Bound),
                Is.EqualTo(". 555 directory 5\nkernel 755 directory 3\nkernel/debug 700 directory 3\nkernel/debug/netcard/reset_stats 200 regular empty file 1\n"));
            Assert.That(m.Host.Process.Stat(DebugFs.MountPoint + "/netcard/queues", out StatResult queues), Is.Zero);
            Assert.That(Machine.Sh($"stat -c %i '{Card(m, "queues")}'"), Is.EqualTo($"{queues.Inode}\n"), "the model's inode");
            // ls -R and find follow every directory: no inode number repeats along a path
            // 21 under /sys/kernel and /sys itself, 16 for the two buses' /sys/bus and /sys/devices entries
            Assert.That(Machine.Run("find", [m.Real("/sys")], timeout: Bound).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries), Has.Length.EqualTo(37));
        }
    }

    [Test]
    public void A_mount_of_debugfs_alone_serves_its_tree()
    {
        using var m = DeviceMount.DebugFs(modelRoot: DebugFs.MountPoint);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Machine.Sh($"ls -a '{m.Directory}'"), Is.EqualTo(".\n..\nnetcard\n"));
            Assert.That(Machine.Sh($"stat -c %a '{m.Directory}'"), Is.EqualTo("700\n"), "debugfs' root mode");
            Assert.That(Machine.Sh($"echo 1 > '{Card(m, "promiscuous")}'; cat '{Card(m, "promiscuous")}' '{Card(m, "queues/rx0/head")}'", Bound), Is.EqualTo("Y\n5\n"));
            Assert.That(m.Card!.Promiscuous.Value.Value, Is.True);
        }
    }

    [Test]
    public void Creating_files_in_sys_or_writing_its_directories_is_refused_as_by_sysfs()
    {
        using var m = DeviceMount.DebugFs();
        const string Script = """
            import os, sys, errno
            for path, flags in ((sys.argv[1] + "/new", os.O_WRONLY | os.O_CREAT), (sys.argv[1] + "/kernel/debug/netcard/new", os.O_WRONLY | os.O_CREAT),
                                (sys.argv[1], os.O_WRONLY), (sys.argv[1] + "/kernel", os.O_RDONLY | os.O_CREAT)):
                try:
                    os.close(os.open(path, flags, 0o644))
                    print("ok")
                except OSError as e:
                    print(errno.errorcode[e.errno])
            """;
        Assert.That(Machine.Run("python3", ["-c", Script, m.Real("/sys")], timeout: Bound).Stdout, Is.EqualTo("EACCES\nEACCES\nEISDIR\nEISDIR\n"));
        Assert.That(Machine.Sh($"ls -a '{m.Real("/sys")}'"), Is.EqualTo(".\n..\nbus\ndevices\nkernel\n"), "nothing was created");
    }

    [Test, CancelAfter(90_000)]
    public void Unloading_the_driver_under_an_open_file_makes_its_next_read_and_write_EIO_and_its_names_go()
    {
        using var m = DeviceMount.DebugFs();
        const string Script = """
            import os, sys, errno
            stats = os.open(sys.argv[1] + "/stats", os.O_RDONLY)
            mtu = os.open(sys.argv[1] + "/mtu", os.O_RDWR)
            print("open", os.read(stats, 100).split(b"\n")[0].decode(), flush=True)
            sys.stdin.readline()
            for name, call in (("read", lambda: os.pread(stats, 100, 0)), ("write", lambda: os.pwrite(mtu, b"9000\n", 0)),
                               ("close", lambda: os.close(stats))):
                try:
                    call()
                    print(name, "worked")
                except OSError as e:
                    print(name, e.errno, errno.errorcode[e.errno])
            """;
        using var holder = Machine.Start("python3", ["-c", Script, Card(m)]);
        try
        {
            Assert.That(holder.StandardOutput.ReadLineAsync().WaitAsync(Bound).Result, Is.EqualTo("open rx_packets: 5"));
            Assert.That(m.Host.OpenFileCount, Is.EqualTo(2), "each real open file is one model file");

            // rmmod: the driver's remove() runs debugfs_remove_recursive on its directory
            Assert.That(Task.Run(m.Card!.Dispose).Wait(Bound), Is.True, "removal did not wait for anything");
            holder.StandardInput.WriteLine("go");
            holder.StandardInput.Flush();
            Assert.That(holder.WaitForExit((int)Bound.TotalMilliseconds), Is.True, "the holder finished");
            holder.WaitForExit();
            Machine.Result cat = Machine.Run("cat", [Card(m, "stats")], timeout: Bound, check: false);
            using (Assert.EnterMultipleScope())
            {
                // fs/debugfs/file.c: debugfs_file_get fails once removal started, and the full proxy returns its -EIO
                Assert.That(holder.StandardOutput.ReadToEnd(), Is.EqualTo("read 5 EIO\nwrite 5 EIO\nclose worked\n"));
                Assert.That(cat.ExitCode, Is.Not.Zero);
                Assert.That(cat.Stderr, Does.Contain("No such file or directory"));
                Assert.That(Machine.Sh($"ls -A '{m.Real(DebugFs.MountPoint)}'"), Is.Empty, "netcard left the listing");
                Assert.That(Machine.WaitUntil(() => m.Host.OpenFileCount == 0 && m.Kernel.Statistics.LiveFiles == m.Host.NodeCount, Bound), Is.True,
                    "both files were released");
            }
        }
        finally
        {
            if (!holder.HasExited) holder.Kill(entireProcessTree: true);
        }
    }
}
