using System;
using System.Collections.Concurrent;
using System.Text;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.DebugFs;

internal sealed class DebugFsTests : ModelTestBase
{
    private const string Root = "/sys/kernel/debug";

    /// <summary>write(2) of <paramref name="text"/> on a fresh fd: the count or -errno.</summary>
    private nint WriteText(string path, string text)
    {
        int fd = Proc.Open(path, OpenFlags.O_WRONLY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0), $"open {path}");
        try
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            nuint address = Buffer(Math.Max(1, bytes.Length));
            Proc.Memory.CopyToUser(address, bytes);
            return Proc.Write(fd, address, (nuint)bytes.Length);
        }
        finally
        {
            Proc.Close(fd);
        }
    }

    private string Cat(string path) => Proc.ReadAllText(path);

    private static object[] RoundTrips =
    [
        new object[] { (sbyte)-128, "-128\n", "127", (sbyte)127 },
        new object[] { (short)-5, "-5\n", "0x7fff", (short)32767 },
        new object[] { -1, "-1\n", "-2147483648\n", int.MinValue },
        new object[] { long.MinValue, "-9223372036854775808\n", "9223372036854775807", long.MaxValue },
        new object[] { (byte)7, "7\n", "0xff\n", (byte)255 },
        new object[] { (ushort)1, "1\n", "017", (ushort)15 },
        new object[] { 42u, "42\n", "+4294967295", uint.MaxValue },
        new object[] { 3ul, "3\n", "18446744073709551615\n", ulong.MaxValue },
        new object[] { true, "Y\n", "off", false },
        new object[] { "hello", "hello\n", "world\n", "world" },
    ];

    [TestCaseSource(nameof(RoundTrips))]
    public void Value_files_format_and_parse_every_supported_type<T>(T initial, string shown, string written, T parsed)
    {
        using DebugFsFile<T> file = Kernel.DebugFs.CreateValueFile("value", null, initial);
        Assert.That(Cat(Root + "/value"), Is.EqualTo(shown));
        Assert.That(WriteText(Root + "/value", written), Is.EqualTo((nint)Encoding.UTF8.GetByteCount(written)));
        Assert.That(file.Value.Value, Is.EqualTo(parsed));
        // What is shown parses back to the same value.
        string again = Cat(Root + "/value");
        Assert.That(WriteText(Root + "/value", again), Is.GreaterThan((nint)0));
        Assert.That(file.Value.Value, Is.EqualTo(parsed));
    }

    [TestCase("1", true)] [TestCase("y", true)] [TestCase("Y\n", true)] [TestCase("on", true)] [TestCase("ON", true)] [TestCase("t", true)]
    [TestCase("0", false)] [TestCase("n", false)] [TestCase("N", false)] [TestCase("off\n", false)] [TestCase("Of", false)] [TestCase("f", false)]
    public void Bool_files_accept_what_kstrtobool_accepts(string text, bool expected)
    {
        using DebugFsFile<bool> file = Kernel.DebugFs.CreateValueFile("flag", null, !expected);
        Assert.That(WriteText(Root + "/flag", text), Is.EqualTo((nint)text.Length));
        Assert.That(file.Value.Value, Is.EqualTo(expected));
    }

    [TestCase("", Errno.EINVAL)]
    [TestCase("abc", Errno.EINVAL)]
    [TestCase("12abc", Errno.EINVAL)]
    [TestCase(" 12", Errno.EINVAL)]
    [TestCase("12\n\n", Errno.EINVAL)]
    [TestCase("08", Errno.EINVAL)]
    [TestCase("-1", Errno.EINVAL)]          // unsigned: '-' is not a digit
    [TestCase("4294967296", Errno.ERANGE)]   // u32 overflow
    [TestCase("99999999999999999999", Errno.ERANGE)] // u64 overflow
    public void Bad_writes_keep_the_old_value_and_return_the_errno(string text, Errno errno)
    {
        using DebugFsFile<uint> file = Kernel.DebugFs.CreateValueFile("n", null, 17u);
        Assert.That(WriteText(Root + "/n", text), Is.EqualTo(-(nint)errno));
        Assert.That(file.Value.Value, Is.EqualTo(17u));
        Assert.That(Cat(Root + "/n"), Is.EqualTo("17\n"));
    }

    [TestCase("128", Errno.ERANGE)] [TestCase("-129", Errno.ERANGE)] [TestCase("--1", Errno.EINVAL)] [TestCase("", Errno.EINVAL)]
    public void Signed_bad_writes_keep_the_old_value(string text, Errno errno)
    {
        using DebugFsFile<sbyte> file = Kernel.DebugFs.CreateValueFile("s8", null, (sbyte)-3);
        Assert.That(WriteText(Root + "/s8", text), Is.EqualTo(-(nint)errno));
        Assert.That(file.Value.Value, Is.EqualTo((sbyte)-3));
    }

    [TestCase("") ] [TestCase("maybe")] [TestCase("o")]
    public void Bool_garbage_is_EINVAL(string text)
    {
        using DebugFsFile<bool> file = Kernel.DebugFs.CreateValueFile("flag", null, true);
        Assert.That(WriteText(Root + "/flag", text), Is.EqualTo(-(nint)Errno.EINVAL));
        Assert.That(file.Value.Value, Is.True);
    }

    [Test]
    public void Read_only_value_files_refuse_writes_as_the_proxy_does()
    {
        using DebugFsFile<int> file = Kernel.DebugFs.CreateValueFile("ro", null, 5, mode: 0x124);
        Assert.That(WriteText(Root + "/ro", "6"), Is.EqualTo(-(nint)Errno.EINVAL));
        Assert.That(file.Value.Value, Is.EqualTo(5));
    }

    [Test]
    public void Callback_files_use_the_type_generated_table_and_store_only_the_data()
    {
        var counters = new Counters { Events = 41 };
        DebugFsEntry dir = Kernel.DebugFs.CreateDirectory("drv");
        using DebugFsCallbackFile<Counters> events = Kernel.DebugFs.CreateCallbackFile<EventsFile, Counters>("events", dir, counters);
        using DebugFsCallbackFile<Counters> reset = Kernel.DebugFs.CreateCallbackFile<ResetFile, Counters>("reset", dir, counters);
        Assert.That(Cat(Root + "/drv/events"), Is.EqualTo("41\n"));
        Assert.That(WriteText(Root + "/drv/events", "0x10\n"), Is.EqualTo((nint)5));
        Assert.That(counters.Events, Is.EqualTo(16));
        Assert.That(WriteText(Root + "/drv/events", "ten"), Is.EqualTo(-(nint)Errno.EINVAL));
        Assert.That(WriteText(Root + "/drv/reset", "1"), Is.EqualTo((nint)1));
        Assert.That(counters.Events, Is.Zero);
        Assert.That(counters.Resets, Is.EqualTo(1));
        // ResetFile has no read: the proxy answers EINVAL; its mode has no read bits.
        int fd = Proc.Open(Root + "/drv/reset", OpenFlags.O_RDONLY);
        Assert.That(Proc.Read(fd, Buffer(), 16), Is.EqualTo(-(nint)Errno.EINVAL));
        Proc.Close(fd);
        Assert.That(Proc.Stat(Root + "/drv/reset", out StatResult st), Is.Zero);
        Assert.That(st.Mode & 0xFFF, Is.EqualTo(0x80u));
        Assert.That(Proc.Stat(Root + "/drv/events", out st), Is.Zero);
        Assert.That(st.Mode & 0xFFF, Is.EqualTo(0x1A4u));
        unsafe
        {
            Assert.That(EventsFile.Table.Value.read != null && EventsFile.Table.Value.write != null && EventsFile.Table.Value.llseek != null);
            Assert.That(ResetFile.Table.Value.read == null && ResetFile.Table.Value.write != null);
        }
        OpsTable<FileOperations> first = EventsFile.Table;
        Assert.That(EventsFile.Table, Is.EqualTo(first), "one table per type, built once");
        Assert.That(events.Data, Is.SameAs(counters));
        dir.Dispose();
        Assert.That(events.Data, Is.Null, "removal frees the data word");
    }

    [Test]
    public void Scope_files_share_data_are_conditional_and_go_together()
    {
        var hits = new DebugFsValue<ulong>(3);
        var limit = new DebugFsValue<int>(10);
        var counters = new Counters { Events = 2 };
        bool verbose = false;
        using (DebugFsScope scope = Kernel.DebugFs.CreateScope("scoped"))
        {
            scope.ReadOnlyFile("hits", hits);
            scope.ReadWriteFile("hits_rw", hits);               // two files, one value
            DebugFsScopedDirectory settings = scope.Directory("settings");
            settings.ReadWriteFile("limit", limit);
            settings.CallbackFile<EventsFile, Counters>("events", counters); // another structure
            if (verbose) settings.ReadWriteFile("verbose", new DebugFsValue<bool>(true));

            Assert.That(WriteText(Root + "/scoped/hits_rw", "9"), Is.EqualTo((nint)1));
            Assert.That(Cat(Root + "/scoped/hits"), Is.EqualTo("9\n"));
            Assert.That(Cat(Root + "/scoped/settings/events"), Is.EqualTo("2\n"));
            Assert.That(Proc.Open(Root + "/scoped/settings/verbose", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
            Assert.That(Proc.Stat(Root + "/scoped/settings", out StatResult st), Is.Zero);
            Assert.That(st.Mode & ProcFs.S_IFMT, Is.EqualTo(ProcFs.S_IFDIR));
        }
        Assert.That(Proc.Open(Root + "/scoped/hits", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(Proc.Open(Root + "/scoped", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(hits.Value, Is.EqualTo(9ul));
    }

    [Test]
    public void The_proxy_answers_for_ops_the_real_fops_lack()
    {
        var gated = new Gated();
        gated.Gate.Set();
        using DebugFsEntry file = Kernel.DebugFs.CreateFile("gated", 0x1A4, null, GatedFile.Table, gated);
        int fd = Proc.Open(Root + "/gated", OpenFlags.O_RDWR);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Assert.That(Proc.Lseek(fd, 0, 0), Is.EqualTo(-(long)Errno.ESPIPE));
        Assert.That(Proc.Write(fd, Buffer(), 1), Is.EqualTo(-(nint)Errno.EINVAL));
        Assert.That(Proc.Ioctl(fd, 1, 0), Is.EqualTo(-(long)Errno.ENOTTY));
        var fds = new[] { new PollFd(fd, PollEvents.In | PollEvents.Out) };
        Assert.That(Proc.Poll(fds, 0), Is.EqualTo(1));
        Assert.That(fds[0].ReturnedEvents, Is.EqualTo(PollMasks.Default & (PollEvents.In | PollEvents.Out)), "DEFAULT_POLLMASK, filtered by the events asked for");
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(gated.Releases, Is.EqualTo(1));
    }

    [Test]
    public void Removal_while_open_waits_for_the_read_in_flight_then_fails_calls_with_EIO()
    {
        var gated = new Gated();
        DebugFsEntry dir = Kernel.DebugFs.CreateDirectory("busy");
        Kernel.DebugFs.CreateFile("gated", 0x1A4, dir, GatedFile.Table, gated);
        int fd = Proc.Open(Root + "/busy/gated", OpenFlags.O_RDONLY);
        int idle = Proc.Open(Root + "/busy/gated", OpenFlags.O_RDONLY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        nuint buffer = Buffer(64);

        nint readResult = 0;
        var failures = new ConcurrentQueue<string>();
        var reader = new Thread(() =>
        {
            try { readResult = Proc.Read(fd, buffer, 64); }
            catch (Exception e) { failures.Enqueue(e.ToString()); }
        });
        reader.Start();
        Assert.That(gated.Entered.Wait(TimeSpan.FromSeconds(10)), "read entered the handler");

        var removed = new ManualResetEventSlim(false);
        var remover = new Thread(() =>
        {
            try { dir.Dispose(); }
            catch (Exception e) { failures.Enqueue(e.ToString()); }
            finally { removed.Set(); }
        });
        remover.Start();
        Assert.That(removed.Wait(TimeSpan.FromMilliseconds(300)), Is.False, "removal waits for the read in flight");
        // The name is unhashed at once, but a new lookup of it goes to lookup_slow, which needs the
        // directory's i_rwsem: simple_recursive_removal holds it across __debugfs_file_removed's
        // wait, so on Linux the open waits for the removal and then fails with ENOENT.
        int lateOpen = int.MinValue;
        var opener = new Thread(() => lateOpen = Proc.Open(Root + "/busy/gated", OpenFlags.O_RDONLY));
        opener.Start();
        Assert.That(opener.Join(TimeSpan.FromMilliseconds(200)), Is.False, "the lookup waits on the directory lock");

        gated.Gate.Set();
        Assert.That(reader.Join(TimeSpan.FromSeconds(10)) && remover.Join(TimeSpan.FromSeconds(10)) && opener.Join(TimeSpan.FromSeconds(10)), "all finish");
        Assert.That(lateOpen, Is.EqualTo(Err(Errno.ENOENT)), "gone once the removal finished");
        Assert.That(failures, Is.Empty);
        Assert.That(readResult, Is.EqualTo((nint)5), "the read in flight finished");
        Assert.That(ReadString(buffer, 5), Is.EqualTo("done\n"));

        Assert.That(Proc.Read(fd, buffer, 64), Is.EqualTo(-(nint)Errno.EIO));
        Assert.That(Proc.Read(idle, buffer, 64), Is.EqualTo(-(nint)Errno.EIO));
        var fds = new[] { new PollFd(idle, PollEvents.In) };
        Assert.That(Proc.Poll(fds, 0), Is.EqualTo(1));
        Assert.That(fds[0].ReturnedEvents & PollEvents.Hup, Is.EqualTo(PollEvents.None), "no real poll: DEFAULT_POLLMASK before the get");
        Assert.That(gated.Releases, Is.Zero, "release waits for close");
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(Proc.Close(idle), Is.Zero);
        Assert.That(gated.Releases, Is.EqualTo(2), "release runs once per file, unprotected, after removal");
    }

    [Test]
    public void Poll_of_fops_without_poll_stays_DEFAULT_POLLMASK_even_after_removal()
    {
        // mirrors fs/debugfs/file.c:full_proxy_poll: the HAS_POLL check comes before debugfs_file_get.
        var counters = new Counters();
        using DebugFsCallbackFile<Counters> file = Kernel.DebugFs.CreateCallbackFile<EventsFile, Counters>("p", null, counters);
        // Callback files have no poll: the proxy gives DEFAULT_POLLMASK before and after removal.
        int fd = Proc.Open(Root + "/p", OpenFlags.O_RDONLY);
        file.Dispose();
        var fds = new[] { new PollFd(fd, PollEvents.In) };
        Assert.That(Proc.Poll(fds, 0), Is.EqualTo(1));
        Assert.That(fds[0].ReturnedEvents, Is.EqualTo(PollEvents.In));
        Assert.That(Proc.Lseek(fd, 0, 0), Is.EqualTo(-(long)Errno.EIO));
        Proc.Close(fd);
    }

    [Test]
    public void Poll_after_removal_is_EPOLLHUP_when_the_real_fops_polls()
    {
        using DebugFsEntry entry = Kernel.DebugFs.CreateFile("polled", 0b110_110_110, null, StatelessDevice.Table);
        int fd = Proc.Open(Root + "/polled", OpenFlags.O_RDWR);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        var fds = new[] { new PollFd(fd, PollEvents.Out) };
        Assert.That(Proc.Poll(fds, 0), Is.EqualTo(1));
        Assert.That(fds[0].ReturnedEvents, Is.EqualTo(PollEvents.Out), "the real poll answers while the file exists");
        entry.Dispose();
        fds = new[] { new PollFd(fd, PollEvents.Out) };
        Assert.That(Proc.Poll(fds, 0), Is.EqualTo(1));
        Assert.That(fds[0].ReturnedEvents, Is.EqualTo(PollEvents.Hup), "debugfs_file_get fails: EPOLLHUP");
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test]
    public void A_continued_read_drains_the_text_of_its_first_read_and_a_read_at_0_formats_afresh()
    {
        // seq_file semantics (Rust debugfs files are single_open seq_files): `cat` with a small
        // buffer never sees the head of one value and the tail of the next.
        using DebugFsFile<long> value = Kernel.DebugFs.CreateValueFile("v", null, 143L);
        int fd = Proc.Open(Root + "/v", OpenFlags.O_RDONLY);
        nuint buffer = Buffer();
        Assert.That(Proc.Read(fd, buffer, 2), Is.EqualTo((nint)2));
        Assert.That(ReadString(buffer, 2), Is.EqualTo("14"));
        value.Value.Value = 2_000_094L;
        Assert.That(Proc.Read(fd, buffer, 64), Is.EqualTo((nint)2), "the rest of the text formatted at position 0");
        Assert.That(ReadString(buffer, 2), Is.EqualTo("3\n"));
        Assert.That(Proc.Read(fd, buffer, 64), Is.EqualTo((nint)0), "then end of file, not the tail of the new value");
        Assert.That(Proc.Pread(fd, buffer, 64, 0), Is.EqualTo((nint)8), "a read at 0 formats again");
        Assert.That(ReadString(buffer, 8), Is.EqualTo("2000094\n"));
        Assert.That(Proc.Pread(fd, buffer, 64, 5), Is.EqualTo((nint)3), "a read elsewhere formats again and skips (traverse)");
        Assert.That(ReadString(buffer, 3), Is.EqualTo("94\n"));
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test]
    public void An_open_file_under_a_module_directory_pins_the_module_and_unload_removes_what_it_left()
    {
        DebugFsFile<int>? level = null;
        // Exit forgets its debugfs directory on purpose: unload must remove it.
        var module = new DeviceModule("dbgmod", c =>
        {
            DebugFsEntry dir = c.DebugFs.CreateDirectory("dbgmod");
            level = Kernel.DebugFs.CreateValueFile("level", dir, 3);
            return new Nothing();
        });
        LoadedModule loaded = Kernel.Modules.Load(module);
        int fd = Proc.Open(Root + "/dbgmod/level", OpenFlags.O_RDONLY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Kernel.Modules.Unload("dbgmod"), Is.EqualTo((KResult)Errno.EAGAIN), "fops_get in full_proxy_open pins the module");
            nuint buffer = Buffer();
            Assert.That(Proc.Read(fd, buffer, 16), Is.EqualTo((nint)2), "the file keeps working after the refused unload");
            Assert.That(ReadString(buffer, 2), Is.EqualTo("3\n"));
        }
        Assert.That(Proc.Close(fd), Is.Zero, "full_proxy_release's fops_put unpins it");
        Assert.That(Kernel.Modules.Unload("dbgmod"), Is.EqualTo(KResult.Ok));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Proc.Open(Root + "/dbgmod/level", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)), "the leftover directory went with the module");
            Assert.That(level!.Value.Entry.IsRemoved, Is.True);
            Assert.That(Kernel.Log.Lines, Has.Some.Contains("debugfs directory /sys/kernel/debug/dbgmod"), "and the unload said so");
        }
    }

    [Test]
    public void Files_outside_module_directories_pin_nothing()
    {
        using DebugFsFile<int> builtin = Kernel.DebugFs.CreateValueFile("builtin", null, 1);
        var module = new DeviceModule("other", c => new Nothing());
        Kernel.Modules.Load(module);
        int fd = Proc.Open(Root + "/builtin", OpenFlags.O_RDONLY);
        Assert.That(Kernel.Modules.Unload("other"), Is.EqualTo(KResult.Ok));
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    private sealed class Nothing : IDisposable
    {
        public void Dispose() { }
    }

    [Test]
    public void Concurrent_readers_and_writers_see_whole_values()
    {
        using DebugFsFile<long> value = Kernel.DebugFs.CreateValueFile("v", null, 0L);
        var counters = new Counters();
        using DebugFsCallbackFile<Counters> events = Kernel.DebugFs.CreateCallbackFile<EventsFile, Counters>("e", null, counters);
        var failures = new ConcurrentQueue<string>();
        var threads = new Thread[4];
        for (int t = 0; t < threads.Length; t++)
        {
            int id = t;
            threads[t] = new Thread(() =>
            {
                using UserProcess p = Kernel.CreateProcess("worker" + id);
                try
                {
                    for (int i = 0; i < 200; i++)
                    {
                        if (id % 2 == 0)
                        {
                            p.WriteAllText(Root + "/v", (id * 1_000_000L + i).ToString());
                            p.WriteAllText(Root + "/e", (id * 1_000_000L + i).ToString());
                        }
                        else
                        {
                            foreach (string path in new[] { Root + "/v", Root + "/e" })
                            {
                                string s = p.ReadAllText(path);
                                if (!s.EndsWith('\n') || !long.TryParse(s.AsSpan(0, s.Length - 1), out long n) || n % 1_000_000 >= 200)
                                    failures.Enqueue($"torn read '{s}' from {path}");
                            }
                        }
                    }
                }
                catch (Exception e) { failures.Enqueue(e.ToString()); }
            });
            threads[t].Start();
        }
        foreach (Thread thread in threads) Assert.That(thread.Join(TimeSpan.FromSeconds(60)), "worker finished");
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public void Creating_a_callback_file_allocates_nothing_for_its_ops_and_reads_allocate_nothing()
    {
        var counters = new Counters { Events = 1 };
        DebugFsEntry dir = Kernel.DebugFs.CreateDirectory("alloc");
        // Warm up: JIT, the type's table (built once, on first use), the first dictionary growth.
        for (int i = 0; i < 3; i++)
        {
            Kernel.DebugFs.CreateCallbackFile<EventsFile, Counters>("warm" + i, dir, counters).Dispose();
            Kernel.DebugFs.CreateFile("warmraw" + i, 0x1A4, dir, EventsFile.Table, counters).Dispose();
        }

        long t0 = GC.GetAllocatedBytesForCurrentThread();
        OpsTable<FileOperations> table = EventsFile.Table;
        long t1 = GC.GetAllocatedBytesForCurrentThread();
        Assert.That(t1 - t0, Is.Zero, "picking the table through the type allocates nothing");

        // The same bookkeeping both ways (dentry, native inode, GCHandle for the data, dictionary slot):
        // debugfs_create_file with a table in hand, and CreateCallbackFile that finds it through TCallback.
        long a0 = GC.GetAllocatedBytesForCurrentThread();
        DebugFsEntry raw = Kernel.DebugFs.CreateFile("raw", 0x1A4, dir, table, counters);
        long a1 = GC.GetAllocatedBytesForCurrentThread();
        DebugFsCallbackFile<Counters> file = Kernel.DebugFs.CreateCallbackFile<EventsFile, Counters>("cbk", dir, counters);
        long a2 = GC.GetAllocatedBytesForCurrentThread();
        TestContext.Out.WriteLine($"debugfs_create_file (bookkeeping only): {a1 - a0} bytes; CreateCallbackFile: {a2 - a1} bytes; ops: {(a2 - a1) - (a1 - a0)} bytes");
        Assert.That(a2 - a1, Is.EqualTo(a1 - a0), "a callback file costs exactly a plain debugfs file: 0 bytes for its ops");

        // N reads and writes through the generated table, straight through the thunks as the proxy calls them.
        const int N = 1000;
        int fd = Proc.Open(Root + "/alloc/cbk", OpenFlags.O_RDWR);
        nuint buffer = Buffer(64);
        Proc.Memory.CopyToUser(buffer, "12\n"u8);
        for (int i = 0; i < 10; i++) { Proc.Pread(fd, buffer + 16, 32, 0); Proc.Pwrite(fd, buffer, 3, 0); }
        long r0 = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < N; i++)
        {
            if (Proc.Pread(fd, buffer + 16, 32, 0) != 3) Assert.Fail("read");
            if (Proc.Pwrite(fd, buffer, 3, 0) != 3) Assert.Fail("write");
        }
        long r1 = GC.GetAllocatedBytesForCurrentThread();
        TestContext.Out.WriteLine($"{N} pread + {N} pwrite through the callback file: {r1 - r0} bytes");
        Assert.That(r1 - r0, Is.Zero, "reads and writes through a callback file allocate nothing");
        Proc.Close(fd);
        raw.Dispose();
        file.Dispose();
        dir.Dispose();
    }

    [Test]
    public void Paths_outside_debugfs_and_bad_names_fail_as_linux_would()
    {
        Assert.That(Proc.Open(Root + "/nothing", OpenFlags.O_RDONLY), Is.EqualTo(Err(Errno.ENOENT)));
        Assert.That(Proc.Open(Root + "/x", OpenFlags.O_WRONLY | OpenFlags.O_CREAT), Is.EqualTo(Err(Errno.EACCES)));
        Assert.That(Proc.Stat(Root, out StatResult st), Is.Zero);
        Assert.That(st.Mode & ProcFs.S_IFMT, Is.EqualTo(ProcFs.S_IFDIR));
        using DebugFsFile<int> f = Kernel.DebugFs.CreateValueFile("dup", null, 1);
        Assert.That(() => Kernel.DebugFs.CreateValueFile("dup", null, 2), Throws.TypeOf<KernelErrorException>().With.Property("Errno").EqualTo(Errno.EEXIST));
        Assert.That(() => Kernel.DebugFs.CreateValueFile("a/b", null, 2), Throws.TypeOf<KernelErrorException>().With.Property("Errno").EqualTo(Errno.EINVAL));
        Assert.That(() => new DebugFsValue<double>(1.0), Throws.TypeOf<NotSupportedException>());
    }
}
