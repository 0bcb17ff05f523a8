using System;
using System.Runtime.InteropServices;
using System.Threading;
using KernelOps.Abi;
using KernelOps.Fuse.Native;

namespace KernelOps.Fuse;

/// <summary>
/// The <c>struct fuse_operations</c> slots: one [UnmanagedCallersOnly] function per operation the
/// host serves. Each finds its host through fuse_get_context()->private_data, calls it, and turns
/// any exception into -EIO plus a kernel-log line, so nothing unwinds into libfuse.
/// </summary>
internal static unsafe class FuseCallbacks
{
    // The one piece of global state, forced by libfuse's high-level API: callbacks get no user
    // pointer, only fuse_get_context(), whose address comes from the loaded library.
    private static delegate* unmanaged<FuseContext*> s_getContext;
    private static readonly Lock s_registerLock = new();

    /// <summary>Records libfuse's fuse_get_context; a second, different libfuse in one process is refused.</summary>
    public static void RegisterContextFunction(LibFuse lib)
    {
        lock (s_registerLock)
        {
            if (s_getContext == null) s_getContext = lib.GetContext;
            else if ((nint)s_getContext != (nint)lib.GetContext)
                throw new FuseHostException(FuseHostError.LibraryMissing, "another libfuse3 is already serving mounts in this process; use the same LibraryName for every host");
        }
    }

    /// <summary>Fills the slots the host serves; the rest stay null (libfuse answers ENOSYS or a default).</summary>
    public static void Fill(FuseOperations* ops)
    {
        ops->init = &Init;
        ops->getattr = &Getattr;
        ops->open = &Open;
        ops->create = &Create;
        ops->read = &Read;
        ops->write = &Write;
        ops->release = &Release;
        ops->readdir = &Readdir;
        ops->ioctl = &Ioctl;
        ops->lseek = &Lseek;
        ops->poll = &Poll;
    }

    // fuse_operations.init: sets what only init may set, and returns the private_data that
    // fuse_get_context() hands every later callback (the host's GCHandle, unchanged).
    [UnmanagedCallersOnly]
    private static void* Init(void* connection, FuseConfig* config)
    {
        try
        {
            // st_ino is the model's i_ino, as stat on the real file system would show it
            config->use_ino = 1;
            // nothing cached: every lookup, stat and SEEK_END asks the model
            config->entry_timeout = 0;
            config->attr_timeout = 0;
            config->negative_timeout = 0;
            var getContext = s_getContext;
            return getContext == null ? null : getContext()->private_data;
        }
        catch (Exception)
        {
            return null;
        }
    }

    [UnmanagedCallersOnly]
    private static int Getattr(byte* path, NativeStat* st, FuseFileInfo* fi)
    {
        FuseHost? host = null;
        try { return (host = Host()) is null ? Eio : host.GetAttr(path, st, fi); }
        catch (Exception e) { return Failed(host, "getattr", e); }
    }

    [UnmanagedCallersOnly]
    private static int Open(byte* path, FuseFileInfo* fi)
    {
        FuseHost? host = null;
        try { return (host = Host()) is null ? Eio : host.Open(path, fi, create: false, mode: 0); }
        catch (Exception e) { return Failed(host, "open", e); }
    }

    [UnmanagedCallersOnly]
    private static int Create(byte* path, uint mode, FuseFileInfo* fi)
    {
        FuseHost? host = null;
        try { return (host = Host()) is null ? Eio : host.Open(path, fi, create: true, mode); }
        catch (Exception e) { return Failed(host, "create", e); }
    }

    [UnmanagedCallersOnly]
    private static int Read(byte* path, byte* buffer, nuint size, long offset, FuseFileInfo* fi)
    {
        FuseHost? host = null;
        try { return (host = Host()) is null ? Eio : host.Read(buffer, size, offset, fi); }
        catch (Exception e) { return Failed(host, "read", e); }
    }

    [UnmanagedCallersOnly]
    private static int Write(byte* path, byte* buffer, nuint size, long offset, FuseFileInfo* fi)
    {
        FuseHost? host = null;
        try { return (host = Host()) is null ? Eio : host.Write(buffer, size, offset, fi); }
        catch (Exception e) { return Failed(host, "write", e); }
    }

    [UnmanagedCallersOnly]
    private static int Release(byte* path, FuseFileInfo* fi)
    {
        FuseHost? host = null;
        try { return (host = Host()) is null ? Eio : host.Release(fi); }
        catch (Exception e) { return Failed(host, "release", e); }
    }

    [UnmanagedCallersOnly]
    private static int Readdir(byte* path, void* buffer, delegate* unmanaged<void*, byte*, NativeStat*, long, int, int> filler, long offset, FuseFileInfo* fi, int flags)
    {
        FuseHost? host = null;
        try { return (host = Host()) is null ? Eio : host.ReadDirectory(path, buffer, filler); }
        catch (Exception e) { return Failed(host, "readdir", e); }
    }

    [UnmanagedCallersOnly]
    private static int Ioctl(byte* path, uint command, void* argument, FuseFileInfo* fi, uint flags, void* data)
    {
        FuseHost? host = null;
        try { return (host = Host()) is null ? Eio : host.Ioctl(command, argument, fi, flags, data); }
        catch (Exception e) { return Failed(host, "ioctl", e); }
    }

    [UnmanagedCallersOnly]
    private static long Lseek(byte* path, long offset, int whence, FuseFileInfo* fi)
    {
        FuseHost? host = null;
        try { return (host = Host()) is null ? Eio : host.Lseek(offset, whence, fi); }
        catch (Exception e) { return Failed(host, "lseek", e); }
    }

    /// <summary>
    /// fuse_interrupt_func_t: the kernel sent FUSE_INTERRUPT for a request the host registered
    /// (<paramref name="data"/> is its id). Runs on the worker that read the interrupt, with no
    /// high-level context, so the id finds the host and the request.
    /// </summary>
    [UnmanagedCallersOnly]
    internal static void Interrupt(void* request, void* data)
    {
        try { FuseHost.InterruptRequest((long)(nint)data); }
        catch (Exception) { /* nothing may unwind into libfuse */ }
    }

    /// <summary>The fuse_req_t the calling worker serves (see <see cref="FuseContext"/>), or null.</summary>
    internal static void* CurrentRequest(LibFuse lib)
    {
        var getContext = s_getContext;
        if (getContext == null) return null;
        FuseContext* context = getContext();
        if (context == null) return null;
        // SAFETY: fuse_get_context returns &fuse_context_i.ctx; req is the next member.
        void* request = *(void**)(context + 1);
        // The high-level API creates its session with the struct fuse* as user data: a request
        // that reports the context's fuse is the real one (guards against a changed layout).
        return request != null && lib.ReqUserdata(request) == context->fuse ? request : null;
    }

    [UnmanagedCallersOnly]
    private static int Poll(byte* path, FuseFileInfo* fi, void* handle, uint* revents)
    {
        FuseHost? host = null;
        try { return (host = Host()) is null ? Eio : host.Poll(fi, handle, revents); }
        catch (Exception e) { return Failed(host, "poll", e); }
    }

    private const int Eio = -(int)Errno.EIO;

    private static FuseHost? Host()
    {
        var getContext = s_getContext;
        if (getContext == null) return null;
        FuseContext* context = getContext();
        // SAFETY: private_data is the GCHandle the host passed to fuse_new; the host frees it only
        // after libfuse's loop has ended, when no callback can run any more.
        return context == null || context->private_data == null
            ? null
            : GCHandle.FromIntPtr((nint)context->private_data).Target as FuseHost;
    }

    private static int Failed(FuseHost? host, string operation, Exception e)
    {
        try { host?.LogFailure(operation, e); }
        catch (Exception) { /* nothing may unwind into libfuse */ }
        return Eio;
    }
}
