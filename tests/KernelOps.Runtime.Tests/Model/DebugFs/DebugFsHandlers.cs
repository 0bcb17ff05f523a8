using System;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Runtime.Tests.Model.DebugFs;

/// <summary>The data of the test callback files.</summary>
internal sealed class Counters
{
    public long Events;
    public long Resets;
}

/// <summary>Shows and sets <see cref="Counters.Events"/>.</summary>
[DebugFsCallbackFile]
internal readonly partial struct EventsFile : IDebugFsReadCallback<Counters>, IDebugFsWriteCallback<Counters>
{
    public KResult Read(Counters data, ref DebugFsTextWriter output)
    {
        output.Write(Interlocked.Read(ref data.Events));
        output.NewLine();
        return KResult.Ok;
    }

    public KResult Write(Counters data, ReadOnlySpan<byte> input)
    {
        KResult r = KernelStrings.ParseInt64(input, out long value);
        if (!r.IsOk) return r;
        Interlocked.Exchange(ref data.Events, value);
        return KResult.Ok;
    }
}

/// <summary>Write-only: any write resets the counter.</summary>
[DebugFsCallbackFile]
internal readonly partial struct ResetFile : IDebugFsWriteCallback<Counters>
{
    public KResult Write(Counters data, ReadOnlySpan<byte> input)
    {
        Interlocked.Exchange(ref data.Events, 0);
        Interlocked.Increment(ref data.Resets);
        return KResult.Ok;
    }
}

/// <summary>Data of <see cref="GatedFile"/>: a read blocks until <see cref="Gate"/> opens.</summary>
internal sealed class Gated
{
    public readonly ManualResetEventSlim Entered = new(false);
    public readonly ManualResetEventSlim Gate = new(false);
    public int Releases;
}

/// <summary>Per-open state of <see cref="GatedFile"/>: keeps the data reachable for release.</summary>
internal sealed class GatedSession(Gated gated)
{
    public Gated Gated { get; } = gated;
}

/// <summary>A real fops with only open, read and release: the proxy answers for the rest.</summary>
[FileOperations(NonSeekable = true)]
internal static partial class GatedFile
{
    [Open]
    private static OpenResult<GatedSession> Open(Inode inode, FileRef file) =>
        inode.Data<Gated>() is { } gated ? new GatedSession(gated) : Errno.ENODEV;

    [Read]
    private static KResult<nuint> Read(GatedSession session, FileRef file, UserSliceWriter destination, ref long position)
    {
        session.Gated.Entered.Set();
        if (!session.Gated.Gate.Wait(TimeSpan.FromSeconds(20))) return Errno.ETIMEDOUT;
        if (position > 0) return (nuint)0;
        KResult<nuint> n = destination.WriteSome("done\n"u8);
        if (n.TryGetValue(out nuint copied)) position += (long)copied;
        return n;
    }

    // Not protected against removal (full_proxy_release): i_private may be gone, the session is not.
    [Release]
    private static KResult Release(GatedSession session, Inode inode, FileRef file)
    {
        Interlocked.Increment(ref session.Gated.Releases);
        return KResult.Ok;
    }
}
