using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using KernelOps.Fuse.LowLevel;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests.LowLevel;

/// <summary>
/// The low-level session's dispatch with real processes: requests asleep in a handler hold model
/// tasks, not the loop. 1,000 readers asleep at once, every other request still served, one writer
/// wakes them all; FUSE_INTERRUPT ends one sleeper's read alone; unmount under 1,000 sleepers.
/// </summary>
[NonParallelizable]
public class SessionDispatchTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(60);
    private string _dir = null!;
    private GateFileSystem _fs = null!;
    private FuseSession _session = null!;
    private readonly System.Collections.Concurrent.ConcurrentQueue<string> _log = new();

    private static string Readers => Path.Combine(TestContext.CurrentContext.TestDirectory, "Scripts", "readers.py");

    private string Gate => Path.Combine(_dir, "gate");

    [SetUp]
    public void Mount()
    {
        Machine.RequireFuse();
        _dir = Machine.TempDirectory("lowlevel");
        _fs = new GateFileSystem();
        _session = FuseSession.Mount(_dir, _fs, new FuseSessionOptions { MaxRunning = 4 }, _log.Enqueue);
    }

    [TearDown]
    public void Unmount()
    {
        try
        {
            _session?.Dispose();
            Assert.That(_session?.Completion.Wait(TimeSpan.FromSeconds(20)), Is.Not.False, "unmounted");
            Assert.That(_log, Is.Empty, "nothing logged");
        }
        finally
        {
            Machine.CleanUp(_dir);
        }
    }

    [Test, CancelAfter(180_000)]
    public void A_thousand_readers_asleep_in_the_handler_do_not_stop_the_session_and_one_writer_wakes_them_all()
    {
        const int N = 1000;
        using Process readers = Machine.Start("python3", [Readers, Gate, N.ToString()]);
        try
        {
            Assert.That(readers.StandardOutput.ReadLineAsync().WaitAsync(Bound).Result, Is.EqualTo($"opened {N}"));
            Assert.That(Machine.WaitUntil(() => _fs.Queue.WaiterCount == N, Bound), Is.True,
                () => $"all {N} reads asleep in the handler ({_fs.Queue.WaiterCount} are)");
            var counts = _session.Tasks.Counts;
            using (Assert.EnterMultipleScope())
            {
                Assert.That(counts.Asleep, Is.EqualTo(N), "each sleeping read holds one model task");
                Assert.That(counts.Running, Is.LessThanOrEqualTo(_session.Tasks.MaxRunning));
                // the session still answers everything else: lookups, getattr, readdir
                Assert.That(Machine.Run("ls", ["-l", _dir], timeout: Bound).Stdout, Does.Contain("gate"));
                Assert.That(Machine.Run("stat", ["-c", "%i %a", Gate], timeout: Bound).Stdout, Is.EqualTo("2 666\n"));
            }

            Machine.Sh($"printf go > '{Gate}'", Bound); // the writer
            Assert.That(readers.WaitForExit((int)Bound.TotalMilliseconds), Is.True, "every reader woke");
            readers.WaitForExit();
            Assert.That(readers.StandardOutput.ReadToEnd(), Is.EqualTo($"{N} got go\n"));
            Assert.That(readers.ExitCode, Is.Zero, readers.StandardError.ReadToEnd());
            Assert.That(Machine.WaitUntil(() => _session.Tasks.Counts.Asleep == 0, Bound), Is.True);
            Assert.That(_session.Tasks.Counts.PeakAsleep, Is.EqualTo(N));
        }
        finally
        {
            if (!readers.HasExited) readers.Kill(entireProcessTree: true);
        }
    }

    [Test, CancelAfter(120_000)]
    public void FUSE_INTERRUPT_ends_the_signalled_readers_sleep_and_no_other()
    {
        using Process victim = Machine.StartInterruptible("cat", [Gate]);
        using Process other = Machine.Start("python3", [Readers, Gate, "1"]);
        try
        {
            Assert.That(Machine.WaitUntil(() => _fs.Queue.WaiterCount == 2, Bound), Is.True, "both sleep in the handler");
            Machine.Run("kill", ["-INT", victim.Id.ToString()]);
            Assert.That(victim.WaitForExit((int)Bound.TotalMilliseconds), Is.True, "the interrupted cat exits");
            Assert.That(Machine.WaitUntil(() => _fs.Interrupted == 1 && _fs.Queue.WaiterCount == 1, Bound), Is.True, "its task alone was signalled");
            Assert.That(other.HasExited, Is.False);
            Machine.Sh($"printf on > '{Gate}'", Bound);
            Assert.That(other.WaitForExit((int)Bound.TotalMilliseconds), Is.True);
            other.WaitForExit();
            Assert.That(other.StandardOutput.ReadToEnd(), Is.EqualTo("opened 1\n1 got on\n"));
        }
        finally
        {
            if (!victim.HasExited) victim.Kill(entireProcessTree: true);
            if (!other.HasExited) other.Kill(entireProcessTree: true);
        }
    }

    [Test, CancelAfter(180_000)]
    public void Unmounting_under_a_thousand_sleeping_readers_does_not_hang()
    {
        const int N = 1000;
        using Process readers = Machine.Start("python3", [Readers, Gate, N.ToString()]);
        try
        {
            Assert.That(readers.StandardOutput.ReadLineAsync().WaitAsync(Bound).Result, Is.EqualTo($"opened {N}"));
            Assert.That(Machine.WaitUntil(() => _fs.Queue.WaiterCount == N, Bound), Is.True);
            var watch = Stopwatch.StartNew();
            _session.Unmount();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(_session.Completion.IsCompleted, Is.True);
                Assert.That(watch.Elapsed, Is.LessThan(TimeSpan.FromSeconds(10)), "the sleeping tasks were signalled, not waited for");
                Assert.That(_fs.Queue.WaiterCount, Is.Zero);
                Assert.That(_session.Tasks.Counts.Threads, Is.Zero, "every task left");
                Assert.That(MountTable.IsMountPoint(_dir), Is.False);
                Assert.That(readers.WaitForExit((int)Bound.TotalMilliseconds), Is.True, "the readers' reads failed");
            }
            readers.WaitForExit();
            string outcome = readers.StandardOutput.ReadToEnd();
            Assert.That(outcome, Does.Match($"^{N} errno (ENOTCONN|ECONNABORTED)\n$"), outcome);
        }
        finally
        {
            if (!readers.HasExited) readers.Kill(entireProcessTree: true);
        }
    }
}
