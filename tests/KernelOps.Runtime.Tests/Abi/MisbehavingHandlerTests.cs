using System.Runtime.InteropServices;
using KernelOps.Abi;
using KernelOps.Model;
using KernelOps.Runtime.Tests.Model;

namespace KernelOps.Runtime.Tests.Abi;

/// <summary>
/// A handler that breaks the slot's contract (more bytes than asked, a negative position or ioctl
/// value, an error that is not an errno) gets -EIO and one kernel-log line naming it; nothing of
/// its bad result reaches the C caller. These are the adapters' cold, out-of-line paths.
/// </summary>
internal sealed unsafe class MisbehavingHandlerTests : ModelTestBase
{
    private TaskScope _task;
    private NativeFile* _file;
    private nuint _buffer;

    // Runs after ModelTestBase's SetUp (Kernel, Proc) and before its TearDown's leak check.
    [SetUp]
    public void EnterTaskWithARawFile()
    {
        _task = Proc.EnterTask();
        _file = (NativeFile*)NativeMemory.AllocZeroed((nuint)sizeof(NativeFile));
        _buffer = Buffer(64);
    }

    [TearDown]
    public void LeaveTask()
    {
        _task.Dispose();
        NativeMemory.Free(_file);
    }

    [Test]
    public void A_read_claiming_more_bytes_than_asked_is_EIO()
    {
        long pos = 0;
        Assert.That(ThunkAdapters.Read<OverlongRead>(_file, (byte*)_buffer, 8, &pos), Is.EqualTo(-(nint)Errno.EIO));
        AssertLogged("Tests.OverlongRead returned 9 bytes for a 8-byte read; returning -EIO");
    }

    [Test]
    public void A_write_claiming_more_bytes_than_given_is_EIO()
    {
        long pos = 0;
        Assert.That(ThunkAdapters.Write<OverlongWrite>(_file, (byte*)_buffer, 8, &pos), Is.EqualTo(-(nint)Errno.EIO));
        AssertLogged("Tests.OverlongWrite claimed 9 bytes written of 8; returning -EIO");
    }

    [Test]
    public void A_negative_position_from_lseek_is_EIO()
    {
        Assert.That(ThunkAdapters.Lseek<NegativeSeek>(_file, 0, (int)Whence.Set), Is.EqualTo(-(long)Errno.EIO));
        AssertLogged("Tests.NegativeSeek returned the negative position -7; returning -EIO");
    }

    [Test]
    public void A_negative_ioctl_value_is_EIO()
    {
        Assert.That(ThunkAdapters.Ioctl<NegativeIoctl>(_file, 1, 0), Is.EqualTo(-(nint)Errno.EIO));
        AssertLogged("Tests.NegativeIoctl returned the negative value -3; returning -EIO");
    }

    [Test]
    public void An_error_that_is_not_an_errno_is_EIO()
    {
        long pos = 0;
        Assert.That(ThunkAdapters.Read<NotAnErrnoRead>(_file, (byte*)_buffer, 8, &pos), Is.EqualTo(-(nint)Errno.EIO));
        AssertLogged("Tests.NotAnErrnoRead failed with 5000, which is not an errno");
    }

    private void AssertLogged(string line) =>
        Assert.That(Kernel.Log.Lines, Has.Some.Contains(line), string.Join("\n", Kernel.Log.Lines));

    private readonly struct OverlongRead : IReadOperation
    {
        public static string HandlerName => "Tests.OverlongRead";
        public static KResult<nuint> Invoke(FileRef file, UserSliceWriter destination, ref long position) => destination.Length + 1;
    }

    private readonly struct OverlongWrite : IWriteOperation
    {
        public static string HandlerName => "Tests.OverlongWrite";
        public static KResult<nuint> Invoke(FileRef file, UserSliceReader source, ref long position) => source.Length + 1;
    }

    private readonly struct NegativeSeek : ILseekOperation
    {
        public static string HandlerName => "Tests.NegativeSeek";
        public static KResult<long> Invoke(FileRef file, long offset, Whence whence) => -7L;
    }

    private readonly struct NegativeIoctl : IIoctlOperation
    {
        public static string HandlerName => "Tests.NegativeIoctl";
        public static KResult<long> Invoke(FileRef file, uint command, nuint argument) => -3L;
    }

    private readonly struct NotAnErrnoRead : IReadOperation
    {
        public static string HandlerName => "Tests.NotAnErrnoRead";
        public static KResult<nuint> Invoke(FileRef file, UserSliceWriter destination, ref long position) => (Errno)5000;
    }
}
