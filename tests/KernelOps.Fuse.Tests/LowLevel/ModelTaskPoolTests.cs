using System;
using System.Collections.Concurrent;
using System.Threading;
using KernelOps.Fuse.LowLevel;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests.LowLevel;

/// <summary>
/// The task pool's two bounds without FUSE: requests come from a queue, some sleep in a model wait
/// queue. Sleepers give their place away (others keep being served), at most MaxRunning tasks take
/// requests, at most MaxTasks threads exist (past that, requests wait in the queue), woken tasks
/// finish and park, idle ones leave, and the end of the session ends every thread.
/// </summary>
public class ModelTaskPoolTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);

    private sealed class Harness : IDisposable
    {
        public readonly BlockingCollection<Action> Requests = new();
        public readonly WaitQueueHead Queue = new();
        public readonly ConcurrentQueue<string> Log = new();
        public int Released;
        public int Done;
        public int MaxRunningSeen;
        public int Ended;
        public ModelTaskPool Pool = null!;

        public Harness(int maxRunning, int maxTasks)
        {
            Pool = new ModelTaskPool("pool-test", maxRunning, maxTasks, Serve, Log.Enqueue) { IdleTimeout = TimeSpan.FromMilliseconds(200) };
            Pool.SessionEnded += () => Interlocked.Increment(ref Ended);
            Pool.Start();
        }

        private bool Serve()
        {
            if (!Requests.TryTake(out Action? request, Timeout.Infinite)) return false;
            int running = Pool.Counts.Running;
            int seen;
            while ((seen = Volatile.Read(ref MaxRunningSeen)) < running && Interlocked.CompareExchange(ref MaxRunningSeen, running, seen) != seen) { }
            request();
            Interlocked.Increment(ref Done);
            return true;
        }

        public void AddSleeper() => Requests.Add(() => Queue.WaitEventInterruptible(() => Volatile.Read(ref Released) != 0));

        public void WakeAll()
        {
            Volatile.Write(ref Released, 1);
            Queue.WakeUp();
        }

        public void Dispose()
        {
            Requests.CompleteAdding();
            WakeAll();
            Assert.That(Pool.AllGone.WaitOne(Bound), Is.True, "every thread left at the end of the session");
            Assert.That(Log, Is.Empty);
            Requests.Dispose();
        }
    }

    [Test, CancelAfter(60_000)]
    public void Sleeping_requests_give_their_place_away_and_the_running_bound_holds()
    {
        using var h = new Harness(maxRunning: 2, maxTasks: 100);
        for (int i = 0; i < 30; i++) h.AddSleeper();
        Assert.That(Machine.WaitUntil(() => h.Queue.WaiterCount == 30, Bound), Is.True, () => $"30 asleep ({h.Queue.WaiterCount})");
        bool served = false;
        h.Requests.Add(() => served = true);
        Assert.That(Machine.WaitUntil(() => served, Bound), Is.True, "a request behind 30 sleepers is served");
        var counts = h.Pool.Counts;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(counts.Asleep, Is.EqualTo(30));
            Assert.That(counts.Running, Is.EqualTo(2), "two tasks take requests while 30 sleep");
            Assert.That(counts.Threads, Is.EqualTo(32));
            Assert.That(h.MaxRunningSeen, Is.LessThanOrEqualTo(2));
        }
        h.WakeAll();
        Assert.That(Machine.WaitUntil(() => Volatile.Read(ref h.Done) == 31, Bound), Is.True, "every sleeper finished its request");
        Assert.That(Machine.WaitUntil(() => h.Pool.Counts is { Threads: 2, Idle: 0, Asleep: 0 }, Bound), Is.True,
            () => $"the woken tasks parked, then left: {h.Pool.Counts}");
        Assert.That(h.Pool.Counts.PeakThreads, Is.EqualTo(32));
    }

    [Test, CancelAfter(60_000)]
    public void Past_MaxTasks_requests_wait_in_the_queue_until_a_sleeper_wakes()
    {
        using var h = new Harness(maxRunning: 1, maxTasks: 3);
        for (int i = 0; i < 5; i++) h.AddSleeper();
        Assert.That(Machine.WaitUntil(() => h.Queue.WaiterCount == 3, Bound), Is.True);
        Thread.Sleep(300);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(h.Queue.WaiterCount, Is.EqualTo(3), "no fourth task");
            Assert.That(h.Pool.Counts.Threads, Is.EqualTo(3));
            Assert.That(h.Requests, Has.Count.EqualTo(2), "two requests wait to be taken");
        }
        h.WakeAll();
        Assert.That(Machine.WaitUntil(() => Volatile.Read(ref h.Done) == 5, Bound), Is.True, "the waiting requests ran once places freed");
    }

    [Test, CancelAfter(60_000)]
    public void The_end_of_the_session_ends_every_thread_and_is_reported_once()
    {
        var h = new Harness(maxRunning: 3, maxTasks: 10);
        h.AddSleeper();
        Assert.That(Machine.WaitUntil(() => h.Queue.WaiterCount == 1, Bound), Is.True);
        h.Dispose();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(h.Ended, Is.EqualTo(1));
            Assert.That(h.Pool.Counts.Threads, Is.Zero);
            Assert.That(h.Done, Is.EqualTo(1), "the sleeper finished its request before leaving");
        }
    }
}
