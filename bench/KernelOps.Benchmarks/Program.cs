using System;
using System.Linq;
using BenchmarkDotNet.Running;

namespace KernelOps.Benchmarks;

/// <summary>
/// <c>native</c>: the native dispatch harness (C calls three proc_ops tables);
/// <c>model</c>: BenchmarkDotNet on the kernel model's syscalls (MemoryDiagnoser);
/// <c>generator [N] [--split] [--warm R]</c>: the generator on N handler types (default 1,000) in this
/// process, cold then warm; <c>generator --csc [N]</c>: the same handler files through the SDK's own
/// compiler in cold processes, with and without the generator (<see cref="GeneratorCscCost"/>).
/// Anything else goes to BenchmarkDotNet's switcher.
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        string mode = args.FirstOrDefault() ?? "";
        string[] rest = args.Skip(1).ToArray();
        switch (mode)
        {
            case "native":
                return NativeHarness.Run(rest);
            case "generator":
                return GeneratorCost.Run(rest);
            case "model":
                BenchmarkRunner.Run<ModelSyscallBenchmarks>(args: rest);
                return 0;
            default:
                BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
                return 0;
        }
    }
}
