using System;
using System.IO;
using KernelOps.Generators.Tests.Infrastructure;

namespace KernelOps.Generators.Tests;

/// <summary>The snapshot helper itself: a mismatch fails and leaves a received file; a match cleans it up.</summary>
[NonParallelizable]
public class SnapshotHelperTests
{
    private string _directory = "";

    [SetUp]
    public void SetUp() => _directory = Directory.CreateTempSubdirectory("kernelops-snapshot-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_directory, recursive: true);

    [Test]
    public void MismatchFailsAndWritesReceived()
    {
        string fakeSource = Path.Combine(_directory, "FakeTests.cs");
        string stem = Path.Combine(_directory, "Snapshots", $"{nameof(SnapshotHelperTests)}.{nameof(MismatchFailsAndWritesReceived)}");
        Directory.CreateDirectory(Path.GetDirectoryName(stem)!);
        File.WriteAllText(stem + ".verified.cs", "old\n");

        string? accept = Environment.GetEnvironmentVariable("KERNELOPS_ACCEPT_SNAPSHOTS");
        string? autoVerify = Environment.GetEnvironmentVariable("VERIFY_AUTOVERIFY");
        Environment.SetEnvironmentVariable("KERNELOPS_ACCEPT_SNAPSHOTS", null);
        Environment.SetEnvironmentVariable("VERIFY_AUTOVERIFY", null);
        try
        {
            Assert.That(() => Snapshot.Verify("new\n", fakeSource), Throws.InstanceOf<AssertionException>().With.Message.Contains("line 1"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("KERNELOPS_ACCEPT_SNAPSHOTS", accept);
            Environment.SetEnvironmentVariable("VERIFY_AUTOVERIFY", autoVerify);
        }

        Assert.That(File.ReadAllText(stem + ".received.cs"), Is.EqualTo("new\n"));
        Assert.That(File.ReadAllText(stem + ".verified.cs"), Is.EqualTo("old\n"));

        Snapshot.Verify("old\r\n", fakeSource); // line endings are normalised; a match removes the received file
        Assert.That(File.Exists(stem + ".received.cs"), Is.False);
    }
}
