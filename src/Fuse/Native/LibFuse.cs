using System;
using System.Runtime.InteropServices;

namespace KernelOps.Fuse.Native;

/// <summary>
/// libfuse3's high-level API, resolved by name from a library loaded at run time (not
/// [DllImport]), so a host can report a missing library as an error message and tests can point
/// at another file. Versioned entry points are asked for by their explicit names
/// (<c>fuse_new_31</c>, <c>fuse_loop_mt_312</c>), which is what fuse.h's macros expand to for
/// FUSE_USE_VERSION 312 and later; libfuse 3.12 is therefore the oldest that loads.
/// </summary>
internal sealed unsafe class LibFuse : IDisposable
{
    private nint _handle;

    private LibFuse(nint handle) => _handle = handle;

    public delegate* unmanaged<FuseArgs*, FuseOperations*, nuint, void*, void*> New;
    public delegate* unmanaged<void*, byte*, int> Mount;
    public delegate* unmanaged<void*, void> Unmount;
    public delegate* unmanaged<void*, void> Destroy;
    public delegate* unmanaged<void*, void> Exit;
    public delegate* unmanaged<void*, void*, int> LoopMt;
    public delegate* unmanaged<void*> LoopCfgCreate;
    public delegate* unmanaged<void*, void> LoopCfgDestroy;
    public delegate* unmanaged<void*, uint, void> LoopCfgSetMaxThreads;
    public delegate* unmanaged<void*, uint, void> LoopCfgSetIdleThreads;
    public delegate* unmanaged<FuseContext*> GetContext;
    public delegate* unmanaged<FuseArgs*, void> OptFreeArgs;
    /// <summary>fuse_req_interrupt_func (fuse_lowlevel.h): calls func(req, data) when FUSE_INTERRUPT names req (at once if it already has).</summary>
    public delegate* unmanaged<void*, delegate* unmanaged<void*, void*, void>, void*, void> ReqInterruptFunc;
    /// <summary>fuse_req_userdata: the session's user data; for the high-level API, the struct fuse*.</summary>
    public delegate* unmanaged<void*, void*> ReqUserdata;
    /// <summary>fuse_notify_poll: tells the kernel a file polled with this handle may be ready (it polls again).</summary>
    public delegate* unmanaged<void*, int> NotifyPoll;
    /// <summary>fuse_pollhandle_destroy.</summary>
    public delegate* unmanaged<void*, void> PollhandleDestroy;

    /// <summary>Loads <paramref name="libraryName"/> and resolves every entry point the host uses.</summary>
    /// <returns>Null with <paramref name="problem"/> set when the library or an entry point is missing.</returns>
    public static LibFuse? TryLoad(string libraryName, out string? problem)
    {
        if (!NativeLibrary.TryLoad(libraryName, out nint handle))
        {
            problem = $"cannot load {libraryName}: libfuse3 is not installed (Debian/Ubuntu: apt-get install fuse3 libfuse3-dev)";
            return null;
        }
        var lib = new LibFuse(handle);
        string? missing = null;
        nint Get(string name)
        {
            if (NativeLibrary.TryGetExport(handle, name, out nint address)) return address;
            missing ??= name;
            return 0;
        }
        lib.New = (delegate* unmanaged<FuseArgs*, FuseOperations*, nuint, void*, void*>)Get("fuse_new_31");
        lib.Mount = (delegate* unmanaged<void*, byte*, int>)Get("fuse_mount");
        lib.Unmount = (delegate* unmanaged<void*, void>)Get("fuse_unmount");
        lib.Destroy = (delegate* unmanaged<void*, void>)Get("fuse_destroy");
        lib.Exit = (delegate* unmanaged<void*, void>)Get("fuse_exit");
        lib.LoopMt = (delegate* unmanaged<void*, void*, int>)Get("fuse_loop_mt_312");
        lib.LoopCfgCreate = (delegate* unmanaged<void*>)Get("fuse_loop_cfg_create");
        lib.LoopCfgDestroy = (delegate* unmanaged<void*, void>)Get("fuse_loop_cfg_destroy");
        lib.LoopCfgSetMaxThreads = (delegate* unmanaged<void*, uint, void>)Get("fuse_loop_cfg_set_max_threads");
        lib.LoopCfgSetIdleThreads = (delegate* unmanaged<void*, uint, void>)Get("fuse_loop_cfg_set_idle_threads");
        lib.GetContext = (delegate* unmanaged<FuseContext*>)Get("fuse_get_context");
        lib.OptFreeArgs = (delegate* unmanaged<FuseArgs*, void>)Get("fuse_opt_free_args");
        lib.ReqInterruptFunc = (delegate* unmanaged<void*, delegate* unmanaged<void*, void*, void>, void*, void>)Get("fuse_req_interrupt_func");
        lib.ReqUserdata = (delegate* unmanaged<void*, void*>)Get("fuse_req_userdata");
        lib.NotifyPoll = (delegate* unmanaged<void*, int>)Get("fuse_notify_poll");
        lib.PollhandleDestroy = (delegate* unmanaged<void*, void>)Get("fuse_pollhandle_destroy");
        if (missing is not null)
        {
            lib.Dispose();
            problem = $"{libraryName} has no {missing}: libfuse 3.12 or later is needed (Debian/Ubuntu: apt-get install fuse3 libfuse3-dev)";
            return null;
        }
        problem = null;
        return lib;
    }

    /// <summary>Drops this load's reference to the library (the loader keeps it mapped while others hold it).</summary>
    public void Dispose()
    {
        nint handle = _handle;
        _handle = 0;
        if (handle != 0) NativeLibrary.Free(handle);
    }
}

/// <summary>The few glibc calls the host makes itself.</summary>
internal static partial class LibC
{
    /// <summary>umount2 flags (include/uapi/linux/fs.h... sys/mount.h).</summary>
    public const int MNT_FORCE = 1, MNT_DETACH = 2;

    /// <summary>EBUSY, EINVAL (errno values).</summary>
    public const int EBUSY = 16, EINVAL = 22;

    [LibraryImport("libc", EntryPoint = "umount2", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    public static partial int Umount2(string target, int flags);

    [LibraryImport("libc", EntryPoint = "geteuid")]
    public static partial uint Geteuid();
}
