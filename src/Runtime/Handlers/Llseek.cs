namespace KernelOps;

/// <summary>
/// The kernel's generic llseek helpers, for lseek handlers to call as Linux drivers call
/// generic_file_llseek_size or default_llseek instead of re-deriving the whence rules.
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
    /// mirrors fs/read_write.c:vfs_setpos: a negative offset or one past <paramref name="maxSize"/>
    /// is EINVAL (no model file has FMODE_UNSIGNED_OFFSET); otherwise f_pos becomes it.
    /// </summary>
    public static KResult<long> SetPosition(FileRef file, long offset, long maxSize)
    {
        if (offset < 0 || offset > maxSize) return Errno.EINVAL;
        if (offset != file.ReadPositionUnsynchronized()) file.WritePositionUnsynchronized(offset);
        return offset;
    }
}
