using System;
using System.ComponentModel;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

// debugfs callback files with compile-time "pointer smuggling" (rust/kernel/debugfs/callback_adapters.rs).
// A callback is a stateless readonly struct; its type alone says which code runs. The generator
// turns a [DebugFsCallbackFile] struct into one static file_operations table (TCallback.Table)
// whose thunks call the generic operations below with TCallback as a type argument; they make the
// callback from nothing (default(TCallback), the C# materialize_zst) and call it with the file's
// data word. At run time only the data word is stored: no table is built and nothing is allocated.

/// <summary>
/// Generates the debugfs callback file table for a <c>readonly partial struct</c> implementing
/// <see cref="IDebugFsReadCallback{TData}"/> and/or <see cref="IDebugFsWriteCallback{TData}"/>: a
/// static <c>Table</c> (the <see cref="IDebugFsCallbackFile.Table"/> the interfaces require) whose
/// read, write and llseek slots call the callback. The slots are described here, as data the
/// generator reads (<see cref="SlotFromInterfaceAttribute"/>), not in the generator.
/// </summary>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
[OpsTableKind(typeof(FileOperations))]
[SlotFromInterface("read", typeof(IDebugFsReadCallback<>), typeof(DebugFsCallbackRead<,>))]
[SlotFromInterface("write", typeof(IDebugFsWriteCallback<>), typeof(DebugFsCallbackWrite<,>))]
[SlotFromInterface("llseek", typeof(IDebugFsCallbackFile), typeof(DebugFsCallbackLlseek<>))]
public sealed class DebugFsCallbackFileAttribute : Attribute;

/// <summary>
/// A debugfs callback type: a stateless readonly struct (KOPS0011) whose generated
/// <see cref="Table"/> is the file's <c>struct file_operations</c>.
/// </summary>
[MaterializedFromNothing]
public interface IDebugFsCallbackFile
{
    /// <summary>The table generated for the type by <see cref="DebugFsCallbackFileAttribute"/>.</summary>
    static abstract OpsTable<FileOperations> Table { get; }
}

/// <summary>
/// A read callback: formats <typeparamref name="TData"/> as the file's text. Called on
/// <c>default(TSelf)</c>, so the implementing struct must carry no state (KOPS0011).
/// </summary>
[MaterializedFromNothing]
public interface IDebugFsReadCallback<TData> : IDebugFsCallbackFile where TData : class
{
    /// <summary>Writes the file's contents for one read; an error fails the read with that errno.</summary>
    KResult Read(TData data, ref DebugFsTextWriter output);
}

/// <summary>
/// A write callback: handles the bytes of one write(2) (at most a page). Called on
/// <c>default(TSelf)</c>, so the implementing struct must carry no state (KOPS0011).
/// </summary>
[MaterializedFromNothing]
public interface IDebugFsWriteCallback<TData> : IDebugFsCallbackFile where TData : class
{
    /// <summary>Handles the input; an error fails the write with that errno, success consumes all of it.</summary>
    KResult Write(TData data, ReadOnlySpan<byte> input);
}

/// <summary>The shared halves of debugfs text files (callback and File API files).</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DebugFsText
{
    /// <summary>The most text one read formats and one write accepts: PAGE_SIZE.</summary>
    public const int PageSize = 4096;

    /// <summary>
    /// The read of a text file whose text is formatted per read (<paramref name="fresh"/>):
    /// mirrors fs/seq_file.c:seq_read_iter for a single_open file, as the Rust debugfs files use.
    /// A read that continues the previous one (its position is where that one ended) copies from
    /// the text formatted then, so a reader never gets the head of one value and the tail of the
    /// next; a read at 0, or anywhere else, formats afresh (seq_file's traverse). The text is kept
    /// with the open file, so this allocates once per open, on its first read.
    /// </summary>
    public static unsafe KResult<nuint> ReadFormatted(FileRef file, ref UserSliceWriter destination, ref long position, scoped ReadOnlySpan<byte> fresh)
    {
        if (position < 0) return Errno.EINVAL;
        // Raw files built by tests have no model record: format per read.
        // SAFETY: file is the handler's borrowed file, live for this read.
        if (OpenFile.FromNative(file.Pointer) is not { } open || fresh.Length > PageSize)
            return destination.SimpleReadFromBuffer(ref position, fresh);
        ReadSnapshot snapshot = LazyInitializer.EnsureInitialized(ref open.TextSnapshot);
        lock (snapshot.Lock)
        {
            if (position == 0 || position != snapshot.ReadPosition)
            {
                fresh.CopyTo(snapshot.Text);
                snapshot.Length = fresh.Length;
            }
            KResult<nuint> copied = destination.SimpleReadFromBuffer(ref position, snapshot.Text.AsSpan(0, snapshot.Length));
            snapshot.ReadPosition = position;
            return copied;
        }
    }

    /// <summary>
    /// Copies a whole write into <paramref name="buffer"/> (copy_from_user); EINVAL when it is longer
    /// than the buffer, EFAULT on a fault. Returns the bytes copied.
    /// </summary>
    public static KResult<nuint> CopyInput(ref UserSliceReader source, scoped Span<byte> buffer)
    {
        if (source.Length > (nuint)buffer.Length) return Errno.EINVAL;
        int n = (int)source.Length;
        KResult r = source.Read(buffer[..n]);
        return r.IsOk ? (nuint)n : r.Error;
    }
}

/// <summary>The read slot of a callback file: formats with <c>default(TCallback).Read</c>, then simple_read_from_buffer.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct DebugFsCallbackRead<TCallback, TData> : IReadOperation
    where TCallback : struct, IDebugFsReadCallback<TData>
    where TData : class
{
    /// <inheritdoc/>
    public static string HandlerName => typeof(TCallback).FullName + ".Read";

    /// <inheritdoc/>
    public static KResult<nuint> Invoke(FileRef file, UserSliceWriter destination, ref long position)
    {
        // i_private cannot be gone here: the full proxy lets no call through after removal.
        if (file.Inode.Data<TData>() is not { } data) return Errno.EIO;
        Span<byte> buffer = stackalloc byte[DebugFsText.PageSize];
        var output = new DebugFsTextWriter(buffer);
        // materialize_zst: TCallback has no state (KOPS0011), so default is the only value there is.
        KResult result = default(TCallback).Read(data, ref output);
        if (!result.IsOk) return result.Error;
        if (output.Overflowed) return Errno.ENOMEM;
        return DebugFsText.ReadFormatted(file, ref destination, ref position, output.Written);
    }
}

/// <summary>The write slot of a callback file: copies the input, then calls <c>default(TCallback).Write</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct DebugFsCallbackWrite<TCallback, TData> : IWriteOperation
    where TCallback : struct, IDebugFsWriteCallback<TData>
    where TData : class
{
    /// <inheritdoc/>
    public static string HandlerName => typeof(TCallback).FullName + ".Write";

    /// <inheritdoc/>
    public static KResult<nuint> Invoke(FileRef file, UserSliceReader source, ref long position)
    {
        if (file.Inode.Data<TData>() is not { } data) return Errno.EIO;
        Span<byte> buffer = stackalloc byte[DebugFsText.PageSize];
        KResult<nuint> copied = DebugFsText.CopyInput(ref source, buffer);
        if (!copied.TryGetValue(out nuint n)) return copied;
        KResult result = default(TCallback).Write(data, buffer[..(int)n]);
        // rust/kernel/debugfs/file_ops.rs:write: on success the whole input is consumed; the position is not moved.
        return result.IsOk ? n : result.Error;
    }
}

/// <summary>The llseek slot of a callback file: fs/read_write.c:default_llseek, as simple_open'd debugfs files have.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct DebugFsCallbackLlseek<TCallback> : ILseekOperation
    where TCallback : struct, IDebugFsCallbackFile
{
    /// <inheritdoc/>
    public static string HandlerName => typeof(TCallback).FullName + ".llseek";

    /// <inheritdoc/>
    public static KResult<long> Invoke(FileRef file, long offset, Whence whence) =>
        Llseek.DefaultLlseek(file, offset, whence, file.Inode.Size);
}
