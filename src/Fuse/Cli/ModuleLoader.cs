using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using KernelOps.Model;

namespace KernelOps.Fuse.Cli;

/// <summary>
/// Finds and builds the <see cref="IKernelModule"/>s a command line names: loads each driver
/// assembly from its build folder (its own dependencies from its .deps.json, KernelOps itself
/// shared with the host so <see cref="IKernelModule"/> is one type), picks the module type, and
/// calls its constructor with the module parameters. Every failure is a
/// <see cref="CommandLineException"/> whose message says what is wrong with what was named.
/// </summary>
internal static class ModuleLoader
{
    private static readonly Assembly Runtime = typeof(IKernelModule).Assembly;

    /// <summary>Builds the module <paramref name="spec"/> names (not yet loaded into a kernel).</summary>
    public static IKernelModule Create(ModuleSpec spec)
    {
        Assembly assembly = LoadAssembly(spec.AssemblyPath);
        Type type = FindModuleType(assembly, spec);
        return Construct(type, spec.Parameters);
    }

    // ---- the assembly ---------------------------------------------------------------------

    private static readonly Dictionary<string, Assembly> s_loaded = new(StringComparer.Ordinal);

    private static Assembly LoadAssembly(string given)
    {
        string path = Path.GetFullPath(given);
        if (Directory.Exists(path)) throw Failure($"{given} is a directory: give the driver's built assembly (bin/Release/net10.0/MyDriver.dll)");
        if (!File.Exists(path)) throw Failure($"{given} does not exist: build the driver first (dotnet build -c Release) and give its bin/.../MyDriver.dll");
        lock (s_loaded)
        {
            if (s_loaded.TryGetValue(path, out Assembly? known)) return known;
            // A program serving its own modules (a sample's --mount) already has them loaded: a second
            // copy in another context would be other types with other static state.
            Assembly? assembly = AssemblyLoadContext.Default.Assemblies.FirstOrDefault(a => !a.IsDynamic && SamePath(a.Location, path));
            if (assembly is null)
            {
                AssemblyName name;
                try { name = AssemblyName.GetAssemblyName(path); }
                catch (BadImageFormatException) { throw Failure($"{given} is not a .NET assembly"); }
                catch (IOException e) { throw Failure($"{given} cannot be read: {e.Message}"); }
                if (name.Name == Runtime.GetName().Name)
                    throw Failure($"{given} is KernelOps itself: give the driver's assembly");
                try { assembly = new DriverLoadContext(path).LoadFromAssemblyPath(path); }
                catch (BadImageFormatException) { throw Failure($"{given} is not a .NET assembly this runtime can load"); }
                catch (FileLoadException e) { throw Failure($"{given} cannot be loaded: {e.Message}"); }
            }
            CheckRuntimeReference(assembly, given);
            s_loaded[path] = assembly;
            return assembly;
        }
    }

    private static bool SamePath(string location, string path) =>
        location.Length != 0 && string.Equals(Path.GetFullPath(location), path, StringComparison.Ordinal);

    private static void CheckRuntimeReference(Assembly assembly, string given)
    {
        AssemblyName runtime = Runtime.GetName();
        AssemblyName? used = assembly.GetReferencedAssemblies().FirstOrDefault(r => r.Name == runtime.Name);
        if (used is null)
            throw Failure($"{given} does not reference KernelOps (KernelOps.Runtime): it holds no kernel modules");
        if (used.Version is { } wanted && runtime.Version is { } have && wanted > have)
            throw Failure($"{given} was built against KernelOps.Runtime {wanted}, newer than this host's {have}: update the host (dotnet tool update -g KernelOps.Tool)");
    }

    /// <summary>
    /// A driver assembly's own context: its dependencies come from its build folder (its
    /// .deps.json), except KernelOps, which is the host's, so the module types implement the
    /// host's <see cref="IKernelModule"/> and the model's tables are one ABI.
    /// </summary>
    private sealed class DriverLoadContext(string path) : AssemblyLoadContext($"kernelops driver {Path.GetFileName(path)}")
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);
        private readonly string _folder = Path.GetDirectoryName(path)!;

        protected override Assembly? Load(AssemblyName name)
        {
            if (name.Name is "KernelOps.Runtime" or "KernelOps.Fuse") return null; // the host's copy
            if (Default.Assemblies.Any(a => AssemblyName.ReferenceMatchesDefinition(name, a.GetName()) && a.GetName().Version >= name.Version))
                return null; // already in the host (the framework, or a library it shares)
            string? found = _resolver.ResolveAssemblyToPath(name);
            if (found is null)
            {
                // no .deps.json (an assembly copied alone): look beside it
                string beside = Path.Combine(_folder, name.Name + ".dll");
                if (File.Exists(beside)) found = beside;
            }
            return found is null ? null : LoadFromAssemblyPath(found);
        }

        protected override nint LoadUnmanagedDll(string name) =>
            _resolver.ResolveUnmanagedDllToPath(name) is { } found ? LoadUnmanagedDllFromPath(found) : 0;
    }

    // ---- the type -------------------------------------------------------------------------

    private static Type FindModuleType(Assembly assembly, ModuleSpec spec)
    {
        string file = Path.GetFileName(spec.AssemblyPath);
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.Where(t => t is not null).ToArray()!;
            if (types.Length == 0)
                throw Failure($"{file}'s types cannot be loaded: {e.LoaderExceptions.FirstOrDefault()?.Message ?? e.Message}");
        }

        if (spec.TypeName is { } name)
        {
            Type[] named = types.Where(t => t.FullName == name || t.FullName?.Replace('+', '.') == name).ToArray();
            if (named.Length == 0) named = types.Where(t => t.Name == name).ToArray();
            if (named.Length == 0) throw Failure($"{file} has no type {name}");
            if (named.Length > 1) throw Failure($"{file} has {named.Length} types named {name} ({string.Join(", ", named.Select(t => t.FullName))}): give the full name");
            Type type = named[0];
            if (!typeof(IKernelModule).IsAssignableFrom(type))
                throw Failure($"{type.FullName} is not a kernel module: it does not implement KernelOps.Model.IKernelModule");
            if (type.IsAbstract || type.IsInterface || type.ContainsGenericParameters)
                throw Failure($"{type.FullName} cannot be created (it is abstract, an interface or an open generic)");
            return type;
        }

        Type[] modules = types.Where(t => typeof(IKernelModule).IsAssignableFrom(t) && t.IsClass && !t.IsAbstract && !t.ContainsGenericParameters).ToArray();
        return modules.Length switch
        {
            0 => throw Failure($"{file} holds no kernel module (no class implements KernelOps.Model.IKernelModule)"),
            1 => modules[0],
            _ => throw Failure($"{file} holds {modules.Length} module types ({string.Join(", ", modules.Select(t => t.FullName).Order(StringComparer.Ordinal))}): name one with --type"),
        };
    }

    // ---- the constructor and the module parameters ------------------------------------------

    private static IKernelModule Construct(Type type, IReadOnlyList<KeyValuePair<string, string>> parameters)
    {
        var given = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            if (!given.TryAdd(key, value)) throw Failure($"module parameter {key} is given twice");
        }

        ConstructorInfo[] constructors = type.GetConstructors(BindingFlags.Public | BindingFlags.Instance);
        if (constructors.Length == 0)
            throw Failure($"{type.FullName} has no public constructor to create it with");
        // The constructor that takes every given parameter and needs no other, the widest first.
        ConstructorInfo? chosen = constructors
            .Where(c => given.Keys.All(k => c.GetParameters().Any(p => Matches(p, k)))
                        && c.GetParameters().All(p => p.HasDefaultValue || given.Keys.Any(k => Matches(p, k))))
            .OrderByDescending(c => c.GetParameters().Length)
            .FirstOrDefault();
        if (chosen is null)
        {
            string known = string.Join(", ", constructors.SelectMany(c => c.GetParameters()).Select(p => p.Name).Distinct());
            string? unknown = given.Keys.FirstOrDefault(k => !constructors.Any(c => c.GetParameters().Any(p => Matches(p, k))));
            if (unknown is not null)
                throw Failure(known.Length == 0
                    ? $"{type.FullName} takes no module parameters (got {unknown})"
                    : $"{type.FullName} has no module parameter {unknown} (its parameters: {known})");
            ParameterInfo needed = constructors.OrderBy(c => c.GetParameters().Length).First().GetParameters().First(p => !p.HasDefaultValue && !given.Keys.Any(k => Matches(p, k)));
            throw Failure($"{type.FullName} needs the module parameter {needed.Name} (--param {needed.Name}=VALUE)");
        }

        object?[] arguments = chosen.GetParameters()
            .Select(p => given.FirstOrDefault(g => Matches(p, g.Key)) is { Key: not null } g ? Convert(type, p, g.Value) : p.DefaultValue)
            .ToArray();
        try
        {
            return (IKernelModule)chosen.Invoke(arguments);
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            throw Failure($"{type.FullName}'s constructor threw {inner.GetType().Name}: {inner.Message}");
        }
    }

    // modprobe's parameter names are C identifiers; a C# constructor's are camelCase: either matches.
    private static bool Matches(ParameterInfo parameter, string name) =>
        string.Equals(parameter.Name, name, StringComparison.OrdinalIgnoreCase)
        || string.Equals(parameter.Name, name.Replace("_", "", StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);

    /// <summary>A module parameter's text as the constructor parameter's type (kernel/params.c: param_set_*).</summary>
    private static object? Convert(Type module, ParameterInfo parameter, string text)
    {
        Type target = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        string bad = $"module parameter {parameter.Name}={text} of {module.FullName}";
        if (target == typeof(string)) return text;
        if (target == typeof(bool))
        {
            // mirrors lib/kstrtox.c:kstrtobool (param_set_bool)
            return text switch
            {
                "1" or "y" or "Y" or "true" or "True" or "on" or "On" => true,
                "0" or "n" or "N" or "false" or "False" or "off" or "Off" => false,
                _ => throw Failure($"{bad}: not a boolean (y/n, 1/0, true/false, on/off)"),
            };
        }
        if (target.IsEnum)
        {
            if (Enum.TryParse(target, text, ignoreCase: true, out object? value) && Enum.IsDefined(target, value)) return value;
            throw Failure($"{bad}: not one of {string.Join(", ", Enum.GetNames(target))}");
        }
        if (target.IsPrimitive && target != typeof(char) && target != typeof(nint) && target != typeof(nuint))
        {
            // kstrtoint's bases: decimal, 0x hexadecimal, 0 octal
            try
            {
                if (target == typeof(float) || target == typeof(double))
                    return System.Convert.ChangeType(double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture), target, CultureInfo.InvariantCulture);
                bool negative = text.StartsWith('-');
                string digits = negative ? text[1..] : text;
                int radix = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? 16 : digits.Length > 1 && digits[0] == '0' ? 8 : 10;
                if (radix == 16) digits = digits[2..];
                ulong magnitude = System.Convert.ToUInt64(digits, radix);
                object value = negative
                    ? System.Convert.ChangeType(-checked((long)magnitude), target, CultureInfo.InvariantCulture)
                    : System.Convert.ChangeType(magnitude, target, CultureInfo.InvariantCulture);
                return value;
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw Failure($"{bad}: not a valid {target.Name} ({e.Message.TrimEnd('.')})");
            }
        }
        throw Failure($"{bad}: parameters of type {parameter.ParameterType.Name} cannot be given on the command line");
    }

    private static CommandLineException Failure(string message) => new(CommandLineException.FailureExit, message);
}
