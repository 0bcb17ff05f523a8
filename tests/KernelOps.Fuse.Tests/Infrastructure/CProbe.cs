using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace KernelOps.Fuse.Tests.Infrastructure;

/// <summary>
/// Compiles a C program with gcc and reads what it prints, one <c>name=value</c> per line: how the
/// ABI tests learn sizes, offsets and constants from the real headers. Skips the test (with the
/// reason) without gcc or the header the program includes.
/// </summary>
internal static class CProbe
{
    public const string Prelude = """
        #include <stddef.h>
        #include <stdio.h>
        #include <string.h>
        #define P(name, value) printf("%s=%lld\n", name, (long long)(value))
        #define OFF(type, field) P(#type "." #field, offsetof(struct type, field))
        #define SIZE(type) P(#type, sizeof(struct type))

        """;

    public static Dictionary<string, long> Run(string source, string requiredHeader)
    {
        if (!File.Exists(requiredHeader)) Assert.Ignore($"{requiredHeader} is missing (apt-get install libfuse3-dev): no header to compare with.");
        string dir = Machine.TempDirectory("abi");
        try
        {
            File.WriteAllText(Path.Combine(dir, "probe.c"), source);
            Machine.Result gcc;
            try { gcc = Machine.Run("gcc", ["-Wall", "-Werror", "-o", Path.Combine(dir, "probe"), Path.Combine(dir, "probe.c")], check: false); }
            catch (System.ComponentModel.Win32Exception) { Assert.Ignore("gcc is not installed: cannot compile the layout probe."); throw; }
            Assert.That(gcc.ExitCode, Is.Zero, "gcc failed:\n" + gcc.Stderr);
            return Machine.Run(Path.Combine(dir, "probe"), []).Stdout
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split('='))
                .ToDictionary(p => p[0], p => long.Parse(p[1]));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
