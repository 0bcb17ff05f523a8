using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using KernelOps.Analyzers;
using KernelOps.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;

namespace KernelOps.Generators.Tests.Infrastructure;

/// <summary>Builds test compilations from the running app's assemblies plus KernelOps.Runtime, and runs the generator/analyzer on them.</summary>
internal static class TestCompilation
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> FrameworkReferences = new(() =>
    {
        string tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? throw new InvalidOperationException("no TRUSTED_PLATFORM_ASSEMBLIES");
        return tpa.Split(Path.PathSeparator)
            .Where(path => path.Length > 0 && !Path.GetFileName(path).StartsWith("KernelOps.", StringComparison.Ordinal))
            .Select(path => (MetadataReference)MetadataReference.CreateFromFile(path))
            .ToImmutableArray();
    });

    private static readonly Lazy<MetadataReference> RuntimeReference = new(() =>
        MetadataReference.CreateFromFile(typeof(KResult).Assembly.Location));

    // Documentation mode Diagnose makes the compiler check the generated XML comments (crefs) too.
    public static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest, DocumentationMode.Diagnose);

    public static CSharpCompilation Create(string source, bool allowUnsafe = true, bool referenceRuntime = true) =>
        Create(new[] { source }, allowUnsafe, referenceRuntime);

    public static CSharpCompilation Create(IEnumerable<string> sources, bool allowUnsafe = true, bool referenceRuntime = true)
    {
        IEnumerable<MetadataReference> references = FrameworkReferences.Value;
        if (referenceRuntime) references = references.Append(RuntimeReference.Value);
        return CSharpCompilation.Create(
            "KernelOps.TestInput",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Input{i}.cs")),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: allowUnsafe, nullableContextOptions: NullableContextOptions.Enable));
    }

    public static GeneratorDriver CreateDriver(bool trackSteps = false) =>
        CSharpGeneratorDriver.Create(
            new[] { new OpsTableGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: trackSteps));

    /// <summary>Runs the generator; returns the run result and the compilation including generated trees.</summary>
    public static (GeneratorDriverRunResult Result, Compilation Output, ImmutableArray<Diagnostic> GeneratorDiagnostics) RunGenerator(Compilation input)
    {
        GeneratorDriver driver = CreateDriver().RunGeneratorsAndUpdateCompilation(input, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return (driver.GetRunResult(), output, diagnostics);
    }

    /// <summary>The single generated source text (asserts there is exactly one).</summary>
    public static string SingleGeneratedSource(GeneratorDriverRunResult result)
    {
        GeneratedSourceResult[] sources = result.Results.SelectMany(r => r.GeneratedSources).ToArray();
        Assert.That(sources, Has.Length.EqualTo(1), "expected exactly one generated file");
        return sources[0].SourceText.ToString();
    }

    public static async Task<ImmutableArray<Diagnostic>> AnalyzeAsync(Compilation compilation) =>
        await compilation
            .WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new HandlerDeclarationAnalyzer()))
            .GetAnalyzerDiagnosticsAsync()
            .ConfigureAwait(false);

    public static string Format(IEnumerable<Diagnostic> diagnostics) =>
        string.Join(Environment.NewLine, diagnostics.Select(d => d.ToString()));
}
