namespace KernelOps.Analyzers;

/// <summary>Metadata names the analyzers look for, beside the generator's <c>KnownTypeNames</c>.</summary>
internal static class KnownNames
{
    public const string DeclaredSlotsAttribute = "KernelOps.Abi.DeclaredSlotsAttribute";
    public const string DeclaredNonSeekableAttribute = "KernelOps.Abi.DeclaredNonSeekableAttribute";
    public const string MaterializedFromNothingAttribute = "KernelOps.Abi.MaterializedFromNothingAttribute";
    public const string CallScopedAttribute = "KernelOps.Abi.CallScopedAttribute";
    public const string FilePositionAttribute = "KernelOps.Abi.FilePositionAttribute";
    public const string PublishesTableAttribute = "KernelOps.Abi.PublishesTableAttribute";
    public const string Errno = "KernelOps.Errno";
    public const string FileRef = "KernelOps.FileRef";
    public const string KernelModule = "KernelOps.Model.IKernelModule";
    public const string DeviceManagedAttribute = "KernelOps.Abi.DeviceManagedAttribute";
    public const string RevocableWrapperAttribute = "KernelOps.Abi.RevocableWrapperAttribute";
    public const string ReachableFromFilesAttribute = "KernelOps.Abi.ReachableFromFilesAttribute";

    /// <summary>Diagnostic property names shared with the code fixes.</summary>
    public const string SignatureProperty = "Signature";
    public const string SlotProperty = "Slot";
    public const string ActionProperty = "Action";
    public const string PropertyNameProperty = "Property";
    public const string ActionAdd = "Add";
    public const string FixProperty = "Fix";
    public const string FixReturnErrno = "ReturnErrno";
    public const string FixReadonly = "Readonly";
    public const string FixSuccess = "Success";
    public const string ReplacementProperty = "Replacement";
    public const string ActionRemove = "Remove";
}
