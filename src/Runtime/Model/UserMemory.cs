using System;
using System.Collections.Generic;
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
/// copy_to_user/copy_from_user go through <see cref="CopyToUser"/>/<see cref="CopyFromUser"/>,
/// which fault (copy short) at the first byte outside every mapping, so a bad pointer or length
/// reaches a handler as EFAULT instead of crashing the process.
/// </summary>
public sealed unsafe class UserMemory : IDisposable
{
    // Copies hold the read lock, munmap the write lock: a mapping is never freed while a copy
    // touches it, which is what page-table refcounts guarantee in the real kernel. A copy is on
    // every read and write, so the read side is two atomic operations (MappingLock), not a
    // ReaderWriterLockSlim (whose read side was 17% of a dispatched 64-byte read, docs/PERFORMANCE.md).
    private readonly MappingLock _lock = new();
    private readonly List<UserMapping> _mappings = new(); // sorted by Address, disjoint
    private bool _disposed;

    /// <summary>Limit of one mapping, so a test's typo cannot ask for all of memory.</summary>
    public const ulong MaxMappingLength = 1UL << 32;

    /// <summary>Maps <paramref name="length"/> zeroed bytes (mmap(MAP_ANONYMOUS)).</summary>
    public UserMapping Map(nuint length)
    {
        if (length == 0 || length > MaxMappingLength)
            throw new ArgumentOutOfRangeException(nameof(length), length, $"A mapping is 1..{MaxMappingLength} bytes.");
        _lock.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var mapping = new UserMapping((nuint)NativeMemory.AllocZeroed(length), length);
            int index = _mappings.BinarySearch(mapping, MappingStartComparer.Instance);
            _mappings.Insert(~index, mapping);
            return mapping;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Unmaps the mapping that starts at <paramref name="address"/>; false if there is none.</summary>
    public bool Unmap(nuint address)
    {
        _lock.EnterWriteLock();
        try
        {
            int index = IndexOfStart(address);
            if (index < 0) return false;
            NativeMemory.Free((void*)_mappings[index].Address);
            _mappings.RemoveAt(index);
            return true;
        }
        finally { _lock.ExitWriteLock(); }
    }

    /// <summary>Number of live mappings (a leak check for tests).</summary>
    public int MappingCount
    {
        get
        {
            _lock.EnterReadLock();
            try { return _mappings.Count; }
            finally { _lock.ExitReadLock(); }
        }
    }

    /// <summary>Copies <paramref name="source"/> to user memory at <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes NOT copied, as copy_to_user returns: 0 on success.</returns>
    public nuint CopyToUser(nuint destination, ReadOnlySpan<byte> source)
    {
        // mirrors include/linux/uaccess.h:copy_to_user (returns bytes not copied)
        _lock.EnterReadLock();
        try
        {
            nuint copied = 0;
            nuint wanted = (nuint)source.Length;
            while (copied < wanted)
            {
                nuint address = destination + copied;
                if (address < destination) break; // wrapped around the address space
                if (!TryFind(address, out UserMapping m)) break;
                nuint chunk = Math.Min(wanted - copied, m.End - address);
                // SAFETY: [address, address + chunk) lies inside a live mapping and the read
                // lock keeps it mapped until the copy ends.
                source.Slice((int)copied, (int)chunk).CopyTo(new Span<byte>((void*)address, (int)chunk));
                copied += chunk;
            }
            return wanted - copied;
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Copies user memory at <paramref name="source"/> into <paramref name="destination"/>.</summary>
    /// <returns>The number of bytes NOT copied, as copy_from_user returns: 0 on success.</returns>
    public nuint CopyFromUser(Span<byte> destination, nuint source)
    {
        // mirrors include/linux/uaccess.h:copy_from_user; the uncopied tail is zeroed as
        // _copy_from_user does, so no stale kernel bytes leak through a short copy.
        _lock.EnterReadLock();
        try
        {
            nuint copied = 0;
            nuint wanted = (nuint)destination.Length;
            while (copied < wanted)
            {
                nuint address = source + copied;
                if (address < source) break;
                if (!TryFind(address, out UserMapping m)) break;
                nuint chunk = Math.Min(wanted - copied, m.End - address);
                // SAFETY: as in CopyToUser, the range is inside a live mapping under the read lock.
                new ReadOnlySpan<byte>((void*)address, (int)chunk).CopyTo(destination.Slice((int)copied, (int)chunk));
                copied += chunk;
            }
            destination.Slice((int)copied).Clear();
            return wanted - copied;
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>True when every byte of [address, address + length) is mapped (access_ok plus residency).</summary>
    public bool IsMapped(nuint address, nuint length)
    {
        _lock.EnterReadLock();
        try
        {
            nuint done = 0;
            while (done < length)
            {
                nuint a = address + done;
                if (a < address || !TryFind(a, out UserMapping m)) return false;
                done += Math.Min(length - done, m.End - a);
            }
            return true;
        }
        finally { _lock.ExitReadLock(); }
    }

    /// <summary>Unmaps everything (exit_mmap).</summary>
    public void Dispose()
    {
        _lock.EnterWriteLock();
        try
        {
            if (_disposed) return;
            _disposed = true;
            foreach (UserMapping m in _mappings) NativeMemory.Free((void*)m.Address);
            _mappings.Clear();
        }
        finally { _lock.ExitWriteLock(); }
    }

    private bool TryFind(nuint address, out UserMapping mapping)
    {
        // Binary search for the last mapping starting at or before address.
        int lo = 0, hi = _mappings.Count - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >>> 1;
            UserMapping m = _mappings[mid];
            if (address < m.Address) hi = mid - 1;
            else if (address >= m.End) lo = mid + 1;
            else { mapping = m; return true; }
        }
        mapping = default;
        return false;
    }

    private int IndexOfStart(nuint address)
    {
        int index = _mappings.BinarySearch(new UserMapping(address, 0), MappingStartComparer.Instance);
        return index >= 0 ? index : -1;
    }

    /// <summary>
    /// A reader-writer lock for a read-mostly structure: readers are a count in <c>_state</c>
    /// (one CAS in, one decrement out); a writer, serialised with other writers by a Lock, sets
    /// <see cref="WriterBit"/> so no new reader enters, then waits for the readers inside to leave.
    /// Not recursive: no UserMemory method takes it while holding it, and none calls out under it.
    /// </summary>
    private sealed class MappingLock
    {
        private const int WriterBit = 1 << 30;
        private readonly Lock _writers = new();
        private int _state;

        public void EnterReadLock()
        {
            int s = Volatile.Read(ref _state);
            if ((s & WriterBit) == 0 && Interlocked.CompareExchange(ref _state, s + 1, s) == s) return;
            EnterReadLockSlow();
        }

        private void EnterReadLockSlow()
        {
            var spinner = new SpinWait();
            while (true)
            {
                int s = Volatile.Read(ref _state);
                if ((s & WriterBit) == 0 && Interlocked.CompareExchange(ref _state, s + 1, s) == s) return;
                spinner.SpinOnce();
            }
        }

        public void ExitReadLock() => Interlocked.Decrement(ref _state);

        public void EnterWriteLock()
        {
            _writers.Enter();
            Interlocked.Or(ref _state, WriterBit);
            var spinner = new SpinWait();
            while (Volatile.Read(ref _state) != WriterBit) spinner.SpinOnce();
        }

        public void ExitWriteLock()
        {
            Interlocked.And(ref _state, ~WriterBit);
            _writers.Exit();
        }
    }

    private sealed class MappingStartComparer : IComparer<UserMapping>
    {
        public static readonly MappingStartComparer Instance = new();
        public int Compare(UserMapping x, UserMapping y) => x.Address.CompareTo(y.Address);
    }
}
