using System;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>Registration data of the test devices (FileRef.DeviceData).</summary>
internal sealed class DeviceCounters
{
    public string Text = "hello\n";
    public int Opens, Releases, Flushes, Fsyncs, LiveSessions;
    public Errno FailOpen;
    public readonly WaitQueueHead Queue = new();
    public volatile bool Ready;
}

/// <summary>Per-open state: created by open, dropped by release.</summary>
internal sealed class Session : IDisposable
{
    public Session(DeviceCounters device)
    {
        Device = device;
        Interlocked.Increment(ref device.LiveSessions);
    }

    public DeviceCounters Device { get; }
    public int Reads;
    public bool Disposed;

    public void Dispose()
    {
        if (Disposed) throw new InvalidOperationException("state disposed twice");
        Disposed = true;
        Interlocked.Decrement(ref Device.LiveSessions);
    }
}

/// <summary>The argument struct of the test ioctls.</summary>
[StructLayout(LayoutKind.Sequential)]
internal struct DeviceInfo
{
    public int Opens;
    public int Reads;
    public long Cookie;
}

/// <summary>A stateful device with every modelled slot but llseek and write.</summary>
[FileOperations(NonSeekable = true)]
internal static partial class StatefulDevice
{
    public const uint Type = 'k';
    public static readonly uint GetInfo = IoctlNumber.IOR<DeviceInfo>(Type, 1);
    public static readonly uint SetCookie = IoctlNumber.IOW<DeviceInfo>(Type, 2);
    public static readonly uint Ping = IoctlNumber.IO(Type, 3);

    [Open]
    private static OpenResult<Session> Open(Inode inode, FileRef file)
    {
        DeviceCounters? device = file.DeviceData<DeviceCounters>();
        if (device is null) return Errno.ENODEV;
        if (device.FailOpen != 0) return device.FailOpen;
        Interlocked.Increment(ref device.Opens);
        return new Session(device);
    }

    [Read]
    private static KResult<nuint> Read(Session s, FileRef file, UserSliceWriter destination, ref long position)
    {
        Interlocked.Increment(ref s.Reads);
        byte[] text = Encoding.ASCII.GetBytes(s.Device.Text);
        if (position >= text.Length) return (nuint)0;
        KResult<nuint> n = destination.WriteSome(text.AsSpan((int)position));
        if (n.TryGetValue(out nuint written)) position += (long)written;
        return n;
    }

    [Poll]
    private static PollEvents Poll(Session s, FileRef file, PollTable table)
    {
        table.Wait(file, s.Device.Queue);
        return s.Device.Ready ? PollEvents.In | PollEvents.RdNorm : PollEvents.None;
    }

    [Ioctl]
    private static KResult<long> Ioctl(Session s, FileRef file, uint command, nuint argument)
    {
        if (command == GetInfo)
        {
            var info = new DeviceInfo { Opens = s.Device.Opens, Reads = s.Reads, Cookie = 0x1234_5678_9ABC };
            return new UserPtr<DeviceInfo>(argument).Write(in info).WithValue(0L);
        }
        if (command == SetCookie)
        {
            KResult r = new UserPtr<DeviceInfo>(argument).Read(out DeviceInfo info);
            return r.IsOk ? info.Cookie : r.Error;
        }
        if (command == Ping) return 7L;
        return Errno.ENOTTY;
    }

    [Flush]
    private static KResult Flush(Session s, FileRef file)
    {
        Interlocked.Increment(ref s.Device.Flushes);
        return KResult.Ok;
    }

    [Fsync]
    private static KResult Fsync(Session s, FileRef file, long start, long end, bool dataSync)
    {
        Interlocked.Increment(ref s.Device.Fsyncs);
        return KResult.Ok;
    }

    [Release]
    private static KResult Release(Session s, Inode inode, FileRef file)
    {
        Interlocked.Increment(ref s.Device.Releases);
        return KResult.Ok;
    }
}

/// <summary>A stateless device with only read: every other slot is null.</summary>
[FileOperations(NonSeekable = true)]
internal static partial class ReadOnlyDevice
{
    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position)
    {
        if (position > 0) return (nuint)0;
        KResult<nuint> n = destination.WriteSome("ro\n"u8);
        if (n.TryGetValue(out nuint written)) position += (long)written;
        return n;
    }
}

/// <summary>A module registering devices on request, so tests can watch owner pinning.</summary>
internal sealed class DeviceModule(string name, Func<ModuleContext, IDisposable> register) : IKernelModule
{
    public IDisposable? Device;
    public string Name => name;

    public KResult Init(ModuleContext context)
    {
        Device = register(context);
        return KResult.Ok;
    }

    public void Exit() => Device?.Dispose();
}

/// <summary>A stateless device using the plain (non-state) forms of the new slots.</summary>
[FileOperations]
internal static partial class StatelessDevice
{
    public static int Flushes, Fsyncs;

    [Write]
    private static KResult<nuint> Write(FileRef file, UserSliceReader source, ref long position)
    {
        position += (long)source.Length;
        return source.Length;
    }

    [Poll]
    private static PollEvents Poll(FileRef file, PollTable table) =>
        table.RequestedEvents == (PollEvents)~0u ? PollEvents.Pri : PollEvents.Out;

    [Flush]
    private static KResult Flush(FileRef file)
    {
        Interlocked.Increment(ref Flushes);
        return file.CanWrite ? KResult.Ok : Errno.EIO;
    }

    [Fsync]
    private static KResult Fsync(FileRef file, long start, long end, bool dataSync)
    {
        Interlocked.Increment(ref Fsyncs);
        return dataSync ? Errno.EROFS : KResult.Ok;
    }

    [Lseek]
    private static KResult<long> Lseek(FileRef file, long offset, Whence whence) => Llseek.DefaultLlseek(file, offset, whence, 100);
}
