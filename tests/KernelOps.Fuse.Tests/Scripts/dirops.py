"""Seeded random directory and file syscalls on a directory tree, one result line per operation.

usage: dirops.py ROOT OPS SEED...

For each SEED, a fresh directory ROOT/s<SEED>/w is made and OPS operations chosen by
random.Random(SEED) run in it. The choices never depend on results, so the same arguments run the
same calls on any file system; DifferentialTests compares the lines from a real ramfs with those
from the mounted model. Each line: "<seed> <index> <call> -> <result>", the result being a value
or an errno name. Inode numbers and times are left out (they differ by design).
"""
import ctypes
import errno
import hashlib
import os
import random
import stat
import sys

libc = ctypes.CDLL(None, use_errno=True)
SYS_renameat2 = 316
AT_FDCWD = -100
RENAME_NOREPLACE, RENAME_EXCHANGE = 1, 2

NAMES = ["a", "b", "c", "d", "e"]
DIRS = ["", "x", "y", "x/z"]
MODES = [0o644, 0o600, 0o755, 0o700, 0o444, 0o000, 0o4755, 0o2775, 0o1777]
LONG = "n" * 256


def renameat2(old, new, flags):
    if libc.syscall(SYS_renameat2, AT_FDCWD, old.encode(), AT_FDCWD, new.encode(), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e))


def describe(st, with_blocks=True):
    kind = stat.S_IFMT(st.st_mode)
    fields = ["%o" % st.st_mode, str(st.st_nlink), str(st.st_uid), str(st.st_gid)]
    if not stat.S_ISDIR(st.st_mode):
        fields.append(str(st.st_size))
    if with_blocks and kind == stat.S_IFREG:
        fields.append("b%d" % st.st_blocks)
    return " ".join(fields)


def digest(data):
    return "%d:%s" % (len(data), hashlib.sha1(data).hexdigest()[:12])


def open_(path, flags, mode=0o777):
    # O_NONBLOCK: a FIFO the sequence made must not block an open (regular files ignore it)
    return os.open(path, flags | os.O_NONBLOCK, mode)


class Run:
    def __init__(self, root, seed):
        self.rng = random.Random(seed)
        # one level down, so a "../name" symlink still points inside this sequence's own directory
        self.base = os.path.join(root, "s%d" % seed, "w")
        os.makedirs(self.base)
        for d in DIRS[1:]:
            if self.rng.random() < 0.8:
                try:
                    os.mkdir(os.path.join(self.base, d))
                except OSError:
                    pass

    def path(self):
        r = self.rng.random()
        if r < 0.02:
            return LONG
        d = self.rng.choice(DIRS)
        n = self.rng.choice(NAMES + DIRS[1:2])
        return (d + "/" + n) if d else n

    def full(self, p):
        return os.path.join(self.base, p)

    def op(self):
        rng = self.rng
        kind = rng.choice(["create", "create", "mkdir", "rmdir", "unlink", "write", "write", "append", "read",
                           "read", "truncate", "rename", "rename", "link", "symlink", "readlink", "chmod",
                           "chown", "stat", "stat", "lstat", "list", "open", "fifo", "unlinked"])
        p, q = self.path(), self.path()
        f, g = self.full(p), self.full(q)
        if kind == "create":
            mode = rng.choice(MODES)
            excl = rng.random() < 0.5
            call = "create %s %o %s" % (p, mode, "excl" if excl else "")
            return call, lambda: os.close(open_(f, os.O_WRONLY | os.O_CREAT | (os.O_EXCL if excl else 0), mode)) or "ok"
        if kind == "mkdir":
            mode = rng.choice(MODES)
            return "mkdir %s %o" % (p, mode), lambda: os.mkdir(f, mode) or "ok"
        if kind == "rmdir":
            return "rmdir " + p, lambda: os.rmdir(f) or "ok"
        if kind == "unlink":
            return "unlink " + p, lambda: os.unlink(f) or "ok"
        if kind in ("write", "append"):
            offset, length, byte = rng.randrange(0, 9000), rng.randrange(0, 6000), rng.randrange(256)
            data = bytes([byte]) * length

            def write():
                fd = open_(f, os.O_WRONLY | (os.O_APPEND if kind == "append" else 0))
                try:
                    return str(os.write(fd, data) if kind == "append" else os.pwrite(fd, data, offset))
                finally:
                    os.close(fd)
            return "%s %s %d %d" % (kind, p, offset, length), write
        if kind == "read":
            offset = rng.randrange(0, 9000)

            def read():
                fd = open_(f, os.O_RDONLY)
                try:
                    whole = b""
                    while True:
                        chunk = os.read(fd, 65536)
                        if not chunk:
                            break
                        whole += chunk
                    return digest(whole) + " " + digest(os.pread(fd, 3000, offset))
                finally:
                    os.close(fd)
            return "read %s %d" % (p, offset), read
        if kind == "truncate":
            size = rng.randrange(0, 12000)
            return "truncate %s %d" % (p, size), lambda: os.truncate(f, size) or "ok"
        if kind == "rename":
            flags = rng.choice([0, 0, RENAME_NOREPLACE, RENAME_EXCHANGE])
            return "rename %s %s %d" % (p, q, flags), lambda: renameat2(f, g, flags) or "ok"
        if kind == "link":
            return "link %s %s" % (p, q), lambda: os.link(f, g) or "ok"
        if kind == "symlink":
            target = rng.choice([p, "../" + p, "nowhere/" + p, "x/" + p])  # relative: nothing outside the tree
            return "symlink %s %s" % (target, q), lambda: os.symlink(target, g) or "ok"
        if kind == "readlink":
            return "readlink " + p, lambda: os.readlink(f)
        if kind == "chmod":
            mode = rng.choice(MODES)
            return "chmod %s %o" % (p, mode), lambda: os.chmod(f, mode) or "ok"
        if kind == "chown":
            uid, gid, nofollow = rng.choice([0, 7, 1000, -1]), rng.choice([0, 8, 1000, -1]), rng.random() < 0.5
            return "chown %s %d %d %s" % (p, uid, gid, nofollow), lambda: os.chown(f, uid, gid, follow_symlinks=not nofollow) or "ok"
        if kind == "stat":
            return "stat " + p, lambda: describe(os.stat(f))
        if kind == "lstat":
            return "lstat " + p, lambda: describe(os.lstat(f))
        if kind == "list":
            return "list " + p, lambda: ",".join(sorted(os.listdir(f)))
        if kind == "open":
            flags = rng.choice([os.O_RDONLY | os.O_DIRECTORY, os.O_WRONLY | os.O_TRUNC, os.O_RDWR | os.O_CREAT | os.O_EXCL,
                                os.O_RDONLY | os.O_NOFOLLOW, os.O_RDWR, os.O_WRONLY | os.O_CREAT | os.O_TRUNC])

            def open_close():
                fd = open_(f, flags, 0o640)
                try:
                    return describe(os.fstat(fd))
                finally:
                    os.close(fd)
            return "open %s %o" % (p, flags), open_close
        if kind == "fifo":
            return "mkfifo " + p, lambda: os.mkfifo(f, 0o640) or "ok"
        # an open file whose name goes: it stays readable, fstat answers with nlink 0
        def unlinked():
            fd = open_(f, os.O_RDWR)
            try:
                os.unlink(f)
                os.pwrite(fd, b"tail", 5)
                return describe(os.fstat(fd), with_blocks=False) + " " + digest(os.pread(fd, 20000, 0))
            finally:
                os.close(fd)
        return "unlinked " + p, unlinked


def main():
    root, count, seeds = sys.argv[1], int(sys.argv[2]), [int(s) for s in sys.argv[3:]]
    out = sys.stdout
    for seed in seeds:
        run = Run(root, seed)
        for i in range(count):
            call, action = run.op()
            try:
                result = action()
            except OSError as e:
                result = errno.errorcode.get(e.errno, str(e.errno))
            out.write("%d %d %s -> %s\n" % (seed, i, call, result))
    out.flush()


if __name__ == "__main__":
    main()
