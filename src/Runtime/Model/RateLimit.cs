using System;
using System.Collections.Concurrent;
using System.Threading;

namespace KernelOps.Model;

/// <summary>
/// One <c>printk_ratelimited</c> call site: what <c>static DEFINE_RATELIMIT_STATE(_rs, interval, burst)</c>
/// declares inside the macro (include/linux/ratelimit_types.h). Declare it <c>static readonly</c> next
/// to the line it limits and pass it to <see cref="KernelLog.PrintkRatelimited"/> or
/// <see cref="KernelLog.RateLimit"/>. The counting state lives in each kernel's log, so two kernels
/// in one test process never spend each other's budget.
/// </summary>
public sealed class RateLimitSite
{
    /// <summary>DEFAULT_RATELIMIT_INTERVAL: 5 * HZ.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(5);

    /// <summary>DEFAULT_RATELIMIT_BURST.</summary>
    public const int DefaultBurst = 10;

    /// <summary>A site with the kernel's defaults: 10 lines per 5 seconds.</summary>
    /// <param name="function">Names the site in the "<c>function: N callbacks suppressed</c>" line (the C code's <c>__func__</c>).</param>
    public RateLimitSite(string function) : this(function, DefaultInterval, DefaultBurst)
    {
    }

    /// <summary>A site allowing <paramref name="burst"/> lines per <paramref name="interval"/>.</summary>
    /// <param name="function">Names the site in the "<c>function: N callbacks suppressed</c>" line (the C code's <c>__func__</c>).</param>
    /// <param name="interval">The window; <see cref="TimeSpan.Zero"/> disables the limit (RATELIMIT_STATE_INIT_DISABLED).</param>
    /// <param name="burst">Lines allowed per window; 0 suppresses every line (and counts it).</param>
    public RateLimitSite(string function, TimeSpan interval, int burst)
    {
        ArgumentException.ThrowIfNullOrEmpty(function);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(burst);
        Function = function;
        Interval = interval;
        Burst = burst;
    }

    /// <summary>The name the suppressed-count line starts with.</summary>
    public string Function { get; }

    /// <summary>The length of one window.</summary>
    public TimeSpan Interval { get; }

    /// <summary>Lines allowed per window.</summary>
    public int Burst { get; }

    /// <inheritdoc/>
    public override string ToString() => $"{Function} ({Burst} per {Interval.TotalSeconds:0.###}s)";
}

/// <summary>
/// The <c>struct ratelimit_state</c>s of one owner (a kernel's log), one per <see cref="RateLimitSite"/>
/// used, read against the owner's clock (its jiffies).
/// </summary>
internal sealed class RateLimiter(TimeProvider clock)
{
    private readonly ConcurrentDictionary<RateLimitSite, State> _states = new(); // sites compare by reference
    private long _suppressed;

    public TimeProvider Clock { get; } = clock;

    /// <summary>Calls refused since the owner was created, reported or not.</summary>
    public long Suppressed => Interlocked.Read(ref _suppressed);

    /// <summary>
    /// mirrors lib/ratelimit.c:___ratelimit: true when the caller may print. The first call of a
    /// window whose predecessor refused calls sets <paramref name="missed"/> to how many, which the
    /// caller reports as "<c>function: N callbacks suppressed</c>" before its own line.
    /// </summary>
    public bool Check(RateLimitSite site, out long missed)
    {
        missed = 0;
        State state = _states.GetOrAdd(site, static _ => new State());
        TimeSpan interval = site.Interval;
        int burst = site.Burst;

        if (interval <= TimeSpan.Zero || burst <= 0)
        {
            bool allowed = interval == TimeSpan.Zero || burst > 0;
            if (!allowed) Miss(state);
            return allowed;
        }

        // Contended: as the kernel, only check whether the current burst is used up. It can refuse
        // a call just after the window ended, until the lock holder resets the burst.
        if (!state.Lock.TryEnter())
        {
            if (Volatile.Read(ref state.Initialized) && TakeOne(ref state.Left)) return true;
            Miss(state);
            return false;
        }

        try
        {
            long now = Clock.GetTimestamp();
            if (!state.Initialized)
            {
                state.Begin = now;
                Volatile.Write(ref state.Left, burst);
                Volatile.Write(ref state.Initialized, true);
            }
            // time_is_before_jiffies(rs->begin + interval): the window ended strictly before now
            if (Clock.GetElapsedTime(state.Begin, now) > interval)
            {
                Volatile.Write(ref state.Left, burst);
                state.Begin = now;
                missed = Interlocked.Exchange(ref state.Missed, 0);
            }
            if (TakeOne(ref state.Left)) return true;
            Miss(state);
            return false;
        }
        finally
        {
            state.Lock.Exit();
        }
    }

    private void Miss(State state)
    {
        Interlocked.Increment(ref state.Missed);
        Interlocked.Increment(ref _suppressed);
    }

    // atomic_dec_return(&rs->rs_n_left) >= 0, without letting a refused flood wrap the count.
    private static bool TakeOne(ref int left)
    {
        int value = Volatile.Read(ref left);
        while (value > 0)
        {
            int seen = Interlocked.CompareExchange(ref left, value - 1, value);
            if (seen == value) return true;
            value = seen;
        }
        return false;
    }

    private sealed class State
    {
        public readonly Lock Lock = new();
        public bool Initialized;
        public long Begin;
        public int Left;
        public long Missed;
    }
}
