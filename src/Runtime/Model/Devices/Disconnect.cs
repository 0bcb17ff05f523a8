using System;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// The disconnect of a driver's character device (the cdev_disconnect Laurent Pinchart proposes in
/// the seed; fs/debugfs/file.c's full proxy and gpiolib-cdev's "numbing" are the precedents): every
/// call from user space through the device's files is counted in and out; <see cref="Disconnect"/>
/// makes new calls fail with <see cref="DisconnectedErrno"/>, wakes every task sleeping in the driver's wait
/// queues (or polling them) inside such a call, and waits for the calls in flight. Release is not
/// gated: it still runs at each file's last close.
/// </summary>
/// <remarks>
/// The errno is ENODEV, as gpiolib-cdev answers once the chip is gone (linereq_read/ioctl return
/// -ENODEV when <c>gdev-&gt;chip</c> is NULL), as V4L2 answers for an unregistered video device
/// (v4l2_read/v4l2_ioctl: -ENODEV unless video_is_registered) and as usb-skeleton answers after
/// disconnect. poll answers EPOLLHUP | EPOLLERR (linereq_poll); flush answers 0, so close works.
/// debugfs' proxy answers -EIO instead because its files are removed, not their device.
/// </remarks>
internal sealed class DisconnectGate(Kernel kernel, string name)
{
    /// <summary>What calls get once the device is disconnected.</summary>
    public const Errno DisconnectedErrno = Errno.ENODEV;

    private readonly object _lock = new(); // Monitor: Disconnect sleeps on it
    private readonly List<TaskWaiter> _sleepers = new();
    // One for the registration plus one per call in flight (debugfs_fsdata.active_users).
    private int _users = 1;
    private int _disconnected;
    // Leave wakes the disconnecting task once the users left are at most this (set by Disconnect).
    private int _waitTarget = int.MinValue;

    /// <summary>The device, for log lines and reports.</summary>
    public string Name { get; } = name;

    /// <summary>True once <see cref="Disconnect"/> began.</summary>
    public bool IsDisconnected => Volatile.Read(ref _disconnected) != 0;

    /// <summary>A call starts (debugfs_file_get): false once the device is disconnected.</summary>
    public bool TryEnter() => !IsDisconnected && Atomics.IncrementNotZero(ref _users);

    /// <summary>A call ends (debugfs_file_put).</summary>
    public void Leave()
    {
        int left = Interlocked.Decrement(ref _users);
        if (left <= Volatile.Read(ref _waitTarget))
        {
            lock (_lock) Monitor.PulseAll(_lock);
        }
    }

    /// <summary>A task inside a call sleeps on one of the driver's wait queues (or polls them): wake it at disconnect.</summary>
    public void AddSleeper(TaskWaiter waiter)
    {
        lock (_lock) _sleepers.Add(waiter);
    }

    /// <summary>The sleep is over.</summary>
    public void RemoveSleeper(TaskWaiter waiter)
    {
        lock (_lock) _sleepers.Remove(waiter);
    }

    /// <summary>
    /// Disconnects: new calls fail, sleepers wake (their waits return <see cref="DisconnectedErrno"/>), then waits
    /// for every call in flight to return. Idempotent. Called from inside a call on this very device
    /// (a driver unbinding itself from an ioctl) it cannot wait for that call: a sanitizer report,
    /// and it waits for the others only.
    /// </summary>
    public void Disconnect()
    {
        if (Interlocked.Exchange(ref _disconnected, 1) != 0) return;
        TaskWaiter[] sleepers;
        lock (_lock) sleepers = _sleepers.ToArray();
        foreach (TaskWaiter sleeper in sleepers) sleeper.Wake();

        int self = DeviceCalls.Current == this ? 1 : 0;
        if (self != 0)
            kernel.Sanitizer.Report(SanitizerReportKind.Deadlock, Name,
                "the device is disconnected from inside a call on it: that call cannot be waited for", "", "", 0);
        Volatile.Write(ref _waitTarget, self);
        if (Interlocked.Decrement(ref _users) <= self) return;
        lock (_lock)
        {
            while (Volatile.Read(ref _users) > self)
            {
                if (!Monitor.Wait(_lock, TimeSpan.FromSeconds(10)))
                    kernel.Log.Printk($"kernelops: disconnecting {Name} still waits for {Volatile.Read(ref _users) - self} call(s) in flight");
            }
        }
    }

    /// <summary>The proxy the device's files are opened through, over the driver's table.</summary>
    public FileDispatch Wrap(OpsTable<FileOperations> fops, LoadedModule? owner) => new DisconnectProxyDispatch(new FopsDispatch(fops, owner), this);
}

/// <summary>
/// Which disconnectable device the calling thread is in a call on, so the wait queues it sleeps on
/// can be woken by that device's disconnect. Thread-static: a call runs on one thread.
/// </summary>
internal static class DeviceCalls
{
    [ThreadStatic] private static DisconnectGate? t_current;

    /// <summary>The device of the innermost call the thread is in, or null.</summary>
    public static DisconnectGate? Current => t_current;

    /// <summary>Enters a call on <paramref name="gate"/>; returns what to restore.</summary>
    public static DisconnectGate? Enter(DisconnectGate gate)
    {
        DisconnectGate? previous = t_current;
        t_current = gate;
        return previous;
    }

    /// <summary>Leaves the call.</summary>
    public static void Leave(DisconnectGate? previous) => t_current = previous;
}

/// <summary>
/// What the VFS sees for a file of a disconnectable device: the driver's own file_operations behind
/// the <see cref="DisconnectGate"/>. Every op but release is counted in and out; after the
/// disconnect, calls answer ENODEV, poll EPOLLHUP | EPOLLERR, flush 0. A null slot behaves as the
/// driver's table makes it behave (the Has* properties are the driver's).
/// </summary>
internal sealed class DisconnectProxyDispatch(FileDispatch inner, DisconnectGate gate) : FileDispatch
{
    private const int Gone = -(int)DisconnectGate.DisconnectedErrno;

    public DisconnectGate Gate => gate;

    public override unsafe void* Ops => inner.Ops;
    public override bool HasRead => inner.HasRead;
    public override bool HasWrite => inner.HasWrite;
    public override bool HasLlseek => inner.HasLlseek;
    public override bool HasIoctl => inner.HasIoctl;
    public override LoadedModule? Owner => inner.Owner;

    public override unsafe int Open(NativeInode* inode, NativeFile* file)
    {
        if (!Enter(out DisconnectGate? previous)) return Gone;
        try { return inner.Open(inode, file); }
        finally { Exit(previous); }
    }

    public override unsafe nint Read(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        if (!Enter(out DisconnectGate? previous)) return Gone;
        try { return inner.Read(file, buffer, count, position); }
        finally { Exit(previous); }
    }

    public override unsafe nint Write(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        if (!Enter(out DisconnectGate? previous)) return Gone;
        try { return inner.Write(file, buffer, count, position); }
        finally { Exit(previous); }
    }

    public override unsafe long Llseek(NativeFile* file, long offset, int whence)
    {
        if (!Enter(out DisconnectGate? previous)) return Gone;
        try { return inner.Llseek(file, offset, whence); }
        finally { Exit(previous); }
    }

    public override unsafe nint Ioctl(NativeFile* file, uint command, nuint argument)
    {
        if (!Enter(out DisconnectGate? previous)) return Gone;
        try { return inner.Ioctl(file, command, argument); }
        finally { Exit(previous); }
    }

    // mirrors drivers/gpio/gpiolib-cdev.c:linereq_poll once the chip is gone
    public override unsafe uint Poll(NativeFile* file, NativePollTable* table)
    {
        if (!Enter(out DisconnectGate? previous)) return (uint)(PollEvents.Hup | PollEvents.Err);
        try { return inner.Poll(file, table); }
        finally { Exit(previous); }
    }

    public override unsafe int Flush(NativeFile* file, void* owner)
    {
        if (!Enter(out DisconnectGate? previous)) return 0;
        try { return inner.Flush(file, owner); }
        finally { Exit(previous); }
    }

    public override unsafe int Fsync(NativeFile* file, long start, long end, int datasync)
    {
        if (!Enter(out DisconnectGate? previous)) return Gone;
        try { return inner.Fsync(file, start, end, datasync); }
        finally { Exit(previous); }
    }

    // Not gated ("We must not protect this against removal races here", full_proxy_release): the
    // per-open state must be freed, and the driver's release must only touch what the file owns.
    public override unsafe int Release(NativeInode* inode, NativeFile* file) => inner.Release(inode, file);

    private bool Enter(out DisconnectGate? previous)
    {
        previous = null;
        if (!gate.TryEnter()) return false;
        previous = DeviceCalls.Enter(gate);
        return true;
    }

    private void Exit(DisconnectGate? previous)
    {
        DeviceCalls.Leave(previous);
        gate.Leave();
    }
}
