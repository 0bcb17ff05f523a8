using System;

namespace KernelOps.Fuse;

/// <summary>How a <see cref="FuseHost"/> mounts and serves a kernel model.</summary>
public sealed class FuseHostOptions
{
    /// <summary>
    /// The directory of the model's namespace that becomes the mount's root: <c>/proc</c> by
    /// default; <c>/</c> serves the whole tree: /dev, /proc and /sys, with debugfs at /sys/kernel/debug.
    /// </summary>
    public string ModelRoot { get; init; } = "/proc";

    /// <summary>
    /// The most model tasks taking requests at once (receiving from /dev/fuse or running a handler
    /// that has not slept). A request asleep in a handler (a blocking read) gives its place to
    /// another task, so this bounds CPU-side concurrency, not how many callers may block.
    /// </summary>
    public int MaxThreads { get; init; } = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>
    /// The most task threads in all: taking requests, asleep in a handler, or idle. Past this many
    /// sleeping requests, new requests wait in the kernel's queue until one ends.
    /// </summary>
    public int MaxTasks { get; init; } = 10_000;

    /// <summary>
    /// How long the kernel's FUSE client may trust an entry or attributes (entry_timeout,
    /// attr_timeout). Zero (the default) asks the model on every lookup and stat, so what changes
    /// behind the mount (a module unloads, a device appears) shows at once.
    /// </summary>
    public TimeSpan CacheTimeout { get; init; } = TimeSpan.Zero;

    /// <summary>
    /// Unmount on SIGINT and SIGTERM (PosixSignalRegistration). The signal's default action still
    /// runs afterwards (the process ends) unless another registration cancels it.
    /// </summary>
    public bool HandleSignals { get; init; } = true;

    /// <summary>
    /// Mount with <c>allow_other</c>, so users other than the mounting one reach the files; the
    /// model's permission checks then decide, with each caller's uid, gid and groups, as a kernel
    /// file system's would. On by default when the host runs as root (FUSE allows it to root only,
    /// unless /etc/fuse.conf has user_allow_other).
    /// </summary>
    public bool AllowOther { get; init; } = Environment.IsPrivilegedProcess;

    /// <summary>The <c>fsname</c> the mount shows in /proc/mounts (letters, digits, '.', '_', '-').</summary>
    public string FileSystemName { get; init; } = "kernelops";

    /// <summary>
    /// The FUSE device whose presence is checked before mounting. libfuse itself always opens
    /// <c>/dev/fuse</c>; this knob exists so a missing device can be reported (and tested) as such.
    /// </summary>
    public string DevicePath { get; init; } = "/dev/fuse";

    /// <summary>The libfuse3 shared library to load (its soname by default).</summary>
    public string LibraryName { get; init; } = "libfuse3.so.3";

    /// <summary>How long unmounting waits for the requests still in handlers to leave before giving up on them.</summary>
    public TimeSpan UnmountTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Pass libfuse's <c>-d</c>: it logs every request to stderr.</summary>
    public bool Debug { get; init; }
}

/// <summary>Why a mount could not be made.</summary>
public enum FuseHostError
{
    /// <summary>The mount point does not exist.</summary>
    MountPointMissing,
    /// <summary>The mount point exists but is not a directory.</summary>
    MountPointNotDirectory,
    /// <summary>The mount point is a directory with entries in it.</summary>
    MountPointNotEmpty,
    /// <summary>The FUSE device (/dev/fuse) is missing.</summary>
    DeviceMissing,
    /// <summary>libfuse3 cannot be loaded, or is older than 3.12.</summary>
    LibraryMissing,
    /// <summary>Not Linux on x86_64 (the mirrored struct layouts are x86_64's).</summary>
    UnsupportedPlatform,
    /// <summary>The model root is not a directory of the model's namespace.</summary>
    ModelRootMissing,
    /// <summary>The options are invalid.</summary>
    InvalidOptions,
    /// <summary>libfuse refused to create the file system or to mount it.</summary>
    MountFailed,
}

/// <summary>A mount could not be made; the message is one line that says what to install or do.</summary>
public sealed class FuseHostException : Exception
{
    /// <summary>Creates the exception.</summary>
    public FuseHostException(FuseHostError error, string message) : base(message) => Error = error;

    /// <summary>What went wrong.</summary>
    public FuseHostError Error { get; }
}
