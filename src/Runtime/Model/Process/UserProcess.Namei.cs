using System;
using KernelOps.Abi;

namespace KernelOps.Model;

// fs/namei.c: the syscalls that change names (mknod, mkdir, rmdir, unlink, symlink, link, rename)
// and readlink. Raw forms take user-memory addresses; .NET forms take strings.
public sealed partial class UserProcess
{
    /// <summary>mknod(2): a regular file (type 0 or S_IFREG), FIFO, socket, or (CAP_MKNOD) a character or block device; <paramref name="dev"/> is the user dev_t (<see cref="DeviceNumber.MakeUser"/>).</summary>
    public int Mknod(string path, uint mode, ulong dev) => Mknodat(AtFdCwd, path, mode, dev);

    /// <summary>mknod(2) with the path in user memory.</summary>
    public int Mknod(nuint path, uint mode, ulong dev) => Mknodat(AtFdCwd, path, mode, dev);

    /// <summary>mknodat(2) (fs/namei.c:do_mknodat).</summary>
    public int Mknodat(int dirfd, string path, uint mode, ulong dev) =>
        dev > uint.MaxValue ? -(int)Errno.EINVAL : NameCall(path, name => FsNamei.DoMknodat(this, dirfd, name, mode, (uint)dev));

    /// <summary>mknodat(2) with the path in user memory.</summary>
    public int Mknodat(int dirfd, nuint path, uint mode, ulong dev) =>
        dev > uint.MaxValue ? -(int)Errno.EINVAL : NameCall(path, name => FsNamei.DoMknodat(this, dirfd, name, mode, (uint)dev));

    /// <summary>mkdir(2).</summary>
    public int Mkdir(string path, uint mode) => Mkdirat(AtFdCwd, path, mode);

    /// <summary>mkdir(2) with the path in user memory.</summary>
    public int Mkdir(nuint path, uint mode) => Mkdirat(AtFdCwd, path, mode);

    /// <summary>mkdirat(2) (fs/namei.c:do_mkdirat).</summary>
    public int Mkdirat(int dirfd, string path, uint mode) => NameCall(path, name => FsNamei.DoMkdirat(this, dirfd, name, mode));

    /// <summary>mkdirat(2) with the path in user memory.</summary>
    public int Mkdirat(int dirfd, nuint path, uint mode) => NameCall(path, name => FsNamei.DoMkdirat(this, dirfd, name, mode));

    /// <summary>rmdir(2) (fs/namei.c:do_rmdir).</summary>
    public int Rmdir(string path) => NameCall(path, name => FsNamei.DoRmdir(this, AtFdCwd, name));

    /// <summary>rmdir(2) with the path in user memory.</summary>
    public int Rmdir(nuint path) => NameCall(path, name => FsNamei.DoRmdir(this, AtFdCwd, name));

    /// <summary>unlink(2) (fs/namei.c:do_unlinkat).</summary>
    public int Unlink(string path) => Unlinkat(AtFdCwd, path, AtFlags.None);

    /// <summary>unlink(2) with the path in user memory.</summary>
    public int Unlink(nuint path) => Unlinkat(AtFdCwd, path, AtFlags.None);

    /// <summary>unlinkat(2): AT_REMOVEDIR makes it rmdir; any other flag is EINVAL.</summary>
    public int Unlinkat(int dirfd, string path, AtFlags flags)
    {
        if ((flags & ~AtFlags.RemoveDir) != 0) return -(int)Errno.EINVAL;
        return NameCall(path, name => (flags & AtFlags.RemoveDir) != 0 ? FsNamei.DoRmdir(this, dirfd, name) : FsNamei.DoUnlinkat(this, dirfd, name));
    }

    /// <summary>unlinkat(2) with the path in user memory.</summary>
    public int Unlinkat(int dirfd, nuint path, AtFlags flags)
    {
        if ((flags & ~AtFlags.RemoveDir) != 0) return -(int)Errno.EINVAL;
        return NameCall(path, name => (flags & AtFlags.RemoveDir) != 0 ? FsNamei.DoRmdir(this, dirfd, name) : FsNamei.DoUnlinkat(this, dirfd, name));
    }

    /// <summary>symlink(2): a link at <paramref name="linkPath"/> whose body is <paramref name="target"/> (not checked to exist).</summary>
    public int Symlink(string target, string linkPath) => Symlinkat(target, AtFdCwd, linkPath);

    /// <summary>symlink(2) with both strings in user memory.</summary>
    public int Symlink(nuint target, nuint linkPath) => Symlinkat(target, AtFdCwd, linkPath);

    /// <summary>symlinkat(2) (fs/namei.c:do_symlinkat).</summary>
    public int Symlinkat(string target, int newDirfd, string linkPath) =>
        NameCall(target, from => NameCallInner(linkPath, to => FsNamei.DoSymlinkat(this, from, newDirfd, to)));

    /// <summary>symlinkat(2) with both strings in user memory.</summary>
    public int Symlinkat(nuint target, int newDirfd, nuint linkPath) =>
        NameCall(target, from => NameCallInner(linkPath, to => FsNamei.DoSymlinkat(this, from, newDirfd, to)));

    /// <summary>link(2): another name for an existing file (hard links to directories are EPERM).</summary>
    public int Link(string oldPath, string newPath) => Linkat(AtFdCwd, oldPath, AtFdCwd, newPath, AtFlags.None);

    /// <summary>link(2) with both paths in user memory.</summary>
    public int Link(nuint oldPath, nuint newPath) => Linkat(AtFdCwd, oldPath, AtFdCwd, newPath, AtFlags.None);

    /// <summary>
    /// linkat(2) (fs/namei.c:do_linkat): AT_SYMLINK_FOLLOW follows a trailing symlink of the source;
    /// AT_EMPTY_PATH (which needs CAP_DAC_READ_SEARCH) links the file <paramref name="oldDirfd"/> is
    /// open on, an O_TMPFILE file included.
    /// </summary>
    public int Linkat(int oldDirfd, string oldPath, int newDirfd, string newPath, AtFlags flags)
    {
        int early = LinkatFlags(flags);
        if (early != 0) return early;
        bool empty = (flags & AtFlags.EmptyPath) != 0;
        return NameCall(oldPath, from => NameCallInner(newPath, to => FsNamei.DoLinkat(this, oldDirfd, from, newDirfd, to, (int)flags)), allowEmpty: empty);
    }

    /// <summary>linkat(2) with both paths in user memory.</summary>
    public int Linkat(int oldDirfd, nuint oldPath, int newDirfd, nuint newPath, AtFlags flags)
    {
        int early = LinkatFlags(flags);
        if (early != 0) return early;
        bool empty = (flags & AtFlags.EmptyPath) != 0;
        return NameCall(oldPath, from => NameCallInner(newPath, to => FsNamei.DoLinkat(this, oldDirfd, from, newDirfd, to, (int)flags)), allowEmpty: empty);
    }

    private int LinkatFlags(AtFlags flags)
    {
        if ((flags & ~(AtFlags.SymlinkFollow | AtFlags.EmptyPath)) != 0) return -(int)Errno.EINVAL;
        // To use null names we require CAP_DAC_READ_SEARCH
        if ((flags & AtFlags.EmptyPath) != 0)
        {
            using TaskScope task = EnterTask();
            if (!CurrentCred.Capable(Capability.DacReadSearch)) return -(int)Errno.ENOENT;
        }
        return 0;
    }

    /// <summary>rename(2).</summary>
    public int Rename(string oldPath, string newPath) => Renameat2(AtFdCwd, oldPath, AtFdCwd, newPath, RenameFlags.None);

    /// <summary>rename(2) with both paths in user memory.</summary>
    public int Rename(nuint oldPath, nuint newPath) => Renameat2(AtFdCwd, oldPath, AtFdCwd, newPath, RenameFlags.None);

    /// <summary>
    /// renameat2(2) (fs/namei.c:do_renameat2): RENAME_NOREPLACE fails with EEXIST on an existing
    /// target; RENAME_EXCHANGE swaps two existing names; a directory cannot move into its own subtree
    /// (EINVAL) nor replace a non-empty one (ENOTEMPTY).
    /// </summary>
    public int Renameat2(int oldDirfd, string oldPath, int newDirfd, string newPath, RenameFlags flags) =>
        NameCall(oldPath, from => NameCallInner(newPath, to => FsNamei.DoRenameat2(this, oldDirfd, from, newDirfd, to, flags)));

    /// <summary>renameat2(2) with both paths in user memory.</summary>
    public int Renameat2(int oldDirfd, nuint oldPath, int newDirfd, nuint newPath, RenameFlags flags) =>
        NameCall(oldPath, from => NameCallInner(newPath, to => FsNamei.DoRenameat2(this, oldDirfd, from, newDirfd, to, flags)));

    /// <summary>readlink(2): the number of bytes placed in the buffer (no NUL, cut to its size), or -errno (EINVAL: not a symlink).</summary>
    public long Readlink(nuint path, nuint buffer, nuint size) => Readlinkat(AtFdCwd, path, buffer, size);

    /// <summary>readlinkat(2) (fs/stat.c:do_readlinkat); an empty path reads the symlink <paramref name="dirfd"/> (an O_PATH|O_NOFOLLOW descriptor) names.</summary>
    public long Readlinkat(int dirfd, nuint path, nuint buffer, nuint size)
    {
        using TaskScope task = EnterTask();
        if ((long)size <= 0 || size > int.MaxValue) return -(int)Errno.EINVAL;
        int error = GetName(path, allowEmpty: true, out string name);
        if (error != 0) return error;
        int n = FsNamei.DoReadlinkat(this, dirfd, name, (int)size, out byte[]? body);
        if (n < 0) return n;
        return Memory.CopyToUser(buffer, body) != 0 ? -(int)Errno.EFAULT : n;
    }

    /// <summary>readlink(2) as a string: 0 and the target (UTF-8 decoded), or -errno.</summary>
    public int Readlink(string path, out string target) => Readlinkat(AtFdCwd, path, out target);

    /// <summary>readlinkat(2) as a string.</summary>
    public int Readlinkat(int dirfd, string path, out string target)
    {
        ArgumentNullException.ThrowIfNull(path);
        target = string.Empty;
        using TaskScope task = EnterTask();
        int error = Vfs.GetNameKernel(path, allowEmpty: true, out string name);
        if (error != 0) return error;
        int n = FsNamei.DoReadlinkat(this, dirfd, name, Vfs.PathMax, out byte[]? body);
        if (n < 0) return n;
        target = Dcache.ToDisplay(Vfs.BytesToName(body));
        return 0;
    }

    /// <summary>getname of a .NET path, then <paramref name="action"/>, inside the task.</summary>
    private int NameCall(string path, Func<string, int> action, bool allowEmpty = false)
    {
        ArgumentNullException.ThrowIfNull(path);
        using TaskScope task = EnterTask();
        int error = Vfs.GetNameKernel(path, allowEmpty, out string name);
        return error != 0 ? error : (int)SyscallReturn(action(name));
    }

    /// <summary>getname of a path in user memory, then <paramref name="action"/>, inside the task.</summary>
    private int NameCall(nuint path, Func<string, int> action, bool allowEmpty = false)
    {
        using TaskScope task = EnterTask();
        int error = GetName(path, allowEmpty, out string name);
        return error != 0 ? error : (int)SyscallReturn(action(name));
    }

    // The second name of a two-name syscall (already inside the task).
    private int NameCallInner(string path, Func<string, int> action)
    {
        ArgumentNullException.ThrowIfNull(path);
        int error = Vfs.GetNameKernel(path, allowEmpty: false, out string name);
        return error != 0 ? error : action(name);
    }

    private int NameCallInner(nuint path, Func<string, int> action)
    {
        int error = GetName(path, allowEmpty: false, out string name);
        return error != 0 ? error : action(name);
    }
}
