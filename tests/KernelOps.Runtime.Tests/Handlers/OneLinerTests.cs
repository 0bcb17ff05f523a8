using System;
using System.Text;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Handlers;

/// <summary>
/// The one-liners of the errno contract: simple_read_from_buffer / simple_write_to_buffer on the
/// user slices (fs/libfs.c), and <see cref="KResult.WithValue{T}"/> for an ioctl that copies a
/// value out and returns 0.
/// </summary>
public sealed class OneLinerTests
{
    private UserMemory _memory = null!;

    [SetUp]
    public void Map() => _memory = new UserMemory();

    [TearDown]
    public void Unmap() => _memory.Dispose();

    private static readonly byte[] Text = Encoding.ASCII.GetBytes("0123456789");

    private (nuint Address, string Copied) ReadFromBuffer(long start, int userLength, out KResult<nuint> result, out long position, nuint? at = null)
    {
        UserMapping m = _memory.Map((nuint)Math.Max(userLength, 1));
        nuint address = at ?? m.Address;
        var destination = new UserSliceWriter(_memory, address, (nuint)userLength);
        position = start;
        result = destination.SimpleReadFromBuffer(ref position, Text);
        byte[] back = new byte[userLength];
        _memory.CopyFromUser(back, m.Address);
        return (m.Address, Encoding.ASCII.GetString(back).TrimEnd('\0'));
    }

    [TestCase(0, 4, 4, 4, "0123", TestName = "read from 0 copies what fits and advances")]
    [TestCase(7, 8, 3, 10, "789", TestName = "read near the end copies the rest")]
    [TestCase(10, 8, 0, 10, "", TestName = "read at the end is end of file")]
    [TestCase(99, 8, 0, 99, "", TestName = "read past the end is end of file")]
    [TestCase(0, 0, 0, 0, "", TestName = "an empty user buffer reads nothing")]
    public void SimpleReadFromBuffer_(long start, int userLength, int expected, long expectedPosition, string copied)
    {
        (_, string got) = ReadFromBuffer(start, userLength, out KResult<nuint> result, out long position);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Value, Is.EqualTo((nuint)expected));
            Assert.That(position, Is.EqualTo(expectedPosition));
            Assert.That(got, Is.EqualTo(copied));
        }
    }

    [Test]
    public void SimpleReadFromBuffer_NegativePositionIsEinval_AndAFaultMovesNothing()
    {
        ReadFromBuffer(-1, 4, out KResult<nuint> negative, out long p1);
        var unmapped = new UserSliceWriter(_memory, 0x10, 4);
        long p2 = 2;
        KResult<nuint> fault = unmapped.SimpleReadFromBuffer(ref p2, Text);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(negative.Error, Is.EqualTo(Errno.EINVAL));
            Assert.That(p1, Is.EqualTo(-1));
            Assert.That(fault.Error, Is.EqualTo(Errno.EFAULT));
            Assert.That(p2, Is.EqualTo(2), "nothing copied, nothing moved");
        }
    }

    [Test]
    public void SimpleReadFromBuffer_APartialFaultCountsTheBytesBeforeIt()
    {
        UserMapping m = _memory.Map(3);
        var destination = new UserSliceWriter(_memory, m.Address, 8); // 3 mapped, 5 past the mapping
        long position = 1;
        KResult<nuint> result = destination.SimpleReadFromBuffer(ref position, Text);
        Assert.That(result.Value, Is.EqualTo((nuint)3));
        Assert.That(position, Is.EqualTo(4));
    }

    [TestCase(0, "abc", 3, 3, "abc\0\0\0\0\0", TestName = "write at 0 copies and advances")]
    [TestCase(6, "abcdef", 2, 8, "\0\0\0\0\0\0ab", TestName = "write near the end copies what fits")]
    [TestCase(8, "abc", 0, 8, "\0\0\0\0\0\0\0\0", TestName = "write at the end copies nothing")]
    [TestCase(2, "", 0, 2, "\0\0\0\0\0\0\0\0", TestName = "an empty write copies nothing")]
    public void SimpleWriteToBuffer_(long start, string input, int expected, long expectedPosition, string buffer)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(input);
        UserMapping m = _memory.Map((nuint)Math.Max(bytes.Length, 1));
        _memory.CopyToUser(m.Address, bytes);
        var source = new UserSliceReader(_memory, m.Address, (nuint)bytes.Length);
        byte[] kernel = new byte[8];
        long position = start;
        KResult<nuint> result = source.SimpleWriteToBuffer(kernel, ref position);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(result.Value, Is.EqualTo((nuint)expected));
            Assert.That(position, Is.EqualTo(expectedPosition));
            Assert.That(Encoding.ASCII.GetString(kernel), Is.EqualTo(buffer));
        }
    }

    [Test]
    public void SimpleWriteToBuffer_NegativePositionIsEinval_AndAFaultMovesNothing()
    {
        byte[] kernel = new byte[8];
        var unmapped = new UserSliceReader(_memory, 0x10, 4);
        long position = 1;
        Assert.That(unmapped.SimpleWriteToBuffer(kernel, ref position).Error, Is.EqualTo(Errno.EFAULT));
        Assert.That(position, Is.EqualTo(1));
        position = -3;
        Assert.That(unmapped.SimpleWriteToBuffer(kernel, ref position).Error, Is.EqualTo(Errno.EINVAL));
    }

    [Test]
    public void WithValue_GivesTheValueOnSuccess_AndKeepsAnError()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(KResult.Ok.WithValue(0L), Is.EqualTo(KResult<long>.Ok(0)));
            Assert.That(KResult.Ok.WithValue((nuint)5).Value, Is.EqualTo((nuint)5));
            KResult<long> failed = ((KResult)Errno.EFAULT).WithValue(0L);
            Assert.That(failed.IsOk, Is.False);
            Assert.That(failed.Error, Is.EqualTo(Errno.EFAULT));
        }
    }
}
