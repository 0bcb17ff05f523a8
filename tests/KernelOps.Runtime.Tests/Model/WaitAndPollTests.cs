using System;
using System.Diagnostics;
using System.Threading;
using System.Threading.Tasks;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>wait_event_interruptible, poll_wait and poll/select as fs/select.c runs them; every wait is bounded.</summary>
internal sealed class WaitAndPollTests : ModelTestBase
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private DeviceCounters _data = null!;
    private MiscDevice _misc = null!;

    [SetUp]
    public void RegisterDevice()
    {
        _data = new DeviceCounters();
        _misc = Kernel.CharDevices.RegisterMisc("st", StatefulDevice.Table, data: _data);
    }

    [TearDown]
    public void RemoveDevice() => _misc.Dispose();

    [Test, CancelAfter(20_000)]
    public void Poll_SleepsUntilTheDriverWakesItsQueue()
    {
        int fd = Proc.Open("/dev/st", OpenFlags.O_RDONLY);
        var fds = new[] { new PollFd(fd, PollEvents.In) };
        Task<int> poller = Task.Run(() => Proc.Poll(fds, (int)Bound.TotalMilliseconds));
        Assert.That(SpinWait.SpinUntil(() => _data.Queue.WaiterCount == 1, Bound), Is.True, "poll_wait queued the poller");
        Assert.That(poller.IsCompleted, Is.False);
        _data.Ready = true;
        _data.Queue.WakeUp();
        Assert.That(poller.Wait(Bound), Is.True);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(poller.Result, Is.EqualTo(1));
            Assert.That(fds[0].ReturnedEvents, Is.EqualTo(PollEvents.In), "RDNORM is filtered out: not asked for");
            Assert.That(_data.Queue.WaiterCount, Is.Zero, "poll_freewait removed the entry");
        }
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test, CancelAfter(20_000)]
    public void Poll_TimesOut_ReportsNvalAndIgnoresNegativeFds()
    {
        int fd = Proc.Open("/dev/st", OpenFlags.O_RDONLY);
        var fds = new[] { new PollFd(fd, PollEvents.In) };
        var watch = Stopwatch.StartNew();
        Assert.That(Proc.Poll(fds, 100), Is.Zero);
        Assert.That(watch.ElapsedMilliseconds, Is.GreaterThanOrEqualTo(90));
        var mixed = new[] { new PollFd(-1, PollEvents.In), new PollFd(999, PollEvents.In), new PollFd(fd, PollEvents.In) };
        Assert.That(Proc.Poll(mixed, 0), Is.EqualTo(1));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(mixed[0].ReturnedEvents, Is.EqualTo(PollEvents.None));
            Assert.That(mixed[1].ReturnedEvents, Is.EqualTo(PollEvents.Nval));
            Assert.That(mixed[2].ReturnedEvents, Is.EqualTo(PollEvents.None));
        }
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test, CancelAfter(20_000)]
    public void Signal_InterruptsAnInfinitePoll_WithEintr()
    {
        int fd = Proc.Open("/dev/st", OpenFlags.O_RDONLY);
        var fds = new[] { new PollFd(fd, PollEvents.In) };
        Task<int> poller = Task.Run(() => Proc.Poll(fds, -1));
        Assert.That(SpinWait.SpinUntil(() => _data.Queue.WaiterCount == 1, Bound), Is.True);
        Proc.SendSignal();
        Assert.That(poller.Wait(Bound), Is.True);
        Assert.That(poller.Result, Is.EqualTo(-(int)Errno.EINTR));
        Assert.That(Proc.SignalPending, Is.False, "the EINTR delivered the signal");
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test, CancelAfter(20_000)]
    public void WaitEventInterruptible_ReturnsWhenTheConditionHolds_OrErestartsysOnASignal()
    {
        var queue = new WaitQueueHead();
        bool flag = false;
        Task<KResult> sleeper = Task.Run(() =>
        {
            using TaskScope _ = Proc.EnterTask();
            return queue.WaitEventInterruptible(() => Volatile.Read(ref flag));
        });
        Assert.That(SpinWait.SpinUntil(() => queue.WaiterCount == 1, Bound), Is.True);
        queue.WakeUp(); // spurious: the condition is still false
        Thread.Sleep(20);
        Assert.That(sleeper.IsCompleted, Is.False);
        Volatile.Write(ref flag, true);
        queue.WakeUp();
        Assert.That(sleeper.Wait(Bound), Is.True);
        Assert.That(sleeper.Result, Is.EqualTo(KResult.Ok));

        Task<KResult> interrupted = Task.Run(() =>
        {
            using TaskScope _ = Proc.EnterTask();
            return queue.WaitEventInterruptible(() => false);
        });
        Assert.That(SpinWait.SpinUntil(() => queue.WaiterCount == 1, Bound), Is.True);
        Proc.SendSignal();
        Assert.That(interrupted.Wait(Bound), Is.True);
        Assert.That(interrupted.Result, Is.EqualTo((KResult)Errno.ERESTARTSYS));
        Assert.That(queue.WaitEventInterruptibleTimeout(() => false, 30).Value, Is.Zero, "timeout");
    }

    [Test, CancelAfter(20_000)]
    public void Select_ReportsReadableAndWritableSets_AndEbadfForAClosedFd()
    {
        int fd = Proc.Open("/dev/st", OpenFlags.O_RDONLY);
        _data.Ready = true;
        var read = new FdSet(fd);
        var write = new FdSet(fd);
        Assert.That(Proc.Select(fd + 1, read, write, null, 0), Is.EqualTo(1));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(read.IsSet(fd), Is.True);
            Assert.That(write.IsSet(fd), Is.False, "the device's poll reports no POLLOUT");
            Assert.That(Proc.Select(fd + 2, new FdSet(fd + 1), null, null, 0), Is.EqualTo(-(int)Errno.EBADF));
            Assert.That(Proc.Select(-1, null, null, null, 0), Is.EqualTo(-(int)Errno.EINVAL));
        }
        Assert.That(Proc.Close(fd), Is.Zero);
    }

    [Test, CancelAfter(20_000)]
    public void A_signal_sent_to_one_thread_ends_only_that_threads_sleep_and_is_delivered_by_its_EINTR()
    {
        var queue = new WaitQueueHead();
        TaskWaiter? first = null;
        Task<KResult> a = Task.Factory.StartNew(() =>
        {
            using TaskScope _ = Proc.EnterTask();
            Volatile.Write(ref first, TaskWaiter.ForCurrentThread());
            return queue.WaitEventInterruptible(() => false);
        }, TaskCreationOptions.LongRunning);
        bool release = false;
        Task<KResult> b = Task.Factory.StartNew(() =>
        {
            using TaskScope _ = Proc.EnterTask();
            return queue.WaitEventInterruptible(() => Volatile.Read(ref release));
        }, TaskCreationOptions.LongRunning);
        Assert.That(SpinWait.SpinUntil(() => queue.WaiterCount == 2 && Volatile.Read(ref first) is not null, Bound), Is.True);
        first!.Signal();
        Assert.That(a.Wait(Bound), Is.True);
        Thread.Sleep(50);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(a.Result, Is.EqualTo((KResult)Errno.ERESTARTSYS));
            Assert.That(b.IsCompleted, Is.False, "the other thread still sleeps");
            Assert.That(Proc.SignalPending, Is.False, "the process has no signal pending");
        }
        Volatile.Write(ref release, true);
        queue.WakeUp();
        Assert.That(b.Wait(Bound), Is.True);
        Assert.That(b.Result, Is.EqualTo(KResult.Ok));
    }

    [Test, CancelAfter(20_000)]
    public void A_thread_signal_sent_before_the_sleep_ends_it_at_once()
    {
        var queue = new WaitQueueHead();
        KResult result = Task.Factory.StartNew(() =>
        {
            using TaskScope _ = Proc.EnterTask();
            TaskWaiter.ForCurrentThread().Signal();
            try { return queue.WaitEventInterruptible(() => false); }
            finally { TaskWaiter.ForCurrentThread().ClearSignal(); }
        }, TaskCreationOptions.LongRunning).Result;
        Assert.That(result, Is.EqualTo((KResult)Errno.ERESTARTSYS));
    }
}
