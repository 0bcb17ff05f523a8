using System;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Threading.Tasks;
using KernelOps.Abi;
using KernelOps.Fuse.LowLevel;
using KernelOps.Model;

namespace KernelOps.Fuse;

/// <summary>
/// Serves a directory of a kernel model (a file system mounted in it, such as a rust_ramfs at
/// <c>/mnt/ram</c>, or the whole tree, crossing the model's mounts) on a real directory through
/// libfuse3's low-level API, so real processes (<c>cp</c>, <c>git</c>, <c>python3</c>) use it as
/// they would use the file system in a kernel.
/// </summary>
/// <remarks>
/// <para>Identity: a FUSE node is a model inode (the host keeps an O_PATH reference per inode, with
/// the kernel's lookup count; FORGET drops it), and a FUSE file handle is a model <c>struct file</c>,
/// so an unlinked file stays readable and fstat-able while a process has it open, as on Linux.</para>
/// <para>Permissions: every request is a syscall of the host's model process (<see cref="Process"/>)
/// made with the caller's uid, gid and supplementary groups (fuse_req_ctx), so the model's own
/// generic_permission, sticky and setgid rules answer; the mount has no default_permissions. With
/// <see cref="FuseHostOptions.AllowOther"/> (the default when running as root) every user reaches the
/// mount and is checked by the model, as every user reaches a kernel file system. uid 0 callers are
/// taken as fully capable (FUSE does not pass capability sets).</para>
/// <para>Data: regular files of RAM file systems go through the real kernel's page cache (no
/// direct_io), so mmap works; device nodes (shown as regular files of size 0), proc, sysfs and
/// debugfs files are direct_io, so every read and write reaches the driver's handler.</para>
/// <para>Threads: requests run inline on model tasks (<see cref="ModelTaskPool"/>); a request asleep
/// in a handler holds its task, not the loop, so the writer that would wake 1,000 sleeping readers
/// is served. FUSE_INTERRUPT signals the task serving the interrupted request alone; unmounting
/// signals every request still in a handler. No exception crosses into libfuse: a failing request
/// answers EIO and logs a kernel line.</para>
/// <para>Timeouts: entry and attribute timeouts are <see cref="FuseHostOptions.CacheTimeout"/> (0 by
/// default: the model may change behind the mount, as when a module unloads, so every lookup and
/// stat asks the model again).</para>
/// </remarks>
public sealed class FuseHost : IDisposable
{
    private const int Mounted = 0, Unmounting = 1, Unmounted = 2;

    private readonly Kernel _kernel;
    private readonly FuseHostOptions _options;
    private readonly string _modelRoot;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly System.Threading.Lock _stateLock = new();
    private int _state = Unmounted;
    private ModelFileSystem? _fileSystem;
    private FuseSession? _session;
    private PosixSignalRegistration? _sigint, _sigterm;
    private EventHandler? _onProcessExit;

    private FuseHost(Kernel kernel, string mountPoint, FuseHostOptions options, string modelRoot)
    {
        _kernel = kernel;
        _options = options;
        _modelRoot = modelRoot;
        MountPoint = mountPoint;
        Process = kernel.CreateProcess("fuse-host");
        // The real kernel's FUSE client applied the caller's umask to every create, mknod and mkdir
        // mode before the request arrived (no FUSE_CAP_DONT_MASK): the model must not mask again.
        Process.Umask(0);
        // One descriptor per node the kernel holds and per open file (RLIMIT_NOFILE up to nr_open).
        Process.SetFileDescriptorLimit(UserProcess.NrOpen);
    }

    /// <summary>The absolute path of the mounted directory.</summary>
    public string MountPoint { get; }

    /// <summary>The model directory served as the mount's root.</summary>
    public string ModelRoot => _modelRoot;

    /// <summary>
    /// The model process every request runs as: its descriptors are the nodes the kernel holds
    /// (O_PATH) and the files real processes have open.
    /// </summary>
    public UserProcess Process { get; }

    /// <summary>Nodes (model inodes) the real kernel holds a lookup of, the root included.</summary>
    public int NodeCount => _fileSystem?.NodeCount ?? 0;

    /// <summary>Files and directories real processes have open through the mount.</summary>
    public int OpenFileCount => _fileSystem?.OpenFileCount ?? 0;

    /// <summary>True until <see cref="Unmount"/> (or an external unmount) ends the session.</summary>
    public bool IsMounted
    {
        get { lock (_stateLock) return _state == Mounted; }
    }

    /// <summary>Completes once the mount is gone and the host has released what it held.</summary>
    public Task Completion => _completion.Task;

    /// <summary>
    /// Checks the environment, then mounts <paramref name="kernel"/>'s
    /// <see cref="FuseHostOptions.ModelRoot"/> on <paramref name="mountPoint"/> (an existing, empty
    /// directory) and starts serving. Dispose the host before the kernel.
    /// </summary>
    /// <exception cref="FuseHostException">The environment or the mount point is not usable; the message says what to do.</exception>
    public static FuseHost Mount(Kernel kernel, string mountPoint, FuseHostOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(kernel);
        ArgumentNullException.ThrowIfNull(mountPoint);
        options ??= new FuseHostOptions();
        string full = CheckEnvironment(mountPoint, options);
        string modelRoot = NormalizeModelRoot(options.ModelRoot);
        var host = new FuseHost(kernel, full, options, modelRoot);
        try
        {
            host.Start();
            return host;
        }
        catch
        {
            host.Process.Dispose();
            host._completion.TrySetResult();
            throw;
        }
    }

    /// <summary>
    /// The checks <see cref="Mount"/> makes before touching libfuse: platform, mount point (exists,
    /// is a directory, is empty), FUSE device, options. Returns the mount point's absolute path.
    /// </summary>
    /// <exception cref="FuseHostException">A check failed; the message is one line saying what to do.</exception>
    public static string CheckEnvironment(string mountPoint, FuseHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(mountPoint);
        ArgumentNullException.ThrowIfNull(options);
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            throw new FuseHostException(FuseHostError.UnsupportedPlatform, $"the FUSE host runs on Linux x86_64 only (this is {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture})");
        if (options.MaxThreads < 1)
            throw new FuseHostException(FuseHostError.InvalidOptions, $"MaxThreads must be at least 1 (got {options.MaxThreads})");
        if (options.MaxTasks < options.MaxThreads)
            throw new FuseHostException(FuseHostError.InvalidOptions, $"MaxTasks ({options.MaxTasks}) must be at least MaxThreads ({options.MaxThreads})");
        if (options.CacheTimeout < TimeSpan.Zero)
            throw new FuseHostException(FuseHostError.InvalidOptions, $"CacheTimeout must not be negative (got {options.CacheTimeout})");
        if (options.FileSystemName.Length == 0 || !options.FileSystemName.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
            throw new FuseHostException(FuseHostError.InvalidOptions, $"FileSystemName '{options.FileSystemName}' may only hold letters, digits, '.', '_' and '-'");
        string full = Path.GetFullPath(mountPoint);
        if (full.Length > 1) full = full.TrimEnd('/');
        if (File.Exists(full))
            throw new FuseHostException(FuseHostError.MountPointNotDirectory, $"mount point {full} is not a directory: pass an empty directory");
        if (!Directory.Exists(full))
            throw new FuseHostException(FuseHostError.MountPointMissing, $"mount point {full} does not exist: create it first (mkdir -p {full})");
        if (Directory.EnumerateFileSystemEntries(full).Any())
            throw new FuseHostException(FuseHostError.MountPointNotEmpty, $"mount point {full} is not empty: pass an empty directory (a mount would hide what is in it)");
        if (!File.Exists(options.DevicePath))
            throw new FuseHostException(FuseHostError.DeviceMissing, $"{options.DevicePath} is missing: load the fuse module (modprobe fuse), or give the container the device (docker run --device /dev/fuse --cap-add SYS_ADMIN)");
        return full;
    }

    /// <summary>
    /// Unmounts and stops serving; idempotent. A process that still has a file open loses it: the
    /// connection is aborted (its next call fails with ENOTCONN) and the mount is detached, so
    /// nothing hangs. Then the host's model process exits, which closes every node reference and
    /// runs the release of every file still open in the model.
    /// </summary>
    public void Unmount()
    {
        lock (_stateLock)
        {
            if (_state != Mounted) return;
            _state = Unmounting;
        }
        try
        {
            _fileSystem?.StopPollWatchers(_options.UnmountTimeout);
            _session?.Unmount();
            // An unmount from outside (fusermount3 -u) may have the session's own unmount still
            // waiting for its tasks: the model process goes only once no request can use it.
            _session?.Completion.Wait(_options.UnmountTimeout + TimeSpan.FromSeconds(5));
            Process.Dispose();
        }
        catch (Exception e)
        {
            _kernel.Log.Printk($"fuse: {MountPoint}: unmount failed: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            _sigint?.Dispose();
            _sigterm?.Dispose();
            if (_onProcessExit is not null) AppDomain.CurrentDomain.ProcessExit -= _onProcessExit;
            lock (_stateLock) _state = Unmounted;
            _completion.TrySetResult();
        }
    }

    /// <summary>Same as <see cref="Unmount"/>.</summary>
    public void Dispose() => Unmount();

    /// <inheritdoc/>
    public override string ToString() => $"{_modelRoot} on {MountPoint}";

    // ---- mount ------------------------------------------------------------------------------

    private void Start()
    {
        int root = Process.Open(_modelRoot, OpenFlags.O_PATH | OpenFlags.O_DIRECTORY);
        if (root < 0)
            throw new FuseHostException(FuseHostError.ModelRootMissing, $"the model has no directory {_modelRoot} to serve ({(Errno)(-root)})");
        _fileSystem = new ModelFileSystem(Process, root, new ModelFileSystemOptions
        {
            Timeout = _options.CacheTimeout.TotalSeconds,
        }, LogLine);
        _session = FuseSession.Mount(MountPoint, _fileSystem, new FuseSessionOptions
        {
            FileSystemName = _options.FileSystemName,
            AllowOther = _options.AllowOther,
            Debug = _options.Debug,
            MaxRunning = _options.MaxThreads,
            MaxTasks = _options.MaxTasks,
            UnmountTimeout = _options.UnmountTimeout,
            LibraryName = _options.LibraryName,
        }, LogLine);
        lock (_stateLock) _state = Mounted;
        // Unmounted from outside (fusermount3 -u, umount): the session ends; clean up here.
        _session.Completion.ContinueWith(_ => Unmount(), TaskScheduler.Default);

        if (_options.HandleSignals)
        {
            _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        }
        _onProcessExit = OnProcessExit;
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;
    }

    // A process can repeat a failing request in a loop: the line is printk_ratelimited.
    private static readonly RateLimitSite RequestFailures = new("kernelops_fuse_request");

    private void LogLine(string line)
    {
        if (_kernel.Log.RateLimit(RequestFailures)) _kernel.Log.Printk(line);
    }

    private void OnSignal(PosixSignalContext context)
    {
        try { Unmount(); }
        catch (Exception e) { _kernel.Log.Printk($"fuse: {MountPoint}: unmount on {context.Signal} failed: {e.Message}"); }
    }

    private void OnProcessExit(object? sender, EventArgs e)
    {
        try { Unmount(); }
        catch (Exception ex) { _kernel.Log.Printk($"fuse: {MountPoint}: unmount at exit failed: {ex.Message}"); }
    }

    private static string NormalizeModelRoot(string root)
    {
        ArgumentNullException.ThrowIfNull(root);
        if (!root.StartsWith('/'))
            throw new FuseHostException(FuseHostError.InvalidOptions, $"ModelRoot '{root}' must be an absolute model path such as /proc");
        string trimmed = root.TrimEnd('/');
        return trimmed.Length == 0 ? "/" : trimmed;
    }
}
