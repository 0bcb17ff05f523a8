using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Samples.Tests.Native;

/// <summary>What the fuzzed files carry in i_private and f_device.</summary>
internal sealed class FuzzData
{
    public readonly byte[] Text = "fuzz\n"u8.ToArray();
    public readonly WaitQueueHead Queue = new();
}

/// <summary>The per-open state of the stateful table.</summary>
internal sealed class FuzzState(int id)
{
    public int Id { get; } = id;
}

/// <summary>
/// Every file_operations slot, stateless. The handlers reach what a driver's would (the device's
/// and the inode's data, the poll table), so a bad field the views read is exercised too.
/// </summary>
[FileOperations]
internal static partial class FuzzStateless
{
    [Open] private static KResult Open(Inode inode, FileRef file) => KResult.Ok;

    [Read]
    private static KResult<nuint> Read(FileRef file, UserSliceWriter destination, ref long position) =>
        file.DeviceData<FuzzData>() is { } data ? destination.SimpleReadFromBuffer(ref position, data.Text) : Errno.ENODEV;

    [Write]
    private static KResult<nuint> Write(FileRef file, UserSliceReader source, ref long position) =>
        source.SimpleWriteToBuffer(new byte[16], ref position);

    [Lseek]
    private static KResult<long> Lseek(FileRef file, long offset, Whence whence) =>
        file.Inode.Data<FuzzData>() is { } data ? Llseek.DefaultLlseek(file, offset, whence, data.Text.Length) : Errno.ENODEV;

    [Poll]
    private static PollEvents Poll(FileRef file, PollTable table)
    {
        table.Wait(file, file.Inode.Data<FuzzData>()?.Queue ?? new WaitQueueHead());
        return PollEvents.In;
    }

    [Ioctl]
    private static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
    {
        long value = command;
        return new UserPtr<long>(argument).Write(in value).WithValue(0L);
    }

    [CompatIoctl]
    private static KResult<long> CompatIoctl(FileRef file, uint command, nuint argument) => Ioctl(file, command, argument);

    [Flush]
    private static KResult Flush(FileRef file) => file.Inode.Data<FuzzData>() is null ? Errno.ENODEV : KResult.Ok;

    [Release] private static KResult Release(Inode inode, FileRef file) => KResult.Ok;

    [Fsync] private static KResult Fsync(FileRef file, long start, long end, bool dataSync) => KResult.Ok;
}

/// <summary>Every file_operations slot, with per-open state.</summary>
[FileOperations]
internal static partial class FuzzStateful
{
    private static int s_opens;

    [Open]
    private static OpenResult<FuzzState> Open(Inode inode, FileRef file) => new FuzzState(System.Threading.Interlocked.Increment(ref s_opens));

    [Read]
    private static KResult<nuint> Read(FuzzState state, FileRef file, UserSliceWriter destination, ref long position) =>
        file.DeviceData<FuzzData>() is { } data ? destination.SimpleReadFromBuffer(ref position, data.Text) : Errno.ENODEV;

    [Write]
    private static KResult<nuint> Write(FuzzState state, FileRef file, UserSliceReader source, ref long position) =>
        source.SimpleWriteToBuffer(new byte[16], ref position);

    [Lseek]
    private static KResult<long> Lseek(FuzzState state, FileRef file, long offset, Whence whence) =>
        file.Inode.Data<FuzzData>() is { } data ? Llseek.DefaultLlseek(file, offset, whence, data.Text.Length) : Errno.ENODEV;

    [Poll]
    private static PollEvents Poll(FuzzState state, FileRef file, PollTable table)
    {
        table.Wait(file, file.Inode.Data<FuzzData>()?.Queue ?? new WaitQueueHead());
        return PollEvents.In;
    }

    [Ioctl]
    private static KResult<long> Ioctl(FuzzState state, FileRef file, uint command, nuint argument)
    {
        long value = state.Id;
        return new UserPtr<long>(argument).Write(in value).WithValue(0L);
    }

    [CompatIoctl]
    private static KResult<long> CompatIoctl(FuzzState state, FileRef file, uint command, nuint argument) => Ioctl(state, file, command, argument);

    [Flush]
    private static KResult Flush(FuzzState state, FileRef file) => file.Inode.Data<FuzzData>() is null ? Errno.ENODEV : KResult.Ok;

    [Release] private static KResult Release(FuzzState state, Inode inode, FileRef file) => KResult.Ok;

    [Fsync] private static KResult Fsync(FuzzState state, FileRef file, long start, long end, bool dataSync) => KResult.Ok;
}

/// <summary>The child process's half: calls thunk_fuzz.c on both tables and prints one line per call.</summary>
internal static unsafe class ThunkFuzz
{
    [StructLayout(LayoutKind.Sequential)]
    private struct Row
    {
        public byte* Name;
        public long Rc;
    }

    public const string Done = "thunk-fuzz: done";

    public static int RunChild(string library)
    {
        nint lib = NativeLibrary.Load(library);
        var fuzz = (delegate* unmanaged<FileOperations*, NativeFile*, NativeInode*, byte*, Row*, int, int>)NativeLibrary.GetExport(lib, "fuzz_table");
        using var kernel = new Kernel();
        using UserProcess process = kernel.CreateProcess("thunk-fuzz");
        using TaskScope task = process.EnterTask();
        var data = new FuzzData();
        GCHandle handle = GCHandle.Alloc(data);
        var inode = (NativeInode*)NativeMemory.AllocZeroed((nuint)sizeof(NativeInode));
        var file = (NativeFile*)NativeMemory.AllocZeroed((nuint)sizeof(NativeFile));
        const int Max = 1024;
        var rows = (Row*)NativeMemory.AllocZeroed((nuint)(sizeof(Row) * Max));
        try
        {
            nuint buffer = process.Memory.Map(64).Address;
            foreach ((string name, OpsTable<FileOperations> table) in new[] { ("stateless", FuzzStateless.Table), ("stateful", FuzzStateful.Table) })
            {
                *inode = new NativeInode { i_mode = 0x21B6, i_private = GCHandle.ToIntPtr(handle) };
                *file = new NativeFile
                {
                    f_op = table.Pointer,
                    f_inode = inode,
                    f_flags = (uint)OpenFlags.O_RDWR,
                    f_mode = (uint)(FMode.FMODE_READ | FMode.FMODE_WRITE | FMode.FMODE_LSEEK),
                    f_device = GCHandle.ToIntPtr(handle),
                };
                int n = fuzz(table.Pointer, file, inode, (byte*)buffer, rows, Max);
                for (int i = 0; i < n; i++)
                    Console.Out.WriteLine($"{name} {Marshal.PtrToStringUTF8((nint)rows[i].Name)} -> {rows[i].Rc}");
            }
            // What the handlers and thunks logged, so a failing run shows why.
            foreach (string line in kernel.Log.Lines) Console.Out.WriteLine("log: " + line);
            Console.Out.WriteLine(Done);
            return 0;
        }
        finally
        {
            NativeMemory.Free(rows);
            NativeMemory.Free(file);
            NativeMemory.Free(inode);
            handle.Free();
            NativeLibrary.Free(lib);
        }
    }
}
