using System;
using KernelOps;
using KernelOps.Fuse.Cli;
using KernelOps.Model;
using KernelOps.Samples.PrinterFact;

// The seed's NixOS test script, replayed on the model: load the module, find its major in
// /proc/devices, mknod the node, stat it and cat it four times.
// With --mount DIR: the model's whole tree served on DIR (DIR/proc/devices, DIR/dev/printerfact).
// As the seed's script: the module with a chrdev region, then mknod with the major /proc/devices
// lists for "printerfact" (kernelops mount's --param and --mknod, run by the same code as the tool).
if (KernelOpsCommand.RunProgramMountMode("PrinterFact", args, typeof(PrinterFactModule).Assembly,
    "--param", "registration=ChrdevRegion", "--mknod", "/dev/printerfact", "c", "printerfact", "1", "--random-seed", "2021") is int exit) return exit;

using var kernel = new Kernel(randomSeed: 2021);
kernel.Log.LineWritten += line => Console.WriteLine($"[dmesg] {line}");
using UserProcess machine = kernel.CreateProcess("sh");

kernel.Modules.Load(new PrinterFactModule(PrinterFactRegistration.ChrdevRegion));
Console.WriteLine("$ cat /proc/devices");
Console.Write(machine.ReadAllText("/proc/devices"));

string chardev = Shell.FindMajor(machine, "printerfact");
Console.WriteLine($"$ mknod /dev/printerfact c {chardev} 1");
Shell.Mknod(machine, "/dev/printerfact", Shell.ParseMajor(chardev), 1);
Console.WriteLine("$ stat /dev/printerfact");
Console.WriteLine(Shell.Stat(machine, "/dev/printerfact"));
for (int i = 0; i < 4; i++)
{
    Console.WriteLine("$ cat /dev/printerfact");
    Console.Write(machine.ReadAllText("/dev/printerfact"));
}

Console.WriteLine("$ rmmod printerfacts");
Console.WriteLine(kernel.Modules.Unload("printerfacts"));
Console.WriteLine("$ cat /dev/printerfact");
try { machine.ReadAllText("/dev/printerfact"); }
catch (KernelErrorException e) { Console.WriteLine($"cat: /dev/printerfact: {e.Errno.Message()}"); }
return 0;
