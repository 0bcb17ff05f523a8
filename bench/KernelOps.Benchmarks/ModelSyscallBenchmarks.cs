using BenchmarkDotNet.Attributes;
using KernelOps.Model;
using KernelOps.Samples.ProcRamFile;

namespace KernelOps.Benchmarks;

/// <summary>
/// The kernel model's syscall path on /proc/rust-proc-file: UserProcess.Read/Write/Pread/Pwrite/Lseek,
/// each through ksys_* → fdget_pos → vfs_* → proc_reg_* → the generated RamFile.Table → RamFileData.
/// MemoryDiagnoser must show 0 B per dispatched operation. OpenClose (path walk, struct file,
/// fd install, flush, fput) allocates; it measures what the leak counters' updates cost.
/// </summary>
[MemoryDiagnoser]
public class ModelSyscallBenchmarks
{
    private Kernel _kernel = null!;
    private UserProcess _process = null!;
    private int _fd;
    private nuint _buffer;

    /// <summary>Bytes per read or write.</summary>
    [Params(64, 4096)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _kernel = new Kernel();
        _kernel.Modules.Load(new RamFileModule());
        _process = _kernel.CreateProcess("bench");
        _fd = _process.Open(RamFileModule.Path, OpenFlags.O_RDWR);
        if (_fd < 0) throw new System.InvalidOperationException($"open: {_fd}");
        _buffer = _process.Memory.Map(64 * 1024).Address;
        if (_process.Write(_fd, _buffer, 64 * 1024) != 64 * 1024) throw new System.InvalidOperationException("prefill");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _process.Close(_fd);
        _process.Dispose();
        _kernel.Dispose();
    }

    /// <summary>lseek(fd, 0, SEEK_SET) then read(2): f_pos moves through the table.</summary>
    [Benchmark]
    public nint LseekThenRead()
    {
        _process.Lseek(_fd, 0, 0);
        return _process.Read(_fd, _buffer, (nuint)Size);
    }

    /// <summary>lseek(fd, 0, SEEK_SET) then write(2).</summary>
    [Benchmark]
    public nint LseekThenWrite()
    {
        _process.Lseek(_fd, 0, 0);
        return _process.Write(_fd, _buffer, (nuint)Size);
    }

    /// <summary>pread64(2) at 0.</summary>
    [Benchmark]
    public nint Pread() => _process.Pread(_fd, _buffer, (nuint)Size, 0);

    /// <summary>pwrite64(2) at 0.</summary>
    [Benchmark]
    public nint Pwrite() => _process.Pwrite(_fd, _buffer, (nuint)Size, 0);

    /// <summary>lseek(2) alone.</summary>
    [Benchmark]
    public long Lseek() => _process.Lseek(_fd, 0, 0);

    /// <summary>open(2) then close(2): six changes of Kernel.Statistics' counters (a handle, its file, an fd, then back).</summary>
    [Benchmark]
    public int OpenClose() => _process.Close(_process.Open(RamFileModule.Path, OpenFlags.O_RDONLY));
}
