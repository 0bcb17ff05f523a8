using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace KernelOps.Analyzers.Tests.Infrastructure;

/// <summary>Runs the dotnet CLI as a user would, and reads MSBuild's diagnostics out of its output.</summary>
internal static partial class DotNet
{
#if DEBUG
    public const string Configuration = "Debug";
#else
    public const string Configuration = "Release";
#endif

    /// <summary>The repository root, found from this file's own path (CallerFilePath at this declaration, not the caller's).</summary>
    public static string RepositoryRoot() => Root.Value;

    private static readonly Lazy<string> Root = new(() => FindRoot());

    private static string FindRoot([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", ".."));

    /// <summary>Runs <c>dotnet args</c> in <paramref name="workingDirectory"/>; returns exit code and combined output.</summary>
    public static (int ExitCode, string Output) Run(string workingDirectory, IDictionary<string, string>? environment, TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // The test host's own MSBuild settings must not leak into the child build.
        foreach (string name in new[] { "MSBuildExtensionsPath", "MSBuildSDKsPath", "MSBUILD_EXE_PATH", "DOTNET_HOST_PATH" })
        {
            start.Environment.Remove(name);
        }
        if (environment is not null)
        {
            foreach (KeyValuePair<string, string> pair in environment) start.Environment[pair.Key] = pair.Value;
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit((int)timeout.TotalMilliseconds))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"dotnet {string.Join(' ', args)} timed out after {timeout}:\n{output}");
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }

    /// <summary>One diagnostic line of MSBuild output, with the file reduced to its name.</summary>
    public readonly record struct BuildDiagnostic(string File, int Line, string Severity, string Id)
    {
        public override string ToString() => $"{File}({Line}): {Severity} {Id}";
    }

    [GeneratedRegex(@"^\s*(?<path>[^\s(][^(]*)\((?<line>\d+),\d+\): (?<severity>error|warning) (?<id>[A-Z]+\d+):", RegexOptions.Multiline)]
    private static partial Regex DiagnosticLine();

    /// <summary>Every distinct diagnostic in the output (MSBuild repeats them in its summary).</summary>
    public static HashSet<BuildDiagnostic> Diagnostics(string output) =>
        DiagnosticLine().Matches(output)
            .Select(m => new BuildDiagnostic(Path.GetFileName(m.Groups["path"].Value.Trim()), int.Parse(m.Groups["line"].Value), m.Groups["severity"].Value, m.Groups["id"].Value))
            .ToHashSet();

    [GeneratedRegex(@"// expect: (?<severity>error|warning) (?<id>(?:KOPS|CS)\d{4})")]
    private static partial Regex ExpectMarker();

    /// <summary>
    /// The <c>// expect: severity id</c> markers of the .cs files in <paramref name="directory"/>
    /// (KernelOps rules, and the compiler errors a sample is about).
    /// </summary>
    public static HashSet<BuildDiagnostic> ExpectedMarkers(string directory) =>
        Directory.EnumerateFiles(directory, "*.cs")
            .SelectMany(file => File.ReadAllLines(file).SelectMany((text, i) => ExpectMarker().Matches(text)
                .Select(m => new BuildDiagnostic(Path.GetFileName(file), i + 1, m.Groups["severity"].Value, m.Groups["id"].Value))))
            .ToHashSet();
}
