using System;
using System.Globalization;
using System.IO;
using System.Text;

namespace KernelOps.Fuse;

/// <summary>Reads /proc/self/mountinfo (proc(5)): is a directory a mount point, and of which device.</summary>
internal static class MountTable
{
    /// <summary>True when <paramref name="path"/> (absolute, no trailing slash) is a mount point now.</summary>
    public static bool IsMountPoint(string path) => TryGetDevice(path, out _, out _);

    /// <summary>
    /// The st_dev of the topmost mount at <paramref name="path"/> (mountinfo's "major:minor"); for
    /// FUSE the minor is the connection number under /sys/fs/fuse/connections.
    /// </summary>
    public static bool TryGetDevice(string path, out int major, out int minor)
    {
        major = minor = 0;
        bool found = false;
        string[] lines;
        try { lines = File.ReadAllLines("/proc/self/mountinfo"); }
        catch (IOException) { return false; }
        foreach (string line in lines)
        {
            // 36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw
            string[] fields = line.Split(' ');
            if (fields.Length < 5 || Unescape(fields[4]) != path) continue;
            string[] dev = fields[2].Split(':');
            if (dev.Length != 2) continue;
            // later lines are mounted on top of earlier ones: the last match is the visible mount
            found = int.TryParse(dev[0], NumberStyles.None, CultureInfo.InvariantCulture, out major)
                  & int.TryParse(dev[1], NumberStyles.None, CultureInfo.InvariantCulture, out minor);
        }
        return found;
    }

    /// <summary>
    /// Takes a FUSE mount away from the kernel so its session's loop ends, whether or not files
    /// are open on it: the aborted connection fails every waiting and later request of a real
    /// process with ENOTCONN, and the directory is free at once. <paramref name="unprivilegedUnmount"/>
    /// is libfuse's own unmount (fusermount3 -u -z), for a host that is not root.
    /// </summary>
    public static void Detach(string mountPoint, Action unprivilegedUnmount)
    {
        if (!TryGetDevice(mountPoint, out _, out int minor)) return; // already gone
        if (Native.LibC.Geteuid() == 0)
        {
            // A plain umount succeeds when nothing is open; destroying the superblock aborts the
            // connection (fs/fuse/inode.c:fuse_conn_destroy), which ends the loop.
            if (Native.LibC.Umount2(mountPoint, 0) == 0) return;
            // Busy: MNT_FORCE runs fuse_umount_begin, which aborts the connection (every waiting and
            // later request fails with ENOTCONN); then detach the mount (MNT_DETACH) so the
            // directory is free at once.
            Native.LibC.Umount2(mountPoint, Native.LibC.MNT_FORCE);
            if (IsMountPoint(mountPoint)) Native.LibC.Umount2(mountPoint, Native.LibC.MNT_DETACH);
        }
        else
        {
            // fusermount3 -u -z (lazy), then abort through fusectl when it is mounted.
            unprivilegedUnmount();
            string abort = $"/sys/fs/fuse/connections/{minor}/abort";
            try { if (File.Exists(abort)) File.WriteAllText(abort, "1"); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo (fs/proc_namespace.c:show_mountinfo -> mangle)
    private static string Unescape(string field)
    {
        if (!field.Contains('\\')) return field;
        var sb = new StringBuilder(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == '\\' && i + 3 < field.Length
                && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                sb.Append((char)((field[i + 1] - '0') * 64 + (field[i + 2] - '0') * 8 + (field[i + 3] - '0')));
                i += 3;
            }
            else sb.Append(field[i]);
        }
        return sb.ToString();

        static bool IsOctal(char c) => c is >= '0' and <= '7';
    }
}
