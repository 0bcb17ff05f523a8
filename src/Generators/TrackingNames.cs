namespace KernelOps.Generators;

/// <summary>Names of the generator's pipeline steps, so tests can assert each is cached after unrelated edits.</summary>
internal static class TrackingNames
{
    /// <summary>A type carrying a kind attribute, turned into a model (or null when it cannot get a table).</summary>
    public const string HandlerTypes = nameof(HandlerTypes);

    /// <summary>The models of types that get a table.</summary>
    public const string ValidHandlerTypes = nameof(ValidHandlerTypes);

    /// <summary>The diagnostics the generator reports itself, per type (mostly none).</summary>
    public const string ReportedProblems = nameof(ReportedProblems);
}
