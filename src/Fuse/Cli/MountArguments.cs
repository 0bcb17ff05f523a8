using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace KernelOps.Fuse.Cli;

/// <summary>One <c>--module PATH [--type NAME] [--param NAME=VALUE]...</c> of the command line.</summary>
/// <param name="AssemblyPath">The driver assembly, as given.</param>
/// <param name="TypeName">The module type, full or simple name; null: the assembly's one module type.</param>
/// <param name="Parameters">Module parameters: constructor arguments by name, as given (text).</param>
internal sealed record ModuleSpec(string AssemblyPath, string? TypeName, IReadOnlyList<KeyValuePair<string, string>> Parameters);

/// <summary>One <c>--mknod PATH TYPE MAJOR MINOR</c>: numbers, or names to look up in /proc/devices and /proc/misc.</summary>
internal sealed record NodeSpec(string Path, char Type, string Major, string Minor);

/// <summary>One <c>--mount-fs TYPE[:MODEL_PATH] [--fs-options OPTIONS]</c>: a fresh file system mounted in the model.</summary>
/// <param name="Type">The file system type, as /proc/filesystems lists it (e.g. rust_ramfs).</param>
/// <param name="ModelPath">Where in the model it is mounted (made with mkdir -p if missing).</param>
/// <param name="Options">mount(2)'s data (e.g. <c>mode=0700</c>), or null.</param>
internal sealed record FileSystemSpec(string Type, string ModelPath, string? Options);

/// <summary>What <c>kernelops mount</c> was asked to do.</summary>
internal sealed record MountArguments(
    string Directory,
    IReadOnlyList<ModuleSpec> Modules,
    IReadOnlyList<NodeSpec> Nodes,
    IReadOnlyList<FileSystemSpec> FileSystems,
    string ModelRoot,
    bool? AllowOther,
    int MaxThreads,
    int? RandomSeed,
    string FileSystemName,
    double CacheTimeout,
    bool Debug)
{
    /// <summary>
    /// Parses the arguments after <c>mount</c>. <c>--type</c> and <c>--param</c> belong to the
    /// <c>--module</c> before them, as modprobe's parameters follow the module's name.
    /// </summary>
    /// <exception cref="CommandLineException">Exit status 2, with the one-line reason.</exception>
    public static MountArguments Parse(IReadOnlyList<string> args)
    {
        string? directory = null;
        var modules = new List<(string Path, string? Type, List<KeyValuePair<string, string>> Parameters)>();
        var nodes = new List<NodeSpec>();
        var fileSystems = new List<FileSystemSpec>();
        string? root = null;
        bool? allowOther = null;
        bool debug = false;
        double cacheTimeout = 0;
        int maxThreads = new FuseHostOptions().MaxThreads;
        int? seed = null;
        string fsName = new FuseHostOptions().FileSystemName;

        for (int i = 0; i < args.Count; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "--module":
                    modules.Add((Value(args, ref i, "a path to a built assembly"), null, new()));
                    break;
                case "--type":
                {
                    string type = Value(args, ref i, "a type name");
                    if (modules.Count == 0) throw Usage("--type names a type of the --module before it; give --module PATH first");
                    var last = modules[^1];
                    if (last.Type is not null) throw Usage($"--module {last.Path} has two --type options; repeat --module PATH for each type");
                    modules[^1] = last with { Type = type };
                    break;
                }
                case "--param":
                {
                    string pair = Value(args, ref i, "NAME=VALUE");
                    if (modules.Count == 0) throw Usage("--param sets a parameter of the --module before it; give --module PATH first");
                    int eq = pair.IndexOf('=', StringComparison.Ordinal);
                    if (eq <= 0) throw Usage($"--param '{pair}' must be NAME=VALUE");
                    modules[^1].Parameters.Add(new(pair[..eq], pair[(eq + 1)..]));
                    break;
                }
                case "--mknod":
                {
                    if (i + 4 >= args.Count)
                        throw Usage("--mknod needs PATH TYPE MAJOR MINOR, as mknod(1) (e.g. --mknod /dev/scullpipe c 10 scullpipe)");
                    string path = args[++i], type = args[++i], major = args[++i], minor = args[++i];
                    if (!path.StartsWith('/')) throw Usage($"--mknod path '{path}' must be an absolute model path such as /dev/name");
                    if (type is not ("c" or "b")) throw Usage($"--mknod type '{type}' must be c (character) or b (block)");
                    nodes.Add(new NodeSpec(path, type[0], major, minor));
                    break;
                }
                case "--mount-fs":
                {
                    string spec = Value(args, ref i, "TYPE[:MODEL_PATH], e.g. rust_ramfs:/mnt/ram");
                    int colon = spec.IndexOf(':', StringComparison.Ordinal);
                    string type = colon < 0 ? spec : spec[..colon];
                    string path = colon < 0 ? "/mnt/" + type : spec[(colon + 1)..];
                    if (type.Length == 0 || type.Contains('/')) throw Usage($"--mount-fs '{spec}' needs a file system type, e.g. rust_ramfs:/mnt/ram");
                    if (!path.StartsWith('/')) throw Usage($"--mount-fs '{spec}': the model path '{path}' must be absolute, such as /mnt/ram");
                    fileSystems.Add(new FileSystemSpec(type, path, null));
                    break;
                }
                case "--fs-options":
                {
                    string options = Value(args, ref i, "mount options such as mode=0700");
                    if (fileSystems.Count == 0) throw Usage("--fs-options are the mount options of the --mount-fs before them; give --mount-fs TYPE first");
                    if (fileSystems[^1].Options is not null) throw Usage($"--mount-fs {fileSystems[^1].Type} has two --fs-options; join them with commas");
                    fileSystems[^1] = fileSystems[^1] with { Options = options };
                    break;
                }
                case "--cache-timeout":
                {
                    string text = Value(args, ref i, "a number of seconds");
                    if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out cacheTimeout) || cacheTimeout > 3600)
                        throw Usage($"--cache-timeout must be a number of seconds from 0 to 3600 (got '{text}')");
                    break;
                }
                case "--owner-only":
                    allowOther = false;
                    break;
                case "--root":
                    root = Value(args, ref i, "a model path such as /proc");
                    if (!root.StartsWith('/')) throw Usage($"--root '{root}' must be an absolute model path such as /proc");
                    break;
                case "--allow-other":
                    allowOther = true;
                    break;
                case "--debug":
                    debug = true;
                    break;
                case "--max-threads":
                    maxThreads = Number(Value(args, ref i, "a number"), "--max-threads", min: 1);
                    break;
                case "--random-seed":
                    seed = Number(Value(args, ref i, "a number"), "--random-seed", min: int.MinValue);
                    break;
                case "--fs-name":
                    fsName = Value(args, ref i, "a name");
                    break;
                default:
                    if (arg.StartsWith('-') && arg.Length > 1) throw Usage($"unknown option '{arg}'");
                    if (directory is not null) throw Usage($"one mount directory only (got '{directory}' and '{arg}')");
                    directory = arg;
                    break;
            }
        }
        if (directory is null) throw Usage("mount needs a directory: kernelops mount DIR [options]");
        if (args.Contains("--allow-other") && args.Contains("--owner-only")) throw Usage("--allow-other and --owner-only contradict each other");
        var specs = modules.ConvertAll(m => new ModuleSpec(m.Path, m.Type, m.Parameters));
        // one file system mounted and no --root: serve that file system
        root ??= fileSystems.Count == 1 ? fileSystems[0].ModelPath : "/";
        return new MountArguments(directory, specs, nodes, fileSystems, root, allowOther, maxThreads, seed, fsName, cacheTimeout, debug);
    }

    private static string Value(IReadOnlyList<string> args, ref int i, string what)
    {
        if (i + 1 >= args.Count) throw Usage($"{args[i]} needs {what}");
        return args[++i];
    }

    private static int Number(string text, string option, int min)
    {
        if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int n) || n < min)
            throw Usage(min == 1 ? $"{option} must be a positive number (got '{text}')" : $"{option} must be a number (got '{text}')");
        return n;
    }

    private static CommandLineException Usage(string message) => new(CommandLineException.UsageExit, message);
}

/// <summary>The command cannot go on; <see cref="Exception.Message"/> is the one line to print.</summary>
internal sealed class CommandLineException(int exitCode, string message) : Exception(message)
{
    /// <summary>A bad command line (usage error).</summary>
    public const int UsageExit = 2;

    /// <summary>Something the command line names is wrong or failed (file, type, module, mount).</summary>
    public const int FailureExit = 1;

    public int ExitCode { get; } = exitCode;
}
