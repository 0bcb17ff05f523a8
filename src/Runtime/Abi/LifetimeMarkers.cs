using System;

namespace KernelOps.Abi;

// Markers the analyzers read for KOPS0040, in the same data-driven style as the table kinds: the
// Runtime says which of its types live only as long as a device is bound, which types revoke their
// contents, and which parameters hand an object to open files; the analyzer has no list of its own.

/// <summary>
/// Marks a type whose instances live only while a device is bound: device-managed memory and
/// mappings, interrupt registrations (<c>devm_kzalloc</c>, <c>devm_ioremap</c>, <c>devm_request_irq</c>).
/// State reachable from an open file must not hold one directly (KOPS0040): a file outlives the
/// binding, so it must reach such a resource through a <see cref="RevocableWrapperAttribute"/> type.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class DeviceManagedAttribute : Attribute;

/// <summary>
/// Marks a type that holds an object behind revocation (<c>Revocable&lt;T&gt;</c>, <c>Devres&lt;T&gt;</c>):
/// access goes through a guard that fails once the device is gone, so what it wraps may be
/// device-managed (KOPS0040 does not look inside it).
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, Inherited = false)]
public sealed class RevocableWrapperAttribute : Attribute;

/// <summary>
/// Marks a parameter whose argument becomes reachable from open files: the data of a character or
/// misc device (what <c>FileRef.DeviceData</c> returns to every open), the state of an anonymous
/// file. KOPS0040 checks the argument's type as it checks per-open state.
/// </summary>
/// On the state type parameter of an operation interface (<c>IOpenOperation&lt;TState&gt;</c>), marks the
/// per-open state that operation creates.
[AttributeUsage(AttributeTargets.Parameter | AttributeTargets.GenericParameter, Inherited = false)]
public sealed class ReachableFromFilesAttribute : Attribute;
