using System;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace KernelOps.Runtime.Tests.Handlers;

public sealed class KernelMutexTests
{
    [Test, CancelAfter(60_000)]
    public void Holders_exclude_each_other_under_contention()
    {
        // A non-atomic read-modify-write with a yield in the middle loses updates unless the mutex
        // excludes; the yield forces the sleeping slow path on a 2-core machine.
        var mutex = new KernelMutex();
        long counter = 0;
        const int Threads = 4, Rounds = 20_000;
        Parallel.For(0, Threads, new ParallelOptions { MaxDegreeOfParallelism = Threads }, _ =>
        {
            for (int i = 0; i < Rounds; i++)
            {
                using (mutex.Lock())
                {
                    long seen = counter;
                    if (i % 64 == 0) Thread.Yield();
                    counter = seen + 1;
                }
            }
        });
        Assert.That(counter, Is.EqualTo(Threads * Rounds));
        Assert.That(mutex.IsLocked, Is.False);
    }

    [Test, CancelAfter(60_000)]
    public void A_waiter_sleeps_until_the_holder_unlocks()
    {
        var mutex = new KernelMutex();
        var guard = mutex.Lock();
        bool entered = false;
        var waiter = new Thread(() =>
        {
            using (mutex.Lock()) Volatile.Write(ref entered, true);
        }) { IsBackground = true }; // a broken wake-up fails the Join below instead of hanging the run
        waiter.Start();
        Thread.Sleep(200); // long past the spinning phase: the waiter is asleep
        Assert.That(Volatile.Read(ref entered), Is.False, "the waiter got in while the mutex was held");
        guard.Dispose();
        Assert.That(waiter.Join(TimeSpan.FromSeconds(30)), Is.True, "the unlock woke the sleeping waiter");
        Assert.That(Volatile.Read(ref entered), Is.True);
        Assert.That(mutex.IsLocked, Is.False);
    }

    [Test]
    public void TryLock_fails_while_held_and_unlocking_an_unlocked_mutex_throws()
    {
        var mutex = new KernelMutex();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(mutex.TryLock(), Is.True);
            Assert.That(mutex.TryLock(), Is.False, "mutex_trylock on a held mutex");
            Assert.That(mutex.IsLocked, Is.True);
            mutex.Unlock();
            Assert.That(mutex.IsLocked, Is.False);
            Assert.Throws<SynchronizationLockException>(mutex.Unlock);
            Assert.That(mutex.TryLock(), Is.True, "a bad unlock leaves the mutex usable");
            mutex.Unlock();
        }
    }

    [Test]
    public void Uncontended_lock_and_unlock_allocate_nothing()
    {
        var mutex = new KernelMutex();
        using (mutex.Lock()) { } // JIT and first-use work before counting
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            using (mutex.Lock()) { }
        }
        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
