using System.Threading;
using BenchmarkDotNet.Attributes;
using KernelOps.Model;

namespace KernelOps.Benchmarks;

/// <summary>
/// What Kernel.Statistics' consistency costs an open/close pair: the counter traffic of one open
/// (a handle, its file, then an fd) and one close (the fd, the file, then its handle), through
/// KernelCounters.Update (a count and a change number in one word) and, for comparison, through
/// bare Interlocked counters as before Kernel.Statistics was made consistent. Single-threaded, so
/// uncontended atomics; the dispatch path (read, write, lseek) changes no counter.
/// </summary>
public class KernelCounterBenchmarks
{
    private readonly KernelCounters _counters = new();
    private long _files, _handles, _descriptors;

    /// <summary>Before: one Interlocked operation per counter change (6 per open/close).</summary>
    [Benchmark(Baseline = true)]
    public long BareInterlocked()
    {
        Interlocked.Increment(ref _files);
        Interlocked.Increment(ref _handles);
        Interlocked.Increment(ref _descriptors);
        Interlocked.Decrement(ref _descriptors);
        Interlocked.Decrement(ref _handles);
        return Interlocked.Decrement(ref _files);
    }

    /// <summary>Now: one atomic add per change too, each also counting the change.</summary>
    [Benchmark]
    public void VersionedUpdates()
    {
        _counters.Update(handles: 1);
        _counters.Update(files: 1);
        _counters.Update(descriptors: 1);
        _counters.Update(descriptors: -1);
        _counters.Update(files: -1);
        _counters.Update(handles: -1);
    }

    /// <summary>Kernel.Statistics with no writer running (two passes over ten words).</summary>
    [Benchmark]
    public KernelStatistics Snapshot() => _counters.Snapshot();
}
