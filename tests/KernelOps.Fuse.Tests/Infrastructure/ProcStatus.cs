using System;
using System.Diagnostics;
using System.IO;

namespace KernelOps.Fuse.Tests.Infrastructure;

/// <summary>What /proc/PID says about a real process the test started: its state, syscall, pending signals.</summary>
internal static class ProcStatus
{
    /// <summary>The state letter of /proc/PID/stat (R, S, D, Z, ...), or '-' once the process is gone.</summary>
    public static char State(Process p)
    {
        try
        {
            string stat = File.ReadAllText($"/proc/{p.Id}/stat");
            return stat[stat.LastIndexOf(')') + 2];
        }
        catch (IOException) { return '-'; }
    }

    /// <summary>
    /// In uninterruptible sleep (D) inside the system call <paramref name="number"/> (x86_64
    /// numbers; /proc/PID/syscall needs root): not merely in D for a disk read while it starts.
    /// </summary>
    public static bool AsleepUninterruptiblyIn(Process p, int number)
    {
        if (State(p) != 'D') return false;
        try { return File.ReadAllText($"/proc/{p.Id}/syscall").StartsWith($"{number} ", StringComparison.Ordinal) && State(p) == 'D'; }
        catch (IOException) { return false; }
    }

    /// <summary>Whether <paramref name="signal"/> is pending for the whole process (ShdPnd of /proc/PID/status).</summary>
    public static bool SignalPending(Process p, int signal)
    {
        foreach (string line in File.ReadLines($"/proc/{p.Id}/status"))
            if (line.StartsWith("ShdPnd:", StringComparison.Ordinal))
                return (Convert.ToUInt64(line["ShdPnd:".Length..].Trim(), 16) & (1UL << (signal - 1))) != 0;
        return false;
    }
}
