using System;
using System.IO;
using System.Linq;
using KernelOps.Fuse.Tests.Infrastructure;
using KernelOps.Model;

namespace KernelOps.Fuse.Tests;

/// <summary>
/// Real processes on the model's /dev through a mount of the whole model tree: PrinterFact's
/// facts, scullpipe's blocking read woken by a writer, O_NONBLOCK, ioctls, signals and unmount
/// under a blocked reader, and poll's always-ready answer. Every wait is bounded.
/// </summary>
public class DeviceTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private static string Script => Path.Combine(TestContext.CurrentContext.TestDirectory, "Scripts", "devops.py");

    private static string Py(params string[] args) => Machine.Run("python3", [Script, .. args], timeout: Bound).Stdout.TrimEnd('\n');

    [Test]
    public void The_mount_shows_dev_proc_and_sys_side_by_side_with_device_nodes_as_empty_regular_files()
    {
        using var m = DeviceMount.PrinterFact();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Machine.Sh($"ls -a '{m.Directory}'").Split('\n', StringSplitOptions.RemoveEmptyEntries), Is.EqualTo(new[] { ".", "..", "dev", "proc", "sys" }));
            Assert.That(Machine.Sh($"ls '{m.Real("/dev")}'"), Is.EqualTo("printerfact\n"));
            // S_IFCHR would make the real kernel open its own driver for (major, minor): see FuseHost.AsSeenByTheKernel
            Assert.That(Machine.Sh($"stat -c '%F %s %a %t:%T' '{m.Real("/dev/printerfact")}'"), Is.EqualTo("regular empty file 0 644 0:0\n"), "mknod's 0666 less the umask 022");
            Assert.That(m.Host.Process.Stat("/dev/printerfact", out StatResult model), Is.Zero);
            Assert.That(Machine.Sh($"stat -c %i '{m.Real("/dev/printerfact")}'"), Is.EqualTo($"{model.Inode}\n"), "the model's inode");
            Assert.That(Machine.Sh($"grep printerfact '{m.Real("/proc/devices")}'"), Does.Match(@"^\s*\d+ printerfact\n$"));
        }
    }

    [Test]
    public void Cat_of_printerfact_four_times_gives_four_facts()
    {
        using var m = DeviceMount.PrinterFact();
        for (int i = 0; i < 4; i++)
        {
            string fact = Machine.Run("cat", [m.Real("/dev/printerfact")], timeout: Bound).Stdout;
            Assert.That(fact, Does.Match(@"^[A-Z][^\n]{10,}\.\n$"), $"cat #{i + 1}");
        }
        // FUSE_RELEASE is sent after close(2) has returned: wait for it
        Assert.That(Machine.WaitUntil(() => m.Host.OpenFileCount == 0, Bound), Is.True, "every cat's file was released");
    }

    [Test, CancelAfter(60_000)]
    public void A_blocked_reader_does_not_stall_other_requests_and_a_writer_process_wakes_it()
    {
        using var m = DeviceMount.PipeDevice();
        string pipe = m.Real("/dev/scullpipe");
        using var reader = Machine.Start("python3", [Script, "read", pipe, "100"]);
        try
        {
            Assert.That(Machine.WaitUntil(() => m.Pipe!.Pipe.ReadQueue.WaiterCount == 1, Bound), Is.True, "the reader sleeps in the driver");
            // the host keeps serving while a worker sleeps in the handler
            Assert.That(Machine.Sh($"cat '{m.Real("/proc/misc")}'", Bound), Does.Contain("scullpipe"));
            Assert.That(Py("getinfo", pipe), Is.EqualTo("4000 0 2 0"), "capacity, used, readers (the sleeper and us), writers");
            Assert.That(reader.HasExited, Is.False);

            Machine.Sh($"echo 'hello, pipe' > '{pipe}'", Bound);
            Assert.That(reader.WaitForExit((int)Bound.TotalMilliseconds), Is.True, "woken by the writer");
            reader.WaitForExit();
            Assert.That(reader.StandardOutput.ReadToEnd(), Is.EqualTo("b'hello, pipe\\n'\n"));
            Assert.That(reader.ExitCode, Is.Zero);
        }
        finally
        {
            if (!reader.HasExited) reader.Kill(entireProcessTree: true);
        }
    }

    [Test]
    public void An_O_NONBLOCK_read_of_the_empty_pipe_is_EAGAIN()
    {
        using var m = DeviceMount.PipeDevice();
        Assert.That(Py("nonblock", m.Real("/dev/scullpipe")), Is.EqualTo("EAGAIN"));
    }

    [Test]
    public void Ioctls_with_a_size_in_their_number_reach_the_driver_through_the_mount()
    {
        using var m = DeviceMount.PipeDevice();
        string pipe = m.Real("/dev/scullpipe");
        // fd 3 keeps the pipe open: scullpipe drops its data at the last close
        string lines = Machine.Sh($"exec 3< '{pipe}'; printf abc > '{pipe}'; python3 '{Script}' getinfo '{pipe}'; python3 '{Script}' resize '{pipe}' 256", Bound);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(lines, Is.EqualTo("4000 3 2 0\n256 3 1 1\n"), "capacity, used, readers, writers; then resized");
            // the kernel's FUSE client copies _IOC_SIZE bytes from/to the caller's pointer itself
            Assert.That(Py("getinfo-null", pipe), Is.EqualTo("EFAULT"));
        }
    }

    [Test, CancelAfter(60_000)]
    public void SIGINT_to_a_blocked_reader_ends_its_read_and_only_its()
    {
        using var m = DeviceMount.PipeDevice();
        string pipe = m.Real("/dev/scullpipe");
        using var victim = Machine.StartInterruptible("cat", [pipe]);
        using var other = Machine.Start("python3", [Script, "read", pipe, "100"]);
        try
        {
            Assert.That(Machine.WaitUntil(() => m.Pipe!.Pipe.ReadQueue.WaiterCount == 2, Bound), Is.True, "both readers sleep in the driver");
            Machine.Run("kill", ["-INT", victim.Id.ToString()]);
            // FUSE_INTERRUPT signals the victim's request alone; a real kernel without it would
            // keep cat in uninterruptible sleep until the host answered
            Assert.That(victim.WaitForExit((int)Bound.TotalMilliseconds), Is.True, "the interrupted cat exits");
            Assert.That(Machine.WaitUntil(() => m.Pipe!.Pipe.ReadQueue.WaiterCount == 1, Bound), Is.True, "the other reader still sleeps");
            Assert.That(other.HasExited, Is.False);
            Machine.Sh($"echo ping > '{pipe}'", Bound);
            Assert.That(other.WaitForExit((int)Bound.TotalMilliseconds), Is.True);
            other.WaitForExit();
            Assert.That(other.StandardOutput.ReadToEnd(), Is.EqualTo("b'ping\\n'\n"));
            Assert.That(Machine.WaitUntil(() => m.Host.OpenFileCount == 0, Bound), Is.True, "both files released");
        }
        finally
        {
            if (!victim.HasExited) victim.Kill(entireProcessTree: true);
            if (!other.HasExited) other.Kill(entireProcessTree: true);
        }
    }

    [Test, CancelAfter(60_000)]
    public void Unmounting_under_a_blocked_reader_does_not_hang()
    {
        using var m = DeviceMount.PipeDevice();
        using var reader = Machine.Start("cat", [m.Real("/dev/scullpipe")]);
        try
        {
            Assert.That(Machine.WaitUntil(() => m.Pipe!.Pipe.ReadQueue.WaiterCount == 1, Bound), Is.True);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            m.Host.Unmount();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(m.Host.Completion.IsCompleted, Is.True);
                Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)), "the sleeping worker was interrupted, not waited for");
                Assert.That(m.Pipe!.Pipe.ReadQueue.WaiterCount, Is.Zero);
                Assert.That(reader.WaitForExit((int)Bound.TotalMilliseconds), Is.True, "the reader's read failed");
                Assert.That(m.Kernel.Log.Lines.Any(l => l.Contains("did not end")), Is.False, "libfuse's loop ended");
            }
            reader.WaitForExit();
            Assert.That(reader.ExitCode, Is.Not.Zero);
        }
        finally
        {
            if (!reader.HasExited) reader.Kill(entireProcessTree: true);
        }
    }

    [Test, CancelAfter(60_000)]
    public void Select_reports_what_the_drivers_poll_says_and_a_writer_process_wakes_it()
    {
        using var m = DeviceMount.PipeDevice();
        string pipe = m.Real("/dev/scullpipe");
        Assert.That(Py("select", pipe, "200"), Is.EqualTo("timeout"), "the empty pipe is not readable");
        Assert.That(Machine.WaitUntil(() => m.Host.OpenFileCount == 0 && m.Pipe!.Pipe.ReadQueue.WaiterCount == 0, Bound), Is.True,
            "the release ended the poll watcher");

        using var selector = Machine.Start("python3", [Script, "select", pipe, "15000"]);
        try
        {
            Assert.That(Machine.WaitUntil(() => m.Pipe!.Pipe.ReadQueue.WaiterCount == 1, Bound), Is.True, "the host waits on the driver's queue for the selector");
            Assert.That(selector.HasExited, Is.False);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            Machine.Sh($"exec 3< '{pipe}'; echo data > '{pipe}'; sleep 1", Bound); // fd 3 keeps the data until the selector looks
            Assert.That(selector.WaitForExit((int)Bound.TotalMilliseconds), Is.True);
            selector.WaitForExit();
            Assert.That(selector.StandardOutput.ReadToEnd(), Is.EqualTo("readable\n"));
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "woken by fuse_notify_poll, not by its timeout");
        }
        finally
        {
            if (!selector.HasExited) selector.Kill(entireProcessTree: true);
        }
    }

    [Test, CancelAfter(60_000)]
    public void Unmounting_under_a_blocked_select_does_not_hang()
    {
        using var m = DeviceMount.PipeDevice();
        using var selector = Machine.Start("python3", [Script, "select", m.Real("/dev/scullpipe"), "60000"]);
        try
        {
            Assert.That(Machine.WaitUntil(() => m.Pipe!.Pipe.ReadQueue.WaiterCount == 1, Bound), Is.True);
            var watch = System.Diagnostics.Stopwatch.StartNew();
            m.Host.Unmount();
            Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(5)));
            Assert.That(m.Pipe!.Pipe.ReadQueue.WaiterCount, Is.Zero, "the watcher left the driver's queue");
        }
        finally
        {
            if (!selector.HasExited) selector.Kill(entireProcessTree: true);
        }
    }

    [Test, CancelAfter(60_000)]
    public void A_writer_queued_behind_one_asleep_in_the_driver_cannot_be_killed_until_that_one_returns()
    {
        // The real kernel's limit README states next to these notes: FUSE serialises direct-I/O
        // writes on one inode (fs/fuse/file.c: fuse_direct_write_iter takes inode_lock in
        // fuse_dio_lock before it sends the request), so a writer queued behind one asleep in the
        // driver sleeps uninterruptibly, even with O_NONBLOCK and even after SIGKILL, until the
        // first returns; signalling the first one ends both.
        const int SysWrite = 1, SigKill = 9;
        using var m = DeviceMount.PipeDevice(capacity: 16);
        string pipe = m.Real("/dev/scullpipe");
        // A model process keeps the pipe open (scullpipe drops its data at the last close) and fills it.
        using UserProcess keeper = m.Kernel.CreateProcess("keeper");
        int fd = keeper.Open("/dev/scullpipe", OpenFlags.O_RDWR);
        Assert.That(keeper.Write(fd, keeper.Memory.Map(16).Address, 16), Is.EqualTo((nint)16));

        using var first = Machine.Start("python3", [Script, "write", pipe, "4"]);
        System.Diagnostics.Process? second = null;
        try
        {
            Assert.That(Machine.WaitUntil(() => m.Pipe!.Pipe.WriteQueue.WaiterCount == 1, Bound), Is.True, "the first writer sleeps in the driver");
            System.Diagnostics.Process queued = second = Machine.Start("python3", [Script, "write-nonblock", pipe, "4"]);
            Assert.That(Machine.WaitUntil(() => ProcStatus.AsleepUninterruptiblyIn(queued, SysWrite), Bound), Is.True,
                "the O_NONBLOCK writer waits for the inode lock in the kernel, uninterruptibly");
            Assert.That(m.Pipe!.Pipe.WriteQueue.WaiterCount, Is.EqualTo(1), "its write never reached the host");

            queued.Kill(); // SIGKILL
            // It cannot act on the signal while the first writer holds the lock: the signal stays
            // pending and the process stays (a killable sleep would have ended at once).
            Assert.That(queued.WaitForExit(1000), Is.False, "SIGKILLed, still waiting behind the first writer");
            Assert.That(ProcStatus.SignalPending(queued, SigKill), Is.True, "with its SIGKILL pending");

            // What a user can do: signal the writer that holds the lock. FUSE_INTERRUPT reaches
            // its request, the driver's sleep ends with EINTR, and the queued writer goes too.
            Machine.Run("kill", ["-TERM", first.Id.ToString()]);
            Assert.That(first.WaitForExit((int)Bound.TotalMilliseconds), Is.True, "the first writer died of its SIGTERM");
            Assert.That(queued.WaitForExit((int)Bound.TotalMilliseconds), Is.True, "then the queued one died of its SIGKILL");
            Assert.That(m.Pipe.Pipe.WriteQueue.WaiterCount, Is.Zero);
            Assert.That(m.Pipe.Pipe.Used, Is.EqualTo(16), "neither wrote a byte");
            Assert.That(Machine.WaitUntil(() => m.Host.OpenFileCount == 0, Bound), Is.True, "both files released");
        }
        finally
        {
            if (second is { HasExited: false }) second.Kill(entireProcessTree: true);
            if (!first.HasExited) first.Kill(entireProcessTree: true);
            second?.Dispose();
        }
        Assert.That(keeper.Close(fd), Is.Zero);
    }
}
