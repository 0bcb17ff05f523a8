using System;
using System.IO;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests.Bench;

/// <summary>
/// The C reference of docs/PERFORMANCE.md's FUSE goals (bench/native/ramfs_ll.c, a RAM file system
/// on libfuse3's low-level API) builds warning-free and behaves as a file system, so the figures
/// compare the host with a working program.
/// </summary>
public class CReferenceTests
{
    [Test, CancelAfter(120_000)]
    public void The_low_level_C_ram_file_system_builds_and_serves_a_shell_session()
    {
        Machine.RequireFuse();
        string bin = Machine.TempDirectory("cref-bin");
        string dir = Machine.TempDirectory("cref");
        System.Diagnostics.Process? server = null;
        try
        {
            Machine.Run("bash", [Path.Combine(Repository.Root, "bench", "native", "build.sh"), bin], timeout: TimeSpan.FromSeconds(90));
            server = Machine.Start(Path.Combine(bin, "ramfs_ll"), [dir, "-f"]);
            Assert.That(Machine.WaitUntil(() => MountTable.IsMountPoint(dir) || server.HasExited, TimeSpan.FromSeconds(20)), Is.True);
            Assert.That(server.HasExited, Is.False, () => server.StandardError.ReadToEnd());
            string output = Machine.Sh($"""
                cd '{dir}' && mkdir -p a/b && echo hello > a/b/f && ln a/b/f a/g && ln -s b/f a/s && cat a/s &&
                mv a/g a/h && stat -c '%h %s' a/h && rm -rf a && ls -A && echo done
                """);
            Assert.That(output, Is.EqualTo("hello\n2 6\ndone\n"));
        }
        finally
        {
            Machine.CleanUp(dir);
            if (server is { HasExited: false })
            {
                server.WaitForExit(5000);
                if (!server.HasExited) server.Kill();
            }
            server?.Dispose();
            Directory.Delete(bin, recursive: true);
        }
    }
}
