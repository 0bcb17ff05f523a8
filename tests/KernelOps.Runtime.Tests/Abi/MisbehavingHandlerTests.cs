using System;
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

    // KOPS0020's trap, with the rule suppressed: C#'s constant-zero enum conversion makes the
    // conditional an Errno, so the success arm becomes a failure with errno 0. It is never a success
    // and never a -0: the caller gets -EIO and the log says what the handler returned.
    [Test]
    public void A_failure_made_of_errno_0_is_EIO_and_logged_as_such()
    {
        Assert.That(ThunkAdapters.Ioctl<ZeroErrnoIoctl>(_file, 1, 0), Is.EqualTo(-(nint)Errno.EIO));
        AssertLogged("Tests.ZeroErrnoIoctl returned errno 0 as a failure: 0 is success, not an errno");
        Assert.That(ThunkAdapters.Ioctl<ZeroErrnoIoctl>(_file, 2, 0), Is.EqualTo(-(nint)Errno.EINVAL), "the other arm is still the errno");
        Assert.That(ThunkAdapters.Flush<ZeroErrnoFlush>(_file, null), Is.EqualTo(-(int)Errno.EIO));
        AssertLogged("Tests.ZeroErrnoFlush returned errno 0 as a failure");
        Assert.That(Kernel.Log.Lines, Has.None.Contains("threw"), "a broken result, not an exception of the handler's own");
    }

#pragma warning disable KOPS0020 // what the rule reports, done on purpose
    [Test]
    public void Every_result_type_refuses_a_failure_that_is_not_an_errno()
    {
        var zero = Assert.Throws<NotAnErrnoException>(() => KResult.Fail(0))!;
        Assert.That(zero.Message, Does.StartWith("errno 0 was used as a failure: 0 is success, not an errno"));
        Assert.That(zero.Message, Does.Not.Contain("\n"));
        Assert.That(zero, Is.InstanceOf<ArgumentOutOfRangeException>(), "what Fail threw before, for callers that catch it");
        Assert.That(Assert.Throws<NotAnErrnoException>(() => KResult<long>.Fail((Errno)(-22)))!.Message, Does.StartWith("-22 was used as a failure, which is not an errno"));
        Assert.Throws<NotAnErrnoException>(() => OpenResult<object>.Fail(0));
        Assert.Throws<NotAnErrnoException>(() => ProbeResult<object>.Fail(0));
        Assert.That(KResult<long>.Fail(Errno.EINVAL).Error, Is.EqualTo(Errno.EINVAL));
    }
#pragma warning restore KOPS0020

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

#pragma warning disable KOPS0020 // the trap itself, to see what the thunk makes of it
    private readonly struct ZeroErrnoIoctl : IIoctlOperation
    {
        public static string HandlerName => "Tests.ZeroErrnoIoctl";
        public static KResult<long> Invoke(FileRef file, uint command, nuint argument) => command == 1 ? 0L : Errno.EINVAL;
    }

    private readonly struct ZeroErrnoFlush : IFlushOperation
    {
        public static string HandlerName => "Tests.ZeroErrnoFlush";
        public static KResult Invoke(FileRef file) => default(Errno);
    }
#pragma warning restore KOPS0020

    private readonly struct NotAnErrnoRead : IReadOperation
    {
        public static string HandlerName => "Tests.NotAnErrnoRead";
        public static KResult<nuint> Invoke(FileRef file, UserSliceWriter destination, ref long position) => (Errno)5000;
    }
}
