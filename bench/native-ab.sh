#!/usr/bin/env bash
# Issue 7, part 1 (docs/PERFORMANCE.md 1.3): before/after comparisons of the native dispatch
# harness. Runs `native --rounds 21` of each given KernelOps.Benchmarks.dll in turn, RUNS times,
# and prints per build the medians over the runs of a (ns/op) and of the ratios its table has, at
# 64 B and 4 KiB. Each DLL must sit in a checkout (the harness builds bench/native from there).
#   bench/native-ab.sh RUNS BEFORE.dll AFTER.dll...
set -euo pipefail
if [ $# -lt 2 ]; then echo "usage: bench/native-ab.sh RUNS BENCHMARKS.dll..." >&2; exit 2; fi
for dll in "${@:2}"; do [ -f "$dll" ] || { echo "native-ab: $dll does not exist" >&2; exit 2; }; done
runs=$1; shift
out=$(mktemp -d)
for i in $(seq 1 "$runs"); do
  k=0
  for dll in "$@"; do k=$((k+1)); dotnet "$dll" native --rounds 21 > "$out/$k.$i"; done
done
python3 - "$out" "$runs" "$#" <<'PY'
import sys, statistics
out, runs, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def rows(path):
    hdr=None; r={}
    for line in open(path):
        c=[x.strip() for x in line.strip().strip('|').split('|')]
        if c[0]=='op': hdr=c; continue
        if hdr and c[0] in ('read','write'):
            d={}
            for h,v in zip(hdr,c):
                try: d[h]=float(v.split()[0])
                except: pass
            r[(c[0],c[1])]=d
    return r
for k in range(1,n+1):
    data=[rows(f"{out}/{k}.{i}") for i in range(1,runs+1)]
    line=[]
    for op in ('read','write'):
        for size in ('64 B','4 KiB'):
            keys=data[0][(op,size)].keys()
            a=statistics.median(d[(op,size)]['a generated'] for d in data)
            parts=[f"a={a:.1f}"]
            for ratio in ('a/b','a/b0','c/a'):
                if ratio in keys: parts.append(f"{ratio}={statistics.median(d[(op,size)][ratio] for d in data):.2f}")
            line.append(f"{op} {size}: "+' '.join(parts))
    print(f"build {k}:", ' | '.join(line))
PY
echo "raw tables: $out"
