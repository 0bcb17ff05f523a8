using System;
using System.Text;
using KernelOps.Abi;

namespace KernelOps.Model;

// fs/namespace.c: mount(2) and umount2(2).
public sealed partial class UserProcess
{
    /// <summary>
    /// mount(2) of a new file system (fs/namespace.c:path_mount → do_new_mount): <paramref name="fstype"/>
    /// must be registered (ENODEV), <paramref name="target"/> a directory (ENOTDIR), the caller needs
    /// CAP_SYS_ADMIN (EPERM); <paramref name="data"/> is the comma-separated option string the file
    /// system parses ("mode=0700"). MS_REMOUNT reconfigures a mount; bind, move and propagation
    /// changes are not modelled (EINVAL).
    /// </summary>
    public int Mount(string? source, string target, string? fstype, MountOptions flags = MountOptions.None, string? data = null)
    {
        ArgumentNullException.ThrowIfNull(target);
        byte[]? options = data is null ? null : Encoding.UTF8.GetBytes(data + "\0");
        if (options is { Length: > Libfs.PageSize }) Array.Resize(ref options, Libfs.PageSize);
        return PathCall(AtFdCwd, target, LookupFlags.Follow, p => FsNamespace.PathMount(this, source, p, fstype, flags, options));
    }

    /// <summary>mount(2) with its strings and data page in user memory (any of source, fstype and data may be 0).</summary>
    public int Mount(nuint source, nuint target, nuint fstype, ulong flags, nuint data)
    {
        using TaskScope task = EnterTask();
        int error = CopyMountString(fstype, out string? type);
        if (error != 0) return error;
        error = CopyMountString(source, out string? dev);
        if (error != 0) return error;
        error = CopyMountOptions(data, out byte[]? options);
        if (error != 0) return error;
        return PathCall(AtFdCwd, target, LookupFlags.Follow, p => FsNamespace.PathMount(this, dev, p, type, (MountOptions)flags, options));
    }

    // mirrors fs/namespace.c:copy_mount_string (strndup_user(PATH_MAX))
    private int CopyMountString(nuint address, out string? value)
    {
        value = null;
        if (address == 0) return 0;
        Span<byte> buffer = stackalloc byte[Vfs.PathMax + 1];
        int length = Memory.StrncpyFromUser(buffer, address);
        if (length < 0) return length;
        if (length > Vfs.PathMax) return -(int)Errno.EINVAL;
        value = Encoding.UTF8.GetString(buffer[..length]);
        return 0;
    }

    // mirrors fs/namespace.c:copy_mount_options: up to a page, stopping where user memory ends
    private int CopyMountOptions(nuint address, out byte[]? page)
    {
        page = null;
        if (address == 0) return 0;
        byte[] copy = new byte[Libfs.PageSize];
        nuint missing = Memory.CopyFromUser(copy, address);
        if (missing == (nuint)copy.Length) return -(int)Errno.EFAULT;
        page = copy;
        return 0;
    }

    /// <summary>umount(2): <see cref="Umount2(string, UnmountFlags)"/> without flags.</summary>
    public int Umount(string target) => Umount2(target, UnmountFlags.None);

    /// <summary>
    /// umount2(2) (fs/namespace.c:ksys_umount → path_umount): EINVAL unless <paramref name="target"/>
    /// is the root of a mount; EBUSY while an open file, a working directory or a mount below uses it;
    /// MNT_DETACH detaches it at once and frees it when its last user goes.
    /// </summary>
    public int Umount2(string target, UnmountFlags flags)
    {
        ArgumentNullException.ThrowIfNull(target);
        if ((flags & ~(UnmountFlags.Force | UnmountFlags.Detach | UnmountFlags.Expire | UnmountFlags.NoFollow)) != 0) return -(int)Errno.EINVAL;
        using TaskScope task = EnterTask();
        int error = Vfs.GetNameKernel(target, allowEmpty: false, out string name);
        return error != 0 ? error : (int)SyscallReturn(UmountCore(name, flags));
    }

    /// <summary>umount2(2) with the target in user memory.</summary>
    public int Umount2(nuint target, int flags)
    {
        if ((flags & ~(int)(UnmountFlags.Force | UnmountFlags.Detach | UnmountFlags.Expire | UnmountFlags.NoFollow)) != 0) return -(int)Errno.EINVAL;
        using TaskScope task = EnterTask();
        int error = GetName(target, allowEmpty: false, out string name);
        return error != 0 ? error : (int)SyscallReturn(UmountCore(name, (UnmountFlags)flags));
    }

    private int UmountCore(string name, UnmountFlags flags)
    {
        LookupFlags lookup = (flags & UnmountFlags.NoFollow) != 0 ? 0 : LookupFlags.Follow;
        int error = FsNamei.FilenameLookup(this, AtFdCwd, name, lookup, out VfsPath path);
        return error != 0 ? error : FsNamespace.PathUmount(this, path, flags);
    }
}
