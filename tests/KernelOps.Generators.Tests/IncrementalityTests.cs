using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Reflection;
using System.Runtime.CompilerServices;
using System;
using KernelOps.Generators.Tests.Infrastructure;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KernelOps.Generators.Tests;

/// <summary>Edits that do not change a handler declaration leave every tracked step cached and the output identical.</summary>
public class IncrementalityTests
{
    private const string Handler = Sources.Usings + $$"""
        namespace Samples;

        [ProcOps(Flags = ProcOpsFlags.Permanent)]
        internal static partial class RamFile
        {
            {{Sources.Open}}
            [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
            {{Sources.Lseek}}
        }
        """;

    private static readonly string[] TrackingNames = typeof(OpsTableGenerator).Assembly
        .GetType("KernelOps.Generators.TrackingNames")!
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral)
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToArray();

    [Test]
    public void UnrelatedSyntaxTreeKeepsEveryStepCached()
    {
        CSharpCompilation first = TestCompilation.Create(Handler);
        CSharpCompilation second = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other { class Unrelated { int X => 1; } }", TestCompilation.ParseOptions));
        AssertCachedAndIdentical(first, second);
    }

    [Test]
    public void EditingAHandlerBodyKeepsEveryStepCached()
    {
        CSharpCompilation first = TestCompilation.Create(Handler);
        SyntaxTree tree = first.SyntaxTrees.Single();
        string edited = Handler.Replace("=> (nuint)0;", "{ pos += 1; return (nuint)1; }");
        Assert.That(edited, Is.Not.EqualTo(Handler));
        CSharpCompilation second = first.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, TestCompilation.ParseOptions, tree.FilePath));
        AssertCachedAndIdentical(first, second);
    }

    [Test]
    public void AddingAHandlerIsSeenAsAChange()
    {
        // The positive control: the same assertions would fail if the model did not carry the slots.
        CSharpCompilation first = TestCompilation.Create(Handler);
        SyntaxTree tree = first.SyntaxTrees.Single();
        string edited = Handler.Replace(Sources.Lseek, Sources.Lseek + "\n    " + Sources.Release);
        CSharpCompilation second = first.ReplaceSyntaxTree(tree, CSharpSyntaxTree.ParseText(edited, TestCompilation.ParseOptions, tree.FilePath));

        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(first);
        string before = driver.GetRunResult().GeneratedTrees.Single().ToString();
        GeneratorRunResult run = driver.RunGenerators(second).GetRunResult().Results.Single();

        IncrementalStepRunReason[] reasons = run.TrackedSteps[nameof(Generators.TrackingNames.ValidHandlerTypes)]
            .SelectMany(step => step.Outputs).Select(o => o.Reason).ToArray();
        Assert.That(reasons, Does.Contain(IncrementalStepRunReason.Modified));
        Assert.That(run.GeneratedSources.Single().SourceText.ToString(), Is.Not.EqualTo(before).And.Contains("proc_release"));
    }

    private static void AssertCachedAndIdentical(Compilation first, Compilation second)
    {
        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(first);
        GeneratorRunResult firstRun = driver.GetRunResult().Results.Single();
        GeneratorRunResult secondRun = driver.RunGenerators(second).GetRunResult().Results.Single();

        Assert.That(TrackingNames, Is.Not.Empty);
        foreach (string name in TrackingNames)
        {
            // A handler without generator-reported problems has no ReportedProblems step output at all.
            if (name == nameof(Generators.TrackingNames.ReportedProblems) && firstRun.Diagnostics.IsEmpty && !secondRun.TrackedSteps.ContainsKey(name)) continue;
            Assert.That(secondRun.TrackedSteps.ContainsKey(name), Is.True, $"step {name} was not tracked");
            ImmutableArray<IncrementalGeneratorRunStep> steps = secondRun.TrackedSteps[name];
            var reasons = steps.SelectMany(s => s.Outputs).Select(o => o.Reason).ToList();
            Assert.That(reasons, Is.Not.Empty, $"step {name} produced nothing");
            Assert.That(reasons, Is.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged), $"step {name}");
        }

        // The models are plain values: nothing a later compilation could keep alive through them.
        foreach (IncrementalGeneratorRunStep step in TrackingNames.Where(secondRun.TrackedSteps.ContainsKey).SelectMany(name => secondRun.TrackedSteps[name]))
        {
            foreach ((object value, IncrementalStepRunReason _) in step.Outputs)
            {
                AssertNoRoslynObjects(value, step.Name ?? "?");
            }
        }

        Assert.That(OutputReasons(secondRun), Is.Not.Empty.And.All.EqualTo(IncrementalStepRunReason.Cached), "every output is cached");

        Assert.That(secondRun.GeneratedSources.Select(s => s.SourceText.ToString()),
            Is.EqualTo(firstRun.GeneratedSources.Select(s => s.SourceText.ToString())));
        Assert.That(secondRun.GeneratedSources, Has.Length.EqualTo(1));
    }

    [Test]
    public void AReportedProblemStaysCachedAcrossUnrelatedEdits()
    {
        // KOPS0008, which the generator reports: cached like the models, and reported again each run.
        string withAsync = Handler.Replace(Sources.Lseek, Sources.Lseek + "\n    [Release] static async System.Threading.Tasks.Task<KResult> Release(Inode inode, FileRef file) { await System.Threading.Tasks.Task.Yield(); return KResult.Ok; }");
        CSharpCompilation first = TestCompilation.Create(withAsync);
        CSharpCompilation second = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other { class Unrelated { } }", TestCompilation.ParseOptions));

        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(first);
        Assert.That(driver.GetRunResult().Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "KOPS0008" }));
        GeneratorRunResult run = driver.RunGenerators(second).GetRunResult().Results.Single();

        Assert.That(run.Diagnostics.Select(d => d.Id), Is.EqualTo(new[] { "KOPS0008" }));
        IncrementalStepRunReason[] reasons = run.TrackedSteps[nameof(Generators.TrackingNames.ReportedProblems)]
            .SelectMany(step => step.Outputs).Select(o => o.Reason).ToArray();
        Assert.That(reasons, Is.Not.Empty.And.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged));
        foreach (IncrementalGeneratorRunStep step in run.TrackedSteps[nameof(Generators.TrackingNames.ReportedProblems)])
        {
            foreach ((object value, IncrementalStepRunReason _) in step.Outputs) AssertNoRoslynObjects(value, step.Name ?? "?");
        }
    }

    private static string OtherHandler(string name, string extra = "") => Sources.Usings + $$"""
        namespace Samples;

        [FileOperations]
        internal static partial class {{name}}
        {
            {{Sources.Open}}
            {{Sources.Read}}
            {{Sources.Lseek}}
            {{extra}}
        }
        """;

    /// <summary>The reasons of the source-output step, one per generated file.</summary>
    private static IncrementalStepRunReason[] OutputReasons(GeneratorRunResult run) =>
        run.TrackedOutputSteps.SelectMany(kv => kv.Value).SelectMany(step => step.Outputs).Select(o => o.Reason).ToArray();

    private static CSharpCompilation ThreeHandlers() =>
        TestCompilation.Create(new[] { Handler, OtherHandler("First"), OtherHandler("Second") });

    [Test]
    public void AddingAHandlerTypeAddsOneOutputAndLeavesTheOthersCached()
    {
        CSharpCompilation first = ThreeHandlers();
        CSharpCompilation second = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText(OtherHandler("Third"), TestCompilation.ParseOptions, "Input3.cs"));

        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(first);
        GeneratorRunResult firstRun = driver.GetRunResult().Results.Single();
        GeneratorRunResult run = driver.RunGenerators(second).GetRunResult().Results.Single();

        Assert.That(firstRun.GeneratedSources, Has.Length.EqualTo(3));
        Assert.That(run.GeneratedSources, Has.Length.EqualTo(4));
        IncrementalStepRunReason[] reasons = OutputReasons(run);
        Assert.That(reasons.Count(r => r == IncrementalStepRunReason.New), Is.EqualTo(1), "one new output");
        Assert.That(reasons.Count(r => r == IncrementalStepRunReason.Cached), Is.EqualTo(3), "the other three cached");
        // Discovery ran only for the new type: the transform's outputs for the old ones are cached.
        IncrementalStepRunReason[] discovered = run.TrackedSteps[nameof(Generators.TrackingNames.HandlerTypes)]
            .SelectMany(step => step.Outputs).Select(o => o.Reason).ToArray();
        Assert.That(discovered.Count(r => r == IncrementalStepRunReason.New), Is.EqualTo(1));
        Assert.That(discovered.Where(r => r != IncrementalStepRunReason.New), Is.All.AnyOf(IncrementalStepRunReason.Cached, IncrementalStepRunReason.Unchanged));
    }

    [Test]
    public void EditingOneHandlerReEmitsOnlyThatOne()
    {
        CSharpCompilation first = ThreeHandlers();
        SyntaxTree tree = first.SyntaxTrees.Single(t => t.ToString().Contains("class Second"));
        CSharpCompilation second = first.ReplaceSyntaxTree(tree,
            CSharpSyntaxTree.ParseText(OtherHandler("Second", Sources.Release), TestCompilation.ParseOptions, tree.FilePath));

        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(first);
        var before = driver.GetRunResult().Results.Single().GeneratedSources.ToDictionary(s => s.HintName, s => s.SourceText.ToString());
        GeneratorRunResult run = driver.RunGenerators(second).GetRunResult().Results.Single();

        IncrementalStepRunReason[] reasons = OutputReasons(run);
        Assert.That(reasons.Count(r => r == IncrementalStepRunReason.Modified), Is.EqualTo(1), "one output re-emitted");
        Assert.That(reasons.Count(r => r == IncrementalStepRunReason.Cached), Is.EqualTo(2), "the other two cached");
        string[] changed = run.GeneratedSources.Where(s => before[s.HintName] != s.SourceText.ToString()).Select(s => s.HintName).ToArray();
        Assert.That(changed, Has.Length.EqualTo(1));
        Assert.That(changed[0], Does.Contain("Second"));
    }

    /// <summary>
    /// Nothing of the generator (static caches such as KindCatalog's per-compilation catalogue,
    /// models, emitted text) keeps a compilation alive once a new compilation has been generated for.
    /// The driver is dropped before collecting: Roslyn's GeneratorDriver was seen to keep its earlier
    /// compilations reachable while the driver itself lives (docs/PERFORMANCE.md), which is the
    /// host's business, not the generator's.
    /// </summary>
    [Test]
    public void ANewCompilationDoesNotKeepTheOldOneAlive()
    {
        WeakReference old = RunOnAFirstThenASecondCompilation();
        for (int i = 0; i < 5 && old.IsAlive; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
        Assert.That(old.IsAlive, Is.False, "something outside the driver still references the first compilation");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static WeakReference RunOnAFirstThenASecondCompilation()
    {
        CSharpCompilation first = ThreeHandlers();
        GeneratorDriver driver = TestCompilation.CreateDriver(trackSteps: true).RunGenerators(first);
        Assert.That(driver.GetRunResult().GeneratedTrees, Has.Length.EqualTo(3));
        var second = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText("class Unrelated { }", TestCompilation.ParseOptions));
        driver = driver.RunGenerators(second);
        Assert.That(driver.GetRunResult().GeneratedTrees, Has.Length.EqualTo(3));
        return new WeakReference(first);
    }

    private static void AssertNoRoslynObjects(object? value, string step, int depth = 0)
    {
        if (value is null || depth > 6 || value is string || value.GetType().IsPrimitive) return;
        Assert.That(value, Is.Not.InstanceOf<ISymbol>().And.Not.InstanceOf<SyntaxNode>().And.Not.InstanceOf<Location>().And.Not.InstanceOf<Compilation>(),
            $"step {step} holds a {value.GetType()}");
        if (value is System.Collections.IEnumerable sequence)
        {
            foreach (object? item in sequence) AssertNoRoslynObjects(item, step, depth + 1);
            return;
        }
        foreach (PropertyInfo property in value.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.GetIndexParameters().Length == 0))
        {
            AssertNoRoslynObjects(property.GetValue(value), step, depth + 1);
        }
    }
}
