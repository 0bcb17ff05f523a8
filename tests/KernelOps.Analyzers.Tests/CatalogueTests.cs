using System;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using KernelOps.Analyzers.Diagnostics;
using KernelOps.Generators.Diagnostics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using static KernelOps.Analyzers.Tests.Infrastructure.DotNet;

namespace KernelOps.Analyzers.Tests;

/// <summary>The rule catalogue as users see it: every analyzer's rules, from the analyzer assembly.</summary>
internal static class Catalogue
{
    public static ImmutableArray<DiagnosticAnalyzer> Analyzers { get; } = typeof(HandlerDeclarationAnalyzer).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(DiagnosticAnalyzer)) && !t.IsAbstract)
        .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
        .ToImmutableArray();

    /// <summary>Every analyzer's rules and the few the generator reports itself (KOPS0008).</summary>
    public static ImmutableArray<DiagnosticDescriptor> Rules { get; } = Analyzers
        .SelectMany(a => a.SupportedDiagnostics)
        .Concat(DiagnosticDescriptors.ReportedByGenerator)
        .OrderBy(d => d.Id, StringComparer.Ordinal)
        .ToImmutableArray();
}

/// <summary>Each rule has a stable id, a page, a release-tracking line and a README row, all in sync.</summary>
public class CatalogueTests
{
    private static string Root => RepositoryRoot();

    // The id ranges handed to parallel work (TEAM.md): each range is used densely from its start,
    // so an id is never skipped and two pieces of work never take the same one.
    private static readonly (int First, int Last)[] IdRanges = [(1, 29), (30, 39), (40, 49), (50, 59)];

    [Test]
    public void IdsAreDenseWithinTheirRangesUniqueAndMatchTheDescriptorList()
    {
        int[] ids = Catalogue.Rules.Select(r => int.Parse(r.Id.Substring(4))).ToArray();
        Assert.That(Catalogue.Rules.Select(r => r.Id), Is.All.Match(@"^KOPS\d{4}$"));
        Assert.That(ids, Is.Unique);
        foreach ((int first, int last) in IdRanges)
        {
            int[] inRange = ids.Where(i => i >= first && i <= last).Order().ToArray();
            Assert.That(inRange, Is.EqualTo(Enumerable.Range(first, inRange.Length)), $"ids {first}-{last}");
        }
        Assert.That(ids.All(i => IdRanges.Any(r => i >= r.First && i <= r.Last)), Is.True, "an id outside every range");
        Assert.That(Catalogue.Rules, Is.EquivalentTo(DiagnosticDescriptors.All));
    }

    [Test]
    public void UnsoundRulesAreErrorsAndHeuristicsWarnings()
    {
        string[] warnings = ["KOPS0009", "KOPS0010", "KOPS0014", "KOPS0017", "KOPS0018", "KOPS0019"];
        foreach (DiagnosticDescriptor rule in Catalogue.Rules)
        {
            Assert.That(rule.DefaultSeverity, Is.EqualTo(warnings.Contains(rule.Id) ? DiagnosticSeverity.Warning : DiagnosticSeverity.Error), rule.Id);
            Assert.That(rule.IsEnabledByDefault, Is.True, rule.Id);
            Assert.That(rule.Category, Is.EqualTo("KernelOps"), rule.Id);
        }
    }

    [Test]
    public void EveryRuleHasAPageWithWhatWhyBadAndGood()
    {
        foreach (DiagnosticDescriptor rule in Catalogue.Rules)
        {
            Assert.That(rule.HelpLinkUri, Is.EqualTo($"https://github.com/kernelops/kernelops/blob/main/docs/diagnostics/{rule.Id}.md"));
            string page = Path.Combine(Root, "docs", "diagnostics", rule.Id + ".md");
            Assert.That(File.Exists(page), Is.True, page);
            string text = File.ReadAllText(page);
            Assert.That(text, Does.StartWith($"# {rule.Id}: {rule.Title}"), rule.Id);
            Assert.That(text, Does.Contain($"**Severity:** {rule.DefaultSeverity}"), rule.Id);
            foreach (string section in new[] { "## What", "## Why", "## Bad", "## Good" })
            {
                Assert.That(text, Does.Contain(section), $"{rule.Id} lacks {section}");
            }
        }
    }

    [Test]
    public void EveryRuleIsTrackedInTheReleaseFilesOfTheAssemblyReportingIt()
    {
        // The release-tracking analyzer checks each assembly's own rules against its own files.
        string Tracked(string project) =>
            File.ReadAllText(Path.Combine(Root, "src", project, "AnalyzerReleases.Shipped.md")) +
            File.ReadAllText(Path.Combine(Root, "src", project, "AnalyzerReleases.Unshipped.md"));
        string analyzers = Tracked("Analyzers"), generator = Tracked("Generators");
        foreach (DiagnosticDescriptor rule in Catalogue.Rules)
        {
            bool byGenerator = DiagnosticDescriptors.ReportedByGenerator.Contains(rule);
            Assert.That(byGenerator ? generator : analyzers, Does.Contain($"{rule.Id} | KernelOps | {rule.DefaultSeverity} |"), rule.Id);
            Assert.That(byGenerator ? analyzers : generator, Does.Not.Contain($"{rule.Id} |"), rule.Id);
        }
    }

    [Test]
    public void EveryProblemKindHasItsOwnRule()
    {
        // DiagnosticDescriptors.For has no default arm (a new kind fails the build); this checks
        // that no two kinds share a rule and that each rule is in the catalogue.
        ProblemKind[] kinds = Enum.GetValues<ProblemKind>();
        DiagnosticDescriptor[] rules = kinds.Select(DiagnosticDescriptors.For).ToArray();
        Assert.That(rules.Select(r => r.Id).Distinct().Count(), Is.EqualTo(kinds.Length));
        Assert.That(Catalogue.Rules, Is.SupersetOf(rules));
    }

    [Test]
    public void ReadmeDiagnosticsTableHasARowPerRule()
    {
        string readme = File.ReadAllText(Path.Combine(Root, "README.md"));
        string[] rows = Regex.Matches(readme, @"^\| \[(KOPS\d{4})\]\(docs/diagnostics/\1\.md\) \| (\w+) \| (.+?) \|$", RegexOptions.Multiline)
            .Select(m => $"{m.Groups[1].Value}|{m.Groups[2].Value}|{m.Groups[3].Value}")
            .ToArray();
        Assert.That(rows, Is.EqualTo(Catalogue.Rules.Select(r => $"{r.Id}|{r.DefaultSeverity}|{r.Title}")));
    }
}
