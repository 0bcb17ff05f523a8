using System;
using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Abi;

/// <summary>
/// The validating halves of a driver's generated thunks (<c>struct platform_driver</c>). Each runs
/// on the far side of an <c>[UnmanagedCallersOnly]</c> boundary: it checks the raw device pointer,
/// builds the <see cref="CoreDevice"/>, calls the handler and catches every exception. A probe that
/// throws <see cref="KernelErrorException"/> (what the devm methods throw when an acquisition fails)
/// fails with that errno, as Rust's <c>?</c> propagates one; any other exception fails it with -EIO
/// and a kernel-log line. The driver-data forms keep the data as one GCHandle word in
/// <c>dev-&gt;driver_data</c>: probe stores it, shutdown borrows it, remove takes it back once and
/// disposes it. Generated code calls these; users do not.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class DriverThunkAdapters
{
    /// <summary>probe: <c>int (*)(struct platform_device *)</c>.</summary>
    public static unsafe int Probe<T>(NativePlatformDevice* pdev) where T : IProbeOperation
    {
        // SAFETY: the bus core passes the device's live struct and holds a reference for the call;
        // FromNative refuses a pointer that cannot be one.
        if (Device.FromNative(pdev) is not { } device) return -(int)Errno.EINVAL;
        try
        {
            KResult result = T.Invoke(new CoreDevice(device));
            return result.IsOk ? 0 : (int)ThunkAdapters.ErrorReturn<T>(result.Error);
        }
        catch (KernelErrorException e)
        {
            return ProbeFailed<T>(e);
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>remove and shutdown: <c>void (*)(struct platform_device *)</c>.</summary>
    public static unsafe void Notify<T>(NativePlatformDevice* pdev) where T : IDeviceOperation
    {
        // SAFETY: the bus core passes the device's live struct and holds a reference for the call;
        // FromNative refuses a pointer that cannot be one.
        if (Device.FromNative(pdev) is not { } device) return;
        try
        {
            T.Invoke(new CoreDevice(device));
        }
        catch (Exception e)
        {
            ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>Probe with driver data: stores what the handler returns in <c>driver_data</c>.</summary>
    public static unsafe int Probe<T, TData>(NativePlatformDevice* pdev) where T : IProbeOperation<TData> where TData : class
    {
        // SAFETY: the bus core passes the device's live struct and holds a reference for the call;
        // FromNative refuses a pointer that cannot be one.
        if (Device.FromNative(pdev) is not { } device) return -(int)Errno.EINVAL;
        try
        {
            ProbeResult<TData> result = T.Invoke(new CoreDevice(device));
            if (!result.IsOk) return (int)ThunkAdapters.ErrorReturn<T>(result.Error);
            if (!result.TryGetData(out TData? data)) return (int)ThunkAdapters.Misbehaved<T>("succeeded without driver data");
            // SAFETY: pdev is the device's live native struct (the bus core holds a reference for the call).
            Volatile.Write(ref pdev->driver_data, GCHandle.ToIntPtr(GCHandle.Alloc(data)));
            Interlocked.Increment(ref device.Model.Counters.Handles);
            return 0;
        }
        catch (KernelErrorException e)
        {
            return ProbeFailed<T>(e);
        }
        catch (Exception e)
        {
            return (int)ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    /// <summary>Remove with driver data: takes the data out of <c>driver_data</c> (once), calls the handler, disposes the data.</summary>
    public static unsafe void Remove<T, TData>(NativePlatformDevice* pdev) where T : IRemoveOperation<TData> where TData : class
    {
        // SAFETY: the bus core passes the device's live struct and holds a reference for the call;
        // FromNative refuses a pointer that cannot be one.
        if (Device.FromNative(pdev) is not { } device) return;
        // SAFETY: as in Probe; the exchange makes "exactly once" hold.
        nint word = Interlocked.Exchange(ref pdev->driver_data, 0);
        if (word == 0)
        {
            ThunkAdapters.Log($"kernelops: {ThunkAdapters.SafeName<T>()}: remove of {device.Name}, which has no driver data; nothing to free");
            return;
        }
        if (!RawPointer.IsHandleOrZero(word))
        {
            ThunkAdapters.Log($"kernelops: {ThunkAdapters.SafeName<T>()}: driver_data of {device.Name} holds 0x{word:x}, which cannot be driver data; nothing freed");
            return;
        }
        GCHandle handle = GCHandle.FromIntPtr(word);
        try
        {
            if (handle.Target is not TData data)
            {
                ThunkAdapters.Misbehaved<T>($"found a {handle.Target?.GetType().FullName ?? "null"} in driver_data instead of a {typeof(TData).FullName}");
                return;
            }
            try
            {
                T.Invoke(data, new CoreDevice(device));
            }
            catch (Exception e)
            {
                ThunkAdapters.HandlerThrew<T>(e);
            }
            finally
            {
                try { (data as IDisposable)?.Dispose(); }
                catch (Exception e) { ThunkAdapters.HandlerThrew<T>(e); }
            }
        }
        finally
        {
            handle.Free();
            Interlocked.Decrement(ref device.Model.Counters.Handles);
        }
    }

    /// <summary>Shutdown with driver data: borrows it.</summary>
    public static unsafe void Shutdown<T, TData>(NativePlatformDevice* pdev) where T : IShutdownOperation<TData> where TData : class
    {
        // SAFETY: the bus core passes the device's live struct and holds a reference for the call;
        // FromNative refuses a pointer that cannot be one.
        if (Device.FromNative(pdev) is not { } device) return;
        // SAFETY: as in Probe; remove cannot run concurrently (both hold the device lock).
        nint word = Volatile.Read(ref pdev->driver_data);
        if (RawPointer.HandleTarget(word) is not TData data)
        {
            ThunkAdapters.Log($"kernelops: {ThunkAdapters.SafeName<T>()}: shutdown of {device.Name}, which has no {typeof(TData).Name}; skipped");
            return;
        }
        try
        {
            T.Invoke(data, new CoreDevice(device));
        }
        catch (Exception e)
        {
            ThunkAdapters.HandlerThrew<T>(e);
        }
    }

    private static int ProbeFailed<T>(KernelErrorException e) where T : IHandlerOperation
    {
        int errno = (int)e.Errno;
        return errno is > 0 and <= ThunkAdapters.MaxErrno ? -errno : (int)ThunkAdapters.HandlerThrew<T>(e);
    }
}
