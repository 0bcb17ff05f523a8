using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using KernelOps.Generators;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace KernelOps.Benchmarks;

/// <summary>
/// Issue 7, part 3: the OpsTableGenerator on N handler types (default 1,000; one file each, half
/// proc_ops with four slots, half file_operations with five), in this process, on the Roslyn NuGet
/// copy the benchmark references (IL only: its JIT is part of every "cold" figure here).
/// <list type="bullet">
/// <item><c>generator [N]</c>: the cold run (first in the process: JIT of Roslyn and the generator,
/// and the binding the generator asks for), the median of warm runs on fresh compilations, and an
/// incremental run after an unrelated edit.</item>
/// <item><c>generator --split [N]</c>: a fresh process that first lets the compiler bind every
/// declaration of one compilation (what any build pays, generator or not: JIT of the binder and
/// the binding), then runs the generator on a second, fresh compilation of the same sources: the
/// generator's own cold cost (its binding, the driver, its JIT), without the compiler's warm-up.</item>
/// <item><c>generator --csc [N]</c>: the SDK's own compiler in fresh processes (<see cref="GeneratorCscCost"/>).</item>
/// </list>
/// <c>--probes</c> adds, after the warm runs, R interleaved rounds of <see cref="GeneratorProbes"/> and the
/// generator on fresh compilations (warm), splitting a run into the driver and attribute lookup, the
/// binding of the handler types' members, and the generator's own work.
/// <c>--warm R</c> sets the number of warm runs (default 5; raise it to profile the warm path).
/// </summary>
public static class GeneratorCost
{
    public static int Run(string[] args)
    {
        if (args.Contains("--csc")) return GeneratorCscCost.Run(args.Where(a => a != "--csc").ToArray());

        bool split = args.Contains("--split");
        bool probes = args.Contains("--probes");
        int warmRuns = OptionValue(args, "--warm") ?? 5;
        int count = HandlerCount(args, "--warm");

        var parse = new CSharpParseOptions(LanguageVersion.Latest);
        MetadataReference[] references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator)
            .Where(p => p.Length > 0 && !Path.GetFileName(p).StartsWith("KernelOps.Generators", StringComparison.Ordinal))
            .Select(p => (MetadataReference)MetadataReference.CreateFromFile(p))
            .ToArray();

        CSharpCompilation Create() => CSharpCompilation.Create(
            "GeneratorCost",
            Enumerable.Range(0, count).Select(i => CSharpSyntaxTree.ParseText(Handler(i), parse, path: $"Handler{i}.cs")),
            references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));

        GeneratorDriver NewDriver(IIncrementalGenerator? generator = null) =>
            CSharpGeneratorDriver.Create([(generator ?? new OpsTableGenerator()).AsSourceGenerator()], parseOptions: parse);

        Console.WriteLine($"# generator on {count} handler types ({Environment.ProcessorCount} cores){(split ? ", split" : "")}");
        var sw = Stopwatch.StartNew();
        CSharpCompilation first = Create();
        Console.WriteLine($"parse + create compilation: {sw.Elapsed.TotalMilliseconds:0} ms (not generator time)");

        if (split)
        {
            // The compiler's own declaration pass (what csc does after generators have run, on the
            // compilation with their output): JIT of the binder, attribute and signature binding.
            sw.Restart();
            int errors = first.GetDeclarationDiagnostics().Count(d => d.Severity == DiagnosticSeverity.Error);
            Console.WriteLine($"compiler: declaration binding, cold (JIT included; no generator): {sw.Elapsed.TotalMilliseconds:0} ms ({errors} errors)");
            first = Create();
        }

        TimeSpan cpu = Process.GetCurrentProcess().TotalProcessorTime;
        sw.Restart();
        GeneratorDriver driver = NewDriver().RunGenerators(first);
        double coldMs = sw.Elapsed.TotalMilliseconds;
        double coldCpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalMilliseconds;
        int outputs = driver.GetRunResult().GeneratedTrees.Length;
        if (outputs != count) throw new InvalidOperationException($"expected {count} generated files, got {outputs}");
        Console.WriteLine(split
            ? $"generator, first run after the compiler's (its own binding, driver and JIT): {coldMs:0} ms (process CPU {coldCpuMs:0} ms)"
            : $"cold run (first in process, JIT included): {coldMs:0} ms (process CPU {coldCpuMs:0} ms)");

        var warm = new List<double>();
        for (int r = 0; r < warmRuns; r++)
        {
            CSharpCompilation fresh = Create();
            sw.Restart();
            NewDriver().RunGenerators(fresh);
            warm.Add(sw.Elapsed.TotalMilliseconds);
        }

        CSharpCompilation edited = first.AddSyntaxTrees(CSharpSyntaxTree.ParseText("namespace Other { class Unrelated { int X => 1; } }", parse));
        sw.Restart();
        driver.RunGenerators(edited);
        double incrementalMs = sw.Elapsed.TotalMilliseconds;

        warm.Sort();
        if (warm.Count > 0)
        {
            Console.WriteLine($"warm runs on fresh compilations: median {warm[warm.Count / 2]:0} ms (min {warm[0]:0}, max {warm[^1]:0}, {warm.Count} runs)");
        }
        Console.WriteLine($"incremental run after an unrelated edit: {incrementalMs:0} ms");

        if (probes) RunProbes(Create, NewDriver, Math.Max(warmRuns, 1));
        return 0;
    }

    private static void RunProbes(Func<CSharpCompilation> create, Func<IIncrementalGenerator?, GeneratorDriver> newDriver, int rounds)
    {
        var steps = new (string Label, Func<IIncrementalGenerator> Generator)[]
        {
            ("driver + ForAttributeWithMetadataName (types and their attributes bound)", () => new GeneratorProbes.AttributesOnly()),
            ("+ binding the types' members, their attributes and signatures", () => new GeneratorProbes.WithMemberBinding()),
            ("OpsTableGenerator (+ slot matching, model, emission)", () => new OpsTableGenerator()),
        };
        var times = steps.Select(_ => new List<double>()).ToArray();
        var sw = new Stopwatch();
        for (int round = -1; round < rounds; round++) // round -1 warms each probe up and is not counted
        {
            for (int i = 0; i < steps.Length; i++)
            {
                CSharpCompilation fresh = create();
                sw.Restart();
                newDriver(steps[i].Generator()).RunGenerators(fresh);
                if (round >= 0) times[i].Add(sw.Elapsed.TotalMilliseconds);
            }
        }
        Console.WriteLine($"warm split, median of {rounds} interleaved rounds on fresh compilations:");
        for (int i = 0; i < steps.Length; i++)
        {
            times[i].Sort();
            Console.WriteLine($"  {steps[i].Label}: {times[i][times[i].Count / 2]:0} ms");
        }
    }

    /// <summary>The first integer argument that is not an option's value (default 1,000).</summary>
    internal static int HandlerCount(string[] args, params string[] valueOptions)
    {
        for (int i = 0; i < args.Length; i++)
        {
            if (valueOptions.Contains(args[i])) i++;
            else if (int.TryParse(args[i], out int n)) return n;
        }
        return 1000;
    }

    /// <summary>The integer after <paramref name="name"/> in <paramref name="args"/>, if any.</summary>
    internal static int? OptionValue(string[] args, string name)
    {
        int at = Array.IndexOf(args, name);
        return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], out int value) ? value : null;
    }

    /// <summary>Handler type <paramref name="i"/>: even ones proc_ops with four slots, odd ones file_operations with five.</summary>
    internal static string Handler(int i) => (i % 2) switch
    {
        0 => $$"""
            using KernelOps;
            namespace Gen{{i % 50}};
            [ProcOps]
            internal static partial class Proc{{i}}
            {
                [Open] static KResult Open(Inode inode, FileRef file) => KResult.Ok;
                [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
                [Write] static KResult<nuint> Write(FileRef file, UserSliceReader src, ref long pos) => (nuint)0;
                [Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) => 0L;
            }
            """,
        _ => $$"""
            using KernelOps;
            namespace Gen{{i % 50}};
            [FileOperations]
            internal static partial class Fops{{i}}
            {
                [Open] static KResult Open(Inode inode, FileRef file) => KResult.Ok;
                [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
                [Write] static KResult<nuint> Write(FileRef file, UserSliceReader src, ref long pos) => (nuint)0;
                [Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) => 0L;
                [Release] static KResult Release(Inode inode, FileRef file) => KResult.Ok;
            }
            """,
    };
}
