using System;
using System.Collections.Generic;
using System.Text;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// /proc/devices (fs/proc/devices.c), /proc/misc (drivers/char/misc.c), /proc/filesystems
/// (fs/filesystems.c) and /proc/mounts (fs/proc_namespace.c), as read-only proc files whose text is
/// built from the kernel's registries at each read, the way a seq_file regenerates it. The generator builds their proc_ops tables, as it does for users'.
/// </summary>
internal static partial class ProcDeviceFiles
{
    public static void Register(Kernel kernel)
    {
        // proc_create_seq("devices", 0, NULL, &devinfo_ops) / proc_create_seq("misc", 0, NULL, &misc_seq_ops)
        // No i_private: the handlers reach the registry through the reading task's kernel.
        kernel.Proc.Create("devices", 0, null, Devices.Table);
        kernel.Proc.Create("misc", 0, null, Misc.Table);
        // proc_create_single("filesystems", 0, NULL, filesystems_proc_show); /proc/mounts is Linux's
        // symlink to self/mounts: the model has one mount namespace, so a file shows it to the reader
        kernel.Proc.Create("filesystems", 0, null, Filesystems.Table);
        kernel.Proc.Create("mounts", 0, null, Mounts.Table);
    }

    private static KResult<nuint> Serve(string text, ref UserSliceWriter destination, ref long position) =>
        destination.SimpleReadFromBuffer(ref position, Encoding.ASCII.GetBytes(text));

    /// <summary>/proc/devices (devinfo_ops). Like the model's other hand-made proc files, it has no lseek.</summary>
    [ProcOps(NonSeekable = true)]
    internal static partial class Devices
    {
        [Read]
        private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) =>
            CurrentTask.Kernel?.CharDevices is { } registry ? Serve(registry.ProcDevicesText(), ref destination, ref position) : Errno.EIO;
    }

    /// <summary>/proc/misc (misc_seq_ops).</summary>
    [ProcOps(NonSeekable = true)]
    internal static partial class Misc
    {
        [Read]
        private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) =>
            CurrentTask.Kernel?.CharDevices is { } registry ? Serve(registry.ProcMiscText(), ref destination, ref position) : Errno.EIO;
    }

    /// <summary>/proc/filesystems: "nodev\tramfs" per registered type.</summary>
    [ProcOps(NonSeekable = true)]
    internal static partial class Filesystems
    {
        [Read]
        private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) =>
            CurrentTask.Kernel?.FileSystems is { } registry ? Serve(registry.ProcFilesystemsText(), ref destination, ref position) : Errno.EIO;
    }

    /// <summary>/proc/mounts: the mounts the reading process can see from its root.</summary>
    [ProcOps(NonSeekable = true)]
    internal static partial class Mounts
    {
        [Read]
        private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) =>
            CurrentTask.Process is { } process ? Serve(MountsText(process), ref destination, ref position) : Errno.EIO;
    }

    /// <summary>
    /// mirrors fs/proc_namespace.c:show_vfsmnt: "devname mountpoint type options 0 0" for every mount
    /// reachable from the reader's root; mangle() escapes space, tab, newline and backslash as octal.
    /// The options are the mount's (rw/ro, nosuid, nodev, noexec, atime) without a file system's
    /// ->show_options, which the model's super_operations do not carry.
    /// </summary>
    internal static string MountsText(UserProcess process)
    {
        var text = new StringBuilder();
        VfsPath root = process.GetRoot();
        try
        {
            // Linux 6.8+ walks the namespace's mounts in the order they were made (mnt_id_unique)
            List<VfsMount> mounts = process.Kernel.Vfs.Namespace.All();
            mounts.Sort((a, b) => a.Id.CompareTo(b.Id));
            foreach (VfsMount mount in mounts)
            {
                string where = DPath.PrependPath(new VfsPath(mount, mount.Root), root, out bool unreachable);
                if (unreachable) continue;
                text.Append(Mangle(mount.DevName)).Append(' ').Append(Mangle(where)).Append(' ').Append(Mangle(mount.Sb.TypeName)).Append(' ');
                text.Append(mount.IsReadOnly ? "ro" : "rw");
                // mirrors fs/proc_namespace.c:show_mnt_opts
                if ((mount.Flags & MountFlags.NoSuid) != 0) text.Append(",nosuid");
                if ((mount.Flags & MountFlags.NoDev) != 0) text.Append(",nodev");
                if ((mount.Flags & MountFlags.NoExec) != 0) text.Append(",noexec");
                if ((mount.Flags & MountFlags.NoAtime) != 0) text.Append(",noatime");
                if ((mount.Flags & MountFlags.NoDirAtime) != 0) text.Append(",nodiratime");
                if ((mount.Flags & MountFlags.RelAtime) != 0) text.Append(",relatime");
                if ((mount.Flags & MountFlags.NoSymFollow) != 0) text.Append(",nosymfollow");
                text.Append(" 0 0\n");
            }
        }
        finally { root.Put(); }
        return text.ToString();
    }

    private static string Mangle(string s)
    {
        var text = new StringBuilder(s.Length);
        foreach (char c in s)
        {
            if (c is ' ' or '\t' or '\n' or '\\') text.Append('\\').Append(Convert.ToString(c, 8).PadLeft(3, '0'));
            else text.Append(c);
        }
        return text.ToString();
    }
}
