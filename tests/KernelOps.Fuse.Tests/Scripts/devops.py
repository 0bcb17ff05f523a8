"""What the device tests ask of a real process on the mounted model's /dev.

usage: devops.py COMMAND PATH [ARG]
  read PATH N           one blocking read(2) of up to N bytes; prints what came (repr)
  nonblock PATH         one O_NONBLOCK read on an empty device; prints the errno name
  getinfo PATH          ioctl(PIPE_IOC_GETINFO): prints capacity used readers writers
  resize PATH N         ioctl(PIPE_IOC_RESIZE, N), then GETINFO
  getinfo-null PATH     ioctl(PIPE_IOC_GETINFO, NULL): prints the errno name
  select PATH MS        select(2) for reading with a timeout: prints readable or timeout
  write PATH N          one blocking write(2) of N bytes; prints how many were written
  write-nonblock PATH N the same on an O_NONBLOCK open; prints the count or the errno name
"""
import errno
import fcntl
import os
import select
import struct
import sys

IOC_WRITE, IOC_READ = 1, 2


def ioc(direction, typ, nr, size):
    return (direction << 30) | (size << 16) | (ord(typ) << 8) | nr


GETINFO = ioc(IOC_READ, 'p', 1, 16)
RESIZE = ioc(IOC_WRITE, 'p', 2, 4)


def info(fd):
    return ' '.join(str(v) for v in struct.unpack('IIii', fcntl.ioctl(fd, GETINFO, b'\0' * 16)))


def main():
    command, path = sys.argv[1], sys.argv[2]
    if command == 'read':
        fd = os.open(path, os.O_RDONLY)
        sys.stdout.write(repr(os.read(fd, int(sys.argv[3]))) + '\n')
    elif command == 'nonblock':
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            data = os.read(fd, 16)
            print('read', repr(data))
        except OSError as e:
            print(errno.errorcode[e.errno])
    elif command == 'getinfo':
        fd = os.open(path, os.O_RDONLY)
        print(info(fd))
    elif command == 'resize':
        fd = os.open(path, os.O_WRONLY)
        fcntl.ioctl(fd, RESIZE, struct.pack('I', int(sys.argv[3])))
        print(info(fd))
    elif command == 'getinfo-null':
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.ioctl(fd, GETINFO, 0)
            print('ok')
        except OSError as e:
            print(errno.errorcode[e.errno])
    elif command == 'select':
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        r, _, _ = select.select([fd], [], [], int(sys.argv[3]) / 1000)
        print('readable' if r else 'timeout')
    elif command in ('write', 'write-nonblock'):
        flags = os.O_WRONLY | (os.O_NONBLOCK if command == 'write-nonblock' else 0)
        fd = os.open(path, flags)
        try:
            print(os.write(fd, b'w' * int(sys.argv[3])))
        except OSError as e:
            print(errno.errorcode[e.errno])
    else:
        sys.exit('unknown command ' + command)
    sys.stdout.flush()


main()
