using System;
using System.Collections.Generic;
using System.Text;
using KernelOps;
using KernelOps.Fuse.Cli;
using KernelOps.Model;
using KernelOps.Samples.DebugFsDemo;

// Without arguments: a shell session against /sys/kernel/debug/netcard, printed as a transcript.
// With --mount DIR: the model's whole tree served on DIR through FUSE until Ctrl-C, so a real
// shell reads and writes DIR/sys/kernel/debug/netcard/... through the debugfs proxy.
// (kernelops mount DIR --module DebugFsDemo.dll: its NetCardModule, run by the same code as the tool)
if (KernelOpsCommand.RunProgramMountMode("DebugFsDemo", args, typeof(NetCardModule).Assembly) is int exit) return exit;

Console.Write(Transcript.Run());
return 0;

namespace KernelOps.Samples.DebugFsDemo
{
    /// <summary>A shell session against /sys/kernel/debug/netcard, as text.</summary>
    internal static class Transcript
    {
        private const string D = DebugFs.MountPoint + "/netcard";

        public static string Run()
        {
            var log = new StringBuilder();
            using var kernel = new Kernel();
            using UserProcess sh = kernel.CreateProcess("sh");
            NetCard card = NetCard.Probe(kernel);

            var names = new List<DirectoryEntry>();
            Cat(sh, log, D + "/stats");
            Cat(sh, log, D + "/mtu");
            Echo(sh, log, "9000", D + "/mtu");
            Cat(sh, log, D + "/mtu");
            Echo(sh, log, "70000000000", D + "/mtu");
            Echo(sh, log, "jumbo", D + "/mtu");
            Cat(sh, log, D + "/mtu");
            Echo(sh, log, "on", D + "/promiscuous");
            Cat(sh, log, D + "/promiscuous");
            Echo(sh, log, "wan0", D + "/name");
            Cat(sh, log, D + "/name");
            Echo(sh, log, "1", D + "/reset_stats");
            Cat(sh, log, D + "/stats");
            Echo(sh, log, "512", D + "/queues/ring_size");
            Cat(sh, log, D + "/queues/rx0/ring_size");
            Cat(sh, log, D + "/queues/rx1/ring_size");
            Cat(sh, log, D + "/queues/rx0/head");
            Cat(sh, log, D + "/queues/rx1/card_stats");
            log.Append($"driver sees: mtu={card.Mtu.Value.Value} promiscuous={card.Promiscuous.Value.Value} name={card.Name.Value.Value}\n");

            int fd = sh.Open(D + "/stats", OpenFlags.O_RDONLY);
            log.Append($"$ exec 3< {D}/stats; rmmod netcard\n");
            card.Dispose();
            UserMapping buffer = sh.Memory.Map(256);
            log.Append($"$ cat <&3\ncat: read error: {Describe(sh.Read(fd, buffer.Address, 256))}\n");
            sh.Close(fd);
            Cat(sh, log, D + "/stats");
            return log.ToString();
        }

        private static void Cat(UserProcess sh, StringBuilder log, string path)
        {
            log.Append($"$ cat {path}\n");
            try { log.Append(sh.ReadAllText(path)); }
            catch (KernelErrorException e) { log.Append($"cat: {path}: {Describe(-(int)e.Errno)}\n"); }
        }

        private static void Echo(UserProcess sh, StringBuilder log, string text, string path)
        {
            log.Append($"$ echo {text} > {path}\n");
            try { sh.WriteAllText(path, text + "\n"); }
            catch (KernelErrorException e) { log.Append($"sh: echo: write error: {Describe(-(int)e.Errno)}\n"); }
        }

        private static string Describe(long result) => result >= 0 ? result.ToString() : ((Errno)(-result)) switch
        {
            Errno.EINVAL => "Invalid argument",
            Errno.ERANGE => "Numerical result out of range",
            Errno.EIO => "Input/output error",
            Errno.ENOENT => "No such file or directory",
            var e => e.ToString(),
        };
    }
}
