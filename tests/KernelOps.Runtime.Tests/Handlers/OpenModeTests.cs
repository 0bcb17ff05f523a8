using System.Text;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Handlers;

/// <summary>
/// stream_open and nonseekable_open called from a generated open handler: the VFS must then refuse
/// seeks and positioned I/O exactly as Linux does, and a stream read must get no position.
/// </summary>
public partial class OpenModeTests
{
    [ProcOps]
    internal static partial class NonSeekable
    {
        [Open]
        private static KResult Open(Inode inode, FileRef file)
        {
            file.NonseekableOpen();
            return KResult.Ok;
        }

        [Read]
        private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position)
        {
            KResult<nuint> r = destination.WriteSome(Encoding.ASCII.GetBytes($"pos={position};"));
            if (r.TryGetValue(out nuint n)) position += (long)n;
            return r;
        }

        [Lseek]
        private static KResult<long> Lseek(FileRef file, long offset, Whence whence) =>
            Llseek.GenericFileLlseekSize(file, offset, whence, 1024, 0);
    }

    [ProcOps]
    internal static partial class Stream
    {
        [Open]
        private static KResult Open(Inode inode, FileRef file)
        {
            file.StreamOpen();
            return KResult.Ok;
        }

        [Read]
        private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position)
        {
            position += 100; // a stream's position is a local the VFS throws away
            return destination.WriteSome("x"u8);
        }
    }

    [Test]
    public void Nonseekable_open_makes_lseek_pread_and_pwrite_ESPIPE_but_read_keeps_a_position()
    {
        using var kernel = new Kernel();
        using var entry = kernel.Proc.Create("nonseekable", 0b100_100_100, null, NonSeekable.Table);
        using UserProcess p = kernel.CreateProcess();
        int fd = p.Open("/proc/nonseekable", OpenFlags.O_RDONLY);
        UserMapping m = p.Memory.Map(64);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(fd, Is.GreaterThanOrEqualTo(0));
            Assert.That(p.Lseek(fd, 0, (int)Whence.Set), Is.EqualTo(-(long)Errno.ESPIPE), "lseek");
            Assert.That(p.Pread(fd, m.Address, 8, 0), Is.EqualTo(-(nint)Errno.ESPIPE), "pread");
            Assert.That(p.Read(fd, m.Address, 64), Is.EqualTo((nint)6), "first read");
            Assert.That(p.Read(fd, m.Address, 64), Is.EqualTo((nint)6), "second read");
        }
        var bytes = new byte[6];
        p.Memory.CopyFromUser(bytes, m.Address);
        Assert.That(Encoding.ASCII.GetString(bytes), Is.EqualTo("pos=6;"), "f_pos still advances on a non-seekable file");
    }

    [Test]
    public void Stream_open_gives_reads_no_position_and_refuses_seeks()
    {
        using var kernel = new Kernel();
        using var entry = kernel.Proc.Create("stream", 0b100_100_100, null, Stream.Table);
        using UserProcess p = kernel.CreateProcess();
        int fd = p.Open("/proc/stream", OpenFlags.O_RDONLY);
        UserMapping m = p.Memory.Map(8);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(p.Read(fd, m.Address, 8), Is.EqualTo((nint)1));
            Assert.That(p.Lseek(fd, 0, (int)Whence.Current), Is.EqualTo(-(long)Errno.ESPIPE));
            Assert.That(p.Pread(fd, m.Address, 8, 0), Is.EqualTo(-(nint)Errno.ESPIPE));
        }
    }
}
