using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace KernelOps.Runtime.Tests.Abi;

/// <summary>One member of a struct as pahole prints it.</summary>
internal sealed record PaholeMember(string Name, int Offset, int Size, string CDeclaration)
{
    /// <summary>For a function-pointer member, the C return type and parameter types; otherwise null.</summary>
    public (string Return, string[] Parameters)? FunctionSignature
    {
        get
        {
            Match m = Regex.Match(CDeclaration, @"^(?<ret>.+?)\s*\(\*\w+\)\((?<params>.*)\)$");
            if (!m.Success) return null;
            string ps = m.Groups["params"].Value.Trim();
            string[] parameters = ps.Length == 0 || ps == "void"
                ? Array.Empty<string>()
                : ps.Split(',').Select(p => Regex.Replace(p.Trim(), @"\s+", " ")).ToArray();
            return (Regex.Replace(m.Groups["ret"].Value.Trim(), @"\s+", " "), parameters);
        }
    }
}

/// <summary>A struct layout parsed from <c>pahole -C NAME</c> output.</summary>
internal sealed record PaholeLayout(string StructName, int Size, int MemberCount, IReadOnlyList<PaholeMember> Members)
{
    private static readonly Regex MemberLine = new(@"^\s+(?<decl>[^/].*?);\s*/\*\s*(?<off>\d+)(?::\d+)?\s+(?<size>\d+)\s*\*/\s*$");
    private static readonly Regex SizeLine = new(@"/\*\s*size:\s*(?<size>\d+),.*members:\s*(?<members>\d+)\s*\*/");

    public static PaholeLayout Parse(string text)
    {
        string[] lines = text.Replace("\r", "").Split('\n');
        Match header = Regex.Match(lines.FirstOrDefault(l => l.StartsWith("struct ", StringComparison.Ordinal)) ?? "", @"^struct (\w+) \{");
        if (!header.Success) throw new FormatException("No 'struct NAME {' line in pahole output.");
        var members = new List<PaholeMember>();
        int size = -1, count = -1;
        foreach (string line in lines)
        {
            Match s = SizeLine.Match(line);
            if (s.Success)
            {
                size = int.Parse(s.Groups["size"].Value);
                count = int.Parse(s.Groups["members"].Value);
                continue;
            }
            Match m = MemberLine.Match(line);
            if (!m.Success) continue;
            string decl = Regex.Replace(m.Groups["decl"].Value.Trim(), @"\s+", " ");
            Match fn = Regex.Match(decl, @"\(\*(\w+)\)");
            string name = fn.Success ? fn.Groups[1].Value : Regex.Match(decl, @"(\w+)(\[\d*\])?(:\d+)?$").Groups[1].Value;
            members.Add(new PaholeMember(name, int.Parse(m.Groups["off"].Value), int.Parse(m.Groups["size"].Value), decl));
        }
        if (size < 0) throw new FormatException("No '/* size: N, ... members: N */' line in pahole output.");
        return new PaholeLayout(header.Groups[1].Value, size, count, members);
    }

    /// <summary>Runs pahole against the live kernel's BTF; null with a reason when that is impossible here.</summary>
    public static PaholeLayout? FromLiveBtf(string structName, out string? whyNot)
    {
        const string btf = "/sys/kernel/btf/vmlinux";
        if (!File.Exists(btf))
        {
            whyNot = $"{btf} does not exist: this kernel exposes no BTF";
            return null;
        }
        var psi = new ProcessStartInfo("pahole", $"-C {structName} {btf}")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process? process;
        try { process = Process.Start(psi); }
        catch (System.ComponentModel.Win32Exception)
        {
            whyNot = "pahole is not installed (Debian package dwarves)";
            return null;
        }
        if (process is null)
        {
            whyNot = "pahole could not be started";
            return null;
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            string stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(60_000)) { process.Kill(); whyNot = "pahole timed out"; return null; }
            _ = stderr.Result; // pahole warns about BTF kinds newer than itself; layouts are unaffected
            if (process.ExitCode != 0 || stdout.Trim().Length == 0)
            {
                whyNot = $"pahole found no struct {structName} in {btf} (exit {process.ExitCode})";
                return null;
            }
            whyNot = null;
            return Parse(stdout);
        }
    }
}
