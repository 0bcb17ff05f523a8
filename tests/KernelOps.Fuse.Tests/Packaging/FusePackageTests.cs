using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests.Packaging;

/// <summary>
/// The KernelOps.Fuse package as NuGet builds it: the host assembly alone, depending on the
/// KernelOps package of the same version (so a driver project never gets libfuse code).
/// </summary>
public class FusePackageTests
{
    [Test]
    public void The_package_holds_the_host_and_depends_on_KernelOps_of_the_same_version()
    {
        string feed = Machine.TempDirectory("fuse-pack");
        try
        {
            string version = Repository.FreshVersion();
            Machine.Run("dotnet", ["pack", Path.Combine(Repository.Root, "src", "Fuse", "KernelOps.Fuse.csproj"), "-c", Repository.Configuration,
                "--no-build", "--nologo", "-o", feed, $"-p:PackageVersion={version}"], timeout: TimeSpan.FromMinutes(3));
            string package = Path.Combine(feed, $"KernelOps.Fuse.{version}.nupkg");
            Assert.That(File.Exists(package), Is.True, string.Join(", ", Directory.GetFiles(feed)));

            using ZipArchive zip = ZipFile.OpenRead(package);
            string[] files = zip.Entries.Select(e => e.FullName)
                .Where(n => !n.StartsWith("_rels/", StringComparison.Ordinal) && !n.StartsWith("package/", StringComparison.Ordinal) && n != "[Content_Types].xml")
                .Order(StringComparer.Ordinal).ToArray();
            Assert.That(files, Is.EqualTo(new[] { "KernelOps.Fuse.nuspec", "README.md", "lib/net10.0/KernelOps.Fuse.dll", "lib/net10.0/KernelOps.Fuse.xml" }));

            using Stream nuspec = zip.GetEntry("KernelOps.Fuse.nuspec")!.Open();
            XElement metadata = XDocument.Load(nuspec).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
            var dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
                .Select(e => $"{e.Attribute("id")?.Value} {e.Attribute("version")?.Value}").ToArray();
            using (Assert.EnterMultipleScope())
            {
                Assert.That(metadata.Elements().Single(e => e.Name.LocalName == "id").Value, Is.EqualTo("KernelOps.Fuse"));
                Assert.That(dependencies, Is.EqualTo(new[] { $"KernelOps {version}" }));
            }
        }
        finally
        {
            Directory.Delete(feed, recursive: true);
        }
    }
}
