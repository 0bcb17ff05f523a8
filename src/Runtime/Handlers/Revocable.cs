using System;
using System.Runtime.CompilerServices;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

/// <summary>
/// An object whose access can be revoked at run time (Rust-for-Linux's <c>Revocable</c>, the C
/// revocable provider of drivers/base/revocable.c): <see cref="TryAccess"/> gives a guard holding
/// the object, or nothing once revoked; <see cref="Revoke"/> stops new access, waits for every
/// guard to be disposed (the SRCU grace period), then disposes the object if it is
/// <see cref="IDisposable"/>. Guards are <c>ref struct</c>s: they cannot be stored or outlive the
/// call that took them, so the wait always ends. State reachable from an open file holds device
/// resources through this type (KOPS0040). Thread-safe.
/// </summary>
/// <example>
/// <code>
/// using RevocableGuard&lt;IoMem&gt; regs = chip.Registers.TryAccess();
/// if (regs.Value is not { } io) return Errno.ENODEV;   // the device is gone
/// return io.Read8(GPIODIR);
/// </code>
/// </example>
[RevocableWrapper]
public class Revocable<T> where T : class
{
    private readonly T _value;
    private readonly object _waitLock = new();
    // The registration's bias plus one per guard alive (debugfs active_users, SRCU readers).
    private int _users = 1;
    private int _revoked;

    /// <summary>Wraps <paramref name="value"/>, accessible until revoked.</summary>
    public Revocable(T value) => _value = value ?? throw new ArgumentNullException(nameof(value));

    /// <summary>True once revocation has begun: no new guard can be taken.</summary>
    public bool IsRevoked => Volatile.Read(ref _revoked) != 0;

    /// <summary>
    /// revocable_try_access: a guard whose <see cref="RevocableGuard{T}.Value"/> is the object, or
    /// null once revoked. The object stays valid until the guard is disposed.
    /// </summary>
    public RevocableGuard<T> TryAccess()
    {
        if (Volatile.Read(ref _revoked) != 0 || !Atomics.IncrementNotZero(ref _users)) return default;
        if (Volatile.Read(ref _revoked) != 0)
        {
            // Revocation began between the checks: this reader counts as one it waits for; leave at once.
            ReleaseGuard();
            return default;
        }
        return new RevocableGuard<T>(this, _value);
    }

    /// <summary>
    /// Revokes access: no new guards, then waits for the guards alive now, then disposes the object
    /// (revocable_revoke + synchronize_srcu, then the drop). Returns true for the call that revoked;
    /// false if it was already revoked.
    /// </summary>
    public bool Revoke()
    {
        if (Interlocked.Exchange(ref _revoked, 1) != 0) return false;
        if (Interlocked.Decrement(ref _users) != 0)
        {
            lock (_waitLock)
            {
                while (Volatile.Read(ref _users) > 0)
                {
                    if (!Monitor.Wait(_waitLock, TimeSpan.FromSeconds(10)))
                        CurrentTask.Printk($"kernelops: revoking {Describe()} still waits for {Volatile.Read(ref _users)} guard(s)");
                }
            }
        }
        Released(_value);
        return true;
    }

    /// <summary>What the object becomes once the last guard is gone: disposed, by default.</summary>
    private protected virtual void Released(T value) => (value as IDisposable)?.Dispose();

    /// <summary>The object without a guard, for callers that proved it cannot be revoked under them.</summary>
    private protected T ValueUnguarded => _value;

    /// <summary>How reports name this object.</summary>
    private protected virtual string Describe() => $"Revocable<{typeof(T).Name}> ({_value})";

    internal void ReleaseGuard()
    {
        int left = Interlocked.Decrement(ref _users);
        if (left > 0) return;
        if (left == 0 && Volatile.Read(ref _revoked) != 0)
        {
            lock (_waitLock) Monitor.PulseAll(_waitLock);
            return;
        }
        // Not revoked and no users left (or fewer than none): a guard was disposed twice (a copy of
        // the ref struct disposed as well). Put the count back so the object stays usable.
        Interlocked.Increment(ref _users);
        Kernel? kernel = CurrentTask.Kernel;
        if (kernel is not null)
            kernel.Sanitizer.Report(SanitizerReportKind.DoubleFree, Describe(), "a RevocableGuard was disposed twice (a copy of the guard was disposed too)", "", "", 0);
        else
            CurrentTask.Printk($"kernelops: a guard of {Describe()} was disposed twice");
    }
}

/// <summary>
/// Access to a <see cref="Revocable{T}"/>'s object for the duration of a scope
/// (<c>RevocableGuard</c>): <see cref="Value"/> is the object, or null when it was revoked. Dispose it
/// (<c>using</c>) to let a revocation waiting for it go on.
/// </summary>
public ref struct RevocableGuard<T> where T : class
{
    private Revocable<T>? _owner;

    internal RevocableGuard(Revocable<T> owner, T value)
    {
        _owner = owner;
        Value = value;
    }

    /// <summary>The object, or null when access was revoked.</summary>
    public T? Value { get; }

    /// <summary>True when <see cref="Value"/> is the object.</summary>
    public readonly bool IsValid => Value is not null;

    /// <summary>Ends the access.</summary>
    public void Dispose()
    {
        Revocable<T>? owner = _owner;
        _owner = null;
        owner?.ReleaseGuard();
    }
}

/// <summary>
/// A device resource tied to the device being bound (Rust-for-Linux's <c>Devres</c>): a
/// <see cref="Revocable{T}"/> that the device's devres revokes when the driver is unbound (or probe
/// fails), newest first with the device's other resources. Inside probe, remove and interrupt
/// handlers, where the device is known to be bound, <see cref="Access"/> gives the object without a
/// guard; anywhere else (file operations, work running on its own) <see cref="Revocable{T}.TryAccess"/>
/// does, and answers null once the device is gone. Disposing it revokes it early.
/// </summary>
[RevocableWrapper]
public sealed class Devres<T> : Revocable<T>, IDisposable where T : class
{
    private readonly Action<T>? _onRelease;

    internal Devres(Device device, T value, Action<T>? onRelease = null) : base(value)
    {
        Device = device;
        _onRelease = onRelease;
    }

    /// <summary>The device the resource belongs to.</summary>
    public Device Device { get; }

    /// <summary>
    /// Devres::access: the object, for a caller holding proof that <paramref name="device"/> is bound
    /// (<see cref="CoreDevice"/> in probe/remove, <see cref="BoundDevice"/> in an interrupt handler).
    /// A device other than the owner is a bug (<see cref="ArgumentException"/>); an access after
    /// revocation is a use-after-revoke report, and the revoked object is returned as it is.
    /// </summary>
    public T Access(BoundDevice device, [CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (device.Device != Device)
            throw new ArgumentException($"{Describe()} belongs to {Device.Name}, not {device.Device?.Name ?? "(no device)"}", nameof(device));
        if (IsRevoked)
            Device.Model.Kernel.Sanitizer.Report(SanitizerReportKind.UseAfterRevoke, Describe(),
                "Devres.Access after the resource was revoked: the device is no longer bound", member, file, line);
        return ValueUnguarded;
    }

    /// <summary>Revokes the resource now instead of at unbind.</summary>
    public void Dispose() => Revoke();

    private protected override void Released(T value)
    {
        _onRelease?.Invoke(value);
        base.Released(value);
    }

    private protected override string Describe() => $"Devres<{typeof(T).Name}> of {Device.Name} ({ValueUnguarded})";
}

/// <summary>
/// Device-managed memory (<c>devm_kzalloc</c>): an object the device's devres frees when the driver
/// is unbound. It is fine for state only the driver's own callbacks use while the device is bound;
/// it is the seed's use-after-free when an open file can reach it (KOPS0040), and the sanitizer
/// reports every <see cref="Get"/> after it was freed.
/// </summary>
[DeviceManaged]
public sealed class Devm<T> where T : class
{
    private readonly Device _device;
    private readonly T _value;
    private string? _freedBecause;

    internal Devm(Device device, T value)
    {
        _device = device;
        _value = value;
    }

    /// <summary>True once devres freed it.</summary>
    public bool IsFreed => Volatile.Read(ref _freedBecause) is not null;

    /// <summary>The object; after it was freed, a use-after-free report, and the freed object.</summary>
    public T Get([CallerMemberName] string member = "", [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        if (Volatile.Read(ref _freedBecause) is { } because)
            _device.Model.Kernel.Sanitizer.Report(SanitizerReportKind.UseAfterFree, ToString(), $"read of device-managed memory {because}", member, file, line);
        return _value;
    }

    internal void Free(string because)
    {
        if (Interlocked.CompareExchange(ref _freedBecause, because, null) is not null) return;
        (_value as IDisposable)?.Dispose();
    }

    /// <inheritdoc/>
    public override string ToString() => $"devm {typeof(T).Name} of {_device.Name}";
}
