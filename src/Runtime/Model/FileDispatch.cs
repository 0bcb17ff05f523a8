using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// How the VFS calls one kind of file's operations: the model's stand-in for the
/// <c>file-&gt;f_op</c> the VFS sees (proc_reg_file_ops for proc files, proc_dir_operations for proc
/// directories, a device's file_operations next). Every method takes the raw C arguments and
/// returns the C convention (value or -errno); implementations call handlers only through the
/// function pointers of the registered table. The <c>Has*</c> properties say which
/// file_operations slots are non-null, which do_dentry_open and the syscalls consult.
/// </summary>
internal abstract class FileDispatch
{
    /// <summary>The table stored in <c>file-&gt;f_op</c> (the handler's proc_ops / file_operations), or null.</summary>
    public abstract unsafe void* Ops { get; }

    /// <summary><c>f_op-&gt;read</c> (or read_iter) is set: do_dentry_open grants FMODE_CAN_READ.</summary>
    public abstract bool HasRead { get; }

    /// <summary><c>f_op-&gt;write</c> (or write_iter) is set: do_dentry_open grants FMODE_CAN_WRITE.</summary>
    public abstract bool HasWrite { get; }

    /// <summary><c>f_op-&gt;llseek</c> is set; without it do_dentry_open clears FMODE_LSEEK.</summary>
    public abstract bool HasLlseek { get; }

    /// <summary><c>f_op-&gt;unlocked_ioctl</c> is set; without it vfs_ioctl answers -ENOTTY.</summary>
    public abstract bool HasIoctl { get; }

    /// <summary><c>f_op-&gt;iterate_shared</c> is set: getdents works, and fdget_pos always takes f_pos_lock (directories).</summary>
    public virtual bool HasIterateShared => false;

    /// <summary><c>f_op-&gt;iterate_shared</c>; -ENOTDIR when the slot is null.</summary>
    public virtual unsafe int IterateShared(NativeFile* file, NativeDirContext* context) => -(int)Errno.ENOTDIR;

    /// <summary>
    /// The module that owns the ops (<c>fops-&gt;owner</c>), pinned by do_dentry_open's fops_get
    /// (try_module_get) and released by __fput's fops_put (module_put). Null for proc: proc_ops has
    /// no owner and relies on proc_entry_rundown instead. file_operations dispatchers return their
    /// table's owner here.
    /// </summary>
    public virtual LoadedModule? Owner => null;

    /// <summary><c>f_op-&gt;open</c>; 0 when the slot is null.</summary>
    public abstract unsafe int Open(NativeInode* inode, NativeFile* file);

    /// <summary><c>f_op-&gt;read</c>.</summary>
    public abstract unsafe nint Read(NativeFile* file, byte* buffer, nuint count, long* position);

    /// <summary><c>f_op-&gt;write</c>.</summary>
    public abstract unsafe nint Write(NativeFile* file, byte* buffer, nuint count, long* position);

    /// <summary><c>f_op-&gt;llseek</c>.</summary>
    public abstract unsafe long Llseek(NativeFile* file, long offset, int whence);

    /// <summary><c>f_op-&gt;unlocked_ioctl</c>.</summary>
    public abstract unsafe nint Ioctl(NativeFile* file, uint command, nuint argument);

    /// <summary><c>f_op-&gt;release</c>, called once by __fput for a file whose open succeeded.</summary>
    public abstract unsafe int Release(NativeInode* inode, NativeFile* file);

    /// <summary>mirrors include/linux/poll.h:vfs_poll: <c>f_op-&gt;poll</c>, or DEFAULT_POLLMASK without one.</summary>
    public virtual unsafe uint Poll(NativeFile* file, NativePollTable* table) => (uint)PollMasks.Default;

    /// <summary>mirrors fs/open.c:filp_flush: <c>f_op-&gt;flush</c>, or 0 without one.</summary>
    public virtual unsafe int Flush(NativeFile* file, void* owner) => 0;

    /// <summary>mirrors fs/sync.c:vfs_fsync_range: <c>f_op-&gt;fsync</c>, or -EINVAL without one.</summary>
    public virtual unsafe int Fsync(NativeFile* file, long start, long end, int datasync) => -(int)Errno.EINVAL;
}

/// <summary>
/// A device's own <c>struct file_operations</c> (what replace_fops installs): every call goes
/// straight through the table's function pointers, and a null slot behaves as the VFS makes it
/// behave (no read: EINVAL via FMODE_CAN_READ; no llseek: ESPIPE via FMODE_LSEEK; no ioctl:
/// ENOTTY; no poll: DEFAULT_POLLMASK; no flush: 0; no fsync: EINVAL). The owner is the module that
/// registered the device, never <c>fops-&gt;owner</c>: one static table may serve several modules.
/// </summary>
internal sealed class FopsDispatch(OpsTable<FileOperations> table, LoadedModule? owner) : FileDispatch
{
    // INVARIANT: T is readable for as long as this dispatcher exists: an OpsTable outlives every
    // registration that uses it, and a registration's dispatcher outlives every file opened through it.
    // Every call below goes through a slot checked non-null, with the raw arguments the VFS passed
    // (live for the call, as Linux's callers of f_op guarantee); the thunk validates them again.
    private unsafe FileOperations* T => table.Pointer;

    public override unsafe void* Ops => table.Pointer;
    // SAFETY: T is readable (invariant above).
    public override unsafe bool HasRead => T->read != null;
    // SAFETY: T is readable (invariant above).
    public override unsafe bool HasWrite => T->write != null;
    // SAFETY: T is readable (invariant above).
    public override unsafe bool HasLlseek => T->llseek != null;
    // SAFETY: T is readable (invariant above).
    public override unsafe bool HasIoctl => T->unlocked_ioctl != null;
    // SAFETY: T is readable (invariant above).
    public override unsafe bool HasIterateShared => T->iterate_shared != null;
    public override LoadedModule? Owner => owner;

    // SAFETY: T is readable (invariant above); the slot is checked non-null before the call.
    public override unsafe int IterateShared(NativeFile* file, NativeDirContext* context) =>
        T->iterate_shared != null ? T->iterate_shared(file, context) : -(int)Errno.ENOTDIR;

    // SAFETY: T is readable (invariant above); the slot is checked non-null before the call.
    public override unsafe int Open(NativeInode* inode, NativeFile* file) => T->open != null ? T->open(inode, file) : 0;

    // SAFETY: T is readable (invariant above); the slot is checked non-null before the call.
    public override unsafe nint Read(NativeFile* file, byte* buffer, nuint count, long* position) =>
        T->read != null ? T->read(file, buffer, count, position) : -(nint)Errno.EINVAL;

    // SAFETY: T is readable (invariant above); the slot is checked non-null before the call.
    public override unsafe nint Write(NativeFile* file, byte* buffer, nuint count, long* position) =>
        T->write != null ? T->write(file, buffer, count, position) : -(nint)Errno.EINVAL;

    // SAFETY: T is readable (invariant above); the slot is checked non-null before the call.
    public override unsafe long Llseek(NativeFile* file, long offset, int whence) =>
        T->llseek != null ? T->llseek(file, offset, whence) : -(long)Errno.ESPIPE;

    // SAFETY: T is readable (invariant above); the slot is checked non-null before the call.
    public override unsafe nint Ioctl(NativeFile* file, uint command, nuint argument) =>
        T->unlocked_ioctl != null ? T->unlocked_ioctl(file, command, argument) : -(nint)Errno.ENOTTY;

    // SAFETY: T is readable (invariant above); the slot is checked non-null before the call.
    public override unsafe int Release(NativeInode* inode, NativeFile* file) => T->release != null ? T->release(inode, file) : 0;

    // SAFETY: T is readable (invariant above); the slot is checked non-null before the call.
    public override unsafe uint Poll(NativeFile* file, NativePollTable* pt) => T->poll != null ? T->poll(file, pt) : (uint)PollMasks.Default;

    // SAFETY: T is readable (invariant above); the slot is checked non-null before the call.
    public override unsafe int Flush(NativeFile* file, void* id) => T->flush != null ? T->flush(file, id) : 0;

    // SAFETY: T is readable (invariant above); the slot is checked non-null before the call.
    public override unsafe int Fsync(NativeFile* file, long start, long end, int datasync) =>
        T->fsync != null ? T->fsync(file, start, end, datasync) : -(int)Errno.EINVAL;
}

/// <summary>
/// The VFS's own llseek helpers on raw files, for dispatchers whose table has no seek of its own;
/// the rules themselves live once, in <see cref="KernelOps.Llseek"/>, which handlers call too.
/// </summary>
internal static class GenericLlseek
{
    /// <summary>mirrors fs/read_write.c:default_llseek (under the inode lock there; f_pos_lock covers callers here).</summary>
    public static unsafe long Default(NativeFile* file, long offset, int whence)
    {
        if (!WhenceExtensions.TryFromRaw(whence, out Whence w)) return -(long)Errno.EINVAL;
        // SAFETY: file (and its inode, pinned by the file) is live for the call, per the dispatch contract.
        long size = file->f_inode != null ? Volatile.Read(ref file->f_inode->i_size) : 0;
        long before = Volatile.Read(ref file->f_pos);
        return Apply(file, before, KernelOps.Llseek.DefaultLlseek(new FileRef(file), offset, w, size));
    }

    /// <summary>mirrors fs/read_write.c:generic_file_llseek (generic_file_llseek_size with s_maxbytes MAX_LFS_FILESIZE, eof i_size).</summary>
    public static unsafe long Generic(NativeFile* file, long offset, int whence)
    {
        if (!WhenceExtensions.TryFromRaw(whence, out Whence w)) return -(long)Errno.EINVAL;
        // SAFETY: as in Default.
        long eof = file->f_inode != null ? Volatile.Read(ref file->f_inode->i_size) : 0;
        long before = Volatile.Read(ref file->f_pos);
        return Apply(file, before, KernelOps.Llseek.GenericFileLlseekSize(new FileRef(file), offset, w, KernelOps.Llseek.MaxLfsFileSize, eof));
    }

    private static unsafe long Apply(NativeFile* file, long before, KResult<long> result) =>
        result.TryGetValue(out long position) ? KernelOps.Llseek.ApplyPosition(file, before, position) : -(long)result.Error;
}

/// <summary>
/// A file_operations table with nothing in it but, perhaps, an open that refuses: every operation
/// fails as a null slot would (read and write never get here: the file has no FMODE_CAN_READ or
/// FMODE_CAN_WRITE).
/// </summary>
internal sealed class NoOpsDispatch : FileDispatch
{
    /// <summary>fs/open.c's <c>empty_fops</c>: what an O_PATH file gets, and anonymous inodes' i_fop.</summary>
    public static readonly NoOpsDispatch Empty = new(0);

    /// <summary>def_blk_fops as far as the model goes: no block device exists, so open is ENXIO (blkdev_open).</summary>
    public static readonly NoOpsDispatch BlockDevice = new(-(int)Errno.ENXIO);

    /// <summary>net/socket.c's <c>bad_sock_fops</c>: a socket node cannot be opened (ENXIO).</summary>
    public static readonly NoOpsDispatch BadSocket = new(-(int)Errno.ENXIO);

    private readonly int _openResult;

    private NoOpsDispatch(int openResult) => _openResult = openResult;

    public override unsafe void* Ops => null;
    public override bool HasRead => false;
    public override bool HasWrite => false;
    public override bool HasLlseek => false;
    public override bool HasIoctl => false;
    public override unsafe int Open(NativeInode* inode, NativeFile* file) => _openResult;
    public override unsafe nint Read(NativeFile* file, byte* buffer, nuint count, long* position) => -(nint)Errno.EINVAL;
    public override unsafe nint Write(NativeFile* file, byte* buffer, nuint count, long* position) => -(nint)Errno.EINVAL;
    public override unsafe long Llseek(NativeFile* file, long offset, int whence) => -(long)Errno.ESPIPE;
    public override unsafe nint Ioctl(NativeFile* file, uint command, nuint argument) => -(nint)Errno.ENOTTY;
    public override unsafe int Release(NativeInode* inode, NativeFile* file) => 0;
}
