using System;
using System.Collections.Generic;
using System.Threading;
using System.Threading.Tasks;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>
/// The user-memory model: copies fault instead of crashing, and munmap never frees a mapping a
/// copy on another thread may still be touching (the grace period that replaces a reader lock).
/// </summary>
[TestFixture]
internal sealed class UserMemoryTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Test]
    public void Copies_fault_at_the_first_unmapped_byte_and_zero_the_rest_of_a_short_copy_from_user()
    {
        using var memory = new UserMemory();
        UserMapping m = memory.Map(16);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(memory.CopyToUser(m.Address + 8, "0123456789abcdef"u8), Is.EqualTo((nuint)8), "8 of 16 fit before the end of the mapping");
            byte[] back = new byte[16];
            Array.Fill(back, (byte)0xAA);
            Assert.That(memory.CopyFromUser(back, m.Address + 8), Is.EqualTo((nuint)8));
            Assert.That(back, Is.EqualTo(new byte[] { (byte)'0', (byte)'1', (byte)'2', (byte)'3', (byte)'4', (byte)'5', (byte)'6', (byte)'7', 0, 0, 0, 0, 0, 0, 0, 0 }), "the uncopied tail is zeroed, as _copy_from_user does");
            Assert.That(memory.CopyToUser(0, "x"u8), Is.EqualTo((nuint)1), "NULL is never mapped");
            Assert.That(memory.CopyToUser(nuint.MaxValue, "xy"u8), Is.EqualTo((nuint)2), "a range that wraps the address space faults");
            Assert.That(memory.IsMapped(m.Address, 16), Is.True);
            Assert.That(memory.IsMapped(m.Address, 17), Is.False);
        }
    }

    [TestCase(1), TestCase(255), TestCase(256), TestCase(4096), TestCase(64 * 1024 + 1), TestCase(200_000)]
    public void Copies_of_every_size_round_trip_byte_for_byte(int size)
    {
        // Small copies are managed, larger ones go to the C library's memmove in 64 KiB calls.
        using var memory = new UserMemory();
        UserMapping m = memory.Map(256 * 1024);
        var data = new byte[size];
        new Random(size).NextBytes(data);
        nuint at = m.Address + 3; // unaligned on purpose
        Assert.That(memory.CopyToUser(at, data), Is.EqualTo((nuint)0));
        var back = new byte[size];
        Assert.That(memory.CopyFromUser(back, at), Is.EqualTo((nuint)0));
        Assert.That(back, Is.EqualTo(data));
        var guard = new byte[3];
        Assert.That(memory.CopyFromUser(guard, m.Address), Is.EqualTo((nuint)0));
        Assert.That(guard, Is.EqualTo(new byte[3]), "nothing written before the destination");
    }

    [Test, CancelAfter(60_000)]
    public void Unmap_waits_for_a_copy_in_flight_and_copies_after_it_fault()
    {
        using var memory = new UserMemory();
        UserMapping m = memory.Map(4096);
        using var copy = ParkedCopy.Start(memory);

        Task<bool> unmap = Task.Factory.StartNew(() => memory.Unmap(m.Address), TaskCreationOptions.LongRunning);
        try
        {
            Assert.That(SpinWait.SpinUntil(() => memory.MappingCount == 0, Bound), Is.True, "Unmap publishes the mapping's removal first");
            using (Assert.EnterMultipleScope())
            {
                // This thread's first copy: registering its slot does not wait for the grace period.
                Assert.That(memory.CopyToUser(m.Address, "late"u8), Is.EqualTo((nuint)4), "a copy that starts after the removal faults");
                Assert.That(memory.IsMapped(m.Address, 1), Is.False);
                Assert.That(unmap.Wait(TimeSpan.FromMilliseconds(300)), Is.False, "the memory is not freed while a copy that may use it is inside");
            }
        }
        finally
        {
            copy.Leave();
        }
        Assert.That(unmap.Wait(Bound), Is.True, "the grace period ends when the copy leaves");
        Assert.That(unmap.Result, Is.True);
        Assert.That(memory.Unmap(m.Address), Is.False, "already unmapped");
    }

    [Test, CancelAfter(60_000)]
    public void Dispose_waits_for_a_copy_in_flight()
    {
        var memory = new UserMemory();
        memory.Map(64);
        using var copy = ParkedCopy.Start(memory);
        Task dispose = Task.Factory.StartNew(memory.Dispose, TaskCreationOptions.LongRunning);
        try
        {
            Assert.That(dispose.Wait(TimeSpan.FromMilliseconds(300)), Is.False, "exit_mmap waits for the copy");
        }
        finally
        {
            copy.Leave();
        }
        Assert.That(dispose.Wait(Bound), Is.True);
        Assert.That(memory.MappingCount, Is.Zero);
    }

    [Test, CancelAfter(120_000)]
    public void Copies_racing_with_munmap_never_touch_freed_memory()
    {
        // Copiers keep copying from addresses the main thread maps and then unmaps; freed mappings
        // are poisoned right before they are freed. A copy may fault, or (the address having been
        // mapped again, as mmap reuses addresses) read the new mapping's zeros or fill; it must
        // never read poison, which only a copy that overlapped the free could see.
        // Copies of 64 KiB keep the copiers inside a copy most of the time, so a free that did not
        // wait for them would land in the middle of one.
        const int slots = 4, generations = 2_000, copiers = 3, mappingSize = 256 * 1024, copySize = 64 * 1024;
        using var memory = new UserMemory { PoisonOnFree = true };
        var published = new nuint[slots];
        var failures = new List<string>();
        long wholeCopies = 0, faults = 0;
        using var stop = new ManualResetEventSlim();

        var threads = new List<Thread>();
        for (int c = 0; c < copiers; c++)
        {
            int seed = c;
            threads.Add(new Thread(() =>
            {
                var random = new Random(seed);
                var buffer = new byte[copySize];
                while (!stop.IsSet)
                {
                    nuint address = Volatile.Read(ref published[random.Next(slots)]);
                    if (address == 0) continue;
                    nuint notCopied = memory.CopyFromUser(buffer, address + (nuint)random.Next(0, mappingSize - copySize));
                    // A stale address may now lie partly in a newer, shorter-reaching mapping:
                    // a short copy is legal; bytes of a freed mapping are not.
                    int poisoned = buffer.AsSpan().IndexOf(UserMemory.FreePoison);
                    if (poisoned >= 0)
                    {
                        lock (failures) failures.Add($"copier {seed}: read freed memory (poison at byte {poisoned}; {notCopied} bytes not copied)");
                        return;
                    }
                    if (notCopied == 0) Interlocked.Increment(ref wholeCopies);
                    else Interlocked.Increment(ref faults);
                }
            }));
        }
        foreach (Thread t in threads) t.Start();

        byte[] fill = new byte[mappingSize];
        for (int g = 1; g <= generations && failures.Count == 0; g++)
        {
            UserMapping fresh = memory.Map(mappingSize);
            Array.Fill(fill, (byte)(g % 100 + 1)); // never the poison byte
            Assert.That(memory.CopyToUser(fresh.Address, fill), Is.EqualTo((nuint)0));
            nuint old = Interlocked.Exchange(ref published[g % slots], fresh.Address);
            if (old != 0) Assert.That(memory.Unmap(old), Is.True);
        }
        stop.Set();
        foreach (Thread t in threads) t.Join();

        Assert.That(failures, Is.Empty);
        Assert.That(Interlocked.Read(ref wholeCopies), Is.GreaterThan(0), "the copiers ran");
        TestContext.Out.WriteLine($"{generations} map/unmap generations; {wholeCopies} whole copies, {faults} short or faulting copies of a stale address");
    }

    [Test]
    public void Many_threads_copy_with_one_address_space_without_a_task()
    {
        using var memory = new UserMemory();
        UserMapping m = memory.Map(64 * 8);
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            Span<byte> mine = stackalloc byte[8];
            mine.Fill((byte)i);
            Assert.That(memory.CopyToUser(m.Address + (nuint)((i % 64) * 8), mine), Is.EqualTo((nuint)0));
        });
        var all = new byte[64 * 8];
        Assert.That(memory.CopyFromUser(all, m.Address), Is.EqualTo((nuint)0));
        for (int i = 0; i < 64; i++) Assert.That(all.AsSpan(i * 8, 8).IndexOfAnyExcept((byte)i), Is.EqualTo(-1), $"block {i}");
    }

    /// <summary>A thread parked inside a copy's read-side section, as a copy_to_user preempted mid-way is.</summary>
    private sealed class ParkedCopy : IDisposable
    {
        private readonly ManualResetEventSlim _inside = new(), _leave = new();
        private readonly Thread _thread;

        private ParkedCopy(UserMemory memory)
        {
            _thread = new Thread(() =>
            {
                UserMemory.ReaderSlot slot = memory.SlotForCurrentThread();
                slot.Enter();
                _inside.Set();
                _leave.Wait();
                slot.Leave();
            });
        }

        public static ParkedCopy Start(UserMemory memory)
        {
            var copy = new ParkedCopy(memory);
            copy._thread.Start();
            Assert.That(copy._inside.Wait(Bound), Is.True, "the copy entered");
            return copy;
        }

        public void Leave()
        {
            _leave.Set();
            _thread.Join();
        }

        public void Dispose()
        {
            Leave();
            _inside.Dispose();
            _leave.Dispose();
        }
    }
}
