using System;
using System.Runtime.InteropServices;
using KernelOps.Fuse.Native;

namespace KernelOps.Fuse.LowLevel;

// The fuse_lowlevel_ops slots: one [UnmanagedCallersOnly] function per request kind. Each finds its
// session (the task's own, see FuseSession.Enter), calls the file system's handler inline, and makes
// sure the request is answered exactly once: a handler that throws, or returns without answering,
// answers EIO and is logged. Nothing unwinds into libfuse. Generated shape, written out: every
// thunk is the same five lines around its call.
internal static unsafe class LowLevelThunks
{
    private static delegate* unmanaged<nint, void*> s_requestUserData;

    /// <summary>Fills the slots <paramref name="fileSystem"/> overrides (plus init, destroy, forget and the interrupt path).</summary>
    public static void Fill(FuseLowLevelOps* ops, LowLevelFileSystem fileSystem, LowLevelLibrary library)
    {
        s_requestUserData = library.ReqUserdata;
        ops->init = &Init;
        ops->destroy = &Destroy;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Forget)))
        {
            ops->forget = &Forget;
            ops->forget_multi = &ForgetMulti;
        }
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Lookup))) ops->lookup = &Lookup;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.GetAttr))) ops->getattr = &GetAttr;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.SetAttr))) ops->setattr = &SetAttr;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.ReadLink))) ops->readlink = &ReadLink;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Mknod))) ops->mknod = &Mknod;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Mkdir))) ops->mkdir = &Mkdir;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Unlink))) ops->unlink = &Unlink;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Rmdir))) ops->rmdir = &Rmdir;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Symlink))) ops->symlink = &Symlink;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Rename))) ops->rename = &Rename;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Link))) ops->link = &Link;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Open))) ops->open = &Open;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Read))) ops->read = &Read;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Write))) ops->write = &Write;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Flush))) ops->flush = &Flush;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Release))) ops->release = &Release;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Fsync))) ops->fsync = &Fsync;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.OpenDir))) ops->opendir = &OpenDir;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.ReadDir)))
        {
            ops->readdir = &ReadDir;
            ops->readdirplus = &ReadDirPlus;
        }
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.ReleaseDir))) ops->releasedir = &ReleaseDir;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.FsyncDir))) ops->fsyncdir = &FsyncDir;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.StatFs))) ops->statfs = &StatFs;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Access))) ops->access = &Access;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Create))) ops->create = &Create;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Ioctl))) ops->ioctl = &Ioctl;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Poll))) ops->poll = &Poll;
        if (fileSystem.Overrides(nameof(LowLevelFileSystem.Lseek))) ops->lseek = &Lseek;
    }

    /// <summary>fuse_req_userdata, for a callback on a thread that is not one of the session's tasks.</summary>
    internal static void* RequestUserData(nint request)
    {
        var get = s_requestUserData;
        return get == null ? null : get(request);
    }

    private static ReadOnlySpan<byte> Name(byte* name) => MemoryMarshal.CreateReadOnlySpanFromNullTerminated(name);

    private static ReadOnlySpan<byte> Bytes(byte* data, nuint size) =>
        data == null || size == 0 ? default : new ReadOnlySpan<byte>(data, (int)Math.Min(size, (nuint)int.MaxValue));

    [UnmanagedCallersOnly]
    private static void Init(void* userData, FuseConnInfo* connection)
    {
        FuseSession? session = null;
        try
        {
            session = FuseSession.FromUserData(userData);
            session?.FileSystem.Init(connection);
        }
        catch (Exception e)
        {
            session?.Log($"init failed with {e.GetType().Name}: {e.Message}");
        }
    }

    [UnmanagedCallersOnly]
    private static void Destroy(void* userData)
    {
        FuseSession? session = null;
        try
        {
            session = FuseSession.FromUserData(userData);
            session?.FileSystem.Destroy();
        }
        catch (Exception e)
        {
            session?.Log($"destroy failed with {e.GetType().Name}: {e.Message}");
        }
    }

    [UnmanagedCallersOnly]
    private static void Forget(nint req, ulong ino, ulong nlookup)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Forget(ino, nlookup); }
        catch (Exception e) { failure = e; }
        Done(session, req, "forget", failure);
    }

    [UnmanagedCallersOnly]
    private static void ForgetMulti(nint req, nuint count, FuseForgetData* forgets)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try
        {
            for (nuint i = 0; i < count && session is not null; i++) session.FileSystem.Forget(forgets[i].ino, forgets[i].nlookup);
        }
        catch (Exception e) { failure = e; }
        Done(session, req, "batch_forget", failure);
    }

    // forget and batch_forget take no answer but fuse_reply_none (which frees the request).
    private static void Done(FuseSession? session, nint req, string operation, Exception? failure)
    {
        try
        {
            if (failure is not null) session?.Log($"{operation} failed with {failure.GetType().Name}: {failure.Message}");
            session?.Library.ReplyNone(req);
        }
        catch (Exception) { /* nothing may unwind into libfuse */ }
    }

    /// <summary>fuse_interrupt_func_t: FUSE_INTERRUPT named a request registered with <paramref name="data"/> as its id.</summary>
    [UnmanagedCallersOnly]
    internal static void Interrupt(nint req, void* data)
    {
        try
        {
            (FuseSession.OfCurrentTask ?? FuseSession.FromUserData(RequestUserData(req)))?.Interrupt((long)(nint)data);
        }
        catch (Exception) { /* nothing may unwind into libfuse */ }
    }

    private static void Answer(FuseSession? session, nint req, string operation, Exception? failure)
    {
        try
        {
            session?.Leave(req, operation, failure);
        }
        catch (Exception) { /* nothing may unwind into libfuse */ }
    }

    [UnmanagedCallersOnly]
    private static void Lookup(nint req, ulong parent, byte* name)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Lookup(new FuseRequest(session, req), parent, Name(name)); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "lookup", failure);
    }

    [UnmanagedCallersOnly]
    private static void GetAttr(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.GetAttr(new FuseRequest(session, req), ino, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "getattr", failure);
    }

    [UnmanagedCallersOnly]
    private static void SetAttr(nint req, ulong ino, NativeStat* attr, int toSet, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.SetAttr(new FuseRequest(session, req), ino, attr, toSet, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "setattr", failure);
    }

    [UnmanagedCallersOnly]
    private static void ReadLink(nint req, ulong ino)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.ReadLink(new FuseRequest(session, req), ino); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "readlink", failure);
    }

    [UnmanagedCallersOnly]
    private static void Mknod(nint req, ulong parent, byte* name, uint mode, ulong rdev)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Mknod(new FuseRequest(session, req), parent, Name(name), mode, rdev); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "mknod", failure);
    }

    [UnmanagedCallersOnly]
    private static void Mkdir(nint req, ulong parent, byte* name, uint mode)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Mkdir(new FuseRequest(session, req), parent, Name(name), mode); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "mkdir", failure);
    }

    [UnmanagedCallersOnly]
    private static void Unlink(nint req, ulong parent, byte* name)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Unlink(new FuseRequest(session, req), parent, Name(name)); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "unlink", failure);
    }

    [UnmanagedCallersOnly]
    private static void Rmdir(nint req, ulong parent, byte* name)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Rmdir(new FuseRequest(session, req), parent, Name(name)); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "rmdir", failure);
    }

    [UnmanagedCallersOnly]
    private static void Symlink(nint req, byte* link, ulong parent, byte* name)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Symlink(new FuseRequest(session, req), Name(link), parent, Name(name)); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "symlink", failure);
    }

    [UnmanagedCallersOnly]
    private static void Rename(nint req, ulong parent, byte* name, ulong newParent, byte* newName, uint flags)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Rename(new FuseRequest(session, req), parent, Name(name), newParent, Name(newName), flags); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "rename", failure);
    }

    [UnmanagedCallersOnly]
    private static void Link(nint req, ulong ino, ulong newParent, byte* newName)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Link(new FuseRequest(session, req), ino, newParent, Name(newName)); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "link", failure);
    }

    [UnmanagedCallersOnly]
    private static void Open(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Open(new FuseRequest(session, req), ino, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "open", failure);
    }

    [UnmanagedCallersOnly]
    private static void Read(nint req, ulong ino, nuint size, long off, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Read(new FuseRequest(session, req), ino, size, off, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "read", failure);
    }

    [UnmanagedCallersOnly]
    private static void Write(nint req, ulong ino, byte* buf, nuint size, long off, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Write(new FuseRequest(session, req), ino, Bytes(buf, size), off, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "write", failure);
    }

    [UnmanagedCallersOnly]
    private static void Flush(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Flush(new FuseRequest(session, req), ino, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "flush", failure);
    }

    [UnmanagedCallersOnly]
    private static void Release(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Release(new FuseRequest(session, req), ino, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "release", failure);
    }

    [UnmanagedCallersOnly]
    private static void Fsync(nint req, ulong ino, int datasync, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Fsync(new FuseRequest(session, req), ino, datasync != 0, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "fsync", failure);
    }

    [UnmanagedCallersOnly]
    private static void OpenDir(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.OpenDir(new FuseRequest(session, req), ino, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "opendir", failure);
    }

    [UnmanagedCallersOnly]
    private static void ReadDir(nint req, ulong ino, nuint size, long off, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.ReadDir(new FuseRequest(session, req), ino, size, off, fi, plus: false); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "readdir", failure);
    }

    [UnmanagedCallersOnly]
    private static void ReadDirPlus(nint req, ulong ino, nuint size, long off, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.ReadDir(new FuseRequest(session, req), ino, size, off, fi, plus: true); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "readdirplus", failure);
    }

    [UnmanagedCallersOnly]
    private static void ReleaseDir(nint req, ulong ino, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.ReleaseDir(new FuseRequest(session, req), ino, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "releasedir", failure);
    }

    [UnmanagedCallersOnly]
    private static void FsyncDir(nint req, ulong ino, int datasync, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.FsyncDir(new FuseRequest(session, req), ino, datasync != 0, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "fsyncdir", failure);
    }

    [UnmanagedCallersOnly]
    private static void StatFs(nint req, ulong ino)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.StatFs(new FuseRequest(session, req), ino); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "statfs", failure);
    }

    [UnmanagedCallersOnly]
    private static void Access(nint req, ulong ino, int mask)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Access(new FuseRequest(session, req), ino, mask); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "access", failure);
    }

    [UnmanagedCallersOnly]
    private static void Create(nint req, ulong parent, byte* name, uint mode, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Create(new FuseRequest(session, req), parent, Name(name), mode, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "create", failure);
    }

    [UnmanagedCallersOnly]
    private static void Ioctl(nint req, ulong ino, uint cmd, void* arg, FuseFileInfo* fi, uint flags, void* inBuf, nuint inSize, nuint outSize)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Ioctl(new FuseRequest(session, req), ino, cmd, (nuint)arg, fi, flags, Bytes((byte*)inBuf, inSize), outSize); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "ioctl", failure);
    }

    [UnmanagedCallersOnly]
    private static void Poll(nint req, ulong ino, FuseFileInfo* fi, void* ph)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Poll(new FuseRequest(session, req), ino, fi, ph); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "poll", failure);
    }

    [UnmanagedCallersOnly]
    private static void Lseek(nint req, ulong ino, long off, int whence, FuseFileInfo* fi)
    {
        FuseSession? session = FuseSession.Enter(req);
        Exception? failure = null;
        try { session?.FileSystem.Lseek(new FuseRequest(session, req), ino, off, whence, fi); }
        catch (Exception e) { failure = e; }
        Answer(session, req, "lseek", failure);
    }
}
