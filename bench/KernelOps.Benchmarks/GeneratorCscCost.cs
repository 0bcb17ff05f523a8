using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;
using KernelOps.Generators;

namespace KernelOps.Benchmarks;

/// <summary>
/// <c>generator --csc [N] [--rounds R] [--analyzer PATH]... [--together] [--keep]</c>: the generator as a user meets it,
/// in the installed SDK's own compiler (ReadyToRun, unlike the Roslyn NuGet copy the in-process
/// benchmark runs), one cold <c>dotnet csc.dll</c> process per compile, on the same N handler files.
/// Each round compiles, interleaved so machine noise hits them alike:
/// <list type="bullet">
/// <item><c>compiler alone</c>: the handler files, no analyzer: what the build costs without the generator;</item>
/// <item><c>with generator</c> (once per <c>--analyzer</c>, default the generator built next to this
/// benchmark): the same with <c>/analyzer:</c> and <c>/reportanalyzer</c>, whose per-generator time
/// is the generator's own cost (its binding, its JIT, the driver);</item>
/// <item><c>generated code, no generator</c>: the handler files plus the first generator's output
/// (<c>/generatedfilesout</c>) as ordinary sources: what compiling the generated code costs.</item>
/// </list>
/// With <c>--together</c>, the only compile is one with every <c>--analyzer</c> at once (give the
/// generator and a copy built under another assembly name, see docs/PERFORMANCE.md): the second
/// finds the handler types bound and the compiler warm, so its time is the generator's own work.
/// Reports medians of wall time, of the compiler's CPU time (user + system, from
/// <c>getrusage(RUSAGE_CHILDREN)</c>: steadier than wall time on a loaded machine) and of the generator
/// time /reportanalyzer prints. Paths come from the running .NET installation and the SDK that
/// <c>dotnet --version</c> selects in the current directory; what cannot be found is named.
/// </summary>
public static class GeneratorCscCost
{
    /// <param name="Generators">Simple names of the generator assemblies whose /reportanalyzer times are read.</param>
    /// <param name="AllowErrors">The compile may fail (two copies of the generator declare every table twice).</param>
    private sealed record Config(string Label, string ResponseFile, string[] Generators, bool AllowErrors = false);

    private sealed class Samples
    {
        public List<double> WallMs { get; } = new();
        public List<double> CpuMs { get; } = new();
        public Dictionary<string, List<double>> GeneratorMs { get; } = new();
    }

    public static int Run(string[] args)
    {
        bool together = args.Contains("--together");
        int count = GeneratorCost.HandlerCount(args, "--rounds", "--analyzer");
        int rounds = GeneratorCost.OptionValue(args, "--rounds") ?? 3;
        var analyzers = new List<string>();
        for (int i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == "--analyzer") analyzers.Add(Path.GetFullPath(args[++i]));
        }
        if (analyzers.Count == 0) analyzers.Add(typeof(OpsTableGenerator).Assembly.Location);

        Toolchain? tools = Toolchain.Find(analyzers, out string? problem);
        if (tools is null)
        {
            Console.Error.WriteLine($"generator --csc: {problem}");
            return 2;
        }

        string work = Path.Combine(Path.GetTempPath(), $"kernelops-generator-csc-{Environment.ProcessId}");
        Directory.CreateDirectory(work);
        try
        {
            return Measure(tools, analyzers, together, count, rounds, work);
        }
        finally
        {
            // --keep leaves the handler files and response files, e.g. to profile one compile by hand.
            if (args.Contains("--keep")) Console.WriteLine($"kept: {work} (*.rsp: dotnet {tools.Csc} /noconfig @FILE.rsp)");
            else Directory.Delete(work, recursive: true);
        }
    }

    private static int Measure(Toolchain tools, List<string> analyzers, bool together, int count, int rounds, string work)
    {
        string sources = Directory.CreateDirectory(Path.Combine(work, "src")).FullName;
        var files = new List<string>(count);
        for (int i = 0; i < count; i++)
        {
            string file = Path.Combine(sources, $"Handler{i}.cs");
            File.WriteAllText(file, GeneratorCost.Handler(i));
            files.Add(file);
        }

        var common = new List<string>
        {
            "/nologo", "/target:library", "/unsafe+", "/nullable:enable", "/langversion:latest", "/deterministic+", "/optimize+",
            $"/out:{Quote(Path.Combine(work, "out.dll"))}",
            $"/r:{Quote(tools.RuntimeAssembly)}",
        };
        common.AddRange(tools.References.Select(r => $"/r:{Quote(r)}"));

        string generatedDir = Directory.CreateDirectory(Path.Combine(work, "generated")).FullName; // csc does not create it
        string[] names = analyzers.Select(a => AssemblyName.GetAssemblyName(a).Name ?? Path.GetFileNameWithoutExtension(a)).ToArray();
        var configs = new List<Config> { new("compiler alone", WriteResponse(work, "alone", common.Concat(files.Select(Quote))), []) };
        if (together)
        {
            // Every generator in one compile, in the order given: the first pays for binding the
            // handler types and warming the compiler up; the next finds both done.
            var lines = common.Concat(files.Select(Quote)).Concat(analyzers.Select(a => $"/analyzer:{Quote(a)}")).Append("/reportanalyzer");
            configs.Add(new("generators together", WriteResponse(work, "together", lines), names, AllowErrors: true));
        }
        else
        {
            for (int a = 0; a < analyzers.Count; a++)
            {
                var lines = common.Concat(files.Select(Quote)).Append($"/analyzer:{Quote(analyzers[a])}").Append("/reportanalyzer").ToList();
                // The last analyzer's output is the one compiled as plain files (probes produce none).
                if (a == analyzers.Count - 1) lines.Add($"/generatedfilesout:{Quote(generatedDir)}");
                string label = analyzers.Count == 1 ? "with generator" : $"with generator {a + 1}";
                configs.Add(new(label, WriteResponse(work, $"generator{a}", lines), [names[a]]));
            }
        }

        Console.WriteLine($"# SDK compiler, cold process per compile, {count} handler types ({Environment.ProcessorCount} cores), {rounds} rounds");
        Console.WriteLine($"csc: {tools.Csc}");
        Console.WriteLine($"references: {tools.ReferenceDirectory} ({tools.References.Count} assemblies) and {tools.RuntimeAssembly}");
        for (int a = 0; a < analyzers.Count; a++) Console.WriteLine($"generator {a + 1}: {analyzers[a]}");
        string sdkRoslyn = Path.Combine(Path.GetDirectoryName(tools.Csc)!, "Microsoft.CodeAnalysis.CSharp.dll");
        string nugetRoslyn = typeof(Microsoft.CodeAnalysis.CSharp.CSharpCompilation).Assembly.Location;
        Console.WriteLine($"ReadyToRun: {ReadyToRun(sdkRoslyn)} for {sdkRoslyn}; {ReadyToRun(nugetRoslyn)} for the in-process benchmark's {nugetRoslyn}");

        var samples = new Dictionary<Config, Samples>();
        Config? pregenerated = null;
        for (int round = 0; round < rounds; round++)
        {
            foreach (Config config in configs)
            {
                if (!Compile(tools, config, out double wall, out double cpu, out Dictionary<string, double> generators, out string output))
                {
                    Console.Error.WriteLine($"generator --csc: '{config.Label}' failed (exit code or no /reportanalyzer line); first lines:");
                    Console.Error.WriteLine(string.Join("\n", output.Split('\n').Take(30)));
                    return 1;
                }
                if (!samples.TryGetValue(config, out Samples? s)) samples[config] = s = new Samples();
                s.WallMs.Add(wall);
                s.CpuMs.Add(cpu);
                foreach (KeyValuePair<string, double> g in generators)
                {
                    if (!s.GeneratorMs.TryGetValue(g.Key, out List<double>? times)) s.GeneratorMs[g.Key] = times = new List<double>();
                    times.Add(g.Value);
                }
                string reported = string.Join(" + ", config.Generators.Select(n => $"{generators[n],6:0}"));
                Console.WriteLine($"round {round + 1}: {config.Label,-30} wall {wall,7:0} ms  cpu {cpu,7:0} ms{(reported.Length > 0 ? $"  generator {reported} ms" : "")}");
            }

            if (!together && pregenerated is null)
            {
                string[] generated = Directory.Exists(generatedDir) ? Directory.GetFiles(generatedDir, "*.cs", SearchOption.AllDirectories) : [];
                if (generated.Length != count)
                {
                    Console.Error.WriteLine($"generator --csc: expected {count} generated files under {generatedDir}, found {generated.Length}");
                    return 1;
                }
                // The generated files, compiled as ordinary sources from the next round on.
                pregenerated = new("generated code, no generator", WriteResponse(work, "pregenerated", common.Concat(files.Concat(generated).Select(Quote))), []);
                configs.Add(pregenerated);
            }
        }

        Console.WriteLine();
        Console.WriteLine($"{"median",-30} {"wall ms",8} {"cpu ms",8} {"generator ms",13}");
        foreach (Config config in configs)
        {
            // The precompiled-output compile starts in round 2: with --rounds 1 it has no sample.
            if (!samples.TryGetValue(config, out Samples? s)) continue;
            string generator = config.Generators.Length > 0 ? string.Join(" + ", config.Generators.Select(n => $"{Median(s.GeneratorMs[n]):0}")) : "-";
            Console.WriteLine($"{config.Label,-30} {Median(s.WallMs),8:0} {Median(s.CpuMs),8:0} {generator,13}");
        }
        Console.WriteLine(together
            ? "(generator ms: /reportanalyzer's time for each generator assembly, in --analyzer order; the compile itself fails: every table is declared twice)"
            : "(generator ms is /reportanalyzer's time for the compile's generator; 'generated code, no generator' compiles the last one's output and has one round fewer)");
        return 0;
    }

    private static bool Compile(Toolchain tools, Config config, out double wallMs, out double cpuMs, out Dictionary<string, double> generatorMs, out string output)
    {
        var start = new ProcessStartInfo(tools.Dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(tools.Csc);
        start.ArgumentList.Add("/noconfig"); // only honoured on the command line, not in a response file
        start.ArgumentList.Add("@" + config.ResponseFile);

        double cpuBefore = ChildrenCpuMs();
        var sw = Stopwatch.StartNew();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {tools.Dotnet}");
        var stdout = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (stdout) stdout.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        wallMs = sw.Elapsed.TotalMilliseconds;
        cpuMs = ChildrenCpuMs() - cpuBefore;
        output = stdout + stderr;

        // /reportanalyzer: "   2.194   86   KernelOps.Generators, Version=1.0.0.0, ..." per generator assembly.
        generatorMs = new Dictionary<string, double>();
        foreach (Match m in Regex.Matches(output, @"^\s*([0-9]+(?:\.[0-9]+)?)\s+[0-9<]+\s+([^\s,]+), Version=", RegexOptions.Multiline))
        {
            generatorMs[m.Groups[2].Value] = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) * 1000;
        }
        Dictionary<string, double> reported = generatorMs;
        return (process.ExitCode == 0 || config.AllowErrors) && config.Generators.All(reported.ContainsKey);
    }

    /// <summary>"yes" when the assembly carries precompiled code (a ManagedNativeHeader in its CLI header).</summary>
    private static string ReadyToRun(string assembly)
    {
        if (!File.Exists(assembly)) return "not found";
        using FileStream stream = File.OpenRead(assembly);
        using var reader = new System.Reflection.PortableExecutable.PEReader(stream);
        return reader.PEHeaders.CorHeader is { ManagedNativeHeaderDirectory.Size: > 0 } ? "yes" : "no (IL only)";
    }

    private static string WriteResponse(string work, string name, IEnumerable<string> lines)
    {
        string path = Path.Combine(work, name + ".rsp");
        File.WriteAllLines(path, lines);
        return path;
    }

    private static string Quote(string path) => path.Contains(' ') ? $"\"{path}\"" : path;

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(v => v).ToList();
        return sorted.Count == 0 ? double.NaN : sorted[sorted.Count / 2];
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timeval
    {
        public long Seconds;
        public long Microseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct Rusage
    {
        public Timeval User;
        public Timeval System;
        public fixed long Rest[14];
    }

    [DllImport("libc", EntryPoint = "getrusage")]
    private static extern int GetRusage(int who, out Rusage usage);

    /// <summary>User + system CPU of every child this process has waited for (RUSAGE_CHILDREN).</summary>
    private static double ChildrenCpuMs()
    {
        const int RusageChildren = -1;
        if (GetRusage(RusageChildren, out Rusage usage) != 0) return double.NaN;
        return (usage.User.Seconds + usage.System.Seconds) * 1000.0 + (usage.User.Microseconds + usage.System.Microseconds) / 1000.0;
    }

    /// <summary>The installed SDK's compiler and the references a net10.0 library compiles against.</summary>
    private sealed record Toolchain(string Dotnet, string Csc, string ReferenceDirectory, List<string> References, string RuntimeAssembly)
    {
        public static Toolchain? Find(List<string> analyzers, out string? problem)
        {
            // .../shared/Microsoft.NETCore.App/<version>/ -> the installation root holding dotnet, sdk/ and packs/.
            string runtimeDir = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd(Path.DirectorySeparatorChar);
            string? root = Directory.GetParent(runtimeDir)?.Parent?.Parent?.FullName;
            string? dotnet = root is null ? null : Path.Combine(root, "dotnet");
            if (dotnet is null || !File.Exists(dotnet))
            {
                problem = $"no dotnet host found three levels above the runtime directory {runtimeDir}";
                return null;
            }

            string? sdkVersion = SdkVersion(dotnet);
            if (sdkVersion is null)
            {
                problem = $"'{dotnet} --version' did not name an SDK (is one installed, and does global.json allow it?)";
                return null;
            }
            string csc = Path.Combine(root!, "sdk", sdkVersion, "Roslyn", "bincore", "csc.dll");
            if (!File.Exists(csc))
            {
                problem = $"the SDK {sdkVersion} has no compiler at {csc}";
                return null;
            }

            string tfm = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
            string packs = Path.Combine(root!, "packs", "Microsoft.NETCore.App.Ref");
            string? refDir = Directory.Exists(packs)
                ? Directory.GetDirectories(packs)
                    .Select(d => Path.Combine(d, "ref", tfm))
                    .Where(Directory.Exists)
                    .OrderByDescending(d => d == Path.Combine(packs, Environment.Version.ToString(), "ref", tfm))
                    .ThenByDescending(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(d))), out Version? v) ? v : new Version())
                    .FirstOrDefault()
                : null;
            if (refDir is null)
            {
                problem = $"no reference pack for {tfm} under {packs}";
                return null;
            }

            string runtime = typeof(KResult).Assembly.Location;
            if (!File.Exists(runtime))
            {
                problem = $"KernelOps.Runtime.dll not found at '{runtime}'";
                return null;
            }
            if (analyzers.FirstOrDefault(a => !File.Exists(a)) is { } missing)
            {
                problem = $"generator assembly not found: {missing}";
                return null;
            }

            problem = null;
            return new Toolchain(dotnet, csc, refDir, Directory.GetFiles(refDir, "*.dll").OrderBy(f => f, StringComparer.Ordinal).ToList(), runtime);
        }

        private static string? SdkVersion(string dotnet)
        {
            try
            {
                var start = new ProcessStartInfo(dotnet, "--version") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                using Process process = Process.Start(start)!;
                string version = process.StandardOutput.ReadToEnd().Trim();
                process.StandardError.ReadToEnd();
                process.WaitForExit();
                return process.ExitCode == 0 && version.Length > 0 ? version : null;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return null;
            }
        }
    }
}
