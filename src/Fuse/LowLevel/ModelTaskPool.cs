using System;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Fuse.LowLevel;

/// <summary>
/// The threads that serve a FUSE session, each one a model task. A task takes a request from
/// /dev/fuse and runs it inline (no hand-off, so the fast path costs what libfuse's own loop costs);
/// when its handler sleeps in the model (a read on an empty pipe, poll, a contended mutex), the
/// model tells this pool (<see cref="IKernelTaskScheduler"/>) and the task gives its place away: an
/// idle task, or a new one, takes the next request. So a request asleep in a handler holds a task,
/// never the loop, and the writer that would wake it is always served.
/// </summary>
/// <remarks>
/// <para>Two bounds, as the kernel bounds CPUs and tasks separately: at most <see cref="MaxRunning"/>
/// tasks take requests at once (receive, or run a handler that has not slept), and at most
/// <see cref="MaxTasks"/> threads exist (running, asleep in the model, or idle). Past
/// <see cref="MaxTasks"/> sleeping requests, new requests wait in the kernel's queue until one
/// ends. A task that wakes finishes its request at once (it was admitted when it started: making it
/// wait for a place could deadlock on a writer waiting for the same place), then takes requests
/// again if fewer than <see cref="MaxRunning"/> do, or parks (an idle thread leaves after
/// <see cref="IdleTimeout"/>).</para>
/// <para>The pool does not know what a request is: <c>serve</c> receives and runs one, and
/// returns false when the session is over.</para>
/// </remarks>
internal sealed class ModelTaskPool : IKernelTaskScheduler
{
    private enum State { Running, Asleep, Woken }

    // One per pool thread: what the scheduler callbacks (on that thread) change.
    private sealed class Worker
    {
        public State State = State.Running;
    }

    [ThreadStatic] private static Worker? t_worker;

    private readonly object _gate = new();
    private readonly Func<bool> _serve;
    private readonly Action<string> _log;
    private readonly string _name;
    private int _running, _asleep, _threads, _idle, _tickets, _peakThreads, _peakAsleep;
    private bool _stopping;
    private readonly ManualResetEventSlim _allGone = new(false);

    /// <param name="name">Thread names' prefix.</param>
    /// <param name="serve">Receives and runs one request on the calling thread; false when the session is over.</param>
    /// <param name="log">Where a failure of the loop itself is reported.</param>
    public ModelTaskPool(string name, int maxRunning, int maxTasks, Func<bool> serve, Action<string> log)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRunning, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxTasks, maxRunning);
        _name = name;
        MaxRunning = maxRunning;
        MaxTasks = maxTasks;
        _serve = serve;
        _log = log;
    }

    /// <summary>Tasks that may take requests at once.</summary>
    public int MaxRunning { get; }

    /// <summary>Threads the pool may have: running, asleep in the model, idle.</summary>
    public int MaxTasks { get; }

    /// <summary>How long an idle thread waits for work before it leaves.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Runs on each thread as it leaves (to free what it allocated for itself).</summary>
    public Action? ThreadLeaving { get; init; }

    /// <summary>Stack of each task's thread (handlers run on it).</summary>
    public int StackBytes { get; init; } = 512 << 10;

    /// <summary>A snapshot: running, asleep, idle and alive threads, and the most there were.</summary>
    public (int Running, int Asleep, int Idle, int Threads, int PeakThreads, int PeakAsleep) Counts
    {
        get { lock (_gate) return (_running, _asleep, _idle, _threads, _peakThreads, _peakAsleep); }
    }

    /// <summary>Set when the session is over and every thread has left.</summary>
    public WaitHandle AllGone => _allGone.WaitHandle;

    /// <summary>Called once, on a pool thread, when the first task finds the session over.</summary>
    public event Action? SessionEnded;

    /// <summary>Starts <see cref="MaxRunning"/> tasks taking requests.</summary>
    public void Start()
    {
        lock (_gate)
        {
            for (int i = 0; i < MaxRunning; i++) StartThreadLocked();
        }
    }

    /// <summary>No task takes new requests; idle ones leave. Tasks still in a request finish it.</summary>
    public void Stop()
    {
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
            if (_threads == 0) _allGone.Set();
        }
    }

    // ---- IKernelTaskScheduler: called on the task's own thread by the model ------------------

    /// <inheritdoc/>
    public void Sleeping(KernelTask task)
    {
        Worker? me = t_worker;
        if (me is null) return; // not one of ours (the scheduler was copied to another thread)
        lock (_gate)
        {
            if (me.State == State.Running)
            {
                _running--;
                EnsureTakerLocked();
            }
            me.State = State.Asleep;
            _asleep++;
            if (_asleep > _peakAsleep) _peakAsleep = _asleep;
        }
    }

    /// <inheritdoc/>
    public void Woken(KernelTask task)
    {
        Worker? me = t_worker;
        if (me is null) return;
        lock (_gate)
        {
            _asleep--;
            me.State = State.Woken; // finishes its request outside the running bound
        }
    }

    // ---- threads -------------------------------------------------------------------------------

    // A place to take requests is free: hand it to an idle task (a ticket: counted as running
    // from now on, so two sleeps in a row never wake the same idle task twice), or start one.
    private void EnsureTakerLocked()
    {
        if (_stopping || _running >= MaxRunning) return;
        if (_idle > _tickets)
        {
            _running++;
            _tickets++;
            Monitor.Pulse(_gate);
        }
        else if (_threads < MaxTasks)
        {
            StartThreadLocked();
        }
    }

    private void StartThreadLocked()
    {
        _threads++;
        _running++;
        if (_threads > _peakThreads) _peakThreads = _threads;
        var thread = new Thread(Run, StackBytes) { IsBackground = true, Name = _name };
        try
        {
            thread.UnsafeStart();
        }
        catch (OutOfMemoryException)
        {
            _threads--;
            _running--;
            _log($"{_name}: cannot start another task thread ({_threads} alive); requests wait in the kernel's queue");
        }
    }

    private void Run()
    {
        var me = new Worker();
        t_worker = me;
        KernelTask task = KernelTask.Current;
        task.Scheduler = this;
        bool ended = false;
        try
        {
            while (true)
            {
                if (!_serve())
                {
                    ended = true;
                    break;
                }
                if (me.State != State.Running && !TryRunAgain(me)) break;
            }
        }
        catch (Exception e)
        {
            _log($"{_name}: a task failed outside any request: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            task.Scheduler = null;
            t_worker = null;
            try { ThreadLeaving?.Invoke(); }
            catch (Exception e) { _log($"{_name}: a task's cleanup failed: {e.Message}"); }
            bool first;
            lock (_gate)
            {
                if (me.State == State.Running) _running--;
                _threads--;
                first = ended && !_stopping;
                if (ended) _stopping = true;
                if (_stopping)
                {
                    Monitor.PulseAll(_gate);
                    if (_threads == 0) _allGone.Set();
                }
            }
            if (first)
            {
                try { SessionEnded?.Invoke(); }
                catch (Exception e) { _log($"{_name}: session end handler failed: {e.Message}"); }
            }
        }
    }

    // After a request during which the task slept: take requests again if there is a place,
    // else park until a sleeper hands one over (a ticket); false when the thread should leave.
    private bool TryRunAgain(Worker me)
    {
        lock (_gate)
        {
            _idle++;
            try
            {
                while (true)
                {
                    if (_stopping)
                    {
                        if (_tickets > 0)
                        {
                            _tickets--;
                            _running--;
                        }
                        return false;
                    }
                    if (_tickets > 0)
                    {
                        _tickets--; // already counted as running by whoever handed it over
                        break;
                    }
                    if (_running < MaxRunning)
                    {
                        _running++;
                        break;
                    }
                    if (!Monitor.Wait(_gate, IdleTimeout) && _tickets == 0) return false;
                }
                me.State = State.Running;
                return true;
            }
            finally
            {
                _idle--;
            }
        }
    }
}
