using System;
using System.Text;
using KernelOps;
using KernelOps.Fuse.Cli;
using KernelOps.Model;
using KernelOps.Samples.ProcRamFile;

// Without arguments: a session on the kernel model, replaying the seed article's shell steps
// against /proc/rust-proc-file, then seeking, then unloading the module under an open file.
// With --mount DIR: the model's /proc served on DIR through FUSE until Ctrl-C.
// (kernelops mount DIR --module ProcRamFile.dll --root /proc, run by the same code as the tool)
if (KernelOpsCommand.RunProgramMountMode("ProcRamFile", args, typeof(RamFileModule).Assembly, "--root", "/proc") is int exit) return exit;

using var kernel = new Kernel();
kernel.Log.LineWritten += line => Console.WriteLine($"[dmesg] {line}");
using UserProcess shell = kernel.CreateProcess("sh");
string path = RamFileModule.Path;

Console.WriteLine("$ modprobe rust_proc_ram_file");
var module = new RamFileModule();
kernel.Modules.Load(module);

Cat();
Echo("abcd", append: false);
Cat();
Echo("defg", append: false);
Cat();
Echo("abcd", append: true);
Cat();

Console.WriteLine("$ # seek past EOF (10 bytes) to 12, write 'hello': ramfs fills the gap with zeros, keeps no hole");
UserMapping buffer = shell.Memory.Map(64);
int fd = shell.Open(path, OpenFlags.O_RDWR);
Show("lseek(fd, 12, SEEK_SET)", shell.Lseek(fd, 12, (int)Whence.Set));
Put(buffer, "hello");
Show("write(fd, \"hello\", 5)", shell.Write(fd, buffer.Address, 5));
Show("lseek(fd, 0, SEEK_END)", shell.Lseek(fd, 0, (int)Whence.End));
Show("lseek(fd, 11, SEEK_DATA)", shell.Lseek(fd, 11, (int)Whence.Data));
Show("lseek(fd, 2, SEEK_HOLE)", shell.Lseek(fd, 2, (int)Whence.Hole));
Show("lseek(fd, 17, SEEK_DATA)", shell.Lseek(fd, 17, (int)Whence.Data));
Show("lseek(fd, 0, 7)", shell.Lseek(fd, 0, 7));
Show("lseek(fd, -1, SEEK_SET)", shell.Lseek(fd, -1, (int)Whence.Set));
Show("read(fd, 0xdead0000, 4) at 0", shell.Pread(fd, 0xdead0000, 4, 0));
Console.WriteLine($"  contents: {Escape(module.Data!.Snapshot())}");

Console.WriteLine("$ rmmod rust_proc_ram_file   # with fd still open");
kernel.Modules.Unload(module.Name);
Show("read(fd, buf, 4) after rmmod", shell.Read(fd, buffer.Address, 4));
Show("close(fd)", shell.Close(fd));
Cat();
shell.Memory.Unmap(buffer.Address);
return 0;

void Cat()
{
    Console.WriteLine($"$ cat {path}");
    try { Console.Write(Encoding.ASCII.GetString(shell.ReadAllBytes(path))); }
    catch (KernelErrorException e) { Console.WriteLine($"cat: {path}: {e.Errno.Message()}"); }
}

void Echo(string text, bool append)
{
    Console.WriteLine($"$ echo {text} {(append ? ">>" : ">")} {path}");
    shell.WriteAllBytes(path, Encoding.ASCII.GetBytes(text + "\n"), append);
}

void Put(UserMapping mapping, string text)
{
    byte[] bytes = Encoding.ASCII.GetBytes(text);
    if (shell.Memory.CopyToUser(mapping.Address, bytes) != 0) throw new InvalidOperationException("mapping too small");
}

static void Show(string call, long result) =>
    Console.WriteLine(result >= 0 ? $"  {call} = {result}" : $"  {call} = -1 {(Errno)(-result)} ({((Errno)(-result)).Message()})");

static string Escape(byte[] bytes)
{
    var sb = new StringBuilder("\"");
    foreach (byte b in bytes) sb.Append(b switch { (byte)'\n' => "\\n", 0 => "\\0", _ => ((char)b).ToString() });
    return sb.Append('"').ToString();
}
