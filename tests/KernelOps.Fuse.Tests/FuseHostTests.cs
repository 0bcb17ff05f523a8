using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using KernelOps.Fuse.Tests.Infrastructure;
using KernelOps.Model;

namespace KernelOps.Fuse.Tests;

/// <summary>Real processes (sh, cat, dd, python3) on the RAM file of a mounted model /proc.</summary>
public class FuseHostTests
{
    [Test]
    public void Cat_of_a_fresh_file_is_empty()
    {
        using var m = new RamFileMount();
        Assert.That(Machine.Run("cat", [m.File]).Stdout, Is.Empty);
    }

    [Test]
    public void Echo_then_cat_gives_what_was_written()
    {
        using var m = new RamFileMount();
        Machine.Sh($"echo abcd > '{m.File}'");
        Assert.That(Machine.Run("cat", [m.File]).Stdout, Is.EqualTo("abcd\n"));
    }

    [Test]
    public void Echo_truncates_what_was_there()
    {
        using var m = new RamFileMount();
        Machine.Sh($"echo abcd > '{m.File}'");
        Machine.Sh($"echo defg > '{m.File}'");
        Assert.That(Machine.Run("cat", [m.File]).Stdout, Is.EqualTo("defg\n"));
    }

    [Test]
    public void Echo_append_appends()
    {
        using var m = new RamFileMount();
        Machine.Sh($"echo abcd > '{m.File}'; echo defg > '{m.File}'; echo abcd >> '{m.File}'");
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Machine.Run("cat", [m.File]).Stdout, Is.EqualTo("defg\nabcd\n"));
            Assert.That(Encoding.ASCII.GetString(m.Module.Data!.Snapshot()), Is.EqualTo("defg\nabcd\n"), "what the model holds");
        }
    }

    [Test]
    public void The_directory_lists_the_entry_and_stat_reports_the_models_mode_inode_and_size()
    {
        using var m = new RamFileMount();
        Machine.Sh($"printf 0123456789 > '{m.File}'");
        ProcEntry entry = m.Kernel.Proc.Find(Samples.ProcRamFile.RamFileModule.EntryName)!;
        Assert.That(m.Host.Process.Stat(entry.Path, out StatResult model), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            // The mount lists exactly what the model's /proc holds (the kernel's own devices and misc too).
            Assert.That(Machine.Run("ls", ["-a", m.Directory]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal),
                Is.EqualTo(ModelListing(m, includeDots: true)).And.Contains("rust-proc-file"));
            Assert.That(Machine.Run("stat", ["-c", "%s %a %F %i %h", m.File]).Stdout.Trim(),
                Is.EqualTo($"10 666 regular file {model.Inode} 1"));
            Assert.That(Machine.Run("stat", ["-c", "%a %F", m.Directory]).Stdout.Trim(), Is.EqualTo("555 directory"));
        }
    }

    [Test]
    public void Dd_writes_and_reads_a_large_file_in_blocks_without_cuts_or_losses()
    {
        using var m = new RamFileMount();
        string source = Path.Combine(Path.GetTempPath(), $"kernelops-dd-{Guid.NewGuid():N}");
        try
        {
            var bytes = new byte[300_000];
            new Random(6).NextBytes(bytes);
            File.WriteAllBytes(source, bytes);
            Machine.Run("dd", [$"if={source}", $"of={m.File}", "bs=7000", "status=none"]);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(m.Module.Data!.Snapshot(), Is.EqualTo(bytes), "what the model holds");
                Assert.That(Machine.Run("cmp", [source, m.File], check: false).ExitCode, Is.Zero, "cmp through the mount");
                Machine.Run("dd", [$"if={m.File}", $"of={source}.part", "bs=333", "skip=100", "count=1", "status=none"]);
                Assert.That(File.ReadAllBytes(source + ".part"), Is.EqualTo(bytes.AsSpan(33_300, 333).ToArray()), "dd skip reads at the offset");
            }
        }
        finally
        {
            File.Delete(source);
            File.Delete(source + ".part");
        }
    }

    [Test]
    public void A_handlers_errno_reaches_the_process()
    {
        using var m = new RamFileMount(maxBytes: 1000);
        string script = """
            import os, sys
            fd = os.open(sys.argv[1], os.O_WRONLY)
            print(os.pwrite(fd, b"x" * 1500, 0))
            try:
                os.pwrite(fd, b"y", 1000)
            except OSError as e:
                print(e.errno)
            """;
        string[] lines = Machine.Run("python3", ["-c", script, m.File]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Is.EqualTo(new[] { "1000", "27" }), "a write crossing s_maxbytes is short; one at it is EFBIG");
        var dd = Machine.Run("dd", ["if=/dev/zero", $"of={m.File}", "bs=600", "count=3", "status=none"], check: false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(dd.ExitCode, Is.Not.Zero);
            Assert.That(dd.Stderr, Does.Contain("File too large"));
        }
    }

    [Test]
    public void Creating_a_new_name_is_refused_as_proc_refuses_it()
    {
        using var m = new RamFileMount();
        var r = Machine.Run("/bin/sh", ["-c", $"echo x > '{m.Directory}/new-file'"], check: false);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(r.ExitCode, Is.Not.Zero);
            // proc's ->lookup answers ENOENT for a name it lacks, as on Linux (dash: "Directory nonexistent")
            Assert.That(r.Stderr, Does.Contain("Directory nonexistent"), "the model's open(O_CREAT) answers ENOENT");
            Assert.That(File.Exists(Path.Combine(m.Directory, "new-file")), Is.False);
        }
    }

    [Test]
    public void An_ioctl_the_handler_lacks_is_ENOTTY_and_SEEK_DATA_and_SEEK_HOLE_reach_the_handler()
    {
        using var m = new RamFileMount();
        string script = """
            import os, sys, fcntl, errno
            fd = os.open(sys.argv[1], os.O_RDWR)
            os.write(fd, b"0123456789")
            try:
                fcntl.ioctl(fd, 0x80086601, b"\0" * 8)   # FS_IOC_GETFLAGS, an _IOR ioctl with 8 bytes out
            except OSError as e:
                print("ioctl", errno.errorcode[e.errno])
            print("data", os.lseek(fd, 3, os.SEEK_DATA), "hole", os.lseek(fd, 3, os.SEEK_HOLE))
            try:
                os.lseek(fd, 10, os.SEEK_DATA)
            except OSError as e:
                print("data at eof", errno.errorcode[e.errno])
            """;
        Assert.That(Machine.Run("python3", ["-c", script, m.File]).Stdout,
            Is.EqualTo("ioctl ENOTTY\ndata 3 hole 10\ndata at eof ENXIO\n"));
    }

    [Test, CancelAfter(120_000)]
    public void Concurrent_appending_writer_processes_lose_and_tear_nothing()
    {
        using var m = new RamFileMount();
        const int writers = 8, records = 150;
        string script = """
            import os, sys
            me, n, path = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
            fd = os.open(path, os.O_WRONLY | os.O_APPEND)
            for i in range(n):
                rec = b"w%02d-%05d\n" % (me, i)
                assert os.write(fd, rec) == len(rec)
            os.close(fd)
            """;
        Task<Machine.Result>[] tasks = Enumerable.Range(0, writers)
            .Select(w => Task.Run(() => Machine.Run("python3", ["-c", script, w.ToString(), records.ToString(), m.File], timeout: TimeSpan.FromSeconds(90))))
            .ToArray();
        Task.WaitAll(tasks);
        string text = Encoding.ASCII.GetString(m.Module.Data!.Snapshot());
        string[] lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(text.Length, Is.EqualTo(writers * records * 10), "every byte arrived");
            Assert.That(lines.All(l => l.Length == 9 && l[0] == 'w' && l[3] == '-'), Is.True, "no record is torn");
            for (int w = 0; w < writers; w++)
            {
                string prefix = $"w{w:00}-";
                Assert.That(lines.Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).Select(l => int.Parse(l[4..])),
                    Is.EqualTo(Enumerable.Range(0, records)), $"writer {w}'s records, all and in order");
            }
            Assert.That(Machine.Run("cat", [m.File]).Stdout, Is.EqualTo(text), "cat sees the same");
        }
    }

    [Test, CancelAfter(120_000)]
    public void Unmounting_while_a_process_holds_the_file_open_neither_hangs_nor_leaves_the_mount()
    {
        var m = new RamFileMount();
        try
        {
            Machine.Sh($"echo abcd > '{m.File}'");
            string script = """
                import os, sys, errno
                fd = os.open(sys.argv[1], os.O_RDWR)
                print("open", os.read(fd, 4).decode(), flush=True)
                sys.stdin.readline()
                try:
                    os.pread(fd, 4, 0)
                    print("read worked")
                except OSError as e:
                    print("read", errno.errorcode[e.errno])
                try:
                    os.close(fd)
                    print("closed")
                except OSError as e:
                    print("close", errno.errorcode[e.errno])
                """;
            using var holder = Machine.Start("python3", ["-c", script, m.File]);
            try
            {
                Assert.That(holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).Result, Is.EqualTo("open abcd"));
                Assert.That(m.Host.OpenFileCount, Is.EqualTo(1), "the real open file is one model file");

                Task unmount = Task.Run(m.Host.Unmount);
                Assert.That(unmount.Wait(TimeSpan.FromSeconds(30)), Is.True, "unmount returned");
                Assert.That(MountTable.IsMountPoint(m.Directory), Is.False, "the mount is gone");
                Assert.That(m.Kernel.Statistics.LiveFiles, Is.Zero, "the model's file was released");

                holder.StandardInput.WriteLine("go");
                holder.StandardInput.Flush();
                Assert.That(holder.WaitForExit(30_000), Is.True, "the holder finished");
                string rest = holder.StandardOutput.ReadToEnd();
                Assert.That(rest, Does.StartWith("read ENOTCONN\n").Or.StartWith("read ECONNABORTED\n"), rest);
            }
            finally
            {
                if (!holder.HasExited) holder.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            m.Dispose();
        }
    }

    [Test]
    public void Rmmod_under_the_mount_makes_the_name_vanish_and_open_files_fail_with_EIO()
    {
        using var m = new RamFileMount();
        Machine.Sh($"echo abcd > '{m.File}'");
        string script = """
            import os, sys, errno
            fd = os.open(sys.argv[1], os.O_RDONLY)
            print("open", flush=True)
            sys.stdin.readline()
            try:
                os.read(fd, 4)
                print("read worked")
            except OSError as e:
                print("read", errno.errorcode[e.errno])
            """;
        using var holder = Machine.Start("python3", ["-c", script, m.File]);
        try
        {
            Assert.That(holder.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)).Result, Is.EqualTo("open"));
            Assert.That(m.Kernel.Modules.Unload(m.Module.Name).IsOk, Is.True);
            holder.StandardInput.WriteLine("go");
            holder.StandardInput.Flush();
            Assert.That(holder.WaitForExit(30_000), Is.True);
            var cat = Machine.Run("cat", [m.File], check: false);
            using (Assert.EnterMultipleScope())
            {
                Assert.That(holder.StandardOutput.ReadToEnd(), Is.EqualTo("read EIO\n"), "proc_reg_read after removal");
                Assert.That(cat.ExitCode, Is.Not.Zero);
                Assert.That(cat.Stderr, Does.Contain("No such file or directory"));
                string[] listed = Machine.Run("ls", ["-A", m.Directory]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
                Assert.That(listed, Does.Not.Contain("rust-proc-file"));
                Assert.That(listed, Is.EqualTo(ModelListing(m, includeDots: false)));
            }
        }
        finally
        {
            if (!holder.HasExited) holder.Kill(entireProcessTree: true);
        }
    }

    /// <summary>The names the model's /proc lists, in bytewise order.</summary>
    private static string[] ModelListing(RamFileMount m, bool includeDots)
    {
        var entries = new List<DirectoryEntry>();
        Assert.That(m.Host.Process.ReadDirectory("/proc", entries), Is.Zero);
        return entries.Select(e => e.Name).Where(n => includeDots || (n != "." && n != ".."))
            .OrderBy(n => n, StringComparer.Ordinal).ToArray();
    }
}
