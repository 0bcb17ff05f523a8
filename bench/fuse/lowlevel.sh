#!/usr/bin/env bash
# Issue 14's performance goals (docs/PERFORMANCE.md, section 5): a real process (bench/native/fsbench)
# on a RAM file system of the model served by the low-level FUSE host (`kernelops mount DIR
# --mount-fs TYPE`), and on the same workloads served by bench/native/ramfs_ll (a RAM file system in
# C on libfuse3's low-level API). Both mounted at once, same options (entry/attr timeouts 0, page
# cache for regular files, no writeback cache, multithreaded loop); after one unmeasured warm-up
# round, runs alternate and the median of ROUNDS is reported. Needs root, fuse3, libfuse3-dev, gcc.
#   bench/fuse/lowlevel.sh [ROUNDS] [MIB] [FILES] [FS_TYPE]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
rounds="${1:-5}" mib="${2:-64}" files="${3:-10000}" fstype="${4:-rust_ramfs}"
native="$(bash "$repo/bench/native/build.sh" "$(mktemp -d)")"
dotnet build -c Release "$repo/src/Tool/KernelOps.Tool.csproj" -v q -nologo >/dev/null
modules=()
if [ "$fstype" != ramfs ]; then
  dotnet build -c Release "$repo/samples/RamFs/RamFs.csproj" -v q -nologo >/dev/null
  modules=(--module "$repo/samples/RamFs/bin/Release/net10.0/RamFs.dll")
fi
# shellcheck source=mounts.sh
source "$repo/bench/fuse/mounts.sh"
dotnet "$repo/src/Tool/bin/Release/net10.0/kernelops.dll" mount "$work/kernelops" "${modules[@]}" --mount-fs "$fstype:/mnt/ram" >"$work/kernelops.log" 2>&1 &
pids+=($!)
"$native/ramfs_ll" "$work/c" -f >"$work/c.log" 2>&1 &
pids+=($!)
for m in kernelops c; do
  for _ in $(seq 200); do mountpoint -q "$work/$m" && break; sleep 0.1; done
  mountpoint -q "$work/$m" || { echo "lowlevel.sh: $m did not mount"; cat "$work/$m.log"; exit 1; }
done

# One unmeasured round first: the host's JIT compiles (and tier-1 recompiles) its hot paths during
# the first requests, on the same two CPUs; C has nothing to warm.
for m in kernelops c; do
  "$native/fsbench" "$work/$m" io "$mib" >/dev/null
  "$native/fsbench" "$work/$m" meta "$files" >/dev/null
done
declare -A samples=()
for r in $(seq "$rounds"); do
  for m in kernelops c; do
    while read -r phase secs rate; do samples[$m.$phase]+="$rate "; done < <("$native/fsbench" "$work/$m" io "$mib")
    while read -r phase secs rate; do samples[$m.$phase]+="$rate "; done < <("$native/fsbench" "$work/$m" meta "$files")
  done
done
median() { tr ' ' '\n' <<<"$1" | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

echo "# fsbench, median of $rounds alternating rounds; model fs: $fstype; $(nproc) CPUs"
echo "| workload | KernelOps host | C (ramfs_ll) | ratio |"
echo "|---|---:|---:|---:|"
for phase in write read create stat unlink total; do
  k="$(median "${samples[kernelops.$phase]}")" c="$(median "${samples[c.$phase]}")"
  case $phase in write|read) what="4 KiB sequential $phase of $mib MiB, MiB/s";; total) what="create+stat+unlink of $files files, ops/s";; *) what="$phase of $files files in one directory, ops/s";; esac
  echo "| $what | $k | $c | $(python3 -c "print('%.2f' % ($k / $c))") |"
done
