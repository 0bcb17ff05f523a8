namespace KernelOps.Benchmarks;
public static class GeneratorCost { public static int Run(string[] args) => 0; }
