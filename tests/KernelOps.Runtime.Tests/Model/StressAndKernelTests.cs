using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model;

[TestFixture]
internal sealed class StressAndKernelTests
{
    private static readonly HashSet<long> AllowedErrors =
    [
        -(long)Errno.ENOENT, // open while the module is unloaded
        -(long)Errno.EIO,    // call on a file whose entry was removed
    ];

    [Test]
    public void SyscallsRacingWithUnloadReload_NeverCrashOrLeak()
    {
        var kernel = new Kernel();
        var state = new RamState("stress-data");
        const int reloads = 60;
        var failures = new List<string>();
        using var stop = new ManualResetEventSlim(false);
        long successfulReads = 0;

        var workers = new List<Thread>();
        for (int w = 0; w < 4; w++)
        {
            UserProcess process = kernel.CreateProcess($"worker{w}");
            bool useDup = w % 2 == 1;
            workers.Add(new Thread(() =>
            {
                nuint buf = process.Memory.Map(64).Address;
                nuint src = process.Memory.Map(8).Address;
                process.Memory.CopyToUser(src, "abc"u8);
                while (!stop.IsSet)
                {
                    int fd = process.Open("/proc/stress/data", OpenFlags.O_RDWR);
                    if (fd < 0)
                    {
                        if (!AllowedErrors.Contains(fd)) lock (failures) failures.Add($"open {fd}");
                        Thread.Yield();
                        continue;
                    }
                    int second = useDup ? process.Dup(fd) : fd;
                    for (int i = 0; i < 5; i++)
                    {
                        nint r = process.Read(second, buf, 64);
                        if (r > 0) Interlocked.Increment(ref successfulReads);
                        else if (r < 0 && !AllowedErrors.Contains(r)) lock (failures) failures.Add($"read {r}");
                        nint p = process.Pwrite(fd, src, 3, 0);
                        if (p < 0 && !AllowedErrors.Contains(p)) lock (failures) failures.Add($"pwrite {p}");
                        long s = process.Lseek(fd, 0, (int)Whence.Set);
                        if (s < 0 && !AllowedErrors.Contains(s)) lock (failures) failures.Add($"lseek {s}");
                    }
                    if (useDup) process.Close(second);
                    if (process.Close(fd) != 0) lock (failures) failures.Add("close");
                }
            }) { IsBackground = true });
        }
        foreach (Thread t in workers) t.Start();

        var module = new RamModule("stress", state);
        for (int i = 0; i < reloads; i++)
        {
            kernel.Modules.Load(module);
            Thread.Sleep(1);
            Assert.That(kernel.Modules.Unload("stress"), Is.EqualTo(KResult.Ok));
        }
        kernel.Modules.Load(module);
        Thread.Sleep(20);
        stop.Set();
        foreach (Thread t in workers) Assert.That(t.Join(TimeSpan.FromSeconds(20)), Is.True, "worker hung");

        Assert.That(failures, Is.Empty);
        Assert.That(module.Inits, Is.EqualTo(reloads + 1));
        Assert.That(Interlocked.Read(ref successfulReads), Is.GreaterThan(0));
        Assert.That(kernel.Statistics.LiveFiles, Is.Zero, "every worker closed its files");
        Assert.That(state.Releases, Is.EqualTo(state.Opens), "every successful open was released exactly once");
        kernel.Dispose();
        Assert.That(kernel.Statistics, Is.EqualTo(new KernelStatistics(0, 0, 0, 0)));
    }

    [Test]
    public void KernelDispose_FreesEverything_WithFilesOpenInSeveralProcesses()
    {
        var kernel = new Kernel();
        var direct = new RamState("direct");
        var fromModule = new RamState("module");
        kernel.Proc.Create("direct", 0x1B6, null, TestTables.Ram, direct);
        ProcEntry dir = kernel.Proc.Mkdir("dir");
        kernel.Proc.Create("perm", 0, dir, TestTables.RamPermanent, new RamState("p"));
        kernel.Modules.Load(new RamModule("mod", fromModule) { ForgetToRemove = true });
        UserProcess a = kernel.CreateProcess("a");
        UserProcess b = kernel.CreateProcess("b");
        Assert.That(a.Open("/proc/direct", OpenFlags.O_RDONLY), Is.EqualTo(0));
        Assert.That(a.Dup(0), Is.EqualTo(1));
        Assert.That(b.Open("/proc/mod/data", OpenFlags.O_RDONLY), Is.EqualTo(0));
        Assert.That(b.Open("/proc/dir/perm", OpenFlags.O_RDONLY), Is.EqualTo(1));
        Assert.That(b.Open("/proc/dir", OpenFlags.O_RDONLY), Is.EqualTo(2));
        Assert.That(kernel.Statistics.IsEmpty, Is.False);

        kernel.Dispose();

        Assert.That(kernel.Statistics, Is.EqualTo(new KernelStatistics(0, 0, 0, 0)));
        Assert.That(direct.Releases, Is.EqualTo(1));
        Assert.That(fromModule.Releases, Is.EqualTo(1));
        Assert.That(kernel.Processes, Is.Empty);
        Assert.That(a.Memory.MappingCount, Is.Zero);
        Assert.Throws<ObjectDisposedException>(() => kernel.CreateProcess());
        Assert.Throws<ObjectDisposedException>(() => a.Open("/proc/direct", OpenFlags.O_RDONLY));
        kernel.Dispose(); // idempotent
    }

    [Test]
    public void ManyKernels_InOneProcess_DoNotInterfere()
    {
        const int count = 6;
        var errors = new List<string>();
        var threads = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            int id = i;
            threads[i] = new Thread(() =>
            {
                try
                {
                    using var kernel = new Kernel();
                    kernel.Proc.Create("same-name", 0x1B6, null, TestTables.Ram, new RamState($"kernel {id}"));
                    kernel.Proc.Create("bad", 0, null, TestTables.Ram, new RamState { ThrowInRead = true });
                    UserProcess p = kernel.CreateProcess();
                    for (int n = 0; n < 200; n++)
                    {
                        string text = p.ReadAllText("/proc/same-name");
                        if (text != $"kernel {id}") lock (errors) errors.Add($"kernel {id} read '{text}'");
                        p.WriteAllText("/proc/same-name", $"kernel {id}");
                    }
                    Assert.Throws<KernelErrorException>(() => p.ReadAllBytes("/proc/bad"));
                    int own = 0;
                    foreach (string line in kernel.Log.Lines) if (line.Contains("threw")) own++;
                    if (own != 1) lock (errors) errors.Add($"kernel {id} saw {own} handler log lines");
                    if (p.Pid != 1) lock (errors) errors.Add($"kernel {id} pid {p.Pid}");
                }
                catch (Exception e)
                {
                    lock (errors) errors.Add(e.ToString());
                }
            });
            threads[i].Start();
        }
        foreach (Thread t in threads) Assert.That(t.Join(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(errors, Is.Empty);
    }

    [Test]
    public void SyscallsFromManyThreadsOnOneProcess_AreSafe()
    {
        using var kernel = new Kernel();
        var state = new RamState(new string('q', 100));
        kernel.Proc.Create("shared", 0x1B6, null, TestTables.Ram, state);
        UserProcess p = kernel.CreateProcess();
        var threads = new Thread[8];
        int bad = 0;
        for (int i = 0; i < threads.Length; i++)
        {
            threads[i] = new Thread(() =>
            {
                for (int n = 0; n < 300; n++)
                {
                    int fd = p.Open("/proc/shared", OpenFlags.O_RDONLY);
                    if (fd < 0) { Interlocked.Increment(ref bad); continue; }
                    byte[] content = p.ReadAllBytes("/proc/shared");
                    if (Encoding.ASCII.GetString(content) != state.Text) Interlocked.Increment(ref bad);
                    // Close someone's fd, maybe: a racing close must give 0 or EBADF, never a crash.
                    int r = p.Close(fd);
                    if (r != 0) Interlocked.Increment(ref bad);
                    int stray = p.Close(1000);
                    if (stray != -(int)Errno.EBADF) Interlocked.Increment(ref bad);
                }
            });
            threads[i].Start();
        }
        foreach (Thread t in threads) Assert.That(t.Join(TimeSpan.FromSeconds(30)), Is.True);
        Assert.That(bad, Is.Zero);
        Assert.That(state.Opens, Is.EqualTo(state.Releases));
        Assert.That(kernel.Statistics.OpenDescriptors, Is.Zero);
    }

    [Test]
    public void LookupsRacingWithCloseAndFdReuse_SeeAWholeFileOrEbadf_AndLeakNothing()
    {
        // fdget takes no lock (as __fget_files_rcu): readers race with a thread that closes fd 0 and
        // reopens the number on another file. Every read must see one file whole or EBADF, and
        // every file must be released exactly once (a reference taken on a file already being
        // freed would run its release twice or touch freed memory).
        //
        // Whether a reader runs while fd 0 is open is up to the scheduler: on a loaded machine the
        // opener can finish thousands of open/close rounds while no reader is on a CPU. So every
        // HandshakeEvery rounds (on "a" and on "b" alternately) the opener keeps the file open until
        // a reader has read it whole, then closes it while the readers are known to be running and
        // retrying: the reads the test asserts on are caused, not hoped for, and no sleep is involved.
        const int rounds = 20_000, HandshakeEvery = 1_000;
        using var kernel = new Kernel();
        var a = new RamState("aaaaaaaa");
        var b = new RamState("bbbbbbbb");
        kernel.Proc.Create("a", 0x1B6, null, TestTables.Ram, a);
        kernel.Proc.Create("b", 0x1B6, null, TestTables.Ram, b);
        UserProcess p = kernel.CreateProcess();
        using var stop = new ManualResetEventSlim(false);
        var failures = new List<string>();
        long readsOfA = 0, readsOfB = 0;
        var readers = new Thread[3];
        for (int i = 0; i < readers.Length; i++)
        {
            readers[i] = new Thread(() =>
            {
                nuint buf = p.Memory.Map(16).Address;
                var seen = new byte[8];
                while (!stop.IsSet)
                {
                    nint r = p.Pread(0, buf, 16, 0);
                    if (r == -(nint)Errno.EBADF) continue;
                    p.Memory.CopyFromUser(seen, buf);
                    string text = Encoding.ASCII.GetString(seen);
                    if (r == 8 && text == a.Text) Interlocked.Increment(ref readsOfA);
                    else if (r == 8 && text == b.Text) Interlocked.Increment(ref readsOfB);
                    else lock (failures) failures.Add($"pread {r} '{text}'");
                }
            }) { IsBackground = true };
            readers[i].Start();
        }
        for (int n = 0; n < rounds; n++)
        {
            bool isA = n % 2 == 0;
            string path = isA ? "/proc/a" : "/proc/b";
            int fd = p.Open(path, OpenFlags.O_RDONLY);
            if (fd != 0) lock (failures) failures.Add($"open {path} gave {fd}");
            if (n % HandshakeEvery < 2)
            {
                long ReadsOfThisFile() => Interlocked.Read(ref isA ? ref readsOfA : ref readsOfB);
                long before = ReadsOfThisFile();
                // The deadline only turns a dead reader into a failure instead of a hang; it is no timing assumption.
                if (!SpinWait.SpinUntil(() => ReadsOfThisFile() > before, TimeSpan.FromMinutes(1)))
                    lock (failures) failures.Add($"no reader read {path} in a minute");
            }
            if (p.Close(fd) != 0) lock (failures) failures.Add($"close {fd}");
        }
        stop.Set();
        foreach (Thread t in readers) Assert.That(t.Join(TimeSpan.FromSeconds(30)), Is.True, "reader hung");
        Assert.That(failures, Is.Empty);
        Assert.That(Interlocked.Read(ref readsOfA), Is.GreaterThanOrEqualTo(rounds / HandshakeEvery), "reads that found /proc/a");
        Assert.That(Interlocked.Read(ref readsOfB), Is.GreaterThanOrEqualTo(rounds / HandshakeEvery), "reads that found /proc/b");
        Assert.That((a.Opens, b.Opens), Is.EqualTo((rounds / 2, rounds / 2)));
        Assert.That((a.Releases, b.Releases), Is.EqualTo((a.Opens, b.Opens)), "each file released exactly once");
        Assert.That(kernel.Statistics.LiveFiles, Is.Zero);
    }
}
