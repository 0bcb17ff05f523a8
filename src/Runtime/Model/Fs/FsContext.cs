using System;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The managed half of a model <c>struct fs_context</c> (fs/fs_context.c): one mount being prepared.
/// It pins the type's module for its lifetime (get_filesystem), owns the <c>s_fs_info</c> object
/// until a superblock adopts it, and holds the root get_tree made (with an active superblock
/// reference) until the mount takes its own.
/// </summary>
internal sealed class VfsFsContext : IDisposable
{
    private GCHandle _self;
    private nint _fsInfoWord;
    private unsafe byte* _source;
    private bool _freed;

    private unsafe VfsFsContext(Kernel kernel, RegisteredFileSystem type, uint purpose, uint sbFlags)
    {
        Kernel = kernel;
        Type = type;
        // SAFETY: a fresh zeroed allocation owned by this object until Dispose.
        Native = (NativeFsContext*)NativeMemory.AllocZeroed((nuint)sizeof(NativeFsContext));
        _self = GCHandle.Alloc(this, GCHandleType.Normal);
        Native->fc_model = GCHandle.ToIntPtr(_self);
        Native->fs_type = type.Table;
        Native->purpose = purpose;
        Native->sb_flags = sbFlags;
    }

    public Kernel Kernel { get; }

    public RegisteredFileSystem Type { get; }

    public unsafe NativeFsContext* Native { get; private set; }

    /// <summary>fc-&gt;source.</summary>
    public string? Source { get; private set; }

    /// <summary>fc-&gt;root: set by get_tree, with a dentry reference and an active superblock reference.</summary>
    public VfsDentry? Root { get; private set; }

    /// <summary>The superblock a reconfigure applies to, or null for a new mount.</summary>
    public VfsSuperBlock? ReconfigureTarget { get; private set; }

    /// <summary>fc-&gt;s_fs_info as the object behind it.</summary>
    public object? FsInfo => _fsInfoWord == 0 ? null : GCHandle.FromIntPtr(_fsInfoWord).Target;

    public static unsafe VfsFsContext FromNative(NativeFsContext* fc)
    {
        // SAFETY: a pointer that passes RawPointer.Is is read; fc_model is set at allocation and cleared only by Dispose.
        if (RawPointer.Is<NativeFsContext>(fc) && RawPointer.HandleTarget(Volatile.Read(ref fc->fc_model)) is VfsFsContext c) return c;
        throw new InvalidOperationException("Not a live fs_context of the model (a null, wild or freed pointer).");
    }

    /// <summary>
    /// mirrors fs/fs_context.c:alloc_fs_context: a context for <paramref name="type"/> (whose module
    /// reference, taken by get_fs_type, it takes over), initialised by the type's init_fs_context.
    /// </summary>
    public static unsafe int Create(Kernel kernel, RegisteredFileSystem type, uint purpose, uint sbFlags, VfsSuperBlock? reconfigure, out VfsFsContext? context)
    {
        var fc = new VfsFsContext(kernel, type, purpose, sbFlags) { ReconfigureTarget = reconfigure };
        context = null;
        FileSystemType* fs = type.Table;
        // SAFETY: type.Table is the registered file_system_type table, kept alive by the registration (the module is pinned while the context exists).
        if (fs->init_fs_context == null)
        {
            // legacy_init_fs_context would use ->mount, which the model does not drive.
            kernel.Log.Printk($"VFS: {type.Name} has no init_fs_context (the legacy ->mount API is not modelled)");
            fc.Dispose();
            return -(int)Errno.ENODEV;
        }
        int error = fs->init_fs_context(fc.Native);
        if (error != 0)
        {
            fc.Native->ops = null; // put_fs_context calls ->free only for an initialised context
            fc.Dispose();
            return error;
        }
        context = fc;
        return 0;
    }

    public unsafe void SetFsInfo(object? info)
    {
        nint old = _fsInfoWord;
        _fsInfoWord = info is null ? 0 : GCHandle.ToIntPtr(GCHandle.Alloc(info));
        if (info is not null) Kernel.Counters.Update(handles: 1);
        // SAFETY: Native is owned by this fs_context: allocated in the constructor and freed only by Dispose; callers use the context before disposing it.
        Native->s_fs_info = _fsInfoWord;
        if (old != 0)
        {
            GCHandle.FromIntPtr(old).Free();
            Kernel.Counters.Update(handles: -1);
        }
    }

    /// <summary>sget_fc: the superblock takes over s_fs_info.</summary>
    public unsafe nint TakeFsInfoWord()
    {
        nint word = _fsInfoWord;
        _fsInfoWord = 0;
        // SAFETY: Native is owned by this fs_context: allocated in the constructor and freed only by Dispose; callers use the context before disposing it.
        Native->s_fs_info = 0;
        return word;
    }

    /// <summary>
    /// mirrors fs/fs_context.c:vfs_parse_fs_param: the SB_* flags the VFS knows, then the file
    /// system's parse_param, then "source"; anything else is "Unknown parameter": EINVAL.
    /// </summary>
    public unsafe int ParseParam(string key, string? value)
    {
        // mirrors fs/fs_context.c:vfs_parse_sb_flag (common_set_sb_flag / common_clear_sb_flag)
        if (value is null && SbFlag(key, out uint set, out uint clear))
        {
            // SAFETY: Native is owned by this fs_context: allocated in the constructor and freed only by Dispose; callers use the context before disposing it.
            Native->sb_flags = (Native->sb_flags | set) & ~clear;
            Native->sb_flags_mask |= set | clear;
            return 0;
        }
        FsContextOperations* ops = Native->ops;
        if (ops != null && ops->parse_param != null)
        {
            int ret = CallParseParam(ops, key, value);
            if (ret != -(int)Errno.ENOPARAM) return ret;
        }
        // mirrors fs/fs_context.c:vfs_parse_fs_param_source
        if (key == "source")
        {
            if (value is null) return Invalid("VFS: Non-string source");
            if (Source is not null) return Invalid("VFS: Multiple sources");
            SetSource(value);
            return 0;
        }
        return Invalid($"{Type.Name}: Unknown parameter '{key}'");
    }

    private unsafe int CallParseParam(FsContextOperations* ops, string key, string? value)
    {
        nint keyCopy = Marshal.StringToCoTaskMemUTF8(key);
        nint valueCopy = value is null ? 0 : Marshal.StringToCoTaskMemUTF8(value);
        try
        {
            NativeFsParameter param = new()
            {
                key = (byte*)keyCopy,
                type = value is null ? (uint)FsParameterType.Flag : (uint)FsParameterType.String,
                size = value is null ? 0 : (nuint)System.Text.Encoding.UTF8.GetByteCount(value),
                @string = (byte*)valueCopy,
            };
            // SAFETY: Native is owned by this fs_context: allocated in the constructor and freed only by Dispose; callers use the context before disposing it.
            return ops->parse_param(Native, &param);
        }
        finally
        {
            Marshal.FreeCoTaskMem(keyCopy);
            if (valueCopy != 0) Marshal.FreeCoTaskMem(valueCopy);
        }
    }

    private static bool SbFlag(string key, out uint set, out uint clear)
    {
        set = clear = 0;
        switch (key)
        {
            case "ro": set = (uint)SuperBlockFlags.ReadOnly; return true;
            case "rw": clear = (uint)SuperBlockFlags.ReadOnly; return true;
            case "sync": set = (uint)SuperBlockFlags.Synchronous; return true;
            case "async": clear = (uint)SuperBlockFlags.Synchronous; return true;
            case "dirsync": set = (uint)SuperBlockFlags.DirSync; return true;
            case "silent": set = (uint)SuperBlockFlags.Silent; return true;
            case "lazytime": case "nolazytime": case "mand": case "nomand": return true; // accepted, not modelled
            default: return false;
        }
    }

    /// <summary>
    /// mirrors fs/fs_context.c:parse_monolithic_mount_data: the type's parse_monolithic, or
    /// generic_parse_monolithic (comma-separated options, each "key" or "key=value").
    /// </summary>
    public unsafe int ParseMonolithic(byte[]? data)
    {
        if (data is null) return 0;
        // SAFETY: Native is owned by this fs_context: allocated in the constructor and freed only by Dispose; callers use the context before disposing it.
        FsContextOperations* ops = Native->ops;
        if (ops != null && ops->parse_monolithic != null)
        {
            byte[] page = new byte[4096];
            data.AsSpan(0, Math.Min(data.Length, page.Length - 1)).CopyTo(page);
            fixed (byte* p = page) return ops->parse_monolithic(Native, p);
        }
        if ((Type.Flags & FsFlags.BinaryMountData) != 0) return 0;
        // mirrors fs/fs_context.c:vfs_parse_monolithic_sep with ',' as separator
        int end = Array.IndexOf(data, (byte)0);
        string options = System.Text.Encoding.UTF8.GetString(data, 0, end < 0 ? data.Length : end);
        foreach (string option in options.Split(','))
        {
            if (option.Length == 0) continue;
            int eq = option.IndexOf('=');
            int ret = eq < 0 ? ParseParam(option, null) : ParseParam(option[..eq], option[(eq + 1)..]);
            if (ret != 0) return ret;
        }
        return 0;
    }

    /// <summary>
    /// mirrors fs/super.c:vfs_get_tree: the file system's get_tree, which must set fc-&gt;root.
    /// </summary>
    public unsafe int GetTree()
    {
        // SAFETY: Native is owned by this fs_context: allocated in the constructor and freed only by Dispose; callers use the context before disposing it.
        FsContextOperations* ops = Native->ops;
        if (ops == null || ops->get_tree == null) return Invalid($"{Type.Name}: no get_tree");
        if (Root is not null) return -(int)Errno.EBUSY;
        int error = ops->get_tree(Native);
        if (error != 0) return error;
        if (Root is null)
        {
            Kernel.Log.Printk($"Filesystem {Type.Name} get_tree() didn't set fc->root");
            return -(int)Errno.EINVAL;
        }
        return 0;
    }

    /// <summary>Sets fc-&gt;root (get_tree's result) with the references the caller hands over: a dentry reference and an active superblock reference.</summary>
    public unsafe void SetRoot(VfsDentry root)
    {
        Root = root;
        // SAFETY: Native is owned by this fs_context: allocated in the constructor and freed only by Dispose; callers use the context before disposing it.
        Native->root = root.Native;
    }

    /// <summary>mirrors fs/fs_context.c:vfs_parse_fs_string("source").</summary>
    public unsafe void SetSource(string source)
    {
        Source = source;
        if (_source != null) Marshal.FreeCoTaskMem((nint)_source);
        _source = (byte*)Marshal.StringToCoTaskMemUTF8(source);
        // SAFETY: Native is owned by this fs_context: allocated in the constructor and freed only by Dispose; callers use the context before disposing it.
        Native->source = _source;
    }

    private int Invalid(string message)
    {
        Kernel.Log.Printk(message);
        return -(int)Errno.EINVAL;
    }

    /// <summary>
    /// mirrors fs/fs_context.c:put_fs_context: drops the root (dput and deactivate_super), calls
    /// ->free, frees what the context still owns and unpins the type's module.
    /// </summary>
    public unsafe void Dispose()
    {
        if (_freed) return;
        _freed = true;
        if (Root is { } root)
        {
            Root = null;
            // SAFETY: Native is owned by this fs_context: allocated in the constructor and freed only by Dispose; callers use the context before disposing it.
            Native->root = null;
            VfsSuperBlock sb = root.Sb;
            Dcache.Put(root);
            sb.Deactivate();
        }
        FsContextOperations* ops = Native->ops;
        try
        {
            if (ops != null && ops->free != null) ops->free(Native);
        }
        finally
        {
            SetFsInfo(null);
            if (_source != null) Marshal.FreeCoTaskMem((nint)_source);
            _source = null;
            Native->fc_model = 0;
            _self.Free();
            NativeMemory.Free(Native);
            Native = null;
            Type.PutFileSystem();
        }
    }
}
