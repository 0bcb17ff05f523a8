using System.ComponentModel;

namespace KernelOps.Abi;

// The safe shapes of a driver's slots (struct platform_driver). As for files, each has a
// stateless form and a driver-data form: probe creates the driver data (dev_set_drvdata of what
// the handler returns, as Rust-for-Linux's probe returns Pin<KBox<Self>>), shutdown borrows it and
// remove takes it back exactly once. The generator picks the form from the handler's signature.

/// <summary>probe: <c>int (*)(struct platform_device *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(DriverThunkAdapters), nameof(DriverThunkAdapters.Probe))]
public interface IProbeOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract KResult Invoke(CoreDevice device);
}

/// <summary>remove and shutdown: <c>void (*)(struct platform_device *)</c>.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[OperationAdapter(typeof(DriverThunkAdapters), nameof(DriverThunkAdapters.Notify))]
public interface IDeviceOperation : IHandlerOperation
{
    /// <summary>Calls the handler.</summary>
    static abstract void Invoke(CoreDevice device);
}

/// <summary>Probe with driver data: the handler returns the data the other slots get.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Create)]
[OperationAdapter(typeof(DriverThunkAdapters), nameof(DriverThunkAdapters.Probe))]
public interface IProbeOperation<TData> : IHandlerOperation where TData : class
{
    /// <summary>Calls the handler.</summary>
    static abstract ProbeResult<TData> Invoke(CoreDevice device);
}

/// <summary>Remove with driver data: takes the data back, once; it is disposed (if IDisposable) after the handler.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Take, DefaultOperation = typeof(DropDriverData<>))]
[OperationAdapter(typeof(DriverThunkAdapters), nameof(DriverThunkAdapters.Remove))]
public interface IRemoveOperation<TData> : IHandlerOperation where TData : class
{
    /// <summary>Calls the handler.</summary>
    static abstract void Invoke(TData data, CoreDevice device);
}

/// <summary>Shutdown with driver data: borrows it.</summary>
[EditorBrowsable(EditorBrowsableState.Never)]
[PerOpenState(PerOpenStateRole.Borrow)]
[OperationAdapter(typeof(DriverThunkAdapters), nameof(DriverThunkAdapters.Shutdown))]
public interface IShutdownOperation<TData> : IHandlerOperation where TData : class
{
    /// <summary>Calls the handler.</summary>
    static abstract void Invoke(TData data, CoreDevice device);
}

/// <summary>
/// The remove a driver with driver data gets when it declares none: it only drops the data (the
/// adapter disposes it if it is <see cref="System.IDisposable"/> and frees the handle), as a Rust
/// driver without <c>unbind</c> still drops its <c>Self</c>.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct DropDriverData<TData> : IRemoveOperation<TData> where TData : class
{
    /// <inheritdoc/>
    public static string HandlerName => "(default remove of " + typeof(TData).FullName + ")";

    /// <inheritdoc/>
    public static void Invoke(TData data, CoreDevice device) { }
}
