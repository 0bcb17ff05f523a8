// kernelops: the command line lives in KernelOps.Fuse (KernelOps.Fuse.Cli.KernelOpsCommand), so
// a program with a mount mode of its own runs exactly the same code.
return KernelOps.Fuse.Cli.KernelOpsCommand.RunTool(args);
