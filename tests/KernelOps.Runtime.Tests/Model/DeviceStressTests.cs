using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Text;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

/// <summary>Opens, reads and closes racing with module unload/reload: only Linux's errnos, no leaks, one release per open.</summary>
internal sealed class DeviceStressTests : ModelTestBase
{
    [Test, CancelAfter(120_000)]
    public void OpensRacingWithUnloadAndReload_SeeOnlyEnodev_AndBalanceExactly()
    {
        const int workers = 4;
        var data = new DeviceCounters();
        // a fixed minor and a node made by hand: devtmpfs' /dev/st comes and goes with each load,
        // this one stays, so an open races the unload instead of finding no name (ENOENT)
        var module = new DeviceModule("racy", c => c.Devices.RegisterMisc("st", StatefulDevice.Table, minor: 60, data: data));
        Kernel.Modules.Load(module);
        Assert.That(Proc.Mknod("/dev/st-by-hand", StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(10, 60)), Is.Zero);
        var failures = new ConcurrentBag<string>();
        int stop = 0, opened = 0, refused = 0, cycles = 0;

        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            try
            {
                using UserProcess p = Kernel.CreateProcess($"w{w}");
                UserMapping buf = p.Memory.Map(64);
                while (Volatile.Read(ref stop) == 0)
                {
                    int fd = p.Open("/dev/st-by-hand", OpenFlags.O_RDONLY);
                    if (fd == -(int)Errno.ENODEV) { Interlocked.Increment(ref refused); continue; }
                    if (fd < 0) { failures.Add($"open: {(Errno)(-fd)}"); continue; }
                    Interlocked.Increment(ref opened);
                    nint n = p.Read(fd, buf.Address, 64);
                    if (n != 6) failures.Add($"read on an open file returned {n}");
                    var bytes = new byte[6];
                    p.Memory.CopyFromUser(bytes, buf.Address);
                    if (Encoding.ASCII.GetString(bytes) != "hello\n") failures.Add("read returned other bytes");
                    if (p.Close(fd) != 0) failures.Add("close failed");
                }
            }
            catch (Exception e) { failures.Add(e.ToString()); }
        })).ToList();
        threads.ForEach(t => t.Start());

        long deadline = Environment.TickCount64 + 3000;
        while (Environment.TickCount64 < deadline || cycles < 5)
        {
            if (Environment.TickCount64 > deadline + 30_000) { failures.Add($"only {cycles} unload cycles in 33 s"); break; }
            KResult r = Kernel.Modules.Unload("racy");
            if (r == (KResult)Errno.EAGAIN) { Thread.Yield(); continue; }
            if (!r.IsOk) { failures.Add($"unload: {r}"); break; }
            Kernel.Modules.Load(module);
            cycles++;
        }
        Volatile.Write(ref stop, 1);
        foreach (Thread t in threads)
            if (!t.Join(TimeSpan.FromSeconds(30))) failures.Add("a worker hung");

        Assert.That(failures, Is.Empty);
        using (Assert.EnterMultipleScope())
        {
            Assert.That(data.Opens, Is.EqualTo(opened));
            Assert.That(data.Releases, Is.EqualTo(opened), "one release per successful open");
            Assert.That(data.LiveSessions, Is.Zero);
            Assert.That(Kernel.Statistics.LiveFiles, Is.Zero);
        }
        TestContext.Out.WriteLine($"{cycles} unload/reload cycles, {opened} opens served, {refused} refused with ENODEV");
    }
}
