using System;
using System.Runtime.InteropServices;

namespace KernelOps.Fuse.Native;

/// <summary>
/// libfuse3's low-level API (fuse_lowlevel.h), resolved by name from a library loaded at run time
/// (not [DllImport]), so a missing library is an error message and tests can point at another
/// file. Every entry point exists with these names from libfuse 3.12 on (the loop is the host's
/// own: fuse_session_receive_buf and fuse_session_process_buf, see <see cref="LowLevel.FuseSession"/>).
/// </summary>
internal sealed unsafe class LowLevelLibrary : IDisposable
{
    private nint _handle;

    private LowLevelLibrary(nint handle) => _handle = handle;

    // ---- the session ------------------------------------------------------------------------
    public delegate* unmanaged<FuseArgs*, FuseLowLevelOps*, nuint, void*, void*> SessionNew;
    public delegate* unmanaged<void*, byte*, int> SessionMount;
    public delegate* unmanaged<void*, void> SessionUnmount;
    public delegate* unmanaged<void*, void> SessionDestroy;
    public delegate* unmanaged<void*, void> SessionExit;
    public delegate* unmanaged<void*, int> SessionExited;
    public delegate* unmanaged<void*, int> SessionFd;
    /// <summary>fuse_session_receive_buf: reads one request (blocking); bytes read, 0 at the end, or -errno (EINTR, EAGAIN: again).</summary>
    public delegate* unmanaged<void*, FuseBuf*, int> SessionReceiveBuf;
    /// <summary>fuse_session_process_buf: decodes the request and calls its fuse_lowlevel_ops slot on this thread.</summary>
    public delegate* unmanaged<void*, FuseBuf*, void> SessionProcessBuf;
    public delegate* unmanaged<void*, void*, int> SessionLoopMt;
    public delegate* unmanaged<FuseArgs*, void> OptFreeArgs;

    // ---- replies (each frees the request; any thread) -----------------------------------------
    public delegate* unmanaged<nint, int, int> ReplyErr;
    public delegate* unmanaged<nint, void> ReplyNone;
    public delegate* unmanaged<nint, FuseEntryParam*, int> ReplyEntry;
    public delegate* unmanaged<nint, FuseEntryParam*, FuseFileInfo*, int> ReplyCreate;
    public delegate* unmanaged<nint, NativeStat*, double, int> ReplyAttr;
    public delegate* unmanaged<nint, byte*, int> ReplyReadlink;
    public delegate* unmanaged<nint, FuseFileInfo*, int> ReplyOpen;
    public delegate* unmanaged<nint, nuint, int> ReplyWrite;
    public delegate* unmanaged<nint, byte*, nuint, int> ReplyBuf;
    public delegate* unmanaged<nint, NativeStatvfs*, int> ReplyStatfs;
    public delegate* unmanaged<nint, int, void*, nuint, int> ReplyIoctl;
    public delegate* unmanaged<nint, uint, int> ReplyPoll;
    public delegate* unmanaged<nint, long, int> ReplyLseek;

    // ---- readdir buffers ----------------------------------------------------------------------
    /// <summary>fuse_add_direntry: appends one entry if it fits; returns the size it needs (more than bufsize: it did not fit).</summary>
    public delegate* unmanaged<nint, byte*, nuint, byte*, NativeStat*, long, nuint> AddDirentry;
    public delegate* unmanaged<nint, byte*, nuint, byte*, FuseEntryParam*, long, nuint> AddDirentryPlus;

    // ---- the request ----------------------------------------------------------------------------
    public delegate* unmanaged<nint, FuseCtx*> ReqCtx;
    public delegate* unmanaged<nint, void*> ReqUserdata;
    public delegate* unmanaged<nint, int, uint*, int> ReqGetgroups;
    /// <summary>fuse_req_interrupt_func: calls func(req, data) when FUSE_INTERRUPT names req (at once if it already has).</summary>
    public delegate* unmanaged<nint, delegate* unmanaged<nint, void*, void>, void*, void> ReqInterruptFunc;
    public delegate* unmanaged<nint, int> ReqInterrupted;

    // ---- notifications ----------------------------------------------------------------------------
    public delegate* unmanaged<void*, int> NotifyPoll;
    public delegate* unmanaged<void*, void> PollhandleDestroy;
    public delegate* unmanaged<void*, ulong, long, long, int> NotifyInvalInode;
    public delegate* unmanaged<void*, ulong, byte*, nuint, int> NotifyInvalEntry;
    public delegate* unmanaged<void*, ulong, ulong, byte*, nuint, int> NotifyDelete;

    /// <summary>Loads <paramref name="libraryName"/> and resolves every entry point.</summary>
    /// <returns>Null with <paramref name="problem"/> set when the library or an entry point is missing.</returns>
    public static LowLevelLibrary? TryLoad(string libraryName, out string? problem)
    {
        if (!NativeLibrary.TryLoad(libraryName, out nint handle))
        {
            problem = $"cannot load {libraryName}: libfuse3 is not installed (Debian/Ubuntu: apt-get install fuse3 libfuse3-dev)";
            return null;
        }
        var lib = new LowLevelLibrary(handle);
        string? missing = null;
        nint Get(string name)
        {
            if (NativeLibrary.TryGetExport(handle, name, out nint address)) return address;
            missing ??= name;
            return 0;
        }
        lib.SessionNew = (delegate* unmanaged<FuseArgs*, FuseLowLevelOps*, nuint, void*, void*>)Get("fuse_session_new");
        lib.SessionMount = (delegate* unmanaged<void*, byte*, int>)Get("fuse_session_mount");
        lib.SessionUnmount = (delegate* unmanaged<void*, void>)Get("fuse_session_unmount");
        lib.SessionDestroy = (delegate* unmanaged<void*, void>)Get("fuse_session_destroy");
        lib.SessionExit = (delegate* unmanaged<void*, void>)Get("fuse_session_exit");
        lib.SessionExited = (delegate* unmanaged<void*, int>)Get("fuse_session_exited");
        lib.SessionFd = (delegate* unmanaged<void*, int>)Get("fuse_session_fd");
        lib.SessionReceiveBuf = (delegate* unmanaged<void*, FuseBuf*, int>)Get("fuse_session_receive_buf");
        lib.SessionProcessBuf = (delegate* unmanaged<void*, FuseBuf*, void>)Get("fuse_session_process_buf");
        lib.SessionLoopMt = (delegate* unmanaged<void*, void*, int>)Get("fuse_session_loop_mt_312");
        lib.OptFreeArgs = (delegate* unmanaged<FuseArgs*, void>)Get("fuse_opt_free_args");
        lib.ReplyErr = (delegate* unmanaged<nint, int, int>)Get("fuse_reply_err");
        lib.ReplyNone = (delegate* unmanaged<nint, void>)Get("fuse_reply_none");
        lib.ReplyEntry = (delegate* unmanaged<nint, FuseEntryParam*, int>)Get("fuse_reply_entry");
        lib.ReplyCreate = (delegate* unmanaged<nint, FuseEntryParam*, FuseFileInfo*, int>)Get("fuse_reply_create");
        lib.ReplyAttr = (delegate* unmanaged<nint, NativeStat*, double, int>)Get("fuse_reply_attr");
        lib.ReplyReadlink = (delegate* unmanaged<nint, byte*, int>)Get("fuse_reply_readlink");
        lib.ReplyOpen = (delegate* unmanaged<nint, FuseFileInfo*, int>)Get("fuse_reply_open");
        lib.ReplyWrite = (delegate* unmanaged<nint, nuint, int>)Get("fuse_reply_write");
        lib.ReplyBuf = (delegate* unmanaged<nint, byte*, nuint, int>)Get("fuse_reply_buf");
        lib.ReplyStatfs = (delegate* unmanaged<nint, NativeStatvfs*, int>)Get("fuse_reply_statfs");
        lib.ReplyIoctl = (delegate* unmanaged<nint, int, void*, nuint, int>)Get("fuse_reply_ioctl");
        lib.ReplyPoll = (delegate* unmanaged<nint, uint, int>)Get("fuse_reply_poll");
        lib.ReplyLseek = (delegate* unmanaged<nint, long, int>)Get("fuse_reply_lseek");
        lib.AddDirentry = (delegate* unmanaged<nint, byte*, nuint, byte*, NativeStat*, long, nuint>)Get("fuse_add_direntry");
        lib.AddDirentryPlus = (delegate* unmanaged<nint, byte*, nuint, byte*, FuseEntryParam*, long, nuint>)Get("fuse_add_direntry_plus");
        lib.ReqCtx = (delegate* unmanaged<nint, FuseCtx*>)Get("fuse_req_ctx");
        lib.ReqUserdata = (delegate* unmanaged<nint, void*>)Get("fuse_req_userdata");
        lib.ReqGetgroups = (delegate* unmanaged<nint, int, uint*, int>)Get("fuse_req_getgroups");
        lib.ReqInterruptFunc = (delegate* unmanaged<nint, delegate* unmanaged<nint, void*, void>, void*, void>)Get("fuse_req_interrupt_func");
        lib.ReqInterrupted = (delegate* unmanaged<nint, int>)Get("fuse_req_interrupted");
        lib.NotifyPoll = (delegate* unmanaged<void*, int>)Get("fuse_lowlevel_notify_poll");
        lib.PollhandleDestroy = (delegate* unmanaged<void*, void>)Get("fuse_pollhandle_destroy");
        lib.NotifyInvalInode = (delegate* unmanaged<void*, ulong, long, long, int>)Get("fuse_lowlevel_notify_inval_inode");
        lib.NotifyInvalEntry = (delegate* unmanaged<void*, ulong, byte*, nuint, int>)Get("fuse_lowlevel_notify_inval_entry");
        lib.NotifyDelete = (delegate* unmanaged<void*, ulong, ulong, byte*, nuint, int>)Get("fuse_lowlevel_notify_delete");
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
