using System;
using System.Text;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

/// <summary>
/// What a handler sees of a <c>struct dentry</c>: a name in a directory, bound to an inode (positive)
/// or to none (negative). Valid for the call that received it; it cannot be stored. The dcache
/// operations a file system performs on the dentries it is given (d_instantiate, d_add, the
/// "extra count" that pins a RAM file system's dentries) are members.
/// </summary>
public readonly ref struct Dentry
{
    private readonly unsafe NativeDentry* _dentry;

    /// <summary>Wraps a raw dentry pointer (thunks do, after checking it is not null).</summary>
    public unsafe Dentry(NativeDentry* dentry) => _dentry = dentry;

    /// <summary>The raw pointer.</summary>
    public unsafe NativeDentry* Pointer => _dentry;

    /// <summary>True for the default value (no dentry).</summary>
    public unsafe bool IsNull => _dentry == null;

    /// <summary><c>d_name</c> as bytes (Linux names are bytes; no encoding is implied).</summary>
    // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
    public unsafe ReadOnlySpan<byte> NameBytes => new(_dentry->d_name, (int)_dentry->d_name_len);

    /// <summary><c>d_name</c> decoded as UTF-8 (invalid sequences become U+FFFD).</summary>
    public string Name => Encoding.UTF8.GetString(NameBytes);

    /// <summary>True when the dentry has an inode (<c>d_really_is_positive</c>).</summary>
    // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
    public unsafe bool IsPositive => Volatile.Read(ref *(nint*)&_dentry->d_inode) != 0;

    /// <summary>True when the dentry has no inode (a name looked up and not found, or removed).</summary>
    public bool IsNegative => !IsPositive;

    /// <summary><c>d_inode</c>; a null <see cref="Inode"/> (<see cref="Inode.Pointer"/> is null) for a negative dentry.</summary>
    // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
    public unsafe Inode Inode => new(_dentry->d_inode);

    /// <summary><c>d_parent</c> (a root is its own parent).</summary>
    // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
    public unsafe Dentry Parent => new(_dentry->d_parent);

    /// <summary><c>d_sb</c>.</summary>
    // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
    public unsafe SuperBlock SuperBlock => new(_dentry->d_sb);

    /// <summary><c>d_fsdata</c>: one word for the file system.</summary>
    public unsafe nint FsData
    {
        // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
        get => Volatile.Read(ref _dentry->d_fsdata);
        set => Volatile.Write(ref _dentry->d_fsdata, value);
    }

    /// <summary>
    /// mirrors fs/dcache.c:d_instantiate: binds the negative dentry to <paramref name="inode"/>, taking
    /// over the caller's inode reference (which is empty afterwards).
    /// </summary>
    /// <exception cref="InvalidOperationException">The dentry is already positive or the reference is empty.</exception>
    public void Instantiate(InodeReference inode)
    {
        ArgumentNullException.ThrowIfNull(inode);
        Dcache.Instantiate(Managed, inode.Take());
    }

    /// <summary>
    /// mirrors fs/dcache.c:d_add: hashes the dentry (so later lookups find it in the dcache) and binds
    /// it to <paramref name="inode"/>, or leaves it negative for null. Takes over the reference.
    /// </summary>
    public void Add(InodeReference? inode) => Dcache.Add(Managed, inode?.Take());

    /// <summary>
    /// dget: one more reference to the dentry, as ramfs takes with "Extra count - pin the dentry in
    /// core": a RAM file system's tree lives in the dcache, so each positive dentry is pinned until
    /// simple_unlink/simple_rmdir drops the pin (<see cref="Unpin"/>) or kill_litter_super does.
    /// </summary>
    public void Pin() => Managed.Get();

    /// <summary>dput: drops a reference taken with <see cref="Pin"/>.</summary>
    public void Unpin() => Dcache.Put(Managed);

    /// <summary>
    /// mirrors fs/libfs.c:simple_positive over d_children: true when the directory has no positive,
    /// hashed child (simple_empty).
    /// </summary>
    public bool IsEmptyDirectory => Dcache.SimpleEmpty(Managed);

    internal unsafe VfsDentry Managed => VfsDentry.FromNative(_dentry);

    /// <inheritdoc/>
    public override unsafe string ToString() => _dentry == null ? "(null dentry)" : Name;
}

/// <summary>
/// What a handler sees of a <c>struct super_block</c>: the settings fill_super makes (magic, block
/// size, maximum file size, time granularity, operations, root) and the file system's private word.
/// Valid for the call that received it.
/// </summary>
public readonly ref struct SuperBlock
{
    private readonly unsafe NativeSuperBlock* _sb;

    /// <summary>Wraps a raw superblock pointer.</summary>
    public unsafe SuperBlock(NativeSuperBlock* superBlock) => _sb = superBlock;

    /// <summary>The raw pointer.</summary>
    public unsafe NativeSuperBlock* Pointer => _sb;

    /// <summary>True for the default value.</summary>
    public unsafe bool IsNull => _sb == null;

    /// <summary><c>s_magic</c> (statfs' f_type).</summary>
    public unsafe ulong Magic
    {
        // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
        get => _sb->s_magic;
        set => _sb->s_magic = value;
    }

    /// <summary><c>s_blocksize</c> (a power of two; <c>s_blocksize_bits</c> follows).</summary>
    public unsafe ulong BlockSize
    {
        // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
        get => _sb->s_blocksize;
        set
        {
            if (value == 0 || (value & (value - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(value), value, "A block size is a power of two.");
            _sb->s_blocksize = value;
            _sb->s_blocksize_bits = (uint)ulong.TrailingZeroCount(value);
        }
    }

    /// <summary><c>s_maxbytes</c>: writes and truncates beyond it fail with EFBIG.</summary>
    public unsafe long MaxBytes
    {
        // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
        get => _sb->s_maxbytes;
        set => _sb->s_maxbytes = value;
    }

    /// <summary><c>s_time_gran</c>: timestamps are truncated to this many nanoseconds (1 .. 1e9).</summary>
    public unsafe uint TimeGranularity
    {
        // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
        get => _sb->s_time_gran;
        set => _sb->s_time_gran = value is >= 1 and <= 1_000_000_000 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    /// <summary><c>s_max_links</c>: the most names an inode may have (0: no limit); EMLINK beyond.</summary>
    public unsafe uint MaxLinks
    {
        // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
        get => _sb->s_max_links;
        set => _sb->s_max_links = value;
    }

    /// <summary><c>s_dev</c>: the superblock's (anonymous) device number, MKDEV encoding.</summary>
    // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
    public unsafe uint Device => _sb->s_dev;

    /// <summary><c>s_flags</c> (<see cref="SuperBlockFlags"/>): fill_super may add bits such as SB_NOUSER.</summary>
    public unsafe ulong Flags
    {
        // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
        get => _sb->s_flags;
        set => _sb->s_flags = value;
    }

    /// <summary>True when mounted read-only (SB_RDONLY).</summary>
    // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
    public unsafe bool IsReadOnly => (_sb->s_flags & SuperBlockFlags.ReadOnly) != 0;

    /// <summary>Sets <c>s_op</c>.</summary>
    // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
    public unsafe void SetOperations(OpsTable<SuperOperations> operations) => _sb->s_op = operations.Pointer;

    /// <summary><c>s_root</c> (a null dentry before fill_super set it).</summary>
    // SAFETY: the view wraps a pointer its thunk checked with RawPointer (non-null, live model object) and the VFS holds a reference to that object for the whole call; a ref struct cannot outlive the call.
    public unsafe Dentry Root => new(_sb->s_root);

    /// <summary>
    /// mirrors fs/dcache.c:d_make_root: makes <paramref name="rootInode"/> (taken over) the root of the
    /// superblock's tree and sets <c>s_root</c>.
    /// </summary>
    public KResult MakeRoot(InodeReference rootInode)
    {
        ArgumentNullException.ThrowIfNull(rootInode);
        return Managed.MakeRoot(rootInode.Take());
    }

    /// <summary>mirrors fs/inode.c:new_inode: a fresh inode of this superblock (mode 0, one link, owner root) for the caller to fill.</summary>
    public InodeReference NewInode() => new(Managed.NewInode());

    /// <summary>
    /// <c>s_fs_info</c> as <typeparamref name="T"/>: the file system's private object, set by
    /// <see cref="SetFsInfo"/> or handed over from the mount's <see cref="FsContext.SetFsInfo"/>; null
    /// when none or another type. The model owns the handle (freed with the superblock).
    /// </summary>
    public T? FsInfo<T>() where T : class => Managed.FsInfo as T;

    /// <summary>Sets <c>s_fs_info</c> (replacing any earlier object).</summary>
    public void SetFsInfo(object? info) => Managed.SetFsInfo(info);

    internal unsafe VfsSuperBlock Managed => VfsSuperBlock.FromNative(_sb);
}

/// <summary><c>SB_*</c> bits of <c>super_block.s_flags</c> (include/linux/fs.h).</summary>
public static class SuperBlockFlags
{
    /// <summary>SB_RDONLY.</summary>
    public const ulong ReadOnly = 1;
    /// <summary>SB_NOSUID.</summary>
    public const ulong NoSuid = 2;
    /// <summary>SB_NODEV.</summary>
    public const ulong NoDev = 4;
    /// <summary>SB_NOEXEC.</summary>
    public const ulong NoExec = 8;
    /// <summary>SB_SYNCHRONOUS.</summary>
    public const ulong Synchronous = 16;
    /// <summary>SB_DIRSYNC.</summary>
    public const ulong DirSync = 128;
    /// <summary>SB_SILENT.</summary>
    public const ulong Silent = 32768;
    /// <summary>SB_ACTIVE: fill_super succeeded.</summary>
    public const ulong Active = 1UL << 30;
    /// <summary>SB_NOUSER: an internal superblock user space cannot mount.</summary>
    public const ulong NoUser = 1UL << 31;
}

/// <summary>
/// A counted reference to an inode (ihold/iput): the inode stays allocated while the reference is
/// held, even after its last name is gone. <see cref="Dispose"/> is iput. Handing it to
/// <see cref="Dentry.Instantiate"/> or <see cref="SuperBlock.MakeRoot"/> transfers it (the object
/// is empty afterwards, and disposing it does nothing), so <c>using</c> covers the failure paths.
/// </summary>
public sealed class InodeReference : IDisposable
{
    private VfsInode? _inode;

    internal InodeReference(VfsInode inode) => _inode = inode;

    /// <summary>False once released or transferred.</summary>
    public bool IsHeld => Volatile.Read(ref _inode) is not null;

    /// <summary>A view of the inode for the duration of a call.</summary>
    /// <exception cref="ObjectDisposedException">The reference was released or transferred.</exception>
    public unsafe Inode Borrow() => new(Held.Native);

    /// <summary>iput. Idempotent; nothing after a transfer.</summary>
    public void Dispose() => Interlocked.Exchange(ref _inode, null)?.Put();

    /// <summary>Another reference to the same inode (ihold).</summary>
    public InodeReference Clone()
    {
        VfsInode inode = Held;
        inode.Hold();
        return new InodeReference(inode);
    }

    internal VfsInode Held => Volatile.Read(ref _inode) ?? throw new ObjectDisposedException(nameof(InodeReference), "The inode reference was released or handed over.");

    /// <summary>Hands the reference over (d_instantiate): the caller owns it now.</summary>
    internal VfsInode Take() => Interlocked.Exchange(ref _inode, null) ?? throw new InvalidOperationException("The inode reference was already released or handed over.");

    /// <inheritdoc/>
    public override string ToString() => _inode is { } i ? $"inode {i.Number}" : "(released inode reference)";
}
