using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using KernelOps.Fuse.Tests.Infrastructure;

namespace KernelOps.Fuse.Tests.RamFs;

/// <summary>
/// Real processes (Scripts/dirops.py) run the same seeded random sequences of directory and file
/// syscalls (create, mkdir, rmdir, unlink, link, symlink, readlink, rename with NOREPLACE and
/// EXCHANGE, truncate, chmod, chown, writes, reads, stat/lstat/fstat fields but inode numbers and
/// times, listings, FIFOs, unlinked open files, over-long names) on Linux's own ramfs, mounted by the
/// test, and on the model's ramfs served through the mount: every result and errno must be equal.
/// Replay: KERNELOPS_DIROPS_SEED=&lt;base seed&gt; changes the run; KERNELOPS_DIROPS_ONLY=&lt;seed&gt;
/// runs just the sequence a failure names.
/// </summary>
public class DirectoryDifferentialTests
{
    private const int Sequences = 350, OpsPerSequence = 300, Workers = 2;
    private const int DefaultBaseSeed = 20261129;
    private static readonly TimeSpan Bound = TimeSpan.FromMinutes(5);

    private static string Script => Path.Combine(TestContext.CurrentContext.TestDirectory, "Scripts", "dirops.py");

    [Test, CancelAfter(900_000)]
    public void Random_syscall_sequences_by_real_processes_agree_with_Linux_ramfs()
    {
        using var m = new RamFsMount();
        using var ramfs = new LinuxRamfs("ramfs-ref");

        int baseSeed = int.TryParse(Environment.GetEnvironmentVariable("KERNELOPS_DIROPS_SEED"), out int s) ? s : DefaultBaseSeed;
        int[] seeds = int.TryParse(Environment.GetEnvironmentVariable("KERNELOPS_DIROPS_ONLY"), out int only)
            ? [only]
            : Enumerable.Range(0, Sequences).Select(i => unchecked(baseSeed * 31 + i)).ToArray();
        TestContext.Out.WriteLine($"base seed {baseSeed}: {seeds.Length} sequences of {OpsPerSequence} operations on each side");

        string[] reference = Run(ramfs.Directory, seeds), model = Run(m.Directory, seeds);
        Assert.That(model, Has.Length.EqualTo(reference.Length), "as many results on both sides");
        var differences = reference.Zip(model).Where(p => p.First != p.Second).Take(10)
            .Select(p => $"ramfs: {p.First}\nmodel: {p.Second}").ToArray();
        TestContext.Out.WriteLine($"{reference.Length} operations compared");
        Assert.That(reference.Length, Is.GreaterThanOrEqualTo(seeds.Length * OpsPerSequence));
        Assert.That(differences, Is.Empty, "first differences (replay one with KERNELOPS_DIROPS_ONLY=<seed>):\n" + string.Join("\n", differences));
    }

    // The sequences split between Workers processes at once (the machine's cores); lines in seed order.
    private static string[] Run(string root, int[] seeds)
    {
        Task<string>[] parts = Enumerable.Range(0, Workers)
            .Select(w => seeds.Where((_, i) => i % Workers == w).ToArray())
            .Where(part => part.Length > 0)
            .Select(part => Task.Run(() => Machine.Run("python3", [Script, root, OpsPerSequence.ToString(), .. part.Select(x => x.ToString())], timeout: Bound).Stdout))
            .ToArray();
        Task.WaitAll(parts);
        return parts.SelectMany(p => p.Result.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            .OrderBy(line => Array.IndexOf(seeds, int.Parse(line[..line.IndexOf(' ')])))
            .ThenBy(line => int.Parse(line.Split(' ')[1]))
            .ToArray();
    }
}
