#!/usr/bin/env bash
# FUSE throughput (issue 7, docs/PERFORMANCE.md): fio on the RAM file served by the KernelOps FUSE
# host (samples/ProcRamFile --mount) and on the same RAM file written directly on libfuse3 in C
# (bench/native/ramfile_fuse.c), both mounted at once and measured job by job, alternating, in one run.
# Both: direct_io, multithreaded loop. Needs root (or fuse permissions), fuse3, libfuse3-dev, fio.
#   bench/fuse/run.sh [SECONDS_PER_JOB]
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
secs="${1:-3}"
command -v fio >/dev/null || { echo "run.sh: fio is missing (apt-get install -y fio)" >&2; exit 1; }
native="$(bash "$repo/bench/native/build.sh" "$(mktemp -d)")"
dotnet build -c Release "$repo/samples/ProcRamFile/ProcRamFile.csproj" -v q -nologo >/dev/null
# shellcheck source=mounts.sh
source "$repo/bench/fuse/mounts.sh"
dotnet "$repo/samples/ProcRamFile/bin/Release/net10.0/ProcRamFile.dll" --mount "$work/kernelops" >"$work/kernelops.log" 2>&1 &
pids+=($!)
"$native/ramfile_fuse" "$work/c" -f >"$work/c.log" 2>&1 &
pids+=($!)
for m in kernelops c; do
  for _ in $(seq 100); do [ -e "$work/$m/rust-proc-file" ] && break; sleep 0.1; done
  [ -e "$work/$m/rust-proc-file" ] || { echo "run.sh: $m did not mount"; cat "$work/$m.log"; exit 1; }
  dd if=/dev/zero of="$work/$m/rust-proc-file" bs=1M count=8 status=none
done

echo "# FUSE RAM file, fio psync, 1 job, ${secs}s per job, 8 MiB file; MB/s (MiB = 2^20 bytes)"
echo "| job | KernelOps host | C on libfuse3 | ratio |"
echo "|---|---:|---:|---:|"
for bs in 4k 1m; do
  for rw in read write randread randwrite; do
    declare -A mbs=()
    for m in kernelops c; do
      json="$(fio --name=j --filename="$work/$m/rust-proc-file" --rw=$rw --bs=$bs --size=8m \
        --ioengine=psync --direct=0 --fallocate=none --create_on_open=0 --file_service_type=normal \
        --time_based --runtime="$secs" --invalidate=0 --output-format=json 2>/dev/null)"
      mbs[$m]="$(python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; print("%.1f" % ((j["read"]["bw_bytes"]+j["write"]["bw_bytes"])/1048576))' <<<"$json")"
    done
    ratio="$(python3 -c "print('%.2f' % (${mbs[kernelops]}/${mbs[c]}))")"
    echo "| $rw $bs | ${mbs[kernelops]} | ${mbs[c]} | $ratio |"
  done
done
