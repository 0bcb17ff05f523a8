using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using KernelOps.Abi;
using KernelOps.Model;
using KernelOps.Samples.ProcRamFile;

namespace KernelOps.Samples.Tests.ProcRamFile;

/// <summary>
/// Bad raw input straight into the generated <c>RamFile.Table</c> slots, as buggy C would pass it:
/// null pointers, invalid whence values, negative offsets, huge lengths, unmapped user buffers.
/// Each case must return the errno Linux gives and never crash the process.
/// </summary>
public unsafe class RawThunkTests
{
    /// <summary>A struct file and inode in native memory with the RAM file's data in i_private.</summary>
    private sealed class FakeFile : IDisposable
    {
        private readonly GCHandle _data;
        public readonly NativeFile* File;
        public readonly NativeInode* Inode;
        public readonly RamFileData Data;

        public FakeFile(string contents = "0123456789", long maxBytes = 1 << 20, bool withData = true)
        {
            Data = new RamFileData(maxBytes);
            Inode = (NativeInode*)NativeMemory.AllocZeroed((nuint)sizeof(NativeInode));
            File = (NativeFile*)NativeMemory.AllocZeroed((nuint)sizeof(NativeFile));
            if (withData)
            {
                _data = GCHandle.Alloc(Data);
                Inode->i_private = GCHandle.ToIntPtr(_data);
            }
            Inode->i_mode = 0x8000 | 0x1B6; // S_IFREG | 0666
            File->f_inode = Inode;
            File->f_flags = (uint)OpenFlags.O_RDWR;
            File->f_mode = (uint)(FMode.FMODE_READ | FMode.FMODE_WRITE | FMode.FMODE_LSEEK);
            File->f_op = RamFile.Table.Pointer;
            if (contents.Length > 0)
            {
                using var k = new Kernel();
                using var p = k.CreateProcess();
                using var _ = p.EnterTask();
                UserMapping m = p.Memory.Map((nuint)contents.Length);
                p.Memory.CopyToUser(m.Address, Encoding.ASCII.GetBytes(contents));
                long pos = 0;
                Assert.That(RamFile.Table.Pointer->proc_write(File, (byte*)m.Address, (nuint)contents.Length, &pos), Is.EqualTo((nint)contents.Length));
            }
        }

        public void Dispose()
        {
            if (_data.IsAllocated) _data.Free();
            NativeMemory.Free(File);
            NativeMemory.Free(Inode);
        }
    }

    public enum Buffer { Mapped16, Null, Unmapped, HalfMapped }

    public sealed record ReadCase(string Name, Buffer Buffer, ulong Count, long? Position, long Expected, long ExpectedPosition)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<TestCaseData> ReadCases() => new ReadCase[]
    {
        new("ok: 4 bytes at 0", Buffer.Mapped16, 4, 0, 4, 4),
        new("ok: at EOF reads 0", Buffer.Mapped16, 4, 10, 0, 10),
        new("ok: past EOF reads 0", Buffer.Mapped16, 4, 1000, 0, 1000),
        new("null buffer", Buffer.Null, 4, 0, -(long)Errno.EFAULT, 0),
        new("unmapped buffer", Buffer.Unmapped, 4, 0, -(long)Errno.EFAULT, 0),
        new("buffer half mapped: short read", Buffer.HalfMapped, 10, 0, 8, 8),
        new("null buffer, zero count", Buffer.Null, 0, 0, 0, 0),
        new("huge count (SIZE_MAX) clamps, copies what exists", Buffer.Mapped16, ulong.MaxValue, 0, 10, 10),
        new("count above MAX_RW_COUNT with small buffer", Buffer.Mapped16, 0x8000_0000, 2, 8, 10),
        new("negative position", Buffer.Mapped16, 4, -1, -(long)Errno.EINVAL, -1),
        new("most negative position", Buffer.Mapped16, 4, long.MinValue, -(long)Errno.EINVAL, long.MinValue),
        new("position + count overflows loff_t", Buffer.Mapped16, 16, long.MaxValue - 4, -(long)Errno.EINVAL, long.MaxValue - 4),
        new("null ppos: stream read from 0", Buffer.Mapped16, 4, null, 4, 0),
    }.Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    public static IEnumerable<TestCaseData> WriteCases() => new ReadCase[]
    {
        new("ok: 4 bytes at 0", Buffer.Mapped16, 4, 0, 4, 4),
        new("ok: past EOF extends", Buffer.Mapped16, 4, 100, 4, 104),
        new("null buffer", Buffer.Null, 4, 0, -(long)Errno.EFAULT, 0),
        new("unmapped buffer", Buffer.Unmapped, 4, 0, -(long)Errno.EFAULT, 0),
        new("buffer half mapped: short write", Buffer.HalfMapped, 10, 0, 8, 8),
        new("huge count (SIZE_MAX): short write of the mapped part", Buffer.Mapped16, ulong.MaxValue, 0, 16, 16),
        new("negative position", Buffer.Mapped16, 4, -1, -(long)Errno.EINVAL, -1),
        new("position + count overflows loff_t", Buffer.Mapped16, 16, long.MaxValue - 4, -(long)Errno.EINVAL, long.MaxValue - 4),
        new("position at the size limit", Buffer.Mapped16, 4, 1 << 20, -(long)Errno.EFBIG, 1 << 20),
        new("null ppos: stream write at 0", Buffer.Mapped16, 4, null, 4, 0),
        new("zero count", Buffer.Mapped16, 0, 3, 0, 3),
    }.Select(c => new TestCaseData(c).SetArgDisplayNames(c.Name));

    [TestCaseSource(nameof(ReadCases))]
    public void Read_slot(ReadCase c) => RunReadWrite(c, write: false);

    [TestCaseSource(nameof(WriteCases))]
    public void Write_slot(ReadCase c) => RunReadWrite(c, write: true);

    private static void RunReadWrite(ReadCase c, bool write)
    {
        using var kernel = new Kernel();
        using var process = kernel.CreateProcess();
        using var f = new FakeFile();
        using var task = process.EnterTask();
        UserMapping m = process.Memory.Map(16);
        process.Memory.CopyToUser(m.Address, Encoding.ASCII.GetBytes("ABCDEFGHIJKLMNOP"));
        nuint buffer = c.Buffer switch
        {
            Buffer.Mapped16 => m.Address,
            Buffer.Null => 0,
            Buffer.Unmapped => (nuint)0xdead_0000,
            Buffer.HalfMapped => m.Address + 8,
            _ => throw new ArgumentOutOfRangeException(nameof(c)),
        };
        long pos = c.Position ?? 0;
        long* ppos = c.Position is null ? null : &pos;
        nint result = write
            ? RamFile.Table.Pointer->proc_write(f.File, (byte*)buffer, (nuint)c.Count, ppos)
            : RamFile.Table.Pointer->proc_read(f.File, (byte*)buffer, (nuint)c.Count, ppos);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((long)result, Is.EqualTo(c.Expected), "return value");
            Assert.That(pos, Is.EqualTo(c.ExpectedPosition), "*ppos");
            Assert.That(kernel.Log.Lines, Is.Empty, "bad input is an errno, not a handler failure");
        }
        if (!write && result > 0 && c.Buffer == Buffer.Mapped16)
        {
            var got = new byte[result];
            process.Memory.CopyFromUser(got, m.Address);
            Assert.That(Encoding.ASCII.GetString(got), Is.EqualTo("0123456789".Substring((int)(c.Position ?? 0), (int)result)));
        }
    }

    public static IEnumerable<TestCaseData> LseekCases() => new (string Name, long Offset, int Whence, long Expected)[]
    {
        ("SEEK_SET 3", 3, 0, 3),
        ("SEEK_CUR +2 from 5", 2, 1, 7),
        ("SEEK_END -1", -1, 2, 9),
        ("SEEK_DATA 4", 4, 3, 4),
        ("SEEK_HOLE 4", 4, 4, 10),
        ("whence 5", 0, 5, -(long)Errno.EINVAL),
        ("whence 7", 0, 7, -(long)Errno.EINVAL),
        ("whence -1", 0, -1, -(long)Errno.EINVAL),
        ("whence INT_MIN", 0, int.MinValue, -(long)Errno.EINVAL),
        ("whence INT_MAX", 0, int.MaxValue, -(long)Errno.EINVAL),
        ("SEEK_SET -1", -1, 0, -(long)Errno.EINVAL),
        ("SEEK_SET LLONG_MIN", long.MinValue, 0, -(long)Errno.EINVAL),
        ("SEEK_SET past s_maxbytes", (1 << 20) + 1, 0, -(long)Errno.EINVAL),
        ("SEEK_CUR overflow", long.MaxValue, 1, -(long)Errno.EINVAL),
        ("SEEK_END -11", -11, 2, -(long)Errno.EINVAL),
        ("SEEK_END LLONG_MAX", long.MaxValue, 2, -(long)Errno.EINVAL),
        ("SEEK_DATA at EOF", 10, 3, -(long)Errno.ENXIO),
        ("SEEK_DATA -1", -1, 3, -(long)Errno.ENXIO),
        ("SEEK_HOLE past EOF", 11, 4, -(long)Errno.ENXIO),
    }.Select(c => new TestCaseData(c.Name, c.Offset, c.Whence, c.Expected).SetArgDisplayNames(c.Name));

    [TestCaseSource(nameof(LseekCases))]
    public void Lseek_slot(string name, long offset, int whence, long expected)
    {
        using var f = new FakeFile();
        f.File->f_pos = 5;
        long result = RamFile.Table.Pointer->proc_lseek(f.File, offset, whence);
        Assert.That(result, Is.EqualTo(expected), name);
        Assert.That(f.File->f_pos, Is.EqualTo(expected >= 0 ? expected : 5), "f_pos moves only on success");
    }

    [Test]
    public void Null_struct_pointers_are_refused_in_every_implemented_slot()
    {
        using var f = new FakeFile();
        ProcOps* t = RamFile.Table.Pointer;
        long pos = 0;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(t->proc_open(f.Inode, null), Is.EqualTo(-(int)Errno.EBADF), "open(inode, NULL)");
            Assert.That(t->proc_open(null, f.File), Is.EqualTo(-(int)Errno.EINVAL), "open(NULL, file)");
            Assert.That(t->proc_open(null, null), Is.EqualTo(-(int)Errno.EBADF), "open(NULL, NULL)");
            Assert.That(t->proc_read(null, null, 4, &pos), Is.EqualTo(-(nint)Errno.EBADF), "read(NULL, ...)");
            Assert.That(t->proc_write(null, null, 4, &pos), Is.EqualTo(-(nint)Errno.EBADF), "write(NULL, ...)");
            Assert.That(t->proc_lseek(null, 0, 0), Is.EqualTo(-(long)Errno.EBADF), "lseek(NULL, ...)");
        }
    }

    [Test]
    public void Slots_the_class_does_not_implement_are_null()
    {
        ref readonly ProcOps t = ref RamFile.Table.Value;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((nint)t.proc_open, Is.Not.Zero);
            Assert.That((nint)t.proc_read, Is.Not.Zero);
            Assert.That((nint)t.proc_write, Is.Not.Zero);
            Assert.That((nint)t.proc_lseek, Is.Not.Zero);
            Assert.That((nint)t.proc_read_iter, Is.EqualTo(nint.Zero));
            Assert.That((nint)t.proc_release, Is.EqualTo(nint.Zero));
            Assert.That((nint)t.proc_poll, Is.EqualTo(nint.Zero));
            Assert.That((nint)t.proc_ioctl, Is.EqualTo(nint.Zero));
            Assert.That((nint)t.proc_compat_ioctl, Is.EqualTo(nint.Zero));
            Assert.That((nint)t.proc_mmap, Is.EqualTo(nint.Zero));
            Assert.That((nint)t.proc_get_unmapped_area, Is.EqualTo(nint.Zero));
            Assert.That(t.proc_flags, Is.Zero);
        }
    }

    [Test]
    public void A_handler_exception_becomes_EIO_and_a_kernel_log_line()
    {
        using var kernel = new Kernel();
        using var process = kernel.CreateProcess();
        using var f = new FakeFile(contents: "", withData: false); // the handler throws: no data
        using var task = process.EnterTask();
        UserMapping m = process.Memory.Map(16);
        long pos = 0;
        nint r = RamFile.Table.Pointer->proc_read(f.File, (byte*)m.Address, 16, &pos);
        Assert.That(r, Is.EqualTo(-(nint)Errno.EIO));
        Assert.That(kernel.Log.Lines, Has.Count.EqualTo(1));
        Assert.That(kernel.Log.Lines[0], Does.Contain("KernelOps.Samples.ProcRamFile.RamFile.Read")
            .And.Contain("System.InvalidOperationException").And.Contain("-EIO"));
    }

    [Test]
    public void Open_without_registration_data_is_ENODEV()
    {
        using var f = new FakeFile(contents: "", withData: false);
        Assert.That(RamFile.Table.Pointer->proc_open(f.Inode, f.File), Is.EqualTo(-(int)Errno.ENODEV));
    }

    [Test]
    public void A_dispatched_read_allocates_nothing()
    {
        using var kernel = new Kernel();
        using var process = kernel.CreateProcess();
        using var f = new FakeFile();
        using var task = process.EnterTask();
        UserMapping m = process.Memory.Map(16);
        ProcOps* t = RamFile.Table.Pointer;
        long pos = 0;
        for (int i = 0; i < 1000; i++) { pos = 0; t->proc_read(f.File, (byte*)m.Address, 4, &pos); } // warm up (tiering)
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            pos = 0;
            t->proc_read(f.File, (byte*)m.Address, 4, &pos);
            t->proc_lseek(f.File, 1, 0);
        }
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(allocated, Is.Zero, "bytes allocated by 20,000 dispatched ops");
    }
}
