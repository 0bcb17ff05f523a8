using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using KernelOps.Fuse.Native;
using KernelOps.Model;

namespace KernelOps.Fuse;

/// <summary>
/// Serves a kernel model's namespace (its <c>/proc</c> by default) on a real directory through
/// libfuse3, so real processes (<c>cat</c>, <c>sh</c>, <c>python3</c>) open, read, write, seek
/// and ioctl the model's files. Every request runs as a syscall of one model process owned by
/// the host (<see cref="Process"/>): FUSE open is the model's open(2) with the caller's flags,
/// read/write are pread/pwrite at the offset the kernel's FUSE client sends, release is close,
/// SEEK_DATA/SEEK_HOLE reach the model's lseek, ioctl its ioctl. Data moves through a buffer
/// mapped in that process's user memory per worker thread, so copy_to_user/copy_from_user and
/// their EFAULT rules stay the model's. Errors reach the real process as the handler's errno.
/// </summary>
/// <remarks>
/// <para>Threads: <see cref="Mount"/> starts one thread that runs libfuse's multi-threaded loop
/// (fuse_loop_mt); libfuse's worker threads (up to <see cref="FuseHostOptions.MaxThreads"/>) call
/// the host, one request each, so a request asleep in a handler holds only its worker. No
/// exception crosses into libfuse: a failing request answers EIO and logs a kernel line.</para>
/// <para>Blocking: FUSE_INTERRUPT for a request signals the model task serving it (and only it),
/// so the handler's interruptible sleep ends and the caller gets EINTR; unmounting signals every
/// request still in a handler. poll runs the model's poll, and a watcher thread per open file
/// calls fuse_notify_poll when the driver wakes its queue.</para>
/// <para>Device nodes: the model's character and block nodes are shown to the kernel as regular
/// files of size 0 (see AsSeenByTheKernel), so their opens come to the host, which runs the
/// model's chrdev_open.</para>
/// <para>Attributes: entry, attribute and negative timeouts are 0, so every lookup, stat and
/// SEEK_END asks the model again; st_size is the inode's i_size (0 for proc files, as /proc
/// reports, unless the handler keeps it, as the RAM file does). Every file is opened with
/// direct_io: model files are driver-backed, so each read and write must reach the handler and
/// reads are never cut at st_size.</para>
/// <para>Global state libfuse forces: the high-level API gives a callback no pointer but what
/// fuse_get_context() returns, so the address of that function is kept in a static field (set
/// by the first mount; a later mount must load the same library). The host itself travels as
/// the context's private_data (a GCHandle).</para>
/// </remarks>
public sealed unsafe partial class FuseHost : IDisposable
{
    private const int Mounted = 0, Unmounting = 1, Unmounted = 2;
    private const ulong PositionlessBit = 1UL << 62; // fh tag: no FMODE_PREAD/PWRITE, use read/write
    private const int InitialBufferBytes = 128 << 10;

    private readonly Kernel _kernel;
    private readonly FuseHostOptions _options;
    private readonly LibFuse _lib;
    private readonly string _modelRoot;
    private readonly ThreadLocal<UserMapping> _buffers = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _stateLock = new();
    private readonly long _mountTime = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
    private readonly List<nint> _nativeAllocations = new();
    private int _state = Unmounted;
    private GCHandle _self;
    private FuseOperations* _ops;
    private void* _fuse;
    private void* _loopConfig;
    private Thread? _loopThread;
    private int _loopResult;
    private PosixSignalRegistration? _sigint, _sigterm;
    private EventHandler? _onProcessExit;

    private FuseHost(Kernel kernel, string mountPoint, FuseHostOptions options, LibFuse lib, string modelRoot)
    {
        _kernel = kernel;
        _options = options;
        _lib = lib;
        _modelRoot = modelRoot;
        MountPoint = mountPoint;
        Process = kernel.CreateProcess("fuse-host");
        // The real kernel's FUSE client applied the caller's umask to every create, mknod and mkdir
        // mode before the request arrived (no FUSE_CAP_DONT_MASK): the model must not mask again.
        Process.Umask(0);
    }

    /// <summary>The absolute path of the mounted directory.</summary>
    public string MountPoint { get; }

    /// <summary>The model directory served as the mount's root.</summary>
    public string ModelRoot => _modelRoot;

    /// <summary>The model process every request runs as (its fd table holds the files real processes have open).</summary>
    public UserProcess Process { get; }

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
        LibFuse lib = LibFuse.TryLoad(options.LibraryName, out string? problem)
            ?? throw new FuseHostException(FuseHostError.LibraryMissing, problem!);
        FuseHost? host = null;
        try
        {
            host = new FuseHost(kernel, full, options, lib, modelRoot);
            host.Start();
            return host;
        }
        catch
        {
            if (host is not null) host.AbandonStart();
            else lib.Dispose();
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
    /// Unmounts and stops serving; idempotent. A process that still has a file open loses it:
    /// the connection is aborted (its next call fails with ENOTCONN) and the mount is detached,
    /// so nothing hangs. Then the host's model process exits, which runs the release of every
    /// file still open in the model.
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
            // mirrors fuse_main's shutdown: fuse_exit stops the workers after their current request,
            // then the unmount wakes the ones waiting in read(/dev/fuse) with ENODEV.
            _lib.Exit(_fuse);
            MountTable.Detach(MountPoint, () => _lib.Unmount(_fuse));
            // A worker asleep in a handler (a read on an empty pipe) would keep the loop from
            // ending: the aborted connection already answered its caller, so interrupt it as
            // FUSE_INTERRUPT would (its task alone gets the signal; the handler returns EINTR).
            // Again every 100 ms, for requests that were just entering a handler.
            bool ended = _loopThread is null || _loopThread == Thread.CurrentThread;
            var deadline = DateTime.UtcNow + _options.UnmountTimeout;
            while (!ended)
            {
                InterruptAll();
                ended = _loopThread!.Join(TimeSpan.FromMilliseconds(100));
                if (DateTime.UtcNow >= deadline) break;
            }
            StopPollWatchers(deadline);
            if (ended)
            {
                FreeLibfuseState();
            }
            else
            {
                // A handler blocked forever keeps a worker busy: libfuse's state cannot be freed
                // under it. Leak it rather than crash; say so.
                _kernel.Log.Printk($"fuse: {MountPoint}: libfuse's loop did not end within {_options.UnmountTimeout.TotalSeconds:0}s; leaving its state allocated");
            }
            Process.Dispose();
            _buffers.Dispose();
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
        if (Process.Stat(_modelRoot, out StatResult root) != 0 || !root.IsDirectory)
            throw new FuseHostException(FuseHostError.ModelRootMissing, $"the model has no directory {_modelRoot} to serve");
        FuseCallbacks.RegisterContextFunction(_lib);

        _self = GCHandle.Alloc(this);
        _ops = (FuseOperations*)Alloc((nuint)sizeof(FuseOperations));
        FuseCallbacks.Fill(_ops);

        var options = new StringBuilder()
            .Append("fsname=").Append(_options.FileSystemName)
            .Append(",subtype=kernelops")
            // the kernel checks permission bits itself, as the VFS does for /proc (generic_permission)
            .Append(",default_permissions")
            // nothing is cached: every lookup and stat asks the model again
            .Append(",entry_timeout=0,negative_timeout=0,attr_timeout=0"); // init() sets them again, with use_ino
        if (_options.AllowOther) options.Append(",allow_other");
        var argv = new List<string> { "kernelops-fuse", "-o", options.ToString() };
        if (_options.Debug) argv.Add("-d");

        FuseArgs args = default;
        args.argc = argv.Count;
        args.argv = (byte**)Alloc((nuint)(sizeof(byte*) * (argv.Count + 1)));
        for (int i = 0; i < argv.Count; i++) args.argv[i] = Utf8(argv[i]);
        // mirrors fuse_main_real: fuse_new, fuse_mount, then the loop
        _fuse = _lib.New(&args, _ops, (nuint)sizeof(FuseOperations), (void*)GCHandle.ToIntPtr(_self));
        _lib.OptFreeArgs(&args); // frees the copy fuse_opt_parse made; our strings are in _nativeAllocations
        if (_fuse == null)
            throw new FuseHostException(FuseHostError.MountFailed, $"libfuse refused the options {string.Join(' ', argv.Skip(1))} (see its message above)");

        byte* mountPoint = Utf8(MountPoint);
        if (_lib.Mount(_fuse, mountPoint) != 0)
        {
            throw new FuseHostException(FuseHostError.MountFailed, LibC.Geteuid() == 0
                ? $"mounting {MountPoint} failed (see libfuse's message above): is the fuse module usable here (modprobe fuse; containers need --device /dev/fuse --cap-add SYS_ADMIN)?"
                : $"mounting {MountPoint} failed (see libfuse's message above): run as root, or install fusermount3 (apt-get install fuse3)");
        }

        _loopConfig = _lib.LoopCfgCreate();
        _lib.LoopCfgSetMaxThreads(_loopConfig, (uint)_options.MaxThreads);
        lock (_stateLock) _state = Mounted;
        _loopThread = new Thread(RunLoop) { IsBackground = true, Name = "fuse-loop " + MountPoint };
        _loopThread.Start();

        if (_options.HandleSignals)
        {
            _sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        }
        _onProcessExit = OnProcessExit;
        AppDomain.CurrentDomain.ProcessExit += _onProcessExit;
    }

    // Undo a Start that threw before the loop ran.
    private void AbandonStart()
    {
        try
        {
            if (_fuse != null)
            {
                if (MountTable.IsMountPoint(MountPoint)) _lib.Unmount(_fuse);
                _lib.Destroy(_fuse);
                _fuse = null;
            }
            FreeLibfuseState();
            Process.Dispose();
            _buffers.Dispose();
        }
        finally
        {
            _completion.TrySetResult();
        }
    }

    private void RunLoop()
    {
        try
        {
            _loopResult = _lib.LoopMt(_fuse, _loopConfig);
            if (_loopResult != 0) _kernel.Log.Printk($"fuse: {MountPoint}: fuse_loop_mt returned {_loopResult}");
        }
        catch (Exception e)
        {
            _kernel.Log.Printk($"fuse: {MountPoint}: loop failed: {e.Message}");
        }
        // Unmounted from outside (fusermount3 -u, umount): clean up here. Unmount skips the join
        // when it runs on this thread.
        Unmount();
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

    private void FreeLibfuseState()
    {
        if (_fuse != null) _lib.Destroy(_fuse); // closes /dev/fuse
        _fuse = null;
        if (_loopConfig != null) _lib.LoopCfgDestroy(_loopConfig);
        _loopConfig = null;
        foreach (nint p in _nativeAllocations) NativeMemory.Free((void*)p);
        _nativeAllocations.Clear();
        _ops = null;
        if (_self.IsAllocated) _self.Free();
    }

    private void* Alloc(nuint bytes)
    {
        void* p = NativeMemory.AllocZeroed(bytes);
        _nativeAllocations.Add((nint)p);
        return p;
    }

    private byte* Utf8(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        return p;
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
