using System;
using System.Runtime.InteropServices;
using System.Text;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// /proc/devices (fs/proc/devices.c) and /proc/misc (drivers/char/misc.c), as read-only proc files
/// whose text is built from the kernel's <see cref="CharDeviceRegistry"/> at each read, the way a
/// seq_file regenerates it. Their proc_ops table is hand-built from the same adapters generated
/// tables use.
/// </summary>
internal static unsafe class ProcDeviceFiles
{
    private static readonly OpsTable<ProcOps> DevicesTable = Build("proc_devinfo_ops", &DevicesRead);
    private static readonly OpsTable<ProcOps> MiscTable = Build("misc_seq_ops", &MiscRead);

    public static void Register(Kernel kernel)
    {
        // proc_create_seq("devices", 0, NULL, &devinfo_ops) / proc_create_seq("misc", 0, NULL, &misc_seq_ops)
        // No i_private: the handlers reach the registry through the reading task's kernel.
        kernel.Proc.Create("devices", 0, null, DevicesTable);
        kernel.Proc.Create("misc", 0, null, MiscTable);
    }

    private static OpsTable<ProcOps> Build(string name, delegate* unmanaged<NativeFile*, byte*, nuint, long*, nint> read)
    {
        OpsTable<ProcOps> table = OpsTable<ProcOps>.AllocateFor(typeof(ProcDeviceFiles), name);
        // SAFETY: a fresh zeroed table for this type, filled once here before it is published.
        table.Pointer->proc_read = read;
        return table;
    }

    [UnmanagedCallersOnly] private static nint DevicesRead(NativeFile* f, byte* b, nuint c, long* p) => ThunkAdapters.Read<Devices>(f, b, c, p);
    [UnmanagedCallersOnly] private static nint MiscRead(NativeFile* f, byte* b, nuint c, long* p) => ThunkAdapters.Read<Misc>(f, b, c, p);

    private static KResult<nuint> Serve(string text, ref UserSliceWriter destination, ref long position) =>
        destination.SimpleReadFromBuffer(ref position, Encoding.ASCII.GetBytes(text));

    private readonly struct Devices : IReadOperation
    {
        public static string HandlerName => "proc/devices";

        public static KResult<nuint> Invoke(FileRef file, UserSliceWriter destination, ref long position) =>
            CurrentTask.Kernel?.CharDevices is { } registry ? Serve(registry.ProcDevicesText(), ref destination, ref position) : Errno.EIO;
    }

    private readonly struct Misc : IReadOperation
    {
        public static string HandlerName => "proc/misc";

        public static KResult<nuint> Invoke(FileRef file, UserSliceWriter destination, ref long position) =>
            CurrentTask.Kernel?.CharDevices is { } registry ? Serve(registry.ProcMiscText(), ref destination, ref position) : Errno.EIO;
    }
}
