using System;
using System.Collections.Generic;
using System.IO;
using KernelOps.Model;

namespace KernelOps.Samples.RamFs;

/// <summary>The seed's file system at work: the commands <c>dotnet run --project samples/RamFs</c> runs, in order.</summary>
public static class Transcript
{
    /// <summary>Where the file system is mounted.</summary>
    public const string MountPoint = "/mnt/ram";

    /// <summary>The session: each command, and whether it is meant to fail (and with which errno).</summary>
    public static IReadOnlyList<(string Command, Errno ExpectedError)> Commands { get; } =
    [
        ("insmod rust_ramfs.ko", 0),
        ("grep rust_ramfs /proc/filesystems", 0),
        ($"mkdir -p {MountPoint}", 0),
        ($"mount -t rust_ramfs -o mode=0755 none {MountPoint}", 0),
        ($"grep {MountPoint} /proc/mounts", 0),
        ($"mkdir -p {MountPoint}/docs/notes", 0),
        ($"echo 'hello from rust_ramfs' > {MountPoint}/docs/hello.txt", 0),
        ($"echo 'a second line' >> {MountPoint}/docs/hello.txt", 0),
        ($"cat {MountPoint}/docs/hello.txt", 0),
        ($"ln {MountPoint}/docs/hello.txt {MountPoint}/hello.hard", 0),
        ($"ln -s docs/hello.txt {MountPoint}/hello.link", 0),
        ($"cat {MountPoint}/hello.link", 0),
        ($"mv {MountPoint}/docs/hello.txt {MountPoint}/docs/notes", 0),
        ($"ls -l {MountPoint} {MountPoint}/docs/notes", 0),
        ($"cat {MountPoint}/hello.link", Errno.ENOENT),
        ($"cat {MountPoint}/hello.hard", 0),
        ($"df {MountPoint}", 0),
        ("rmmod rust_ramfs", Errno.EAGAIN),
        ($"rm -r {MountPoint}/docs", 0),
        ($"ls -l {MountPoint}", 0),
        ($"umount {MountPoint}", 0),
        ("rmmod rust_ramfs", 0),
        ($"mount -t rust_ramfs none {MountPoint}", Errno.ENODEV),
    ];

    /// <summary>The modules <c>insmod</c> can load.</summary>
    public static IReadOnlyDictionary<string, Func<IKernelModule>> Modules { get; } =
        new Dictionary<string, Func<IKernelModule>> { [RustRamfsModule.ModuleName] = () => new RustRamfsModule() };

    /// <summary>
    /// Runs the session on <paramref name="shell"/>, echoing each command with a <c>$</c> prompt
    /// to <paramref name="output"/>; <paramref name="after"/> sees each step's index, status and errno.
    /// </summary>
    public static void Run(ModelShell shell, TextWriter output, Action<int, int, Errno>? after = null)
    {
        ArgumentNullException.ThrowIfNull(shell);
        ArgumentNullException.ThrowIfNull(output);
        for (int i = 0; i < Commands.Count; i++)
        {
            output.WriteLine($"$ {Commands[i].Command}");
            int status = shell.Run(Commands[i].Command);
            after?.Invoke(i, status, shell.LastError);
        }
    }
}
