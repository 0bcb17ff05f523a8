using System.Collections.Immutable;

namespace KernelOps.Generators.Discovery;

/// <summary>
/// The handler-class attributes that select a table kind. This is the only kind-specific data in
/// the generator: everything else is read from the attribute's <c>[OpsTableKind]</c> struct.
/// </summary>
internal static class TableKinds
{
    /// <summary>Metadata names of the kind attributes.</summary>
    public static readonly ImmutableArray<string> KindAttributeMetadataNames = ImmutableArray.Create(
        "KernelOps.ProcOpsAttribute",
        "KernelOps.FileOperationsAttribute",
        "KernelOps.DebugFsCallbackFileAttribute",
        "KernelOps.PlatformDriverAttribute",
        "KernelOps.InodeOperationsAttribute",
        "KernelOps.SuperOperationsAttribute",
        "KernelOps.FileSystemTypeAttribute",
        "KernelOps.FsContextOperationsAttribute");
}

/// <summary>Metadata names of the Runtime types the generator reads or emits.</summary>
internal static class KnownTypeNames
{
    public const string OpsTableKindAttribute = "KernelOps.Abi.OpsTableKindAttribute";
    public const string OpsTableKindAttributeName = "OpsTableKindAttribute";
    public static readonly ImmutableArray<string> OpsTableKindAttributeNamespace = ImmutableArray.Create("KernelOps", "Abi");
    public const string OpsSlotAttribute = "KernelOps.Abi.OpsSlotAttribute";
    public const string OpsTableSettingAttribute = "KernelOps.Abi.OpsTableSettingAttribute";
    public const string OperationAdapterAttribute = "KernelOps.Abi.OperationAdapterAttribute";
    public const string PerOpenStateAttribute = "KernelOps.Abi.PerOpenStateAttribute";
    public const string SlotFromInterfaceAttribute = "KernelOps.Abi.SlotFromInterfaceAttribute";
    public const string OpsTable = "KernelOps.OpsTable`1";
    public const string UnmanagedCallersOnlyAttribute = "System.Runtime.InteropServices.UnmanagedCallersOnlyAttribute";
}
