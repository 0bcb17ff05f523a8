using System;
using KernelOps.Model;
using KernelOps.Samples.RamFs;

// The seed's ramfs, as a module of the kernel model: insmod registers the file system type
// "rust_ramfs"; a shell mounts it and uses it as on Linux, then unmounts it and unloads the module.
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
