using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Testing;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Testing;

namespace KernelOps.Analyzers.Tests.Infrastructure;

/// <summary>
/// Microsoft.CodeAnalysis.Testing set up for this machine: the downloadable reference packs do not
/// restore offline, so test projects reference the running app's own assemblies
/// (TRUSTED_PLATFORM_ASSEMBLIES) plus KernelOps.Runtime, allow unsafe code and use the latest C#.
/// Sources start with <see cref="Usings"/>; markup is <c>{|KOPS0013:text|}</c>.
/// </summary>
internal static class Verify
{
    public const string Usings = "using KernelOps;\nusing KernelOps.Abi;\n";

    /// <summary>No package: nothing to download. Everything comes from <see cref="References"/>.</summary>
    private static readonly ReferenceAssemblies NoPackages = new("net10.0");

    public static ImmutableArray<MetadataReference> References { get; } = BuildReferences();

    private static ImmutableArray<MetadataReference> BuildReferences()
    {
        string tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? throw new InvalidOperationException("no TRUSTED_PLATFORM_ASSEMBLIES");
        return tpa.Split(Path.PathSeparator)
            .Where(p => p.Length > 0 && !Path.GetFileName(p).StartsWith("KernelOps.", StringComparison.Ordinal))
            // the test host's Roslyn/NUnit are not what a handler project references
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(KResult).Assembly.Location))
            .ToImmutableArray();
    }

    internal static Solution Transform(Solution solution, ProjectId projectId)
    {
        Project project = solution.GetProject(projectId)!;
        var options = (CSharpCompilationOptions)project.CompilationOptions!;
        var parse = (CSharpParseOptions)project.ParseOptions!;
        return solution
            .WithProjectCompilationOptions(projectId, options.WithAllowUnsafe(true).WithNullableContextOptions(NullableContextOptions.Enable))
            .WithProjectParseOptions(projectId, parse.WithLanguageVersion(LanguageVersion.Latest));
    }

    public sealed class AnalyzerTest<TAnalyzer> : CSharpAnalyzerTest<TAnalyzer, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
    {
        public AnalyzerTest()
        {
            ReferenceAssemblies = NoPackages;
            TestState.AdditionalReferences.AddRange(References);
            SolutionTransforms.Add(Transform);
        }
    }

    public sealed class CodeFixTest<TAnalyzer, TCodeFix> : CSharpCodeFixTest<TAnalyzer, TCodeFix, DefaultVerifier>
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        public CodeFixTest()
        {
            ReferenceAssemblies = NoPackages;
            TestState.AdditionalReferences.AddRange(References);
            FixedState.AdditionalReferences.AddRange(References);
            SolutionTransforms.Add(Transform);
        }
    }

    /// <summary>Analyzes <paramref name="source"/> and checks its markup; <paramref name="disabled"/> ids are ignored.</summary>
    public static Task Analyzer<TAnalyzer>(string source, params string[] disabled) where TAnalyzer : DiagnosticAnalyzer, new()
    {
        var test = new AnalyzerTest<TAnalyzer> { TestCode = source };
        test.DisabledDiagnostics.AddRange(disabled);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>A diagnostic of a KernelOps rule, for tests that list them instead of marking them up.</summary>
    public static DiagnosticResult Diagnostic(string id) =>
        new(KernelOps.Analyzers.Tests.Catalogue.Rules.Single(r => r.Id == id));

    /// <summary>
    /// Applies <typeparamref name="TCodeFix"/> and compares with <paramref name="fixedSource"/>, with
    /// <paramref name="expected"/> listed (not marked up) before and after: for a diagnostic no fix removes.
    /// </summary>
    public static Task CodeFix<TAnalyzer, TCodeFix>(string source, string fixedSource, DiagnosticResult[] expected)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TAnalyzer, TCodeFix> { TestCode = source, FixedCode = fixedSource };
        test.ExpectedDiagnostics.AddRange(expected);
        test.FixedState.ExpectedDiagnostics.AddRange(expected);
        return test.RunAsync(CancellationToken.None);
    }

    /// <summary>Applies <typeparamref name="TCodeFix"/> to the markup's diagnostics and compares with <paramref name="fixedSource"/>.</summary>
    public static Task CodeFix<TAnalyzer, TCodeFix>(string source, string fixedSource, params string[] disabled)
        where TAnalyzer : DiagnosticAnalyzer, new()
        where TCodeFix : CodeFixProvider, new()
    {
        var test = new CodeFixTest<TAnalyzer, TCodeFix> { TestCode = source, FixedCode = fixedSource };
        test.DisabledDiagnostics.AddRange(disabled);
        return test.RunAsync(CancellationToken.None);
    }
}
