using System;
using System.Runtime.InteropServices;
using KernelOps.Abi;
using KernelOps.Model;

namespace KernelOps;

/// <summary>poll(2) event bits (include/uapi/linux/eventpoll.h EPOLL* = include/uapi/asm-generic/poll.h POLL*).</summary>
[Flags]
public enum PollEvents : uint
{
    /// <summary>Nothing ready.</summary>
    None = 0,
    /// <summary>POLLIN: there is data to read.</summary>
    In = 0x0001,
    /// <summary>POLLPRI: there is urgent data to read.</summary>
    Pri = 0x0002,
    /// <summary>POLLOUT: writing will not block.</summary>
    Out = 0x0004,
    /// <summary>POLLERR: error condition (always reported).</summary>
    Err = 0x0008,
    /// <summary>POLLHUP: hang up (always reported).</summary>
    Hup = 0x0010,
    /// <summary>POLLNVAL: the fd is not open (set by poll itself).</summary>
    Nval = 0x0020,
    /// <summary>POLLRDNORM: normal data may be read.</summary>
    RdNorm = 0x0040,
    /// <summary>POLLRDBAND: priority data may be read.</summary>
    RdBand = 0x0080,
    /// <summary>POLLWRNORM: normal data may be written.</summary>
    WrNorm = 0x0100,
    /// <summary>POLLWRBAND: priority data may be written.</summary>
    WrBand = 0x0200,
    /// <summary>POLLMSG.</summary>
    Msg = 0x0400,
    /// <summary>POLLRDHUP: the peer closed its writing end.</summary>
    RdHup = 0x2000,
}

/// <summary>Poll constants the VFS uses.</summary>
public static class PollMasks
{
    /// <summary>DEFAULT_POLLMASK (include/linux/poll.h): what vfs_poll answers for a file without -&gt;poll.</summary>
    public const PollEvents Default = PollEvents.In | PollEvents.Out | PollEvents.RdNorm | PollEvents.WrNorm;
}

/// <summary>
/// What a poll handler sees of the <c>poll_table</c>: <see cref="Wait"/> is poll_wait. Valid for
/// the duration of the poll call. A default (null) table queues nothing, as a NULL poll_table.
/// </summary>
public readonly ref struct PollTable
{
    // INVARIANT: _table is null or points at the caller's poll_table, live for the whole poll call
    // this view was made for (the constructor's contract); as a ref struct the view cannot outlive it.
    private readonly unsafe NativePollTable* _table;

    /// <summary>Wraps a raw poll table (may be null).</summary>
    public unsafe PollTable(NativePollTable* table) => _table = table;

    /// <summary>The raw pointer.</summary>
    public unsafe NativePollTable* Pointer => _table;

    /// <summary>The events the caller asked about (<c>poll_requested_events</c>); all bits for a null table.</summary>
    // SAFETY: a non-null _table is live for this call (type invariant).
    public unsafe PollEvents RequestedEvents => _table == null ? (PollEvents)~0u : (PollEvents)_table->_key;

    /// <summary>
    /// mirrors include/linux/poll.h:poll_wait: registers the polling task on <paramref name="queue"/>
    /// so a later <see cref="WaitQueueHead.WakeUp"/> wakes it. A no-op for a null table or when the
    /// caller does not want to be queued (later passes of do_poll).
    /// </summary>
    public unsafe void Wait(FileRef file, WaitQueueHead queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        _ = file;
        if (_table == null) return;
        // SAFETY: _table is non-null, so live for this call (type invariant).
        nint word = _table->_qproc;
        if (word == 0) return;
        // SAFETY: _qproc is 0 or a GCHandle the model's do_poll allocated for this call and frees
        // only after every poll call of the syscall has returned.
        if (RawPointer.HandleTarget(word) is PollWaitQueues queues) queues.QueueProc(queue);
    }
}
