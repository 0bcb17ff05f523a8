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
/// proc_ops with four slots, half file_operations with five). Prints the cold run (first in the
/// process: JIT of Roslyn and the generator included, and the binding the generator asks for), the
/// median of warm runs on fresh compilations, and an incremental run after an unrelated edit.
/// </summary>
public static class GeneratorCost
{
    public static int Run(string[] args)
    {
        int count = args.Length > 0 && int.TryParse(args[0], out int n) ? n : 1000;
        int warmRuns = 5;
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

        GeneratorDriver NewDriver() => CSharpGeneratorDriver.Create([new OpsTableGenerator().AsSourceGenerator()], parseOptions: parse);

        var sw = Stopwatch.StartNew();
        CSharpCompilation first = Create();
        double parseMs = sw.Elapsed.TotalMilliseconds;

        sw.Restart();
        GeneratorDriver driver = NewDriver().RunGenerators(first);
        double coldMs = sw.Elapsed.TotalMilliseconds;
        int outputs = driver.GetRunResult().GeneratedTrees.Length;
        if (outputs != count) throw new InvalidOperationException($"expected {count} generated files, got {outputs}");

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
        Console.WriteLine($"# generator on {count} handler types ({Environment.ProcessorCount} cores)");
        Console.WriteLine($"parse + create compilation: {parseMs:0} ms (not generator time)");
        Console.WriteLine($"cold run (first in process, JIT included): {coldMs:0} ms");
        Console.WriteLine($"warm runs on fresh compilations: median {warm[warm.Count / 2]:0} ms (min {warm[0]:0}, max {warm[^1]:0})");
        Console.WriteLine($"incremental run after an unrelated edit: {incrementalMs:0} ms");
        return 0;
    }

    private static string Handler(int i) => (i % 2) switch
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
