using System;
using System.Threading;
using KernelOps.Model;

namespace KernelOps.Samples.DebugFsDemo;

/// <summary>The driver's state: counters the data path bumps, and settings.</summary>
internal sealed class NetCardStats
{
    public long RxPackets;
    public long TxPackets;
    public long Errors;
}

/// <summary>One receive queue: its own structure, shown through the Scope API.</summary>
internal sealed class RxQueue(int index)
{
    public int Index { get; } = index;
    public DebugFsValue<uint> Head { get; } = new(0);
    public DebugFsValue<uint> Tail { get; } = new(0);
}

/// <summary>
/// A model network driver exposing itself under /sys/kernel/debug/netcard through the three APIs:
/// File API value files (settings it owns), callback files (counters shown and reset), and a Scope
/// (per-queue directories sharing one ring-size value, with a file that exists only when ring
/// debugging is enabled at probe time).
/// </summary>
internal sealed class NetCard : IDisposable
{
    private readonly DebugFsEntry _dir;
    private readonly DebugFsScope _queues;

    public NetCard(Kernel kernel, int queueCount, bool ringDebug)
        : this(kernel, kernel.DebugFs.CreateDirectory("netcard"), queueCount, ringDebug)
    {
    }

    /// <summary>A card whose files go in <paramref name="dir"/> (a module's own directory: its files pin the module).</summary>
    public NetCard(Kernel kernel, DebugFsEntry dir, int queueCount, bool ringDebug)
    {
        DebugFs debugfs = kernel.DebugFs;
        _dir = dir;

        // File API: files owning their values, default text read/write.
        Mtu = debugfs.CreateValueFile("mtu", _dir, 1500u);
        Promiscuous = debugfs.CreateValueFile("promiscuous", _dir, false);
        Name = debugfs.CreateValueFile("name", _dir, "eth0");

        // File API with callbacks: one table per callback type, made at compile time.
        debugfs.CreateCallbackFile<StatsFile, NetCardStats>("stats", _dir, Stats);
        debugfs.CreateCallbackFile<ResetFile, NetCardStats>("reset_stats", _dir, Stats);

        // Scope API: several structures, shared data, conditional files; removed as a whole.
        _queues = debugfs.CreateScope("queues", _dir);
        var ringSize = new DebugFsValue<uint>(256);
        _queues.ReadWriteFile("ring_size", ringSize);
        for (int i = 0; i < queueCount; i++)
        {
            var queue = new RxQueue(i);
            DebugFsScopedDirectory q = _queues.Directory("rx" + i);
            q.ReadOnlyFile("head", queue.Head);
            q.ReadOnlyFile("tail", queue.Tail);
            q.ReadOnlyFile("ring_size", ringSize); // the same value in every queue
            if (ringDebug) q.CallbackFile<StatsFile, NetCardStats>("card_stats", Stats);
            Queues.Add(queue);
        }
    }

    /// <summary>The card the demo shows: two queues, ring debugging on, 5 packets received and 12 sent (one error).</summary>
    public static NetCard Probe(Kernel kernel) => Probe(new NetCard(kernel, queueCount: 2, ringDebug: true));

    /// <summary><see cref="Probe(Kernel)"/>'s card with its files in <paramref name="dir"/>.</summary>
    public static NetCard Probe(Kernel kernel, DebugFsEntry dir) => Probe(new NetCard(kernel, dir, queueCount: 2, ringDebug: true));

    private static NetCard Probe(NetCard card)
    {
        for (int i = 0; i < 5; i++) card.Receive();
        for (int i = 0; i < 12; i++) card.Transmit();
        return card;
    }

    public NetCardStats Stats { get; } = new();
    public DebugFsFile<uint> Mtu { get; }
    public DebugFsFile<bool> Promiscuous { get; }
    public DebugFsFile<string> Name { get; }
    public System.Collections.Generic.List<RxQueue> Queues { get; } = new();

    /// <summary>The data path: a received packet.</summary>
    public void Receive()
    {
        Interlocked.Increment(ref Stats.RxPackets);
        Queues[0].Head.Update(static h => h + 1);
    }

    /// <summary>The data path: a transmitted packet (every tenth fails).</summary>
    public void Transmit()
    {
        if (Interlocked.Increment(ref Stats.TxPackets) % 10 == 0) Interlocked.Increment(ref Stats.Errors);
    }

    /// <summary>remove(): the whole netcard directory goes, waiting for readers in flight.</summary>
    public void Dispose() => _dir.Dispose();
}

/// <summary>Shows the counters.</summary>
[DebugFsCallbackFile]
internal readonly partial struct StatsFile : IDebugFsReadCallback<NetCardStats>
{
    public KResult Read(NetCardStats data, ref DebugFsTextWriter output)
    {
        output.Write("rx_packets: "u8); output.Write(Interlocked.Read(ref data.RxPackets)); output.NewLine();
        output.Write("tx_packets: "u8); output.Write(Interlocked.Read(ref data.TxPackets)); output.NewLine();
        output.Write("errors: "u8); output.Write(Interlocked.Read(ref data.Errors)); output.NewLine();
        return KResult.Ok;
    }
}

/// <summary>Write "1" (or y/on) to reset the counters; "0" does nothing; anything else is EINVAL.</summary>
[DebugFsCallbackFile]
internal readonly partial struct ResetFile : IDebugFsWriteCallback<NetCardStats>
{
    public KResult Write(NetCardStats data, ReadOnlySpan<byte> input)
    {
        KResult r = KernelStrings.ParseBool(input, out bool reset);
        if (!r.IsOk) return r;
        if (reset)
        {
            Interlocked.Exchange(ref data.RxPackets, 0);
            Interlocked.Exchange(ref data.TxPackets, 0);
            Interlocked.Exchange(ref data.Errors, 0);
        }
        return KResult.Ok;
    }
}
