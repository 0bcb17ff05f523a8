using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.Devices;

/// <summary>A register file: 32-bit registers, counting accesses; register 0x10 drives an interrupt line.</summary>
internal sealed class TestRegisters(uint size = 0x100) : IMmioHardware
{
    public const uint IrqStatus = 0x10; // write 1 asserts the line, 0 deasserts it
    public const uint IrqAck = 0x14;    // any write deasserts
    private readonly object _lock = new();
    private readonly uint[] _regs = new uint[size / 4];
    public InterruptLine? Line;
    public int Reads, Writes;

    public uint Read(uint offset, int size)
    {
        lock (_lock)
        {
            Reads++;
            uint word = _regs[offset / 4];
            int shift = (int)(offset % 4) * 8;
            return size == 4 ? word : (word >> shift) & ((1u << (size * 8)) - 1);
        }
    }

    public void Write(uint offset, int size, uint value)
    {
        lock (_lock)
        {
            Writes++;
            if (size == 4) _regs[offset / 4] = value;
            else
            {
                int shift = (int)(offset % 4) * 8;
                uint mask = ((1u << (size * 8)) - 1) << shift;
                _regs[offset / 4] = (_regs[offset / 4] & ~mask) | ((value << shift) & mask);
            }
            if (offset == IrqStatus) Line?.SetLevel(value != 0);
            if (offset == IrqAck) { _regs[IrqStatus / 4] = 0; Line?.SetLevel(false); }
        }
    }

    /// <summary>The hardware raises its interrupt.</summary>
    public void Interrupt()
    {
        lock (_lock)
        {
            _regs[IrqStatus / 4] = 1;
            Line?.SetLevel(true);
        }
    }
}

/// <summary>What the test driver does in probe, per device name, and what it saw.</summary>
internal sealed class TestPlan
{
    private static readonly ConcurrentDictionary<string, TestPlan> Plans = new();

    public bool Map = true, Irq, Misc, DebugFs, Action, Alloc, Revocable;
    public Errno FailWith;
    public Action<TestState>? OnProbe;
    public CoreDeviceAction? OnCoreProbe; // runs in probe with the CoreDevice, after the resources above
    public Func<TestState, IrqReturn>? OnIrq;
    public Action<TestState>? OnRemove;
    public readonly ConcurrentQueue<string> Events = new();
    public int IrqCount;
    public string? IrqThread;
    public object? MiscData;

    public static TestPlan For(string deviceName) => Plans.GetOrAdd(deviceName, _ => new TestPlan());

    public static TestPlan Set(string deviceName, TestPlan plan) => Plans[deviceName] = plan;
}

/// <summary>The test driver's data: what probe acquired.</summary>
internal sealed class TestState(TestPlan plan, Device device) : IDisposable
{
    public TestPlan Plan { get; } = plan;
    public Device Device { get; } = device;
    public Devres<IoMem>? Regs;
    public IrqRegistration? Irq;
    public MiscDevice? Misc;
    public DebugFsEntry? Directory;
    public Devm<List<int>>? Scratch;
    public Devres<Holder>? Held;
    public IoMem? LeakedMapping; // a driver bug kept on purpose by some tests
    public int Disposed;

    public void Dispose()
    {
        Interlocked.Increment(ref Disposed);
        Plan.Events.Enqueue("dispose");
    }
}

internal sealed class Holder : IDisposable
{
    public bool Disposed;
    public void Dispose() => Disposed = true;
}

internal sealed class TestIrqHandler(TestState state) : IIrqHandler
{
    public IrqReturn Handle(BoundDevice device)
    {
        TestPlan plan = state.Plan;
        plan.IrqThread = Thread.CurrentThread.Name;
        Interlocked.Increment(ref plan.IrqCount);
        if (plan.OnIrq is { } handler) return handler(state);
        IoMem io = state.Regs!.Access(device);
        if (io.Read32(TestRegisters.IrqStatus) == 0) return IrqReturn.None;
        io.Write32(1, TestRegisters.IrqAck);
        return IrqReturn.Handled;
    }
}

/// <summary>
/// A platform driver whose probe acquires, in this order, what its <see cref="TestPlan"/> asks:
/// the MMIO range (region, then mapping), the interrupt, a misc device, a debugfs directory, a
/// Devres-held object, device-managed memory and a custom action.
/// </summary>
[PlatformDriver]
internal static partial class TestDriver
{
    [Probe]
    private static ProbeResult<TestState> Probe(CoreDevice device)
    {
        TestPlan plan = TestPlan.For(device.Name);
        plan.Events.Enqueue("probe");
        var state = new TestState(plan, device.Device);
        if (plan.Map) state.Regs = device.IoRemapResource(0);
        if (plan.Irq) state.Irq = device.RequestIrq(0, new TestIrqHandler(state));
        if (plan.Misc) state.Misc = device.RegisterMisc("test-" + device.Name, TestDeviceFile.Table, plan.MiscData ?? state);
        if (plan.DebugFs) state.Directory = device.CreateDebugFsDirectory(device.Name);
        if (plan.Revocable) state.Held = device.Devres(new Holder());
        if (plan.Alloc) state.Scratch = device.Alloc(new List<int> { 1, 2, 3 });
        if (plan.Action) device.AddAction(() => plan.Events.Enqueue("action"));
        plan.OnProbe?.Invoke(state);
        plan.OnCoreProbe?.Invoke(device);
        if (plan.FailWith != 0) return plan.FailWith;
        return state;
    }

    [Remove]
    private static void Remove(TestState state, CoreDevice device)
    {
        state.Plan.Events.Enqueue("remove");
        state.Plan.OnRemove?.Invoke(state);
    }

    [Shutdown]
    private static void Shutdown(TestState state, CoreDevice device) => state.Plan.Events.Enqueue("shutdown");
}

/// <summary>A stateless driver: probe and remove only log.</summary>
[PlatformDriver]
internal static partial class PlainDriver
{
    public static readonly ConcurrentQueue<string> Events = new();

    [Probe]
    private static KResult Probe(CoreDevice device)
    {
        Events.Enqueue("probe " + device.Name);
        return device.Name.EndsWith(".refuse", StringComparison.Ordinal) ? Errno.ENODEV : KResult.Ok;
    }

    [Remove]
    private static void Remove(CoreDevice device) => Events.Enqueue("remove " + device.Name);
}

/// <summary>The data a test driver hands its misc device: what every open file can reach.</summary>
internal sealed class TestFileData : IDisposable
{
    public readonly WaitQueueHead Queue = new();
    public readonly ManualResetEventSlim InIoctl = new(false);
    public readonly ManualResetEventSlim ReleaseIoctl = new(false);
    public volatile bool Ready;
    public int Opens, Releases, Disposed;
    public Devres<IoMem>? Registers; // reached through the revocable type only
    public Action? OnIoctl;            // what ioctl(Callback) runs
    public int AnonReleases;

    public void Dispose()
    {
        Interlocked.Increment(ref Disposed);
        InIoctl.Dispose();
        ReleaseIoctl.Dispose();
    }
}

internal sealed class TestOpen(TestFileData data)
{
    public TestFileData Data { get; } = data;
}

/// <summary>The file operations of the test driver's misc device: a blocking read, poll, and ioctls.</summary>
[FileOperations(NonSeekable = true)]
internal static partial class TestDeviceFile
{
    public const uint Block = 0x7401;     // blocks (not in a wait queue) until the test lets it go
    public const uint ReadReg = 0x7402;   // reads register 0 through the revocable mapping
    public const uint Callback = 0x7403;  // runs TestFileData.OnIoctl
    public const uint MakeAnon = 0x7404;  // returns a new anonymous file of the same device

    [Open]
    private static OpenResult<TestOpen> Open(Inode inode, FileRef file)
    {
        if (file.DeviceData<TestFileData>() is not { } data) return Errno.ENODEV;
        Interlocked.Increment(ref data.Opens);
        return new TestOpen(data);
    }

    [Read]
    private static KResult<nuint> Read(TestOpen open, FileRef file, UserSliceWriter destination, ref long position)
    {
        TestFileData data = open.Data;
        if (!data.Ready)
        {
            if ((file.Flags & OpenFlags.O_NONBLOCK) != 0) return Errno.EAGAIN;
            KResult slept = data.Queue.WaitEventInterruptible(() => data.Ready);
            if (!slept.IsOk) return slept.Error;
        }
        return destination.WriteSome("data\n"u8);
    }

    [Poll]
    private static PollEvents Poll(TestOpen open, FileRef file, PollTable table)
    {
        table.Wait(file, open.Data.Queue);
        return open.Data.Ready ? PollEvents.In | PollEvents.RdNorm : PollEvents.None;
    }

    [Ioctl]
    private static KResult<long> Ioctl(TestOpen open, FileRef file, uint command, nuint argument)
    {
        if (command == Block)
        {
            open.Data.InIoctl.Set();
            open.Data.ReleaseIoctl.Wait();
            return 0L;
        }
        if (command == ReadReg)
        {
            if (open.Data.Registers is not { } regs) return Errno.ENXIO;
            using RevocableGuard<IoMem> guard = regs.TryAccess();
            if (guard.Value is not { } io) return Errno.ENODEV;
            return io.Read32(0);
        }
        if (command == Callback)
        {
            open.Data.OnIoctl?.Invoke();
            return 0L;
        }
        if (command == MakeAnon)
        {
            int fd = AnonInode.GetFd("test-anon", TestAnonFile.Table, new TestOpen(open.Data), OpenFlags.O_RDONLY, file);
            return fd >= 0 ? fd : (Errno)(-fd);
        }
        return Errno.ENOTTY;
    }

    [Release]
    private static KResult Release(TestOpen open, Inode inode, FileRef file)
    {
        Interlocked.Increment(ref open.Data.Releases);
        return KResult.Ok;
    }
}

/// <summary>An anonymous file made by the test device's ioctl: a blocking read like the device's.</summary>
[FileOperations(NonSeekable = true)]
internal static partial class TestAnonFile
{
    // Never called: an anonymous file is not opened by path (AnonInode.GetFd installs its state).
    // It declares the per-open state type for the generator.
    [Open]
    private static OpenResult<TestOpen> Open(Inode inode, FileRef file) => Errno.ENXIO;

    [Read]
    private static KResult<nuint> Read(TestOpen open, FileRef file, UserSliceWriter destination, ref long position)
    {
        TestFileData data = open.Data;
        KResult slept = data.Queue.WaitEventInterruptible(() => data.Ready);
        if (!slept.IsOk) return slept.Error;
        if (file.DeviceData<TestFileData>() != data) return Errno.EIO;
        return destination.WriteSome("anon\n"u8);
    }

    [Release]
    private static KResult Release(TestOpen open, Inode inode, FileRef file)
    {
        Interlocked.Increment(ref open.Data.AnonReleases);
        return KResult.Ok;
    }
}

/// <summary>What a test does with the device inside its probe (a ref struct cannot be a generic argument).</summary>
internal delegate void CoreDeviceAction(CoreDevice device);
