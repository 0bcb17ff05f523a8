using System.Runtime.InteropServices;

namespace KernelOps.Abi;

/// <summary>
/// <c>struct file_operations</c>, byte-identical to Linux 6.18 x86_64 (272 bytes, 34 members; see
/// tests/KernelOps.Runtime.Tests/Fixtures/file_operations.pahole.txt). The <see cref="OpsSlotAttribute"/>
/// on each implementable slot is this kind's whole description for the generator; the other slots
/// stay null. <c>owner</c> is never written into a generated table: one static table can be
/// registered by several modules or kernels, so the model pins the registering module instead
/// (see <c>FileDispatch.Owner</c>).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct FileOperations
{
    /// <summary><c>struct module *owner</c> (offset 0). Always null in generated tables; the model pins the registering module.</summary>
    public unsafe void* owner;

    /// <summary><c>fop_flags_t fop_flags</c> (offset 8).</summary>
    [OpsTableSetting(nameof(FileOperationsAttribute.Flags))]
    public uint fop_flags;

    /// <summary><c>loff_t (*llseek)(struct file *, loff_t, int)</c> (offset 16). Null: do_dentry_open clears FMODE_LSEEK, lseek gives ESPIPE.</summary>
    [OpsSlot(typeof(LseekAttribute), typeof(ILseekOperation), Stateful = typeof(ILseekOperation<>), Role = SlotRole.Seek)]
    public unsafe delegate* unmanaged<NativeFile*, long, int, long> llseek;

    /// <summary><c>ssize_t (*read)(struct file *, char __user *, size_t, loff_t *)</c> (offset 24). Null: no FMODE_CAN_READ, read gives EINVAL.</summary>
    [OpsSlot(typeof(ReadAttribute), typeof(IReadOperation), Stateful = typeof(IReadOperation<>), Role = SlotRole.Read)]
    public unsafe delegate* unmanaged<NativeFile*, byte*, nuint, long*, nint> read;

    /// <summary><c>ssize_t (*write)(struct file *, const char __user *, size_t, loff_t *)</c> (offset 32). Null: write gives EINVAL.</summary>
    [OpsSlot(typeof(WriteAttribute), typeof(IWriteOperation), Stateful = typeof(IWriteOperation<>), Role = SlotRole.Write)]
    public unsafe delegate* unmanaged<NativeFile*, byte*, nuint, long*, nint> write;

    /// <summary><c>ssize_t (*read_iter)(struct kiocb *, struct iov_iter *)</c> (offset 40). Not modelled: always null.</summary>
    public unsafe delegate* unmanaged<void*, void*, nint> read_iter;

    /// <summary><c>ssize_t (*write_iter)(struct kiocb *, struct iov_iter *)</c> (offset 48). Not modelled: always null.</summary>
    public unsafe delegate* unmanaged<void*, void*, nint> write_iter;

    /// <summary><c>int (*iopoll)(struct kiocb *, struct io_comp_batch *, unsigned int)</c> (offset 56). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, void*, uint, int> iopoll;

    /// <summary><c>int (*iterate_shared)(struct file *, struct dir_context *)</c> (offset 64): getdents. Null: getdents gives ENOTDIR.</summary>
    [OpsSlot(typeof(IterateSharedAttribute), typeof(IIterateSharedOperation), Stateful = typeof(IIterateSharedOperation<>))]
    public unsafe delegate* unmanaged<NativeFile*, NativeDirContext*, int> iterate_shared;

    /// <summary><c>__poll_t (*poll)(struct file *, struct poll_table_struct *)</c> (offset 72). Null: vfs_poll answers DEFAULT_POLLMASK.</summary>
    [OpsSlot(typeof(PollAttribute), typeof(IPollOperation), Stateful = typeof(IPollOperation<>))]
    public unsafe delegate* unmanaged<NativeFile*, NativePollTable*, uint> poll;

    /// <summary><c>long (*unlocked_ioctl)(struct file *, unsigned int, unsigned long)</c> (offset 80). Null: ioctl gives ENOTTY.</summary>
    [OpsSlot(typeof(IoctlAttribute), typeof(IIoctlOperation), Stateful = typeof(IIoctlOperation<>))]
    public unsafe delegate* unmanaged<NativeFile*, uint, nuint, nint> unlocked_ioctl;

    /// <summary><c>long (*compat_ioctl)(struct file *, unsigned int, unsigned long)</c> (offset 88).</summary>
    [OpsSlot(typeof(CompatIoctlAttribute), typeof(IIoctlOperation), Stateful = typeof(IIoctlOperation<>))]
    public unsafe delegate* unmanaged<NativeFile*, uint, nuint, nint> compat_ioctl;

    /// <summary><c>int (*mmap)(struct file *, struct vm_area_struct *)</c> (offset 96). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, void*, int> mmap;

    /// <summary><c>int (*open)(struct inode *, struct file *)</c> (offset 104). Null: open succeeds.</summary>
    [OpsSlot(typeof(OpenAttribute), typeof(IInodeFileOperation), Stateful = typeof(IOpenOperation<>), Role = SlotRole.Open)]
    public unsafe delegate* unmanaged<NativeInode*, NativeFile*, int> open;

    /// <summary><c>int (*flush)(struct file *, fl_owner_t)</c> (offset 112), called by every close(2). Null: close returns 0.</summary>
    [OpsSlot(typeof(FlushAttribute), typeof(IFlushOperation), Stateful = typeof(IFlushOperation<>))]
    public unsafe delegate* unmanaged<NativeFile*, void*, int> flush;

    /// <summary><c>int (*release)(struct inode *, struct file *)</c> (offset 120), called once by the last fput.</summary>
    [OpsSlot(typeof(ReleaseAttribute), typeof(IInodeFileOperation), Stateful = typeof(IReleaseOperation<>))]
    public unsafe delegate* unmanaged<NativeInode*, NativeFile*, int> release;

    /// <summary><c>int (*fsync)(struct file *, loff_t, loff_t, int datasync)</c> (offset 128). Null: fsync gives EINVAL.</summary>
    [OpsSlot(typeof(FsyncAttribute), typeof(IFsyncOperation), Stateful = typeof(IFsyncOperation<>))]
    public unsafe delegate* unmanaged<NativeFile*, long, long, int, int> fsync;

    /// <summary><c>int (*fasync)(int, struct file *, int)</c> (offset 136). Not modelled.</summary>
    public unsafe delegate* unmanaged<int, NativeFile*, int, int> fasync;

    /// <summary><c>int (*lock)(struct file *, int, struct file_lock *)</c> (offset 144). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, int, void*, int> @lock;

    /// <summary><c>unsigned long (*get_unmapped_area)(struct file *, unsigned long, unsigned long, unsigned long, unsigned long)</c> (offset 152). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, nuint, nuint, nuint, nuint, nuint> get_unmapped_area;

    /// <summary><c>int (*check_flags)(int)</c> (offset 160). Not modelled.</summary>
    public unsafe delegate* unmanaged<int, int> check_flags;

    /// <summary><c>int (*flock)(struct file *, int, struct file_lock *)</c> (offset 168). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, int, void*, int> flock;

    /// <summary><c>ssize_t (*splice_write)(struct pipe_inode_info *, struct file *, loff_t *, size_t, unsigned int)</c> (offset 176). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, NativeFile*, long*, nuint, uint, nint> splice_write;

    /// <summary><c>ssize_t (*splice_read)(struct file *, loff_t *, struct pipe_inode_info *, size_t, unsigned int)</c> (offset 184). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, long*, void*, nuint, uint, nint> splice_read;

    /// <summary><c>void (*splice_eof)(struct file *)</c> (offset 192). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, void> splice_eof;

    /// <summary><c>int (*setlease)(struct file *, int, struct file_lease **, void **)</c> (offset 200). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, int, void**, void**, int> setlease;

    /// <summary><c>long (*fallocate)(struct file *, int, loff_t, loff_t)</c> (offset 208). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, int, long, long, nint> fallocate;

    /// <summary><c>void (*show_fdinfo)(struct seq_file *, struct file *)</c> (offset 216). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, NativeFile*, void> show_fdinfo;

    /// <summary><c>ssize_t (*copy_file_range)(struct file *, loff_t, struct file *, loff_t, size_t, unsigned int)</c> (offset 224). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, long, NativeFile*, long, nuint, uint, nint> copy_file_range;

    /// <summary><c>loff_t (*remap_file_range)(struct file *, loff_t, struct file *, loff_t, loff_t, unsigned int)</c> (offset 232). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, long, NativeFile*, long, long, uint, long> remap_file_range;

    /// <summary><c>int (*fadvise)(struct file *, loff_t, loff_t, int)</c> (offset 240). Not modelled.</summary>
    public unsafe delegate* unmanaged<NativeFile*, long, long, int, int> fadvise;

    /// <summary><c>int (*uring_cmd)(struct io_uring_cmd *, unsigned int)</c> (offset 248). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, uint, int> uring_cmd;

    /// <summary><c>int (*uring_cmd_iopoll)(struct io_uring_cmd *, struct io_comp_batch *, unsigned int)</c> (offset 256). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, void*, uint, int> uring_cmd_iopoll;

    /// <summary><c>int (*mmap_prepare)(struct vm_area_desc *)</c> (offset 264). Not modelled.</summary>
    public unsafe delegate* unmanaged<void*, int> mmap_prepare;
}

/// <summary>
/// The kernel model's <c>struct poll_table_struct</c>: what a poll handler hands to poll_wait. The
/// model's own layout (Linux's holds a <c>poll_queue_proc</c> and the key): <c>_qproc</c> is a
/// GCHandle word to the model's poll_wqueues, 0 when the caller does not want to be queued (the
/// second and later passes of do_poll, or a NULL table).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public struct NativePollTable
{
    /// <summary>Model-private: the poll_wqueues that queues waiters, or 0. Never touched by handlers.</summary>
    public nint _qproc;
    /// <summary>The events the caller is interested in (<c>_key</c>).</summary>
    public uint _key;
}
