using System;
using System.Collections.Generic;
using KernelOps.Model;

namespace KernelOps.Testing;

/// <summary>
/// What a driver's own test needs, in one object: a fresh <see cref="Model.Kernel"/>, a shell process
/// to act from, module loading that throws when it fails, the kernel log, and leak assertions
/// against <see cref="Model.Kernel.Statistics"/>. Independent of any test framework: every failure is
/// an exception (<see cref="KernelErrorException"/> naming the syscall, path and errno;
/// <see cref="KernelLeakException"/> naming what leaked), which NUnit, xUnit and MSTest all report
/// as a failed test.
/// </summary>
/// <example>
/// <code>
/// using var test = TestKernel.WithModule(new PipeModule());
/// LeakCheckpoint clean = test.Checkpoint();
/// using (TestFile pipe = test.Shell.Open("/dev/scullpipe", OpenFlags.O_RDWR | OpenFlags.O_NONBLOCK))
/// {
///     pipe.Write("hello\n");
///     string text = pipe.ReadText(64);                     // "hello\n"
///     var error = Assert.Throws&lt;KernelErrorException&gt;(() => pipe.Read(64));
///     // error.Errno == Errno.EAGAIN; error.Message: read(3 "/dev/scullpipe", 64): EAGAIN (...)
/// }
/// clean.AssertNoLeaks();                                   // every file released, every handle freed
/// test.ShutDownAndAssertNoLeaks();                         // rmmod everything, nothing left
/// </code>
/// </example>
public sealed class TestKernel : IDisposable
{
    private readonly List<TestProcess> _processes = new();
    private bool _disposed;

    /// <summary>Boots a kernel (see <see cref="Model.Kernel"/>) with a process named <c>sh</c>.</summary>
    /// <param name="randomSeed">Seeds the kernel's random numbers so a test repeats; null for none.</param>
    /// <param name="logCapacity">Lines the kernel log keeps.</param>
    public TestKernel(int? randomSeed = null, int logCapacity = 4096)
    {
        Kernel = new Kernel(logCapacity, randomSeed);
        Shell = StartProcess("sh");
    }

    /// <summary>A kernel with <paramref name="module"/> loaded (insmod).</summary>
    /// <exception cref="KernelErrorException">The module's init failed (its errno), or a module of that name is loaded (EEXIST).</exception>
    public static TestKernel WithModule(IKernelModule module, int? randomSeed = null)
    {
        var test = new TestKernel(randomSeed);
        try
        {
            test.Load(module);
            return test;
        }
        catch
        {
            test.Dispose();
            throw;
        }
    }

    /// <summary>The kernel model under test.</summary>
    public Kernel Kernel { get; }

    /// <summary>A process to run syscalls from (<c>sh</c>).</summary>
    public TestProcess Shell { get; }

    /// <summary>The kernel log (dmesg), oldest line first.</summary>
    public IReadOnlyList<string> Log => Kernel.Log.Lines;

    /// <summary>What the kernel has allocated and not freed right now.</summary>
    public KernelStatistics Statistics => Kernel.Statistics;

    /// <summary>insmod: loads <paramref name="module"/>.</summary>
    /// <exception cref="KernelErrorException">Its init failed (its errno), or a module of that name is loaded (EEXIST).</exception>
    public LoadedModule Load(IKernelModule module) => Kernel.Modules.Load(module);

    /// <summary>rmmod <paramref name="name"/>.</summary>
    /// <exception cref="KernelErrorException">ENOENT when it is not loaded; EAGAIN while something uses it (an open file of its devices).</exception>
    public void Unload(string name)
    {
        KResult result = Kernel.Modules.Unload(name);
        if (!result.IsOk) throw new KernelErrorException(result.Error, $"delete_module(\"{name}\")");
    }

    /// <summary>Starts another process (its own fd table and address space), disposed with this kernel.</summary>
    public TestProcess StartProcess(string name = "test")
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var process = new TestProcess(Kernel.CreateProcess(name));
        lock (_processes) _processes.Add(process);
        return process;
    }

    /// <summary>
    /// Notes what is allocated now, so a test can later assert that what it did in between freed
    /// everything it allocated (<see cref="LeakCheckpoint.AssertNoLeaks"/>).
    /// </summary>
    public LeakCheckpoint Checkpoint() => new(Kernel, Kernel.Statistics);

    /// <summary>
    /// Exits every process (closing its files), unloads every module, shuts the kernel down, and
    /// then checks that nothing is left: every file released, inode and GCHandle freed, counted
    /// reference disposed, device and resource gone.
    /// </summary>
    /// <exception cref="KernelLeakException">Something is still allocated after the shutdown.</exception>
    public void ShutDownAndAssertNoLeaks()
    {
        Dispose();
        KernelStatistics left = Kernel.Statistics;
        if (!left.IsEmpty) throw new KernelLeakException(default, left, "after the kernel's shutdown");
    }

    /// <summary>Exits every process and shuts the kernel down. Never throws for a leak; see <see cref="ShutDownAndAssertNoLeaks"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        TestProcess[] processes;
        lock (_processes) processes = _processes.ToArray();
        foreach (TestProcess process in processes) process.Dispose();
        Kernel.Dispose();
    }
}

/// <summary>What a kernel had allocated at one point of a test (<see cref="TestKernel.Checkpoint"/>).</summary>
public readonly struct LeakCheckpoint
{
    private readonly Kernel _kernel;

    internal LeakCheckpoint(Kernel kernel, KernelStatistics statistics)
    {
        _kernel = kernel;
        Statistics = statistics;
    }

    /// <summary>The statistics at the checkpoint.</summary>
    public KernelStatistics Statistics { get; }

    /// <summary>Throws when the kernel now holds anything the checkpoint did not: files, inodes, handles, descriptors, references, devices.</summary>
    /// <exception cref="KernelLeakException">What differs, counter by counter.</exception>
    public void AssertNoLeaks()
    {
        KernelStatistics now = _kernel.Statistics;
        if (now != Statistics) throw new KernelLeakException(Statistics, now, "since the checkpoint");
    }
}
