using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;

namespace KernelOps.Model;

/// <summary>A mapped range of a process's user memory.</summary>
/// <param name="Address">The user address of the first byte.</param>
/// <param name="Length">The number of bytes mapped.</param>
public readonly record struct UserMapping(nuint Address, nuint Length)
{
    /// <summary>The first address past the mapping.</summary>
    public nuint End => Address + Length;
}

/// <summary>
/// A process's user address space in the model: a set of mappings backed by native memory.
/// copy_to_user/copy_from_user go through <see cref="CopyToUser(nuint, ReadOnlySpan{byte})"/>/<see cref="CopyFromUser(Span{byte}, nuint)"/>,
/// which fault (copy short) at the first byte outside every mapping, so a bad pointer or length
/// reaches a handler as EFAULT instead of crashing the process.
/// </summary>
public sealed class UserMemory : IDisposable
{
    // A copy is on every read and write, so its read side takes no lock and no atomic operation:
    // it is the kernel's RCU pattern. Copies find their mapping in an immutable sorted snapshot and
    // mark themselves inside a copy in a per-thread slot with plain stores; Map/Unmap build a new
    // snapshot under _writers and publish it; Unmap (and Dispose) then wait a grace period (every
    // copy that could have seen the old snapshot has left) before freeing the memory, which is
    // what page-table refcounts and TLB shootdown guarantee in the real kernel (mm/mmap.c:
    // do_munmap frees the pages only after tlb_finish_mmu). The last reader lock here (two
    // atomics) cost ~8 ns of a ~33 ns dispatched 64-byte read (docs/PERFORMANCE.md).
    private readonly Lock _writers = new();
    private UserMapping[] _snapshot = []; // sorted by Address, disjoint; replaced, never mutated
    private readonly Lock _registry = new();
    private ReaderSlot[] _readers = [];   // one per thread that ever copied; replaced under _registry
    private bool _disposed;

    // The slot of the calling thread for the UserMemory it copied with last (a thread works for
    // one task at a time, so this is almost always the right one).
    [ThreadStatic] private static ReaderSlot? t_slot;

    /// <summary>The byte freed mappings are filled with when <see cref="PoisonOnFree"/> is set (include/linux/poison.h:POISON_FREE).</summary>
    internal const byte FreePoison = 0x6b;

    /// <summary>
    /// Fill a mapping with <see cref="FreePoison"/> right before its memory is freed, so a copy that
    /// touched freed memory would see it (SLUB's poisoning, for the munmap race tests).
    /// </summary>
    internal bool PoisonOnFree { get; init; }

    /// <summary>Limit of one mapping, so a test's typo cannot ask for all of memory.</summary>
    public const ulong MaxMappingLength = 1UL << 32;

    /// <summary>Maps <paramref name="length"/> zeroed bytes (mmap(MAP_ANONYMOUS)).</summary>
    public unsafe UserMapping Map(nuint length)
    {
        if (length == 0 || length > MaxMappingLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A mapping is 1..{MaxMappingLength} bytes.");
        lock (_writers)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var mapping = new UserMapping((nuint)NativeMemory.AllocZeroed(length), length);
            UserMapping[] old = _snapshot;
            int index = ~Array.BinarySearch(old, mapping, MappingStartComparer.Instance);
            var next = new UserMapping[old.Length + 1];
            old.AsSpan(0, index).CopyTo(next);
            next[index] = mapping;
            old.AsSpan(index).CopyTo(next.AsSpan(index + 1));
            // A copy that still sees the old snapshot misses only the new mapping, which nobody
            // can have been given yet: no grace period is needed to add.
            Volatile.Write(ref _snapshot, next);
            return mapping;
        }
    }

    /// <summary>Unmaps the mapping that starts at <paramref name="address"/>; false if there is none.</summary>
    public bool Unmap(nuint address)
    {
        UserMapping removed;
        lock (_writers)
        {
            UserMapping[] old = _snapshot;
            int index = Array.BinarySearch(old, new UserMapping(address, 0), MappingStartComparer.Instance);
            if (index < 0) return false;
            removed = old[index];
            var next = new UserMapping[old.Length - 1];
            old.AsSpan(0, index).CopyTo(next);
            old.AsSpan(index + 1).CopyTo(next.AsSpan(index));
            Volatile.Write(ref _snapshot, next);
            WaitForReaders();
        }
        // SAFETY: the mapping is in no snapshot any more and every copy that could have found it
        // in an older one has left (WaitForReaders), so nothing touches these bytes again.
        Free(removed);
        return true;
    }

    /// <summary>Number of live mappings (a leak check for tests).</summary>
    public int MappingCount => Volatile.Read(ref _snapshot).Length;

    /// <summary>Copies <paramref name="source"/> to user memory at <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes NOT copied, as copy_to_user returns: 0 on success.</returns>
    public nuint CopyToUser(nuint destination, ReadOnlySpan<byte> source) =>
        CopyToUser(SlotForCurrentThread(), destination, source);

    // slot: the calling thread's slot for this address space (SlotForCurrentThread).
    internal unsafe nuint CopyToUser(ReaderSlot slot, nuint destination, ReadOnlySpan<byte> source)
    {
        // mirrors include/linux/uaccess.h:copy_to_user (returns bytes not copied)
        UserMapping[] mappings = EnterCopy(slot);
        if (InOneMapping(mappings, destination, (nuint)source.Length))
        {
            // The common case, straight-line: one buffer inside one mapping. Nothing here can throw
            // (the spans have the same length), so no try/finally is needed for the slot.
            // SAFETY: [destination, destination + length) lies inside a mapping of the snapshot this
            // copy entered with, and Unmap frees no mapping before this thread's slot says it left.
            UserCopy.Copy(source, new Span<byte>((void*)destination, source.Length));
            slot.Leave();
            return 0;
        }
        return CopyToUserPiecewise(slot, mappings, destination, source);
    }

    // A range over several mappings, or one that faults part-way: copy mapping by mapping.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe nuint CopyToUserPiecewise(ReaderSlot slot, UserMapping[] mappings, nuint destination, ReadOnlySpan<byte> source)
    {
        nuint copied = 0;
        nuint wanted = (nuint)source.Length;
        try
        {
            while (copied < wanted)
            {
                nuint address = destination + copied;
                if (address < destination) break; // wrapped around the address space
                if (!TryFind(mappings, address, out UserMapping m)) break;
                nuint chunk = Math.Min(wanted - copied, m.End - address);
                // SAFETY: as in CopyToUser, the range is inside a mapping that stays allocated until
                // this thread's slot says the copy left.
                UserCopy.Copy(source.Slice((int)copied, (int)chunk), new Span<byte>((void*)address, (int)chunk));
                copied += chunk;
            }
        }
        finally { slot.Leave(); } // a slot left odd would stall every Unmap
        return wanted - copied;
    }

    /// <summary>Copies user memory at <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes NOT copied, as copy_from_user returns: 0 on success.</returns>
    public nuint CopyFromUser(Span<byte> destination, nuint source) =>
        CopyFromUser(SlotForCurrentThread(), destination, source);

    // slot: the calling thread's slot for this address space (SlotForCurrentThread).
    internal unsafe nuint CopyFromUser(ReaderSlot slot, Span<byte> destination, nuint source)
    {
        // mirrors include/linux/uaccess.h:copy_from_user
        UserMapping[] mappings = EnterCopy(slot);
        if (InOneMapping(mappings, source, (nuint)destination.Length))
        {
            // As in CopyToUser: the common case, straight-line, nothing that can throw.
            // SAFETY: the range lies inside a mapping that stays allocated until this thread's slot
            // says the copy left.
            UserCopy.Copy(new ReadOnlySpan<byte>((void*)source, destination.Length), destination);
            slot.Leave();
            return 0;
        }
        return CopyFromUserPiecewise(slot, mappings, destination, source);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe nuint CopyFromUserPiecewise(ReaderSlot slot, UserMapping[] mappings, Span<byte> destination, nuint source)
    {
        // The uncopied tail is zeroed as _copy_from_user does, so no stale kernel bytes leak
        // through a short copy.
        nuint copied = 0;
        nuint wanted = (nuint)destination.Length;
        try
        {
            while (copied < wanted)
            {
                nuint address = source + copied;
                if (address < source) break;
                if (!TryFind(mappings, address, out UserMapping m)) break;
                nuint chunk = Math.Min(wanted - copied, m.End - address);
                // SAFETY: as in CopyToUser.
                UserCopy.Copy(new ReadOnlySpan<byte>((void*)address, (int)chunk), destination.Slice((int)copied, (int)chunk));
                copied += chunk;
            }
        }
        finally { slot.Leave(); } // a slot left odd would stall every Unmap
        destination.Slice((int)copied).Clear();
        return wanted - copied;
    }

    // True when [address, address + length) lies inside one mapping of the snapshot (and does not
    // wrap around the address space).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool InOneMapping(UserMapping[] mappings, nuint address, nuint length)
    {
        nuint end = address + length;
        return end >= address && TryFind(mappings, address, out UserMapping m) && end <= m.End;
    }

    /// <summary>
    /// mirrors lib/strncpy_from_user.c:strncpy_from_user: copies the NUL-terminated string at
    /// <paramref name="source"/> into <paramref name="destination"/> (without the NUL). Returns its
    /// length; <paramref name="destination"/>'s length when no NUL came within it; -EFAULT when a byte
    /// before the NUL is unmapped.
    /// </summary>
    internal int StrncpyFromUser(Span<byte> destination, nuint source)
    {
        const int Chunk = 256;
        int done = 0;
        while (done < destination.Length)
        {
            int want = Math.Min(Chunk, destination.Length - done);
            Span<byte> piece = destination.Slice(done, want);
            nuint missing = CopyFromUser(piece, source + (nuint)done);
            int got = want - (int)missing;
            int nul = piece[..got].IndexOf((byte)0);
            if (nul >= 0) return done + nul;
            if (missing != 0) return -(int)Errno.EFAULT;
            done += want;
        }
        return destination.Length;
    }

    /// <summary>True when every byte of [address, address + length) is mapped (access_ok plus residency).</summary>
    public bool IsMapped(nuint address, nuint length)
    {
        // Touches no user byte, so a snapshot is enough: no slot, no grace period to respect.
        UserMapping[] mappings = Volatile.Read(ref _snapshot);
        nuint done = 0;
        while (done < length)
        {
            nuint a = address + done;
            if (a < address || !TryFind(mappings, a, out UserMapping m)) return false;
            done += Math.Min(length - done, m.End - a);
        }
        return true;
    }

    /// <summary>Unmaps everything (exit_mmap).</summary>
    public void Dispose()
    {
        UserMapping[] old;
        lock (_writers)
        {
            if (_disposed) return;
            _disposed = true;
            old = _snapshot;
            Volatile.Write(ref _snapshot, []);
            WaitForReaders();
        }
        // SAFETY: as in Unmap: no snapshot holds these mappings and no copy that saw one is left.
        foreach (UserMapping m in old) Free(m);
    }

    // Callers guarantee the grace period has passed: nothing can touch the mapping any more.
    private unsafe void Free(UserMapping mapping)
    {
        if (PoisonOnFree)
        {
            // SAFETY: [Address, Address + Length) is the block Map allocated for this mapping, still
            // allocated (it is freed just below, once) and touched by nobody else (the caller's grace period).
            for (nuint done = 0; done < mapping.Length; done += int.MaxValue)
                new Span<byte>((void*)(mapping.Address + done), (int)Math.Min(mapping.Length - done, int.MaxValue)).Fill(FreePoison);
        }
        // SAFETY: Address is the start of the block Map got from NativeMemory.AllocZeroed; each mapping
        // leaves the snapshot once (under _writers), so it is freed once.
        NativeMemory.Free((void*)mapping.Address);
    }

    // Marks the calling thread inside a copy and returns the snapshot it may use until Leave.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private UserMapping[] EnterCopy(ReaderSlot slot)
    {
        Debug.Assert(slot.Owner == this && slot.Thread == Environment.CurrentManagedThreadId, "a copy uses its own thread's slot");
        slot.Enter();
        // The slot's store is ordered before this load for Unmap by its process-wide barrier
        // (see WaitForReaders), so this is a plain acquire load.
        return Volatile.Read(ref _snapshot);
    }

    /// <summary>The calling thread's slot for copies with this address space (registered on first use).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal ReaderSlot SlotForCurrentThread()
    {
        ReaderSlot? slot = t_slot;
        return slot is not null && slot.Owner == this ? slot : SlotForThisThread();
    }

    private ReaderSlot SlotForThisThread()
    {
        int thread = Environment.CurrentManagedThreadId;
        ReaderSlot? slot = FindSlot(Volatile.Read(ref _readers), thread);
        if (slot is null)
        {
            // Not _writers: a thread's first copy must not wait behind an Unmap's grace period
            // (which may itself be waiting for a thread that waits for this one).
            lock (_registry)
            {
                // Managed thread ids are reused only after their thread is gone, and a gone
                // thread is outside every copy, so one slot per id serves every thread of that id.
                slot = FindSlot(_readers, thread);
                if (slot is null)
                {
                    slot = new ReaderSlot(this, thread);
                    Volatile.Write(ref _readers, [.. _readers, slot]);
                }
            }
            // Orders the registration before this thread's first snapshot load. With the barrier
            // in WaitForReaders it is the store-buffer pattern fenced on both sides: either an
            // Unmap sees this slot, or this thread's copies see that Unmap's new snapshot.
            Interlocked.MemoryBarrier();
        }
        t_slot = slot;
        return slot;
    }

    private static ReaderSlot? FindSlot(ReaderSlot[] readers, int thread)
    {
        foreach (ReaderSlot candidate in readers)
            if (candidate.Thread == thread) return candidate;
        return null;
    }

    // The grace period (synchronize_rcu): called under _writers after a new snapshot is published.
    private void WaitForReaders()
    {
        // A copy stores its slot's odd sequence and then loads the snapshot, with no fence between
        // (the point: no atomic on the read side). The process-wide barrier (membarrier(2) on
        // Linux) runs a full fence on every CPU, so after it either that store is visible here, or
        // the copy's load comes after the fence and sees the new snapshot, without the mapping.
        Interlocked.MemoryBarrierProcessWide();
        foreach (ReaderSlot slot in Volatile.Read(ref _readers))
        {
            long sequence = slot.Sequence;
            if ((sequence & 1) == 0) continue; // outside a copy: a later copy sees the new snapshot
            // Inside a copy that may hold the old snapshot: wait for it to leave (copies are short
            // and never block, so this is bounded by one copy, or a GC pause).
            var spinner = new SpinWait();
            while (slot.Sequence == sequence) spinner.SpinOnce();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] // on every copy; a call spills its out parameter
    private static bool TryFind(UserMapping[] mappings, nuint address, out UserMapping mapping)
    {
        // Binary search for the mapping containing address.
        int lo = 0, hi = mappings.Length - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            UserMapping m = mappings[mid];
            if (address < m.Address) hi = mid - 1;
            else if (address >= m.End) lo = mid + 1;
            else { mapping = m; return true; }
        }
        mapping = default;
        return false;
    }

    /// <summary>
    /// One thread's read-side marker for one UserMemory: an odd <see cref="Sequence"/> while the
    /// thread is inside a copy. Only its thread writes it, with plain (release) stores.
    /// </summary>
    internal sealed class ReaderSlot(UserMemory owner, int thread)
    {
        private long _sequence;

        public UserMemory Owner { get; } = owner;
        public int Thread { get; } = thread;

        /// <summary>The owning process's task on this thread (UserProcess.EnterTask), made on its first syscall here.</summary>
        public TaskContext? Task;
        public long Sequence => Volatile.Read(ref _sequence);

        // Copies do not nest (nothing inside a copy calls out), so the sequence alternates.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Enter() => Volatile.Write(ref _sequence, _sequence + 1);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Leave() => Volatile.Write(ref _sequence, _sequence + 1);
    }

    private sealed class MappingStartComparer : IComparer<UserMapping>
    {
        public static readonly MappingStartComparer Instance = new();
        public int Compare(UserMapping x, UserMapping y) => x.Address.CompareTo(y.Address);
    }
}
