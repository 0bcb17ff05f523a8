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
    /// The most libfuse worker threads serving requests at once (fuse_loop_cfg_set_max_threads).
    /// libfuse starts another worker whenever none is idle, up to this many; a request asleep in a
    /// handler (a blocking read) holds its worker, so this bounds how many callers may block at
    /// once before further requests (FUSE_INTERRUPT among them) wait in the kernel's queue.
    /// </summary>
    public int MaxThreads { get; init; } = 64;

    /// <summary>
    /// Unmount on SIGINT and SIGTERM (PosixSignalRegistration). The signal's default action still
    /// runs afterwards (the process ends) unless another registration cancels it.
    /// </summary>
    public bool HandleSignals { get; init; } = true;

    /// <summary>Mount with <c>allow_other</c>, so users other than the mounting one may use the files.</summary>
    public bool AllowOther { get; init; }

    /// <summary>The <c>fsname</c> the mount shows in /proc/mounts (letters, digits, '.', '_', '-').</summary>
    public string FileSystemName { get; init; } = "kernelops";

    /// <summary>
    /// The FUSE device whose presence is checked before mounting. libfuse itself always opens
    /// <c>/dev/fuse</c>; this knob exists so a missing device can be reported (and tested) as such.
    /// </summary>
    public string DevicePath { get; init; } = "/dev/fuse";

    /// <summary>The libfuse3 shared library to load (its soname by default).</summary>
    public string LibraryName { get; init; } = "libfuse3.so.3";

    /// <summary>How long unmounting waits for libfuse's loop to end before giving up on it.</summary>
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
