using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests;

/// <summary>
/// "Works just like a regular file": seeded random sequences of open/read/write/pread/pwrite/lseek
/// /fstat/close, run by a real process (Scripts/fileops.py) against a file on Linux's own ramfs and
/// against the mounted RAM file, must give identical return values, errnos and bytes.
/// Replay: KERNELOPS_DIFF_SEED=&lt;base seed&gt; changes the run; KERNELOPS_DIFF_ONLY=&lt;sequence seed&gt;
/// runs just the sequence a failure names.
/// </summary>
public class DifferentialTests
{
    private const int Sequences = 2000, OpsPerSequence = 50, Slots = 2;
    private const int DefaultBaseSeed = 20251123;

    private static readonly int[] AccessModes = [0 /* O_RDONLY */, 1 /* O_WRONLY */, 2 /* O_RDWR */];
    private const int O_CREAT = 0x40, O_TRUNC = 0x200, O_APPEND = 0x400;

    [Test, CancelAfter(600_000)]
    public void Random_operation_sequences_give_the_same_results_on_ramfs_and_on_the_mounted_RAM_file()
    {
        using var m = new RamFileMount();
        using var ramfs = new LinuxRamfs("ramfs");
        string reference = Path.Combine(ramfs.Directory, "file");
        File.WriteAllBytes(reference, []);

        int baseSeed = int.TryParse(Environment.GetEnvironmentVariable("KERNELOPS_DIFF_SEED"), out int s) ? s : DefaultBaseSeed;
        int[] seeds = int.TryParse(Environment.GetEnvironmentVariable("KERNELOPS_DIFF_ONLY"), out int only)
            ? [only]
            : Enumerable.Range(0, Sequences).Select(i => unchecked(baseSeed * 7919 + i)).ToArray();
        TestContext.Out.WriteLine($"base seed {baseSeed}: {seeds.Length} sequences of {OpsPerSequence} operations");

        var input = new StringBuilder();
        var owner = new List<(int Seed, string Op)>(); // per output line: which sequence and operation
        foreach (int seed in seeds)
        {
            foreach (string op in Generate(seed))
            {
                input.Append(op).Append('\n');
                owner.Add((seed, op));
            }
        }

        string script = Path.Combine(TestContext.CurrentContext.TestDirectory, "Scripts", "fileops.py");
        var watch = Stopwatch.StartNew();
        string[] expected = RunScript(script, reference, input.ToString());
        TimeSpan ramfsTime = watch.Elapsed;
        watch.Restart();
        string[] actual = RunScript(script, m.File, input.ToString());
        TestContext.Out.WriteLine($"{owner.Count} operations: ramfs {ramfsTime.TotalSeconds:0.0}s, FUSE {watch.Elapsed.TotalSeconds:0.0}s");

        Assert.That(expected, Has.Length.EqualTo(owner.Count), "ramfs run answered every operation");
        // The sequences must exercise what they claim to: data both ways, and each kind of error.
        var kinds = expected.Zip(owner, (result, o) => o.Op.Split(' ')[0] + " " + (result.StartsWith("err", StringComparison.Ordinal) ? result : result.Length > 3 ? "data" : "ok"))
            .GroupBy(k => k).ToDictionary(g => g.Key, g => g.Count());
        TestContext.Out.WriteLine(string.Join(", ", kinds.OrderBy(k => k.Key).Select(k => $"{k.Key}: {k.Value}")));
        using (Assert.EnterMultipleScope())
        {
            foreach (string kind in (string[])["read data", "pread data", "write data", "pwrite data", "lseek data", "fstat data", "dump data",
                "read err EBADF", "write err EBADF", "lseek err EINVAL", "lseek err ENXIO", "pread err EINVAL", "close err EBADF"])
                Assert.That(kinds.GetValueOrDefault(kind), Is.GreaterThan(seeds.Length == 1 ? -1 : 10), $"results of kind '{kind}'");
        }
        Assert.That(actual, Has.Length.EqualTo(owner.Count), "FUSE run answered every operation");
        for (int i = 0; i < owner.Count; i++)
        {
            if (expected[i] == actual[i]) continue;
            int seed = owner[i].Seed;
            int start = owner.FindIndex(o => o.Seed == seed);
            var history = new StringBuilder();
            for (int j = start; j <= i; j++) history.Append($"  {owner[j].Op,-40} ramfs: {Shorten(expected[j])}   fuse: {Shorten(actual[j])}\n");
            Assert.Fail($"sequence seed {seed} (replay with KERNELOPS_DIFF_ONLY={seed}) differs at operation {i - start}:\n{history}");
        }
    }

    private static string Shorten(string s) => s.Length <= 60 ? s : s[..57] + "...";

    private static string[] RunScript(string script, string path, string input) =>
        Machine.Run("python3", [script, path], stdin: input, timeout: TimeSpan.FromSeconds(240)).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>One sequence: a reset, <see cref="OpsPerSequence"/> operations, a dump of the file.</summary>
    internal static IEnumerable<string> Generate(int seed)
    {
        var r = new Random(seed);
        var open = new bool[Slots];
        yield return "seq";
        for (int n = 0; n < OpsPerSequence; n++)
        {
            int slot = r.Next(Slots);
            // Mostly act on open slots; now and then on a closed one (EBADF on both sides).
            if (!open[slot] && r.Next(10) < 8)
            {
                yield return "open " + slot + " " + Flags(r);
                open[slot] = true;
                continue;
            }
            int size = Size(r);
            string op = r.Next(100) switch
            {
                < 16 => $"read {slot} {Count(r)}",
                < 28 => $"pread {slot} {Count(r)} {Offset(r, size)}",
                < 46 => $"write {slot} {Data(r)}",
                < 56 => $"pwrite {slot} {Data(r)} {Offset(r, size)}",
                < 78 => $"lseek {slot} {SeekOffset(r, size)} {Whence(r)}",
                < 83 => $"fstat {slot}",
                < 91 => $"open {slot} {Flags(r)}",
                _ => $"close {slot}",
            };
            if (op.StartsWith("open", StringComparison.Ordinal)) open[slot] = true;
            if (op.StartsWith("close", StringComparison.Ordinal)) open[slot] = false;
            yield return op;
        }
        yield return "dump";
    }

    private static int Flags(Random r)
    {
        int flags = AccessModes[r.Next(3)];
        if (r.Next(5) == 0) flags |= O_TRUNC;
        if (r.Next(3) == 0) flags |= O_APPEND;
        if (r.Next(10) == 0) flags |= O_CREAT;
        return flags;
    }

    // a rough idea of the file's size, to aim offsets around its end
    private static int Size(Random r) => r.Next(400);

    private static int Count(Random r) => r.Next(8) == 0 ? 0 : r.Next(8) == 0 ? r.Next(1000, 5000) : r.Next(1, 100);

    private static long Offset(Random r, int around) => r.Next(20) == 0 ? -r.Next(1, 10) : r.Next(0, around + 200);

    private static long SeekOffset(Random r, int around) => r.Next(4) switch
    {
        0 => -r.Next(0, 500),
        1 => r.Next(0, 50),
        2 => r.Next(0, around + 300),
        _ => r.Next(-50, 50),
    };

    private static int Whence(Random r) => r.Next(30) switch
    {
        0 => 5,      // past SEEK_MAX
        1 => -1,
        var x => x % 5, // SEEK_SET, SEEK_CUR, SEEK_END, SEEK_DATA, SEEK_HOLE
    };

    private static string Data(Random r)
    {
        int n = r.Next(10) == 0 ? 0 : r.Next(8) == 0 ? r.Next(200, 1500) : r.Next(1, 40);
        var bytes = new byte[n];
        r.NextBytes(bytes);
        if (n == 0) return "-";
        return Convert.ToHexString(bytes).ToLower(CultureInfo.InvariantCulture);
    }
}
