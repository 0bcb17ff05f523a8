#!/usr/bin/env bash
# Issue 7, part 3 (docs/PERFORMANCE.md section 3): runs the generator twice in one cold SDK compile,
# as itself and as a copy built under another assembly name. The first pays for binding the handler
# types and for warming the compiler up (first calls, type loads, JIT); the second finds both done,
# so its /reportanalyzer time is the generator's own work (its own JIT included: it is another
# assembly). Usage: bench/generator-twice.sh [N] [--rounds R] (after
# `dotnet build -c Release bench/KernelOps.Benchmarks`).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench="$root/bench/KernelOps.Benchmarks/bin/Release/net10.0"
if [ ! -f "$bench/KernelOps.Benchmarks.dll" ] || [ ! -f "$bench/KernelOps.Generators.dll" ]; then
    echo "generator-twice: $bench has no KernelOps.Benchmarks.dll or KernelOps.Generators.dll; run: dotnet build -c Release bench/KernelOps.Benchmarks" >&2
    exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src/Generators"
cp "$root/Directory.Build.props" "$root/global.json" "$tmp/"
(cd "$root/src/Generators" && tar cf - --exclude=./bin --exclude=./obj .) | (cd "$tmp/src/Generators" && tar xf -)
if ! dotnet build -c Release "$tmp/src/Generators" -p:AssemblyName=KernelOps.Generators.Second -o "$tmp/second" > "$tmp/build.log" 2>&1; then
    echo "generator-twice: building the renamed copy of src/Generators failed:" >&2
    tail -20 "$tmp/build.log" >&2
    exit 1
fi
dotnet "$bench/KernelOps.Benchmarks.dll" generator --csc --together \
    --analyzer "$bench/KernelOps.Generators.dll" --analyzer "$tmp/second/KernelOps.Generators.Second.dll" "$@"
