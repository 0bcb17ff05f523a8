using System;
using System.Text;
using System.Threading;
using KernelOps.Fuse.LowLevel;
using KernelOps.Fuse.Native;
using KernelOps.Model;

namespace KernelOps.Fuse.Tests.LowLevel;

/// <summary>
/// A low-level file system for the dispatch tests: a root holding one file, "gate". A read of the
/// gate sleeps in the model (a wait queue, interruptibly) until a write opens it; then every
/// sleeping reader wakes and reads what was written. Reads are direct_io, so each reaches the host.
/// </summary>
internal sealed unsafe class GateFileSystem : LowLevelFileSystem
{
    private const ulong Root = 1, Gate = 2;
    private const uint Dir = 0x4000 | 0x1ED /* 0755 */, File = 0x8000 | 0x1B6 /* 0666 */;
    private byte[]? _message;

    /// <summary>Where the readers sleep.</summary>
    public WaitQueueHead Queue { get; } = new();

    /// <summary>Readers that ended with EINTR (their FUSE_INTERRUPT signalled their task).</summary>
    public int Interrupted;

    public override void Lookup(FuseRequest request, ulong parent, ReadOnlySpan<byte> name)
    {
        if (parent != Root || !name.SequenceEqual("gate"u8))
        {
            request.ReplyError((int)Errno.ENOENT);
            return;
        }
        var entry = new FuseEntryParam { ino = Gate, attr = Attr(Gate) };
        request.ReplyEntry(entry);
    }

    public override void GetAttr(FuseRequest request, ulong node, FuseFileInfo* file)
    {
        if (node is Root or Gate) request.ReplyAttr(Attr(node), 0);
        else request.ReplyError((int)Errno.ENOENT);
    }

    public override void OpenDir(FuseRequest request, ulong node, FuseFileInfo* file) => request.ReplyOpen(*file);

    public override void ReadDir(FuseRequest request, ulong node, nuint size, long offset, FuseFileInfo* file, bool plus)
    {
        Span<byte> buffer = stackalloc byte[(int)Math.Min(size, 4096)];
        int used = 0;
        ReadOnlySpan<string> names = [".", "..", "gate"];
        for (int i = (int)offset; i < names.Length; i++)
        {
            ulong ino = names[i] == "gate" ? Gate : Root;
            byte[] nameZ = Encoding.ASCII.GetBytes(names[i] + "\0");
            // READDIRPLUS entries carry a lookup (this file system keeps no lookup counts)
            bool fit = plus
                ? request.AddDirectoryEntryPlus(buffer, ref used, nameZ, new FuseEntryParam { ino = ino, attr = Attr(ino) }, i + 1)
                : request.AddDirectoryEntry(buffer, ref used, nameZ, Attr(ino), i + 1);
            if (!fit) break;
        }
        request.ReplyBuffer(buffer[..used]);
    }

    public override void Open(FuseRequest request, ulong node, FuseFileInfo* file)
    {
        FuseFileInfo reply = *file;
        reply.DirectIo = true;
        request.ReplyOpen(reply);
    }

    public override void Read(FuseRequest request, ulong node, nuint size, long offset, FuseFileInfo* file)
    {
        KResult slept;
        using (request.OnInterruptSignal(KernelTask.Current))
            slept = Queue.WaitEventInterruptible(() => Volatile.Read(ref _message) is not null);
        if (!slept.IsOk)
        {
            Interlocked.Increment(ref Interrupted);
            request.ReplyError((int)Errno.EINTR);
            return;
        }
        byte[] message = Volatile.Read(ref _message)!;
        request.ReplyBuffer(message.AsSpan(0, (int)Math.Min((nuint)message.Length, size)));
    }

    public override void Write(FuseRequest request, ulong node, ReadOnlySpan<byte> data, long offset, FuseFileInfo* file)
    {
        Volatile.Write(ref _message, data.ToArray());
        Queue.WakeUp();
        request.ReplyWrite((nuint)data.Length);
    }

    public override void Release(FuseRequest request, ulong node, FuseFileInfo* file) => request.ReplyError(0);

    public override void SetAttr(FuseRequest request, ulong node, NativeStat* attr, int toSet, FuseFileInfo* file) =>
        request.ReplyAttr(Attr(node), 0); // O_TRUNC of the gate: nothing to cut

    private static NativeStat Attr(ulong node) => new()
    {
        st_ino = node,
        st_mode = node == Root ? Dir : File,
        st_nlink = node == Root ? 2UL : 1UL,
    };
}
