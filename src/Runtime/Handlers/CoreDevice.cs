using System;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

/// <summary>
/// What a driver's probe, remove and shutdown see of their device (Rust-for-Linux's
/// <c>platform::Device&lt;Core&gt;</c>): the bus core holds the device lock for the call, so the device
/// can acquire managed resources (the devm methods below: each is released, newest first, when probe
/// fails or after remove) and it is bound (it converts to <see cref="BoundDevice"/>). A
/// <c>ref struct</c>: valid for the call that received it, never stored.
/// </summary>
public readonly ref struct CoreDevice
{
    internal CoreDevice(Device device) => Device = device;

    /// <summary>The device (the counted <c>struct device</c>; keeping it keeps nothing of the binding alive).</summary>
    public Device Device { get; }

    /// <summary>dev_name: <c>pl061.0</c>.</summary>
    public string Name => Device.Name;

    /// <summary>The platform device's instance number (<c>pdev-&gt;id</c>), -1 for a single instance.</summary>
    public int Id => Device.Id;

    /// <summary>The device is bound for the duration of probe, remove and shutdown.</summary>
    public BoundDevice Bound => new(Device);

    /// <summary>A core device is a bound device (Device&lt;Core&gt; derefs to Device&lt;Bound&gt;).</summary>
    public static implicit operator BoundDevice(CoreDevice device) => device.Bound;

    /// <summary>platform_get_resource: the <paramref name="index"/>-th resource of <paramref name="type"/>, or null.</summary>
    public IoResource? Resource(IoResourceType type, int index = 0) => Device.FindResource(type, index);

    /// <summary>platform_get_irq: the <paramref name="index"/>-th interrupt number; ENXIO (thrown) when there is none.</summary>
    public int Irq(int index = 0) => Device.IrqNumber(index);

    /// <summary>
    /// devm_platform_ioremap_resource: claims the <paramref name="index"/>-th MMIO range
    /// (devm_request_mem_region: EBUSY when another driver holds it) and maps it (devm_ioremap).
    /// Two devres steps; the mapping is revoked and unmapped when the device is unbound.
    /// </summary>
    /// <exception cref="KernelErrorException">EINVAL without such a resource, EBUSY, or ENOMEM (devres_alloc).</exception>
    public Devres<IoMem> IoRemapResource(int index = 0) => Device.IoRemapResource(index);

    /// <summary>
    /// devm_request_irq on the <paramref name="index"/>-th interrupt: <paramref name="handler"/> runs on
    /// the interrupt thread until the device is unbound (or the registration is disposed).
    /// </summary>
    /// <exception cref="KernelErrorException">ENXIO without such an interrupt, EBUSY when the line is taken, ENOMEM.</exception>
    public IrqRegistration RequestIrq(int index, IIrqHandler handler, string? name = null) => Device.RequestIrq(index, handler, name);

    /// <summary>
    /// A devm misc device: misc_register now; at unbind the device is disconnected (new calls on its
    /// open files fail with ENODEV, sleepers in its wait queues wake with ENODEV, calls in flight are
    /// waited for), then deregistered. Files stay open; release still runs at their last close, and
    /// <paramref name="data"/> (what <c>FileRef.DeviceData</c> returns) is disposed, if
    /// <see cref="IDisposable"/>, after that last close.
    /// </summary>
    [PublishesTable]
    public MiscDevice RegisterMisc(string name, OpsTable<FileOperations> fops, [PublishesTable, ReachableFromFiles] object? data = null, uint minor = CharDeviceRegistry.MiscDynamicMinor) =>
        Device.RegisterMisc(name, fops, data, minor);

    /// <summary>A devm cdev (cdev_device_add) on [<paramref name="dev"/>, +<paramref name="count"/>), disconnected and deleted at unbind as <see cref="RegisterMisc"/>.</summary>
    [PublishesTable]
    public CharDevice AddCdev(OpsTable<FileOperations> fops, uint dev, uint count, [PublishesTable, ReachableFromFiles] object? data = null) =>
        Device.AddCdev(fops, dev, count, data);

    /// <summary>A devm debugfs directory (removed, with everything below it, at unbind); its files pin the driver's module while open.</summary>
    public DebugFsEntry CreateDebugFsDirectory(string name, DebugFsEntry? parent = null) => Device.CreateDebugFsDirectory(name, parent);

    /// <summary>
    /// A devm device attribute (a driver's <c>dev_groups</c>, devm_device_add_group): the file
    /// <paramref name="name"/> in the device's sysfs directory (<c>/sys/devices/platform/pl061.0/NAME</c>)
    /// while the driver is bound: at unbind it is removed before the driver's remove runs, as
    /// device_remove removes <c>dev_groups</c> (kernfs waits for reads and writes in flight; files
    /// still open answer ENODEV), so show and store never see the driver half torn down. <paramref name="show"/> formats
    /// the value on read, <paramref name="store"/> parses a write; a null one makes the file
    /// unreadable (unwritable). A store that unbinds or removes its own device must call
    /// <see cref="KernfsNode.BreakActiveProtection"/> on the node it is handed first.
    /// </summary>
    /// <exception cref="KernelErrorException">EEXIST when the device already has a file of that name, EINVAL for a bad name, ENOMEM.</exception>
    public KernfsNode CreateAttribute(string name, uint mode, SysfsShow? show, SysfsStore? store) => Device.CreateAttribute(name, mode, show, store);

    /// <summary>
    /// devm_add_action_or_reset: <paramref name="action"/> runs at unbind, in reverse order with the
    /// device's other resources. If the action cannot be registered it runs at once and the error is thrown.
    /// </summary>
    public void AddAction(Action action, [CallerArgumentExpression(nameof(action))] string name = "") => Device.AddAction(action, name);

    /// <summary>Devres::new: <paramref name="value"/> revoked (and disposed, if <see cref="IDisposable"/>) at unbind.</summary>
    public Devres<T> Devres<T>(T value) where T : class => Device.CreateDevres(value);

    /// <summary>
    /// devm_kzalloc: <paramref name="value"/> freed (disposed, if <see cref="IDisposable"/>) at unbind.
    /// Never hand it to an open file (KOPS0040): use <see cref="Devres{T}(T)"/>, or refcounted state the file owns.
    /// </summary>
    public Devm<T> Alloc<T>(T value) where T : class => Device.Alloc(value);

    /// <summary>dev_info: a kernel-log line prefixed with the driver and device names.</summary>
    public void Info(string message) => Device.Log(message);

    /// <summary>dev_err.</summary>
    public void Error(string message) => Device.Log(message);
}

/// <summary>
/// Proof that a device is bound for the duration of a call (Rust-for-Linux's <c>Device&lt;Bound&gt;</c>):
/// what interrupt handlers get, and what <see cref="CoreDevice"/> converts to. With it,
/// <see cref="Devres{T}.Access"/> reaches a device resource without a guard. A <c>ref struct</c>:
/// valid for the call that received it.
/// </summary>
public readonly ref struct BoundDevice
{
    internal BoundDevice(Device device) => Device = device;

    /// <summary>The device.</summary>
    public Device Device { get; }

    /// <summary>dev_name.</summary>
    public string Name => Device.Name;

    /// <summary>dev_info.</summary>
    public void Info(string message) => Device.Log(message);
}

/// <summary>
/// What a probe with driver data returns: the data (kept in <c>dev-&gt;driver_data</c> as one GCHandle
/// word, handed to remove and shutdown), or an <see cref="Errno"/>. Both convert implicitly:
/// <c>return new Pl061(regs);</c> and <c>return Errno.ENODEV;</c>.
/// </summary>
public readonly struct ProbeResult<TData> where TData : class
{
    private readonly TData? _data;
    private readonly Errno _error;

    private ProbeResult(TData? data, Errno error)
    {
        _data = data;
        _error = error;
    }

    /// <summary>True when probe succeeded.</summary>
    public bool IsOk => _error == 0;

    /// <summary>The error, or 0 on success.</summary>
    public Errno Error => _error;

    /// <summary>The driver data on success.</summary>
    public bool TryGetData([NotNullWhen(true)] out TData? data)
    {
        data = _data;
        return _error == 0 && data is not null;
    }

    /// <summary>A success carrying <paramref name="data"/>.</summary>
    public static ProbeResult<TData> Ok(TData data) => new(data ?? throw new ArgumentNullException(nameof(data)), 0);

    /// <summary>A failure.</summary>
    public static ProbeResult<TData> Fail(Errno error) =>
        new(null, NotAnErrnoException.Check(error));

    /// <summary>Makes a success from the data.</summary>
    public static implicit operator ProbeResult<TData>(TData data) => Ok(data);

    /// <summary>Makes a failure from an errno.</summary>
    public static implicit operator ProbeResult<TData>(Errno error) => Fail(error);

    /// <inheritdoc/>
    public override string ToString() => IsOk ? $"Ok({_data})" : $"-{_error}";
}
