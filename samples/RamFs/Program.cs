using System;
using KernelOps.Fuse.Cli;
using KernelOps.Model;
using KernelOps.Samples.RamFs;

// The seed's ramfs, as a module of the kernel model: insmod registers the file system type
// "rust_ramfs"; a shell mounts it and uses it as on Linux, then unmounts it and unloads the module.
// With --mount DIR: a fresh rust_ramfs served on DIR to real processes through FUSE until Ctrl-C
// (kernelops mount DIR --module RamFs.dll --mount-fs rust_ramfs, run by the same code as the tool).
if (KernelOpsCommand.RunProgramMountMode("RamFs", args, typeof(RustRamfsModule).Assembly, "--mount-fs", $"{RustRamfsModule.ModuleName}:{Transcript.MountPoint}") is int exit) return exit;

using var kernel = new Kernel();
kernel.Log.LineWritten += line => Console.WriteLine($"[dmesg] {line}");
using UserProcess sh = kernel.CreateProcess("sh");
var shell = new ModelShell(kernel, sh, Console.Out, Transcript.Modules);
int unexpected = 0;
Transcript.Run(shell, Console.Out, (i, status, error) =>
{
    if (error != Transcript.Commands[i].ExpectedError) unexpected++;
});
// a non-zero exit when any step did not go as the session says it should
return unexpected == 0 ? 0 : 1;
