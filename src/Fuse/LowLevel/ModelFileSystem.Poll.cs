using System.Collections.Generic;
using System.Threading;
using KernelOps.Fuse.Native;
using KernelOps.Model;

namespace KernelOps.Fuse.LowLevel;

// FUSE_POLL and its notifications.
internal sealed unsafe partial class ModelFileSystem
{
    private const PollEvents AllPollEvents = PollEvents.In | PollEvents.Pri | PollEvents.Out | PollEvents.RdNorm | PollEvents.WrNorm;
    private readonly Lock _pollLock = new();
    private readonly Dictionary<int, PollWatcher> _pollWatchers = new();
    private readonly List<Thread> _pollThreads = new();
    private LowLevelLibrary? _library;

    /// <summary>
    /// FUSE_POLL: the model's poll(2) with timeout 0 on the open file answers the events now.
    /// When nothing is ready and the kernel asks to be told (a poll handle: FUSE_POLL_SCHEDULE_NOTIFY),
    /// a watcher thread sleeps in the model's poll (on the driver's wait queues, through its
    /// poll_wait) and calls fuse_lowlevel_notify_poll when the driver wakes it, so the real
    /// poll()/select() asks again and sees the new mask. One watcher per open file; a newer handle
    /// replaces the older one. Release and unmount end the watcher with a signal to its task.
    /// </summary>
    public override void Poll(FuseRequest request, ulong node, FuseFileInfo* file, void* pollHandle)
    {
        _library ??= request.Session.Library;
        int fd = FileOf(file);
        PollEvents events = file->poll_events != 0 ? (PollEvents)file->poll_events : AllPollEvents;
        var fds = new[] { new PollFd(fd, events) };
        int n = _process.Poll(fds, 0);
        if (n < 0 || pollHandle == null || n > 0)
        {
            if (pollHandle != null) _library.PollhandleDestroy(pollHandle);
            if (n < 0) request.ReplyError(Code(n));
            else request.ReplyPoll((uint)fds[0].ReturnedEvents);
            return;
        }
        lock (_pollLock)
        {
            if (_pollWatchers.TryGetValue(fd, out PollWatcher? existing) && existing.Handle != null)
            {
                _library.PollhandleDestroy(existing.Handle);
                existing.Handle = pollHandle;
                existing.Events |= events; // read by the watcher's next pass only
            }
            else
            {
                var watcher = new PollWatcher(fd, events, pollHandle);
                _pollWatchers[fd] = watcher;
                var thread = new Thread(() => WatchPoll(watcher)) { IsBackground = true, Name = $"fuse-poll fd {fd}" };
                _pollThreads.Add(thread);
                thread.Start();
            }
        }
        request.ReplyPoll(0);
    }

    private void WatchPoll(PollWatcher watcher)
    {
        int n;
        lock (_pollLock) watcher.Task = KernelTask.Current;
        // a release or unmount before the thread ran: its signal was sent to nobody
        if (watcher.Stopped) n = -(int)Errno.EINTR;
        else n = _process.Poll(new[] { new PollFd(watcher.Fd, watcher.Events) }, -1);
        lock (_pollLock)
        {
            if (_pollWatchers.TryGetValue(watcher.Fd, out PollWatcher? current) && current == watcher) _pollWatchers.Remove(watcher.Fd);
            // SAFETY: the host joins every watcher (StopPollWatchers) before it destroys libfuse's session.
            if (n > 0 && !watcher.Stopped) _library!.NotifyPoll(watcher.Handle);
            _library!.PollhandleDestroy(watcher.Handle);
            watcher.Handle = null;
            watcher.Task?.ClearSignal();
            _pollThreads.Remove(Thread.CurrentThread);
        }
    }

    private void StopPollWatcher(int fd)
    {
        lock (_pollLock)
        {
            if (!_pollWatchers.Remove(fd, out PollWatcher? watcher)) return;
            watcher.Stopped = true;
            watcher.Task?.SendSignal();
        }
    }

    /// <summary>Unmounting: stop every watcher and wait (bounded) until none uses libfuse any more.</summary>
    public void StopPollWatchers(System.TimeSpan timeout)
    {
        Thread[] threads;
        lock (_pollLock)
        {
            foreach (PollWatcher w in _pollWatchers.Values)
            {
                w.Stopped = true;
                w.Task?.SendSignal();
            }
            _pollWatchers.Clear();
            threads = _pollThreads.ToArray();
        }
        var deadline = System.DateTime.UtcNow + timeout;
        foreach (Thread t in threads)
        {
            System.TimeSpan left = deadline - System.DateTime.UtcNow;
            t.Join(left > System.TimeSpan.Zero ? left : System.TimeSpan.Zero);
        }
    }

    private sealed class PollWatcher(int fd, PollEvents events, void* handle)
    {
        public int Fd { get; } = fd;
        public PollEvents Events { get; set; } = events;
        public void* Handle { get; set; } = handle;
        public KernelTask? Task { get; set; }
        public bool Stopped { get; set; }
    }
}
