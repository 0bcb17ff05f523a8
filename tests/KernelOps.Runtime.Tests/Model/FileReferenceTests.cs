using System;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>What a driver keeps of a file past the call: a <see cref="FileReference"/> (get_file/fput).</summary>
internal sealed class Keeper
{
    public FileReference? Kept;
    public int Releases;
    public string? RefusedInRelease;
}

/// <summary>A device whose ioctl keeps the file it is called on (a driver completing work later).</summary>
[FileOperations(NonSeekable = true)]
internal static partial class KeepingDevice
{
    public static readonly uint Keep = IoctlNumber.IO('q', 1);

    [Ioctl]
    private static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
    {
        if (command != Keep) return Errno.ENOTTY;
        Keeper keeper = file.DeviceData<Keeper>()!;
        keeper.Kept = file.GetReference();
        return 0L;
    }

    [Release]
    private static KResult Release(Inode inode, FileRef file)
    {
        Keeper keeper = file.DeviceData<Keeper>()!;
        Interlocked.Increment(ref keeper.Releases);
        try
        {
            file.GetReference().Dispose();
        }
        catch (InvalidOperationException e)
        {
            keeper.RefusedInRelease = e.Message;
        }
        return KResult.Ok;
    }
}

internal sealed class FileReferenceTests : ModelTestBase
{
    private const uint Chr0600 = StatResult.S_IFCHR | 0x180;

    [Test]
    public void AReferenceKeepsTheFileAfterClose_AndItsDisposeRunsTheRelease()
    {
        var keeper = new Keeper();
        var module = new DeviceModule("keeper", c => c.Devices.RegisterMisc("keeper", KeepingDevice.Table, data: keeper));
        Kernel.Modules.Load(module);
        var device = (MiscDevice)module.Device!;
        Assert.That(StatOf("/dev/keeper").Mode, Is.EqualTo(Chr0600), "misc_register made the node");
        KernelStatistics baseline = Kernel.Statistics;

        int fd = Proc.Open("/dev/keeper", OpenFlags.O_RDWR);
        Assert.That(fd, Is.GreaterThanOrEqualTo(0));
        Assert.That(Proc.Ioctl(fd, KeepingDevice.Keep, 0), Is.Zero);
        Assert.That(Proc.Close(fd), Is.Zero);

        KernelStatistics kept = Kernel.Statistics;
        using (Assert.EnterMultipleScope())
        {
            Assert.That(keeper.Releases, Is.Zero, "release runs at the last fput, which the reference holds back");
            Assert.That(kept.LiveFileReferences, Is.EqualTo(1), "the reference is counted");
            Assert.That(kept.LiveFiles, Is.EqualTo(baseline.LiveFiles + 1), "the struct file is still allocated");
            Assert.That(kept.OpenDescriptors, Is.EqualTo(baseline.OpenDescriptors));
            Assert.That(kept.IsEmpty, Is.False);
            Assert.That(Kernel.Modules.Unload("keeper"), Is.EqualTo((KResult)Errno.EAGAIN), "the kept file still pins its module");
        }

        keeper.Kept!.Borrow(file =>
        {
            using (Assert.EnterMultipleScope())
            {
                Assert.That(file.AccessMode, Is.EqualTo(OpenFlags.O_RDWR));
                Assert.That(file.Inode.RDev, Is.EqualTo(device.Dev));
                Assert.That(file.DeviceData<Keeper>(), Is.SameAs(keeper));
            }
        });
        Assert.That(keeper.Kept.Borrow(file => file.Inode.RDev), Is.EqualTo(device.Dev), "a borrow can compute a value");

        keeper.Kept.Dispose();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(keeper.Releases, Is.EqualTo(1), "the last reference's fput ran the release");
            Assert.That(keeper.RefusedInRelease, Does.Contain("last reference"), "a release cannot keep the file it releases");
            Assert.That(Kernel.Statistics, Is.EqualTo(baseline), "back to the baseline");
            Assert.That(keeper.Kept.IsDisposed, Is.True);
        }

        keeper.Kept.Dispose(); // idempotent: the reference is dropped exactly once
        Assert.That(keeper.Releases, Is.EqualTo(1));
        Assert.That(Kernel.Statistics, Is.EqualTo(baseline));
        Assert.Throws<ObjectDisposedException>(() => keeper.Kept.Borrow(file => { }));
        Assert.That(Kernel.Modules.Unload("keeper"), Is.EqualTo(KResult.Ok));
    }

    [Test]
    public void DisposingDuringABorrow_DefersTheLastFputToTheBorrowsEnd()
    {
        var keeper = new Keeper();
        using (MiscDevice device = Kernel.CharDevices.RegisterMisc("keeper", KeepingDevice.Table, data: keeper))
        {
            KernelStatistics baseline = Kernel.Statistics;
            int fd = Proc.Open("/dev/keeper", OpenFlags.O_RDWR);
            Assert.That(Proc.Ioctl(fd, KeepingDevice.Keep, 0), Is.Zero);
            Assert.That(Proc.Close(fd), Is.Zero);

            FileReference kept = keeper.Kept!;
            int releasesSeenAfterDispose = -1;
            OpenFlags modeAfterDispose = default;
            kept.Borrow(file =>
            {
                kept.Dispose();                              // the owner's fput, while the file is borrowed
                releasesSeenAfterDispose = keeper.Releases;
                modeAfterDispose = file.AccessMode;          // still a live struct file
            });
            using (Assert.EnterMultipleScope())
            {
                Assert.That(releasesSeenAfterDispose, Is.Zero, "the release waits for the borrow to end");
                Assert.That(modeAfterDispose, Is.EqualTo(OpenFlags.O_RDWR));
                Assert.That(keeper.Releases, Is.EqualTo(1), "the borrow's end was the last fput");
                Assert.That(kept.IsDisposed, Is.True);
                Assert.Throws<ObjectDisposedException>(() => kept.Borrow(file => { }));
                Assert.That(Kernel.Statistics, Is.EqualTo(baseline), "back to the baseline");
            }
        }
    }

    [Test]
    public void WhileTheDescriptorIsOpen_DisposingTheReferenceDoesNotRelease()
    {
        var keeper = new Keeper();
        using MiscDevice device = Kernel.CharDevices.RegisterMisc("keeper", KeepingDevice.Table, data: keeper);
        int fd = Proc.Open("/dev/keeper", OpenFlags.O_RDONLY);
        Assert.That(Proc.Ioctl(fd, KeepingDevice.Keep, 0), Is.Zero);
        keeper.Kept!.Dispose();
        Assert.That(keeper.Releases, Is.Zero, "the descriptor still holds the file");
        Assert.That(Kernel.Statistics.LiveFileReferences, Is.Zero);
        Assert.That(Proc.Close(fd), Is.Zero);
        Assert.That(keeper.Releases, Is.EqualTo(1));
        Assert.That(keeper.RefusedInRelease, Is.Not.Null);
    }

    [Test]
    public unsafe void AFileOfNoKernel_CannotBeKept()
    {
        NativeFile* raw = (NativeFile*)System.Runtime.InteropServices.NativeMemory.AllocZeroed((nuint)sizeof(NativeFile));
        try
        {
            var e = Assert.Throws<InvalidOperationException>(() => new FileRef(raw).GetReference());
            Assert.That(e!.Message, Does.Contain("no kernel model"));
        }
        finally
        {
            System.Runtime.InteropServices.NativeMemory.Free(raw);
        }
    }
}
