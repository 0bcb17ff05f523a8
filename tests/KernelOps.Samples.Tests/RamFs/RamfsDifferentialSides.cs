using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using KernelOps.Model;
using KernelOps.Samples.RamFs;

namespace KernelOps.Samples.Tests.RamFs;

/// <summary>The reference: Linux's ramfs, mounted by the test, driven through libc on the test's thread.</summary>
internal sealed unsafe partial class RealRamfs : RamfsDifferentialTests.ISide, IDisposable
{
    private readonly string _temp, _mount;
    private readonly uint _oldUmask;
    private int _dirfd = -1;
    private string _dirPath = "";

    private RealRamfs(string temp, string mount, uint oldUmask)
    {
        _temp = temp;
        _mount = mount;
        _oldUmask = oldUmask;
        int n = getgroups(0, null);
        var groups = new uint[Math.Max(0, n)];
        fixed (uint* g = groups) n = getgroups(groups.Length, g);
        Groups = groups[..Math.Max(0, n)];
    }

    public string Name => "linux";

    /// <summary>The process' supplementary groups (the model's process gets the same).</summary>
    public uint[] Groups { get; }

    /// <summary>mount -t ramfs none TMP/m, or Assert.Ignore with the reason it was refused.</summary>
    public static RealRamfs MountOrIgnore()
    {
        string temp = Directory.CreateTempSubdirectory("kops-ramfs-").FullName;
        // 0755 as the model's /d: truncate(2) takes a path from /, which fsuid 1000 must search
        fchmodat(-100, temp, 0x1ED, 0);
        string mount = Path.Combine(temp, "m");
        Directory.CreateDirectory(mount);
        if (mount_(null_source: "none", mount, "ramfs", 0, null) != 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            Directory.Delete(temp, recursive: true);
            Assert.Ignore($"mount -t ramfs is not permitted here ({(Errno)errno}): the differential test needs root (CAP_SYS_ADMIN) on Linux");
        }
        return new RealRamfs(temp, mount, umask(0x12));
    }

    public void Dispose()
    {
        if (_dirfd >= 0) close(_dirfd);
        umask(_oldUmask);
        umount2(_mount, 2 /* MNT_DETACH */);
        Directory.Delete(_temp, recursive: true);
    }

    public void Enter(string sequence, uint mode)
    {
        _dirPath = Path.Combine(_mount, sequence);
        Check(mkdirat(-100, _dirPath, 0x1C0), "mkdir");
        Check(fchmodat(-100, _dirPath, mode, 0), "chmod");
        _dirfd = Check(openat(-100, _dirPath, 0x10000 | 0x80000 /* O_DIRECTORY|O_CLOEXEC */, 0), "open");
    }

    public void Leave(string sequence)
    {
        close(_dirfd);
        _dirfd = -1;
        Check(unlinkat(-100, _dirPath, 0x200), "rmdir");
    }

    private static int Check(int rc, string what) =>
        rc >= 0 ? rc : throw new InvalidOperationException($"{what} on the real ramfs: {(Errno)Marshal.GetLastPInvokeError()}");

    public void SetFsIds(uint uid, uint gid)
    {
        // setfsuid/setfsgid act on the calling thread only (glibc does not broadcast them), and a
        // change of fsuid from or to 0 drops or restores the fs capabilities (CAP_FS_SET)
        setfsuid(uid);
        setfsgid(gid);
        if (setfsuid(uint.MaxValue) != uid || setfsgid(uint.MaxValue) != gid) throw new InvalidOperationException("setfsuid/setfsgid did not take");
    }

    private static long R(long rc) => rc >= 0 ? rc : -Marshal.GetLastPInvokeError();

    public long Open(string path, int flags, uint mode) => R(openat(_dirfd, path, flags | 0x80000, mode));

    public long Close(long fd) => R(close((int)fd));

    public long Mkdir(string path, uint mode) => R(mkdirat(_dirfd, path, mode));

    public long Mknod(string path, uint mode, ulong dev) => R(mknodat(_dirfd, path, mode, dev));

    public long Unlink(string path, int flags) => R(unlinkat(_dirfd, path, flags));

    public long Link(string oldPath, string newPath, int flags) => R(linkat(_dirfd, oldPath, _dirfd, newPath, flags));

    public long Symlink(string target, string path) => R(symlinkat(target, _dirfd, path));

    public long Rename(string oldPath, string newPath, uint flags) => R(renameat2(_dirfd, oldPath, _dirfd, newPath, flags));

    // no truncateat: the path from the sequence's directory, which the model's process has as cwd
    public long Truncate(string path, long length) => R(truncate(_dirPath + "/" + path, length));

    public long Ftruncate(long fd, long length) => R(ftruncate((int)fd, length));

    public long Chmod(string path, uint mode) => R(fchmodat(_dirfd, path, mode, 0));

    public long Chown(string path, uint uid, uint gid, int flags) => R(fchownat(_dirfd, path, uid, gid, flags));

    public long Access(string path, int mode) => R(faccessat(_dirfd, path, mode, 0));

    public long Write(long fd, byte[] data)
    {
        fixed (byte* p = data) return R(write((int)fd, p, (nuint)data.Length));
    }

    public long Pwrite(long fd, byte[] data, long offset)
    {
        fixed (byte* p = data) return R(pwrite((int)fd, p, (nuint)data.Length, offset));
    }

    public long Read(long fd, int count, out byte[] data)
    {
        var buffer = new byte[count];
        long n;
        fixed (byte* p = buffer) n = R(read((int)fd, p, (nuint)count));
        data = n > 0 ? buffer[..(int)n] : [];
        return n;
    }

    public long Pread(long fd, int count, long offset, out byte[] data)
    {
        var buffer = new byte[count];
        long n;
        fixed (byte* p = buffer) n = R(pread((int)fd, p, (nuint)count, offset));
        data = n > 0 ? buffer[..(int)n] : [];
        return n;
    }

    public long Lseek(long fd, long offset, int whence) => R(lseek((int)fd, offset, whence));

    public long Stat(string path, bool follow, out RamfsDifferentialTests.Attr attr)
    {
        LinuxStat st;
        long rc = R(fstatat64(_dirfd, path, &st, follow ? 0 : 0x100));
        attr = rc == 0 ? ToAttr(st) : default;
        return rc;
    }

    public long Fstat(long fd, out RamfsDifferentialTests.Attr attr)
    {
        LinuxStat st;
        long rc = R(fstatat64((int)fd, "", &st, 0x1000 /* AT_EMPTY_PATH */));
        attr = rc == 0 ? ToAttr(st) : default;
        return rc;
    }

    private static RamfsDifferentialTests.Attr ToAttr(in LinuxStat st) =>
        new(st.st_mode, st.st_nlink, st.st_uid, st.st_gid, st.st_size, st.st_blocks, st.st_blksize, st.st_rdev);

    public long Readlink(string path, out string target)
    {
        byte* buffer = stackalloc byte[4096];
        long n = R(readlinkat(_dirfd, path, buffer, 4096));
        target = n > 0 ? System.Text.Encoding.UTF8.GetString(buffer, (int)n) : "";
        return n < 0 ? n : 0;
    }

    public long List(string path, out SortedSet<string> entries)
    {
        entries = new SortedSet<string>(StringComparer.Ordinal);
        int fd = openat(_dirfd, path, 0x10000 | 0x80000 /* O_RDONLY|O_DIRECTORY|O_CLOEXEC */, 0);
        if (fd < 0) return -Marshal.GetLastPInvokeError();
        try
        {
            byte* buffer = stackalloc byte[32768];
            while (true)
            {
                long n = R(getdents64(fd, buffer, 32768));
                if (n < 0) return n;
                if (n == 0) return 0;
                for (long at = 0; at < n;)
                {
                    ushort reclen = *(ushort*)(buffer + at + 16);
                    byte type = buffer[at + 18];
                    string name = Marshal.PtrToStringUTF8((nint)(buffer + at + 19))!;
                    entries.Add($"{name}:{type}");
                    at += reclen;
                }
            }
        }
        finally
        {
            close(fd);
        }
    }

    /// <summary>struct stat on x86_64 (asm/stat.h).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct LinuxStat
    {
        public ulong st_dev, st_ino, st_nlink;
        public uint st_mode, st_uid, st_gid, pad0;
        public ulong st_rdev;
        public long st_size, st_blksize, st_blocks;
        public long st_atime, st_atime_nsec, st_mtime, st_mtime_nsec, st_ctime, st_ctime_nsec;
        public long reserved0, reserved1, reserved2;
    }

    private const string Libc = "libc";

    [LibraryImport(Libc, EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mount_(string null_source, string target, string type, ulong flags, string? data);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int umount2(string target, int flags);
    [LibraryImport(Libc)]
    private static partial uint umask(uint mask);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial int getgroups(int size, uint* list);
    [LibraryImport(Libc)]
    private static partial uint setfsuid(uint uid);
    [LibraryImport(Libc)]
    private static partial uint setfsgid(uint gid);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int openat(int dirfd, string path, int flags, uint mode);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial int close(int fd);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mkdirat(int dirfd, string path, uint mode);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int mknodat(int dirfd, string path, uint mode, ulong dev);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int unlinkat(int dirfd, string path, int flags);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int linkat(int olddirfd, string oldpath, int newdirfd, string newpath, int flags);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int symlinkat(string target, int newdirfd, string linkpath);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int renameat2(int olddirfd, string oldpath, int newdirfd, string newpath, uint flags);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int truncate(string path, long length);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial int ftruncate(int fd, long length);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fchmodat(int dirfd, string path, uint mode, int flags);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fchownat(int dirfd, string path, uint uid, uint gid, int flags);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int faccessat(int dirfd, string path, int mode, int flags);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint write(int fd, byte* buf, nuint count);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint pwrite(int fd, byte* buf, nuint count, long offset);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint read(int fd, byte* buf, nuint count);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint pread(int fd, byte* buf, nuint count, long offset);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int fstatat64(int dirfd, string path, LinuxStat* buf, int flags);
    [LibraryImport(Libc, SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint readlinkat(int dirfd, string path, byte* buf, nuint size);
    [LibraryImport(Libc, SetLastError = true)]
    private static partial nint getdents64(int fd, byte* buf, nuint count);
}

/// <summary>The model: the seed's rust_ramfs, loaded and mounted at /d/m by a model process.</summary>
internal sealed class ModelRamfs : RamfsDifferentialTests.ISide
{
    private const int AtFdCwd = -100;
    private readonly UserProcess _p;
    private readonly UserMapping _buffer;
    private int _dirfd = -1;

    public ModelRamfs(Kernel kernel, UserProcess process, uint[] groups)
    {
        _p = process;
        // the host's fs.protected_* (this machine may have raised them from the kernel's 0)
        kernel.FsSysctls.ProtectedHardlinks = HostSysctl("protected_hardlinks");
        kernel.FsSysctls.ProtectedSymlinks = HostSysctl("protected_symlinks");
        kernel.FsSysctls.ProtectedFifos = HostSysctl("protected_fifos");
        kernel.FsSysctls.ProtectedRegular = HostSysctl("protected_regular");
        kernel.Modules.Load(new RustRamfsModule());
        Check(_p.SetGroups(groups), "setgroups");
        Check(_p.Mkdir("/d", 0x1ED), "mkdir /d");
        Check(_p.Mkdir("/d/m", 0x1ED), "mkdir /d/m");
        Check(_p.Mount("none", "/d/m", "rust_ramfs"), "mount");
        _buffer = _p.Memory.Map(65536);
    }

    public string Name => "model";

    private static int HostSysctl(string name) =>
        File.Exists($"/proc/sys/fs/{name}") ? int.Parse(File.ReadAllText($"/proc/sys/fs/{name}").Trim(), System.Globalization.CultureInfo.InvariantCulture) : 0;

    public void Unmount() => Check(_p.Umount("/d/m"), "umount");

    private static int Check(int rc, string what) =>
        rc >= 0 ? rc : throw new InvalidOperationException($"{what} on the model: {(Errno)(-rc)}");

    public void Enter(string sequence, uint mode)
    {
        string path = "/d/m/" + sequence;
        Check(_p.Mkdir(path, 0x1C0), "mkdir");
        Check(_p.Chmod(path, mode), "chmod");
        _dirfd = Check(_p.Open(path, OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC), "open");
        Check(_p.Chdir(path), "chdir");
    }

    public void Leave(string sequence)
    {
        _p.Close(_dirfd);
        _dirfd = -1;
        Check(_p.Chdir("/"), "chdir");
        Check(_p.Rmdir("/d/m/" + sequence), "rmdir");
    }

    public void SetFsIds(uint uid, uint gid)
    {
        _p.SetFsUid(uid);
        _p.SetFsGid(gid);
    }

    public long Open(string path, int flags, uint mode) => _p.Openat(_dirfd, path, (OpenFlags)flags | OpenFlags.O_CLOEXEC, mode);

    public long Close(long fd) => _p.Close((int)fd);

    public long Mkdir(string path, uint mode) => _p.Mkdirat(_dirfd, path, mode);

    public long Mknod(string path, uint mode, ulong dev) => _p.Mknodat(_dirfd, path, mode, dev);

    public long Unlink(string path, int flags) => _p.Unlinkat(_dirfd, path, (AtFlags)flags);

    public long Link(string oldPath, string newPath, int flags) => _p.Linkat(_dirfd, oldPath, _dirfd, newPath, (AtFlags)flags);

    public long Symlink(string target, string path) => _p.Symlinkat(target, _dirfd, path);

    public long Rename(string oldPath, string newPath, uint flags) => _p.Renameat2(_dirfd, oldPath, _dirfd, newPath, (RenameFlags)flags);

    public long Truncate(string path, long length) => _p.Truncate(path, length); // the cwd is the sequence's directory

    public long Ftruncate(long fd, long length) => _p.Ftruncate((int)fd, length);

    public long Chmod(string path, uint mode) => _p.Fchmodat(_dirfd, path, mode, AtFlags.None);

    public long Chown(string path, uint uid, uint gid, int flags) => _p.Fchownat(_dirfd, path, uid, gid, (AtFlags)flags);

    public long Access(string path, int mode) => _p.Faccessat(_dirfd, path, mode, AtFlags.None);

    public long Write(long fd, byte[] data)
    {
        _p.Memory.CopyToUser(_buffer.Address, data);
        return _p.Write((int)fd, _buffer.Address, (nuint)data.Length);
    }

    public long Pwrite(long fd, byte[] data, long offset)
    {
        _p.Memory.CopyToUser(_buffer.Address, data);
        return _p.Pwrite((int)fd, _buffer.Address, (nuint)data.Length, offset);
    }

    public long Read(long fd, int count, out byte[] data)
    {
        long n = _p.Read((int)fd, _buffer.Address, (nuint)count);
        data = Copy(n);
        return n;
    }

    public long Pread(long fd, int count, long offset, out byte[] data)
    {
        long n = _p.Pread((int)fd, _buffer.Address, (nuint)count, offset);
        data = Copy(n);
        return n;
    }

    private byte[] Copy(long n)
    {
        if (n <= 0) return [];
        var data = new byte[n];
        _p.Memory.CopyFromUser(data, _buffer.Address);
        return data;
    }

    public long Lseek(long fd, long offset, int whence) => _p.Lseek((int)fd, offset, whence);

    public long Stat(string path, bool follow, out RamfsDifferentialTests.Attr attr)
    {
        int rc = _p.Fstatat(_dirfd, path, out StatResult st, follow ? AtFlags.None : AtFlags.SymlinkNoFollow);
        attr = rc == 0 ? ToAttr(st) : default;
        return rc;
    }

    public long Fstat(long fd, out RamfsDifferentialTests.Attr attr)
    {
        int rc = _p.Fstat((int)fd, out StatResult st);
        attr = rc == 0 ? ToAttr(st) : default;
        return rc;
    }

    private static RamfsDifferentialTests.Attr ToAttr(in StatResult st) =>
        new(st.Mode, st.LinkCount, st.Uid, st.Gid, st.Size, st.Blocks, st.BlockSize, st.RDevice);

    public long Readlink(string path, out string target) => _p.Readlinkat(_dirfd, path, out target);

    public long List(string path, out SortedSet<string> entries)
    {
        entries = new SortedSet<string>(StringComparer.Ordinal);
        int fd = _p.Openat(_dirfd, path, OpenFlags.O_RDONLY | OpenFlags.O_DIRECTORY | OpenFlags.O_CLOEXEC);
        if (fd < 0) return fd;
        try
        {
            var list = new List<DirectoryEntry>();
            int rc = _p.Getdents(fd, list);
            if (rc < 0) return rc;
            foreach (DirectoryEntry e in list) entries.Add($"{e.Name}:{(e.Mode >> 12) & 0xF}");
            return 0;
        }
        finally
        {
            _p.Close(fd);
        }
    }
}
