using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using KernelOps.Analyzers.Tests.Infrastructure;
using static KernelOps.Analyzers.Tests.Infrastructure.DotNet;

namespace KernelOps.Analyzers.Tests;

/// <summary>
/// The NuGet package as a user gets it: pack src/Runtime into a temporary folder, then a fresh
/// project outside the repository (its own nuget.config with that folder added, its own empty
/// NUGET_PACKAGES so no stale copy can satisfy it) references KernelOps by PackageReference,
/// builds, runs a handler through its generated table on the kernel model, and fails to build with
/// the right id once an unsound handler is added.
/// </summary>
[NonParallelizable]
public class PackageTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private string _work = null!;
    private string _feed = null!;
    private string _version = null!;

    [OneTimeSetUp]
    public void Pack()
    {
        _work = Directory.CreateTempSubdirectory("kernelops-package-").FullName;
        _feed = Path.Combine(_work, "feed");
        // A version no cache can have seen.
        _version = $"0.1.0-test.{DateTime.UtcNow:yyyyMMddHHmmss}.{Environment.ProcessId}";
        (int exit, string output) = Run(RepositoryRoot(), null, Timeout,
            "pack", Path.Combine("src", "Runtime", "KernelOps.Runtime.csproj"), "-c", Configuration, "--no-build", "--nologo",
            "-o", _feed, $"-p:PackageVersion={_version}");
        Assert.That(exit, Is.Zero, output);
    }

    [OneTimeTearDown]
    public void Clean()
    {
        if (_work is not null && Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    [Test]
    public void PackageHoldsRuntimeAnalyzersAndMetadata()
    {
        string[] packages = Directory.GetFiles(_feed, "*.nupkg");
        Assert.That(packages.Select(Path.GetFileName), Is.EqualTo(new[] { $"KernelOps.{_version}.nupkg" }), "exactly one package");

        using ZipArchive zip = ZipFile.OpenRead(packages[0]);
        string[] files = zip.Entries.Select(e => e.FullName).Where(n => !n.StartsWith("_rels/") && !n.StartsWith("package/") && n != "[Content_Types].xml").Order(StringComparer.Ordinal).ToArray();
        Assert.That(files, Is.EqualTo(new[]
        {
            "KernelOps.nuspec",
            "README.md",
            "analyzers/dotnet/cs/KernelOps.Analyzers.dll",
            "analyzers/dotnet/cs/KernelOps.CodeFixes.dll",
            "analyzers/dotnet/cs/KernelOps.Generators.dll",
            "lib/net10.0/KernelOps.Runtime.dll",
            "lib/net10.0/KernelOps.Runtime.xml",
        }));

        using Stream nuspec = zip.GetEntry("KernelOps.nuspec")!.Open();
        XElement metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value;
        Assert.That(Value("id"), Is.EqualTo("KernelOps"));
        Assert.That(Value("license"), Is.EqualTo("MIT"));
        Assert.That(Value("readme"), Is.EqualTo("README.md"));
        // No dependency: the analyzers' Roslyn comes from the compiler that loads them.
        Assert.That(metadata.Descendants().Where(e => e.Name.LocalName == "dependency"), Is.Empty);
    }

    [Test]
    public void FreshConsumerBuildsRunsAndIsCheckedByTheAnalyzers()
    {
        string app = Path.Combine(_work, "consumer");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <!-- The normal sources still come from the user's NuGet config; this adds the fresh package. -->
                <add key="kernelops-local" value="{_feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(app, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="KernelOps" Version="{_version}" />
              </ItemGroup>
              <ItemGroup Condition="'$(Unsound)' != 'true'">
                <Compile Remove="Unsound.cs" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(app, "Program.cs"), """
            using System;
            using KernelOps;
            using KernelOps.Model;

            using var kernel = new Kernel();
            using ProcEntry entry = kernel.Proc.Create("fact", 0b100_100_100, null, Fact.Table);
            using UserProcess cat = kernel.CreateProcess("cat");
            Console.WriteLine("read: " + cat.ReadAllText("/proc/fact"));

            [ProcOps(Ops = ["proc_read"], NonSeekable = true)]
            internal static partial class Fact
            {
                [Read]
                private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position)
                {
                    ReadOnlySpan<byte> text = "printers were invented in 1440\n"u8;
                    if (position >= text.Length) return (nuint)0;
                    KResult<nuint> written = destination.WriteSome(text[(int)position..]);
                    if (written.TryGetValue(out nuint n)) position += (long)n;
                    return written;
                }
            }
            """);
        File.WriteAllText(Path.Combine(app, "Unsound.cs"), """
            using KernelOps;

            [ProcOps(NonSeekable = true)]
            internal partial class Instance
            {
                [Read]
                private KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) => (nuint)0;
            }
            """);

        var environment = new Dictionary<string, string>
        {
            ["NUGET_PACKAGES"] = Path.Combine(_work, "packages"), // isolated: only this run's restore lives here
        };

        (int exit, string output) = Run(app, environment, Timeout, "run", "-c", "Release", "--nologo", "-p:UseSharedCompilation=false");
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Contain("read: printers were invented in 1440"), output);
        Assert.That(Directory.Exists(Path.Combine(_work, "packages", "kernelops", _version)), Is.True, "restored from the fresh package");

        (exit, output) = Run(app, environment, Timeout, "build", "-c", "Release", "--nologo", "-v:q", "-p:Unsound=true", "-p:UseSharedCompilation=false");
        Assert.That(exit, Is.Not.Zero, output);
        Assert.That(DotNet.Diagnostics(output).Select(d => d.ToString()), Is.EqualTo(new[] { "Unsound.cs(7): error KOPS0002" }), output);
    }
}
