using System;
using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using KernelOps.Model;

namespace KernelOps.Abi;

/// <summary>
/// Marks an <c>[UnmanagedCallersOnly]</c> function the kernel model hands to a file system through
/// a pointer, not an ops-table slot: <c>dir_context.actor</c> (filldir64) and a
/// <c>delayed_call</c>'s function. Ops-table thunks are all generated; these are the kernel's own C
/// entry points.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
internal sealed class KernelCallbackAttribute : Attribute;

/// <summary>
/// The validating halves of the VFS tables' thunks (inode_operations, super_operations,
/// file_system_type, fs_context_operations, iterate_shared), with <see cref="ThunkAdapters"/>'
/// discipline: every raw pointer checked (<see cref="RawPointer"/>, inside the guarded region) before
/// it is read, the result mapped to the C convention (0/-errno,
/// NULL/ERR_PTR for the slots returning a dentry), every exception caught into -EIO and a log
/// line. A void slot cannot report an error: an exception there is logged. Generated code calls
/// these; users do not.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class VfsThunkAdapters
{
    /// <summary>PAGE_SIZE: the most parse_monolithic reads of the mount data.</summary>
    private const int PageSize = 4096;

    /// <summary>ERR_PTR(-errno) (include/linux/err.h).</summary>
    internal static unsafe T* ErrPtr<T>(nint negativeErrno) where T : unmanaged => (T*)negativeErrno;

    /// <summary>IS_ERR: a pointer in the top MAX_ERRNO bytes of the address space is an error.</summary>
    internal static unsafe bool IsErr(void* pointer) => (nuint)pointer >= unchecked((nuint)(-ThunkAdapters.MaxErrno));

    /// <summary>lookup: NULL (the dentry given is the answer) or ERR_PTR.</summary>
    public static unsafe NativeDentry* Lookup<T>(NativeInode* dir, NativeDentry* dentry, uint flags) where T : ILookupOperation
    {
        try
        {
            if (!RawPointer.IsInode(dir) || !RawPointer.Is<NativeDentry>(dentry)) return ErrPtr<NativeDentry>(-(nint)Errno.EINVAL);
            // SAFETY: the VFS passes the locked directory's inode and a dentry it holds for the call.
            return Pointer<T, NativeDentry>(T.Invoke(new Inode(dir), new Dentry(dentry), (LookupFlags)flags));
        }
        catch (Exception e)
        {
            return ErrPtr<NativeDentry>(ThunkAdapters.HandlerThrew<T>(e));
        }
    }

    /// <summary>get_link: a NUL-terminated copy of the target the handler set, freed by <paramref name="done"/>.</summary>
    public static unsafe byte* GetLink<T>(NativeDentry* dentry, NativeInode* inode, NativeDelayedCall* done) where T : IGetLinkOperation
    {
        try
        {
            if (!RawPointer.IsInode(inode) || !RawPointer.Is<NativeDelayedCall>(done)) return ErrPtr<byte>(-(nint)Errno.EINVAL);
            byte[]? bytes = null;
            var target = new LinkTarget(ref bytes);
            // SAFETY: inode is live for the call (the walk holds the link's dentry); dentry is null
            // only in RCU walk, which the model never does, and the view treats null as null.
            KResult result = T.Invoke(new Dentry(dentry), new Inode(inode), target);
            if (!result.IsOk) return ErrPtr<byte>(ThunkAdapters.ErrorReturn<T>(result.Error));
            if (bytes is null) return ErrPtr<byte>(ThunkAdapters.Misbehaved<T>("succeeded without setting a target"));
            byte* copy = (byte*)NativeMemory.Alloc((nuint)bytes.Length + 1);
            bytes.CopyTo(new Span<byte>(copy, bytes.Length));
            copy[bytes.Length] = 0;
            done->fn = &FreeLinkCopy;
            done->arg = copy;
            return copy;
        }
        catch (Exception e)
        {
            return ErrPtr<byte>(ThunkAdapters.HandlerThrew<T>(e));
        }
    }

    [UnmanagedCallersOnly, KernelCallback]
    private static unsafe void FreeLinkCopy(void* copy) => NativeMemory.Free(copy); // SAFETY: the copy GetLink allocated, freed once by the delayed call

    /// <summary>permission.</summary>
    public static unsafe int Permission<T>(void* idmap, NativeInode* inode, int mask) where T : IPermissionOperation
    {
        _ = idmap;
        try
        {
            if (!RawPointer.IsInode(inode)) return -(int)Errno.EINVAL;
            // SAFETY: inode is live for the call (the caller holds a reference).
            return Int<T>(T.Invoke(new Inode(inode), (MayMask)mask));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>create.</summary>
    public static unsafe int Create<T>(void* idmap, NativeInode* dir, NativeDentry* dentry, ushort mode, byte excl) where T : ICreateOperation
    {
        _ = idmap;
        try
        {
            if (!RawPointer.IsInode(dir) || !RawPointer.Is<NativeDentry>(dentry)) return -(int)Errno.EINVAL;
            // SAFETY: the locked parent's inode and a negative dentry the VFS holds for the call.
            return Int<T>(T.Invoke(new Inode(dir), new Dentry(dentry), mode, excl != 0));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>link.</summary>
    public static unsafe int Link<T>(NativeDentry* oldDentry, NativeInode* dir, NativeDentry* dentry) where T : ILinkOperation
    {
        try
        {
            if (!RawPointer.Is<NativeDentry>(oldDentry) || !RawPointer.IsInode(dir) || !RawPointer.Is<NativeDentry>(dentry)) return -(int)Errno.EINVAL;
            // SAFETY: the source (held by the walk), the locked target directory and its negative dentry.
            return Int<T>(T.Invoke(new Dentry(oldDentry), new Inode(dir), new Dentry(dentry)));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>unlink and rmdir.</summary>
    public static unsafe int InodeDentry<T>(NativeInode* dir, NativeDentry* dentry) where T : IInodeDentryOperation
    {
        try
        {
            if (!RawPointer.IsInode(dir) || !RawPointer.Is<NativeDentry>(dentry)) return -(int)Errno.EINVAL;
            // SAFETY: the locked directory and a positive dentry the VFS holds for the call.
            return Int<T>(T.Invoke(new Inode(dir), new Dentry(dentry)));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>symlink.</summary>
    public static unsafe int Symlink<T>(void* idmap, NativeInode* dir, NativeDentry* dentry, byte* target) where T : ISymlinkOperation
    {
        _ = idmap;
        try
        {
            if (!RawPointer.IsInode(dir) || !RawPointer.Is<NativeDentry>(dentry) || !RawPointer.Is<byte>(target)) return -(int)Errno.EINVAL;
            // SAFETY: target is the VFS's NUL-terminated copy of the user's string, live for the call.
            ReadOnlySpan<byte> text = MemoryMarshal.CreateReadOnlySpanFromNullTerminated(target);
            return Int<T>(T.Invoke(new Inode(dir), new Dentry(dentry), text));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>mkdir: NULL (the dentry given was instantiated) or ERR_PTR.</summary>
    public static unsafe NativeDentry* Mkdir<T>(void* idmap, NativeInode* dir, NativeDentry* dentry, ushort mode) where T : IMkdirOperation
    {
        _ = idmap;
        try
        {
            if (!RawPointer.IsInode(dir) || !RawPointer.Is<NativeDentry>(dentry)) return ErrPtr<NativeDentry>(-(nint)Errno.EINVAL);
            // SAFETY: as in Create.
            return Pointer<T, NativeDentry>(T.Invoke(new Inode(dir), new Dentry(dentry), mode));
        }
        catch (Exception e)
        {
            return ErrPtr<NativeDentry>(ThunkAdapters.HandlerThrew<T>(e));
        }
    }

    /// <summary>mknod.</summary>
    public static unsafe int Mknod<T>(void* idmap, NativeInode* dir, NativeDentry* dentry, ushort mode, uint dev) where T : IMknodOperation
    {
        _ = idmap;
        try
        {
            if (!RawPointer.IsInode(dir) || !RawPointer.Is<NativeDentry>(dentry)) return -(int)Errno.EINVAL;
            // SAFETY: as in Create.
            return Int<T>(T.Invoke(new Inode(dir), new Dentry(dentry), mode, dev));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>rename.</summary>
    public static unsafe int Rename<T>(void* idmap, NativeInode* oldDir, NativeDentry* oldDentry, NativeInode* newDir, NativeDentry* newDentry, uint flags) where T : IRenameOperation
    {
        _ = idmap;
        try
        {
            if (!RawPointer.IsInode(oldDir) || !RawPointer.Is<NativeDentry>(oldDentry) || !RawPointer.IsInode(newDir) || !RawPointer.Is<NativeDentry>(newDentry)) return -(int)Errno.EINVAL;
            // SAFETY: both directories are locked and both dentries held by do_renameat2 for the call.
            return Int<T>(T.Invoke(new Inode(oldDir), new Dentry(oldDentry), new Inode(newDir), new Dentry(newDentry), (RenameFlags)flags));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>setattr.</summary>
    public static unsafe int Setattr<T>(void* idmap, NativeDentry* dentry, NativeIattr* attr) where T : ISetattrOperation
    {
        _ = idmap;
        try
        {
            // SAFETY: each pointer is dereferenced only after RawPointer validated it earlier in the same && chain (left-to-right short-circuit).
            if (!RawPointer.Is<NativeDentry>(dentry) || !RawPointer.Is<NativeIattr>(attr) || !RawPointer.IsInode(dentry->d_inode)) return -(int)Errno.EINVAL;
            // SAFETY: notify_change's dentry (positive, inode locked) and its iattr, live for the call.
            return Int<T>(T.Invoke(new Dentry(dentry), new Iattr(attr)));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>getattr.</summary>
    public static unsafe int Getattr<T>(void* idmap, NativePath* path, NativeKstat* stat, uint requestMask, uint queryFlags) where T : IGetattrOperation
    {
        _ = idmap;
        try
        {
            // SAFETY: each pointer is dereferenced only after RawPointer validated it earlier in the same && chain (left-to-right short-circuit).
            if (!RawPointer.Is<NativePath>(path) || !RawPointer.Is<NativeKstat>(stat) || !RawPointer.Is<NativeDentry>(path->dentry) || !RawPointer.IsInode(path->dentry->d_inode)) return -(int)Errno.EINVAL;
            // SAFETY: vfs_getattr's path (held) and kstat (the caller's), live for the call.
            return Int<T>(T.Invoke(new Dentry(path->dentry), new Kstat(stat), (StatxMask)requestMask, queryFlags));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>tmpfile.</summary>
    public static unsafe int Tmpfile<T>(void* idmap, NativeInode* dir, NativeFile* file, ushort mode) where T : ITmpfileOperation
    {
        _ = idmap;
        try
        {
            if (!RawPointer.IsInode(dir) || !RawPointer.Is<NativeFile>(file)) return -(int)Errno.EINVAL;
            // SAFETY: the directory (held by the walk) and the file being opened, live for the call.
            return Int<T>(T.Invoke(new Inode(dir), new FileRef(file), mode));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>drop_inode: 1 evicts. A throwing handler evicts (the safe choice: nothing keeps a broken inode cached).</summary>
    public static unsafe int DropInode<T>(NativeInode* inode) where T : IDropInodeOperation
    {
        try
        {
            if (!RawPointer.IsInode(inode)) return 1;
            // SAFETY: iput_final's inode, with no other reference, live for the call.
            return T.Invoke(new Inode(inode)) ? 1 : 0;
        }
        catch (Exception e)
        {
            ThunkAdapters.HandlerThrew<T>(e);
            return 1;
        }
    }

    /// <summary>evict_inode.</summary>
    public static unsafe void InodeVoid<T>(NativeInode* inode) where T : IInodeVoidOperation
    {
        try
        {
            if (!RawPointer.IsInode(inode)) return;
            // SAFETY: the inode being evicted, freed only after this returns.
            T.Invoke(new Inode(inode));
        }
        catch (Exception e)
        {
            ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>put_super, umount_begin and kill_sb.</summary>
    public static unsafe void SuperBlockVoid<T>(NativeSuperBlock* sb) where T : ISuperBlockVoidOperation
    {
        try
        {
            if (!RawPointer.Is<NativeSuperBlock>(sb)) return;
            // SAFETY: the superblock being torn down (or unmounted), freed only after this returns.
            T.Invoke(new SuperBlock(sb));
        }
        catch (Exception e)
        {
            ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>sync_fs.</summary>
    public static unsafe int SyncFs<T>(NativeSuperBlock* sb, int wait) where T : ISyncFsOperation
    {
        try
        {
            if (!RawPointer.Is<NativeSuperBlock>(sb)) return -(int)Errno.EINVAL;
            // SAFETY: an active superblock, held for the call.
            return Int<T>(T.Invoke(new SuperBlock(sb), wait != 0));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>statfs.</summary>
    public static unsafe int Statfs<T>(NativeDentry* dentry, NativeKstatfs* buf) where T : IStatfsOperation
    {
        try
        {
            if (!RawPointer.Is<NativeDentry>(dentry) || !RawPointer.Is<NativeKstatfs>(buf)) return -(int)Errno.EINVAL;
            // SAFETY: statfs_by_dentry's dentry (held) and kstatfs (the caller's), live for the call.
            return Int<T>(T.Invoke(new Dentry(dentry), new Kstatfs(buf)));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>init_fs_context, get_tree and reconfigure.</summary>
    public static unsafe int FsContext<T>(NativeFsContext* fc) where T : IFsContextOperation
    {
        try
        {
            if (!RawPointer.Is<NativeFsContext>(fc)) return -(int)Errno.EINVAL;
            // SAFETY: the mount's fs_context, owned by the mount syscall for the call.
            return Int<T>(T.Invoke(new FsContext(fc)));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>free (fs_context).</summary>
    public static unsafe void FsContextVoid<T>(NativeFsContext* fc) where T : IFsContextVoidOperation
    {
        try
        {
            if (!RawPointer.Is<NativeFsContext>(fc)) return;
            // SAFETY: put_fs_context's context, freed only after this returns.
            T.Invoke(new FsContext(fc));
        }
        catch (Exception e)
        {
            ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>parse_param.</summary>
    public static unsafe int ParseParam<T>(NativeFsContext* fc, NativeFsParameter* param) where T : IParseParamOperation
    {
        try
        {
            // SAFETY: each pointer is dereferenced only after RawPointer validated it earlier in the same && chain (left-to-right short-circuit).
            if (!RawPointer.Is<NativeFsContext>(fc) || !RawPointer.Is<NativeFsParameter>(param) || !RawPointer.Is<byte>(param->key)) return -(int)Errno.EINVAL;
            // SAFETY: the context and the VFS's copy of one option, live for the call.
            // ENOPARAM (an unknown option) is an error like any other on the C side: the VFS then
            // tries "source" and fails the rest with EINVAL.
            return Int<T>(T.Invoke(new FsContext(fc), new FsParameter(param)));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>parse_monolithic: the data page up to its NUL (at most PAGE_SIZE bytes).</summary>
    public static unsafe int ParseMonolithic<T>(NativeFsContext* fc, void* data) where T : IParseMonolithicOperation
    {
        try
        {
            if (!RawPointer.Is<NativeFsContext>(fc)) return -(int)Errno.EINVAL;
            ReadOnlySpan<byte> text = default;
            if (data != null)
            {
                // SAFETY: do_new_mount copied the user's data into one kernel page (copy_mount_options).
                var page = new ReadOnlySpan<byte>(data, PageSize);
                int end = page.IndexOf((byte)0);
                text = end < 0 ? page : page[..end];
            }
            return Int<T>(T.Invoke(new FsContext(fc), text));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>iterate_shared.</summary>
    public static unsafe int IterateShared<T>(NativeFile* file, NativeDirContext* ctx) where T : IIterateSharedOperation
    {
        try
        {
            if (!RawPointer.IsFile(file)) return -(int)Errno.EBADF;
            // SAFETY: each pointer is dereferenced only after RawPointer validated it earlier in the same && chain (left-to-right short-circuit).
            if (!RawPointer.Is<NativeDirContext>(ctx) || ctx->actor == null) return -(int)Errno.EINVAL;
            // SAFETY: iterate_dir holds the file and passes its own dir_context for the call.
            return Int<T>(T.Invoke(new FileRef(file), new DirContext(ctx)));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>Stateful iterate_shared: the per-open state borrowed from private_data.</summary>
    public static unsafe int StatefulIterateShared<T, TState>(NativeFile* file, NativeDirContext* ctx) where T : IIterateSharedOperation<TState> where TState : class
    {
        try
        {
            if (!RawPointer.IsFile(file)) return -(int)Errno.EBADF;
            // SAFETY: each pointer is dereferenced only after RawPointer validated it earlier in the same && chain (left-to-right short-circuit).
            if (!RawPointer.Is<NativeDirContext>(ctx) || ctx->actor == null) return -(int)Errno.EINVAL;
            if (!StatefulThunkAdapters.TryBorrow<T, TState>(file, out TState? state, out nint error)) return (int)error;
            // SAFETY: as IterateShared; the state lives until release, which cannot run during this call.
            return Int<T>(T.Invoke(state, new FileRef(file), new DirContext(ctx)));
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Int<T>(KResult result) where T : IHandlerOperation =>
        result.IsOk ? 0 : (int)ThunkAdapters.ErrorReturn<T>(result.Error);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe TPointee* Pointer<T, TPointee>(KResult result) where T : IHandlerOperation where TPointee : unmanaged =>
        result.IsOk ? null : ErrPtr<TPointee>(ThunkAdapters.ErrorReturn<T>(result.Error));
}
