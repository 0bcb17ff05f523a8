using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using KernelOps.Model;
using KernelOps.Samples.ProcRamFile;

namespace KernelOps.Samples.Tests.ProcRamFile;

/// <summary>
/// The seed's tester, all six checks: open options, read and write, write-seek-read,
/// write-seek-overwrite, concurrent writers then read, and concurrent writers while the module is
/// unloaded and reloaded.
/// </summary>
public class SeedTesterTests
{
    private const string P = RamFileSession.Path;

    // 1. Open options
    [Test]
    public void Open_with_O_TRUNC_truncates()
    {
        using var s = new RamFileSession();
        s.Echo("0123456789");
        int fd = s.Shell.Open(P, OpenFlags.O_WRONLY | OpenFlags.O_TRUNC);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Assert.That(s.Module.Data!.Length, Is.Zero);
        Assert.That(s.Shell.Close(fd), Is.Zero);
        Assert.That(s.Cat(), Is.Empty);
    }

    [Test]
    public void Open_without_O_TRUNC_keeps_the_contents_and_starts_at_zero()
    {
        using var s = new RamFileSession();
        s.Echo("0123456789");
        int fd = s.Shell.Open(P, OpenFlags.O_RDWR);
        UserMapping b = s.MapText("AB");
        Assert.That(s.Shell.Write(fd, b.Address, 2), Is.EqualTo((nint)2));
        s.Shell.Close(fd);
        Assert.That(s.Cat(), Is.EqualTo("AB23456789\n"));
    }

    [Test]
    public void Open_with_O_APPEND_writes_at_the_end_even_after_a_seek()
    {
        using var s = new RamFileSession();
        s.Echo("0123");
        int fd = s.Shell.Open(P, OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
        Assert.That(s.Shell.Lseek(fd, 0, (int)Whence.Set), Is.Zero);
        UserMapping b = s.MapText("xy");
        Assert.That(s.Shell.Write(fd, b.Address, 2), Is.EqualTo((nint)2));
        Assert.That(s.Shell.Lseek(fd, 0, (int)Whence.Current), Is.EqualTo(7), "f_pos follows the append");
        s.Shell.Close(fd);
        Assert.That(s.Cat(), Is.EqualTo("0123\nxy"));
    }

    [Test]
    public void Access_mode_is_enforced_by_the_VFS()
    {
        using var s = new RamFileSession();
        UserMapping b = s.MapText("xxxx");
        int ro = s.Shell.Open(P, OpenFlags.O_RDONLY);
        int wo = s.Shell.Open(P, OpenFlags.O_WRONLY);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(s.Shell.Write(ro, b.Address, 4), Is.EqualTo(-(nint)Errno.EBADF));
            Assert.That(s.Shell.Read(wo, b.Address, 4), Is.EqualTo(-(nint)Errno.EBADF));
        }
    }

    // 2. Read and write
    [TestCase(1)]
    [TestCase(3)]
    [TestCase(4096)]
    public void Reads_in_any_chunk_size_return_exactly_what_was_written(int chunk)
    {
        using var s = new RamFileSession();
        string text = string.Concat(Enumerable.Range(0, 300).Select(i => (char)('a' + i % 26)));
        int fd = s.Shell.Open(P, OpenFlags.O_RDWR);
        UserMapping w = s.MapText(text);
        Assert.That(s.Shell.Write(fd, w.Address, (nuint)text.Length), Is.EqualTo((nint)text.Length));
        Assert.That(s.Shell.Lseek(fd, 0, (int)Whence.Set), Is.Zero);
        UserMapping r = s.Shell.Memory.Map((nuint)chunk);
        var got = new StringBuilder();
        nint n;
        while ((n = s.Shell.Read(fd, r.Address, (nuint)chunk)) > 0) got.Append(s.ReadUser(r, (int)n));
        Assert.That(n, Is.EqualTo(nint.Zero), "EOF is a zero-length read");
        Assert.That(got.ToString(), Is.EqualTo(text));
    }

    // 3. Write, seek, read
    [Test]
    public void Write_seek_read()
    {
        using var s = new RamFileSession();
        int fd = s.Shell.Open(P, OpenFlags.O_RDWR);
        UserMapping w = s.MapText("0123456789");
        s.Shell.Write(fd, w.Address, 10);
        Assert.That(s.Shell.Lseek(fd, 3, (int)Whence.Set), Is.EqualTo(3));
        UserMapping r = s.Shell.Memory.Map(4);
        Assert.That(s.Shell.Read(fd, r.Address, 4), Is.EqualTo((nint)4));
        Assert.That(s.ReadUser(r, 4), Is.EqualTo("3456"));
        Assert.That(s.Shell.Lseek(fd, -2, (int)Whence.End), Is.EqualTo(8));
        Assert.That(s.Shell.Read(fd, r.Address, 4), Is.EqualTo((nint)2));
        Assert.That(s.ReadUser(r, 2), Is.EqualTo("89"));
        Assert.That(s.Shell.Lseek(fd, -5, (int)Whence.Current), Is.EqualTo(5));
    }

    // 4. Write, seek, overwrite
    [Test]
    public void Write_seek_overwrite()
    {
        using var s = new RamFileSession();
        int fd = s.Shell.Open(P, OpenFlags.O_RDWR);
        UserMapping w = s.MapText("0123456789");
        s.Shell.Write(fd, w.Address, 10);
        s.Shell.Lseek(fd, 2, (int)Whence.Set);
        UserMapping ab = s.MapText("ab");
        Assert.That(s.Shell.Write(fd, ab.Address, 2), Is.EqualTo((nint)2));
        s.Shell.Close(fd);
        Assert.That(s.Cat(), Is.EqualTo("01ab456789"));
    }

    [Test]
    public void Writing_past_the_end_leaves_a_zero_filled_gap_that_is_data_not_a_hole()
    {
        using var s = new RamFileSession();
        s.Echo("ab");                      // "ab\n", 3 bytes
        int fd = s.Shell.Open(P, OpenFlags.O_RDWR);
        s.Shell.Lseek(fd, 6, (int)Whence.Set);
        UserMapping z = s.MapText("z");
        s.Shell.Write(fd, z.Address, 1);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(s.Module.Data!.Snapshot(), Is.EqualTo(new byte[] { (byte)'a', (byte)'b', (byte)'\n', 0, 0, 0, (byte)'z' }));
            Assert.That(s.Shell.Lseek(fd, 4, (int)Whence.Data), Is.EqualTo(4), "ramfs: the gap is data");
            Assert.That(s.Shell.Lseek(fd, 4, (int)Whence.Hole), Is.EqualTo(7), "the only hole is at EOF");
            Assert.That(s.Shell.Lseek(fd, 7, (int)Whence.Data), Is.EqualTo(-(long)Errno.ENXIO));
            Assert.That(s.Shell.Lseek(fd, 7, (int)Whence.Hole), Is.EqualTo(-(long)Errno.ENXIO));
            Assert.That(s.Shell.Lseek(fd, -1, (int)Whence.Data), Is.EqualTo(-(long)Errno.ENXIO), "negative offsets compare unsigned");
        }
    }

    [Test]
    public void Seeks_Linux_rejects_are_rejected_with_its_errno()
    {
        using var s = new RamFileSession(maxBytes: 1024);
        s.Echo("0123");
        int fd = s.Shell.Open(P, OpenFlags.O_RDWR);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(s.Shell.Lseek(fd, -1, (int)Whence.Set), Is.EqualTo(-(long)Errno.EINVAL));
            Assert.That(s.Shell.Lseek(fd, -6, (int)Whence.End), Is.EqualTo(-(long)Errno.EINVAL));
            Assert.That(s.Shell.Lseek(fd, 1025, (int)Whence.Set), Is.EqualTo(-(long)Errno.EINVAL), "beyond s_maxbytes");
            Assert.That(s.Shell.Lseek(fd, 0, 5), Is.EqualTo(-(long)Errno.EINVAL), "whence > SEEK_MAX");
            Assert.That(s.Shell.Lseek(fd, 0, -1), Is.EqualTo(-(long)Errno.EINVAL));
            Assert.That(s.Shell.Lseek(fd, 3, (int)Whence.Set), Is.EqualTo(3));
            Assert.That(s.Shell.Lseek(fd, long.MaxValue, (int)Whence.Current), Is.EqualTo(-(long)Errno.EINVAL), "overflow");
            Assert.That(s.Shell.Lseek(fd, 0, (int)Whence.Current), Is.EqualTo(3), "failed seeks leave f_pos alone");
        }
    }

    [Test]
    public void A_write_at_or_past_the_size_limit_is_EFBIG_and_one_crossing_it_is_short()
    {
        using var s = new RamFileSession(maxBytes: 8);
        int fd = s.Shell.Open(P, OpenFlags.O_RDWR);
        UserMapping w = s.MapText("0123456789");
        Assert.That(s.Shell.Write(fd, w.Address, 10), Is.EqualTo((nint)8));
        Assert.That(s.Shell.Write(fd, w.Address, 1), Is.EqualTo(-(nint)Errno.EFBIG));
        Assert.That(s.Module.Data!.Length, Is.EqualTo(8));
    }

    // 5. Concurrent writers, then read
    [Test, CancelAfter(60_000)]
    public void Concurrent_appending_writers_lose_and_tear_nothing()
    {
        const int writers = 8, records = 400, size = 32;
        using var s = new RamFileSession();
        var failures = new ConcurrentBag<string>();
        RunThreads(writers, failures, w =>
        {
            using UserProcess p = s.Kernel.CreateProcess($"writer{w}");
            int fd = p.Open(P, OpenFlags.O_WRONLY | OpenFlags.O_APPEND);
            if (fd < 0) { failures.Add($"open: {fd}"); return; }
            UserMapping buf = p.Memory.Map(size);
            for (int r = 0; r < records; r++)
            {
                p.Memory.CopyToUser(buf.Address, Record(w, r, size));
                nint n = p.Write(fd, buf.Address, size);
                if (n != size) failures.Add($"writer {w} record {r}: write returned {n}");
            }
            if (p.Close(fd) != 0) failures.Add("close failed");
        });
        Assert.That(failures, Is.Empty);

        AssertRecords(Encoding.ASCII.GetString(s.Shell.ReadAllBytes(P)), writers, records, size);
    }

    [Test, CancelAfter(60_000)]
    public void Concurrent_writers_sharing_one_file_get_distinct_positions_from_the_f_pos_lock()
    {
        // One struct file shared by threads (f_count > 1 via dup): FMODE_ATOMIC_POS makes
        // fdget_pos take f_pos_lock, so no two writes start at the same offset.
        const int writers = 6, records = 300, size = 32;
        using var s = new RamFileSession();
        int fd = s.Shell.Open(P, OpenFlags.O_WRONLY);
        int[] fds = Enumerable.Range(0, writers).Select(_ => s.Shell.Dup(fd)).ToArray();
        Assert.That(fds, Is.All.GreaterThanOrEqualTo(0));
        var failures = new ConcurrentBag<string>();
        RunThreads(writers, failures, w =>
        {
            UserMapping buf = s.Shell.Memory.Map(size);
            for (int r = 0; r < records; r++)
            {
                s.Shell.Memory.CopyToUser(buf.Address, Record(w, r, size));
                nint n = s.Shell.Write(fds[w], buf.Address, size);
                if (n != size) failures.Add($"writer {w} record {r}: write returned {n}");
            }
        });
        Assert.That(failures, Is.Empty);
        Assert.That(s.Shell.Lseek(fd, 0, (int)Whence.Current), Is.EqualTo((long)writers * records * size));
        AssertRecords(Encoding.ASCII.GetString(s.Shell.ReadAllBytes(P)), writers, records, size);
    }

    // 6. Concurrent writers while the module is unloaded and reloaded
    [Test, CancelAfter(120_000)]
    public void Writers_and_readers_survive_repeated_unload_and_reload_and_nothing_leaks()
    {
        const int cycles = 200, workers = 4;
        using var s = new RamFileSession();
        var unexpected = new ConcurrentBag<string>();
        long ok = 0, gone = 0;
        using var stop = new CancellationTokenSource();
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() => Guard(unexpected, () =>
        {
            using UserProcess p = s.Kernel.CreateProcess($"worker{w}");
            UserMapping buf = p.Memory.Map(64);
            p.Memory.CopyToUser(buf.Address, Record(w, 0, 16));
            while (!stop.IsCancellationRequested)
            {
                bool writer = w % 2 == 0;
                int fd = p.Open(P, writer ? OpenFlags.O_WRONLY | OpenFlags.O_APPEND : OpenFlags.O_RDONLY);
                if (fd < 0)
                {
                    if (fd == -(int)Errno.ENOENT) Interlocked.Increment(ref gone);
                    else unexpected.Add($"open: {(Errno)(-fd)}");
                    continue;
                }
                for (int i = 0; i < 5; i++)
                {
                    nint n = writer ? p.Write(fd, buf.Address, 16) : p.Read(fd, buf.Address, 64);
                    if (n >= 0) Interlocked.Increment(ref ok);
                    else if (n == -(nint)Errno.EIO) Interlocked.Increment(ref gone);
                    else unexpected.Add($"{(writer ? "write" : "read")}: {(Errno)(-n)}");
                }
                int c = p.Close(fd);
                if (c != 0) unexpected.Add($"close: {c}");
            }
            p.Memory.Unmap(buf.Address);
        }))).ToList();
        threads.ForEach(t => t.Start());
        for (int i = 0; i < cycles; i++)
        {
            Thread.Sleep(2);
            Assert.That(s.Kernel.Modules.Unload(s.Module.Name).IsOk, Is.True, $"unload #{i}");
            Thread.Sleep(1);
            s.Kernel.Modules.Load(s.Module);
        }
        stop.Cancel();
        threads.ForEach(t => Assert.That(t.Join(TimeSpan.FromSeconds(30)), Is.True, "a worker hung"));
        Assert.That(s.Kernel.Modules.Unload(s.Module.Name).IsOk, Is.True);

        KernelStatistics stats = s.Kernel.Statistics;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(unexpected, Is.Empty, "every call returns data or a clean errno (ENOENT/EIO)");
            Assert.That(Interlocked.Read(ref ok), Is.GreaterThan(0), "some calls succeeded");
            Assert.That(Interlocked.Read(ref gone), Is.GreaterThan(0), "some calls met the unloaded module");
            Assert.That(stats.LiveFiles, Is.Zero, "struct file leaks");
            KernelStatistics fresh = FreshKernelStatistics();
            Assert.That(stats.LiveGCHandles, Is.EqualTo(fresh.LiveGCHandles), "GCHandle leaks (a fresh kernel has its root file systems' s_fs_info)");
            Assert.That(stats.LiveInodes, Is.EqualTo(fresh.LiveInodes), "inode leaks (a fresh kernel has its root inodes)");
        }
        TestContext.Out.WriteLine($"{cycles} unload/reload cycles, {ok} calls served, {gone} met the removed entry; {stats}");
    }

    private static KernelStatistics FreshKernelStatistics()
    {
        using var fresh = new Kernel();
        return fresh.Statistics;
    }

    /// <summary>Runs <paramref name="count"/> threads; an exception in one is recorded, never thrown on it.</summary>
    private static void RunThreads(int count, ConcurrentBag<string> failures, Action<int> body)
    {
        var threads = Enumerable.Range(0, count).Select(i => new Thread(() => Guard(failures, () => body(i)))).ToList();
        threads.ForEach(t => t.Start());
        foreach (Thread t in threads)
            if (!t.Join(TimeSpan.FromSeconds(50))) failures.Add($"thread {t.ManagedThreadId} hung");
    }

    private static void Guard(ConcurrentBag<string> failures, Action body)
    {
        try { body(); }
        catch (Exception e) { failures.Add(e.ToString()); }
    }

    private static byte[] Record(int writer, int index, int size)
    {
        string s = $"w{writer:D2} r{index:D5} ".PadRight(size - 1, '.') + "\n";
        return Encoding.ASCII.GetBytes(s);
    }

    private static void AssertRecords(string contents, int writers, int records, int size)
    {
        Assert.That(contents, Has.Length.EqualTo(writers * records * size), "no write lost or overlapped");
        var next = new int[writers];
        var rx = new Regex(@"^w(\d\d) r(\d{5}) \.+\n$");
        for (int i = 0; i < contents.Length; i += size)
        {
            Match m = rx.Match(contents.Substring(i, size));
            Assert.That(m.Success, Is.True, $"torn record at {i}: '{contents.Substring(i, size)}'");
            int w = int.Parse(m.Groups[1].Value), r = int.Parse(m.Groups[2].Value);
            Assert.That(r, Is.EqualTo(next[w]), $"writer {w}'s records out of order or duplicated");
            next[w]++;
        }
        Assert.That(next, Is.All.EqualTo(records));
    }
}
