#!/usr/bin/env bash
# Issue 7, part 3 (docs/PERFORMANCE.md section 3): runs the generator twice in one cold SDK compile,
# as itself and as a copy built under another assembly name. The first pays for binding the handler
# types and for warming the compiler up (first calls, type loads, JIT); the second finds both done,
# so its /reportanalyzer time is the generator's own work (its own JIT included: it is another
# assembly). Usage: bench/generator-twice.sh [N] [--rounds R] (after
# `dotnet build -c Release bench/KernelOps.Benchmarks`).
set -euo pipefail
source "$(dirname "$0")/generator-common.sh" generator-twice
mkdir -p "$tmp/src/Generators"
(cd "$root/src/Generators" && tar cf - --exclude=./bin --exclude=./obj .) | (cd "$tmp/src/Generators" && tar xf -)
if ! dotnet build -c Release "$tmp/src/Generators" -p:AssemblyName=KernelOps.Generators.Second -o "$tmp/second" > "$tmp/build.log" 2>&1; then
    echo "generator-twice: building the renamed copy of src/Generators failed:" >&2
    tail -20 "$tmp/build.log" >&2
    exit 1
fi
dotnet "$bench/KernelOps.Benchmarks.dll" generator --csc --together \
    --analyzer "$bench/KernelOps.Generators.dll" --analyzer "$tmp/second/KernelOps.Generators.Second.dll" "$@"
