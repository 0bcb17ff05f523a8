"""N threads of one process each open PATH and block in one read(2); prints what each got.

usage: readers.py PATH N
  prints "opened N" once every thread has opened the file, then, when all reads are done, one line
  per distinct outcome: "COUNT got DATA" or "COUNT errno NAME".
"""
import collections
import errno
import os
import sys
import threading

path, n = sys.argv[1], int(sys.argv[2])
threading.stack_size(256 * 1024)
outcomes = collections.Counter()
lock = threading.Lock()
opened = threading.Semaphore(0)


def reader():
    fd = os.open(path, os.O_RDONLY)
    opened.release()
    try:
        data = os.read(fd, 100)
        result = 'got ' + data.decode()
    except OSError as e:
        result = 'errno ' + errno.errorcode[e.errno]
    try:
        os.close(fd)
    except OSError:
        pass  # an aborted connection fails the close's flush too: the read's outcome is what counts
    with lock:
        outcomes[result] += 1


threads = [threading.Thread(target=reader) for _ in range(n)]
for t in threads:
    t.start()
for _ in range(n):
    opened.acquire()
print('opened', n, flush=True)
for t in threads:
    t.join()
for result, count in sorted(outcomes.items()):
    print(count, result)
