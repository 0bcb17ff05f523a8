using System;
using System.Text;
using KernelOps.Model;

namespace KernelOps.Testing;

/// <summary>
/// A process of a <see cref="TestKernel"/> whose syscalls throw instead of returning <c>-errno</c>:
/// a failure is a <see cref="KernelErrorException"/> whose message names the syscall, its path or
/// fd and the errno (<c>open("/dev/x", O_RDWR): ENODEV (No such device)</c>), and whose
/// <see cref="KernelErrorException.Errno"/> a test can compare. <see cref="Process"/> has the raw
/// syscalls for anything else.
/// </summary>
public sealed class TestProcess : IDisposable
{
    internal TestProcess(UserProcess process) => Process = process;

    /// <summary>The model process, with the raw syscalls (<c>-errno</c> returns).</summary>
    public UserProcess Process { get; }

    /// <summary>open(2) of <paramref name="path"/>; dispose the result to close it.</summary>
    /// <exception cref="KernelErrorException">open failed (ENOENT, ENODEV, EACCES, the driver's errno, ...).</exception>
    public TestFile Open(string path, OpenFlags flags = OpenFlags.O_RDWR)
    {
        ArgumentNullException.ThrowIfNull(path);
        int fd = Process.Open(path, flags);
        if (fd < 0) throw Failed(fd, $"open(\"{path}\", {Describe(flags)})");
        return new TestFile(this, fd, path);
    }

    /// <summary>cat: the whole file.</summary>
    /// <exception cref="KernelErrorException">open or a read failed.</exception>
    public byte[] ReadAllBytes(string path) => Process.ReadAllBytes(path);

    /// <summary>cat: the whole file as UTF-8 text.</summary>
    /// <exception cref="KernelErrorException">open or a read failed.</exception>
    public string ReadAllText(string path) => Process.ReadAllText(path);

    /// <summary>echo &gt; (or &gt;&gt; when <paramref name="append"/>): writes all of <paramref name="data"/>.</summary>
    /// <exception cref="KernelErrorException">open or a write failed.</exception>
    public void WriteAllBytes(string path, ReadOnlySpan<byte> data, bool append = false) => Process.WriteAllBytes(path, data, append);

    /// <summary>echo &gt; (or &gt;&gt;) of UTF-8 text.</summary>
    /// <exception cref="KernelErrorException">open or a write failed.</exception>
    public void WriteAllText(string path, string text, bool append = false) => Process.WriteAllText(path, text, append);

    /// <summary>stat(2).</summary>
    /// <exception cref="KernelErrorException">stat failed (ENOENT, ENOTDIR, ...).</exception>
    public StatResult Stat(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        int rc = Process.Stat(path, out StatResult status);
        return rc == 0 ? status : throw Failed(rc, $"stat(\"{path}\")");
    }

    /// <summary>True when <paramref name="path"/> exists (stat succeeds; ENOENT is false, any other error throws).</summary>
    public bool Exists(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        int rc = Process.Stat(path, out _);
        if (rc == -(int)Errno.ENOENT) return false;
        return rc == 0 ? true : throw Failed(rc, $"stat(\"{path}\")");
    }

    /// <summary>mknod PATH c MAJOR MINOR: a character device node with <paramref name="permissions"/>.</summary>
    /// <exception cref="KernelErrorException">mknod failed (EEXIST, ENOENT, EPERM without CAP_MKNOD).</exception>
    public void MknodCharacter(string path, uint major, uint minor, uint permissions = 0x1B6 /* 0666 */)
    {
        ArgumentNullException.ThrowIfNull(path);
        int rc = Process.Mknod(path, StatResult.S_IFCHR | permissions, DeviceNumber.MakeUser(major, minor));
        if (rc != 0) throw Failed(rc, $"mknod(\"{path}\", c {major} {minor})");
    }

    /// <summary>unlink(2).</summary>
    /// <exception cref="KernelErrorException">unlink failed.</exception>
    public void Unlink(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        int rc = Process.Unlink(path);
        if (rc != 0) throw Failed(rc, $"unlink(\"{path}\")");
    }

    /// <summary>kill: a signal to the process, which ends its interruptible sleeps with EINTR.</summary>
    public void SendSignal() => Process.SendSignal();

    /// <summary>exit: closes every descriptor (a file's last close runs its release).</summary>
    public void Dispose() => Process.Dispose();

    /// <inheritdoc/>
    public override string ToString() => Process.ToString();

    internal static KernelErrorException Failed(long rc, string operation) => new((Errno)(-rc), operation);

    internal static string Describe(OpenFlags flags)
    {
        var text = new StringBuilder((flags & OpenFlags.O_ACCMODE) switch
        {
            OpenFlags.O_WRONLY => "O_WRONLY",
            OpenFlags.O_RDWR => "O_RDWR",
            OpenFlags.O_RDONLY => "O_RDONLY",
            var other => $"0x{(uint)other:x}",
        });
        OpenFlags rest = flags & ~OpenFlags.O_ACCMODE;
        foreach (OpenFlags flag in Enum.GetValues<OpenFlags>())
        {
            if (flag == 0 || (flag & OpenFlags.O_ACCMODE) != 0 || (rest & flag) != flag) continue;
            text.Append('|').Append(flag);
            rest &= ~flag;
        }
        if (rest != 0) text.Append($"|0x{(uint)rest:x}");
        return text.ToString();
    }
}
