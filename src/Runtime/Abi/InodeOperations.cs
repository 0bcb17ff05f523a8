using System.Runtime.InteropServices;

namespace KernelOps.Abi;

/// <summary>
/// <c>struct inode_operations</c>, byte-identical to Linux 6.18 x86_64 (256 bytes: 25 members and 56
/// bytes of padding from its <c>__aligned__(64)</c>; see
/// tests/KernelOps.Runtime.Tests/Fixtures/inode_operations.pahole.txt). The <see cref="OpsSlotAttribute"/>
/// on each implementable slot is this kind's whole description for the generator; the other slots stay
/// null. <c>struct mnt_idmap *</c> arguments are always <c>&amp;nop_mnt_idmap</c> in the model (no
/// idmapped mounts) and are not handed to handlers. What the VFS does for a null slot is Linux's
/// (fs/namei.c): no <c>create</c>: EACCES; no <c>mkdir</c>/<c>mknod</c>/<c>symlink</c>/<c>link</c>/
/// <c>unlink</c>/<c>rmdir</c>/<c>rename</c>: EPERM; no <c>lookup</c>: the inode is not a directory
/// (ENOTDIR); no <c>setattr</c>: simple_setattr; no <c>getattr</c>: generic_fillattr; no
/// <c>permission</c>: generic_permission; no <c>tmpfile</c>: EOPNOTSUPP.
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = 256)]
public struct InodeOperations
{
    /// <summary><c>struct dentry *(*lookup)(struct inode *, struct dentry *, unsigned int)</c> (offset 0). Null: the inode cannot be walked into (ENOTDIR).</summary>
    [OpsSlot(typeof(LookupAttribute), typeof(ILookupOperation))]
    public unsafe delegate* unmanaged<NativeInode*, NativeDentry*, uint, NativeDentry*> lookup;

    /// <summary><c>const char *(*get_link)(struct dentry *, struct inode *, struct delayed_call *)</c> (offset 8). Null, with no <c>i_link</c>: the inode is not a symlink the walk can follow.</summary>
    [OpsSlot(typeof(GetLinkAttribute), typeof(IGetLinkOperation))]
    public unsafe delegate* unmanaged<NativeDentry*, NativeInode*, NativeDelayedCall*, byte*> get_link;

    /// <summary><c>int (*permission)(struct mnt_idmap *, struct inode *, int)</c> (offset 16). Null: generic_permission.</summary>
    [OpsSlot(typeof(PermissionAttribute), typeof(IPermissionOperation))]
    public unsafe delegate* unmanaged<void*, NativeInode*, int, int> permission;

    /// <summary><c>struct posix_acl *(*get_inode_acl)(struct inode *, int, bool)</c> (offset 24). Not modelled (no ACLs).</summary>
    public unsafe delegate* unmanaged<NativeInode*, int, byte, void*> get_inode_acl;

    /// <summary><c>int (*readlink)(struct dentry *, char *, int)</c> (offset 32). Not modelled: readlink(2) uses get_link (vfs_readlink's default).</summary>
    public unsafe delegate* unmanaged<NativeDentry*, byte*, int, int> readlink;

    /// <summary><c>int (*create)(struct mnt_idmap *, struct inode *, struct dentry *, umode_t, bool)</c> (offset 40). Null: open(O_CREAT) of a new name is EACCES.</summary>
    [OpsSlot(typeof(CreateAttribute), typeof(ICreateOperation))]
    public unsafe delegate* unmanaged<void*, NativeInode*, NativeDentry*, ushort, byte, int> create;

    /// <summary><c>int (*link)(struct dentry *, struct inode *, struct dentry *)</c> (offset 48). Null: link(2) is EPERM.</summary>
    [OpsSlot(typeof(LinkAttribute), typeof(ILinkOperation))]
    public unsafe delegate* unmanaged<NativeDentry*, NativeInode*, NativeDentry*, int> link;

    /// <summary><c>int (*unlink)(struct inode *, struct dentry *)</c> (offset 56). Null: unlink(2) is EPERM.</summary>
    [OpsSlot(typeof(UnlinkAttribute), typeof(IInodeDentryOperation))]
    public unsafe delegate* unmanaged<NativeInode*, NativeDentry*, int> unlink;

    /// <summary><c>int (*symlink)(struct mnt_idmap *, struct inode *, struct dentry *, const char *)</c> (offset 64). Null: symlink(2) is EPERM.</summary>
    [OpsSlot(typeof(SymlinkAttribute), typeof(ISymlinkOperation))]
    public unsafe delegate* unmanaged<void*, NativeInode*, NativeDentry*, byte*, int> symlink;

    /// <summary><c>struct dentry *(*mkdir)(struct mnt_idmap *, struct inode *, struct dentry *, umode_t)</c> (offset 72). Null: mkdir(2) is EPERM.</summary>
    [OpsSlot(typeof(MkdirAttribute), typeof(IMkdirOperation))]
    public unsafe delegate* unmanaged<void*, NativeInode*, NativeDentry*, ushort, NativeDentry*> mkdir;

    /// <summary><c>int (*rmdir)(struct inode *, struct dentry *)</c> (offset 80). Null: rmdir(2) is EPERM.</summary>
    [OpsSlot(typeof(RmdirAttribute), typeof(IInodeDentryOperation))]
    public unsafe delegate* unmanaged<NativeInode*, NativeDentry*, int> rmdir;

    /// <summary><c>int (*mknod)(struct mnt_idmap *, struct inode *, struct dentry *, umode_t, dev_t)</c> (offset 88). Null: mknod(2) is EPERM.</summary>
    [OpsSlot(typeof(MknodAttribute), typeof(IMknodOperation))]
    public unsafe delegate* unmanaged<void*, NativeInode*, NativeDentry*, ushort, uint, int> mknod;

    /// <summary><c>int (*rename)(struct mnt_idmap *, struct inode *, struct dentry *, struct inode *, struct dentry *, unsigned int)</c> (offset 96). Null: rename(2) is EPERM.</summary>
    [OpsSlot(typeof(RenameAttribute), typeof(IRenameOperation))]
    public unsafe delegate* unmanaged<void*, NativeInode*, NativeDentry*, NativeInode*, NativeDentry*, uint, int> rename;

    /// <summary><c>int (*setattr)(struct mnt_idmap *, struct dentry *, struct iattr *)</c> (offset 104). Null: notify_change uses simple_setattr.</summary>
    [OpsSlot(typeof(SetattrAttribute), typeof(ISetattrOperation))]
    public unsafe delegate* unmanaged<void*, NativeDentry*, NativeIattr*, int> setattr;

    /// <summary><c>int (*getattr)(struct mnt_idmap *, const struct path *, struct kstat *, u32, unsigned int)</c> (offset 112). Null: generic_fillattr.</summary>
    [OpsSlot(typeof(GetattrAttribute), typeof(IGetattrOperation))]
    public unsafe delegate* unmanaged<void*, NativePath*, NativeKstat*, uint, uint, int> getattr;

    /// <summary><c>ssize_t (*listxattr)(struct dentry *, char *, size_t)</c> (offset 120). Not modelled (no xattrs).</summary>
    public unsafe delegate* unmanaged<NativeDentry*, byte*, nuint, nint> listxattr;

    /// <summary><c>int (*fiemap)(struct inode *, struct fiemap_extent_info *, u64, u64)</c> (offset 128). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeInode*, void*, ulong, ulong, int> fiemap;

    /// <summary><c>int (*update_time)(struct inode *, int)</c> (offset 136). Not modelled: generic_update_time.</summary>
    public unsafe delegate* unmanaged<NativeInode*, int, int> update_time;

    /// <summary><c>int (*atomic_open)(struct inode *, struct dentry *, struct file *, unsigned int, umode_t)</c> (offset 144). Not modelled: lookup then create.</summary>
    public unsafe delegate* unmanaged<NativeInode*, NativeDentry*, NativeFile*, uint, ushort, int> atomic_open;

    /// <summary><c>int (*tmpfile)(struct mnt_idmap *, struct inode *, struct file *, umode_t)</c> (offset 152). Null: open(O_TMPFILE) is EOPNOTSUPP.</summary>
    [OpsSlot(typeof(TmpfileAttribute), typeof(ITmpfileOperation))]
    public unsafe delegate* unmanaged<void*, NativeInode*, NativeFile*, ushort, int> tmpfile;

    /// <summary><c>struct posix_acl *(*get_acl)(struct mnt_idmap *, struct dentry *, int)</c> (offset 160). Not modelled (no ACLs).</summary>
    public unsafe delegate* unmanaged<void*, NativeDentry*, int, void*> get_acl;

    /// <summary><c>int (*set_acl)(struct mnt_idmap *, struct dentry *, struct posix_acl *, int)</c> (offset 168). Not modelled (no ACLs).</summary>
    public unsafe delegate* unmanaged<void*, NativeDentry*, void*, int, int> set_acl;

    /// <summary><c>int (*fileattr_set)(struct mnt_idmap *, struct dentry *, struct file_kattr *)</c> (offset 176). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, NativeDentry*, void*, int> fileattr_set;

    /// <summary><c>int (*fileattr_get)(struct dentry *, struct file_kattr *)</c> (offset 184). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeDentry*, void*, int> fileattr_get;

    /// <summary><c>struct offset_ctx *(*get_offset_ctx)(struct inode *)</c> (offset 192). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeInode*, void*> get_offset_ctx;
}
