using System;
using System.Text;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>The bytes a position-contract device serves.</summary>
internal sealed class Served(string text)
{
    public readonly byte[] Bytes = Encoding.ASCII.GetBytes(text);

    /// <summary>From the position, advancing it.</summary>
    public KResult<nuint> Read(ref UserSliceWriter destination, ref long position) => destination.SimpleReadFromBuffer(ref position, Bytes);
}

/// <summary>Per-open state of the stateful variant.</summary>
internal sealed class Cursor(Served served)
{
    public Served Served { get; } = served;
}

/// <summary>
/// lseek returns the new position and never touches f_pos; read serves from its position
/// parameter: under the position contract both are all a handler needs.
/// </summary>
[FileOperations]
internal static partial class ReturnOnlySeekDevice
{
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) =>
        file.DeviceData<Served>()!.Read(ref destination, ref position);

    [Lseek]
    private static KResult<long> Lseek(FileRef file, long offset, Whence whence) => whence switch
    {
        Whence.Set => offset,
        Whence.Current => file.ReadPositionUnsynchronized() + offset,
        Whence.End => file.DeviceData<Served>()!.Bytes.Length + offset,
        _ => Errno.EINVAL,
    };
}

/// <summary>The same with per-open state, through the stateful adapters.</summary>
[FileOperations]
internal static partial class ReturnOnlySeekStatefulDevice
{
    [Open]
    private static OpenResult<Cursor> Open(Inode inode, FileRef file) => new Cursor(file.DeviceData<Served>()!);

    [Read]
    private static KResult<nuint> Read(Cursor cursor, FileRef file, UserSliceWriter destination, ref long position) =>
        cursor.Served.Read(ref destination, ref position);

    [Lseek]
    private static KResult<long> Lseek(Cursor cursor, FileRef file, long offset, Whence whence) =>
        whence == Whence.End ? cursor.Served.Bytes.Length + offset : Llseek.DefaultLlseek(file, offset, whence, cursor.Served.Bytes.Length);
}

internal sealed class PositionContractTests : ModelTestBase
{
    private const string Text = "0123456789abcdef";

    private int OpenDevice(OpsTable<FileOperations> table, out MiscDevice device)
    {
        device = Kernel.CharDevices.RegisterMisc("pos", table, data: new Served(Text), mode: 0x1B6);
        int fd = Proc.Open("/dev/pos", OpenFlags.O_RDONLY);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        return fd;
    }

    private string Read(int fd, int count)
    {
        nuint buffer = Buffer(count);
        nint n = Proc.Read(fd, buffer, (nuint)count);
        Assert.That(n, Is.GreaterThanOrEqualTo((nint)0));
        return ReadString(buffer, (int)n);
    }

    [Test]
    public void AnLseekHandlerReturningAPosition_MovesFPos_SoTheNextReadStartsThere()
    {
        int fd = OpenDevice(ReturnOnlySeekDevice.Table, out MiscDevice device);
        using (device)
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(Proc.Lseek(fd, 10, (int)Whence.Set), Is.EqualTo(10));
                Assert.That(Read(fd, 3), Is.EqualTo("abc"), "read starts where lseek said");
                Assert.That(Proc.Lseek(fd, 0, (int)Whence.Current), Is.EqualTo(13), "and advanced from there");
                Assert.That(Proc.Lseek(fd, -2, (int)Whence.End), Is.EqualTo(14));
                Assert.That(Read(fd, 8), Is.EqualTo("ef"));
                Assert.That(Proc.Lseek(fd, -1, (int)Whence.Set), Is.EqualTo(-(long)Errno.EIO), "a negative position is a handler bug: EIO");
                Assert.That(Proc.Lseek(fd, 0, (int)Whence.Current), Is.EqualTo(16), "and leaves f_pos alone");
                Assert.That(Proc.Lseek(fd, 0, (int)Whence.Data), Is.EqualTo(-(long)Errno.EINVAL), "an errno leaves f_pos alone");
                Assert.That(Proc.Lseek(fd, 0, (int)Whence.Current), Is.EqualTo(16));
            }
            Assert.That(Proc.Close(fd), Is.Zero);
        }
    }

    [Test]
    public void AStatefulLseekHandler_IsObeyedToo()
    {
        int fd = OpenDevice(ReturnOnlySeekStatefulDevice.Table, out MiscDevice device);
        using (device)
        {
            Assert.That(Proc.Lseek(fd, 4, (int)Whence.Set), Is.EqualTo(4));
            Assert.That(Read(fd, 2), Is.EqualTo("45"));
            Assert.That(Proc.Lseek(fd, -3, (int)Whence.End), Is.EqualTo(13));
            Assert.That(Read(fd, 8), Is.EqualTo("def"));
            Assert.That(Proc.Close(fd), Is.Zero);
        }
    }

    [Test]
    public void CatOfAFileWhoseReadUsesItsPosition_Terminates()
    {
        int fd = OpenDevice(ReturnOnlySeekDevice.Table, out MiscDevice device);
        using (device)
        {
            // cat: read until 0, with a small buffer; a handler that ignored its position would
            // serve the start forever, so the loop is bounded and must end at EOF.
            var text = new StringBuilder();
            int reads = 0;
            for (string chunk; (chunk = Read(fd, 5)).Length > 0 && reads < 100; reads++) text.Append(chunk);
            Assert.That(reads, Is.EqualTo(4), "16 bytes in 5-byte reads, then EOF");
            Assert.That(text.ToString(), Is.EqualTo(Text));
            Assert.That(Proc.ReadAllText("/dev/pos"), Is.EqualTo(Text));
            Assert.That(Proc.Close(fd), Is.Zero);
        }
    }
}
