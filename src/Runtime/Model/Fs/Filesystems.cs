using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;

namespace KernelOps.Model;

/// <summary>
/// A registered <c>struct file_system_type</c>: the (read-only, generated) table, its name and flags
/// read once at registration, the module that registered it (pinned by every superblock: the C
/// <c>.owner = THIS_MODULE</c>, kept by the model instead of written into a shared table), and its
/// superblocks (<c>fs_supers</c>).
/// </summary>
internal sealed class RegisteredFileSystem
{
    private readonly Lock _lock = new();
    private readonly List<VfsSuperBlock> _supers = new();

    public unsafe RegisteredFileSystem(FileSystemType* table, string name, FsFlags flags, LoadedModule? owner)
    {
        Table = table;
        Name = name;
        Flags = flags;
        Owner = owner;
    }

    public unsafe FileSystemType* Table { get; }

    public string Name { get; }

    public FsFlags Flags { get; }

    public LoadedModule? Owner { get; }

    /// <summary>True while listed in the kernel's file systems (mount -t finds it).</summary>
    public bool Registered;

    /// <summary>get_filesystem: try_module_get(fs-&gt;owner); false while the module is going away.</summary>
    public bool TryGetFileSystem() => Owner is null || Owner.TryGet();

    /// <summary>put_filesystem: module_put(fs-&gt;owner).</summary>
    public void PutFileSystem() => Owner?.Put();

    public void AddSuper(VfsSuperBlock sb)
    {
        lock (_lock) _supers.Add(sb);
    }

    public void RemoveSuper(VfsSuperBlock sb)
    {
        lock (_lock) _supers.Remove(sb);
    }

    /// <summary>The superblocks of this type (a snapshot).</summary>
    public VfsSuperBlock[] Supers
    {
        get { lock (_lock) return _supers.ToArray(); }
    }

    /// <inheritdoc/>
    public override string ToString() => Name;
}

/// <summary>A file system type registered with <see cref="FileSystemRegistry.Register(OpsTable{KernelOps.Abi.FileSystemType})"/>; dispose to unregister it.</summary>
public sealed class FileSystemRegistration : IDisposable
{
    private readonly FileSystemRegistry _registry;
    private int _gone;

    internal FileSystemRegistration(FileSystemRegistry registry, RegisteredFileSystem type)
    {
        _registry = registry;
        Type = type;
    }

    internal RegisteredFileSystem Type { get; }

    /// <summary>The type's name (what mount -t asks for).</summary>
    public string Name => Type.Name;

    /// <summary>True once unregistered.</summary>
    public bool IsUnregistered => Volatile.Read(ref _gone) != 0;

    /// <summary>unregister_filesystem. Idempotent. Mounted superblocks stay until unmounted (they pin the owning module, so rmmod cannot get here while they exist).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _gone, 1) == 0) _registry.Unregister(Type);
    }

    /// <inheritdoc/>
    public override string ToString() => $"file system type {Name}";
}

/// <summary>
/// The kernel's list of file system types (fs/filesystems.c: register_filesystem,
/// unregister_filesystem, get_fs_type, /proc/filesystems). Thread-safe.
/// </summary>
public sealed class FileSystemRegistry
{
    private readonly Kernel _kernel;
    private readonly Lock _lock = new(); // file_systems_lock
    private readonly List<RegisteredFileSystem> _types = new();

    internal FileSystemRegistry(Kernel kernel) => _kernel = kernel;

    /// <summary>The registered types' names, in registration order (/proc/filesystems).</summary>
    public IReadOnlyList<string> Names
    {
        get
        {
            lock (_lock)
            {
                var names = new string[_types.Count];
                for (int i = 0; i < names.Length; i++) names[i] = _types[i].Name;
                return names;
            }
        }
    }

    /// <summary>
    /// register_filesystem: adds the type <paramref name="table"/> describes (its <c>name</c> and
    /// <c>fs_flags</c> are read now). Built-in code registers here; a module registers through
    /// <see cref="ModuleContext.FileSystems"/>, which makes the module the type's owner.
    /// </summary>
    /// <exception cref="KernelErrorException">EINVAL for a missing name or one containing '.'; EBUSY when a type of that name is registered.</exception>
    public FileSystemRegistration Register(OpsTable<FileSystemType> table) => Register(table, owner: null);

    internal unsafe FileSystemRegistration Register(OpsTable<FileSystemType> table, LoadedModule? owner)
    {
        if (table.IsNull) throw new ArgumentException("A file system type needs a file_system_type table.", nameof(table));
        _kernel.ThrowIfDisposed();
        // SAFETY: an OpsTable points at a table that outlives every registration using it.
        FileSystemType* fs = table.Pointer;
        string? name = fs->name == null ? null : Marshal.PtrToStringUTF8((nint)fs->name);
        // mirrors fs/filesystems.c:register_filesystem: BUG_ON(strchr(fs->name, '.')), and the name is how mount finds it
        if (string.IsNullOrEmpty(name) || name.Contains('.') || name.Contains('/'))
        {
            _kernel.Log.Printk($"register_filesystem: bad file system name '{name}' in {table.Name}");
            throw new KernelErrorException(Errno.EINVAL, $"register_filesystem({table.Name})");
        }
        var type = new RegisteredFileSystem(fs, name, (FsFlags)fs->fs_flags, owner);
        lock (_lock)
        {
            foreach (RegisteredFileSystem t in _types)
                if (t.Name == name) throw new KernelErrorException(Errno.EBUSY, $"register_filesystem(\"{name}\")");
            _types.Add(type);
            type.Registered = true;
        }
        return new FileSystemRegistration(this, type);
    }

    /// <summary>
    /// A type the kernel mounts for itself without registering it (anon_inode_fs_type, pipefs,
    /// sockfs: kern_mount of a file_system_type no <c>mount -t</c> finds).
    /// </summary>
    internal unsafe RegisteredFileSystem Unlisted(OpsTable<FileSystemType> table)
    {
        // SAFETY: an OpsTable points at a table that outlives every use of it.
        FileSystemType* fs = table.Pointer;
        return new RegisteredFileSystem(fs, Marshal.PtrToStringUTF8((nint)fs->name) ?? table.Name, (FsFlags)fs->fs_flags, owner: null);
    }

    internal void Unregister(RegisteredFileSystem type)
    {
        lock (_lock)
        {
            _types.Remove(type);
            type.Registered = false;
        }
    }

    /// <summary>mirrors fs/filesystems.c:get_fs_type: the type named <paramref name="name"/> with its module pinned, or null (ENODEV).</summary>
    internal RegisteredFileSystem? GetFsType(string name)
    {
        lock (_lock)
        {
            foreach (RegisteredFileSystem t in _types)
                if (t.Name == name) return t.TryGetFileSystem() ? t : null;
            return null;
        }
    }

    /// <summary>The text of /proc/filesystems (fs/filesystems.c:filesystems_proc_show).</summary>
    public string ProcFilesystemsText()
    {
        var text = new System.Text.StringBuilder();
        lock (_lock)
        {
            foreach (RegisteredFileSystem t in _types)
                text.Append((t.Flags & FsFlags.RequiresDev) != 0 ? "\t" : "nodev\t").Append(t.Name).Append('\n');
        }
        return text.ToString();
    }
}
