using System;
using System.Collections.Generic;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The model's devtmpfs (drivers/base/devtmpfs.c): a ramfs the kernel mounts at /dev at boot, where
/// mknod(2) makes device nodes and the kernel's own device registrations can make theirs
/// (devtmpfs_create_node). Opening a character node runs chrdev_open (def_chr_fops), which dispatches
/// on the node's (major, minor); a block node answers ENXIO (no block devices are modelled).
/// </summary>
public sealed class DevFs
{
    private readonly Kernel _kernel;
    private VfsMount? _mount; // devtmpfs' own mount (kern_mount), which every /dev mount shows

    internal DevFs(Kernel kernel) => _kernel = kernel;

    /// <summary>The names in /dev's root, sorted.</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            var names = new List<string>();
            if (_mount is null) return names;
            VfsDentry root = _mount.Root;
            lock (root.Sb.DcacheLock)
            {
                if (root.Children is not null)
                    foreach (VfsDentry d in root.Children)
                        if (Dcache.IsSimplePositive(d)) names.Add(Dcache.ToDisplay(d.Name));
            }
            names.Sort(StringComparer.Ordinal);
            return names;
        }
    }

    internal void Boot(VfsMount mount) => _mount = mount;

    /// <summary>
    /// mirrors drivers/base/devtmpfs.c:devtmpfs_create_node (handle_create: vfs_mknod as the kernel):
    /// the node a registered device gets, /dev/NAME, a character device with
    /// <paramref name="permissions"/> (the caller applies devtmpfs' 0600 default), marked as made for
    /// <paramref name="creator"/> (handle_create sets i_private to its thread) so that only its own
    /// removal deletes it. A name already taken is left as it is: device_add ignores devtmpfs' EEXIST.
    /// </summary>
    internal void CreateDeviceNode(string name, uint permissions, uint dev, object creator)
    {
        uint mode = UMode.S_IFCHR | (permissions & UMode.S_IALLUGO);
        AsKernel(kdevtmpfs =>
        {
            int error = kdevtmpfs.Mknodat(UserProcess.AtFdCwd, name, mode, DeviceNumber.ToUser(dev));
            if (error != 0) return error;
            using TaskScope task = kdevtmpfs.EnterTask();
            if (FsNamei.FilenameLookup(kdevtmpfs, UserProcess.AtFdCwd, Dcache.FromDisplay(name), LookupFlags.None, out VfsPath path) != 0) return 0;
            if (path.Dentry.Inode is { } inode) inode.FsNode = creator;
            path.Put();
            return 0;
        });
    }

    /// <summary>
    /// mirrors drivers/base/devtmpfs.c:devtmpfs_delete_node (handle_remove: vfs_unlink as the kernel):
    /// deletes /dev/NAME if it is still the node <paramref name="creator"/>'s registration made
    /// (dev_mynode); a node someone else made, or replaced it with, stays. Files open on it keep the
    /// inode until their last close.
    /// </summary>
    internal void DeleteDeviceNode(string name, object creator)
    {
        AsKernel(kdevtmpfs =>
        {
            using (kdevtmpfs.EnterTask())
            {
                if (FsNamei.FilenameLookup(kdevtmpfs, UserProcess.AtFdCwd, Dcache.FromDisplay(name), LookupFlags.None, out VfsPath path) != 0) return 0;
                bool mine = path.Dentry.Inode is { } inode && ReferenceEquals(inode.FsNode, creator);
                path.Put();
                if (!mine) return 0;
            }
            return kdevtmpfs.Unlink(name);
        });
    }

    // The work kdevtmpfs does, as root, chrooted to devtmpfs' own mount.
    private int AsKernel(Func<UserProcess, int> work)
    {
        if (_mount is null) return -(int)Errno.ENOENT;
        using UserProcess kdevtmpfs = _kernel.CreateKernelThread("kdevtmpfs", new VfsPath(_mount, _mount.Root));
        return work(kdevtmpfs);
    }

    /// <summary>Kernel shutdown: drops the kernel's mount (the superblock goes with the last mount).</summary>
    internal void Shutdown()
    {
        _mount?.Put();
        _mount = null;
    }
}
