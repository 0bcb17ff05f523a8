using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using KernelOps.Abi;
using KernelOps.Model;
using KernelOps.Samples.ProcRamFile;

namespace KernelOps.Samples.Tests.Native;

/// <summary>
/// gcc compiles C that declares <c>struct proc_ops</c> as the kernel header does and calls the
/// generated <c>RamFile.Table</c> through it: open, write, lseek, read, the null slots, a bad
/// whence. Proves the table is usable from C, not only from C#.
/// </summary>
public unsafe class CCallerTests
{
    [StructLayout(LayoutKind.Sequential)]
    private struct SessionResult
    {
        public int OpenRc;
        public long WriteRc;
        public long LseekRc;
        public long ReadRc;
        public long PosAfterRead;
        public fixed byte Data[16];
        public int NullSlots;
        public long BadWhenceRc;
    }

    private static string? s_library;

    [OneTimeSetUp]
    public void CompileTheCaller() => s_library = Gcc.CompileShared("proc_ops_caller.c");

    [OneTimeTearDown]
    public void Cleanup()
    {
        if (s_library is not null) File.Delete(s_library);
    }

    [Test]
    public void C_code_drives_the_generated_table_through_the_kernel_header_layout()
    {
        nint lib = NativeLibrary.Load(s_library!);
        try
        {
            var session = (delegate* unmanaged<ProcOps*, NativeInode*, NativeFile*, byte*, byte*, nuint, SessionResult*, int>)
                NativeLibrary.GetExport(lib, "proc_ops_session");

            using var kernel = new Kernel();
            using var process = kernel.CreateProcess("c-caller");
            using var task = process.EnterTask();
            var data = new RamFileData();
            GCHandle handle = GCHandle.Alloc(data);
            NativeInode inode = default;
            inode.i_private = GCHandle.ToIntPtr(handle);
            NativeFile file = default;
            file.f_inode = &inode;
            file.f_flags = (uint)(OpenFlags.O_RDWR | OpenFlags.O_TRUNC);
            file.f_mode = (uint)(FMode.FMODE_READ | FMode.FMODE_WRITE | FMode.FMODE_LSEEK);
            try
            {
                UserMapping buffer = process.Memory.Map(64);
                byte[] text = Encoding.ASCII.GetBytes("kernelops");
                SessionResult r = default;
                int rc;
                fixed (byte* t = text)
                    rc = session(RamFile.Table.Pointer, &inode, &file, (byte*)buffer.Address, t, (nuint)text.Length, &r);
                string read = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(r.Data, (int)Math.Max(0, r.ReadRc)));
                using (Assert.EnterMultipleScope())
                {
                    Assert.That(rc, Is.Zero);
                    Assert.That(r.OpenRc, Is.Zero, "open");
                    Assert.That(r.WriteRc, Is.EqualTo(9), "write");
                    Assert.That(r.LseekRc, Is.EqualTo(1), "lseek(1, SEEK_SET)");
                    Assert.That(r.ReadRc, Is.EqualTo(8), "read from 1 of a 9-byte file");
                    Assert.That(r.PosAfterRead, Is.EqualTo(9), "*ppos after read");
                    Assert.That(read, Is.EqualTo("ernelops"));
                    Assert.That(r.NullSlots, Is.EqualTo(0x7F), "the seven unimplemented slots are NULL");
                    Assert.That(r.BadWhenceRc, Is.EqualTo(-(long)Errno.EINVAL), "whence 42");
                    Assert.That(data.Snapshot(), Is.EqualTo(text));
                }
            }
            finally
            {
                handle.Free();
            }
        }
        finally
        {
            NativeLibrary.Free(lib);
        }
    }
}
