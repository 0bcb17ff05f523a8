using System;
using System.Runtime.InteropServices;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>
/// Bad raw input straight into generated file_operations slots, as buggy C would pass it: null
/// pointers, files without per-open state, bad ioctl numbers and argument pointers, negative and
/// huge sizes and ranges. Each returns the errno Linux gives and never crashes the process.
/// </summary>
internal sealed unsafe class FileOperationsRawThunkTests
{
    private Kernel _kernel = null!;
    private UserProcess _proc = null!;
    private TaskScope _task;
    private NativeFile* _file;
    private NativeInode* _inode;
    private GCHandle _deviceData;
    private DeviceCounters _device = null!;

    private static FileOperations* Stateful => StatefulDevice.Table.Pointer;
    private static FileOperations* Stateless => StatelessDevice.Table.Pointer;

    [SetUp]
    public void Setup()
    {
        _kernel = new Kernel();
        _proc = _kernel.CreateProcess("raw");
        _task = _proc.EnterTask();
        _device = new DeviceCounters();
        _deviceData = GCHandle.Alloc(_device);
        _inode = (NativeInode*)NativeMemory.AllocZeroed((nuint)sizeof(NativeInode));
        _file = (NativeFile*)NativeMemory.AllocZeroed((nuint)sizeof(NativeFile));
        _inode->i_mode = StatResult.S_IFCHR | 0x1B6;
        _file->f_inode = _inode;
        _file->f_mode = (uint)(FMode.FMODE_READ | FMode.FMODE_WRITE);
        _file->f_flags = (uint)OpenFlags.O_RDWR;
        _file->f_device = GCHandle.ToIntPtr(_deviceData);
    }

    [TearDown]
    public void Teardown()
    {
        if (_file->private_data != 0) Stateful->release(_inode, _file); // free a state a test left
        NativeMemory.Free(_file);
        NativeMemory.Free(_inode);
        _deviceData.Free();
        _task.Dispose();
        _proc.Dispose();
        _kernel.Dispose();
    }

    private nuint Map(int length) => _proc.Memory.Map((nuint)length).Address;

    private static long E(Errno e) => -(long)e;

    [Test]
    public void Null_pointers_in_every_slot()
    {
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Stateful->open(_inode, null), Is.EqualTo(E(Errno.EBADF)));
            Assert.That(Stateful->open(null, _file), Is.EqualTo(E(Errno.EINVAL)));
            Assert.That(Stateful->release(_inode, null), Is.EqualTo(E(Errno.EBADF)));
            Assert.That(Stateful->release(null, _file), Is.EqualTo(E(Errno.EINVAL)));
            Assert.That((long)Stateful->read(null, null, 1, null), Is.EqualTo(E(Errno.EBADF)));
            Assert.That((long)Stateful->unlocked_ioctl(null, 0, 0), Is.EqualTo(E(Errno.EBADF)));
            Assert.That(Stateful->poll(null, null), Is.EqualTo((uint)PollEvents.Err));
            Assert.That(Stateful->flush(null, null), Is.EqualTo(E(Errno.EBADF)));
            Assert.That(Stateful->fsync(null, 0, 1, 0), Is.EqualTo(E(Errno.EBADF)));
            Assert.That((long)Stateless->write(null, null, 1, null), Is.EqualTo(E(Errno.EBADF)));
            Assert.That(Stateless->poll(null, null), Is.EqualTo((uint)PollEvents.Err));
            Assert.That(Stateless->flush(null, null), Is.EqualTo(E(Errno.EBADF)));
            Assert.That(Stateless->fsync(null, 0, 1, 0), Is.EqualTo(E(Errno.EBADF)));
            Assert.That(Stateless->llseek(null, 0, 0), Is.EqualTo(E(Errno.EBADF)));
            Assert.That(Stateless->poll(_file, null), Is.EqualTo((uint)PollEvents.Pri), "a NULL poll_table is valid: nothing is queued, every event is of interest");
        }
    }

    [Test]
    public void A_file_without_per_open_state_is_refused_not_dereferenced()
    {
        nuint buffer = Map(16);
        using (Assert.EnterMultipleScope())
        {
            Assert.That((long)Stateful->read(_file, (byte*)buffer, 16, null), Is.EqualTo(E(Errno.EINVAL)));
            Assert.That((long)Stateful->unlocked_ioctl(_file, StatefulDevice.Ping, 0), Is.EqualTo(E(Errno.EINVAL)));
            Assert.That(Stateful->poll(_file, null), Is.EqualTo((uint)PollEvents.Err));
            Assert.That(Stateful->flush(_file, null), Is.EqualTo(E(Errno.EINVAL)));
            Assert.That(Stateful->fsync(_file, 0, 1, 0), Is.EqualTo(E(Errno.EINVAL)));
            Assert.That(Stateful->release(_inode, _file), Is.Zero, "nothing to free: release succeeds without calling the handler");
            Assert.That(_device.Releases, Is.Zero);
        }
    }

    [Test]
    public void Open_stores_one_word_and_release_takes_it_back_exactly_once()
    {
        Assert.That(Stateful->open(_inode, _file), Is.Zero);
        nint word = _file->private_data;
        Assert.That(word, Is.Not.EqualTo((nint)0));
        Assert.That(GCHandle.FromIntPtr(word).Target, Is.InstanceOf<Session>());
        Assert.That((long)Stateful->unlocked_ioctl(_file, StatefulDevice.Ping, 0), Is.EqualTo(7L));
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Stateful->release(_inode, _file), Is.Zero);
            Assert.That(_file->private_data, Is.EqualTo((nint)0));
            Assert.That(Stateful->release(_inode, _file), Is.Zero, "a double release finds nothing and frees nothing");
            Assert.That(_device.Releases, Is.EqualTo(1));
            Assert.That(_device.LiveSessions, Is.Zero);
        }

        _file->f_device = 0; // no registration data: the handler refuses
        Assert.That(Stateful->open(_inode, _file), Is.EqualTo(E(Errno.ENODEV)));
        Assert.That(_file->private_data, Is.EqualTo((nint)0), "a failed open stores nothing");
    }

    [Test]
    public void Read_and_write_sizes_and_positions()
    {
        Assert.That(Stateful->open(_inode, _file), Is.Zero);
        nuint buffer = Map(16);
        long pos = -1;
        long huge = long.MaxValue - 4;
        long zero = 0;
        using (Assert.EnterMultipleScope())
        {
            Assert.That((long)Stateful->read(_file, (byte*)buffer, 4, &pos), Is.EqualTo(E(Errno.EINVAL)), "negative position");
            Assert.That((long)Stateful->read(_file, (byte*)buffer, 16, &huge), Is.EqualTo(E(Errno.EINVAL)), "position + count overflows loff_t");
            Assert.That((long)Stateful->read(_file, (byte*)buffer, nuint.MaxValue, &zero), Is.EqualTo(6L), "SIZE_MAX is clamped to MAX_RW_COUNT; the text is 6 bytes");
            Assert.That((long)Stateful->read(_file, null, 4, null), Is.EqualTo(E(Errno.EFAULT)), "null user buffer");
            Assert.That((long)Stateful->read(_file, (byte*)0x1000, 4, null), Is.EqualTo(E(Errno.EFAULT)), "unmapped user buffer");
            Assert.That((long)Stateless->write(_file, (byte*)buffer, 4, &pos), Is.EqualTo(E(Errno.EINVAL)), "negative position");
            Assert.That((long)Stateless->write(_file, (byte*)buffer, nuint.MaxValue, null), Is.EqualTo((long)ThunkAdapters.MaxRwCount), "clamped to MAX_RW_COUNT");
            Assert.That(Stateless->llseek(_file, 0, 5), Is.EqualTo(E(Errno.EINVAL)), "whence past SEEK_MAX");
            Assert.That(Stateless->llseek(_file, 0, -1), Is.EqualTo(E(Errno.EINVAL)), "negative whence");
            Assert.That(Stateless->llseek(_file, -200, (int)Whence.End), Is.EqualTo(E(Errno.EINVAL)), "before the start");
        }
    }

    [Test]
    public void Ioctl_numbers_and_argument_pointers()
    {
        Assert.That(Stateful->open(_inode, _file), Is.Zero);
        nuint arg = Map(System.Runtime.CompilerServices.Unsafe.SizeOf<DeviceInfo>());
        using (Assert.EnterMultipleScope())
        {
            Assert.That((long)Stateful->unlocked_ioctl(_file, 0, 0), Is.EqualTo(E(Errno.ENOTTY)), "command 0");
            Assert.That((long)Stateful->unlocked_ioctl(_file, uint.MaxValue, arg), Is.EqualTo(E(Errno.ENOTTY)), "all bits set");
            Assert.That((long)Stateful->unlocked_ioctl(_file, IoctlNumber.IOR<DeviceInfo>('j', 1), arg), Is.EqualTo(E(Errno.ENOTTY)), "right size and number, wrong type");
            Assert.That((long)Stateful->unlocked_ioctl(_file, IoctlNumber.IOR<long>(StatefulDevice.Type, 1), arg), Is.EqualTo(E(Errno.ENOTTY)), "right type and number, wrong size");
            Assert.That((long)Stateful->unlocked_ioctl(_file, StatefulDevice.GetInfo, 0), Is.EqualTo(E(Errno.EFAULT)), "null argument");
            Assert.That((long)Stateful->unlocked_ioctl(_file, StatefulDevice.GetInfo, 0x1000), Is.EqualTo(E(Errno.EFAULT)), "unmapped argument");
            Assert.That((long)Stateful->unlocked_ioctl(_file, StatefulDevice.SetCookie, arg + 1), Is.EqualTo(E(Errno.EFAULT)), "argument one byte short of its mapping");
            Assert.That((long)Stateful->unlocked_ioctl(_file, StatefulDevice.SetCookie, nuint.MaxValue - 3), Is.EqualTo(E(Errno.EFAULT)), "argument wraps the address space");
            Assert.That((long)Stateful->unlocked_ioctl(_file, StatefulDevice.GetInfo, arg), Is.Zero);
            Assert.That(Stateful->compat_ioctl == null, Is.True, "not implemented: stays null");
        }
    }

    [Test]
    public void Fsync_ranges_and_flush_results()
    {
        Assert.That(Stateful->open(_inode, _file), Is.Zero);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(Stateful->fsync(_file, -1, 10, 0), Is.EqualTo(E(Errno.EINVAL)), "negative start");
            Assert.That(Stateful->fsync(_file, 10, 9, 0), Is.EqualTo(E(Errno.EINVAL)), "end before start");
            Assert.That(Stateful->fsync(_file, 0, long.MaxValue, 1), Is.Zero);
            Assert.That(Stateless->fsync(_file, 0, long.MaxValue, 1), Is.EqualTo(E(Errno.EROFS)), "the handler's errno");
            Assert.That(Stateless->fsync(_file, long.MinValue, 0, 0), Is.EqualTo(E(Errno.EINVAL)));
            Assert.That(Stateful->flush(_file, (void*)0xdead), Is.Zero, "fl_owner_t is opaque");
            _file->f_mode = (uint)FMode.FMODE_READ;
            Assert.That(Stateless->flush(_file, null), Is.EqualTo(E(Errno.EIO)));
            Assert.That(_device.Fsyncs, Is.EqualTo(1));
        }
    }
}
