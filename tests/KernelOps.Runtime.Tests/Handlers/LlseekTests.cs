using System.Runtime.InteropServices;
using KernelOps.Abi;

namespace KernelOps.Runtime.Tests.Handlers;

/// <summary>The generic llseek helpers against fs/read_write.c's rules, on a bare struct file.</summary>
public unsafe class LlseekTests
{
    private NativeFile* _file;

    [SetUp]
    public void Allocate()
    {
        _file = (NativeFile*)NativeMemory.AllocZeroed((nuint)sizeof(NativeFile));
        _file->f_pos = 5;
    }

    [TearDown]
    public void Free() => NativeMemory.Free(_file);

    [TestCase(3, Whence.Set, 3)]
    [TestCase(-1, Whence.Set, -(int)Errno.EINVAL)]
    [TestCase(2, Whence.Current, 7)]
    [TestCase(-6, Whence.Current, -(int)Errno.EINVAL)]
    [TestCase(-2, Whence.End, 8)]
    [TestCase(1, Whence.End, 11)]
    [TestCase(91, Whence.End, -(int)Errno.EINVAL)] // past maxsize 100
    [TestCase(4, Whence.Data, 4)]
    [TestCase(10, Whence.Data, -(int)Errno.ENXIO)]
    [TestCase(-1, Whence.Data, -(int)Errno.ENXIO)] // unsigned compare
    [TestCase(4, Whence.Hole, 10)]
    [TestCase(10, Whence.Hole, -(int)Errno.ENXIO)]
    public void Generic_file_llseek_size(long offset, Whence whence, long expected)
    {
        KResult<long> r = Llseek.GenericFileLlseekSize(new FileRef(_file), offset, whence, maxSize: 100, eof: 10);
        Assert.That(r.IsOk ? r.Value : -(long)r.Error, Is.EqualTo(expected));
        Assert.That(_file->f_pos, Is.EqualTo(5), "the helpers compute the position; the lseek thunk stores what the handler returns");
    }

    [Test]
    public void Default_llseek_compares_data_and_hole_signed_so_a_negative_offset_is_EINVAL_not_ENXIO()
    {
        KResult<long> r = Llseek.DefaultLlseek(new FileRef(_file), -1, Whence.Data, size: 10);
        Assert.That(r.Error, Is.EqualTo(Errno.EINVAL));
    }

    [Test]
    public void Seek_cur_zero_is_a_query_that_never_writes_f_pos()
    {
        _file->f_pos = long.MaxValue;
        KResult<long> r = Llseek.GenericFileLlseekSize(new FileRef(_file), 0, Whence.Current, maxSize: 100, eof: 10);
        Assert.That(r.Value, Is.EqualTo(long.MaxValue), "returned as is, even beyond maxsize");
    }
}
