using System;
using System.Runtime.InteropServices;
using System.Text;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

/// <summary>
/// What a <c>-&gt;setattr</c> handler is handed: the attribute change (<c>struct iattr</c>) notify_change
/// prepared. <see cref="Valid"/> says which fields are meant. Valid for the call.
/// </summary>
public readonly ref struct Iattr
{
    private readonly unsafe NativeIattr* _attr;

    /// <summary>Wraps a raw iattr pointer.</summary>
    public unsafe Iattr(NativeIattr* attributes) => _attr = attributes;

    /// <summary>The raw pointer.</summary>
    public unsafe NativeIattr* Pointer => _attr;

    /// <summary><c>ia_valid</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe IattrValid Valid => (IattrValid)_attr->ia_valid;

    /// <summary><c>ia_mode</c> (with <see cref="IattrValid.Mode"/>).</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe uint Mode => _attr->ia_mode;

    /// <summary><c>ia_uid</c> (with <see cref="IattrValid.Uid"/>).</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe uint Uid => _attr->ia_uid;

    /// <summary><c>ia_gid</c> (with <see cref="IattrValid.Gid"/>).</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe uint Gid => _attr->ia_gid;

    /// <summary><c>ia_size</c> (with <see cref="IattrValid.Size"/>).</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe long Size => _attr->ia_size;

    /// <summary><c>ia_atime</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe KernelTimespec Atime => _attr->ia_atime;

    /// <summary><c>ia_mtime</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe KernelTimespec Mtime => _attr->ia_mtime;

    /// <summary><c>ia_ctime</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe KernelTimespec Ctime => _attr->ia_ctime;
}

/// <summary>What a <c>-&gt;getattr</c> handler fills (<c>struct kstat</c>). Valid for the call.</summary>
public readonly ref struct Kstat
{
    private readonly unsafe NativeKstat* _stat;

    /// <summary>Wraps a raw kstat pointer.</summary>
    public unsafe Kstat(NativeKstat* stat) => _stat = stat;

    /// <summary>The raw pointer, for fields without a property.</summary>
    public unsafe NativeKstat* Pointer => _stat;

    /// <summary><c>blocks</c>: 512-byte units allocated.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe ulong Blocks { get => _stat->blocks; set => _stat->blocks = value; }

    /// <summary><c>size</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe long Size { get => _stat->size; set => _stat->size = value; }

    /// <summary><c>nlink</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe uint LinkCount { get => _stat->nlink; set => _stat->nlink = value; }

    /// <summary><c>mode</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe uint Mode { get => _stat->mode; set => _stat->mode = value; }

    /// <summary><c>blksize</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe uint BlockSize { get => _stat->blksize; set => _stat->blksize = value; }

    /// <summary><c>result_mask</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe StatxMask ResultMask { get => (StatxMask)_stat->result_mask; set => _stat->result_mask = (uint)value; }
}

/// <summary>What a <c>-&gt;statfs</c> handler fills (<c>struct kstatfs</c>). Valid for the call.</summary>
public readonly ref struct Kstatfs
{
    private readonly unsafe NativeKstatfs* _buf;

    /// <summary>Wraps a raw kstatfs pointer.</summary>
    public unsafe Kstatfs(NativeKstatfs* buffer) => _buf = buffer;

    /// <summary>The raw pointer, for fields without a property.</summary>
    public unsafe NativeKstatfs* Pointer => _buf;

    /// <summary><c>f_type</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe long Type { get => _buf->f_type; set => _buf->f_type = value; }

    /// <summary><c>f_bsize</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe long BlockSize { get => _buf->f_bsize; set => _buf->f_bsize = value; }

    /// <summary><c>f_blocks</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe ulong Blocks { get => _buf->f_blocks; set => _buf->f_blocks = value; }

    /// <summary><c>f_bfree</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe ulong FreeBlocks { get => _buf->f_bfree; set => _buf->f_bfree = value; }

    /// <summary><c>f_bavail</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe ulong AvailableBlocks { get => _buf->f_bavail; set => _buf->f_bavail = value; }

    /// <summary><c>f_files</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe ulong Files { get => _buf->f_files; set => _buf->f_files = value; }

    /// <summary><c>f_ffree</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe ulong FreeFiles { get => _buf->f_ffree; set => _buf->f_ffree = value; }

    /// <summary><c>f_namelen</c>.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe long NameLength { get => _buf->f_namelen; set => _buf->f_namelen = value; }
}

/// <summary>
/// What a file system's mount callbacks see of a <c>struct fs_context</c>: the operations to use, the
/// private object carried to the superblock (<c>s_fs_info</c>), the source, and the root get_tree makes.
/// </summary>
public readonly ref struct FsContext
{
    private readonly unsafe NativeFsContext* _fc;

    /// <summary>Wraps a raw fs_context pointer.</summary>
    public unsafe FsContext(NativeFsContext* context) => _fc = context;

    /// <summary>The raw pointer.</summary>
    public unsafe NativeFsContext* Pointer => _fc;

    /// <summary>Sets <c>fc-&gt;ops</c> (what init_fs_context is for).</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe void SetOperations(OpsTable<FsContextOperations> operations) => _fc->ops = operations.Pointer;

    /// <summary>
    /// <c>fc-&gt;s_fs_info</c>: the object sget_fc hands to the new superblock's <c>s_fs_info</c>
    /// (ramfs' mount options). The model owns the handle: it is freed with the context if no
    /// superblock took it.
    /// </summary>
    public T? FsInfo<T>() where T : class => Managed.FsInfo as T;

    /// <summary>Sets <c>fc-&gt;s_fs_info</c>.</summary>
    public void SetFsInfo(object? info) => Managed.SetFsInfo(info);

    /// <summary>The source given to mount(2) ("none", "rust_ramfs", ...), or null.</summary>
    public string? Source => Managed.Source;

    /// <summary>SB_* flags asked for (SB_RDONLY ...).</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe ulong SuperBlockFlags => _fc->sb_flags;

    /// <summary>
    /// The superblock of a reconfigure (mount -o remount), or a null <see cref="SuperBlock"/> for a new mount.
    /// </summary>
    public unsafe SuperBlock SuperBlock => Managed.ReconfigureTarget is { } sb ? new SuperBlock(sb.Native) : default;

    internal unsafe VfsFsContext Managed => VfsFsContext.FromNative(_fc);
}

/// <summary>One mount option handed to <c>-&gt;parse_param</c> (<c>struct fs_parameter</c>).</summary>
public readonly ref struct FsParameter
{
    private readonly unsafe NativeFsParameter* _param;

    /// <summary>Wraps a raw fs_parameter pointer.</summary>
    public unsafe FsParameter(NativeFsParameter* parameter) => _param = parameter;

    /// <summary>The raw pointer.</summary>
    public unsafe NativeFsParameter* Pointer => _param;

    /// <summary>The option's name ("mode").</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe string Key => Marshal.PtrToStringUTF8((nint)_param->key) ?? string.Empty;

    /// <summary>Flag ("ro") or string ("mode=0755").</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe FsParameterType Type => (FsParameterType)_param->type;

    /// <summary>The value, or null for a flag.</summary>
    // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
    public unsafe string? Value => _param->@string == null ? null : Marshal.PtrToStringUTF8((nint)_param->@string);

    /// <summary>
    /// fsparam_u32oct: the value as an unsigned octal number (<c>mode=0755</c>). EINVAL ("Bad value
    /// for 'key'") for a flag, an empty or non-octal value, or one beyond 32 bits.
    /// </summary>
    public KResult TryParseOctal(out uint value)
    {
        value = 0;
        string? text = Value;
        if (string.IsNullOrEmpty(text)) return Errno.EINVAL;
        ulong v = 0;
        foreach (char c in text)
        {
            if (c is < '0' or > '7') return Errno.EINVAL;
            v = (v << 3) | (uint)(c - '0');
            if (v > uint.MaxValue) return Errno.EINVAL;
        }
        value = (uint)v;
        return KResult.Ok;
    }

    /// <summary>fsparam_u32: the value as an unsigned decimal number; EINVAL otherwise.</summary>
    public KResult TryParseUInt32(out uint value)
    {
        value = 0;
        return Value is { Length: > 0 } text && uint.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out value)
            ? KResult.Ok : Errno.EINVAL;
    }
}

/// <summary>
/// What an <c>iterate_shared</c> handler emits into (<c>struct dir_context</c>): <see cref="Position"/>
/// is where to continue (0 and 1 are "." and ".."), and <c>Emit</c> is dir_emit.
/// </summary>
public readonly ref struct DirContext
{
    private readonly unsafe NativeDirContext* _ctx;

    /// <summary>Wraps a raw dir_context pointer.</summary>
    public unsafe DirContext(NativeDirContext* context) => _ctx = context;

    /// <summary>The raw pointer.</summary>
    public unsafe NativeDirContext* Pointer => _ctx;

    /// <summary><c>ctx-&gt;pos</c>: advance it past every entry emitted.</summary>
    public unsafe long Position
    {
        // SAFETY: the VFS model allocates this struct for one call (on its stack or in the fs_context/file it holds) and the thunk checked the pointer with RawPointer; a ref struct cannot outlive the call.
        get => _ctx->pos;
        set => _ctx->pos = value;
    }

    /// <summary>
    /// dir_emit: hands one entry to getdents; false when the caller's buffer is full (stop, and do not
    /// advance <see cref="Position"/> past this entry).
    /// </summary>
    public unsafe bool Emit(ReadOnlySpan<byte> name, ulong inode, uint mode)
    {
        fixed (byte* n = name)
        {
            // SAFETY: actor is the caller's filldir (set by iterate_dir for this call) and reads the
            // name's bytes only during the call; n is pinned for it.
            return _ctx->actor(_ctx, n, name.Length, _ctx->pos, inode, UMode.ToDirentType(mode)) != 0;
        }
    }

    /// <summary>dir_emit with a UTF-8 encoded name.</summary>
    public bool Emit(string name, ulong inode, uint mode)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Emit(Encoding.UTF8.GetBytes(name), inode, mode);
    }

    /// <summary>
    /// dir_emit_dots: emits "." (this directory) and ".." (its parent) for positions 0 and 1; false
    /// when the buffer filled. <see cref="Position"/> is advanced past each.
    /// </summary>
    public unsafe bool EmitDots(FileRef file)
    {
        VfsPath path = OpenFile.FromNative(file.Pointer)!.Path;
        if (Position == 0)
        {
            if (!Emit("."u8, path.Dentry.Inode!.Number, UMode.S_IFDIR)) return false;
            Position = 1;
        }
        if (Position == 1)
        {
            if (!Emit(".."u8, Dcache.ParentInodeNumber(path.Dentry), UMode.S_IFDIR)) return false;
            Position = 2;
        }
        return true;
    }
}

/// <summary>
/// Where a <c>-&gt;get_link</c> handler puts a symlink's target. The adapter keeps a NUL-terminated
/// copy until the VFS is done with it (the delayed call).
/// </summary>
public readonly ref struct LinkTarget
{
    private readonly ref byte[]? _value;

    internal LinkTarget(ref byte[]? value) => _value = ref value;

    /// <summary>Sets the target (without a NUL).</summary>
    public void Set(ReadOnlySpan<byte> target)
    {
        if (target.IndexOf((byte)0) >= 0) throw new ArgumentException("A link target cannot contain NUL.", nameof(target));
        _value = target.ToArray();
    }

    /// <summary>Sets the target from UTF-8 text.</summary>
    public void Set(string target)
    {
        ArgumentNullException.ThrowIfNull(target);
        Set(Encoding.UTF8.GetBytes(target));
    }
}
