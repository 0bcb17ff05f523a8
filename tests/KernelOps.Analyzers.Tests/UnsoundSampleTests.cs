using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using KernelOps.Analyzers.Tests.Infrastructure;
using static KernelOps.Analyzers.Tests.Infrastructure.DotNet;

namespace KernelOps.Analyzers.Tests;

/// <summary>
/// CI fails on unsound declarations: samples/Unsound (not in the solution) holds one example per
/// rule, and <c>dotnet build</c> must fail with exactly the ids its <c>// expect:</c> markers name,
/// at their lines. An .editorconfig next to the sources changes what the build reports.
/// </summary>
[NonParallelizable]
public class UnsoundSampleTests
{
    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(4);
    private static string Samples => Path.Combine(RepositoryRoot(), "samples", "Unsound");

    // AsyncHandlers: an async handler's ref-struct (FileRef, Inode, user slices) and ref parameters
    // are compiler errors (CS4012, CS1988), after which csc runs no analyzer at all; the generator
    // still reports KOPS0008, for every async handler.
    [TestCase("Handlers", "Unsound.csproj")]
    [TestCase("NoUnsafe", "NoUnsafe.csproj")]
    [TestCase("AsyncHandlers", "AsyncHandlers.csproj")]
    public void BuildFailsWithExactlyTheMarkedDiagnostics(string folder, string project)
    {
        string directory = Path.Combine(Samples, folder);
        HashSet<BuildDiagnostic> expected = ExpectedMarkers(directory);
        Assert.That(expected.Where(d => d.Severity == "error"), Is.Not.Empty, "a sample without an error proves nothing");

        (int exitCode, string output) = Build(directory, project);

        Assert.That(exitCode, Is.Not.Zero, output);
        // Every KernelOps diagnostic and every compiler error: only the marked ones may appear.
        HashSet<BuildDiagnostic> actual = DotNet.Diagnostics(output)
            .Where(d => d.Id.StartsWith("KOPS", StringComparison.Ordinal) || d.Severity == "error")
            .ToHashSet();
        Assert.That(actual.Order(Comparer), Is.EqualTo(expected.Order(Comparer)), output);
    }

    [Test]
    public void EveryRuleHasAnUnsoundExample()
    {
        IEnumerable<string> marked = Directory.EnumerateDirectories(Samples)
            .SelectMany(ExpectedMarkers)
            .Select(d => d.Id)
            .Where(id => id.StartsWith("KOPS", StringComparison.Ordinal))
            .Distinct();
        Assert.That(marked.Order(), Is.EqualTo(Catalogue.Rules.Select(r => r.Id)));
    }

    [Test]
    public void EditorConfigSeveritiesChangeTheBuild()
    {
        // A copy of the Handlers sample in a temporary directory whose .editorconfig downgrades
        // KOPS0002 to a warning and turns KOPS0014 off; everything else must stay as marked.
        string source = Path.Combine(Samples, "Handlers");
        string copy = Directory.CreateTempSubdirectory("kernelops-editorconfig-").FullName;
        try
        {
            foreach (string file in Directory.EnumerateFiles(source).Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".csproj", StringComparison.Ordinal)))
            {
                File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
            }
            File.WriteAllText(Path.Combine(copy, "Directory.Build.props"), $"""
                <Project>
                  <Import Project="{Path.Combine(RepositoryRoot(), "samples", "Directory.Build.props")}" />
                </Project>
                """);
            File.WriteAllText(Path.Combine(copy, ".editorconfig"), """
                root = true

                [*.cs]
                dotnet_diagnostic.KOPS0002.severity = warning
                dotnet_diagnostic.KOPS0014.severity = none
                """);

            HashSet<BuildDiagnostic> expected = ExpectedMarkers(copy)
                .Where(d => d.Id != "KOPS0014")
                .Select(d => d.Id == "KOPS0002" ? d with { Severity = "warning" } : d)
                .ToHashSet();

            (int exitCode, string output) = Build(copy, "Unsound.csproj");

            Assert.That(exitCode, Is.Not.Zero, output); // the other errors still fail it
            Assert.That(DotNet.Diagnostics(output).Where(d => d.Id.StartsWith("KOPS", StringComparison.Ordinal)).Order(Comparer), Is.EqualTo(expected.Order(Comparer)), output);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static (int, string) Build(string directory, string project) =>
        Run(directory, null, BuildTimeout, "build", project, "-c", Configuration, "--nologo", "-v:q",
            // The solution build has already built the Runtime, generator and analyzers: use those
            // outputs, never rebuild them under a test host running in parallel with other tests.
            "-p:BuildProjectReferences=false", "-p:UseSharedCompilation=false");

    private static readonly Comparer<BuildDiagnostic> Comparer = Comparer<BuildDiagnostic>.Create((a, b) =>
        (a.File, a.Line, a.Id, a.Severity).CompareTo((b.File, b.Line, b.Id, b.Severity)));
}
