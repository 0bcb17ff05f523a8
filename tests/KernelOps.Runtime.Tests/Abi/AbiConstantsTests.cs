using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace KernelOps.Runtime.Tests.Abi;

/// <summary>
/// Errno, open-flag and whence values must equal the C headers'. gcc compiles a program that prints
/// each constant by name from the system's Linux UAPI headers; the enums must agree member by member.
/// </summary>
public class AbiConstantsTests
{
    // Kernel-internal codes (include/linux/errno.h) are not in the UAPI headers.
    private static readonly HashSet<string> KernelInternal = new() { nameof(Errno.ERESTARTSYS), nameof(Errno.ENOIOCTLCMD), nameof(Errno.ENOPARAM) };

    [Test]
    public void Errno_values_match_the_C_headers()
    {
        string[] names = Enum.GetNames<Errno>().Where(n => !KernelInternal.Contains(n)).ToArray();
        Dictionary<string, long> c = PrintConstants("#include <errno.h>", names);
        using (Assert.EnterMultipleScope())
        {
            foreach (string n in names) Assert.That((long)Enum.Parse<Errno>(n), Is.EqualTo(c[n]), n);
        }
    }

    [Test]
    public void Open_flags_match_the_C_headers()
    {
        string[] names = Enum.GetNames<OpenFlags>();
        Dictionary<string, long> c = PrintConstants("#include <asm/fcntl.h> /* the kernel UAPI values; glibc redefines O_LARGEFILE as 0 on 64-bit */", names);
        using (Assert.EnterMultipleScope())
        {
            foreach (string n in names) Assert.That((long)Enum.Parse<OpenFlags>(n), Is.EqualTo(c[n]), n);
        }
    }

    [Test]
    public void Whence_values_match_the_C_headers()
    {
        var map = new (string C, Whence W)[] { ("SEEK_SET", Whence.Set), ("SEEK_CUR", Whence.Current), ("SEEK_END", Whence.End), ("SEEK_DATA", Whence.Data), ("SEEK_HOLE", Whence.Hole) };
        Dictionary<string, long> c = PrintConstants("#include <linux/fs.h>", map.Select(m => m.C).Append("SEEK_MAX").ToArray());
        using (Assert.EnterMultipleScope())
        {
            foreach (var (name, w) in map) Assert.That((long)w, Is.EqualTo(c[name]), name);
            Assert.That(c["SEEK_MAX"], Is.EqualTo(WhenceExtensions.SeekMax), "SEEK_MAX");
        }
    }

    [TestCase(0, true)]
    [TestCase(4, true)]
    [TestCase(5, false)]
    [TestCase(-1, false)]
    [TestCase(int.MinValue, false)]
    [TestCase(int.MaxValue, false)]
    public void Raw_whence_validation_accepts_exactly_SEEK_SET_to_SEEK_MAX(int raw, bool valid)
    {
        Assert.That(WhenceExtensions.TryFromRaw(raw, out Whence w), Is.EqualTo(valid));
        if (valid) Assert.That((int)w, Is.EqualTo(raw));
    }

    private static Dictionary<string, long> PrintConstants(string includes, IReadOnlyList<string> names)
    {
        string dir = Path.Combine(Path.GetTempPath(), "kernelops-abi-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var source = new StringBuilder(includes).Append("\n#include <stdio.h>\nint main(void) {\n");
            foreach (string n in names) source.Append($"    printf(\"{n}=%lld\\n\", (long long)({n}));\n");
            source.Append("    return 0;\n}\n");
            File.WriteAllText(Path.Combine(dir, "c.c"), source.ToString());
            (int rc, string output) = Run("gcc", $"-o {dir}/c {dir}/c.c", whenMissing: "gcc is not installed");
            Assert.That(rc, Is.Zero, "gcc failed:\n" + output);
            (rc, output) = Run(Path.Combine(dir, "c"), "", whenMissing: "the compiled program did not start");
            Assert.That(rc, Is.Zero, output);
            return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('='))
                .ToDictionary(p => p[0], p => long.Parse(p[1]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (int ExitCode, string Output) Run(string file, string args, string whenMissing)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        Process process;
        try { process = Process.Start(psi)!; }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Ignore($"Cannot compare with C headers: {whenMissing}.");
            throw; // unreachable: Assert.Ignore throws
        }
        using (process)
        {
            var err = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + err.Result);
        }
    }
}
