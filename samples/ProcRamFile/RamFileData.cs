using System;

namespace KernelOps.Samples.ProcRamFile;

/// <summary>
/// The bytes behind /proc/rust-proc-file, with the semantics of a file on Linux's ramfs: no holes
/// (a write past the end leaves a zero-filled gap that reads back as data), SEEK_DATA/SEEK_HOLE as
/// generic_file_llseek_size answers them, and a size limit playing the part of s_maxbytes. One
/// mutex (a KernelMutex, as the seed takes a kernel::new_mutex!) guards contents and length, so
/// concurrent writers never tear each other's bytes.
/// </summary>
public sealed class RamFileData
{
    /// <summary>Default limit: 16 MiB, a RAM file in a model, not a disk.</summary>
    public const long DefaultMaxBytes = 16L << 20;

    private readonly KernelMutex _mutex = new(); // the seed's kernel::new_mutex!
    private AlignedBytes _bytes; // 64-byte aligned: see AlignedBytes
    private long _length;

    /// <summary>Creates an empty file that may grow to <paramref name="maxBytes"/>.</summary>
    public RamFileData(long maxBytes = DefaultMaxBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBytes, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, (long)Array.MaxLength - AlignedBytes.Alignment);
        MaxBytes = maxBytes;
    }

    /// <summary>The largest size the file can reach (the s_maxbytes of this model file system).</summary>
    public long MaxBytes { get; }

    /// <summary>The current size (i_size).</summary>
    public long Length
    {
        get { using (_mutex.Lock()) return _length; }
    }

    /// <summary>
    /// Truncates to zero, as an O_TRUNC open of a regular file does, and publishes the size in
    /// <paramref name="inode"/>'s i_size.
    /// </summary>
    public void Truncate(Inode inode)
    {
        using (_mutex.Lock())
        {
            _length = 0;
            inode.Size = 0;
        }
    }

    /// <summary>Copies of the contents, for tests and the transcript.</summary>
    public byte[] Snapshot()
    {
        using (_mutex.Lock()) return _bytes.Slice(0, (int)_length).ToArray();
    }

    /// <summary>Reads at <paramref name="position"/> into the user buffer and advances it (simple_read_from_buffer).</summary>
    public KResult<nuint> Read(ref UserSliceWriter destination, ref long position)
    {
        using (_mutex.Lock()) return destination.SimpleReadFromBuffer(ref position, _bytes.Slice(0, (int)_length));
    }

    /// <summary>
    /// Writes the user buffer at <paramref name="position"/> (at the end when
    /// <paramref name="append"/>) and advances it. A short copy (a fault part-way) is a short
    /// write, as generic_perform_write returns; a fault before the first byte is EFAULT. The new
    /// size goes to <paramref name="inode"/>'s i_size under the same mutex (simple_write_end's
    /// i_size_write), so stat and SEEK_END see what a reader would.
    /// </summary>
    public KResult<nuint> Write(ref UserSliceReader source, ref long position, bool append, Inode inode)
    {
        using (_mutex.Lock())
        {
            // mirrors mm/filemap.c:generic_write_checks: O_APPEND writes at i_size
            if (append) position = _length;
            if (source.IsEmpty) return (nuint)0;
            // mirrors fs/read_write.c:generic_write_check_limits: at or past s_maxbytes is EFBIG,
            // otherwise the write is shortened to fit
            if (position >= MaxBytes) return Errno.EFBIG;
            int count = (int)Math.Min((ulong)(MaxBytes - position), (ulong)source.Length);
            long end = position + count;
            _bytes.EnsureCapacity(end, MaxBytes, keep: (int)_length);
            if (position > _length)
            {
                // ramfs keeps no holes: the gap becomes zero-filled data
                _bytes.Slice(_length, (int)(position - _length)).Clear();
            }
            KResult<nuint> copied = source.ReadSome(_bytes.Slice(position, count));
            if (!copied.TryGetValue(out nuint n)) return copied;
            position += (long)n;
            _length = Math.Max(_length, position);
            inode.Size = _length;
            return n;
        }
    }

    /// <summary>
    /// lseek with ramfs's answers: ramfs uses generic_file_llseek, i.e. generic_file_llseek_size
    /// with eof = i_size; here maxsize is <see cref="MaxBytes"/>. Everything before EOF is data
    /// (no holes), so SEEK_DATA stays put and SEEK_HOLE goes to EOF; at or past EOF both are ENXIO.
    /// </summary>
    public KResult<long> Seek(FileRef file, long offset, Whence whence) =>
        Llseek.GenericFileLlseekSize(file, offset, whence, MaxBytes, Length);
}
