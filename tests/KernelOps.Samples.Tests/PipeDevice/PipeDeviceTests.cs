using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using KernelOps.Model;
using KernelOps.Samples.PipeDevice;
using KernelOps.Testing;

namespace KernelOps.Samples.Tests.PipeDevice;

/// <summary>scullpipe on the model: blocking, O_NONBLOCK, poll, ioctls, signals and a many-thread transfer. Every wait is bounded.</summary>
public class PipeDeviceTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private const string Dev = "/dev/scullpipe";

    // A kernel with scullpipe loaded, through the KernelOps.Testing helpers a driver's own tests use.
    private sealed class Session : IDisposable
    {
        public readonly PipeModule Module;
        public readonly TestKernel Test;

        public Session(int capacity)
        {
            Module = new PipeModule(capacity);
            Test = TestKernel.WithModule(Module);
        }

        public Kernel Kernel => Test.Kernel;
        public UserProcess Shell => Test.Shell.Process;
        public Pipe Pipe => Module.Pipe;

        public void Dispose() => Test.ShutDownAndAssertNoLeaks();
    }

    private static nint WriteText(UserProcess p, int fd, string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        UserMapping m = p.Memory.Map((nuint)Math.Max(1, bytes.Length));
        p.Memory.CopyToUser(m.Address, bytes);
        nint n = p.Write(fd, m.Address, (nuint)bytes.Length);
        p.Memory.Unmap(m.Address);
        return n;
    }

    private static (nint Result, string Text) ReadText(UserProcess p, int fd, int max = 256)
    {
        UserMapping m = p.Memory.Map((nuint)max);
        nint n = p.Read(fd, m.Address, (nuint)max);
        var bytes = new byte[Math.Max(0, (int)n)];
        p.Memory.CopyFromUser(bytes, m.Address);
        p.Memory.Unmap(m.Address);
        return (n, Encoding.ASCII.GetString(bytes));
    }

    private static int Err(Errno e) => -(int)e;

    [Test, CancelAfter(30_000)]
    public void A_reader_blocked_on_an_empty_pipe_is_woken_by_a_writer()
    {
        using var s = new Session(64);
        using UserProcess reader = s.Kernel.CreateProcess("reader");
        int rfd = reader.Open(Dev, OpenFlags.O_RDONLY);
        Task<(nint, string)> read = Task.Run(() => ReadText(reader, rfd));
        Assert.That(SpinWait.SpinUntil(() => s.Pipe.ReadQueue.WaiterCount == 1, Bound), Is.True, "the reader sleeps on inq");
        Assert.That(read.IsCompleted, Is.False);
        int wfd = s.Shell.Open(Dev, OpenFlags.O_WRONLY);
        Assert.That(WriteText(s.Shell, wfd, "wake up\n"), Is.EqualTo((nint)8));
        Assert.That(read.Wait(Bound), Is.True);
        Assert.That(read.Result, Is.EqualTo(((nint)8, "wake up\n")));
        Assert.That(reader.Close(rfd), Is.Zero);
        Assert.That(s.Shell.Close(wfd), Is.Zero);
    }

    [Test, CancelAfter(30_000)]
    public void A_writer_blocked_on_a_full_pipe_is_woken_by_a_reader_and_by_a_resize()
    {
        using var s = new Session(16);
        int wfd = s.Shell.Open(Dev, OpenFlags.O_WRONLY);
        int rfd = s.Shell.Open(Dev, OpenFlags.O_RDONLY);
        Assert.That(WriteText(s.Shell, wfd, "0123456789abcdef"), Is.EqualTo((nint)16));
        Task<nint> blocked = Task.Run(() => WriteText(s.Shell, wfd, "XYZ"));
        Assert.That(SpinWait.SpinUntil(() => s.Pipe.WriteQueue.WaiterCount == 1, Bound), Is.True);
        Assert.That(ReadText(s.Shell, rfd, 4), Is.EqualTo(((nint)4, "0123")));
        Assert.That(blocked.Wait(Bound), Is.True);
        Assert.That(blocked.Result, Is.EqualTo((nint)3), "the whole 3-byte write, atomically");

        Task<nint> second = Task.Run(() => WriteText(s.Shell, wfd, "more"));
        Assert.That(SpinWait.SpinUntil(() => s.Pipe.WriteQueue.WaiterCount == 1, Bound), Is.True);
        UserMapping arg = s.Shell.Memory.Map(16);
        s.Shell.Memory.CopyToUser(arg.Address, BitConverter.GetBytes(64u));
        Assert.That(s.Shell.Ioctl(wfd, PipeIoctl.Resize, arg.Address), Is.Zero);
        Assert.That(second.Wait(Bound), Is.True);
        Assert.That(second.Result, Is.EqualTo((nint)4));
        Assert.That(ReadText(s.Shell, rfd, 64).Text, Is.EqualTo("456789abcdefXYZmore"));
    }

    [Test, CancelAfter(30_000)]
    public void O_NONBLOCK_gets_EAGAIN_instead_of_sleeping()
    {
        using var s = new Session(8);
        using TestFile reader = s.Test.Shell.Open(Dev, OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK);
        using TestFile writer = s.Test.Shell.Open(Dev, OpenFlags.O_WRONLY | OpenFlags.O_NONBLOCK);
        static Errno Refused(TestDelegate call) => Assert.Throws<KernelErrorException>(call)!.Errno;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Refused(() => reader.Read(256)), Is.EqualTo(Errno.EAGAIN), "empty");
            Assert.That(writer.Write("123456"), Is.EqualTo(6));
            Assert.That(Refused(() => writer.Write("abc")), Is.EqualTo(Errno.EAGAIN), "an atomic write that does not fit");
            Assert.That(writer.Write("ab"), Is.EqualTo(2));
            Assert.That(Refused(() => writer.Write("c")), Is.EqualTo(Errno.EAGAIN), "full");
            Assert.That(Refused(() => writer.Write("0123456789")), Is.EqualTo(Errno.EAGAIN), "larger than the buffer, and no room at all");
            Assert.That(reader.ReadText(256), Is.EqualTo("123456ab"));
            Assert.That(s.Pipe.ReadQueue.WaiterCount + s.Pipe.WriteQueue.WaiterCount, Is.Zero, "nobody ever slept");
        }
    }

    [Test, CancelAfter(30_000)]
    public void Poll_reports_POLLIN_and_POLLOUT_and_wakes_on_data()
    {
        using var s = new Session(8);
        int rfd = s.Shell.Open(Dev, OpenFlags.O_RDONLY);
        int wfd = s.Shell.Open(Dev, OpenFlags.O_WRONLY);
        var both = new[] { new PollFd(rfd, PollEvents.In | PollEvents.Out), new PollFd(wfd, PollEvents.In | PollEvents.Out) };
        Assert.That(s.Shell.Poll(both, 0), Is.EqualTo(2));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(both[0].ReturnedEvents, Is.EqualTo(PollEvents.Out), "empty: writable, not readable");
            Assert.That(both[1].ReturnedEvents, Is.EqualTo(PollEvents.Out));
        }
        Assert.That(WriteText(s.Shell, wfd, "12345678"), Is.EqualTo((nint)8));
        Assert.That(s.Shell.Poll(both, 0), Is.EqualTo(2));
        Assert.That(both[0].ReturnedEvents, Is.EqualTo(PollEvents.In), "full: readable, not writable");
        Assert.That(ReadText(s.Shell, rfd).Result, Is.EqualTo((nint)8));

        var readable = new[] { new PollFd(rfd, PollEvents.In) };
        Task<int> poller = Task.Run(() => s.Shell.Poll(readable, (int)Bound.TotalMilliseconds));
        Assert.That(SpinWait.SpinUntil(() => s.Pipe.ReadQueue.WaiterCount == 1, Bound), Is.True, "poll_wait on inq");
        Assert.That(WriteText(s.Shell, wfd, "x"), Is.EqualTo((nint)1));
        Assert.That(poller.Wait(Bound), Is.True);
        Assert.That(poller.Result, Is.EqualTo(1));
        Assert.That(readable[0].ReturnedEvents, Is.EqualTo(PollEvents.In));

        var read = new FdSet(rfd);
        var write = new FdSet(wfd);
        Assert.That(s.Shell.Select(Math.Max(rfd, wfd) + 1, read, write, null, 0), Is.EqualTo(2));
    }

    [Test, CancelAfter(30_000)]
    public void After_the_writer_closes_data_stays_readable_then_there_is_no_EOF_as_in_scullpipe()
    {
        using var s = new Session(32);
        using UserProcess reader = s.Kernel.CreateProcess("reader");
        int rfd = reader.Open(Dev, OpenFlags.O_RDONLY);
        int wfd = s.Shell.Open(Dev, OpenFlags.O_WRONLY);
        Assert.That(WriteText(s.Shell, wfd, "last words"), Is.EqualTo((nint)10));
        Assert.That(s.Shell.Close(wfd), Is.Zero);
        var fds = new[] { new PollFd(rfd, PollEvents.In) };
        Assert.That(reader.Poll(fds, 0), Is.EqualTo(1));
        Assert.That(fds[0].ReturnedEvents, Is.EqualTo(PollEvents.In), "the data outlives the writer");
        Assert.That(ReadText(reader, rfd).Text, Is.EqualTo("last words"));
        Assert.That(reader.Poll(fds, 0), Is.Zero, "no POLLIN and no POLLHUP: scullpipe has no EOF");

        // A blocking read now waits (scullpipe never returns 0); a signal ends it with EINTR.
        Task<(nint, string)> waiting = Task.Run(() => ReadText(reader, rfd));
        Assert.That(SpinWait.SpinUntil(() => s.Pipe.ReadQueue.WaiterCount == 1, Bound), Is.True);
        reader.SendSignal();
        Assert.That(waiting.Wait(Bound), Is.True);
        Assert.That(waiting.Result.Item1, Is.EqualTo((nint)Err(Errno.EINTR)));
        Assert.That(reader.Close(rfd), Is.Zero);

        // Everyone gone: the buffer is dropped (scull_p_release frees it).
        int w2 = s.Shell.Open(Dev, OpenFlags.O_WRONLY);
        Assert.That(WriteText(s.Shell, w2, "lost"), Is.EqualTo((nint)4));
        Assert.That(s.Shell.Close(w2), Is.Zero);
        int r2 = reader.Open(Dev, OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK);
        Assert.That(ReadText(reader, r2).Result, Is.EqualTo((nint)Err(Errno.EAGAIN)));
    }

    [Test, CancelAfter(30_000)]
    public void Ioctls_query_and_resize_the_buffer_with_Linux_errnos()
    {
        using var s = new Session(16);
        using TestFile pipe = s.Test.Shell.Open(Dev, OpenFlags.O_RDWR);
        Assert.That(pipe.Write("0123456789"), Is.EqualTo(10));
        var info = new PipeInfo();
        Assert.That(pipe.Ioctl(PipeIoctl.GetInfo, ref info), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(PipeIoctl.GetInfo, Is.EqualTo(0x80107001u), "_IOR('p', 1, struct pipe_info)");
            Assert.That(PipeIoctl.Resize, Is.EqualTo(0x40047002u), "_IOW('p', 2, struct pipe_resize)");
            Assert.That(info.Capacity, Is.EqualTo(16u), "capacity");
            Assert.That(info.Used, Is.EqualTo(10u), "used");
            Assert.That(info.Readers, Is.EqualTo(1), "readers (O_RDWR counts as both)");
            Assert.That(info.Writers, Is.EqualTo(1), "writers");
        }
        Errno Resize(uint capacity)
        {
            var request = new PipeResize { Capacity = capacity };
            try { pipe.Ioctl(PipeIoctl.Resize, ref request); return 0; }
            catch (KernelErrorException e) { return e.Errno; }
        }
        Errno RawIoctl(uint command, nuint argument) => Assert.Throws<KernelErrorException>(() => pipe.Ioctl(command, argument))!.Errno;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Resize(8), Is.EqualTo(Errno.EBUSY), "holds more than the new size");
            Assert.That(Resize(0), Is.EqualTo(Errno.EINVAL));
            Assert.That(Resize(PipeIoctl.MaxCapacity + 1), Is.EqualTo(Errno.EINVAL));
            Assert.That(Resize(10), Is.EqualTo((Errno)0));
            Assert.That(s.Pipe.Capacity, Is.EqualTo(10));
            Assert.That(RawIoctl(PipeIoctl.GetInfo, 0), Is.EqualTo(Errno.EFAULT));
            UserMapping arg = s.Shell.Memory.Map(16);
            Assert.That(RawIoctl(PipeIoctl.Resize, arg.Address + 14), Is.EqualTo(Errno.EFAULT), "argument runs off the mapping");
            Assert.That(RawIoctl(KernelOps.IoctlNumber.IO('p', 9), 0), Is.EqualTo(Errno.ENOTTY));
            Assert.That(pipe.ReadText(256), Is.EqualTo("0123456789"), "the data survived the resize");
        }
    }

    [Test, CancelAfter(120_000)]
    public void Many_readers_and_writers_move_exactly_the_bytes_written_in_order_per_writer()
    {
        const int writers = 8, readers = 4, records = 20000, size = 32;
        const long total = (long)writers * records * size;
        using var s = new Session(size * 16);
        var failures = new ConcurrentBag<string>();
        var received = new ConcurrentBag<(int Reader, byte[] Bytes)>();
        long bytesRead = 0;
        var readerProcesses = Enumerable.Range(0, readers).Select(i => s.Kernel.CreateProcess($"reader{i}")).ToArray();
        int[] readerFds = readerProcesses.Select(p => p.Open(Dev, OpenFlags.O_RDONLY)).ToArray();
        Assert.That(readerFds, Is.All.GreaterThanOrEqualTo(0));

        var readerThreads = Enumerable.Range(0, readers).Select(r => new Thread(() => Guard(failures, () =>
        {
            UserProcess p = readerProcesses[r];
            UserMapping buf = p.Memory.Map(size * 8);
            var mine = new List<byte>();
            while (true)
            {
                nint n = p.Read(readerFds[r], buf.Address, size * 8);
                if (n == -(int)Errno.EINTR) break;
                if (n <= 0) { failures.Add($"reader {r}: read returned {n}"); break; }
                if (n % size != 0) failures.Add($"reader {r}: read {n} bytes, not whole records");
                var chunk = new byte[n];
                p.Memory.CopyFromUser(chunk, buf.Address);
                mine.AddRange(chunk);
                Interlocked.Add(ref bytesRead, n);
            }
            received.Add((r, mine.ToArray()));
        }))).ToList();
        readerThreads.ForEach(t => t.Start());

        var writerThreads = Enumerable.Range(0, writers).Select(w => new Thread(() => Guard(failures, () =>
        {
            using UserProcess p = s.Kernel.CreateProcess($"writer{w}");
            int fd = p.Open(Dev, OpenFlags.O_WRONLY);
            UserMapping buf = p.Memory.Map(size);
            for (int i = 0; i < records; i++)
            {
                p.Memory.CopyToUser(buf.Address, Record(w, i, size));
                nint n = p.Write(fd, buf.Address, size);
                if (n != size) failures.Add($"writer {w} record {i}: write returned {n}");
            }
            p.Close(fd);
        }))).ToList();
        var watch = System.Diagnostics.Stopwatch.StartNew();
        writerThreads.ForEach(t => t.Start());
        foreach (Thread t in writerThreads)
            if (!t.Join(TimeSpan.FromSeconds(60))) failures.Add("a writer hung");
        if (!SpinWait.SpinUntil(() => Interlocked.Read(ref bytesRead) >= total, TimeSpan.FromSeconds(60))) failures.Add($"read {bytesRead} of {total} bytes");
        watch.Stop();
        foreach (UserProcess p in readerProcesses) p.SendSignal(); // end the readers' last, empty read
        foreach (Thread t in readerThreads)
            if (!t.Join(TimeSpan.FromSeconds(30))) failures.Add("a reader hung");
        Assert.That(failures, Is.Empty);

        // Nothing lost or duplicated: every (writer, record) exactly once. In order: each reader
        // sees each writer's records in increasing order (the FIFO keeps every writer's order).
        var seen = new int[writers, records];
        foreach (var (reader, bytes) in received)
        {
            var last = Enumerable.Repeat(-1, writers).ToArray();
            for (int off = 0; off < bytes.Length; off += size)
            {
                string rec = Encoding.ASCII.GetString(bytes, off, size);
                int w = int.Parse(rec.AsSpan(1, 2));
                int i = int.Parse(rec.AsSpan(5, 5));
                Assert.That(rec, Is.EqualTo(Encoding.ASCII.GetString(Record(w, i, size))), "a record arrived whole");
                seen[w, i]++;
                Assert.That(i, Is.GreaterThan(last[w]), $"reader {reader} saw writer {w}'s records out of order");
                last[w] = i;
            }
        }
        Assert.That(seen.Cast<int>().All(c => c == 1), Is.True, "every record exactly once");
        Assert.That(received.Sum(r => (long)r.Bytes.Length), Is.EqualTo(total));
        TestContext.Out.WriteLine($"moved {total} bytes ({writers} writers x {records} records x {size} B) to {readers} readers through a {size * 16}-byte pipe in {watch.ElapsedMilliseconds} ms");
        foreach (UserProcess p in readerProcesses) p.Dispose();
    }

    private static byte[] Record(int writer, int index, int size) =>
        Encoding.ASCII.GetBytes($"w{writer:D2} r{index:D5} ".PadRight(size - 1, '.') + "\n");

    private static void Guard(ConcurrentBag<string> failures, Action body)
    {
        try { body(); }
        catch (Exception e) { failures.Add(e.ToString()); }
    }
}
