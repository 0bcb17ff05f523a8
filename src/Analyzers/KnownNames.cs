namespace KernelOps.Analyzers;

/// <summary>Metadata names the analyzers look for, beside the generator's <c>KnownTypeNames</c>.</summary>
internal static class KnownNames
{
    public const string DeclaredSlotsAttribute = "KernelOps.Abi.DeclaredSlotsAttribute";
    public const string DeclaredNonSeekableAttribute = "KernelOps.Abi.DeclaredNonSeekableAttribute";
    public const string MaterializedFromNothingAttribute = "KernelOps.Abi.MaterializedFromNothingAttribute";

    /// <summary>Diagnostic property names shared with the code fixes.</summary>
    public const string SignatureProperty = "Signature";
    public const string SlotProperty = "Slot";
    public const string ActionProperty = "Action";
    public const string PropertyNameProperty = "Property";
    public const string ActionAdd = "Add";
    public const string ActionRemove = "Remove";
}
