using System;
using System.Text;
using System.Threading;
using KernelOps;
using KernelOps.Fuse.Cli;
using KernelOps.Model;
using KernelOps.Samples.PipeDevice;

// A short session with /dev/scullpipe: a blocked reader woken by a writer, O_NONBLOCK, poll and
// the ioctls, printed as a transcript.
// With --mount DIR: the model's whole tree served on DIR (DIR/dev/scullpipe, DIR/proc/misc).
// (kernelops mount DIR --module PipeDevice.dll, run by the same code as the tool; the module's
// misc_register makes /dev/scullpipe)
if (KernelOpsCommand.RunProgramMountMode("PipeDevice", args, typeof(PipeModule).Assembly) is int exit) return exit;

using var kernel = new Kernel();
using UserProcess sh = kernel.CreateProcess("sh");
PipeModule module = PipeModule.Install(kernel, capacity: 64);
Console.WriteLine($"$ grep scullpipe /proc/misc\n{sh.ReadAllText("/proc/misc").TrimEnd()}");

using UserProcess reader = kernel.CreateProcess("reader");
int rfd = reader.Open("/dev/scullpipe", OpenFlags.O_RDONLY | OpenFlags.O_NONBLOCK);
UserMapping rbuf = reader.Memory.Map(128);
Console.WriteLine($"reader: read(O_NONBLOCK) on the empty pipe -> {Describe(reader.Read(rfd, rbuf.Address, 128))}");
reader.Close(rfd);

rfd = reader.Open("/dev/scullpipe", OpenFlags.O_RDONLY);
string got = "";
var thread = new Thread(() =>
{
    nint n = reader.Read(rfd, rbuf.Address, 128);
    var bytes = new byte[Math.Max(0, (int)n)];
    reader.Memory.CopyFromUser(bytes, rbuf.Address);
    got = Encoding.ASCII.GetString(bytes);
});
thread.Start();
SpinWait.SpinUntil(() => module.Pipe.ReadQueue.WaiterCount == 1, 5000);
Console.WriteLine("reader: read() blocks on the empty pipe...");

using UserProcess writer = kernel.CreateProcess("writer");
int wfd = writer.Open("/dev/scullpipe", OpenFlags.O_WRONLY);
UserMapping wbuf = writer.Memory.Map(128);
writer.Memory.CopyToUser(wbuf.Address, "hello, pipe\n"u8);
Console.WriteLine($"writer: write(\"hello, pipe\\n\") -> {Describe(writer.Write(wfd, wbuf.Address, 12))}");
thread.Join(5000);
Console.Write($"reader: woke up and read \"{got.TrimEnd()}\"\n");

var readable = new[] { new PollFd(rfd, PollEvents.In) };
Console.WriteLine($"reader: poll(IN, 0 ms) on the empty pipe -> {reader.Poll(readable, 0)} [{readable[0].ReturnedEvents}]");
int polled = -1;
var pollThread = new Thread(() => polled = reader.Poll(readable, 5000));
pollThread.Start();
SpinWait.SpinUntil(() => module.Pipe.ReadQueue.WaiterCount == 1, 5000);
writer.Memory.CopyToUser(wbuf.Address, "ping\n"u8);
Console.WriteLine($"writer: write(\"ping\\n\") while the reader polls -> {Describe(writer.Write(wfd, wbuf.Address, 5))}");
pollThread.Join(5000);
Console.WriteLine($"reader: poll(IN, 5000 ms) woke -> {polled} [{readable[0].ReturnedEvents}]");

UserMapping arg = writer.Memory.Map(16);
writer.Ioctl(wfd, PipeIoctl.GetInfo, arg.Address);
Console.WriteLine($"ioctl(PIPE_IOC_GETINFO=0x{PipeIoctl.GetInfo:x8}) -> {Info(writer, arg.Address)}");
writer.Memory.CopyToUser(arg.Address, BitConverter.GetBytes(256u));
Console.WriteLine($"ioctl(PIPE_IOC_RESIZE=0x{PipeIoctl.Resize:x8}, 256) -> {Describe((nint)writer.Ioctl(wfd, PipeIoctl.Resize, arg.Address))}");
writer.Ioctl(wfd, PipeIoctl.GetInfo, arg.Address);
Console.WriteLine($"ioctl(PIPE_IOC_GETINFO) -> {Info(writer, arg.Address)}");
Console.WriteLine($"ioctl(PIPE_IOC_GETINFO, NULL) -> {Describe((nint)writer.Ioctl(wfd, PipeIoctl.GetInfo, 0))}");

writer.Close(wfd);
reader.Close(rfd);
Console.WriteLine($"rmmod scullpipe -> {kernel.Modules.Unload("scullpipe")}");
return 0;

static string Describe(nint r) => r >= 0 ? r.ToString() : $"-1 {(Errno)(-r)} ({((Errno)(-r)).Message()})";

static string Info(UserProcess p, nuint address)
{
    var bytes = new byte[16];
    p.Memory.CopyFromUser(bytes, address);
    return $"{{ capacity {BitConverter.ToUInt32(bytes, 0)}, used {BitConverter.ToUInt32(bytes, 4)}, readers {BitConverter.ToInt32(bytes, 8)}, writers {BitConverter.ToInt32(bytes, 12)} }}";
}
