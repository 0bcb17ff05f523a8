using System;
using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests.Packaging;

/// <summary>
/// The kernelops tool as a user gets it: src/Tool packed as a .NET tool into a folder, installed
/// from that folder with <c>dotnet tool install --add-source</c> (into a tool path, with its own
/// empty NUGET_PACKAGES), and run; then a driver written outside the repository against the packed
/// KernelOps package, built, and served by the installed tool to <c>cat</c>.
/// </summary>
[NonParallelizable]
public class ToolPackageTests
{
    private static readonly TimeSpan Slow = TimeSpan.FromMinutes(4);
    private string _work = null!;
    private string _feed = null!;
    private string _version = null!;
    private string _tool = null!;
    private Dictionary<string, string> _environment = null!;

    [OneTimeSetUp]
    public void PackAndInstall()
    {
        _work = Machine.TempDirectory("tool-package");
        _feed = Path.Combine(_work, "feed");
        _version = Repository.FreshVersion();
        _environment = new() { ["NUGET_PACKAGES"] = Path.Combine(_work, "packages"), ["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1", ["DOTNET_NOLOGO"] = "1" };
        foreach (string project in (string[])["src/Tool/KernelOps.Tool.csproj", "src/Runtime/KernelOps.Runtime.csproj"])
        {
            Machine.Run("dotnet", ["pack", Path.Combine(Repository.Root, project), "-c", Repository.Configuration, "--no-build", "--nologo",
                "-o", _feed, $"-p:PackageVersion={_version}"], timeout: Slow, environment: _environment);
        }
        string tools = Path.Combine(_work, "tools");
        Machine.Run("dotnet", ["tool", "install", "KernelOps.Tool", "--tool-path", tools, "--add-source", _feed, "--version", _version],
            timeout: Slow, environment: _environment);
        _tool = Path.Combine(tools, "kernelops");
    }

    [OneTimeTearDown]
    public void Clean()
    {
        if (_work is not null && Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    [Test]
    public void The_package_is_a_dotnet_tool_named_kernelops_with_the_host_inside()
    {
        using ZipArchive zip = ZipFile.OpenRead(Path.Combine(_feed, $"KernelOps.Tool.{_version}.nupkg"));
        string[] files = zip.Entries.Select(e => e.FullName).ToArray();
        using (Assert.EnterMultipleScope())
        {
            Assert.That(files, Does.Contain("tools/net10.0/any/DotnetToolSettings.xml"));
            Assert.That(files, Does.Contain("tools/net10.0/any/kernelops.dll"));
            Assert.That(files, Does.Contain("tools/net10.0/any/KernelOps.Fuse.dll"));
            Assert.That(files, Does.Contain("tools/net10.0/any/KernelOps.Runtime.dll"));
            using var settings = new StreamReader(zip.GetEntry("tools/net10.0/any/DotnetToolSettings.xml")!.Open());
            Assert.That(settings.ReadToEnd(), Does.Contain("<Command Name=\"kernelops\" EntryPoint=\"kernelops.dll\""));
        }
    }

    [Test]
    public void The_installed_tool_prints_its_help()
    {
        var r = Machine.Run(_tool, ["--help"], environment: _environment);
        Assert.That(r.Stdout, Does.StartWith("usage: kernelops mount DIR").And.Contain("--module PATH"));
    }

    [Test, CancelAfter(480_000)]
    public void The_installed_tool_serves_a_driver_built_outside_the_repository()
    {
        string driver = Path.Combine(_work, "MyDriver");
        Directory.CreateDirectory(driver);
        File.WriteAllText(Path.Combine(driver, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <add key="kernelops-local" value="{_feed}" />
              </packageSources>
            </configuration>
            """);
        File.WriteAllText(Path.Combine(driver, "MyDriver.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
                <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="KernelOps" Version="{_version}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(driver, "Hello.cs"), """
            using System;
            using KernelOps;
            using KernelOps.Model;

            namespace My.Driver;

            public sealed class HelloModule : IKernelModule
            {
                private ProcEntry? _entry;
                public string Name => "hello";

                public KResult Init(ModuleContext context)
                {
                    _entry = context.Proc.Create("hello", 0b100_100_100, null, HelloFile.Table);
                    return KResult.Ok;
                }

                public void Exit() => _entry?.Dispose();
            }

            [ProcOps(Ops = ["proc_read"], NonSeekable = true)]
            internal static partial class HelloFile
            {
                [Read]
                private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) =>
                    destination.SimpleReadFromBuffer(ref position, "hello from my driver\n"u8);
            }
            """);
        Machine.Run("dotnet", ["build", driver, "-c", "Release", "--nologo", "-v:q", "-p:UseSharedCompilation=false"], timeout: Slow, environment: _environment);
        string assembly = Path.Combine(driver, "bin", "Release", "net10.0", "MyDriver.dll");
        Assert.That(File.Exists(assembly), Is.True);

        Machine.RequireFuse();
        string dir = Machine.TempDirectory("mydriver");
        try
        {
            using var tool = Machine.StartInterruptible(_tool, ["mount", dir, "--module", assembly, "--root", "/proc"], _environment);
            try
            {
                Assert.That(Machine.WaitUntil(() => MountTable.IsMountPoint(dir) || tool.HasExited, TimeSpan.FromSeconds(60)), Is.True, "mounted in time");
                Assert.That(tool.HasExited, Is.False, () => "the tool exited: " + tool.StandardError.ReadToEnd());
                Assert.That(Machine.Run("cat", [Path.Combine(dir, "hello")]).Stdout, Is.EqualTo("hello from my driver\n"));
                Machine.Run("kill", ["-INT", tool.Id.ToString()]);
                Assert.That(tool.WaitForExit(30_000), Is.True, "Ctrl-C ends the tool");
                tool.WaitForExit();
                Assert.That(tool.ExitCode, Is.Zero);
                Assert.That(MountTable.IsMountPoint(dir), Is.False);
            }
            finally
            {
                if (!tool.HasExited) tool.Kill(entireProcessTree: true);
            }
        }
        finally
        {
            Machine.CleanUp(dir);
        }
    }
}
