using System;
using System.Text;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// /proc/devices (fs/proc/devices.c) and /proc/misc (drivers/char/misc.c), as read-only proc files
/// whose text is built from the kernel's <see cref="CharDeviceRegistry"/> at each read, the way a
/// seq_file regenerates it. The generator builds their proc_ops tables, as it does for users'.
/// </summary>
internal static partial class ProcDeviceFiles
{
    public static void Register(Kernel kernel)
    {
        // proc_create_seq("devices", 0, NULL, &devinfo_ops) / proc_create_seq("misc", 0, NULL, &misc_seq_ops)
        // No i_private: the handlers reach the registry through the reading task's kernel.
        kernel.Proc.Create("devices", 0, null, Devices.Table);
        kernel.Proc.Create("misc", 0, null, Misc.Table);
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
}
