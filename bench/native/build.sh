#!/usr/bin/env bash
# Builds the native parts of the benchmarks (docs/PERFORMANCE.md) into bench/native/out:
#   libkobench.so  the dispatch harness and the C RAM file (bench/KernelOps.Benchmarks loads it)
#   ramfile_fuse   the RAM file written directly on libfuse3 (bench/fuse/run.sh mounts it)
#   ramfs_ll       a RAM file system on libfuse3's low-level API (issue 14's C reference)
#   fsbench        the I/O and metadata workloads a real process runs on a mount (bench/fuse/lowlevel.sh)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:-$here/out}"
mkdir -p "$out"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -shared -fPIC -o "$out/libkobench.so" "$here/dispatch_harness.c" -lpthread
if pkg-config --exists fuse3 2>/dev/null; then
  gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out/ramfile_fuse" "$here/ramfile_fuse.c" $(pkg-config --cflags --libs fuse3) -lpthread
  gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out/ramfs_ll" "$here/ramfs_ll.c" $(pkg-config --cflags --libs fuse3) -lpthread
  gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out/fsbench" "$here/fsbench.c"
else
  echo "build.sh: libfuse3-dev is missing: ramfile_fuse and ramfs_ll not built" >&2
fi
echo "$out"
