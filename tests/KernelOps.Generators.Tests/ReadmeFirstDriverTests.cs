using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.Loader;
using System.Text.RegularExpressions;
using System.Threading.Tasks;
using KernelOps.Analyzers;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Emit;

namespace KernelOps.Generators.Tests;

/// <summary>
/// README.md's "Write your first driver" cannot rot: its C# blocks (the driver, then its NUnit
/// test) are compiled as a package user's projects would be, against the BCL and KernelOps.Runtime
/// alone (no sample, no test helper of this repository; NUnit for the test), with the generator and
/// every KernelOps analyzer: no error and no warning of any kind. Then the test block's tests run.
/// </summary>
public class ReadmeFirstDriverTests
{
    private const string Section = "## Write your first driver";

    private static string ReadmePath([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "README.md"));

    /// <summary>The ```csharp blocks between the section's heading and the next level-2 heading.</summary>
    private static string[] CodeBlocks()
    {
        string readme = File.ReadAllText(ReadmePath()).Replace("\r\n", "\n");
        int start = readme.IndexOf("\n" + Section + "\n", StringComparison.Ordinal);
        Assert.That(start, Is.GreaterThanOrEqualTo(0), $"README.md has no '{Section}' section");
        int end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        string section = end < 0 ? readme[start..] : readme[start..end];
        return Regex.Matches(section, @"^```csharp\n(.*?)^```$", RegexOptions.Multiline | RegexOptions.Singleline)
            .Select(m => m.Groups[1].Value)
            .ToArray();
    }

    private static string Driver => CodeBlocks()[0];
    private static string DriverTest => CodeBlocks()[1];

    // What a package user's project compiles against: the framework, the KernelOps package's
    // assembly, and (for the tests) NUnit. Nothing else of the test host.
    private static readonly Lazy<ImmutableArray<MetadataReference>> PackageReferences = new(() =>
    {
        string tpa = (string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? throw new InvalidOperationException("no TRUSTED_PLATFORM_ASSEMBLIES");
        return tpa.Split(Path.PathSeparator)
            .Where(p => Path.GetFileName(p).StartsWith("System.", StringComparison.Ordinal) || Path.GetFileName(p) is "mscorlib.dll" or "netstandard.dll")
            .Append(typeof(KResult).Assembly.Location)
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToImmutableArray();
    });

    private static MetadataReference NUnitReference => MetadataReference.CreateFromFile(typeof(Assert).Assembly.Location);

    private static ImmutableArray<DiagnosticAnalyzer> AllAnalyzers { get; } = typeof(HandlerDeclarationAnalyzer).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(DiagnosticAnalyzer)) && !t.IsAbstract)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    /// <summary>Compiles the sources as a project of the README would be built; returns the output and every diagnostic of warning or error severity.</summary>
    private static async Task<(Compilation Output, Diagnostic[] Problems)> Build(IEnumerable<string> sources, bool withNUnit)
    {
        IEnumerable<MetadataReference> references = PackageReferences.Value;
        if (withNUnit) references = references.Append(NUnitReference);
        var input = CSharpCompilation.Create(
            "ReadmeFirstDriver",
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, new CSharpParseOptions(LanguageVersion.Latest), path: $"Readme{i}.cs")),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable,
                warningLevel: 9999));
        var (_, output, generatorDiagnostics) = TestCompilation.RunGenerator(input);
        ImmutableArray<Diagnostic> analyzerDiagnostics = await output.WithAnalyzers(AllAnalyzers).GetAnalyzerDiagnosticsAsync().ConfigureAwait(false);
        Diagnostic[] problems = generatorDiagnostics.Concat(output.GetDiagnostics()).Concat(analyzerDiagnostics)
            .Where(d => d.Severity >= DiagnosticSeverity.Warning || d.Id.StartsWith("KOPS", StringComparison.Ordinal))
            .ToArray();
        return (output, problems);
    }

    [Test]
    public void TheSectionHasTheDriverThenItsTest()
    {
        string[] blocks = CodeBlocks();
        Assert.That(blocks, Has.Length.EqualTo(2), "the driver and its test, in that order");
        Assert.That(blocks[0], Does.Not.Contain("NUnit"));
        Assert.That(blocks[0], Does.Contain("[FileOperations]").And.Contain("IKernelModule").And.Contain("OpenResult<"), "a device with per-open state and its module");
        Assert.That(blocks[1], Does.Contain("using NUnit.Framework;").And.Contain("TestKernel").And.Contain("AssertNoLeaks"));
    }

    [Test]
    public async Task TheDriverCompilesAgainstThePackageAlone_WithoutAWarning()
    {
        (Compilation output, Diagnostic[] problems) = await Build(new[] { Driver }, withNUnit: false);
        Assert.That(problems, Is.Empty, TestCompilation.Format(problems));
        Assert.That(output.SyntaxTrees.Count(), Is.GreaterThan(1), "the generator emitted the table");
    }

    [Test]
    public async Task TheAnalyzersRunOnTheDriver()
    {
        // Not vacuous: the same driver without its lseek handler gets KOPS0014 from the same build.
        string withoutLseek = Regex.Replace(Driver, @"\[Lseek\].*?\n\s*\n", "\n", RegexOptions.Singleline);
        Assert.That(withoutLseek, Does.Not.Contain("[Lseek]"), "the README's lseek handler is followed by a blank line");
        (_, Diagnostic[] problems) = await Build(new[] { withoutLseek }, withNUnit: false);
        Assert.That(problems.Select(d => d.Id), Is.EqualTo(new[] { "KOPS0014" }), TestCompilation.Format(problems));
    }

    [Test]
    public async Task TheDriversTestCompilesWithoutAWarning_AndPasses()
    {
        (Compilation output, Diagnostic[] problems) = await Build(new[] { Driver, DriverTest }, withNUnit: true);
        Assert.That(problems, Is.Empty, TestCompilation.Format(problems));

        using var stream = new MemoryStream();
        EmitResult emitted = output.Emit(stream);
        Assert.That(emitted.Success, Is.True, TestCompilation.Format(emitted.Diagnostics));
        stream.Position = 0;

        var context = new AssemblyLoadContext("kernelops-readme", isCollectible: true);
        try
        {
            Assembly assembly = context.LoadFromStream(stream);
            var tests = assembly.GetTypes()
                .SelectMany(t => t.GetMethods(BindingFlags.Public | BindingFlags.Instance).Select(m => (Type: t, Method: m)))
                .Where(x => x.Method.GetCustomAttribute<TestAttribute>() is not null)
                .ToArray();
            Assert.That(tests, Is.Not.Empty, "the README's test has [Test] methods");
            foreach ((Type type, MethodInfo method) in tests)
            {
                object fixture = Activator.CreateInstance(type)!;
                try
                {
                    method.Invoke(fixture, null);
                }
                catch (TargetInvocationException e) when (e.InnerException is not null)
                {
                    Assert.Fail($"README test {type.Name}.{method.Name} failed: {e.InnerException}");
                }
            }
        }
        finally
        {
            context.Unload();
        }
    }
}
