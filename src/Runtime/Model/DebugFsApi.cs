using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A value a debugfs file shows as text and sets from text: the data of File API files and of
/// Scope API files. Thread-safe; several files may refer to one value.
/// </summary>
public abstract class DebugFsValue
{
    private protected DebugFsValue() { }

    /// <summary>Formats the current value followed by a newline.</summary>
    public abstract void Format(ref DebugFsTextWriter output);

    /// <summary>Parses <paramref name="text"/> and stores it; on any error the old value is kept.</summary>
    public abstract KResult Parse(ReadOnlySpan<byte> text);
}

/// <summary>
/// A typed debugfs value. Supported types and their text (what Linux's debugfs helpers show and accept):
/// <list type="bullet">
/// <item><c>sbyte short int long</c> and <c>byte ushort uint ulong</c>: decimal on read; on write
/// kstrtoll/kstrtoull base 0 (<c>0x1f</c>, <c>017</c>, <c>42</c>, optional sign, one trailing
/// newline); garbage or empty input is EINVAL and a value outside the type is ERANGE (kstrtou8 and
/// friends; C's debugfs_create_u8 would silently truncate, Rust's parse rejects).</item>
/// <item><c>bool</c>: <c>Y</c>/<c>N</c> on read; kstrtobool on write (<c>1 y Y t T on</c>, <c>0 n N f F off</c>).</item>
/// <item><c>string</c>: the text on read; on write the UTF-8 input with one trailing newline removed
/// (invalid UTF-8 is EINVAL).</item>
/// </list>
/// </summary>
public sealed class DebugFsValue<T> : DebugFsValue
{
    private readonly Lock _lock = new();
    private T _value;

    /// <summary>A value holding <paramref name="initial"/>.</summary>
    /// <exception cref="NotSupportedException"><typeparamref name="T"/> is not a supported type.</exception>
    public DebugFsValue(T initial)
    {
        if (!IsSupported) throw new NotSupportedException($"debugfs values of type {typeof(T)} are not supported.");
        _value = initial;
    }

    /// <summary>True when <typeparamref name="T"/> is one of the supported types.</summary>
    public static bool IsSupported =>
        typeof(T) == typeof(sbyte) || typeof(T) == typeof(short) || typeof(T) == typeof(int) || typeof(T) == typeof(long) ||
        typeof(T) == typeof(byte) || typeof(T) == typeof(ushort) || typeof(T) == typeof(uint) || typeof(T) == typeof(ulong) ||
        typeof(T) == typeof(bool) || typeof(T) == typeof(string);

    /// <summary>The current value.</summary>
    public T Value
    {
        get { lock (_lock) return _value; }
        set { lock (_lock) _value = value; }
    }

    /// <summary>Replaces the value with <paramref name="update"/>(old) atomically and returns the new value.</summary>
    public T Update(Func<T, T> update)
    {
        ArgumentNullException.ThrowIfNull(update);
        lock (_lock) return _value = update(_value);
    }

    /// <inheritdoc/>
    public override void Format(ref DebugFsTextWriter output)
    {
        T v = Value;
        // Each branch is a constant for the JIT's instantiation: no boxing for value types.
        if (typeof(T) == typeof(bool)) output.WriteBool((bool)(object)v!);
        else if (typeof(T) == typeof(string)) output.Write((string?)(object?)v);
        else if (typeof(T) == typeof(sbyte)) output.Write((sbyte)(object)v!);
        else if (typeof(T) == typeof(short)) output.Write((short)(object)v!);
        else if (typeof(T) == typeof(int)) output.Write((int)(object)v!);
        else if (typeof(T) == typeof(long)) output.Write((long)(object)v!);
        else if (typeof(T) == typeof(byte)) output.Write((byte)(object)v!);
        else if (typeof(T) == typeof(ushort)) output.Write((ushort)(object)v!);
        else if (typeof(T) == typeof(uint)) output.Write((uint)(object)v!);
        else if (typeof(T) == typeof(ulong)) output.Write((ulong)(object)v!);
        output.NewLine();
    }

    /// <inheritdoc/>
    public override KResult Parse(ReadOnlySpan<byte> text)
    {
        KResult r = TryParse(text, out T parsed);
        if (r.IsOk) Value = parsed;
        return r;
    }

    private static KResult TryParse(ReadOnlySpan<byte> text, out T value)
    {
        value = default!;
        if (typeof(T) == typeof(bool))
        {
            KResult b = KernelStrings.ParseBool(text, out bool flag);
            if (b.IsOk) value = (T)(object)flag;
            return b;
        }
        if (typeof(T) == typeof(string))
        {
            // mirrors fs/debugfs/file.c:debugfs_write_file_str's stripping of the trailing newline
            if (text.Length > 0 && text[^1] == (byte)'\n') text = text[..^1];
            if (System.Text.Unicode.Utf8.IsValid(text) is false) return Errno.EINVAL;
            value = (T)(object)Encoding.UTF8.GetString(text);
            return KResult.Ok;
        }
        if (typeof(T) == typeof(sbyte) || typeof(T) == typeof(short) || typeof(T) == typeof(int) || typeof(T) == typeof(long))
        {
            KResult s = KernelStrings.ParseInt64(text, out long l);
            if (!s.IsOk) return s;
            // mirrors lib/kstrtox.c:kstrtos8/kstrtos16/kstrtoint: "if (tmp != (s8)tmp) return -ERANGE"
            if (typeof(T) == typeof(sbyte)) { if (l != (sbyte)l) return Errno.ERANGE; value = (T)(object)(sbyte)l; }
            else if (typeof(T) == typeof(short)) { if (l != (short)l) return Errno.ERANGE; value = (T)(object)(short)l; }
            else if (typeof(T) == typeof(int)) { if (l != (int)l) return Errno.ERANGE; value = (T)(object)(int)l; }
            else value = (T)(object)l;
            return KResult.Ok;
        }
        KResult u = KernelStrings.ParseUInt64(text, out ulong ul);
        if (!u.IsOk) return u;
        // mirrors lib/kstrtox.c:kstrtou8/kstrtou16/kstrtouint: "if (tmp != (u8)tmp) return -ERANGE"
        if (typeof(T) == typeof(byte)) { if (ul != (byte)ul) return Errno.ERANGE; value = (T)(object)(byte)ul; }
        else if (typeof(T) == typeof(ushort)) { if (ul != (ushort)ul) return Errno.ERANGE; value = (T)(object)(ushort)ul; }
        else if (typeof(T) == typeof(uint)) { if (ul != (uint)ul) return Errno.ERANGE; value = (T)(object)(uint)ul; }
        else value = (T)(object)ul;
        return KResult.Ok;
    }

    /// <inheritdoc/>
    public override string ToString() => Value?.ToString() ?? string.Empty;
}

/// <summary>
/// The file_operations of File API and Scope API value files (the C# counterpart of debugfs's
/// fops_u32 / fops_u32_ro / fops_u32_wo chosen by debugfs_create_mode_unsafe): one table per access
/// mode, shared by every value file; the value travels in <c>i_private</c>. The generator builds
/// the tables from the three handler types below, as it does for users' handlers.
/// </summary>
internal static partial class DebugFsValueFile
{
    /// <summary>mirrors fs/debugfs/file.c:debugfs_create_mode_unsafe: no read bits → the _wo fops, no write bits → _ro.</summary>
    public static OpsTable<FileOperations> TableFor(uint mode) =>
        (mode & 0x124 /* 0444 */) == 0 ? WriteOnly.Table : (mode & 0x92 /* 0222 */) == 0 ? ReadOnly.Table : ReadWrite.Table;

    /// <summary>fops_u32 and its siblings.</summary>
    [FileOperations]
    internal static partial class ReadWrite
    {
        [Read]
        private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => ReadValue(file, ref destination, ref position);

        [Write]
        private static KResult<nuint> Write(FileRef file, UserSliceReader source, ref long position) => WriteValue(file, ref source);

        [Lseek]
        private static KResult<long> Lseek(FileRef file, long offset, Whence whence) => SeekValue(file, offset, whence);
    }

    /// <summary>fops_u32_ro.</summary>
    [FileOperations]
    internal static partial class ReadOnly
    {
        [Read]
        private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => ReadValue(file, ref destination, ref position);

        [Lseek]
        private static KResult<long> Lseek(FileRef file, long offset, Whence whence) => SeekValue(file, offset, whence);
    }

    /// <summary>fops_u32_wo.</summary>
    [FileOperations]
    internal static partial class WriteOnly
    {
        [Write]
        private static KResult<nuint> Write(FileRef file, UserSliceReader source, ref long position) => WriteValue(file, ref source);

        [Lseek]
        private static KResult<long> Lseek(FileRef file, long offset, Whence whence) => SeekValue(file, offset, whence);
    }

    private static KResult<nuint> ReadValue(FileRef file, ref UserSliceWriter destination, ref long position)
    {
        if (file.Inode.Data<DebugFsValue>() is not { } value) return Errno.EIO;
        Span<byte> buffer = stackalloc byte[DebugFsText.PageSize];
        var output = new DebugFsTextWriter(buffer);
        value.Format(ref output);
        if (output.Overflowed) return Errno.ENOMEM;
        return DebugFsText.ReadFormatted(file, ref destination, ref position, output.Written);
    }

    // mirrors fs/libfs.c:simple_attr_write_xsigned: parse the whole input, claim it all on success
    private static KResult<nuint> WriteValue(FileRef file, ref UserSliceReader source)
    {
        if (file.Inode.Data<DebugFsValue>() is not { } value) return Errno.EIO;
        Span<byte> buffer = stackalloc byte[DebugFsText.PageSize];
        KResult<nuint> copied = DebugFsText.CopyInput(ref source, buffer);
        if (!copied.TryGetValue(out nuint n)) return copied;
        KResult r = value.Parse(buffer[..(int)n]);
        return r.IsOk ? n : r.Error;
    }

    private static KResult<long> SeekValue(FileRef file, long offset, Whence whence) =>
        KernelOps.Llseek.DefaultLlseek(file, offset, whence, file.Inode.Size);
}

/// <summary>
/// The File API: a debugfs file owning its <see cref="Value"/>. Disposing removes the file
/// (debugfs_remove: waits for calls in flight).
/// </summary>
public readonly struct DebugFsFile<T> : IDisposable
{
    internal DebugFsFile(DebugFsEntry entry, DebugFsValue<T> value)
    {
        Entry = entry;
        Value = value;
    }

    /// <summary>The file's dentry.</summary>
    public DebugFsEntry Entry { get; }

    /// <summary>The value the file shows and sets.</summary>
    public DebugFsValue<T> Value { get; }

    /// <summary>Removes the file.</summary>
    public void Dispose() => Entry?.Dispose();
}

/// <summary>
/// The File API with callbacks: a debugfs file owning <see cref="Data"/>, read and written by a
/// callback type. A struct wrapping the dentry: creating one allocates nothing beyond the dentry.
/// </summary>
public readonly struct DebugFsCallbackFile<TData> : IDisposable where TData : class
{
    internal DebugFsCallbackFile(DebugFsEntry entry) => Entry = entry;

    /// <summary>The file's dentry.</summary>
    public DebugFsEntry Entry { get; }

    /// <summary>The data the callbacks receive (null once the file is removed).</summary>
    public TData? Data => Entry?.Data<TData>();

    /// <summary>Removes the file.</summary>
    public void Dispose() => Entry?.Dispose();
}

/// <summary>
/// A directory in a <see cref="DebugFsScope"/>: files may refer to any values, shared or not, and
/// be created or skipped at run time; nothing here can be removed alone.
/// </summary>
public class DebugFsScopedDirectory
{
    private protected readonly DebugFs _debugFs;
    private protected readonly DebugFsEntry _directory;

    private protected DebugFsScopedDirectory(DebugFs debugFs, DebugFsEntry directory)
    {
        _debugFs = debugFs;
        _directory = directory;
    }

    /// <summary>The directory's path.</summary>
    public string Path => _directory.Path;

    /// <summary>A read-only (0444) file showing <paramref name="value"/>.</summary>
    public void ReadOnlyFile(string name, DebugFsValue value) => ValueFile(name, value, 0x124);

    /// <summary>A read-write (0644) file showing and setting <paramref name="value"/>.</summary>
    public void ReadWriteFile(string name, DebugFsValue value) => ValueFile(name, value, 0x1A4);

    /// <summary>A write-only (0200) file setting <paramref name="value"/>.</summary>
    public void WriteOnlyFile(string name, DebugFsValue value) => ValueFile(name, value, 0x80);

    /// <summary>A callback file (see <see cref="DebugFs.CreateCallbackFile{TCallback, TData}"/>) on <paramref name="data"/>.</summary>
    [PublishesTable]
    public void CallbackFile<TCallback, TData>(string name, [PublishesTable] TData data)
        where TCallback : struct, IDebugFsCallbackFile
        where TData : class =>
        _debugFs.CreateCallbackFile<TCallback, TData>(name, _directory, data);

    /// <summary>A subdirectory, removed with the scope.</summary>
    public DebugFsScopedDirectory Directory(string name) => new Sub(_debugFs, _debugFs.CreateDirectory(name, _directory));

    private void ValueFile(string name, DebugFsValue value, uint mode)
    {
        ArgumentNullException.ThrowIfNull(value);
        _debugFs.CreateFile(name, mode, _directory, DebugFsValueFile.TableFor(mode), value);
    }

    private sealed class Sub(DebugFs debugFs, DebugFsEntry directory) : DebugFsScopedDirectory(debugFs, directory);
}

/// <summary>
/// The Scope API: a debugfs directory whose files refer to data in any combination; the data stays
/// reachable while the scope lives, and <see cref="Dispose"/> removes the whole directory at once
/// (debugfs_remove, waiting for calls in flight).
/// </summary>
public sealed class DebugFsScope : DebugFsScopedDirectory, IDisposable
{
    internal DebugFsScope(DebugFs debugFs, DebugFsEntry directory) : base(debugFs, directory) { }

    /// <summary>The scope's directory entry.</summary>
    public DebugFsEntry Entry => _directory;

    /// <summary>Removes the directory and everything in it.</summary>
    public void Dispose() => _directory.Dispose();
}
