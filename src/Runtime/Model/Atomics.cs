using System.Threading;

namespace KernelOps.Model;

/// <summary>
/// The kernel's conditional increments (include/linux/atomic/atomic-instrumented.h), on which the
/// model's reference and use counts take a reference only while the object is still alive.
/// </summary>
internal static class Atomics
{
    /// <summary>atomic_inc_not_zero: false once the count reached 0.</summary>
    public static bool IncrementNotZero(ref int count) => AddUnlessZero(ref count, 1);

    /// <summary>atomic_add_unless(count, delta, 0): adds <paramref name="delta"/> unless the count is 0; false if it was.</summary>
    public static bool AddUnlessZero(ref int count, int delta)
    {
        int value = Volatile.Read(ref count);
        while (value != 0)
        {
            int seen = Interlocked.CompareExchange(ref count, value + delta, value);
            if (seen == value) return true;
            value = seen;
        }
        return false;
    }

    /// <summary>atomic_inc_unless_negative: false once the count was made negative.</summary>
    public static bool IncrementUnlessNegative(ref int count)
    {
        int value = Volatile.Read(ref count);
        while (value >= 0)
        {
            int seen = Interlocked.CompareExchange(ref count, value + 1, value);
            if (seen == value) return true;
            value = seen;
        }
        return false;
    }
}
