using System;
using KernelOps.Fuse.Native;

namespace KernelOps.Fuse.LowLevel;

/// <summary>
/// What a <see cref="FuseSession"/> serves: one virtual method per <c>fuse_lowlevel_ops</c> slot.
/// Only the methods a subclass overrides are put in the table; libfuse answers the others itself
/// (ENOSYS, or success for opendir, releasedir, flush and fsyncdir), as for a C file system that
/// leaves a slot NULL. Each override answers its request exactly once (see <see cref="FuseRequest"/>);
/// one that throws answers EIO (if it had not answered) and the session logs why.
/// </summary>
/// <remarks>
/// Handlers run on the session's model tasks (<see cref="ModelTaskPool"/>), inline: a handler may
/// sleep in the model, and the session keeps serving. Names and data are the request's own bytes,
/// valid only during the call (names hold no NUL; <c>nameZ</c> variants end with one).
/// </remarks>
internal abstract unsafe class LowLevelFileSystem
{
    /// <summary>FUSE_INIT: read <c>capable</c>, set <c>want</c> and the limits.</summary>
    public virtual void Init(FuseConnInfo* connection) { }

    /// <summary>The session is being destroyed (no request runs any more).</summary>
    public virtual void Destroy() { }

    /// <summary>A task thread of the session is leaving: free what the file system kept for that thread.</summary>
    public virtual void ThreadLeaving() { }

    public virtual void Lookup(FuseRequest request, ulong parent, ReadOnlySpan<byte> name) => request.ReplyError(Enosys);

    /// <summary>FORGET and each node of BATCH_FORGET: the kernel dropped <paramref name="lookups"/> references (no reply).</summary>
    public virtual void Forget(ulong node, ulong lookups) { }

    public virtual void GetAttr(FuseRequest request, ulong node, FuseFileInfo* file) => request.ReplyError(Enosys);
    public virtual void SetAttr(FuseRequest request, ulong node, NativeStat* attr, int toSet, FuseFileInfo* file) => request.ReplyError(Enosys);
    public virtual void ReadLink(FuseRequest request, ulong node) => request.ReplyError(Enosys);
    public virtual void Mknod(FuseRequest request, ulong parent, ReadOnlySpan<byte> name, uint mode, ulong device) => request.ReplyError(Enosys);
    public virtual void Mkdir(FuseRequest request, ulong parent, ReadOnlySpan<byte> name, uint mode) => request.ReplyError(Enosys);
    public virtual void Unlink(FuseRequest request, ulong parent, ReadOnlySpan<byte> name) => request.ReplyError(Enosys);
    public virtual void Rmdir(FuseRequest request, ulong parent, ReadOnlySpan<byte> name) => request.ReplyError(Enosys);
    public virtual void Symlink(FuseRequest request, ReadOnlySpan<byte> target, ulong parent, ReadOnlySpan<byte> name) => request.ReplyError(Enosys);
    public virtual void Rename(FuseRequest request, ulong parent, ReadOnlySpan<byte> name, ulong newParent, ReadOnlySpan<byte> newName, uint flags) => request.ReplyError(Enosys);
    public virtual void Link(FuseRequest request, ulong node, ulong newParent, ReadOnlySpan<byte> newName) => request.ReplyError(Enosys);
    public virtual void Open(FuseRequest request, ulong node, FuseFileInfo* file) => request.ReplyError(Enosys);
    public virtual void Read(FuseRequest request, ulong node, nuint size, long offset, FuseFileInfo* file) => request.ReplyError(Enosys);
    public virtual void Write(FuseRequest request, ulong node, ReadOnlySpan<byte> data, long offset, FuseFileInfo* file) => request.ReplyError(Enosys);
    public virtual void Flush(FuseRequest request, ulong node, FuseFileInfo* file) => request.ReplyError(Enosys);
    public virtual void Release(FuseRequest request, ulong node, FuseFileInfo* file) => request.ReplyError(Enosys);
    public virtual void Fsync(FuseRequest request, ulong node, bool dataOnly, FuseFileInfo* file) => request.ReplyError(Enosys);
    public virtual void OpenDir(FuseRequest request, ulong node, FuseFileInfo* file) => request.ReplyError(Enosys);

    /// <summary>READDIR, or READDIRPLUS when <paramref name="plus"/> (each entry then counts as a lookup).</summary>
    public virtual void ReadDir(FuseRequest request, ulong node, nuint size, long offset, FuseFileInfo* file, bool plus) => request.ReplyError(Enosys);
    public virtual void ReleaseDir(FuseRequest request, ulong node, FuseFileInfo* file) => request.ReplyError(Enosys);
    public virtual void FsyncDir(FuseRequest request, ulong node, bool dataOnly, FuseFileInfo* file) => request.ReplyError(Enosys);
    public virtual void StatFs(FuseRequest request, ulong node) => request.ReplyError(Enosys);
    public virtual void Access(FuseRequest request, ulong node, int mask) => request.ReplyError(Enosys);
    public virtual void Create(FuseRequest request, ulong parent, ReadOnlySpan<byte> name, uint mode, FuseFileInfo* file) => request.ReplyError(Enosys);

    /// <summary>FUSE_IOCTL (restricted: <paramref name="input"/> holds _IOC_SIZE bytes for _IOC_WRITE, <paramref name="outputSize"/> is the room for _IOC_READ).</summary>
    public virtual void Ioctl(FuseRequest request, ulong node, uint command, nuint argument, FuseFileInfo* file, uint flags, ReadOnlySpan<byte> input, nuint outputSize) => request.ReplyError(Enosys);

    /// <summary>FUSE_POLL: <paramref name="pollHandle"/> is non-null when the kernel asks to be notified (fuse_lowlevel_notify_poll); the handler owns it.</summary>
    public virtual void Poll(FuseRequest request, ulong node, FuseFileInfo* file, void* pollHandle) => request.ReplyError(Enosys);
    public virtual void Lseek(FuseRequest request, ulong node, long offset, int whence, FuseFileInfo* file) => request.ReplyError(Enosys);

    /// <summary>ENOSYS.</summary>
    protected const int Enosys = 38;

    /// <summary>Whether this file system overrides <paramref name="method"/> (only overridden slots go in the table).</summary>
    internal bool Overrides(string method)
    {
        foreach (var m in GetType().GetMethods(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public))
        {
            if (m.Name == method && m.GetBaseDefinition().DeclaringType == typeof(LowLevelFileSystem) && m.DeclaringType != typeof(LowLevelFileSystem))
                return true;
        }
        return false;
    }
}
