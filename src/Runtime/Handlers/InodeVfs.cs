using System;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

/// <summary>
/// The VFS side of <see cref="Inode"/> and <see cref="FileRef"/>: what a file system reads and sets on
/// the inodes it creates (owner, link count, timestamps, operations, a symlink's target) and the
/// fs/inode.c helpers it calls (inode_init_owner, init_special_inode, inc_nlink/drop_nlink, ihold).
/// </summary>
public static class InodeVfsExtensions
{
    extension(Inode inode)
    {
        /// <summary>True for a null view (the inode of a negative dentry).</summary>
        public unsafe bool IsNull => inode.Pointer == null;

        /// <summary><c>i_uid</c>.</summary>
        public unsafe uint Uid
        {
            // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
            get => Volatile.Read(ref inode.Pointer->i_uid);
            set => Volatile.Write(ref inode.Pointer->i_uid, value);
        }

        /// <summary><c>i_gid</c>.</summary>
        public unsafe uint Gid
        {
            // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
            get => Volatile.Read(ref inode.Pointer->i_gid);
            set => Volatile.Write(ref inode.Pointer->i_gid, value);
        }

        /// <summary><c>i_nlink</c>: how many names the inode has (change it with <see cref="IncLink"/> and friends).</summary>
        // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
        public unsafe uint LinkCount => Volatile.Read(ref inode.Pointer->i_nlink);

        /// <summary><c>i_blocks</c>: 512-byte blocks, as generic_fillattr reports them.</summary>
        public unsafe long Blocks
        {
            // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
            get => Volatile.Read(ref inode.Pointer->i_blocks);
            set => Volatile.Write(ref inode.Pointer->i_blocks, value);
        }

        /// <summary><c>i_atime</c>.</summary>
        public unsafe KernelTimespec Atime
        {
            // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
            get => inode.Pointer->i_atime;
            set => inode.Pointer->i_atime = value;
        }

        /// <summary><c>i_mtime</c>.</summary>
        public unsafe KernelTimespec Mtime
        {
            // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
            get => inode.Pointer->i_mtime;
            set => inode.Pointer->i_mtime = value;
        }

        /// <summary><c>i_ctime</c>.</summary>
        public unsafe KernelTimespec Ctime
        {
            // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
            get => inode.Pointer->i_ctime;
            set => inode.Pointer->i_ctime = value;
        }

        /// <summary><c>i_sb</c>.</summary>
        // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
        public unsafe SuperBlock SuperBlock => new(inode.Pointer->i_sb);

        /// <summary>S_ISDIR(i_mode).</summary>
        public bool IsDirectory => UMode.IsDirectory(inode.Mode);

        /// <summary>S_ISREG(i_mode).</summary>
        public bool IsRegular => UMode.IsRegular(inode.Mode);

        /// <summary>S_ISLNK(i_mode).</summary>
        public bool IsSymlink => UMode.IsSymlink(inode.Mode);

        /// <summary>Sets <c>i_mode</c> (type and permission bits), as a file system does for a new inode.</summary>
        // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
        public unsafe void SetMode(uint mode) => Volatile.Write(ref inode.Pointer->i_mode, mode);

        /// <summary>Sets <c>i_ino</c>, as a file system does with <see cref="Libfs.GetNextIno"/> or its own numbering.</summary>
        // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
        public unsafe void SetNumber(ulong number) => inode.Pointer->i_ino = number;

        /// <summary>Sets <c>i_op</c>.</summary>
        // SAFETY: inode.Pointer was checked by the thunk (RawPointer.IsInode) and the caller's dentry or open file holds the inode for the call, so the native inode is not freed (VfsInode.Destroy) under us.
        public unsafe void SetOperations(OpsTable<InodeOperations> operations) => inode.Pointer->i_op = operations.Pointer;

        /// <summary>Sets <c>i_fop</c>: the file_operations files opened on the inode get.</summary>
        public unsafe void SetFileOperations(OpsTable<FileOperations> operations) => VfsInode.FromNative(inode.Pointer).SetFileOperations(operations);

        /// <summary>
        /// mirrors fs/inode.c:inode_init_owner: the owner is the caller's fsuid; the group is the
        /// directory's when it is setgid (and a new directory inherits S_ISGID), else the caller's
        /// fsgid; a new non-directory in a setgid directory keeps S_ISGID only if the caller is in the
        /// group or has CAP_FSETID. <paramref name="dir"/> may be a null view (the root).
        /// </summary>
        public unsafe void InitOwner(Inode dir, uint mode) => VfsInode.FromNative(inode.Pointer).InitOwner(dir.Pointer == null ? null : VfsInode.FromNative(dir.Pointer), mode);

        /// <summary>
        /// mirrors fs/inode.c:init_special_inode: a character or block device (<paramref name="device"/>
        /// is MKDEV), FIFO or socket: sets the mode, <c>i_rdev</c> and the VFS's own file operations
        /// for it (def_chr_fops, def_blk_fops, pipefifo_fops, bad_sock_fops).
        /// </summary>
        public unsafe void InitSpecial(uint mode, uint device) => VfsInode.FromNative(inode.Pointer).InitSpecial(mode, device);

        /// <summary>mirrors fs/inode.c:inc_nlink.</summary>
        public unsafe void IncLink() => VfsInode.FromNative(inode.Pointer).IncLink();

        /// <summary>mirrors fs/inode.c:drop_nlink (a warning, not an underflow, at 0).</summary>
        public unsafe void DropLink() => VfsInode.FromNative(inode.Pointer).DropLink();

        /// <summary>mirrors fs/inode.c:clear_nlink.</summary>
        public unsafe void ClearLink() => VfsInode.FromNative(inode.Pointer).SetLinkCount(0);

        /// <summary>mirrors fs/inode.c:set_nlink.</summary>
        public unsafe void SetLink(uint count) => VfsInode.FromNative(inode.Pointer).SetLinkCount(count);

        /// <summary>mirrors fs/inode.c:current_time: now, truncated to the superblock's granularity.</summary>
        public unsafe KernelTimespec CurrentTime() => VfsInode.FromNative(inode.Pointer).Sb.CurrentTime();

        /// <summary>Sets atime, mtime and ctime to now (what a file system does for a new inode).</summary>
        public void SetAllTimesCurrent()
        {
            KernelTimespec now = inode.CurrentTime();
            inode.Atime = now;
            inode.Mtime = now;
            inode.Ctime = now;
        }

        /// <summary>inode_set_mtime_to_ts(inode, inode_set_ctime_current(inode)): a directory whose entries changed.</summary>
        public void SetMtimeCtimeCurrent()
        {
            KernelTimespec now = inode.CurrentTime();
            inode.Mtime = now;
            inode.Ctime = now;
        }

        /// <summary>inode_set_ctime_current.</summary>
        public void SetCtimeCurrent() => inode.Ctime = inode.CurrentTime();

        /// <summary>
        /// Stores a symlink's target in the inode (<c>i_link</c>, as simple_get_link and page_symlink
        /// keep it) and sets <c>i_size</c> to its length; freed with the inode.
        /// </summary>
        public unsafe void SetLinkTarget(ReadOnlySpan<byte> target) => VfsInode.FromNative(inode.Pointer).SetLinkTarget(target);

        /// <summary>The target stored with <see cref="SetLinkTarget"/>, or empty.</summary>
        public unsafe ReadOnlySpan<byte> LinkTarget => VfsInode.FromNative(inode.Pointer).LinkTarget;

        /// <summary>
        /// Sets <c>i_private</c> to <paramref name="data"/> (one GCHandle word the VFS owns and frees
        /// when the inode is evicted); handlers read it back with <see cref="Inode.Data{T}"/>.
        /// </summary>
        public unsafe void SetData(object? data) => VfsInode.FromNative(inode.Pointer).SetPrivateData(data);

        /// <summary>ihold: a counted reference that keeps the inode allocated (see <see cref="InodeReference"/>).</summary>
        public unsafe InodeReference GetReference()
        {
            VfsInode managed = VfsInode.FromNative(inode.Pointer);
            managed.Hold();
            return new InodeReference(managed);
        }
    }

    extension(FileRef file)
    {
        /// <summary><c>file-&gt;f_path.dentry</c>: the name the file was opened by.</summary>
        public unsafe Dentry Dentry => new(OpenFile.FromNative(file.Pointer) is { } f ? f.Path.Dentry.Native : null);
    }
}
