using System.Threading;
using KernelOps.Abi;

namespace KernelOps;

/// <summary>
/// The kernel's generic llseek helpers, for lseek handlers to call as Linux drivers call
/// generic_file_llseek_size or default_llseek instead of re-deriving the whence rules:
/// <c>return Llseek.DefaultLlseek(file, offset, whence, size);</c>. They compute and validate the
/// new position; the lseek thunk stores what the handler returns in f_pos (vfs_setpos's store),
/// so a handler never writes f_pos itself and one that returns a position is always obeyed.
/// </summary>
public static class Llseek
{
    /// <summary>MAX_LFS_FILESIZE on 64-bit (include/linux/fs.h).</summary>
    public const long MaxLfsFileSize = long.MaxValue;

    /// <summary>
    /// mirrors fs/read_write.c:generic_file_llseek_size: SEEK_END from <paramref name="eof"/>,
    /// SEEK_CUR from f_pos (offset 0 is a pure query), SEEK_DATA/SEEK_HOLE for a file with no holes
    /// before <paramref name="eof"/> (ENXIO at or past it, compared unsigned), then
    /// <see cref="SetPosition"/> against <paramref name="maxSize"/>.
    /// </summary>
    public static KResult<long> GenericFileLlseekSize(FileRef file, long offset, Whence whence, long maxSize, long eof)
    {
        switch (whence)
        {
            case Whence.End:
                offset = unchecked(offset + eof); // wraps as the kernel's -fno-strict-overflow add does; setpos rejects it
                break;
            case Whence.Current:
                // "Here we special-case the lseek(fd, 0, SEEK_CUR) position-querying operation":
                // no update, so it cannot race with a concurrent read/write moving f_pos.
                if (offset == 0) return file.ReadPositionUnsynchronized();
                offset = unchecked(file.ReadPositionUnsynchronized() + offset);
                break;
            case Whence.Data:
                if ((ulong)offset >= (ulong)eof) return Errno.ENXIO;
                break;
            case Whence.Hole:
                if ((ulong)offset >= (ulong)eof) return Errno.ENXIO;
                offset = eof;
                break;
        }
        return SetPosition(file, offset, maxSize);
    }

    /// <summary>
    /// mirrors fs/read_write.c:default_llseek: like <see cref="GenericFileLlseekSize"/> with
    /// <see cref="MaxLfsFileSize"/>, except that SEEK_DATA/SEEK_HOLE compare signed.
    /// </summary>
    public static KResult<long> DefaultLlseek(FileRef file, long offset, Whence whence, long size)
    {
        switch (whence)
        {
            case Whence.End:
                offset = unchecked(offset + size);
                break;
            case Whence.Current:
                if (offset == 0) return file.ReadPositionUnsynchronized();
                offset = unchecked(file.ReadPositionUnsynchronized() + offset);
                break;
            case Whence.Data:
                if (offset >= size) return Errno.ENXIO;
                break;
            case Whence.Hole:
                if (offset >= size) return Errno.ENXIO;
                offset = size;
                break;
        }
        return SetPosition(file, offset, MaxLfsFileSize);
    }

    /// <summary>
    /// mirrors fs/read_write.c:vfs_setpos's checks: a negative offset or one past
    /// <paramref name="maxSize"/> is EINVAL (no model file has FMODE_UNSIGNED_OFFSET); otherwise
    /// the offset, which becomes f_pos when the lseek handler returns it (the thunk's store).
    /// </summary>
    public static KResult<long> SetPosition(FileRef file, long offset, long maxSize)
    {
        _ = file; // the file whose position this is; kept so the call reads as vfs_setpos(file, ...)
        if (offset < 0 || offset > maxSize) return Errno.EINVAL;
        return offset;
    }

    /// <summary>
    /// vfs_setpos's store, done for every llseek op by its caller (the lseek thunk, the model's own
    /// llseeks): f_pos becomes <paramref name="position"/> unless it already was
    /// <paramref name="before"/>, its value when the op began. Skipping that case keeps
    /// lseek(fd, 0, SEEK_CUR) a pure query (generic_file_llseek_size never writes for it), so it
    /// cannot undo a concurrent read's update of a file without f_pos_lock.
    /// </summary>
    internal static unsafe long ApplyPosition(NativeFile* file, long before, long position)
    {
        // SAFETY: the caller's contract: file is a live struct file for the call.
        if (position != before) Volatile.Write(ref file->f_pos, position);
        return position;
    }
}
