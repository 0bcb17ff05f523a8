using System.Runtime.InteropServices;

namespace KernelOps.Abi;

/// <summary>
/// <c>struct super_operations</c>, byte-identical to Linux 6.18 x86_64 (216 bytes, 27 members; see
/// tests/KernelOps.Runtime.Tests/Fixtures/super_operations.pahole.txt). Null slots behave as in
/// Linux: no <c>drop_inode</c>: generic_drop_inode (evict an unused inode once it has no link or is
/// unhashed, else keep it cached); no <c>evict_inode</c>: truncate the page cache and clear_inode;
/// no <c>statfs</c>: ENOSYS; no <c>put_super</c>/<c>sync_fs</c>: nothing to do. <c>alloc_inode</c>,
/// <c>destroy_inode</c> and <c>free_inode</c> are not modelled: the model allocates every inode
/// itself, and a file system keeps its per-inode state in <c>i_private</c>.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct SuperOperations
{
    /// <summary><c>struct inode *(*alloc_inode)(struct super_block *)</c> (offset 0). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, NativeInode*> alloc_inode;

    /// <summary><c>void (*destroy_inode)(struct inode *)</c> (offset 8). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeInode*, void> destroy_inode;

    /// <summary><c>void (*free_inode)(struct inode *)</c> (offset 16). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeInode*, void> free_inode;

    /// <summary><c>void (*dirty_inode)(struct inode *, int)</c> (offset 24). Not modelled (nothing is written back).</summary>
    public unsafe delegate* unmanaged<NativeInode*, int, void> dirty_inode;

    /// <summary><c>int (*write_inode)(struct inode *, struct writeback_control *)</c> (offset 32). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeInode*, void*, int> write_inode;

    /// <summary><c>int (*drop_inode)(struct inode *)</c> (offset 40): non-zero evicts the inode at its last iput.</summary>
    [OpsSlot(typeof(DropInodeAttribute), typeof(IDropInodeOperation))]
    public unsafe delegate* unmanaged<NativeInode*, int> drop_inode;

    /// <summary><c>void (*evict_inode)(struct inode *)</c> (offset 48).</summary>
    [OpsSlot(typeof(EvictInodeAttribute), typeof(IInodeVoidOperation))]
    public unsafe delegate* unmanaged<NativeInode*, void> evict_inode;

    /// <summary><c>void (*put_super)(struct super_block *)</c> (offset 56).</summary>
    [OpsSlot(typeof(PutSuperAttribute), typeof(ISuperBlockVoidOperation))]
    public unsafe delegate* unmanaged<NativeSuperBlock*, void> put_super;

    /// <summary><c>int (*sync_fs)(struct super_block *, int)</c> (offset 64).</summary>
    [OpsSlot(typeof(SyncFsAttribute), typeof(ISyncFsOperation))]
    public unsafe delegate* unmanaged<NativeSuperBlock*, int, int> sync_fs;

    /// <summary><c>int (*freeze_super)(struct super_block *, enum freeze_holder, const void *)</c> (offset 72). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, int, void*, int> freeze_super;

    /// <summary><c>int (*freeze_fs)(struct super_block *)</c> (offset 80). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, int> freeze_fs;

    /// <summary><c>int (*thaw_super)(struct super_block *, enum freeze_holder, const void *)</c> (offset 88). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, int, void*, int> thaw_super;

    /// <summary><c>int (*unfreeze_fs)(struct super_block *)</c> (offset 96). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, int> unfreeze_fs;

    /// <summary><c>int (*statfs)(struct dentry *, struct kstatfs *)</c> (offset 104). Null: statfs(2) is ENOSYS.</summary>
    [OpsSlot(typeof(StatfsAttribute), typeof(IStatfsOperation))]
    public unsafe delegate* unmanaged<NativeDentry*, NativeKstatfs*, int> statfs;

    /// <summary><c>int (*remount_fs)(struct super_block *, int *, char *)</c> (offset 112). Not modelled (fs_context reconfigure instead).</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, int*, byte*, int> remount_fs;

    /// <summary><c>void (*umount_begin)(struct super_block *)</c> (offset 120): called by umount2(MNT_FORCE).</summary>
    [OpsSlot(typeof(UmountBeginAttribute), typeof(ISuperBlockVoidOperation))]
    public unsafe delegate* unmanaged<NativeSuperBlock*, void> umount_begin;

    /// <summary><c>int (*show_options)(struct seq_file *, struct dentry *)</c> (offset 128). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, NativeDentry*, int> show_options;

    /// <summary><c>int (*show_devname)(struct seq_file *, struct dentry *)</c> (offset 136). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, NativeDentry*, int> show_devname;

    /// <summary><c>int (*show_path)(struct seq_file *, struct dentry *)</c> (offset 144). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, NativeDentry*, int> show_path;

    /// <summary><c>int (*show_stats)(struct seq_file *, struct dentry *)</c> (offset 152). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, NativeDentry*, int> show_stats;

    /// <summary><c>ssize_t (*quota_read)(struct super_block *, int, char *, size_t, loff_t)</c> (offset 160). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, int, byte*, nuint, long, nint> quota_read;

    /// <summary><c>ssize_t (*quota_write)(struct super_block *, int, const char *, size_t, loff_t)</c> (offset 168). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, int, byte*, nuint, long, nint> quota_write;

    /// <summary><c>struct dquot **(*get_dquots)(struct inode *)</c> (offset 176). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeInode*, void**> get_dquots;

    /// <summary><c>long (*nr_cached_objects)(struct super_block *, struct shrink_control *)</c> (offset 184). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, void*, nint> nr_cached_objects;

    /// <summary><c>long (*free_cached_objects)(struct super_block *, struct shrink_control *)</c> (offset 192). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, void*, nint> free_cached_objects;

    /// <summary><c>int (*remove_bdev)(struct super_block *, struct block_device *)</c> (offset 200). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, void*, int> remove_bdev;

    /// <summary><c>void (*shutdown)(struct super_block *)</c> (offset 208). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeSuperBlock*, void> shutdown;
}
