using System.Threading.Tasks;
using KernelOps.Analyzers.Tests.Infrastructure;

namespace KernelOps.Analyzers.Tests;

/// <summary>
/// KOPS0015-KOPS0019 (issue 12): cases each rule must report (markup gives id and span) and the
/// closest cases it must not.
/// </summary>
public class SoundnessRuleTests
{
    private const string U = Verify.Usings;

    private static Task Body(string source) => Verify.Analyzer<HandlerBodyAnalyzer>(U + source);

    // ---- KOPS0015: an Errno must never become a number inside a handler ---------------------------

    [Test]
    public Task Kops0015_ErrnoMadeANumber() => Body("""
        using System;
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument) => command switch
            {
                1 => {|KOPS0015:(long)Errno.ENOTTY|},                  // a success with 25
                2 => {|KOPS0015:-(long)Errno.EINVAL|},                 // a negative success: EIO at run time
                3 => {|KOPS0015:-(int)Errno.EFAULT|},                  // through int, then long
                4 => {|KOPS0015:Convert.ToInt64(Errno.EIO)|},
                5 => Fail(Errno.EPERM),
                _ => Pick(command == 6),
            };

            static long Fail(Errno e) => {|KOPS0015:-(long)e|};           // a helper the handler calls

            static KResult<long> Pick(bool ok)
            {
                long n = 4;
                long code = {|KOPS0015:(long)Errno.EAGAIN|};
                return ok ? n : {|KOPS0015:-(long)Errno.EBUSY + code|};
            }

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                KResult r = dst.Write("x"u8);
                return r.IsOk ? (nuint)1 : {|KOPS0015:(nuint)(-(nint)r.Error)|};
            }
        }
        """);

    [Test]
    public Task Kops0015_ErrnoAsErrnoOrOnlyComparedIsFine() => Body("""
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            // Not reachable from a handler.
            public static long Legacy() => -(long)Errno.EINVAL;

            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
            {
                KResult r = new UserPtr<int>(argument).Write(1);
                if ((int)r.Error == 14 || r.Error == Errno.EFAULT) return r.Error;   // compared
                string text = $"{(int)r.Error}" + (int)Errno.EIO;                  // formatted
                long[] perErrno = new long[200];
                perErrno[(int)r.Error]++;                                          // an index
                int kind = (int)r.Error switch { 0 => 0, _ => 1 };                 // matched
                return command == 0 ? Errno.ENOTTY : (long)(text.Length + kind);
            }
        }
        """);

    // ---- KOPS0016: deferred work touching what only the handler call may use ----------------------

    [Test]
    public Task Kops0016_DeferredWorkUsesTheCall() => Body("""
        using System;
        using System.Threading;
        using System.Threading.Tasks;
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            static readonly WaitQueueHead Queue = new();
            static void Log(nuint address) { }

            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
            {
                _ = Task.Run(() => {|KOPS0016:new UserPtr<int>(argument).Write(1)|});    // copy_to_user from the thread pool
                var ptr = new UserPtr<int>(argument);
                ThreadPool.QueueUserWorkItem(_ => {|KOPS0016:ptr.Read(out int v)|});     // a captured user pointer
                _ = Task.Run(() => Log({|KOPS0016:argument|}));                        // the user address, later
                nuint address = argument + 8;
                new Thread(() => Log({|KOPS0016:address|})).Start();                   // made from it
                ThreadPool.QueueUserWorkItem(static _ => { }, {|KOPS0016:argument|});   // handed over as state
                _ = Task.Delay(1).ContinueWith(_ => {|KOPS0016:ptr.Write(2)|});
                Func<Task> later = async () =>
                {
                    await Task.Delay(1);
                    {|KOPS0016:new UserPtr<int>(argument).Write(3)|};                   // after an await
                };
                _ = later();
                _ = NotifyLater(argument);
                _ = Task.Run(Worker);
                using var timer = new Timer(_ => {|KOPS0016:Queue.WaitEventInterruptible(() => true)|}, null, 10, -1);
                Parallel.For(0, 2, i => {|KOPS0016:new UserPtr<int>(argument + (nuint)(4 * i)).Write(i)|}); // other threads: no task
                return 0L;
            }

            static async Task NotifyLater(nuint address)
            {
                await Task.Yield();
                {|KOPS0016:new UserPtr<int>(address).Write(4)|};
            }

            static void Worker()
            {
                Span<byte> entropy = stackalloc byte[4];
                {|KOPS0016:KernelRandom.GetBytes(entropy)|};                              // the calling task's kernel
            }
        }
        """);

    [Test]
    public Task Kops0016_StatefulHandlers() => Body("""
        using System.Threading.Tasks;
        sealed class Session { public int Calls; }
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            static void Log(nuint address) { }

            [Open] static OpenResult<Session> Open(Inode inode, FileRef file) => new Session();

            [Ioctl]
            static KResult<long> Ioctl(Session session, FileRef file, uint command, nuint argument)
            {
                _ = Task.Run(() => session.Calls++);                 // the per-open state: its own data
                _ = Task.Run(() => Log({|KOPS0016:argument|}));       // the user address of this call
                return 0L;
            }
        }
        """);

    [Test]
    public Task Kops0016_DeferredWorkOnItsOwnDataIsFine() => Body("""
        using System;
        using System.Collections.Generic;
        using System.Threading.Tasks;
        sealed class Device { public int Pending; public void Refresh() { } }
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            static void Log(uint command) { }

            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
            {
                Device device = file.DeviceData<Device>()!;
                _ = Task.Run(() => device.Refresh());               // its own shared object
                _ = Task.Run(() => Log(command));                   // a number, not an address
                var ptr = new UserPtr<int>(argument);
                KResult r = ptr.Read(out int value);                // copied in the call...
                _ = Task.Run(() => Log((uint)value));               // ...then handed over
                new List<int> { 1 }.ForEach(i => ptr.Write(i));    // a synchronous lambda runs in the call
                Func<Task> first = async () =>
                {
                    ptr.Write(5);                                   // before its first await: still in the call
                    await Task.Yield();
                };
                _ = first();
                return r.IsOk ? 0L : r.Error;
            }

            // Not reachable from a handler: module code may start work as it likes.
            public static void Init(nuint address) => _ = Task.Run(() => new UserPtr<int>(address).Write(1));
        }
        """);

    [Test]
    public Task Kops0016_DebugFsCallbacks() => Body("""
        using System;
        using System.Threading.Tasks;
        sealed class Stats { public long Events; }
        readonly struct Reseed : IDebugFsWriteCallback<Stats>
        {
            public static OpsTable<FileOperations> Table => default;
            public KResult Write(Stats data, ReadOnlySpan<byte> input)
            {
                _ = Task.Run(() => { Span<byte> b = stackalloc byte[8]; {|KOPS0016:KernelRandom.GetBytes(b)|}; });
                return KResult.Ok;
            }
        }
        """);

    // ---- KOPS0017: per-open state kept in statics ------------------------------------------------

    [Test]
    public Task Kops0017_PerOpenStateInStatics() => Body("""
        using System.Collections.Generic;
        sealed class Reader { public long Offset; }
        [FileOperations(NonSeekable = true)]
        static partial class Keyed
        {
            static readonly Dictionary<nint, Reader> s_readers = new();
            static Reader? s_current;

            [Open]
            static KResult Open(Inode inode, FileRef file)
            {
                lock (s_readers) {|KOPS0017:s_readers[file.PrivateData]|} = new Reader();   // keyed by the open file
                {|KOPS0010:{|KOPS0017:s_current = new Reader()|}|};                         // the next open overwrites it
                return KResult.Ok;
            }

            [Release]
            static KResult Release(Inode inode, FileRef file)
            {
                nint key = file.PrivateData;
                lock (s_readers) {|KOPS0017:s_readers.Remove(key)|};
                return KResult.Ok;
            }
        }

        sealed class Session { }
        [FileOperations(NonSeekable = true)]
        static partial class Stateful
        {
            static readonly List<Session> s_all = new();
            static Session? s_last;

            [Open]
            static OpenResult<Session> Open(Inode inode, FileRef file)
            {
                var session = new Session();
                lock (s_all) {|KOPS0017:s_all.Add(session)|};
                lock (s_all) {|KOPS0017:s_last = session|};
                return session;
            }
        }
        """);

    [Test]
    public Task Kops0017_SharedOrPerEntryStateIsFine() => Body("""
        using System.Collections.Generic;
        using System.Threading;
        sealed class Cache { }
        sealed class Session { public long Reads; }
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            static readonly Dictionary<ulong, long> s_opensPerInode = new();
            static readonly Dictionary<string, long> s_hits = new();
            static Cache? s_cache;
            static long s_opens;

            [Open]
            static OpenResult<Session> Open(Inode inode, FileRef file)
            {
                lock (s_opensPerInode) s_opensPerInode[inode.Number] = 1;   // per entry, not per open
                lock (s_hits) s_hits["open"] = 1;
                LazyInitializer.EnsureInitialized(ref s_cache);            // shared, made once
                Interlocked.Increment(ref s_opens);
                return new Session();                                       // per-open state where it belongs
            }

            [Read]
            static KResult<nuint> Read(Session s, FileRef file, UserSliceWriter dst, ref long pos) { s.Reads++; return (nuint)0; }
        }
        """);

    // ---- KOPS0018: module init publishing a table before the data its handlers read -------------

    private const string ModuleHandlers = """
        using KernelOps.Model;
        sealed class RamData { public int Capacity; public byte[]? Bytes; }
        static class Settings { public static int Limit; public static int Unread; }

        [ProcOps(NonSeekable = true)]
        static partial class RamFile
        {
            public static RamData? s_data;
            public static ProcEntry? s_entry;
            public static OpsTable<ProcOps> Table => default;
            [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) =>
                s_data is { } d && Budget() > 0 ? (nuint)d.Capacity : (nuint)0;
            static int Budget() => Settings.Limit;   // read through a helper of another type
        }

        """;

    private static Task Init(string source) => Verify.Analyzer<ModuleInitAnalyzer>(U + ModuleHandlers + source);

    [Test]
    public Task Kops0018_WritesAfterPublishing() => Init("""
        sealed class Module : IKernelModule
        {
            private ProcEntry? _entry;
            public string Name => "ram";
            public KResult Init(ModuleContext context)
            {
                var data = new RamData();
                _entry = context.Proc.Create("ram", 0x1B6, null, RamFile.Table, data);
                {|KOPS0018:data.Capacity = 4096|};                  // the data the handlers get
                {|KOPS0018:data.Bytes = new byte[4096]|};
                {|KOPS0018:RamFile.s_data = data|};                  // a static the handler reads
                {|KOPS0018:Settings.Limit = 10|};                    // read by a helper the handler calls
                return KResult.Ok;
            }
            public void Exit() => _entry?.Dispose();
        }

        sealed class StoresTheEntry : IKernelModule
        {
            public string Name => "ram2";
            public KResult Init(ModuleContext context)
            {
                RamFile.s_data = new RamData();
                {|KOPS0018:Settings.Limit = context.Proc.Create("ram2", 0x1B6, null, RamFile.Table) is null ? 0 : 1|};
                return KResult.Ok;
            }
            public void Exit() { }
        }
        """);

    [Test]
    public Task Kops0018_InitialisedFirstOrNotReadIsFine() => Init("""
        sealed class Module : IKernelModule
        {
            private ProcEntry? _entry;
            public string Name => "ram";
            public KResult Init(ModuleContext context)
            {
                var data = new RamData { Capacity = 4096 };
                data.Bytes = new byte[4096];
                RamFile.s_data = data;
                Settings.Limit = 10;
                _entry = context.Proc.Create("ram", 0x1B6, null, RamFile.Table, data);   // published last
                RamFile.s_entry = _entry;          // no handler reads it
                Settings.Unread = 1;               // nor this
                var other = new RamData();
                other.Capacity = 1;                // not what was published
                return KResult.Ok;
            }
            public void Exit() => _entry?.Dispose();
        }
        """);

    [Test]
    public Task Kops0018_DebugFsCallbackFiles() => Verify.Analyzer<ModuleInitAnalyzer>(U + """
        using System;
        using KernelOps.Model;
        sealed class Stats { public long Events; }
        static class Limits { public static long Max; }
        [DebugFsCallbackFile]
        readonly partial struct ResetFile : IDebugFsWriteCallback<Stats>
        {
            public KResult Write(Stats data, ReadOnlySpan<byte> input) { data.Events = Limits.Max; return KResult.Ok; }
        }
        static class Setup
        {
            public static void Create(DebugFs debugFs, DebugFsEntry dir)
            {
                var stats = new Stats();
                debugFs.CreateCallbackFile<ResetFile, Stats>("reset", dir, stats);
                {|KOPS0018:Limits.Max = 100|};
                {|KOPS0018:stats.Events = 5|};
            }
        }
        """ + "\n" + """
        readonly partial struct ResetFile { public static OpsTable<FileOperations> Table => default; }
        """);

    // ---- KOPS0019: a read or write that bypasses its position ------------------------------------

    [Test]
    public Task Kops0019_PositionBypassed() => Body("""
        using System;
        [ProcOps]
        static partial class H
        {
            static readonly byte[] Data = new byte[16];

            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long {|KOPS0019:pos|})
            {
                long at = {|KOPS0019:file.ReadPositionUnsynchronized()|};             // racy; wrong for pread
                return dst.WriteSome(Data.AsSpan((int)at));                           // and pos never moves: cat loops
            }

            [Write]
            static KResult<nuint> Write(FileRef file, UserSliceReader src, ref long pos)
            {
                pos = Where(file) + (long)src.Length;
                return src.Length;
            }

            static long Where(FileRef file) => {|KOPS0019:file.ReadPositionUnsynchronized()|};

            [Lseek]
            static KResult<long> Lseek(FileRef file, long offset, Whence whence) =>
                whence == Whence.Current ? file.ReadPositionUnsynchronized() + offset : offset; // lseek's own job
        }
        """);

    [Test]
    public Task Kops0019_PositionUsedOrFileNotSeekableIsFine() => Body("""
        using System;
        static class Text { public static KResult<nuint> Serve(ref UserSliceWriter dst, ref long pos) => (nuint)0; }

        [ProcOps]
        static partial class Advances
        {
            static readonly byte[] Data = new byte[16];
            [Read]
            static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos)
            {
                if (pos >= Data.Length) return (nuint)0;
                KResult<nuint> n = dst.WriteSome(Data.AsSpan((int)pos));
                if (n.TryGetValue(out nuint copied)) pos += (long)copied;
                return n;
            }
            [Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) => offset;
        }

        [ProcOps]
        static partial class PassesItOn
        {
            [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => Text.Serve(ref dst, ref pos);
            [Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) => offset;
        }

        [ProcOps]
        static partial class Empty
        {
            [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => (nuint)0;
            [Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) => offset;
        }

        [ProcOps(NonSeekable = true)]
        static partial class Pipe
        {
            static readonly byte[] Data = new byte[16];
            [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => dst.WriteSome(Data);
        }

        [FileOperations]
        static partial class Stream
        {
            static readonly byte[] Data = new byte[16];
            [Open] static KResult Open(Inode inode, FileRef file) { file.StreamOpen(); return KResult.Ok; }
            [Read] static KResult<nuint> Read(FileRef file, UserSliceWriter dst, ref long pos) => dst.WriteSome(Data);
            [Lseek] static KResult<long> Lseek(FileRef file, long offset, Whence whence) => Errno.ESPIPE;
        }
        """);

    // ---- KOPS0020: a constant zero made an Errno, and so a failure --------------------------------

    private static Task Zero(string source) => Verify.Analyzer<ZeroErrnoAnalyzer>(U + source);

    [Test]
    public Task Kops0020_ZeroErrnoBecomesAFailure() => Zero("""
        using KernelOps.Model;
        sealed class Session { }
        sealed class Chip { }
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            const Errno None = 0;

            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
            {
                KResult copied = new UserPtr<int>(argument).Write(42);
                if (command == 1) return copied.IsOk ? {|KOPS0020:0L|} : copied.Error;     // the review's trap
                if (command == 2) return command > 9 ? Errno.EINVAL : {|KOPS0020:0|};      // int zero, either arm
                if (command == 3) return {|KOPS0020:(Errno)0|};
                if (command == 4) return copied.IsOk ? {|KOPS0020:default|} : Errno.EFAULT;
                if (command == 5) return {|KOPS0020:None|};                               // a const Errno of 0
                if (command == 6) return KResult<long>.Fail({|KOPS0020:default(Errno)|});
                if (command == 7) return (Errno)(copied.IsOk ? {|KOPS0020:0|} : 22);       // through a cast
                return command > 8 ? Errno.EBUSY : command > 7 ? {|KOPS0020:0u|} : Errno.EPERM;   // nested
            }

            [Flush]
            static KResult Flush(FileRef file) => {|KOPS0020:default(Errno)|};

            [Fsync]
            static KResult Fsync(FileRef file, long start, long end, bool dataSync) =>
                start switch { 0 => {|KOPS0020:(Errno)0L|}, _ => Errno.EINVAL };
        }

        [FileOperations(NonSeekable = true)]
        static partial class Stateful
        {
            [Open]
            static OpenResult<Session> Open(Inode inode, FileRef file) => inode.Data<Session>() is null ? {|KOPS0020:(Errno)0|} : new Session();
        }

        [PlatformDriver]
        static partial class Driver
        {
            [Probe]
            static ProbeResult<Chip> Probe(CoreDevice device) => {|KOPS0020:default(Errno)|};
        }

        sealed class Module : IKernelModule
        {
            public string Name => "m";
            public KResult Init(ModuleContext context) => {|KOPS0020:(Errno)0|};  // not a handler: still a failure
            public void Exit() { }
            static KResult Helper(bool ok) => ok ? {|KOPS0020:0|} : Errno.EAGAIN;   // reached by nothing: still wrong
        }
        """);

    [Test]
    public Task Kops0020_ErrnosAndNonZeroValuesAreFine() => Zero("""
        [FileOperations(NonSeekable = true)]
        static partial class H
        {
            [Ioctl]
            static KResult<long> Ioctl(FileRef file, uint command, nuint argument)
            {
                KResult copied = new UserPtr<int>(argument).Write(42);
                if (command == 1) return Errno.EINVAL;                                  // an errno alone
                if (command == 2) return copied.IsOk ? 5L : Errno.EINVAL;              // a non-zero constant: long arm, no enum
                if (command == 3) return copied.IsOk ? Errno.EFAULT : Errno.EINVAL;    // two errnos
                if (command == 4) return copied.IsOk ? KResult<long>.Ok(0L) : copied.Error;
                if (command == 5) return 0L;                                            // a success of 0
                if (command == 6) return copied.WithValue(0L);
                Errno none = 0;                                                          // an Errno of 0, only compared
                if (copied.Error != none && copied.Error != 0) return copied.Error;
                return command switch { 7 => 0L, _ => Errno.ENOTTY };                   // typed arm by arm: 0L is a long
            }

            [Flush]
            static KResult Flush(FileRef file) => KResult.Ok;

            static Errno Check(bool ok) => ok ? 0 : Errno.EINVAL;                        // an Errno of 0 is "no error" until it is a result
        }
        """);
}
