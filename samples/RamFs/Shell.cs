using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using KernelOps;
using KernelOps.Model;

namespace KernelOps.Samples.RamFs;

/// <summary>
/// A small shell on one model process: the commands of the seed's demonstration (insmod, mount,
/// mkdir -p, echo &gt;, cat, ln, ln -s, mv, ls -l, rm -r, df, umount, rmmod, grep), each made of
/// the syscalls coreutils would make, printing what they print. Every command returns its exit
/// status and leaves the errno of its first failure in <see cref="LastError"/>.
/// </summary>
public sealed class ModelShell
{
    private readonly Kernel _kernel;
    private readonly TextWriter _out;
    private readonly Dictionary<string, Func<IKernelModule>> _modules;

    /// <summary>A shell on <paramref name="process"/>; <c>insmod NAME.ko</c> loads what <paramref name="modules"/> makes for NAME.</summary>
    public ModelShell(Kernel kernel, UserProcess process, TextWriter output, IReadOnlyDictionary<string, Func<IKernelModule>> modules)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(process);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(modules);
        _kernel = kernel;
        Process = process;
        _out = output;
        _modules = new Dictionary<string, Func<IKernelModule>>(modules, StringComparer.Ordinal);
    }

    /// <summary>The process whose syscalls the commands make.</summary>
    public UserProcess Process { get; }

    /// <summary>The errno of the last command's first failure (0 when it succeeded).</summary>
    public Errno LastError { get; private set; }

    /// <summary>Runs one command line; returns its exit status (0 success, 1 failure, 2 usage, 32 mount failure).</summary>
    public int Run(string commandLine)
    {
        ArgumentNullException.ThrowIfNull(commandLine);
        LastError = 0;
        List<string> words = Split(commandLine);
        if (words.Count == 0) return 0;
        string[] a = words.Skip(1).ToArray();
        return words[0] switch
        {
            "insmod" => Insmod(a),
            "rmmod" => Rmmod(a),
            "mount" => Mount(a),
            "umount" => Umount(a),
            "mkdir" => Mkdir(a),
            "echo" => Echo(a),
            "cat" => Cat(a),
            "grep" => Grep(a),
            "ln" => Ln(a),
            "mv" => Mv(a),
            "ls" => Ls(a),
            "rm" => Rm(a),
            "df" => Df(a),
            var other => Usage(other, "command not found", 127),
        };
    }

    private int Insmod(string[] a)
    {
        if (a.Length != 1) return Usage("insmod", "usage: insmod FILE.ko");
        string name = Path.GetFileNameWithoutExtension(a[0]);
        if (!_modules.TryGetValue(name, out Func<IKernelModule>? make)) return Fail("insmod", $"ERROR: could not load module {a[0]}: No such file or directory", Errno.ENOENT);
        try
        {
            _kernel.Modules.Load(make());
            return 0;
        }
        catch (KernelErrorException e)
        {
            return Fail("insmod", $"ERROR: could not insert module {a[0]}: {e.Errno.Message()}", e.Errno);
        }
    }

    private int Rmmod(string[] a)
    {
        if (a.Length != 1) return Usage("rmmod", "usage: rmmod MODULE");
        KResult result = _kernel.Modules.Unload(a[0]);
        if (result.IsOk) return 0;
        // kmod's rmmod names EWOULDBLOCK (refcount held) "in use"
        string why = result.Error == Errno.EAGAIN ? $"Module {a[0]} is in use" : $"could not remove module {a[0]}: {result.Error.Message()}";
        return Fail("rmmod", $"ERROR: {why}", result.Error);
    }

    // mount -t TYPE [-o OPTIONS] SOURCE DIR: mount(2) with the options as the data string
    private int Mount(string[] a)
    {
        string? type = null, options = null;
        var rest = new List<string>();
        for (int i = 0; i < a.Length; i++)
        {
            if (a[i] == "-t" && i + 1 < a.Length) type = a[++i];
            else if (a[i] == "-o" && i + 1 < a.Length) options = a[++i];
            else rest.Add(a[i]);
        }
        if (rest.Count != 2 || type is null) return Usage("mount", "usage: mount -t TYPE [-o OPTIONS] SOURCE DIR", 1);
        int rc = Process.Mount(rest[0], rest[1], type, MountOptions.None, options);
        if (rc == 0) return 0;
        Errno e = (Errno)(-rc);
        string message = e switch
        {
            Errno.ENODEV => $"{rest[1]}: unknown filesystem type '{type}'.",
            Errno.EPERM => "must be superuser to use mount.",
            _ => $"{rest[1]}: {e.Message()}.",
        };
        return Fail("mount", message, e, status: 32);
    }

    private int Umount(string[] a)
    {
        if (a.Length != 1) return Usage("umount", "usage: umount DIR", 1);
        int rc = Process.Umount(a[0]);
        if (rc == 0) return 0;
        Errno e = (Errno)(-rc);
        return Fail("umount", e == Errno.EBUSY ? $"{a[0]}: target is busy." : $"{a[0]}: {e.Message()}.", e, status: 32);
    }

    // mkdir [-p] DIR...: mode 0777 less the umask; -p makes the parents and accepts existing directories
    private int Mkdir(string[] a)
    {
        bool parents = a.Contains("-p");
        int status = 0;
        foreach (string dir in a.Where(x => x != "-p"))
        {
            if (!parents)
            {
                int rc = Process.Mkdir(dir, 0x1FF);
                if (rc != 0) status = Fail("mkdir", $"cannot create directory '{dir}': {((Errno)(-rc)).Message()}", (Errno)(-rc));
                continue;
            }
            string prefix = dir.StartsWith('/') ? "" : ".";
            foreach (string part in dir.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                prefix = prefix.Length == 0 ? "/" + part : prefix + "/" + part;
                int rc = Process.Mkdir(prefix, 0x1FF);
                if (rc == -(int)Errno.EEXIST && Process.Stat(prefix, out StatResult st) == 0 && st.IsDirectory) continue;
                if (rc != 0)
                {
                    status = Fail("mkdir", $"cannot create directory '{prefix}': {((Errno)(-rc)).Message()}", (Errno)(-rc));
                    break;
                }
            }
        }
        return status;
    }

    // echo TEXT... [> FILE | >> FILE]: open(O_WRONLY|O_CREAT|O_TRUNC or O_APPEND, 0666), one write
    private int Echo(string[] a)
    {
        int redirect = Array.FindIndex(a, x => x is ">" or ">>");
        string text = string.Join(' ', redirect < 0 ? a : a[..redirect]) + "\n";
        if (redirect < 0)
        {
            _out.Write(text);
            return 0;
        }
        if (redirect != a.Length - 2) return Usage("sh", "syntax error: one file after > or >>");
        string file = a[^1];
        try
        {
            Process.WriteAllText(file, text, append: a[redirect] == ">>");
            return 0;
        }
        catch (KernelErrorException e)
        {
            return Fail("sh", $"cannot create {file}: {e.Errno.Message()}", e.Errno, status: 2);
        }
    }

    private int Cat(string[] a)
    {
        int status = 0;
        foreach (string file in a)
        {
            try { _out.Write(Process.ReadAllText(file)); }
            catch (KernelErrorException e) { status = Fail("cat", $"{file}: {e.Errno.Message()}", e.Errno); }
        }
        return status;
    }

    // grep PATTERN FILE: the lines containing PATTERN; status 1 when none
    private int Grep(string[] a)
    {
        if (a.Length != 2) return Usage("grep", "usage: grep PATTERN FILE");
        string text;
        try { text = Process.ReadAllText(a[1]); }
        catch (KernelErrorException e) { return Fail("grep", $"{a[1]}: {e.Errno.Message()}", e.Errno, status: 2); }
        string[] lines = text.Split('\n').Where(l => l.Contains(a[0], StringComparison.Ordinal)).ToArray();
        foreach (string line in lines) _out.WriteLine(line);
        return lines.Length > 0 ? 0 : 1;
    }

    // ln [-s] TARGET LINK: link(2) or symlink(2)
    private int Ln(string[] a)
    {
        bool symbolic = a.Length == 3 && a[0] == "-s";
        if (a.Length != (symbolic ? 3 : 2)) return Usage("ln", "usage: ln [-s] TARGET LINK_NAME", 1);
        string target = a[^2], link = a[^1];
        int rc = symbolic ? Process.Symlink(target, link) : Process.Link(target, link);
        if (rc == 0) return 0;
        string what = symbolic ? "symbolic link" : "hard link";
        return Fail("ln", $"failed to create {what} '{link}'{(symbolic ? "" : $" => '{target}'")}: {((Errno)(-rc)).Message()}", (Errno)(-rc));
    }

    // mv SOURCE DEST: rename(2); into DEST when it is a directory
    private int Mv(string[] a)
    {
        if (a.Length != 2) return Usage("mv", "usage: mv SOURCE DEST", 1);
        string source = a[0], dest = a[1];
        if (Process.Stat(dest, out StatResult st) == 0 && st.IsDirectory)
            dest = dest.TrimEnd('/') + "/" + source.TrimEnd('/').Split('/')[^1];
        int rc = Process.Rename(source, dest);
        return rc == 0 ? 0 : Fail("mv", $"cannot move '{source}' to '{dest}': {((Errno)(-rc)).Message()}", (Errno)(-rc));
    }

    // ls -l [PATH...]: lstat of every entry but . and .., sorted by name, "total" in 1K blocks
    private int Ls(string[] a)
    {
        string[] paths = a.Where(x => x != "-l").ToArray();
        if (paths.Length == 0) paths = ["."];
        int status = 0;
        for (int p = 0; p < paths.Length; p++)
        {
            string path = paths[p];
            if (Process.Lstat(path, out StatResult self) != 0 || !self.IsDirectory)
            {
                int rc = Process.Lstat(path, out self);
                if (rc != 0) status = Fail("ls", $"cannot access '{path}': {((Errno)(-rc)).Message()}", (Errno)(-rc));
                else _out.WriteLine(LongLine(path, path, self));
                continue;
            }
            var entries = new List<DirectoryEntry>();
            int read = Process.ReadDirectory(path, entries);
            if (read != 0)
            {
                status = Fail("ls", $"cannot open directory '{path}': {((Errno)(-read)).Message()}", (Errno)(-read));
                continue;
            }
            if (paths.Length > 1) _out.WriteLine($"{(p > 0 ? "\n" : "")}{path}:");
            var lines = new List<string>();
            long blocks = 0;
            foreach (DirectoryEntry entry in entries.Where(e => e.Name is not "." and not "..").OrderBy(e => e.Name, StringComparer.Ordinal))
            {
                string full = path.TrimEnd('/') + "/" + entry.Name;
                if (Process.Lstat(full, out StatResult st) != 0) continue; // gone since getdents
                blocks += st.Blocks / 2; // st_blocks are 512-byte units
                lines.Add(LongLine(full, entry.Name, st));
            }
            _out.WriteLine($"total {blocks}");
            foreach (string line in lines) _out.WriteLine(line);
        }
        return status;
    }

    private string LongLine(string path, string name, StatResult st)
    {
        string when = DateTimeOffset.FromUnixTimeSeconds(st.ModifyTime.tv_sec).UtcDateTime.ToString("MMM d HH:mm", CultureInfo.InvariantCulture);
        string size = st.IsCharacterDevice || UMode.IsBlockDevice(st.Mode) ? $"{st.RDeviceMajor}, {st.RDeviceMinor}" : st.Size.ToString(CultureInfo.InvariantCulture);
        string line = $"{ModeString(st.Mode)} {st.LinkCount} {Owner(st.Uid)} {Owner(st.Gid)} {size,5} {when,12} {name}";
        if (st.IsSymlink && Process.Readlink(path, out string target) >= 0) line += " -> " + target;
        return line;
    }

    // rm [-r] PATH...: unlink, and with -r the directory's entries first, then rmdir
    private int Rm(string[] a)
    {
        bool recursive = a.Contains("-r") || a.Contains("-rf");
        int status = 0;
        foreach (string path in a.Where(x => !x.StartsWith('-')))
            if (Remove(path, recursive) != 0) status = 1;
        return status;
    }

    private int Remove(string path, bool recursive)
    {
        int rc = Process.Lstat(path, out StatResult st);
        if (rc != 0) return Fail("rm", $"cannot remove '{path}': {((Errno)(-rc)).Message()}", (Errno)(-rc));
        if (!st.IsDirectory)
        {
            rc = Process.Unlink(path);
            return rc == 0 ? 0 : Fail("rm", $"cannot remove '{path}': {((Errno)(-rc)).Message()}", (Errno)(-rc));
        }
        if (!recursive) return Fail("rm", $"cannot remove '{path}': Is a directory", Errno.EISDIR);
        var entries = new List<DirectoryEntry>();
        rc = Process.ReadDirectory(path, entries);
        if (rc != 0) return Fail("rm", $"cannot remove '{path}': {((Errno)(-rc)).Message()}", (Errno)(-rc));
        int status = 0;
        foreach (DirectoryEntry entry in entries.Where(e => e.Name is not "." and not ".."))
            if (Remove(path.TrimEnd('/') + "/" + entry.Name, recursive) != 0) status = 1;
        rc = Process.Rmdir(path);
        return rc == 0 ? status : Fail("rm", $"cannot remove '{path}': {((Errno)(-rc)).Message()}", (Errno)(-rc));
    }

    // df [PATH]: statfs(2) of the path, and its mount's source and mount point from /proc/mounts
    private int Df(string[] a)
    {
        string path = a.Length > 0 ? a[0] : ".";
        int rc = Process.Statfs(path, out StatFsResult fs);
        if (rc != 0) return Fail("df", $"{path}: {((Errno)(-rc)).Message()}", (Errno)(-rc));
        (string source, string target) = MountOf(path);
        ulong k = (ulong)fs.BlockSize / 1024;
        ulong size = fs.Blocks * k, free = fs.AvailableBlocks * k, used = (fs.Blocks - fs.FreeBlocks) * k;
        string percent = size == 0 ? "-" : $"{(used * 100 + (used + free) - 1) / Math.Max(1, used + free)}%";
        _out.WriteLine("Filesystem     1K-blocks  Used Available Use% Mounted on");
        _out.WriteLine($"{source,-14} {size,9} {used,5} {free,9} {percent,4} {target}");
        return 0;
    }

    // The /proc/mounts line whose mount point is the longest prefix of the path's directory.
    private (string Source, string Target) MountOf(string path)
    {
        string absolute = path.StartsWith('/') ? path : "/";
        (string, string) best = ("-", "/");
        foreach (string line in Process.ReadAllText("/proc/mounts").Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] f = line.Split(' ');
            string mountPoint = f[1];
            bool under = absolute == mountPoint || absolute.StartsWith(mountPoint.TrimEnd('/') + "/", StringComparison.Ordinal);
            if (under && mountPoint.Length >= best.Item2.Length) best = (f[0], mountPoint);
        }
        return best;
    }

    private static string Owner(uint id) => id == 0 ? "root" : id.ToString(CultureInfo.InvariantCulture);

    /// <summary>ls' ten characters: the type, then rwx for user, group and other with s/S and t/T.</summary>
    public static string ModeString(uint mode)
    {
        var c = new char[10];
        c[0] = (mode & UMode.S_IFMT) switch
        {
            UMode.S_IFDIR => 'd', UMode.S_IFLNK => 'l', UMode.S_IFCHR => 'c', UMode.S_IFBLK => 'b',
            UMode.S_IFIFO => 'p', UMode.S_IFSOCK => 's', _ => '-',
        };
        const string rwx = "rwxrwxrwx";
        for (int i = 0; i < 9; i++) c[i + 1] = (mode & (1u << (8 - i))) != 0 ? rwx[i] : '-';
        if ((mode & 0x800) != 0) c[3] = c[3] == 'x' ? 's' : 'S'; // S_ISUID
        if ((mode & 0x400) != 0) c[6] = c[6] == 'x' ? 's' : 'S'; // S_ISGID
        if ((mode & 0x200) != 0) c[9] = c[9] == 'x' ? 't' : 'T'; // S_ISVTX
        return new string(c);
    }

    private int Fail(string command, string message, Errno error, int status = 1)
    {
        if (LastError == 0) LastError = error;
        _out.WriteLine($"{command}: {message}");
        return status;
    }

    private int Usage(string command, string message, int status = 2)
    {
        if (LastError == 0) LastError = Errno.EINVAL;
        _out.WriteLine($"{command}: {message}");
        return status;
    }

    // Words split on blanks, with '...' and "..." quoting as sh does (no expansions).
    private static List<string> Split(string line)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        bool inWord = false;
        char quote = '\0';
        foreach (char ch in line)
        {
            if (quote != '\0')
            {
                if (ch == quote) quote = '\0';
                else word.Append(ch);
            }
            else if (ch is '\'' or '"') { quote = ch; inWord = true; }
            else if (char.IsWhiteSpace(ch))
            {
                if (inWord) words.Add(word.ToString());
                word.Clear();
                inWord = false;
            }
            else { word.Append(ch); inWord = true; }
        }
        if (inWord) words.Add(word.ToString());
        return words;
    }
}
