using System;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;

namespace KernelOps.Generators.Tests.Infrastructure;

/// <summary>
/// A minimal snapshot check with Verify's conventions: <c>Snapshots/{TestClass}.{TestMethod}.verified.cs</c>
/// beside the test source; on mismatch <c>.received.cs</c> is written and the test fails. Accept with
/// <c>KERNELOPS_ACCEPT_SNAPSHOTS=1</c> (or Verify's <c>VERIFY_AUTOVERIFY</c>), then review the diff.
/// </summary>
internal static class Snapshot
{
    public static void Verify(string actual, [CallerFilePath] string testSourcePath = "")
    {
        string directory = Path.Combine(Path.GetDirectoryName(testSourcePath)!, "Snapshots");
        string className = TestContext.CurrentContext.Test.ClassName!.Split('.').Last();
        string stem = Path.Combine(directory, $"{className}.{TestContext.CurrentContext.Test.MethodName}");
        string verifiedPath = stem + ".verified.cs";
        string receivedPath = stem + ".received.cs";
        string normalized = Normalize(actual);

        string? verified = File.Exists(verifiedPath) ? Normalize(File.ReadAllText(verifiedPath)) : null;
        if (verified == normalized)
        {
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }

        Directory.CreateDirectory(directory);
        if (AcceptRequested())
        {
            File.WriteAllText(verifiedPath, normalized);
            if (File.Exists(receivedPath)) File.Delete(receivedPath);
            return;
        }

        File.WriteAllText(receivedPath, normalized);
        string hint = verified is null
            ? $"No snapshot yet: {verifiedPath}."
            : $"Snapshot differs at line {FirstDifferentLine(verified, normalized)}.";
        Assert.Fail($"{hint} Received: {receivedPath}. Compare with `diff {verifiedPath} {receivedPath}`; " +
                    "accept by re-running with KERNELOPS_ACCEPT_SNAPSHOTS=1 and review the change.");
    }

    private static bool AcceptRequested() =>
        IsSet(Environment.GetEnvironmentVariable("KERNELOPS_ACCEPT_SNAPSHOTS")) ||
        IsSet(Environment.GetEnvironmentVariable("VERIFY_AUTOVERIFY"));

    private static bool IsSet(string? value) =>
        value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    private static int FirstDifferentLine(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        for (int i = 0; i < Math.Min(a.Length, b.Length); i++)
        {
            if (a[i] != b[i]) return i + 1;
        }
        return Math.Min(a.Length, b.Length) + 1;
    }
}
