using System.Runtime.InteropServices;

namespace KernelOps.Fuse.Native;

/// <summary>The few glibc calls the host makes itself.</summary>
internal static partial class LibC
{
    /// <summary>umount2 flags (include/uapi/linux/fs.h... sys/mount.h).</summary>
    public const int MNT_FORCE = 1, MNT_DETACH = 2;

    /// <summary>EBUSY, EINVAL (errno values).</summary>
    public const int EBUSY = 16, EINVAL = 22;

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint Geteuid();
}
