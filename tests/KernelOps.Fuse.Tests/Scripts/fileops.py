"""Runs file operations read from stdin against one path and prints one result line per operation.

Driven by DifferentialTests: the same op list runs against a file on Linux's ramfs and against the
RAM file mounted through the FUSE host, and the outputs must be identical. Input lines:
  seq                         reset: close every slot, truncate the file
  open SLOT FLAGS             os.open(path, FLAGS)        -> "ok"          (fd numbers are not printed)
  close SLOT | read SLOT N | pread SLOT N OFF | write SLOT HEX | pwrite SLOT HEX OFF  (HEX "-" is no data)
  lseek SLOT OFF WHENCE | fstat SLOT
  dump                        the whole file, read through a fresh O_RDONLY open
Output: "ok VALUE" or "err ERRNONAME".
"""
import errno
import os
import sys

path = sys.argv[1]
slots = {}
out = []


def fd(slot):
    return slots.get(slot, -1)


def unhex(text):
    return b"" if text == "-" else bytes.fromhex(text)


def run(op, a):
    if op == "seq":
        for f in slots.values():
            os.close(f)
        slots.clear()
        os.close(os.open(path, os.O_WRONLY | os.O_TRUNC))
        return ""
    if op == "open":
        if a[0] in slots:
            os.close(slots.pop(a[0]))
        slots[a[0]] = os.open(path, int(a[1]))
        return ""
    if op == "close":
        f = fd(a[0])
        slots.pop(a[0], None)
        os.close(f)
        return ""
    if op == "read":
        return os.read(fd(a[0]), int(a[1])).hex()
    if op == "pread":
        return os.pread(fd(a[0]), int(a[1]), int(a[2])).hex()
    if op == "write":
        return str(os.write(fd(a[0]), unhex(a[1])))
    if op == "pwrite":
        return str(os.pwrite(fd(a[0]), unhex(a[1]), int(a[2])))
    if op == "lseek":
        return str(os.lseek(fd(a[0]), int(a[1]), int(a[2])))
    if op == "fstat":
        return str(os.fstat(fd(a[0])).st_size)
    if op == "dump":
        f = os.open(path, os.O_RDONLY)
        try:
            chunks = []
            while True:
                b = os.read(f, 65536)
                if not b:
                    break
                chunks.append(b)
            return b"".join(chunks).hex() + " size " + str(os.stat(path).st_size)
        finally:
            os.close(f)
    raise ValueError(op)


for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    try:
        out.append("ok " + run(parts[0], parts[1:]))
    except OSError as e:
        out.append("err " + errno.errorcode.get(e.errno, str(e.errno)))
sys.stdout.write("\n".join(out) + "\n")
