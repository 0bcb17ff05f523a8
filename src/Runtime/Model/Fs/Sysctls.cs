using System;
using System.Threading;

namespace KernelOps.Model;

/// <summary>
/// The fs.protected_* sysctls (fs/namei.c; /proc/sys/fs/protected_*): 0 by default, as in the
/// kernel; distributions raise them at boot (systemd's 50-default.conf sets hardlinks and
/// symlinks to 1, fifos and regular to 1 or 2). A test that compares the model with a host sets them
/// to the host's values.
/// </summary>
public sealed class FsSysctls
{
    private int _hardlinks, _symlinks, _fifos, _regular;

    /// <summary>fs.protected_hardlinks (0 or 1): linkat(2) of a file the caller neither owns nor may read and write is EPERM (may_linkat).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 or 1.</exception>
    public int ProtectedHardlinks { get => Volatile.Read(ref _hardlinks); set => Volatile.Write(ref _hardlinks, Checked(value, 1)); }

    /// <summary>fs.protected_symlinks (0 or 1): following a trailing symlink in a sticky world-writable directory is EACCES unless the follower or the directory's owner owns it (may_follow_link).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0 or 1.</exception>
    public int ProtectedSymlinks { get => Volatile.Read(ref _symlinks); set => Volatile.Write(ref _symlinks, Checked(value, 1)); }

    /// <summary>fs.protected_fifos (0, 1 or 2): O_CREAT of an existing FIFO someone else owns in a sticky directory (may_create_in_sticky).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0, 1 or 2.</exception>
    public int ProtectedFifos { get => Volatile.Read(ref _fifos); set => Volatile.Write(ref _fifos, Checked(value, 2)); }

    /// <summary>fs.protected_regular (0, 1 or 2): O_CREAT of an existing regular file someone else owns in a sticky directory (may_create_in_sticky).</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not 0, 1 or 2.</exception>
    public int ProtectedRegular { get => Volatile.Read(ref _regular); set => Volatile.Write(ref _regular, Checked(value, 2)); }

    private static int Checked(int value, int max) =>
        value >= 0 && value <= max ? value : throw new ArgumentOutOfRangeException(nameof(value), value, $"0 to {max}");
}
