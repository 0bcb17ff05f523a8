using System;
using System.ComponentModel;

namespace KernelOps.Abi;

// The safe shapes of the VFS tables' slots (inode_operations, super_operations, file_system_type,
// fs_context_operations, and file_operations.iterate_shared), in the style of Operations.cs: one
// interface per C signature, shared by every slot of that signature (unlink and rmdir are one
// IInodeDentryOperation; put_super, umount_begin and kill_sb one ISuperBlockVoidOperation), each naming
// its validating adapter in VfsThunkAdapters. struct mnt_idmap * is never handed to handlers.

/// <summary>lookup: <c>struct dentry *(*)(struct inode *dir, struct dentry *, unsigned int flags)</c>. Ok is NULL (the dentry given is the answer, positive or negative); an error is ERR_PTR.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Lookup))]
public interface ILookupOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Inode dir, Dentry dentry, LookupFlags flags);
}

/// <summary>get_link: <c>const char *(*)(struct dentry *, struct inode *, struct delayed_call *)</c>. The handler sets the target; the adapter owns the copy until the VFS's delayed call frees it.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.GetLink))]
public interface IGetLinkOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Dentry dentry, Inode inode, LinkTarget target);
}

/// <summary>permission: <c>int (*)(struct mnt_idmap *, struct inode *, int mask)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Permission))]
public interface IPermissionOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Inode inode, MayMask mask);
}

/// <summary>create: <c>int (*)(struct mnt_idmap *, struct inode *dir, struct dentry *, umode_t, bool excl)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Create))]
public interface ICreateOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Inode dir, Dentry dentry, uint mode, bool exclusive);
}

/// <summary>link: <c>int (*)(struct dentry *old, struct inode *dir, struct dentry *new)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Link))]
public interface ILinkOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Dentry oldDentry, Inode dir, Dentry dentry);
}

/// <summary>unlink and rmdir: <c>int (*)(struct inode *dir, struct dentry *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.InodeDentry))]
public interface IInodeDentryOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Inode dir, Dentry dentry);
}

/// <summary>symlink: <c>int (*)(struct mnt_idmap *, struct inode *dir, struct dentry *, const char *target)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Symlink))]
public interface ISymlinkOperation : IHandlerOperation
{
    /// <summary>Calls the handler; <paramref name="target"/> is the link's contents without the NUL.</summary>
    static abstract KResult Invoke(Inode dir, Dentry dentry, ReadOnlySpan<byte> target);
}

/// <summary>mkdir: <c>struct dentry *(*)(struct mnt_idmap *, struct inode *dir, struct dentry *, umode_t)</c>. Ok is NULL (the dentry given was instantiated); an error is ERR_PTR.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Mkdir))]
public interface IMkdirOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Inode dir, Dentry dentry, uint mode);
}

/// <summary>mknod: <c>int (*)(struct mnt_idmap *, struct inode *dir, struct dentry *, umode_t, dev_t)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Mknod))]
public interface IMknodOperation : IHandlerOperation
{
    /// <summary>Calls the handler; <paramref name="device"/> is MKDEV(major, minor).</summary>
    static abstract KResult Invoke(Inode dir, Dentry dentry, uint mode, uint device);
}

/// <summary>rename: <c>int (*)(struct mnt_idmap *, struct inode *, struct dentry *, struct inode *, struct dentry *, unsigned int)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Rename))]
public interface IRenameOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Inode oldDir, Dentry oldDentry, Inode newDir, Dentry newDentry, RenameFlags flags);
}

/// <summary>setattr: <c>int (*)(struct mnt_idmap *, struct dentry *, struct iattr *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Setattr))]
public interface ISetattrOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Dentry dentry, Iattr attributes);
}

/// <summary>getattr: <c>int (*)(struct mnt_idmap *, const struct path *, struct kstat *, u32 request_mask, unsigned int query_flags)</c>; the handler gets the path's dentry.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Getattr))]
public interface IGetattrOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Dentry dentry, Kstat stat, StatxMask requestMask, uint queryFlags);
}

/// <summary>tmpfile: <c>int (*)(struct mnt_idmap *, struct inode *dir, struct file *, umode_t)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Tmpfile))]
public interface ITmpfileOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Inode dir, FileRef file, uint mode);
}

/// <summary>drop_inode: <c>int (*)(struct inode *)</c>: true evicts the inode at its last iput.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.DropInode))]
public interface IDropInodeOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract bool Invoke(Inode inode);
}

/// <summary>evict_inode: <c>void (*)(struct inode *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.InodeVoid))]
public interface IInodeVoidOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract void Invoke(Inode inode);
}

/// <summary>put_super, umount_begin and kill_sb: <c>void (*)(struct super_block *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.SuperBlockVoid))]
public interface ISuperBlockVoidOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract void Invoke(SuperBlock superBlock);
}

/// <summary>sync_fs: <c>int (*)(struct super_block *, int wait)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.SyncFs))]
public interface ISyncFsOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(SuperBlock superBlock, bool wait);
}

/// <summary>statfs: <c>int (*)(struct dentry *, struct kstatfs *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.Statfs))]
public interface IStatfsOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(Dentry dentry, Kstatfs buffer);
}

/// <summary>init_fs_context, get_tree and reconfigure: <c>int (*)(struct fs_context *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.FsContext))]
public interface IFsContextOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(FsContext context);
}

/// <summary>free: <c>void (*)(struct fs_context *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.FsContextVoid))]
public interface IFsContextVoidOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract void Invoke(FsContext context);
}

/// <summary>parse_param: <c>int (*)(struct fs_context *, struct fs_parameter *)</c>; <see cref="Errno.ENOPARAM"/> for an option the file system does not know.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.ParseParam))]
public interface IParseParamOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(FsContext context, FsParameter parameter);
}

/// <summary>parse_monolithic: <c>int (*)(struct fs_context *, void *data)</c>; the handler gets the data page up to its NUL.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.ParseMonolithic))]
public interface IParseMonolithicOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(FsContext context, ReadOnlySpan<byte> data);
}

/// <summary>iterate_shared: <c>int (*)(struct file *, struct dir_context *)</c>: emit entries from <c>ctx-&gt;pos</c> on with <c>DirContext.Emit</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.IterateShared))]
public interface IIterateSharedOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(FileRef file, DirContext context);
}

/// <summary>Stateful iterate_shared: the per-open state created by open (a directory cursor, say) handed in.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Borrow)]
[OperationAdapter(typeof(VfsThunkAdapters), nameof(VfsThunkAdapters.StatefulIterateShared))]
public interface IIterateSharedOperation<TState> : IHandlerOperation where TState : class
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(TState state, FileRef file, DirContext context);
}
