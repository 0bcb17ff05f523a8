using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;
using KernelOps.Samples.ProcRamFile;

namespace KernelOps.Benchmarks;

/// <summary>
/// Issue 7, part 1: C (bench/native/dispatch_harness.c) calls the read/write/lseek slots of four
/// <c>struct proc_ops</c> tables in one process, interleaved round by round so machine noise hits
/// all alike: (a) the generated <c>RamFile.Table</c>; (b) <see cref="Floor"/>, the floor: bare
/// hand-written <c>[UnmanagedCallersOnly]</c> methods doing the handlers' own work (RamFileData,
/// user copies included) with none of the thunk's checks; (b0) <see cref="RawFloor"/>, the same
/// RAM file work with a plain memcpy in place of the model's copy_to_user, i.e. without the user
/// memory model; (c) the RAM file written in C. The thread runs as a task of a model process whose
/// UserMemory maps the buffer, as user copies need.
/// </summary>
public static unsafe class NativeHarness
{
    private const int OpRead = 0, OpWrite = 1, OpLseek = 2;
    private const int FileBytes = 64 * 1024;
    private static readonly int[] Sizes = [1, 64, 4096, 65536];



    public static int Run(string[] args)
    {
        int rounds = ArgValue(args, "--rounds", 15);
        double sampleMs = ArgValue(args, "--sample-ms", 4);
        string library = BuildNative();
        nint lib = NativeLibrary.Load(Path.Combine(library, "libkobench.so"));
        var timeSlot = (delegate* unmanaged<ProcOps*, NativeFile*, byte*, nuint, int, long, long*, long>)NativeLibrary.GetExport(lib, "kob_time_slot");
        var cTable = (delegate* unmanaged<ProcOps*>)NativeLibrary.GetExport(lib, "c_ramfile_table");
        var cNew = (delegate* unmanaged<long, nint>)NativeLibrary.GetExport(lib, "c_ramfile_new");
        var cFree = (delegate* unmanaged<nint, void>)NativeLibrary.GetExport(lib, "c_ramfile_free");

        using var kernel = new Kernel();
        using var process = kernel.CreateProcess("harness");
        using TaskScope task = process.EnterTask();
        UserMapping mapping = process.Memory.Map(FileBytes);
        byte* buffer = (byte*)mapping.Address;
        new Span<byte>(buffer, FileBytes).Fill((byte)'k');

        var data = new RamFileData();
        GCHandle dataHandle = GCHandle.Alloc(data);
        GCHandle floorHandle = GCHandle.Alloc(new RamFileData());
        GCHandle rawFloorHandle = GCHandle.Alloc(new RawFloor.Data(RamFileData.DefaultMaxBytes));
        nint cData = cNew(RamFileData.DefaultMaxBytes);
        var variants = new[]
        {
            new Variant("a generated", RamFile.Table.Pointer, GCHandle.ToIntPtr(dataHandle)),
            new Variant("b floor", Floor.Table, GCHandle.ToIntPtr(floorHandle)),
            new Variant("b0 raw floor", RawFloor.Table, GCHandle.ToIntPtr(rawFloorHandle)),
            new Variant("c C", cTable(), cData),
        };
        try
        {
            foreach (Variant v in variants)
            {
                long pos = 0;
                nint written = v.Ops->proc_write(v.File, buffer, FileBytes, &pos);
                if (written != FileBytes) throw new InvalidOperationException($"{v.Name}: prefill wrote {written}");
            }

            var cases = new List<(string Name, int Op, int Size)>();
            foreach (int size in Sizes) cases.Add(("read", OpRead, size));
            foreach (int size in Sizes) cases.Add(("write", OpWrite, size));
            cases.Add(("lseek", OpLseek, 0));

            int profile = Array.IndexOf(args, "--profile");
            if (profile >= 0)
            {
                // --profile read|write|lseek SIZE SECONDS: only the generated table, for perf record.
                int op = args[profile + 1] switch { "read" => OpRead, "write" => OpWrite, _ => OpLseek };
                int size = int.Parse(args[profile + 2]);
                var until = Stopwatch.StartNew();
                while (until.Elapsed.TotalSeconds < double.Parse(args[profile + 3])) Time(timeSlot, variants[0], buffer, op, size, 100_000);
                return 0;
            }

            // Warm-up: enough calls for tiered compilation to reach tier 1 (call counting, then a
            // background rejit after ~100 ms), for every slot of every variant.
            for (int w = 0; w < 4; w++)
            {
                foreach (var c in cases)
                    foreach (Variant v in variants)
                        Time(timeSlot, v, buffer, c.Op, c.Size, 20_000);
                Thread.Sleep(150);
            }

            Console.WriteLine($"# native dispatch harness: {rounds} rounds, ~{sampleMs} ms per sample, median ns/op (min..max)");
            Console.WriteLine("| op | size | a generated | b floor | b0 raw floor | c C | a/b | a/b0 | c/a |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var c in cases)
            {
                // Calibrate iterations on the slowest variant so a sample lasts ~sampleMs.
                double slowest = variants.Max(v => Time(timeSlot, v, buffer, c.Op, c.Size, 2_000));
                long iterations = Math.Max(200, (long)(sampleMs * 1e6 / Math.Max(slowest, 1)));
                var samples = variants.Select(_ => new List<double>()).ToArray();
                for (int r = 0; r < rounds; r++)
                {
                    for (int k = 0; k < variants.Length; k++)
                    {
                        int i = (k + r) % variants.Length; // rotate who goes first
                        samples[i].Add(Time(timeSlot, variants[i], buffer, c.Op, c.Size, iterations));
                    }
                }
                double[] median = samples.Select(Median).ToArray();
                string Cell(int i) => $"{median[i]:0.0} ({samples[i].Min():0.0}..{samples[i].Max():0.0})";
                Console.WriteLine($"| {c.Name} | {(c.Op == OpLseek ? "-" : SizeName(c.Size))} | {Cell(0)} | {Cell(1)} | {Cell(2)} | {Cell(3)} | {median[0] / median[1]:0.00} | {median[0] / median[2]:0.00} | {median[3] / median[0]:0.00} |");
            }
        }
        finally
        {
            foreach (Variant v in variants) v.Dispose();
            dataHandle.Free();
            floorHandle.Free();
            rawFloorHandle.Free();
            cFree(cData);
            NativeLibrary.Free(lib);
        }
        return 0;
    }

    /// <summary>A <c>struct proc_ops</c> with read, write and lseek set (the hand-written floors' tables).</summary>
    internal static ProcOps* TableOf(
        delegate* unmanaged<NativeFile*, byte*, nuint, long*, nint> read,
        delegate* unmanaged<NativeFile*, byte*, nuint, long*, nint> write,
        delegate* unmanaged<NativeFile*, long, int, long> lseek)
    {
        var t = (ProcOps*)NativeMemory.AllocZeroed((nuint)sizeof(ProcOps));
        t->proc_read = read;
        t->proc_write = write;
        t->proc_lseek = lseek;
        return t;
    }

    private static double Time(delegate* unmanaged<ProcOps*, NativeFile*, byte*, nuint, int, long, long*, long> timeSlot,
        Variant v, byte* buffer, int op, int size, long iterations)
    {
        long checksum;
        long ns = timeSlot(v.Ops, v.File, buffer, (nuint)size, op, iterations, &checksum);
        if (ns < 0) throw new InvalidOperationException($"{v.Name}: op {op} size {size} failed (checksum {checksum})");
        return (double)ns / iterations;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.OrderBy(x => x).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static string SizeName(int size) => size >= 1024 ? $"{size / 1024} KiB" : $"{size} B";

    private static T ArgValue<T>(string[] args, string name, T fallback) where T : IParsable<T>
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? T.Parse(args[i + 1], null) : fallback;
    }

    /// <summary>Runs bench/native/build.sh (gcc -O2) into a temp folder; returns the folder.</summary>
    internal static string BuildNative()
    {
        string script = FindRepoFile(Path.Combine("bench", "native", "build.sh"));
        string output = Path.Combine(Path.GetTempPath(), $"kernelops-bench-{Environment.ProcessId}");
        var psi = new ProcessStartInfo("bash", [script, output]) { RedirectStandardError = true, RedirectStandardOutput = true };
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException("bench/native/build.sh failed: " + err);
        return output;
    }

    internal static string FindRepoFile(string relative)
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
        {
            string candidate = Path.Combine(dir, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{relative} not found above {AppContext.BaseDirectory}");
    }

    /// <summary>One table and a model struct file/inode for it (i_private is the variant's data).</summary>
    private sealed class Variant : IDisposable
    {
        public Variant(string name, ProcOps* ops, nint inodePrivate)
        {
            Name = name;
            Ops = ops;
            Inode = (NativeInode*)NativeMemory.AllocZeroed((nuint)sizeof(NativeInode));
            File = (NativeFile*)NativeMemory.AllocZeroed((nuint)sizeof(NativeFile));
            Inode->i_mode = 0x8000 | 0x1B6; // S_IFREG | 0666
            Inode->i_private = inodePrivate;
            File->f_inode = Inode;
            File->f_op = ops;
            File->f_flags = (uint)OpenFlags.O_RDWR;
            File->f_mode = (uint)(FMode.FMODE_READ | FMode.FMODE_WRITE | FMode.FMODE_LSEEK | FMode.FMODE_ATOMIC_POS);
        }

        public string Name { get; }
        public ProcOps* Ops { get; }
        public NativeInode* Inode { get; }
        public NativeFile* File { get; }

        public void Dispose()
        {
            NativeMemory.Free(File);
            NativeMemory.Free(Inode);
        }
    }
}

/// <summary>
/// The floor (b): the RamFile handlers' own work as bare <c>[UnmanagedCallersOnly]</c> methods. Each
/// finds the file's RamFileData through i_private as the handler does and calls the same
/// RamFileData method the handler calls, with the same user slice over the current task's memory (copy_to_user and
/// copy_from_user are the handler's work, as they are in C, where c_read calls access_ok and
/// memcpy). What it leaves out is exactly what the generated thunk and its adapter add: the
/// argument checks (null file, null position, MAX_RW_COUNT, negative or overflowing positions,
/// whence), the handler's result checks and errno mapping, and the exception guard. Its own
/// "errors" are returned as raw negative numbers.
/// </summary>
internal static unsafe class Floor
{
    public static readonly ProcOps* Table = NativeHarness.TableOf(&Read, &Write, &Lseek);

    // SAFETY (all three): the harness passes a live file with a position, whose inode's i_private is
    // a GCHandle to a RamFileData. The lookup is the handler's own (Inode.Data<T>, type check
    // included); the handler's throw for a missing one is left out with the other checks.
    private static RamFileData DataOf(NativeFile* file) => new Inode(file->f_inode).Data<RamFileData>()!;

    // Each entry point forwards to an ordinary method, as the generated thunks do: an
    // [UnmanagedCallersOnly] method is compiled once with full optimisation and no profile, while
    // the method it calls tiers up with profile-guided inlining (the first version of this floor
    // did the work in the entry point and was slower than the generated table).
    [UnmanagedCallersOnly]
    private static nint Read(NativeFile* file, byte* buffer, nuint count, long* position) => ReadWork(file, buffer, count, position);

    [UnmanagedCallersOnly]
    private static nint Write(NativeFile* file, byte* buffer, nuint count, long* position) => WriteWork(file, buffer, count, position);

    [UnmanagedCallersOnly]
    private static long Lseek(NativeFile* file, long offset, int whence) => LseekWork(file, offset, whence);

    private static nint ReadWork(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        var destination = new UserSliceWriter(CurrentTask.MemorySlot, (nuint)buffer, count);
        KResult<nuint> r = DataOf(file).Read(ref destination, ref *position);
        return r.IsOk ? (nint)r.Value : -(nint)r.Error;
    }

    private static nint WriteWork(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        var source = new UserSliceReader(CurrentTask.MemorySlot, (nuint)buffer, count);
        KResult<nuint> r = DataOf(file).Write(ref source, ref *position, (file->f_flags & (uint)OpenFlags.O_APPEND) != 0, new Inode(file->f_inode));
        return r.IsOk ? (nint)r.Value : -(nint)r.Error;
    }

    private static long LseekWork(NativeFile* file, long offset, int whence)
    {
        KResult<long> r = DataOf(file).Seek(new FileRef(file), offset, (Whence)whence);
        return r.IsOk ? r.Value : -(long)r.Error;
    }
}

/// <summary>
/// The raw floor (b0): what a slot costs when it does the RAM file's work and nothing else. The work is what
/// the C RAM file (c_read/c_write/c_lseek in bench/native/dispatch_harness.c) and RamFileData do:
/// find the file's data through i_private, take its lock, bound the transfer by the length or the
/// size limit (EFBIG), grow the buffer, zero-fill a gap, copy, advance the position, publish i_size.
/// What the floor leaves out is what the generated thunk adds: no argument checks (null pointers,
/// MAX_RW_COUNT, negative positions), no type check on i_private (<see cref="Unsafe.As{T}(object)"/>),
/// no user-memory translation (the buffer is used as a plain pointer, as if every address were
/// mapped), no KResult, no exception guard. The first version of this floor also skipped the
/// i_private lookup, the size limit and the i_size update, which a and c both do.
/// </summary>
internal static unsafe class RawFloor
{
    public static readonly ProcOps* Table = NativeHarness.TableOf(&Read, &Write, &Lseek);

    /// <summary>The floor's RAM file: RamFileData's fields and its storage.</summary>
    internal sealed class Data(long maxBytes)
    {
        public readonly KernelMutex Mutex = new();
        public readonly long MaxBytes = maxBytes;
        public AlignedBytes Bytes;
        public long Length;
    }

    // SAFETY (all three): the harness passes a live file whose inode's i_private is a GCHandle to a
    // Data; nothing is checked, that is the point of the floor.
    private static Data DataOf(NativeFile* file) => Unsafe.As<Data>(GCHandle.FromIntPtr(file->f_inode->i_private).Target!);

    [UnmanagedCallersOnly]
    private static nint Read(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        Data d = DataOf(file);
        using (d.Mutex.Lock())
        {
            long pos = *position;
            if (pos >= d.Length) return 0;
            int n = (int)Math.Min((ulong)count, (ulong)(d.Length - pos));
            UserCopy.Copy(d.Bytes.Slice(pos, n), new Span<byte>(buffer, n)); // the model's copy primitive
            *position = pos + n;
            return n;
        }
    }

    [UnmanagedCallersOnly]
    private static nint Write(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        Data d = DataOf(file);
        using (d.Mutex.Lock())
        {
            long pos = *position;
            if (pos >= d.MaxBytes) return -(nint)Errno.EFBIG;
            int n = (int)Math.Min((ulong)count, (ulong)(d.MaxBytes - pos));
            long end = pos + n;
            d.Bytes.EnsureCapacity(end, d.MaxBytes, keep: (int)d.Length);
            if (pos > d.Length) d.Bytes.Slice(d.Length, (int)(pos - d.Length)).Clear();
            UserCopy.Copy(new ReadOnlySpan<byte>(buffer, n), d.Bytes.Slice(pos, n));
            *position = end;
            if (end > d.Length) d.Length = end;
            file->f_inode->i_size = d.Length;
            return n;
        }
    }

    [UnmanagedCallersOnly]
    private static long Lseek(NativeFile* file, long offset, int whence)
    {
        Data d = DataOf(file);
        long eof;
        using (d.Mutex.Lock()) eof = d.Length;
        offset += whence switch { 1 => file->f_pos, 2 => eof, _ => 0 };
        if (offset < 0 || offset > d.MaxBytes) return -(long)Errno.EINVAL;
        file->f_pos = offset;
        return offset;
    }
}
