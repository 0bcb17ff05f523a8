using System;
using System.Globalization;
using System.Linq;
using KernelOps.Model;

namespace KernelOps.Samples.PrinterFact;

/// <summary>The shell commands of the seed's NixOS test script, on the model.</summary>
public static class Shell
{
    /// <summary><c>cat /proc/devices</c>, split into lines.</summary>
    public static string[] CatLines(UserProcess process, string path)
    {
        ArgumentNullException.ThrowIfNull(process);
        return process.ReadAllText(path).Split('\n');
    }

    /// <summary>The seed's list comprehension: the first /proc/devices line naming <paramref name="name"/>, split on spaces, first field.</summary>
    public static string FindMajor(UserProcess process, string name) =>
        CatLines(process, "/proc/devices").Where(x => x.Contains(name, StringComparison.Ordinal)).First().Trim().Split(' ')[0];

    /// <summary><c>mknod PATH c MAJOR MINOR</c> (mode 0666 less the process' umask, as coreutils' mknod without -m).</summary>
    public static void Mknod(UserProcess process, string path, uint major, uint minor)
    {
        ArgumentNullException.ThrowIfNull(process);
        int r = process.Mknod(path, StatResult.S_IFCHR | 0x1B6, DeviceNumber.MakeUser(major, minor));
        if (r != 0) throw new KernelErrorException((Errno)(-r), $"mknod(\"{path}\")");
    }

    /// <summary><c>stat PATH</c> in coreutils' layout (the lines the model can fill).</summary>
    public static string Stat(UserProcess process, string path)
    {
        ArgumentNullException.ThrowIfNull(process);
        int r = process.Stat(path, out StatResult st);
        if (r != 0) throw new KernelErrorException((Errno)(-r), $"stat(\"{path}\")");
        string kind = (st.Mode & 0xF000) switch
        {
            StatResult.S_IFCHR => "character special file",
            StatResult.S_IFBLK => "block special file",
            0x4000 => "directory",
            _ => "regular file",
        };
        string perms = Convert.ToString(st.Mode & 0xFFF, 8).PadLeft(4, '0');
        return string.Join('\n',
            $"  File: {path}",
            $"  Size: {st.Size,-15} Blocks: 0          IO Block: 4096   {kind}",
            $"Device: {DeviceNumber.UserMajor(st.Device)},{DeviceNumber.UserMinor(st.Device)}\tInode: {st.Inode,-11} Links: {st.LinkCount,-5} Device type: {st.RDeviceMajor},{st.RDeviceMinor}",
            $"Access: ({perms}/{Symbolic(st.Mode)})  Uid: (    0/    root)   Gid: (    0/    root)");
    }

    private static string Symbolic(uint mode)
    {
        char type = (mode & 0xF000) switch { StatResult.S_IFCHR => 'c', StatResult.S_IFBLK => 'b', 0x4000 => 'd', _ => '-' };
        const string rwx = "rwxrwxrwx";
        var chars = new char[10];
        chars[0] = type;
        for (int i = 0; i < 9; i++) chars[i + 1] = (mode & (1u << (8 - i))) != 0 ? rwx[i] : '-';
        return new string(chars);
    }

    /// <summary>Parses a major as the seed's script does (it is text from /proc/devices).</summary>
    public static uint ParseMajor(string text) => uint.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
}
