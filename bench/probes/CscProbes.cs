using Microsoft.CodeAnalysis;

namespace KernelOps.Benchmarks;

// The GeneratorProbes stand-ins as generators the SDK compiler loads (bench/generator-probes.sh
// builds this file with ../KernelOps.Benchmarks/GeneratorProbes.cs twice, once per probe), so their
// cold /reportanalyzer times can be set against the OpsTableGenerator's.
[Generator(LanguageNames.CSharp)]
public sealed class CscProbe : IIncrementalGenerator
{
    /// <inheritdoc/>
    public void Initialize(IncrementalGeneratorInitializationContext context) =>
#if PROBE_WITH_BINDING
        new GeneratorProbes.WithMemberBinding().Initialize(context);
#else
        new GeneratorProbes.AttributesOnly().Initialize(context);
#endif
}
