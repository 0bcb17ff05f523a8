using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.InteropServices;
using KernelOps.Model;

namespace KernelOps.Fuse.Cli;

/// <summary>
/// The <c>kernelops</c> command line: <c>kernelops mount DIR --module MyDriver.dll ...</c> builds a
/// kernel model, loads the driver modules a built assembly holds, makes device nodes, and serves
/// the model on DIR through a <see cref="FuseHost"/> until SIGINT (Ctrl-C) or SIGTERM, then
/// unmounts and exits 0. The <c>kernelops</c> .NET tool is this class's <see cref="RunTool"/>; a
/// program with a mount mode of its own (the samples' <c>--mount DIR</c>) runs the same code
/// through <see cref="RunProgramMountMode"/>.
/// </summary>
/// <remarks>
/// Every error is one line on standard error, prefixed with the program's name. Exit status: 0
/// after unmounting (or for <c>--help</c>), 1 when something the command line names is wrong or
/// fails (a missing assembly, a type that is not a module, a module whose init fails, a mount that
/// cannot be made), 2 for a bad command line. The environment variables
/// <see cref="DeviceVariable"/> and <see cref="LibraryVariable"/> replace /dev/fuse and libfuse3's
/// name in the checks, so a machine without FUSE can be simulated.
/// </remarks>
public static class KernelOpsCommand
{
    /// <summary>Environment knobs for the preflight checks (tests use them to simulate a machine without FUSE).</summary>
    public const string DeviceVariable = "KERNELOPS_FUSE_DEVICE", LibraryVariable = "KERNELOPS_FUSE_LIBRARY";

    private const string Tool = "kernelops";

    /// <summary>The usage of <c>kernelops mount</c>, as <c>--help</c> prints it.</summary>
    public static string MountHelp { get; } = """
        usage: kernelops mount DIR [--module PATH [--type NAME] [--param NAME=VALUE]...]... [options]

        Serves a kernel model on DIR (an existing, empty directory) through FUSE, so real processes
        (cat, sh, python3, ...) use the model's files and the drivers' handlers answer them. Runs until
        Ctrl-C or SIGTERM, then unmounts. Needs /dev/fuse and libfuse3 (apt-get install fuse3); as root.

        modules (loaded in the order given, as insmod):
          --module PATH          a built .NET assembly holding kernel modules (classes implementing
                                 KernelOps.Model.IKernelModule), e.g. bin/Release/net10.0/MyDriver.dll;
                                 its one module type is loaded, or the one --type names
          --type NAME            the module type to load from the --module before it (full or simple
                                 name); give --module PATH again for another type
          --param NAME=VALUE     a module parameter of the --module before it (modprobe's NAME=VALUE):
                                 the module constructor's parameter NAME; numbers (decimal, 0x hex),
                                 booleans (y/n, 1/0, true/false), enum names, text

        the model:
          --mknod PATH c|b MAJOR MINOR
                                 make a device node after the modules are loaded, as mknod(1); MAJOR
                                 may be a driver's name as /proc/devices lists it, and with MAJOR 10
                                 (misc) MINOR may be a name as /proc/misc lists it
                                 (e.g. --mknod /dev/scullpipe c 10 scullpipe)
          --mount-fs TYPE[:MODEL_PATH]
                                 after the modules are loaded, mount a fresh file system of TYPE in
                                 the model at MODEL_PATH (default /mnt/TYPE; made if missing), as
                                 mount -t TYPE TYPE MODEL_PATH; repeatable
                                 (e.g. --mount-fs rust_ramfs:/mnt/ram)
          --fs-options OPTIONS   mount options of the --mount-fs before it (e.g. mode=0700)
          --root MODEL_PATH      the model directory to serve (default: the one --mount-fs's path, or
                                 /: DIR/dev, DIR/proc, DIR/sys and the model's mounts under it)
          --random-seed N        seed the kernel's random generator (reproducible drivers)

        the mount:
          --allow-other          let every user reach the mount (FUSE's allow_other; the default as
                                 root): the model checks each caller's uid, gid and groups as a
                                 kernel file system would
          --owner-only           only the mounting user reaches the mount (no allow_other)
          --max-threads N        tasks taking FUSE requests at once (default 2 per CPU, at least 4);
                                 a request asleep in a driver gives its place to another
          --cache-timeout SECS   how long the kernel may trust names and attributes (default 0:
                                 every lookup and stat asks the model)
          --fs-name NAME         the file system name /proc/mounts shows (default kernelops)
          --debug                libfuse's -d: log every FUSE request to standard error

        Exit status: 0 after unmounting; 1 when a file, type or module named here is wrong or fails to
        load, or the mount cannot be made (the message says what to do); 2 for a bad command line.
        """;

    /// <summary>The usage of <c>kernelops</c>.</summary>
    public static string Help { get; } = $"""
        usage: kernelops mount DIR [options]     serve a kernel model with your driver modules on DIR
               kernelops --version               print the version
               kernelops --help                  print this help

        {MountHelp}
        """;

    /// <summary>The <c>kernelops</c> tool: runs the command line, returns the exit status.</summary>
    public static int RunTool(string[] args) => Run(Tool, args, Console.Out, Console.Error);

    /// <summary>Runs a <c>kernelops</c> command line (<c>mount ...</c>, <c>--help</c>, <c>--version</c>), printing as <paramref name="program"/>.</summary>
    public static int Run(string program, IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        try
        {
            switch (args.ToArray())
            {
                case ["-h" or "--help" or "help"]:
                    output.Write(Help);
                    return 0;
                case ["--version"]:
                    output.WriteLine($"{Tool} {Version}");
                    return 0;
                case ["mount", .. var rest] when rest.Any(a => a is "-h" or "--help"):
                    output.Write(MountHelp);
                    return 0;
                case ["mount", .. var rest]:
                    return Mount(program, MountArguments.Parse(rest), output, error);
                case []:
                    throw new CommandLineException(CommandLineException.UsageExit, "no command: kernelops mount DIR --module PATH (kernelops --help)");
                default:
                    throw new CommandLineException(CommandLineException.UsageExit, args[0].StartsWith('-')
                        ? $"unknown option '{args[0]}' (kernelops --help)"
                        : $"unknown command '{args[0]}' (kernelops --help)");
            }
        }
        catch (CommandLineException e)
        {
            error.WriteLine($"{program}: {e.Message}");
            return e.ExitCode;
        }
    }

    /// <summary>
    /// The <c>--mount DIR [kernelops mount options]</c> mode of a program that serves its own
    /// modules (the samples): null when <paramref name="args"/> is empty (the program goes on),
    /// otherwise the exit status of <c>kernelops mount DIR --module (the program's assembly)
    /// <paramref name="presetOptions"/> (the rest of args)</c>, run by the same code as the tool.
    /// </summary>
    /// <param name="program">The program's name, for the usage line and errors.</param>
    /// <param name="args">The program's command line.</param>
    /// <param name="modules">The assembly holding the program's module types.</param>
    /// <param name="presetOptions">The <c>kernelops mount</c> options the program always passes (<c>--type</c>, <c>--mknod</c>, <c>--root</c>).</param>
    public static int? RunProgramMountMode(string program, string[] args, Assembly modules, params string[] presetOptions)
    {
        ArgumentNullException.ThrowIfNull(program);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(modules);
        ArgumentNullException.ThrowIfNull(presetOptions);
        string usage = $"usage: {program} [--mount DIR [kernelops mount options]]";
        switch (args)
        {
            case []:
                return null;
            case ["-h" or "--help"]:
                Console.WriteLine(usage);
                Console.WriteLine($"--mount DIR runs: kernelops mount DIR --module {Path.GetFileName(modules.Location)} {string.Join(' ', presetOptions)}");
                return 0;
            case ["--mount"]:
                Console.Error.WriteLine($"{program}: --mount needs a directory ({usage})");
                return CommandLineException.UsageExit;
            case ["--mount", var directory, .. var rest] when !directory.StartsWith('-'):
                return Run(program, ["mount", directory, "--module", modules.Location, .. presetOptions, .. rest], Console.Out, Console.Error);
            default:
                Console.Error.WriteLine($"{program}: unknown option '{string.Join(' ', args)}' ({usage})");
                return CommandLineException.UsageExit;
        }
    }

    /// <summary>The tool's version (the KernelOps.Fuse package version it was built from).</summary>
    public static string Version { get; } =
        typeof(KernelOpsCommand).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(KernelOpsCommand).Assembly.GetName().Version?.ToString() ?? "0";

    // ---- mount ------------------------------------------------------------------------------

    private static int Mount(string program, MountArguments request, TextWriter output, TextWriter error)
    {
        var defaults = new FuseHostOptions();
        var options = new FuseHostOptions
        {
            ModelRoot = request.ModelRoot,
            // SIGINT/SIGTERM are handled below, to unmount and exit 0.
            HandleSignals = false,
            AllowOther = request.AllowOther ?? defaults.AllowOther,
            CacheTimeout = TimeSpan.FromSeconds(request.CacheTimeout),
            MaxThreads = request.MaxThreads,
            FileSystemName = request.FileSystemName,
            Debug = request.Debug,
            DevicePath = Environment.GetEnvironmentVariable(DeviceVariable) ?? defaults.DevicePath,
            LibraryName = Environment.GetEnvironmentVariable(LibraryVariable) ?? defaults.LibraryName,
        };
        // What can be checked before anything is loaded: the directory, the FUSE device.
        try { FuseHost.CheckEnvironment(request.Directory, options); }
        catch (FuseHostException e) { throw new CommandLineException(CommandLineException.FailureExit, e.Message); }

        using var kernel = new Kernel(randomSeed: request.RandomSeed);
        kernel.Log.LineWritten += line => output.WriteLine($"[dmesg] {line}");
        var loaded = new List<string>();
        foreach (ModuleSpec spec in request.Modules)
        {
            IKernelModule module = ModuleLoader.Create(spec);
            try
            {
                kernel.Modules.Load(module);
            }
            catch (KernelErrorException e)
            {
                throw new CommandLineException(CommandLineException.FailureExit, $"module {Describe(module)} did not load: its init failed with {e.Errno} ({e.Errno.Message()})");
            }
            catch (Exception e) when (e is not CommandLineException)
            {
                throw new CommandLineException(CommandLineException.FailureExit, $"module {Describe(module)} did not load: its init threw {e.GetType().Name}: {e.Message}");
            }
            loaded.Add(module.Name);
        }
        if (request.Nodes.Count > 0)
        {
            using UserProcess shell = kernel.CreateProcess("mknod");
            foreach (NodeSpec node in request.Nodes) Mknod(shell, node);
        }
        if (request.FileSystems.Count > 0)
        {
            using UserProcess shell = kernel.CreateProcess("mount");
            foreach (FileSystemSpec fs in request.FileSystems) MountFileSystem(shell, fs);
        }

        FuseHost host;
        try
        {
            host = FuseHost.Mount(kernel, request.Directory, options);
        }
        catch (FuseHostException e)
        {
            throw new CommandLineException(CommandLineException.FailureExit, e.Message);
        }
        using (host)
        {
            void Stop(PosixSignalContext context)
            {
                context.Cancel = true; // exit through the normal path below, with status 0
                host.Unmount();
            }
            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
            string modules = loaded.Count == 0 ? "no modules" : "modules " + string.Join(", ", loaded);
            output.WriteLine($"{program}: serving the model's {host.ModelRoot} ({modules}) on {host.MountPoint}; Ctrl-C unmounts");
            output.Flush();
            host.Completion.Wait();
        }
        output.WriteLine($"unmounted {request.Directory}");
        return 0;
    }

    private static string Describe(IKernelModule module)
    {
        string name;
        try { name = module.Name; }
        catch (Exception) { name = "?"; }
        return $"'{name}' ({module.GetType().FullName})";
    }

    /// <summary><c>mknod PATH TYPE MAJOR MINOR</c> in the model, with names looked up as a script would.</summary>
    private static void Mknod(UserProcess shell, NodeSpec node)
    {
        uint major = Number(node.Major) ?? LookUp(shell, "/proc/devices", node.Major, section: node.Type == 'c' ? "Character devices:" : "Block devices:")
            ?? throw Failure($"--mknod {node.Path}: no {(node.Type == 'c' ? "character" : "block")} driver named '{node.Major}' in /proc/devices (is its module loaded?)");
        uint minor = Number(node.Minor) ?? (node.Type == 'c' && major == CharDeviceRegistry.MiscMajor ? LookUp(shell, "/proc/misc", node.Minor, section: null) : null)
            ?? throw Failure(major == CharDeviceRegistry.MiscMajor && node.Type == 'c'
                ? $"--mknod {node.Path}: no misc device named '{node.Minor}' in /proc/misc (is its module loaded?)"
                : $"--mknod {node.Path}: minor '{node.Minor}' is not a number (names are looked up in /proc/misc for major 10 only)");
        const uint Rw = 0x1B6; // 0666, as mknod(1) without -m and no umask
        uint type = node.Type == 'c' ? StatResult.S_IFCHR : StatResult.S_IFBLK;
        int rc = shell.Mknod(node.Path, type | Rw, DeviceNumber.MakeUser(major, minor));
        if (rc != 0)
            throw Failure($"--mknod {node.Path} {node.Type} {major} {minor}: {(Errno)(-rc)} ({((Errno)(-rc)).Message()})");
    }

    /// <summary><c>mkdir -p MODEL_PATH; mount -t TYPE -o OPTIONS TYPE MODEL_PATH</c> in the model.</summary>
    private static void MountFileSystem(UserProcess shell, FileSystemSpec fs)
    {
        string described = $"--mount-fs {fs.Type}:{fs.ModelPath}";
        string path = "";
        foreach (string part in fs.ModelPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            path += "/" + part;
            int made = shell.Mkdir(path, 0x1ED);
            if (made != 0 && made != -(int)Errno.EEXIST)
                throw Failure($"{described}: mkdir {path}: {(Errno)(-made)} ({((Errno)(-made)).Message()})");
        }
        int rc = shell.Mount(fs.Type, fs.ModelPath, fs.Type, MountOptions.None, fs.Options);
        if (rc == -(int)Errno.ENODEV)
            throw Failure($"{described}: the model has no file system type '{fs.Type}' (is the module that registers it given with --module?)");
        if (rc != 0)
            throw Failure($"{described}{(fs.Options is null ? "" : " -o " + fs.Options)}: mount failed with {(Errno)(-rc)} ({((Errno)(-rc)).Message()})");
    }

    private static uint? Number(string text) =>
        uint.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out uint n) ? n : null;

    // /proc/devices ("Character devices:" then "%3d %s" lines, a blank line, "Block devices:") and
    // /proc/misc ("%3i %s" lines): the number on the line whose name is exactly NAME
    private static uint? LookUp(UserProcess shell, string file, string name, string? section)
    {
        string text;
        try { text = shell.ReadAllText(file); }
        catch (KernelErrorException) { return null; }
        bool inSection = section is null;
        foreach (string line in text.Split('\n'))
        {
            if (section is not null && line.EndsWith(':')) inSection = line == section;
            if (!inSection) continue;
            string[] fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length == 2 && fields[1] == name && Number(fields[0]) is { } n) return n;
        }
        return null;
    }

    private static CommandLineException Failure(string message) => new(CommandLineException.FailureExit, message);
}
