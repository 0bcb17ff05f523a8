using System;
using System.Collections.Generic;
using KernelOps.Model;

namespace KernelOps;

/// <summary>
/// A user buffer the kernel reads from (the <c>const char __user *buf</c> of a write): the C#
/// rendering of rust/kernel/uaccess.rs <c>UserSliceReader</c>. Every access is a
/// copy_from_user against the calling task's address space: an unmapped byte gives
/// <see cref="Errno.EFAULT"/>, never a crash. A ref struct, so nothing keeps it past the call.
/// </summary>
[Abi.CallScoped]
public ref struct UserSliceReader
{
    // The calling thread's copy slot for the address space (null: every access faults). A ref
    // struct never leaves the thread that made it, so the slot stays that thread's.
    private readonly UserMemory.ReaderSlot? _space;
    private nuint _address;
    private nuint _remaining;

    /// <summary>A reader over <paramref name="length"/> bytes at user address <paramref name="address"/>.</summary>
    /// <param name="memory">The address space to copy from; null faults every access.</param>
    public UserSliceReader(UserMemory? memory, nuint address, nuint length)
        : this(memory?.SlotForCurrentThread(), address, length)
    {
    }

    // For thunks: the current task's slot, found with one thread-static read.
    internal UserSliceReader(UserMemory.ReaderSlot? space, nuint address, nuint length)
    {
        _space = space;
        _address = address;
        _remaining = length;
    }

    /// <summary>Bytes not yet read.</summary>
    public readonly nuint Length => _remaining;

    /// <summary>True when nothing is left to read.</summary>
    public readonly bool IsEmpty => _remaining == 0;

    /// <summary>
    /// Fills all of <paramref name="destination"/>, or fails with EFAULT when the slice is shorter
    /// or a byte is unmapped (the slice then advances past what was copied, as a partial
    /// copy_from_user leaves it).
    /// </summary>
    public KResult Read(scoped Span<byte> destination)
    {
        if ((nuint)destination.Length > _remaining) return Errno.EFAULT;
        nuint notCopied = CopyIn(destination);
        return notCopied == 0 ? KResult.Ok : Errno.EFAULT;
    }

    /// <summary>
    /// Copies as much as is available and mapped into <paramref name="destination"/>, like a
    /// short copy_from_user. Returns the count, or EFAULT when nothing could be copied but
    /// something was asked for.
    /// </summary>
    public KResult<nuint> ReadSome(scoped Span<byte> destination)
    {
        int wanted = (int)Math.Min((nuint)destination.Length, _remaining);
        if (wanted == 0) return (nuint)0;
        nuint notCopied = CopyIn(destination[..wanted]);
        nuint copied = (nuint)wanted - notCopied;
        return copied == 0 ? Errno.EFAULT : copied;
    }

    /// <summary>Appends the whole rest of the slice to <paramref name="destination"/>; EFAULT on a fault (nothing appended then).</summary>
    public KResult ReadAll(List<byte> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        if (_remaining > (nuint)Array.MaxLength) return Errno.ENOMEM;
        Span<byte> chunk = stackalloc byte[512];
        int start = destination.Count;
        while (_remaining > 0)
        {
            int n = (int)Math.Min((nuint)chunk.Length, _remaining);
            if (CopyIn(chunk[..n]) != 0)
            {
                destination.RemoveRange(start, destination.Count - start);
                return Errno.EFAULT;
            }
            destination.AddRange(chunk[..n]);
        }
        return KResult.Ok;
    }

    /// <summary>
    /// mirrors fs/libfs.c:simple_write_to_buffer: the one-liner of a write handler into a kernel
    /// buffer, <c>return source.SimpleWriteToBuffer(buffer, ref position);</c>. Copies the slice
    /// into <paramref name="buffer"/> at <paramref name="position"/>, as much as fits before its end,
    /// advances the position by what was copied and returns that count: 0 when the position is at
    /// or past the end or the slice is empty, EINVAL for a negative position, EFAULT when not one
    /// byte could be copied (a partial fault copies and counts the bytes before it).
    /// </summary>
    public KResult<nuint> SimpleWriteToBuffer(scoped Span<byte> buffer, ref long position)
    {
        long pos = position;
        if (pos < 0) return Errno.EINVAL;
        if (pos >= buffer.Length || _remaining == 0) return (nuint)0;
        int count = (int)Math.Min((nuint)(buffer.Length - (int)pos), _remaining);
        nuint notCopied = CopyIn(buffer.Slice((int)pos, count));
        if (notCopied == (nuint)count) return Errno.EFAULT;
        nuint copied = (nuint)count - notCopied;
        position = pos + (long)copied;
        return copied;
    }

    /// <summary>Skips <paramref name="count"/> bytes without reading them; EFAULT if the slice is shorter.</summary>
    public KResult Skip(nuint count)
    {
        if (count > _remaining) return Errno.EFAULT;
        _address += count;
        _remaining -= count;
        return KResult.Ok;
    }

    private nuint CopyIn(scoped Span<byte> destination)
    {
        nuint wanted = (nuint)destination.Length;
        nuint notCopied;
        if (_space is null)
        {
            destination.Clear();
            notCopied = wanted;
        }
        else
        {
            notCopied = _space.Owner.CopyFromUser(_space, destination, _address);
        }
        nuint copied = wanted - notCopied;
        _address += copied;
        _remaining -= copied;
        return notCopied;
    }
}

/// <summary>
/// A user buffer the kernel writes into (the <c>char __user *buf</c> of a read): the C#
/// rendering of rust/kernel/uaccess.rs <c>UserSliceWriter</c>. Every access is a copy_to_user
/// against the calling task's address space: an unmapped byte gives <see cref="Errno.EFAULT"/>.
/// </summary>
[Abi.CallScoped]
public ref struct UserSliceWriter
{
    // As in UserSliceReader: this thread's copy slot for the address space, or null.
    private readonly UserMemory.ReaderSlot? _space;
    private nuint _address;
    private nuint _remaining;

    /// <summary>A writer over <paramref name="length"/> bytes at user address <paramref name="address"/>.</summary>
    /// <param name="memory">The address space to copy to; null faults every access.</param>
    public UserSliceWriter(UserMemory? memory, nuint address, nuint length)
        : this(memory?.SlotForCurrentThread(), address, length)
    {
    }

    // For thunks: the current task's slot, found with one thread-static read.
    internal UserSliceWriter(UserMemory.ReaderSlot? space, nuint address, nuint length)
    {
        _space = space;
        _address = address;
        _remaining = length;
    }

    /// <summary>Room left in the user buffer.</summary>
    public readonly nuint Length => _remaining;

    /// <summary>True when the user buffer is full.</summary>
    public readonly bool IsEmpty => _remaining == 0;

    /// <summary>
    /// Writes all of <paramref name="source"/>, or fails with EFAULT when it does not fit or a byte
    /// is unmapped (the bytes before the fault stay written, as with copy_to_user). It neither
    /// counts nor moves a position: a read handler returns the count and advances its position
    /// itself, or uses <see cref="SimpleReadFromBuffer"/>, which does both.
    /// </summary>
    public KResult Write(scoped ReadOnlySpan<byte> source)
    {
        if ((nuint)source.Length > _remaining) return Errno.EFAULT;
        return CopyOut(source) == 0 ? KResult.Ok : Errno.EFAULT;
    }

    /// <summary>
    /// Writes as much of <paramref name="source"/> as fits and is mapped, as
    /// simple_read_from_buffer does. Returns the count, or EFAULT when nothing could be written
    /// but something was offered.
    /// </summary>
    public KResult<nuint> WriteSome(scoped ReadOnlySpan<byte> source)
    {
        int wanted = (int)Math.Min((nuint)source.Length, _remaining);
        if (wanted == 0) return (nuint)0;
        nuint notCopied = CopyOut(source[..wanted]);
        nuint copied = (nuint)wanted - notCopied;
        return copied == 0 ? Errno.EFAULT : copied;
    }

    /// <summary>
    /// mirrors fs/libfs.c:simple_read_from_buffer: the one-liner of a read handler serving a kernel
    /// buffer, <c>return destination.SimpleReadFromBuffer(ref position, buffer);</c>. Copies
    /// <paramref name="buffer"/> from <paramref name="position"/> into the user buffer, as much as
    /// fits, advances the position by what was copied and returns that count: 0 (end of file) when
    /// the position is at or past the end or the user buffer is full, EINVAL for a negative
    /// position, EFAULT when not one byte could be copied (a partial fault copies and counts the
    /// bytes before it). Successive reads therefore walk the buffer and <c>cat</c> ends.
    /// </summary>
    public KResult<nuint> SimpleReadFromBuffer(ref long position, scoped ReadOnlySpan<byte> buffer)
    {
        long pos = position;
        if (pos < 0) return Errno.EINVAL;
        if (pos >= buffer.Length || _remaining == 0) return (nuint)0;
        int count = (int)Math.Min((nuint)(buffer.Length - (int)pos), _remaining);
        nuint notCopied = CopyOut(buffer.Slice((int)pos, count));
        if (notCopied == (nuint)count) return Errno.EFAULT;
        nuint copied = (nuint)count - notCopied;
        position = pos + (long)copied;
        return copied;
    }

    private nuint CopyOut(scoped ReadOnlySpan<byte> source)
    {
        nuint wanted = (nuint)source.Length;
        nuint notCopied = _space is null ? wanted : _space.Owner.CopyToUser(_space, _address, source);
        nuint copied = wanted - notCopied;
        _address += copied;
        _remaining -= copied;
        return notCopied;
    }
}
