using System.Runtime.CompilerServices;
using System.Threading;

namespace KernelOps;

/// <summary>
/// A sleeping lock with the kernel's <c>struct mutex</c> semantics (kernel/locking/mutex.c; the
/// Rust crate's <c>kernel::sync::Mutex</c>, which the seed's /proc RAM file takes around its
/// bytes): one holder at a time, waiters spin briefly and then sleep, not recursive. Hold it
/// across user copies: it may sleep, unlike a spinlock.
/// </summary>
/// <remarks>
/// The uncontended lock and unlock are one atomic operation each and read no thread-local state,
/// as the kernel's fast paths are one cmpxchg on <c>lock-&gt;owner</c>. <see cref="Lock"/>
/// (System.Threading.Lock) also tracks its owner's thread id, which costs a thread-local read and
/// bookkeeping on every enter and exit: ~6 ns of a 20 ns /proc read in docs/PERFORMANCE.md. The
/// price is the same as in a kernel without CONFIG_DEBUG_MUTEXES: the owner is not recorded, so
/// locking a mutex the calling thread already holds deadlocks (lockdep would report it), and an
/// unlock is only checked to find the mutex locked.
/// </remarks>
public sealed class KernelMutex
{
    // The states of Drepper's futex mutex ("Futexes Are Tricky", mutex 3): a waiter marks the lock
    // contended so the unlock that finds that mark wakes one sleeper.
    private const int Unlocked = 0, Locked = 1, Contended = 2;

    private readonly object _sleepers = new();
    private int _state;

    /// <summary>True while some task holds the mutex (mutex_is_locked): for assertions, not for decisions.</summary>
    public bool IsLocked => Volatile.Read(ref _state) != Unlocked;

    /// <summary>mutex_lock: takes the mutex, sleeping until it is free. Dispose the guard to unlock.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public Guard Lock()
    {
        if (Interlocked.CompareExchange(ref _state, Locked, Unlocked) != Unlocked) LockContended();
        return new Guard(this);
    }

    /// <summary>mutex_trylock: takes the mutex if it is free, without waiting.</summary>
    public bool TryLock() => Interlocked.CompareExchange(ref _state, Locked, Unlocked) == Unlocked;

    /// <summary>mutex_unlock: releases the mutex and wakes one sleeper, if any.</summary>
    /// <exception cref="SynchronizationLockException">The mutex is not locked.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Unlock()
    {
        int previous = Interlocked.Exchange(ref _state, Unlocked);
        if (previous != Locked) UnlockContended(previous);
    }

    // mirrors kernel/locking/mutex.c:__mutex_lock_common: spin while the holder is likely running
    // (mutex_optimistic_spin), then sleep until an unlock wakes this task.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void LockContended()
    {
        var spin = new SpinWait();
        while (!spin.NextSpinWillYield)
        {
            spin.SpinOnce(sleep1Threshold: -1);
            if (Volatile.Read(ref _state) == Unlocked && Interlocked.CompareExchange(ref _state, Locked, Unlocked) == Unlocked) return;
        }
        // Taking the lock as Contended (not Locked) is conservative: the unlock then wakes a sleeper
        // that may not exist, but none is ever left asleep with the mutex free.
        TaskWaiter task = TaskWaiter.ForCurrentThread();
        while (Interlocked.Exchange(ref _state, Contended) != Unlocked)
        {
            // schedule(): a host running this task under its scheduler may run another meanwhile
            task.Scheduler?.Sleeping(task.Task!);
            try
            {
                lock (_sleepers)
                {
                    // Checked under the monitor the waker pulses under: an unlock between this check and
                    // Wait blocks on the monitor until Wait has released it, so its pulse is not lost.
                    if (Volatile.Read(ref _state) == Contended) Monitor.Wait(_sleepers);
                }
            }
            finally
            {
                task.Scheduler?.Woken(task.Task!);
            }
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void UnlockContended(int previous)
    {
        if (previous == Unlocked)
        {
            throw new SynchronizationLockException("mutex_unlock of a mutex that is not locked");
        }
        lock (_sleepers) Monitor.Pulse(_sleepers);
    }

    /// <summary>A held mutex: disposing it unlocks (the Rust crate's <c>Guard</c>). Use with <c>using</c>.</summary>
    public readonly ref struct Guard
    {
        private readonly KernelMutex _mutex;

        internal Guard(KernelMutex mutex) => _mutex = mutex;

        /// <summary>Unlocks the mutex.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Dispose() => _mutex.Unlock();
    }
}
