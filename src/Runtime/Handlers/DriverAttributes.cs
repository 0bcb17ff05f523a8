using System;
using KernelOps.Abi;

namespace KernelOps;

/// <summary>
/// Generates a <c>struct platform_driver</c> table for a static partial class: a <c>Table</c>
/// property (an <see cref="OpsTable{T}"/> of <see cref="Abi.PlatformDriver"/>) whose probe, remove
/// and shutdown slots point at generated thunks for the methods marked <see cref="ProbeAttribute"/>,
/// <see cref="RemoveAttribute"/> and <see cref="ShutdownAttribute"/>. Register the table from a
/// module with <c>context.Drivers.Register(bus, name, Table)</c>: the module stays loaded while
/// devices come and go, and its unload unbinds the driver from every device first.
/// </summary>
/// <example>
/// <code>
/// [PlatformDriver]
/// internal static partial class Pl061Driver
/// {
///     [Probe]  static ProbeResult&lt;Pl061&gt; Probe(CoreDevice device) { ... return new Pl061(...); }
///     [Remove] static void Remove(Pl061 chip, CoreDevice device) { }
/// }
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
[OpsTableKind(typeof(Abi.PlatformDriver))]
public sealed class PlatformDriverAttribute : Attribute
{
    /// <summary>
    /// Optional: the slots this type implements, by C field name (<c>Ops = ["probe", "remove"]</c>).
    /// The analyzer proves it equal to the implemented slots (KOPS0013).
    /// </summary>
    [DeclaredSlots]
    public string[]? Ops { get; set; }
}

/// <summary>
/// The method is the driver's probe: <c>static KResult M(CoreDevice device)</c>, or
/// <c>static ProbeResult&lt;TData&gt; M(CoreDevice device)</c> to create driver data that remove and
/// shutdown then receive. Everything acquired through the device's devm methods is
/// released, newest first, if probe fails (an errno, or a <see cref="Model.KernelErrorException"/>
/// thrown by a devm method, which fails probe with its errno as Rust's <c>?</c> does) and after remove.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ProbeAttribute : Attribute;

/// <summary>
/// The method is the driver's remove: <c>static void M(CoreDevice device)</c> or
/// <c>static void M(TData data, CoreDevice device)</c>. It runs when the device is unbound (unplug,
/// unbind, driver unregistration, module unload); devres is released after it returns.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class RemoveAttribute : Attribute;

/// <summary>
/// The method is the driver's shutdown (reboot): <c>static void M(CoreDevice device)</c> or
/// <c>static void M(TData data, CoreDevice device)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
public sealed class ShutdownAttribute : Attribute;
