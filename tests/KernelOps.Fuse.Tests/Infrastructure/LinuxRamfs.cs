using System;

namespace KernelOps.Fuse.Tests.Infrastructure;

/// <summary>
/// A real Linux ramfs (<c>mount -t ramfs</c>) on a fresh temp directory: the reference the
/// differential tests compare the model against. Dispose unmounts it and removes the directory.
/// </summary>
internal sealed class LinuxRamfs : IDisposable
{
    public LinuxRamfs(string name)
    {
        Directory = Machine.TempDirectory(name);
        try
        {
            Machine.Run("mount", ["-t", "ramfs", "ramfs", Directory]);
        }
        catch
        {
            Machine.CleanUp(Directory);
            throw;
        }
    }

    /// <summary>The mount point.</summary>
    public string Directory { get; }

    public void Dispose()
    {
        Machine.Run("umount", [Directory], check: false, timeout: TimeSpan.FromSeconds(10));
        Machine.CleanUp(Directory);
    }
}
