using System;
using KernelOps.Fuse.Native;
using KernelOps.Model;

namespace KernelOps.Fuse.LowLevel;

/// <summary>
/// One FUSE request (a <c>fuse_req_t</c>) of a <see cref="FuseSession"/>: who sent it and the
/// replies. A handler answers exactly once, with one Reply method (forget: none), on the thread it
/// was called on or, after <see cref="Defer"/>, from any thread at any later time; replying frees
/// the request, so the struct must not be used afterwards.
/// </summary>
internal readonly unsafe struct FuseRequest
{
    private readonly FuseSession _session;

    internal FuseRequest(FuseSession session, nint handle)
    {
        _session = session;
        Handle = handle;
    }

    /// <summary>The <c>fuse_req_t</c>.</summary>
    public nint Handle { get; }

    /// <summary>The session the request came from.</summary>
    public FuseSession Session => _session;

    private LowLevelLibrary Lib => _session.Library;

    /// <summary>fuse_req_ctx: the calling process's uid, gid, pid and (create, mknod, mkdir) umask.</summary>
    public FuseCtx Caller => *Lib.ReqCtx(Handle);

    /// <summary>fuse_req_getgroups: the caller's supplementary groups (read from /proc/PID/status), or empty when unknown.</summary>
    public uint[] CallerGroups()
    {
        Span<uint> first = stackalloc uint[32];
        int n;
        fixed (uint* p = first) n = Lib.ReqGetgroups(Handle, first.Length, p);
        if (n <= 0) return [];
        if (n <= first.Length) return first[..n].ToArray();
        var all = new uint[n];
        fixed (uint* p = all) n = Lib.ReqGetgroups(Handle, all.Length, p);
        return n <= 0 ? [] : all[..Math.Min(n, all.Length)];
    }

    /// <summary>
    /// The handler will reply later, from another thread (it handed the request on); the thunk
    /// must not answer EIO when the handler returns without replying.
    /// </summary>
    public void Defer() => FuseSession.MarkAnswered(Handle);

    /// <summary>
    /// Makes FUSE_INTERRUPT for this request signal <paramref name="task"/> alone (tgkill), so the
    /// handler's interruptible sleep ends with ERESTARTSYS and the caller gets EINTR. Dispose the
    /// registration when the handler is done, before replying: a signal that did not end a sleep
    /// is discarded with it.
    /// </summary>
    public InterruptRegistration OnInterruptSignal(KernelTask task) => _session.RegisterInterrupt(Handle, task);

    // ---- replies ------------------------------------------------------------------------------

    private void Answered() => FuseSession.MarkAnswered(Handle);

    /// <summary>fuse_reply_err: <paramref name="errno"/> is positive (0: success for flush, release, unlink, ...).</summary>
    public void ReplyError(int errno)
    {
        Answered();
        Lib.ReplyErr(Handle, errno);
    }

    /// <summary>fuse_reply_err with an errno the model returned as -errno (or 0).</summary>
    public void ReplyResult(long negativeErrnoOrZero) => ReplyError(negativeErrnoOrZero < 0 ? (int)-negativeErrnoOrZero : 0);

    /// <summary>fuse_reply_none (forget).</summary>
    public void ReplyNone()
    {
        Answered();
        Lib.ReplyNone(Handle);
    }

    /// <summary>fuse_reply_entry.</summary>
    public void ReplyEntry(in FuseEntryParam entry)
    {
        Answered();
        fixed (FuseEntryParam* e = &entry) Lib.ReplyEntry(Handle, e);
    }

    /// <summary>fuse_reply_create.</summary>
    public void ReplyCreate(in FuseEntryParam entry, in FuseFileInfo file)
    {
        Answered();
        fixed (FuseEntryParam* e = &entry)
        fixed (FuseFileInfo* f = &file)
            Lib.ReplyCreate(Handle, e, f);
    }

    /// <summary>fuse_reply_attr.</summary>
    public void ReplyAttr(in NativeStat attr, double timeout)
    {
        Answered();
        fixed (NativeStat* a = &attr) Lib.ReplyAttr(Handle, a, timeout);
    }

    /// <summary>fuse_reply_readlink: <paramref name="target"/> holds no NUL.</summary>
    public void ReplyReadlink(ReadOnlySpan<byte> target)
    {
        Span<byte> z = target.Length < 1024 ? stackalloc byte[target.Length + 1] : new byte[target.Length + 1];
        target.CopyTo(z);
        z[^1] = 0;
        Answered();
        fixed (byte* p = z) Lib.ReplyReadlink(Handle, p);
    }

    /// <summary>fuse_reply_open (open, opendir).</summary>
    public void ReplyOpen(in FuseFileInfo file)
    {
        Answered();
        fixed (FuseFileInfo* f = &file) Lib.ReplyOpen(Handle, f);
    }

    /// <summary>fuse_reply_write.</summary>
    public void ReplyWrite(nuint count)
    {
        Answered();
        Lib.ReplyWrite(Handle, count);
    }

    /// <summary>fuse_reply_buf (read, readdir): the bytes are copied before it returns.</summary>
    public void ReplyBuffer(ReadOnlySpan<byte> data)
    {
        Answered();
        fixed (byte* p = data) Lib.ReplyBuf(Handle, p, (nuint)data.Length);
    }

    /// <summary>fuse_reply_statfs.</summary>
    public void ReplyStatfs(in NativeStatvfs statfs)
    {
        Answered();
        fixed (NativeStatvfs* s = &statfs) Lib.ReplyStatfs(Handle, s);
    }

    /// <summary>fuse_reply_ioctl: the ioctl's return value and the bytes copied out.</summary>
    public void ReplyIoctl(int result, ReadOnlySpan<byte> output)
    {
        Answered();
        fixed (byte* p = output) Lib.ReplyIoctl(Handle, result, p, (nuint)output.Length);
    }

    /// <summary>fuse_reply_poll.</summary>
    public void ReplyPoll(uint revents)
    {
        Answered();
        Lib.ReplyPoll(Handle, revents);
    }

    /// <summary>fuse_reply_lseek.</summary>
    public void ReplyLseek(long offset)
    {
        Answered();
        Lib.ReplyLseek(Handle, offset);
    }

    /// <summary>
    /// fuse_add_direntry into <paramref name="buffer"/> at <paramref name="used"/>: true when the
    /// entry fit (and <paramref name="used"/> moved past it), false when the buffer is full.
    /// </summary>
    public bool AddDirectoryEntry(Span<byte> buffer, ref int used, ReadOnlySpan<byte> nameZ, in NativeStat attr, long nextOffset)
    {
        nuint need;
        fixed (byte* b = buffer)
        fixed (byte* n = nameZ)
        fixed (NativeStat* a = &attr)
            need = Lib.AddDirentry(Handle, b + used, (nuint)(buffer.Length - used), n, a, nextOffset);
        if (need > (nuint)(buffer.Length - used)) return false;
        used += (int)need;
        return true;
    }

    /// <summary>fuse_add_direntry_plus (readdirplus): as <see cref="AddDirectoryEntry"/>, with the entry's lookup.</summary>
    public bool AddDirectoryEntryPlus(Span<byte> buffer, ref int used, ReadOnlySpan<byte> nameZ, in FuseEntryParam entry, long nextOffset)
    {
        nuint need;
        fixed (byte* b = buffer)
        fixed (byte* n = nameZ)
        fixed (FuseEntryParam* e = &entry)
            need = Lib.AddDirentryPlus(Handle, b + used, (nuint)(buffer.Length - used), n, e, nextOffset);
        if (need > (nuint)(buffer.Length - used)) return false;
        used += (int)need;
        return true;
    }
}

/// <summary>A request's FUSE_INTERRUPT registration (see <see cref="FuseRequest.OnInterruptSignal"/>).</summary>
internal readonly struct InterruptRegistration(FuseSession? session, long id, KernelTask? task) : IDisposable
{
    /// <summary>The request is over: its interrupt no longer signals the task, and a signal no sleep consumed is discarded.</summary>
    public void Dispose() => session?.UnregisterInterrupt(id, task!);
}
