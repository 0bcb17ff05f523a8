using System;

namespace KernelOps;

/// <summary>
/// open(2) flags with their x86_64 values (include/uapi/asm-generic/fcntl.h), as stored in
/// <c>file-&gt;f_flags</c>.
/// </summary>
[Flags]
public enum OpenFlags : uint
{
    /// <summary>Open for reading only (access mode 0).</summary>
    O_RDONLY = 0,
    /// <summary>Open for writing only.</summary>
    O_WRONLY = 1,
    /// <summary>Open for reading and writing.</summary>
    O_RDWR = 2,
    /// <summary>Mask of the access mode bits.</summary>
    O_ACCMODE = 3,
    /// <summary>Create the file if it does not exist.</summary>
    O_CREAT = 0x40,
    /// <summary>With O_CREAT: fail if the file exists.</summary>
    O_EXCL = 0x80,
    /// <summary>Do not make a terminal the controlling terminal.</summary>
    O_NOCTTY = 0x100,
    /// <summary>Truncate a regular file opened for writing.</summary>
    O_TRUNC = 0x200,
    /// <summary>Every write appends.</summary>
    O_APPEND = 0x400,
    /// <summary>Do not block: operations that would sleep fail with EAGAIN.</summary>
    O_NONBLOCK = 0x800,
    /// <summary>Synchronised data integrity writes.</summary>
    O_DSYNC = 0x1000,
    /// <summary>Signal-driven I/O.</summary>
    FASYNC = 0x2000,
    /// <summary>Direct I/O.</summary>
    O_DIRECT = 0x4000,
    /// <summary>Large file (always set on 64-bit).</summary>
    O_LARGEFILE = 0x8000,
    /// <summary>Fail unless the path is a directory.</summary>
    O_DIRECTORY = 0x10000,
    /// <summary>Do not follow a final symlink.</summary>
    O_NOFOLLOW = 0x20000,
    /// <summary>Do not update the access time.</summary>
    O_NOATIME = 0x40000,
    /// <summary>Close on exec.</summary>
    O_CLOEXEC = 0x80000,
    /// <summary>Synchronised file integrity writes (__O_SYNC | O_DSYNC).</summary>
    O_SYNC = 0x101000,
    /// <summary>Obtain a path-only descriptor.</summary>
    O_PATH = 0x200000,
    /// <summary>An unnamed temporary file in the directory given (__O_TMPFILE | O_DIRECTORY); linkat may name it.</summary>
    O_TMPFILE = 0x410000,
}

/// <summary>The <c>AT_*</c> flags of the *at syscalls (include/uapi/linux/fcntl.h).</summary>
[Flags]
public enum AtFlags
{
    /// <summary>None.</summary>
    None = 0,
    /// <summary>AT_SYMLINK_NOFOLLOW: do not follow a trailing symlink.</summary>
    SymlinkNoFollow = 0x100,
    /// <summary>AT_REMOVEDIR (unlinkat): remove a directory.</summary>
    RemoveDir = 0x200,
    /// <summary>AT_EACCESS (faccessat): check with the effective ids.</summary>
    EffectiveAccess = 0x200,
    /// <summary>AT_SYMLINK_FOLLOW (linkat): follow a trailing symlink.</summary>
    SymlinkFollow = 0x400,
    /// <summary>AT_NO_AUTOMOUNT.</summary>
    NoAutomount = 0x800,
    /// <summary>AT_EMPTY_PATH: an empty path names the dirfd itself.</summary>
    EmptyPath = 0x1000,
}

/// <summary>
/// <c>file-&gt;f_mode</c> bits as in Linux 6.18 include/linux/fs.h. The kernel model sets them at
/// open (do_dentry_open) and clears them as stream_open/nonseekable_open do.
/// </summary>
[Flags]
public enum FMode : uint
{
    /// <summary>No bits.</summary>
    None = 0,
    /// <summary>File is open for reading.</summary>
    FMODE_READ = 1u << 0,
    /// <summary>File is open for writing.</summary>
    FMODE_WRITE = 1u << 1,
    /// <summary>File is seekable.</summary>
    FMODE_LSEEK = 1u << 2,
    /// <summary>File can be accessed using pread.</summary>
    FMODE_PREAD = 1u << 3,
    /// <summary>File can be accessed using pwrite.</summary>
    FMODE_PWRITE = 1u << 4,
    /// <summary>File is opened for execution.</summary>
    FMODE_EXEC = 1u << 5,
    /// <summary>File is huge (e.g. /dev/mem): loff_t is treated as unsigned, negative positions are valid.</summary>
    FMODE_UNSIGNED_OFFSET = 1u << 13,
    /// <summary>File is opened with O_PATH.</summary>
    FMODE_PATH = 1u << 14,
    /// <summary>f_pos updates must be atomic with the read/write (fdget_pos takes f_pos_lock).</summary>
    FMODE_ATOMIC_POS = 1u << 15,
    /// <summary>Write access to the underlying fs was taken.</summary>
    FMODE_WRITER = 1u << 16,
    /// <summary>Has read method(s).</summary>
    FMODE_CAN_READ = 1u << 17,
    /// <summary>Has write method(s).</summary>
    FMODE_CAN_WRITE = 1u << 18,
    /// <summary>The file was opened (->open succeeded).</summary>
    FMODE_OPENED = 1u << 19,
    /// <summary>The file was created by this open.</summary>
    FMODE_CREATED = 1u << 20,
    /// <summary>File is a stream: no f_pos (stream_open).</summary>
    FMODE_STREAM = 1u << 21,
}

/// <summary>
/// The <c>whence</c> argument of lseek (include/uapi/linux/fs.h). The C side passes a raw
/// <see cref="int"/>; <see cref="WhenceExtensions.TryFromRaw"/> validates it.
/// </summary>
public enum Whence
{
    /// <summary>Offset is absolute.</summary>
    Set = 0,
    /// <summary>Offset is relative to the current position.</summary>
    Current = 1,
    /// <summary>Offset is relative to the end of the file.</summary>
    End = 2,
    /// <summary>Seek to the next data at or after offset.</summary>
    Data = 3,
    /// <summary>Seek to the next hole at or after offset.</summary>
    Hole = 4,
}

/// <summary>Validation of raw whence values coming from C.</summary>
public static class WhenceExtensions
{
    /// <summary>SEEK_MAX in include/uapi/linux/fs.h.</summary>
    public const int SeekMax = (int)Whence.Hole;

    /// <summary>
    /// Converts a raw C <c>int</c> to <see cref="Whence"/>; false for anything outside
    /// SEEK_SET..SEEK_MAX, which vfs_llseek answers with -EINVAL.
    /// </summary>
    public static bool TryFromRaw(int raw, out Whence whence)
    {
        // mirrors fs/read_write.c:vfs_llseek ("if (whence > SEEK_MAX) return -EINVAL"); the
        // raw value is unsigned there, so negatives are rejected too.
        if ((uint)raw <= SeekMax)
        {
            whence = (Whence)raw;
            return true;
        }
        whence = default;
        return false;
    }
}
