using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;
using KernelOps.Abi;
using KernelOps.Model;
using KernelOps.Samples.RamFs;
using KernelOps.Testing;

namespace KernelOps.Samples.Tests.RamFs;

/// <summary>
/// Differential test: the same seeded random sequences of directory and file syscalls run against a
/// real Linux ramfs (mounted by the test in a temporary directory) and against the seed's rust_ramfs
/// mounted in a model process. Every result is compared: the return value or errno of each call,
/// the bytes read, stat fields except times and inode numbers, directory listings as a set, and at
/// the end of each sequence the whole tree. About a quarter of the calls run with fsuid/fsgid 1000
/// (setfsuid/setfsgid on the test's thread, which drops the fs capabilities as Linux does), so
/// permission answers are compared too.
/// </summary>
[NonParallelizable] // the real side changes the process umask and its thread's fsuid
public class RamfsDifferentialTests
{
    // 1,000 sequences x 400 calls = 400,000 calls on each side (plus the tree comparisons); about
    // 10 s here. A run of 2,000 x 500 with other seeds (1,000,000 calls) found nothing more.
    private const int Sequences = 1000;
    private const int CallsPerSequence = 400;
    private const int BaseSeed = 20261129;
    private const uint User = 1000;

    [Test]
    public void Random_syscall_sequences_answer_as_Linux_ramfs_does()
    {
        if (!OperatingSystem.IsLinux()) Assert.Ignore("the reference is Linux's ramfs: this is not Linux");
        using var real = RealRamfs.MountOrIgnore();
        using var test = new TestKernel();
        UserProcess proc = test.Kernel.CreateProcess("diff");
        try
        {
            var model = new ModelRamfs(test.Kernel, proc, real.Groups);
            var divergences = new List<string>();
            var tally = new SortedDictionary<string, (long Ok, long Failed)>(StringComparer.Ordinal);
            long calls = 0;
            var clock = Stopwatch.StartNew();
            for (int s = 0; s < Sequences && divergences.Count < 20; s++)
            {
                var sequence = new Sequence(BaseSeed + s, real, model, $"s{s}", tally);
                string? divergence = sequence.Run(CallsPerSequence);
                calls += sequence.Calls;
                if (divergence is not null) divergences.Add(divergence);
            }
            TestContext.Out.WriteLine($"{Sequences} sequences x {CallsPerSequence} calls = {calls} calls on each side in {clock.Elapsed.TotalSeconds:F1} s");
            foreach ((string kind, (long ok, long failed)) in tally) TestContext.Out.WriteLine($"  {kind,-10} {ok,7} succeeded {failed,7} failed");
            Assert.That(divergences, Is.Empty, string.Join("\n\n", divergences));
            Assert.That(calls, Is.GreaterThanOrEqualTo(100_000));
            // not a comparison of errnos alone: every kind of call also succeeded, many times
            foreach ((string kind, (long ok, _)) in tally) Assert.That(ok, Is.GreaterThan(200), $"{kind} hardly ever succeeded: the sequences do not exercise it");
            model.Unmount();
        }
        finally
        {
            proc.Dispose();
        }
        test.ShutDownAndAssertNoLeaks();
    }

    /// <summary>What stat answers that both sides must agree on (no times, no inode or device numbers).</summary>
    internal readonly record struct Attr(uint Mode, ulong Nlink, uint Uid, uint Gid, long Size, long Blocks, long BlockSize, ulong Rdev);

    /// <summary>The calls, each returning its result or -errno as Linux's syscalls do.</summary>
    internal interface ISide
    {
        string Name { get; }
        void Enter(string sequence, uint mode);  // mkdir, chmod and open the sequence's directory, as root
        void Leave(string sequence);             // close and rmdir it (empty by then)
        void SetFsIds(uint uid, uint gid);
        long Open(string path, int flags, uint mode);
        long Close(long fd);
        long Mkdir(string path, uint mode);
        long Mknod(string path, uint mode, ulong dev);
        long Unlink(string path, int flags);
        long Link(string oldPath, string newPath, int flags);
        long Symlink(string target, string path);
        long Rename(string oldPath, string newPath, uint flags);
        long Truncate(string path, long length);
        long Ftruncate(long fd, long length);
        long Chmod(string path, uint mode);
        long Chown(string path, uint uid, uint gid, int flags);
        long Access(string path, int mode);
        long Write(long fd, byte[] data);
        long Pwrite(long fd, byte[] data, long offset);
        long Read(long fd, int count, out byte[] data);
        long Pread(long fd, int count, long offset, out byte[] data);
        long Lseek(long fd, long offset, int whence);
        long Stat(string path, bool follow, out Attr attr);
        long Fstat(long fd, out Attr attr);
        long Readlink(string path, out string target);
        long List(string path, out SortedSet<string> entries);
    }

    /// <summary>One seeded sequence of calls, run on both sides in lockstep.</summary>
    private sealed class Sequence
    {
        private static readonly string[] Names = ["a", "b", "c", "d", "e", "f"];
        private readonly Random _random;
        private readonly ISide _real, _model;
        private readonly string _dir;
        private readonly (long Real, long Model)[] _fds = new (long, long)[4];
        private readonly Queue<string> _history = new();
        private readonly SortedDictionary<string, (long Ok, long Failed)> _tally;
        private bool _asUser;

        public Sequence(int seed, ISide real, ISide model, string dir, SortedDictionary<string, (long Ok, long Failed)> tally)
        {
            _tally = tally;
            _random = new Random(seed);
            Seed = seed;
            _real = real;
            _model = model;
            _dir = dir;
            for (int i = 0; i < _fds.Length; i++) _fds[i] = (-1, -1);
        }

        public int Seed { get; }

        public int Calls { get; private set; }

        public string? Run(int calls)
        {
            uint mode = (Seed % 3) switch { 0 => 0x1FFu, 1 => 0x3FFu, _ => 0x1EDu }; // 0777, 01777, 0755
            _real.Enter(_dir, mode);
            _model.Enter(_dir, mode);
            string? divergence = null;
            try
            {
                for (int i = 0; i < calls && divergence is null; i++)
                {
                    divergence = Step();
                    Calls++;
                }
                if (divergence is null) divergence = CompareTrees();
            }
            finally
            {
                SetUser(false);
                for (int i = 0; i < _fds.Length; i++) CloseSlot(i);
                RemoveContents(_real, ".");
                RemoveContents(_model, ".");
                _real.Leave(_dir);
                _model.Leave(_dir);
            }
            return divergence;
        }

        private void SetUser(bool user)
        {
            if (user == _asUser) return;
            _asUser = user;
            _real.SetFsIds(user ? User : 0, user ? User : 0);
            _model.SetFsIds(user ? User : 0, user ? User : 0);
        }

        // A path relative to the sequence's directory, 1-3 components, sometimes with "." or a ".."
        // that climbs back over a component before it (never above the sequence's directory), or a
        // trailing slash.
        private string PathArg()
        {
            int n = _random.Next(10) switch { < 6 => 1, < 9 => 2, _ => 3 };
            var parts = new List<string>();
            int depth = 0;
            for (int i = 0; i < n; i++)
            {
                int r = _random.Next(20);
                if (r == 0) parts.Add(".");
                else if (r == 1 && depth > 0) { parts.Add(".."); depth--; }
                else { parts.Add(Names[_random.Next(Names.Length)]); depth++; }
            }
            string path = string.Join('/', parts);
            if (_random.Next(25) == 0) path += "/";
            return path;
        }

        // Mostly a slot with an open file on both sides (a closed one answers EBADF on both).
        private int SlotArg()
        {
            if (_random.Next(10) != 0)
            {
                var open = Enumerable.Range(0, _fds.Length).Where(i => _fds[i].Real >= 0).ToArray();
                if (open.Length > 0) return open[_random.Next(open.Length)];
            }
            return _random.Next(_fds.Length);
        }

        private uint ModeArg() => _random.Next(6) switch
        {
            0 => (uint)_random.Next(0x1000),                 // anything, setuid/setgid/sticky included
            1 => 0x1FF,                                      // 0777
            2 => 0x3FF,                                      // 01777
            3 => 0x5ED,                                      // 02755
            4 => 0x1A4,                                      // 0644
            _ => 0x1ED,                                      // 0755
        };

        private string? Step()
        {
            if (_random.Next(4) == 0) SetUser(_random.Next(3) == 0);
            int op = _random.Next(100);
            string who = _asUser ? "user" : "root";
            switch (op)
            {
                case < 12:
                {
                    int slot = _random.Next(_fds.Length);
                    CloseSlot(slot);
                    string path = PathArg();
                    int flags = _random.Next(3) | 0x800 /* O_NONBLOCK: a FIFO must not block the test */;
                    if (_random.Next(3) != 0) flags |= 0x40;                    // O_CREAT
                    if (_random.Next(5) == 0) flags |= 0x80;                    // O_EXCL
                    if (_random.Next(5) == 0) flags |= 0x200;                   // O_TRUNC
                    if (_random.Next(5) == 0) flags |= 0x400;                   // O_APPEND
                    if (_random.Next(10) == 0) flags |= 0x10000;                // O_DIRECTORY
                    if (_random.Next(10) == 0) flags |= 0x20000;                // O_NOFOLLOW
                    uint mode = ModeArg();
                    long r = _real.Open(path, flags, mode), m = _model.Open(path, flags, mode);
                    if (r >= 0) _fds[slot].Real = r;
                    if (m >= 0) _fds[slot].Model = m;
                    return Check($"{who} open(\"{path}\", 0x{flags:x}, 0{Convert.ToString(mode, 8)}) -> slot {slot}", Sign(r), Sign(m));
                }
                case < 15:
                {
                    int slot = SlotArg();
                    (long rf, long mf) = _fds[slot];
                    _fds[slot] = (-1, -1);
                    return Check($"close(slot {slot})", rf < 0 ? -9 : _real.Close(rf), mf < 0 ? -9 : _model.Close(mf));
                }
                case < 23:
                {
                    string path = PathArg();
                    uint mode = ModeArg();
                    return Check($"{who} mkdir(\"{path}\", 0{Convert.ToString(mode, 8)})", _real.Mkdir(path, mode), _model.Mkdir(path, mode));
                }
                case < 26:
                {
                    string path = PathArg();
                    uint type = _random.Next(6) switch { 0 => 0x1000u, 1 => 0x8000u, 2 => 0xC000u, 3 => 0x2000u, 4 => 0x6000u, _ => 0x4000u };
                    uint mode = type | (ModeArg() & 0xFFF);
                    ulong dev = (60UL << 8) | (ulong)_random.Next(4); // major 60 (local/experimental): no driver
                    return Check($"{who} mknod(\"{path}\", 0{Convert.ToString(mode, 8)}, 60:{dev & 0xff})", _real.Mknod(path, mode, dev), _model.Mknod(path, mode, dev));
                }
                case < 33:
                {
                    string path = PathArg();
                    int flags = _random.Next(3) == 0 ? 0x200 : 0; // AT_REMOVEDIR
                    return Check($"{who} unlinkat(\"{path}\", 0x{flags:x})", _real.Unlink(path, flags), _model.Unlink(path, flags));
                }
                case < 38:
                {
                    string a = PathArg(), b = PathArg();
                    int flags = _random.Next(4) == 0 ? 0x400 : 0; // AT_SYMLINK_FOLLOW
                    return Check($"{who} linkat(\"{a}\", \"{b}\", 0x{flags:x})", _real.Link(a, b, flags), _model.Link(a, b, flags));
                }
                case < 43:
                {
                    string target = _random.Next(8) == 0 ? "" : PathArg(), path = PathArg();
                    return Check($"{who} symlink(\"{target}\", \"{path}\")", _real.Symlink(target, path), _model.Symlink(target, path));
                }
                case < 51:
                {
                    string a = PathArg(), b = PathArg();
                    uint flags = _random.Next(8) switch { 0 => 1u, 1 => 2u, 2 => 3u, 3 => 4u, _ => 0u };
                    return Check($"{who} renameat2(\"{a}\", \"{b}\", {flags})", _real.Rename(a, b, flags), _model.Rename(a, b, flags));
                }
                case < 54:
                {
                    string path = PathArg();
                    long length = _random.Next(10) == 0 ? -1 : _random.Next(12000);
                    return Check($"{who} truncate(\"{path}\", {length})", _real.Truncate(path, length), _model.Truncate(path, length));
                }
                case < 57:
                {
                    string path = PathArg();
                    uint mode = ModeArg();
                    return Check($"{who} chmod(\"{path}\", 0{Convert.ToString(mode, 8)})", _real.Chmod(path, mode), _model.Chmod(path, mode));
                }
                case < 60:
                {
                    string path = PathArg();
                    uint[] ids = [0, User, User + 1, uint.MaxValue];
                    uint uid = ids[_random.Next(ids.Length)], gid = ids[_random.Next(ids.Length)];
                    int flags = _random.Next(3) == 0 ? 0x100 : 0; // AT_SYMLINK_NOFOLLOW
                    return Check($"{who} fchownat(\"{path}\", {(int)uid}, {(int)gid}, 0x{flags:x})", _real.Chown(path, uid, gid, flags), _model.Chown(path, uid, gid, flags));
                }
                case < 62:
                {
                    string path = PathArg();
                    int mode = _random.Next(8);
                    return Check($"{who} access(\"{path}\", {mode})", _real.Access(path, mode), _model.Access(path, mode));
                }
                case < 72:
                {
                    int slot = SlotArg();
                    byte[] data = new byte[_random.Next(6000)];
                    _random.NextBytes(data);
                    (long rf, long mf) = _fds[slot];
                    if (_random.Next(3) == 0)
                    {
                        long offset = _random.Next(3) == 0 ? -1 : _random.Next(20000);
                        return Check($"pwrite(slot {slot}, {data.Length}, {offset})", rf < 0 ? -9 : _real.Pwrite(rf, data, offset), mf < 0 ? -9 : _model.Pwrite(mf, data, offset));
                    }
                    return Check($"write(slot {slot}, {data.Length})", rf < 0 ? -9 : _real.Write(rf, data), mf < 0 ? -9 : _model.Write(mf, data));
                }
                case < 80:
                {
                    int slot = SlotArg();
                    int count = _random.Next(9000);
                    (long rf, long mf) = _fds[slot];
                    byte[] rd = [], md = [];
                    long r, m;
                    string what;
                    if (_random.Next(3) == 0)
                    {
                        long offset = _random.Next(3) == 0 ? -1 : _random.Next(20000);
                        what = $"pread(slot {slot}, {count}, {offset})";
                        r = rf < 0 ? -9 : _real.Pread(rf, count, offset, out rd);
                        m = mf < 0 ? -9 : _model.Pread(mf, count, offset, out md);
                    }
                    else
                    {
                        what = $"read(slot {slot}, {count})";
                        r = rf < 0 ? -9 : _real.Read(rf, count, out rd);
                        m = mf < 0 ? -9 : _model.Read(mf, count, out md);
                    }
                    return Check(what, r, m) ?? (rd.AsSpan().SequenceEqual(md) ? null : Diverged(what, "the bytes read differ"));
                }
                case < 85:
                {
                    int slot = SlotArg();
                    int whence = _random.Next(6) switch { 0 => 0, 1 => 1, 2 => 2, 3 => 3 /* SEEK_DATA */, 4 => 4 /* SEEK_HOLE */, _ => 7 };
                    long offset = _random.Next(10) == 0 ? -_random.Next(100) : _random.Next(15000);
                    (long rf, long mf) = _fds[slot];
                    return Check($"lseek(slot {slot}, {offset}, {whence})", rf < 0 ? -9 : _real.Lseek(rf, offset, whence), mf < 0 ? -9 : _model.Lseek(mf, offset, whence));
                }
                case < 87:
                {
                    int slot = SlotArg();
                    long length = _random.Next(10) == 0 ? -1 : _random.Next(12000);
                    (long rf, long mf) = _fds[slot];
                    return Check($"ftruncate(slot {slot}, {length})", rf < 0 ? -9 : _real.Ftruncate(rf, length), mf < 0 ? -9 : _model.Ftruncate(mf, length));
                }
                case < 93:
                {
                    string path = PathArg();
                    bool follow = _random.Next(2) == 0;
                    string what = $"{who} {(follow ? "stat" : "lstat")}(\"{path}\")";
                    long r = _real.Stat(path, follow, out Attr ra), m = _model.Stat(path, follow, out Attr ma);
                    return Check(what, r, m) ?? (r != 0 || ra == ma ? null : Diverged(what, $"real {ra}\nmodel {ma}"));
                }
                case < 94:
                {
                    int slot = SlotArg();
                    (long rf, long mf) = _fds[slot];
                    Attr ra = default, ma = default;
                    long r = rf < 0 ? -9 : _real.Fstat(rf, out ra), m = mf < 0 ? -9 : _model.Fstat(mf, out ma);
                    return Check($"fstat(slot {slot})", r, m) ?? (r != 0 || ra == ma ? null : Diverged($"fstat(slot {slot})", $"real {ra}\nmodel {ma}"));
                }
                case < 96:
                {
                    string path = PathArg();
                    long r = _real.Readlink(path, out string rt), m = _model.Readlink(path, out string mt);
                    return Check($"{who} readlink(\"{path}\")", r, m) ?? (rt == mt ? null : Diverged($"readlink(\"{path}\")", $"real '{rt}', model '{mt}'"));
                }
                default:
                {
                    string path = _random.Next(4) == 0 ? "." : PathArg();
                    long r = _real.List(path, out SortedSet<string> re), m = _model.List(path, out SortedSet<string> me);
                    return Check($"{who} getdents(\"{path}\")", r, m) ?? (re.SetEquals(me) ? null
                        : Diverged($"getdents(\"{path}\")", $"real [{string.Join(", ", re)}]\nmodel [{string.Join(", ", me)}]"));
                }
            }
        }

        private void CloseSlot(int slot)
        {
            (long rf, long mf) = _fds[slot];
            if (rf >= 0) _real.Close(rf);
            if (mf >= 0) _model.Close(mf);
            _fds[slot] = (-1, -1);
        }

        private static long Sign(long fd) => fd >= 0 ? 0 : fd;

        private string? Check(string what, long real, long model)
        {
            string kind = what.Split('(')[0].Split(' ')[^1];
            (long ok, long failed) = _tally.GetValueOrDefault(kind);
            _tally[kind] = real >= 0 ? (ok + 1, failed) : (ok, failed + 1);
            _history.Enqueue($"{what} = {Describe(real)}");
            if (_history.Count > 25) _history.Dequeue();
            return real == model ? null : Diverged(what, $"real {Describe(real)}, model {Describe(model)}");
        }

        private string Diverged(string what, string detail) =>
            $"seed {Seed}, call {Calls}: {what}: {detail}\n  history (oldest first):\n    {string.Join("\n    ", _history)}";

        private static string Describe(long result) => result >= 0 ? result.ToString() : ((Errno)(-result)).ToString();

        // The whole tree, both sides, as root: every name, its stat, a file's bytes, a link's target.
        private string? CompareTrees()
        {
            SetUser(false);
            var real = new SortedDictionary<string, string>(StringComparer.Ordinal);
            var model = new SortedDictionary<string, string>(StringComparer.Ordinal);
            Walk(_real, ".", real);
            Walk(_model, ".", model);
            foreach (string path in real.Keys.Union(model.Keys))
            {
                real.TryGetValue(path, out string? r);
                model.TryGetValue(path, out string? m);
                if (r != m) return Diverged($"the tree at the end, {path}", $"real {r ?? "(none)"}\nmodel {m ?? "(none)"}");
            }
            return null;
        }

        // rm -r of a directory's contents, as root
        private static void RemoveContents(ISide side, string dir)
        {
            if (side.List(dir, out SortedSet<string> entries) != 0) return;
            foreach (string entry in entries)
            {
                string name = entry[..entry.LastIndexOf(':')];
                if (name is "." or "..") continue;
                string path = dir + "/" + name;
                if (entry.EndsWith(":4", StringComparison.Ordinal))
                {
                    RemoveContents(side, path);
                    if (side.Unlink(path, 0x200) != 0) throw new InvalidOperationException($"rmdir {path} on {side.Name}");
                }
                else if (side.Unlink(path, 0) != 0) throw new InvalidOperationException($"unlink {path} on {side.Name}");
            }
        }

        private static void Walk(ISide side, string dir, SortedDictionary<string, string> into)
        {
            if (side.List(dir, out SortedSet<string> entries) != 0) return;
            foreach (string entry in entries)
            {
                string name = entry[..entry.LastIndexOf(':')];
                if (name is "." or "..") continue;
                string path = dir + "/" + name;
                long rc = side.Stat(path, follow: false, out Attr attr);
                string text = $"{entry} {rc} {attr}";
                if (rc == 0 && (attr.Mode & 0xF000) == 0x8000)
                {
                    long fd = side.Open(path, 0 /* O_RDONLY */ | 0x20000, 0);
                    if (fd >= 0)
                    {
                        var content = new List<byte>();
                        while (side.Read(fd, 65536, out byte[] chunk) > 0) content.AddRange(chunk);
                        side.Close(fd);
                        text += $" data {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(content.ToArray()))[..16]}";
                    }
                }
                else if (rc == 0 && (attr.Mode & 0xF000) == 0xA000)
                {
                    side.Readlink(path, out string target);
                    text += $" -> {target}";
                }
                into[path] = text;
                if (rc == 0 && (attr.Mode & 0xF000) == 0x4000) Walk(side, path, into);
            }
        }
    }
}
