using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;
using KernelOps.Samples.ProcRamFile;

namespace KernelOps.Benchmarks;

/// <summary>
/// Issue 7, part 1: C (bench/native/dispatch_harness.c) calls the read/write/lseek slots of three
/// <c>struct proc_ops</c> tables in one process, interleaved round by round so machine noise hits
/// all three alike: (a) the generated <c>RamFile.Table</c>, (b) <see cref="Floor"/>, bare
/// hand-written <c>[UnmanagedCallersOnly]</c> thunks doing the same copy with no validation, no
/// lock and no user-memory lookup, (c) the RAM file written in C. The thread runs as a task of a
/// model process whose UserMemory maps the buffer, as the generated thunks need.
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
        nint cData = cNew(RamFileData.DefaultMaxBytes);
        var variants = new[]
        {
            new Variant("a generated", RamFile.Table.Pointer, GCHandle.ToIntPtr(dataHandle)),
            new Variant("b floor", Floor.Table, 0),
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
            Console.WriteLine("| op | size | a generated | b floor | c C | a/b | c/a |");
            Console.WriteLine("|---|---:|---:|---:|---:|---:|---:|");
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
                Console.WriteLine($"| {c.Name} | {(c.Op == OpLseek ? "-" : SizeName(c.Size))} | {Cell(0)} | {Cell(1)} | {Cell(2)} | {median[0] / median[1]:0.00} | {median[2] / median[0]:0.00} |");
            }
        }
        finally
        {
            foreach (Variant v in variants) v.Dispose();
            dataHandle.Free();
            cFree(cData);
            NativeLibrary.Free(lib);
        }
        return 0;
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
/// The floor: what a slot costs when it does the RAM file's work (its data lock, the copy, the
/// position update) and nothing else: no argument checks, no GCHandle lookup, no user-memory
/// translation, no exception guard. The lock is part of the work (the issue's "same work"; the C
/// RAM file takes its mutex too), so a/b measures what the generated thunk and adapter add.
/// </summary>
internal static unsafe class Floor
{
    private const int Capacity = 64 * 1024;
    private static readonly byte* s_bytes = (byte*)NativeMemory.AllocZeroed(Capacity);
    private static readonly System.Threading.Lock s_lock = new();
    private static long s_length;

    public static readonly ProcOps* Table = CreateTable();

    private static ProcOps* CreateTable()
    {
        var t = (ProcOps*)NativeMemory.AllocZeroed((nuint)sizeof(ProcOps));
        t->proc_read = &Read;
        t->proc_write = &Write;
        t->proc_lseek = &Lseek;
        return t;
    }

    [UnmanagedCallersOnly]
    private static nint Read(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        lock (s_lock)
        {
            long pos = *position;
            if (pos >= s_length) return 0;
            nuint n = Math.Min(count, (nuint)(s_length - pos));
            UserCopy.Copy(new ReadOnlySpan<byte>(s_bytes + pos, (int)n), new Span<byte>(buffer, (int)n)); // the model's copy primitive
            *position = pos + (long)n;
            return (nint)n;
        }
    }

    [UnmanagedCallersOnly]
    private static nint Write(NativeFile* file, byte* buffer, nuint count, long* position)
    {
        lock (s_lock)
        {
            long pos = *position;
            nuint n = Math.Min(count, (nuint)(Capacity - pos));
            UserCopy.Copy(new ReadOnlySpan<byte>(buffer, (int)n), new Span<byte>(s_bytes + pos, (int)n));
            *position = pos + (long)n;
            if (*position > s_length) s_length = *position;
            return (nint)n;
        }
    }

    [UnmanagedCallersOnly]
    private static long Lseek(NativeFile* file, long offset, int whence)
    {
        file->f_pos = offset;
        return offset;
    }
}
