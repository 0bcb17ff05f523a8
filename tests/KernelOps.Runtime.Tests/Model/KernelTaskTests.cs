using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>
/// KernelTask, the seam a host uses: a signal to one task alone (tgkill: what FUSE_INTERRUPT
/// becomes) and a scheduler told when a task leaves the CPU to sleep and when it runs again.
/// </summary>
public class KernelTaskTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Test, CancelAfter(20_000)]
    public void A_signal_to_one_task_ends_its_sleep_and_no_other()
    {
        var queue = new WaitQueueHead();
        bool ready = false;
        var tasks = new KernelTask?[2];
        var results = new Task<int>[2];
        for (int i = 0; i < 2; i++)
        {
            int me = i;
            results[i] = Task.Factory.StartNew(() =>
            {
                tasks[me] = KernelTask.Current;
                return (int)queue.WaitEventInterruptible(() => Volatile.Read(ref ready)).Error;
            }, TaskCreationOptions.LongRunning);
        }
        Assert.That(SpinWait.SpinUntil(() => queue.WaiterCount == 2, Bound), Is.True, "both sleep");

        tasks[0]!.SendSignal();
        Assert.That(results[0].Wait(Bound), Is.True, "the signalled task woke");
        using (Assert.EnterMultipleScope())
        {
            Assert.That((Errno)results[0].Result, Is.EqualTo(Errno.ERESTARTSYS));
            Assert.That(tasks[0]!.SignalPending, Is.True, "nothing delivered it: a syscall would have, with EINTR");
            Assert.That(results[1].Wait(200), Is.False, "the other task still sleeps");
            Assert.That(queue.WaiterCount, Is.EqualTo(1));
        }
        tasks[0]!.ClearSignal();
        Assert.That(tasks[0]!.SignalPending, Is.False);

        Volatile.Write(ref ready, true);
        queue.WakeUp();
        Assert.That(results[1].Wait(Bound), Is.True);
        Assert.That(results[1].Result, Is.Zero);
    }

    [Test]
    public void Current_is_one_object_per_thread()
    {
        KernelTask mine = KernelTask.Current;
        KernelTask other = Task.Factory.StartNew(() => KernelTask.Current, TaskCreationOptions.LongRunning).Result;
        Assert.That(KernelTask.Current, Is.SameAs(mine));
        Assert.That(other, Is.Not.SameAs(mine));
    }

    [Test, CancelAfter(20_000)]
    public void The_scheduler_is_told_when_a_task_sleeps_in_a_wait_queue_and_when_it_runs_again()
    {
        var queue = new WaitQueueHead();
        bool ready = false;
        var log = new Recorder();
        Task<int> sleeper = Task.Factory.StartNew(() =>
        {
            KernelTask.Current.Scheduler = log;
            try
            {
                // no sleep when the condition already holds: nothing to tell
                Assert.That(queue.WaitEventInterruptible(() => true).IsOk, Is.True);
                log.Mark("checked");
                return (int)queue.WaitEventInterruptible(() => Volatile.Read(ref ready)).Error;
            }
            finally
            {
                KernelTask.Current.Scheduler = null;
            }
        }, TaskCreationOptions.LongRunning);
        Assert.That(SpinWait.SpinUntil(() => queue.WaiterCount == 1, Bound), Is.True);
        Assert.That(SpinWait.SpinUntil(() => log.Events.Contains("sleeping"), Bound), Is.True);
        Volatile.Write(ref ready, true);
        queue.WakeUp();
        Assert.That(sleeper.Wait(Bound), Is.True);
        Assert.That(sleeper.Result, Is.Zero);
        Assert.That(log.Events, Is.EqualTo(new[] { "checked", "sleeping", "woken" }));
        Assert.That(log.Tasks, Has.All.Not.Null.And.All.SameAs(log.Tasks[0]), "told about the sleeping task itself");
    }

    [Test, CancelAfter(20_000)]
    public void The_scheduler_is_told_when_a_task_sleeps_on_a_contended_mutex()
    {
        var mutex = new KernelMutex();
        var log = new Recorder();
        mutex.Lock();
        Task waiter = Task.Factory.StartNew(() =>
        {
            KernelTask.Current.Scheduler = log;
            try
            {
                using (mutex.Lock()) log.Mark("locked");
            }
            finally
            {
                KernelTask.Current.Scheduler = null;
            }
        }, TaskCreationOptions.LongRunning);
        Assert.That(SpinWait.SpinUntil(() => log.Events.Contains("sleeping"), Bound), Is.True, "it spun, then slept");
        mutex.Unlock();
        Assert.That(waiter.Wait(Bound), Is.True);
        Assert.That(log.Events[^2..], Is.EqualTo(new[] { "woken", "locked" }));
        Assert.That(log.Events[0], Is.EqualTo("sleeping"));
    }

    private sealed class Recorder : IKernelTaskScheduler
    {
        private readonly ConcurrentQueue<(string Event, KernelTask? Task)> _events = new();

        public string[] Events => [.. Array.ConvertAll(_events.ToArray(), e => e.Event)];

        public List<KernelTask?> Tasks => [.. Array.ConvertAll(_events.ToArray(), e => e.Task)];

        public void Mark(string what) => _events.Enqueue((what, KernelTask.Current));

        public void Sleeping(KernelTask task) => _events.Enqueue(("sleeping", task));

        public void Woken(KernelTask task) => _events.Enqueue(("woken", task));
    }
}
