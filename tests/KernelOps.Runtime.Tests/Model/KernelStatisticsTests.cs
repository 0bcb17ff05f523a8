using System;
using System.Collections.Generic;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>
/// Kernel.Statistics is one instant of the four counters (issue 16.3), not four reads that
/// other threads' opens and closes can fall between.
/// </summary>
[TestFixture]
internal sealed class KernelStatisticsTests
{
    [Test]
    public void Every_snapshot_taken_while_files_open_and_close_is_one_instant()
    {
        // At every instant of this workload (opens and closes, no dup):
        //  - every fd names a live file, installed after the file is allocated and removed before
        //    its last fput, so OpenDescriptors <= LiveFiles;
        //  - every counted file holds its f_model GCHandle (counted before the file, uncounted after
        //    it), and the proc entry's i_private is the only other handle, so LiveGCHandles - LiveFiles
        //    is what it was at rest plus the files some worker is counting in or out (at most one each);
        //  - no inode is created or freed.
        // Counters read one after the other break the first two when an open or a close lands between reads.
        const int workers = 4, iterations = 20_000;
        using var kernel = new Kernel();
        kernel.Proc.Create("f", 0x1B6, null, TestTables.Ram, new RamState("data"));
        // The first lookup makes /proc/f's dentry and inode, which the dcache keeps (as Linux's
        // does for a proc entry in use): from then on opens and closes create no inode.
        using (UserProcess warm = kernel.CreateProcess("warm")) Assert.That(warm.Close(warm.Open("/proc/f", OpenFlags.O_RDONLY)), Is.Zero);
        KernelStatistics rest = kernel.Statistics;
        long otherHandles = rest.LiveGCHandles - rest.LiveFiles;
        Assert.That((rest.LiveFiles, rest.OpenDescriptors), Is.EqualTo((0L, 0L)));

        int running = workers;
        var threads = new List<Thread>();
        for (int w = 0; w < workers; w++)
        {
            UserProcess p = kernel.CreateProcess($"w{w}");
            threads.Add(new Thread(() =>
            {
                for (int i = 0; i < iterations; i++)
                {
                    int fd = p.Open("/proc/f", OpenFlags.O_RDONLY);
                    if (fd >= 0) p.Close(fd);
                }
                Interlocked.Decrement(ref running);
            }));
        }
        foreach (Thread t in threads) t.Start();

        long samples = 0, busy = 0;
        var torn = new List<KernelStatistics>();
        while (Volatile.Read(ref running) > 0)
        {
            KernelStatistics s = kernel.Statistics;
            samples++;
            if (s.LiveFiles > 0) busy++;
            long inFlight = s.LiveGCHandles - s.LiveFiles - otherHandles;
            if (s.OpenDescriptors > s.LiveFiles || inFlight < 0 || inFlight > workers || s.LiveInodes != rest.LiveInodes)
                if (torn.Count < 10) torn.Add(s);
        }
        foreach (Thread t in threads) Assert.That(t.Join(TimeSpan.FromMinutes(2)), Is.True);

        Assert.That(torn, Is.Empty, $"snapshots that no instant had (of {samples}, {busy} with files open; at rest {rest})");
        Assert.That(kernel.Statistics, Is.EqualTo(rest));
    }
}
