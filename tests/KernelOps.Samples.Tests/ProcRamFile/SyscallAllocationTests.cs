using System;
using KernelOps.Model;
using KernelOps.Samples.ProcRamFile;

namespace KernelOps.Samples.Tests.ProcRamFile;

/// <summary>
/// Issue 7: the kernel model's syscall path (read/write/lseek/pread/pwrite through UserProcess,
/// fdget_pos, vfs_*, proc_reg_* and the generated RamFile.Table) allocates nothing per call.
/// Deterministic: GC.GetAllocatedBytesForCurrentThread counts every managed allocation of this
/// thread exactly, whatever else the machine does.
/// </summary>
public class SyscallAllocationTests
{
    [TestCase(64)]
    [TestCase(4096)]
    public void Ten_thousand_dispatched_reads_and_writes_allocate_nothing(int size)
    {
        using var kernel = new Kernel();
        kernel.Modules.Load(new RamFileModule());
        using var process = kernel.CreateProcess("alloc");
        int fd = process.Open(RamFileModule.Path, OpenFlags.O_RDWR);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        nuint buffer = process.Memory.Map((nuint)size).Address;

        void Round()
        {
            if (process.Write(fd, buffer, (nuint)size) != size) Assert.Fail("write");
            if (process.Lseek(fd, 0, 0) != 0) Assert.Fail("lseek");
            if (process.Read(fd, buffer, (nuint)size) != size) Assert.Fail("read");
            if (process.Pwrite(fd, buffer, (nuint)size, 0) != size) Assert.Fail("pwrite");
            if (process.Pread(fd, buffer, (nuint)size, 0) != size) Assert.Fail("pread");
            if (process.Lseek(fd, 0, 0) != 0) Assert.Fail("lseek");
        }

        for (int i = 0; i < 1000; i++) Round(); // warm-up: tiering, lazy statics, first growth of the file
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++) Round();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.That(allocated, Is.Zero, "bytes allocated by 10,000 rounds of write, lseek, read, pwrite, pread, lseek");
        Assert.That(process.Close(fd), Is.Zero);
    }
}
