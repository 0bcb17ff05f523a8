using System;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps;

/// <summary>
/// What a handler sees of a <c>struct file</c>: a pointer wrapper, never a reference to the
/// struct (other CPUs change <c>f_pos</c> and <c>f_flags</c> under it, as the /proc RAM-file
/// seed explains). Valid only for the duration of the call that received it.
/// </summary>
public readonly unsafe struct FileRef : IEquatable<FileRef>
{
    private readonly NativeFile* _file;

    /// <summary>Wraps a raw file pointer. Thunks call this after checking it is not null.</summary>
    /// <param name="file">A live <c>struct file</c>.</param>
    public FileRef(NativeFile* file) => _file = file;

    /// <summary>The raw pointer (for interop with C code that expects <c>struct file *</c>).</summary>
    public NativeFile* Pointer => _file;

    /// <summary>open(2) flags. O_APPEND and O_NONBLOCK can change after open (fcntl), so read it when needed.</summary>
    public OpenFlags Flags => (OpenFlags)Volatile.Read(ref _file->f_flags);

    /// <summary>The access mode part of <see cref="Flags"/> (O_RDONLY, O_WRONLY or O_RDWR).</summary>
    public OpenFlags AccessMode => Flags & OpenFlags.O_ACCMODE;

    /// <summary>FMODE bits set by the VFS at open.</summary>
    public FMode Mode => (FMode)Volatile.Read(ref _file->f_mode);

    /// <summary>True when the file was opened for reading (FMODE_READ).</summary>
    public bool CanRead => (Mode & FMode.FMODE_READ) != 0;

    /// <summary>True when the file was opened for writing (FMODE_WRITE).</summary>
    public bool CanWrite => (Mode & FMode.FMODE_WRITE) != 0;

    /// <summary>
    /// <c>file-&gt;f_pos</c>, read without synchronisation. Inescapably racy: the VFS updates it
    /// after every read and write (fs/read_write.c ksys_read/ksys_write), and only serialises
    /// those updates with f_pos_lock when the file has FMODE_ATOMIC_POS and is shared
    /// (fs/file.c file_needs_f_pos_lock). The value is a valid 64-bit integer but may be stale:
    /// bounds-check it. Read and write handlers get their position as a <c>ref long</c> instead.
    /// </summary>
    public long ReadPositionUnsynchronized() => Volatile.Read(ref _file->f_pos);

    /// <summary>
    /// Sets <c>file-&gt;f_pos</c> as an llseek handler does (vfs_setpos). Same raciness as
    /// <see cref="ReadPositionUnsynchronized"/>; lseek runs under f_pos_lock when that lock applies.
    /// </summary>
    public void WritePositionUnsynchronized(long position) => Volatile.Write(ref _file->f_pos, position);

    /// <summary>
    /// Marks the file as a stream, from an open handler: no f_pos at all (read/write get no
    /// position, lseek/pread/pwrite fail with ESPIPE, and no f_pos lock is taken).
    /// </summary>
    public void StreamOpen()
    {
        // mirrors fs/open.c:stream_open
        Interlocked.And(ref _file->f_mode, ~(uint)(FMode.FMODE_LSEEK | FMode.FMODE_PREAD | FMode.FMODE_PWRITE | FMode.FMODE_ATOMIC_POS));
        Interlocked.Or(ref _file->f_mode, (uint)FMode.FMODE_STREAM);
    }

    /// <summary>
    /// Marks the file as not seekable, from an open handler: lseek, pread and pwrite fail with
    /// ESPIPE; read/write still get and advance a position.
    /// </summary>
    public void NonseekableOpen()
    {
        // mirrors fs/open.c:nonseekable_open
        Interlocked.And(ref _file->f_mode, ~(uint)(FMode.FMODE_LSEEK | FMode.FMODE_PREAD | FMode.FMODE_PWRITE));
    }

    /// <summary>The one word of per-open data in <c>file-&gt;private_data</c>.</summary>
    public nint PrivateData
    {
        get => Volatile.Read(ref _file->private_data);
        set => Volatile.Write(ref _file->private_data, value);
    }

    /// <summary>
    /// The data given when the character or misc device this file was opened on was registered,
    /// or null (none given, another type, or not a device file). It stays valid while the file is
    /// open, even after the device is unregistered.
    /// </summary>
    public T? DeviceData<T>() where T : class
    {
        nint word = Volatile.Read(ref _file->f_device);
        // SAFETY: f_device is 0 or a GCHandle owned by the device registration, which the open file
        // holds a reference to until its last fput; the handle is freed only after that.
        return word == 0 ? null : GCHandle.FromIntPtr(word).Target as T;
    }

    /// <summary>The inode this file was opened on (<c>file_inode(file)</c>).</summary>
    public Inode Inode => new(_file->f_inode);

    /// <inheritdoc/>
    public bool Equals(FileRef other) => _file == other._file;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is FileRef f && Equals(f);
    /// <inheritdoc/>
    public override int GetHashCode() => ((nint)_file).GetHashCode();
    /// <summary>Equality.</summary>
    public static bool operator ==(FileRef a, FileRef b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(FileRef a, FileRef b) => !a.Equals(b);
}

/// <summary>What a handler sees of a <c>struct inode</c>. Valid for the duration of the call.</summary>
public readonly unsafe struct Inode : IEquatable<Inode>
{
    private readonly NativeInode* _inode;

    /// <summary>Wraps a raw inode pointer. Thunks call this after checking it is not null.</summary>
    public Inode(NativeInode* inode) => _inode = inode;

    /// <summary>The raw pointer.</summary>
    public NativeInode* Pointer => _inode;

    /// <summary>File type and permission bits.</summary>
    public uint Mode => _inode->i_mode;

    /// <summary>Inode number.</summary>
    public ulong Number => _inode->i_ino;

    /// <summary>Device number (MKDEV(major, minor)) for device inodes.</summary>
    public uint RDev => _inode->i_rdev;

    /// <summary>
    /// <c>i_size</c>: the size stat(2) reports and SEEK_END/SEEK_DATA measure from
    /// (i_size_read/i_size_write). proc files keep 0 unless their handler sets it, as proc_set_size
    /// would; a handler whose file has a real size (a RAM file) sets it under its own lock, as
    /// simple_write_end does under the inode lock.
    /// </summary>
    public long Size
    {
        get => Volatile.Read(ref _inode->i_size);
        set => Volatile.Write(ref _inode->i_size, value);
    }

    /// <summary>The raw <c>i_private</c> word.</summary>
    public nint PrivateWord => _inode->i_private;

    /// <summary>
    /// The registration data handed to proc_create_data / debugfs_create_file (Linux's
    /// <c>pde_data(inode)</c> / <c>inode-&gt;i_private</c>), or null when none was given or it is
    /// of another type. The registration owns it and outlives every call that can see this inode.
    /// After the entry's removal the word is cleared (no handler can run by then: removal waits
    /// for calls in flight and later calls fail before reaching the table), so this returns null.
    /// </summary>
    public T? Data<T>() where T : class
    {
        nint word = _inode->i_private;
        // SAFETY: i_private is either 0 or a GCHandle allocated by the model at registration and
        // freed only after the entry's rundown, when no call can hold this inode any more.
        return word == 0 ? null : GCHandle.FromIntPtr(word).Target as T;
    }

    /// <inheritdoc/>
    public bool Equals(Inode other) => _inode == other._inode;
    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Inode i && Equals(i);
    /// <inheritdoc/>
    public override int GetHashCode() => ((nint)_inode).GetHashCode();
    /// <summary>Equality.</summary>
    public static bool operator ==(Inode a, Inode b) => a.Equals(b);
    /// <summary>Inequality.</summary>
    public static bool operator !=(Inode a, Inode b) => !a.Equals(b);
}
