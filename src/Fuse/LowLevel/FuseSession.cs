using System;
using System.Collections.Generic;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using KernelOps.Fuse.Native;
using KernelOps.Model;

namespace KernelOps.Fuse.LowLevel;

/// <summary>How a <see cref="FuseSession"/> mounts and runs.</summary>
internal sealed record FuseSessionOptions
{
    /// <summary>The fsname /proc/mounts shows.</summary>
    public string FileSystemName { get; init; } = "kernelops";

    /// <summary>The subtype (<c>fuse.SUBTYPE</c> in /proc/mounts).</summary>
    public string Subtype { get; init; } = "kernelops";

    /// <summary>FUSE's allow_other: users other than the mounting one reach the file system.</summary>
    public bool AllowOther { get; init; }

    /// <summary>FUSE's default_permissions: the kernel checks mode bits itself before sending a request.</summary>
    public bool DefaultPermissions { get; init; }

    /// <summary>libfuse's -d: every request logged to stderr.</summary>
    public bool Debug { get; init; }

    /// <summary>Tasks taking requests at once (<see cref="ModelTaskPool.MaxRunning"/>).</summary>
    public int MaxRunning { get; init; } = Math.Max(4, 2 * Environment.ProcessorCount);

    /// <summary>Task threads in all: running, asleep in the model, idle (<see cref="ModelTaskPool.MaxTasks"/>).</summary>
    public int MaxTasks { get; init; } = 10_000;

    /// <summary>How long unmounting waits for the tasks to leave before it gives up on them.</summary>
    public TimeSpan UnmountTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The libfuse3 shared library.</summary>
    public string LibraryName { get; init; } = "libfuse3.so.3";
}

/// <summary>
/// A mounted libfuse3 low-level session whose requests run as model tasks: the host's own loop
/// (fuse_session_receive_buf, then fuse_session_process_buf on the same thread) runs on a
/// <see cref="ModelTaskPool"/>, so a request asleep in a handler holds its task and the others
/// keep serving, and FUSE_INTERRUPT signals the task of the request it names (see
/// <see cref="FuseRequest.OnInterruptSignal"/>). Nothing unwinds into libfuse: a handler that
/// throws answers EIO and the session logs the exception.
/// </summary>
internal sealed unsafe class FuseSession : IDisposable
{
    private const int Mounted = 0, Unmounting = 1, Unmounted = 2;
    private const int Eintr = 4, Eagain = 11, Enoent = 2, Eio = 5;

    private readonly FuseSessionOptions _options;
    private readonly Action<string> _log;
    private readonly Lock _stateLock = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<nint> _allocations = new();
    private readonly Lock _interruptLock = new();
    private readonly Dictionary<long, KernelTask> _interruptible = new();
    private long _nextInterrupt;
    private int _state = Unmounted;
    private GCHandle _self;
    private void* _session;
    private ModelTaskPool? _tasks;

    private FuseSession(LowLevelLibrary library, LowLevelFileSystem fileSystem, string mountPoint, FuseSessionOptions options, Action<string> log)
    {
        Library = library;
        FileSystem = fileSystem;
        MountPoint = mountPoint;
        _options = options;
        _log = log;
    }

    /// <summary>libfuse's entry points.</summary>
    public LowLevelLibrary Library { get; }

    /// <summary>What the session serves.</summary>
    public LowLevelFileSystem FileSystem { get; }

    /// <summary>The mount point (absolute).</summary>
    public string MountPoint { get; }

    /// <summary>The task threads (for diagnostics and tests).</summary>
    public ModelTaskPool Tasks => _tasks!;

    /// <summary>Completes once the mount is gone and the session has released what it held.</summary>
    public Task Completion => _completion.Task;

    /// <summary>The <c>struct fuse_session *</c>, for notifications.</summary>
    public void* Handle => _session;

    /// <summary>
    /// Creates the session, mounts it on <paramref name="mountPoint"/> (an existing empty
    /// directory; the caller checked it) and starts serving.
    /// </summary>
    /// <exception cref="FuseHostException">libfuse is missing, or refused the options or the mount.</exception>
    public static FuseSession Mount(string mountPoint, LowLevelFileSystem fileSystem, FuseSessionOptions options, Action<string> log)
    {
        LowLevelLibrary library = LowLevelLibrary.TryLoad(options.LibraryName, out string? problem)
            ?? throw new FuseHostException(FuseHostError.LibraryMissing, problem!);
        var session = new FuseSession(library, fileSystem, mountPoint, options, log);
        try
        {
            session.Start();
            return session;
        }
        catch
        {
            session.AbandonStart();
            throw;
        }
    }

    private void Start()
    {
        _self = GCHandle.Alloc(this);
        var ops = (FuseLowLevelOps*)Alloc((nuint)sizeof(FuseLowLevelOps));
        LowLevelThunks.Fill(ops, FileSystem, Library);

        var mountOptions = new StringBuilder()
            .Append("fsname=").Append(_options.FileSystemName)
            .Append(",subtype=").Append(_options.Subtype);
        if (_options.AllowOther) mountOptions.Append(",allow_other");
        if (_options.DefaultPermissions) mountOptions.Append(",default_permissions");
        var argv = new List<string> { "kernelops", "-o", mountOptions.ToString() };
        if (_options.Debug) argv.Add("-d");
        FuseArgs args = default;
        args.argc = argv.Count;
        args.argv = (byte**)Alloc((nuint)(sizeof(byte*) * (argv.Count + 1)));
        for (int i = 0; i < argv.Count; i++) args.argv[i] = Utf8(argv[i]);

        _session = Library.SessionNew(&args, ops, (nuint)sizeof(FuseLowLevelOps), (void*)GCHandle.ToIntPtr(_self));
        Library.OptFreeArgs(&args); // frees fuse_opt_parse's copy; our strings are in _allocations
        if (_session == null)
            throw new FuseHostException(FuseHostError.MountFailed, $"libfuse refused the options {string.Join(' ', argv.Skip(1))} (see its message above)");
        if (Library.SessionMount(_session, Utf8(MountPoint)) != 0)
        {
            throw new FuseHostException(FuseHostError.MountFailed, LibC.Geteuid() == 0
                ? $"mounting {MountPoint} failed (see libfuse's message above): is the fuse module usable here (modprobe fuse; containers need --device /dev/fuse --cap-add SYS_ADMIN)?"
                : $"mounting {MountPoint} failed (see libfuse's message above): run as root, or install fusermount3 (apt-get install fuse3)");
        }
        lock (_stateLock) _state = Mounted;
        _tasks = new ModelTaskPool("fuse " + MountPoint, _options.MaxRunning, _options.MaxTasks, ServeOne, _log) { ThreadLeaving = ThreadLeaving };
        _tasks.SessionEnded += () => new Thread(Unmount) { IsBackground = true, Name = "fuse-unmount " + MountPoint }.Start();
        _tasks.Start();
    }

    private void AbandonStart()
    {
        try
        {
            if (_session != null)
            {
                if (MountTable.IsMountPoint(MountPoint)) Library.SessionUnmount(_session);
                Library.SessionDestroy(_session);
                _session = null;
            }
            FreeNative();
            Library.Dispose();
        }
        finally
        {
            _completion.TrySetResult();
        }
    }

    /// <summary>
    /// Unmounts and stops serving; idempotent. A process that still has a file open loses it (the
    /// connection is aborted: ENOTCONN) and the mount is detached, so nothing hangs; every request
    /// still asleep in a handler is signalled until the tasks have left.
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
            Library.SessionExit(_session);
            MountTable.Detach(MountPoint, () => Library.SessionUnmount(_session));
            _tasks!.Stop();
            var deadline = DateTime.UtcNow + _options.UnmountTimeout;
            bool gone;
            do
            {
                InterruptAll();
                gone = _tasks.AllGone.WaitOne(TimeSpan.FromMilliseconds(100));
            }
            while (!gone && DateTime.UtcNow < deadline);
            if (gone)
            {
                Library.SessionDestroy(_session); // calls destroy; closes /dev/fuse
                _session = null;
                FreeNative();
                Library.Dispose();
            }
            else
            {
                // A handler that never returns keeps a task: libfuse's state cannot be freed under
                // it. Leak it rather than crash; say so.
                _log($"fuse: {MountPoint}: tasks still in handlers after {_options.UnmountTimeout.TotalSeconds:0}s; leaving libfuse's session allocated");
            }
        }
        catch (Exception e)
        {
            _log($"fuse: {MountPoint}: unmount failed: {e.GetType().Name}: {e.Message}");
        }
        finally
        {
            lock (_stateLock) _state = Unmounted;
            _completion.TrySetResult();
        }
    }

    /// <summary>Same as <see cref="Unmount"/>.</summary>
    public void Dispose() => Unmount();

    // ---- the loop (on each task) ------------------------------------------------------------------

    // Per task thread: its receive buffer and the request it is in.
    private sealed class TaskSlot(FuseSession session, FuseBuf* buffer)
    {
        public readonly FuseSession Session = session;
        public FuseBuf* Buffer = buffer;
        public nint Request;
        public bool Answered;
    }

    [ThreadStatic] private static TaskSlot? t_slot;

    private bool ServeOne()
    {
        TaskSlot slot = t_slot ??= new TaskSlot(this, (FuseBuf*)NativeMemory.AllocZeroed((nuint)sizeof(FuseBuf)));
        if (Library.SessionExited(_session) != 0) return false;
        int n = Library.SessionReceiveBuf(_session, slot.Buffer);
        if (n is -Eintr or -Eagain or -Enoent) return true;
        if (n <= 0)
        {
            if (n < 0) _log($"fuse: {MountPoint}: reading /dev/fuse failed with errno {-n}");
            return false;
        }
        Library.SessionProcessBuf(_session, slot.Buffer);
        return true;
    }

    private void ThreadLeaving()
    {
        try { FileSystem.ThreadLeaving(); }
        catch (Exception e) { _log($"fuse: {MountPoint}: a task's cleanup failed: {e.GetType().Name}: {e.Message}"); }
        FreeThreadBuffer();
    }

    private static void FreeThreadBuffer()
    {
        TaskSlot? slot = t_slot;
        t_slot = null;
        if (slot?.Buffer is null) return;
        // SAFETY: mem was malloc'd by fuse_session_receive_buf on this thread and nothing uses it
        // once the thread leaves the loop; NativeMemory.Free is free(3).
        NativeMemory.Free(slot.Buffer->mem);
        NativeMemory.Free(slot.Buffer);
        slot.Buffer = null;
    }

    // ---- a request's life (called by the thunks) ---------------------------------------------------

    /// <summary>The session a callback of <paramref name="request"/> belongs to, and the request marked as being in a handler.</summary>
    internal static FuseSession? Enter(nint request)
    {
        TaskSlot? slot = t_slot;
        if (slot is null)
        {
            // Not a task of ours (libfuse never does this; be safe): find the session by its user data.
            FuseSession? session = FromUserData(LowLevelThunks.RequestUserData(request));
            if (session is null) return null;
            slot = t_slot = new TaskSlot(session, null);
        }
        slot.Request = request;
        slot.Answered = false;
        return slot.Session;
    }

    /// <summary>A reply (or a deferral) for <paramref name="request"/>: the thunk must not answer it again.</summary>
    internal static void MarkAnswered(nint request)
    {
        TaskSlot? slot = t_slot;
        if (slot is not null && slot.Request == request) slot.Answered = true;
    }

    /// <summary>After the handler: a request nobody answered (a bug, or an exception) gets EIO, with a log line.</summary>
    internal void Leave(nint request, string operation, Exception? failure)
    {
        TaskSlot? slot = t_slot;
        bool answered = slot is not null && slot.Request == request && slot.Answered;
        if (slot is not null && slot.Request == request) slot.Request = 0;
        if (failure is not null)
            _log($"fuse: {MountPoint}: {operation} failed with {failure.GetType().Name}: {failure.Message}");
        if (answered) return;
        if (failure is null) _log($"fuse: {MountPoint}: {operation} returned without answering; the caller gets EIO");
        Library.ReplyErr(request, Eio);
    }

    internal static FuseSession? FromUserData(void* userData) =>
        userData == null ? null : GCHandle.FromIntPtr((nint)userData).Target as FuseSession;

    /// <summary>The session of the calling task, if it is one of a session's tasks.</summary>
    internal static FuseSession? OfCurrentTask => t_slot?.Session;

    // ---- FUSE_INTERRUPT ------------------------------------------------------------------------

    internal InterruptRegistration RegisterInterrupt(nint request, KernelTask task)
    {
        long id = Interlocked.Increment(ref _nextInterrupt);
        lock (_interruptLock) _interruptible.Add(id, task);
        // SAFETY: request is live (not yet answered); libfuse clears the callback when it frees it,
        // and an interrupt arriving after the registration is disposed finds no id.
        Library.ReqInterruptFunc(request, &LowLevelThunks.Interrupt, (void*)(nint)id);
        return new InterruptRegistration(this, id, task);
    }

    internal void UnregisterInterrupt(long id, KernelTask task)
    {
        lock (_interruptLock)
        {
            _interruptible.Remove(id);
            task.ClearSignal(); // under the lock Interrupt signals under: no late signal survives
        }
    }

    /// <summary>FUSE_INTERRUPT for registration <paramref name="id"/>: signal its task, if the request is still in its handler.</summary>
    internal void Interrupt(long id)
    {
        lock (_interruptLock)
        {
            if (_interruptible.TryGetValue(id, out KernelTask? task)) task.SendSignal();
        }
    }

    private void InterruptAll()
    {
        lock (_interruptLock)
        {
            foreach (KernelTask task in _interruptible.Values) task.SendSignal();
        }
    }

    /// <summary>A failure outside any request (init, destroy, interrupt).</summary>
    internal void Log(string line) => _log($"fuse: {MountPoint}: {line}");

    // ---- native memory -----------------------------------------------------------------------------

    private void* Alloc(nuint bytes)
    {
        void* p = NativeMemory.AllocZeroed(bytes);
        _allocations.Add((nint)p);
        return p;
    }

    private byte* Utf8(string s)
    {
        int n = Encoding.UTF8.GetByteCount(s);
        byte* p = (byte*)Alloc((nuint)n + 1);
        Encoding.UTF8.GetBytes(s, new Span<byte>(p, n));
        return p;
    }

    private void FreeNative()
    {
        foreach (nint p in _allocations) NativeMemory.Free((void*)p);
        _allocations.Clear();
        if (_self.IsAllocated) _self.Free();
    }
}
