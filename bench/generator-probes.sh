#!/usr/bin/env bash
# Issue 7, part 3 (docs/PERFORMANCE.md section 3): how much of the generator's cold time in the SDK
# compiler any semantic generator pays. Builds the two stand-ins of GeneratorProbes.cs as compiler
# generators (bench/probes) and runs `generator --csc` with three analyzers, each in its own cold
# compiles: the probe that only finds the handler types (ForAttributeWithMetadataName on the three
# kind attributes), the probe that also binds what discovery reads (members, their attributes and
# signatures), and the OpsTableGenerator. Usage: bench/generator-probes.sh [N] [--rounds R] (after
# `dotnet build -c Release bench/KernelOps.Benchmarks`).
set -euo pipefail
source "$(dirname "$0")/generator-common.sh" generator-probes
cp "$root/bench/probes/CscProbes.cs" "$root/bench/KernelOps.Benchmarks/GeneratorProbes.cs" "$tmp/"
cp "$root/bench/probes/Probe.csproj.template" "$tmp/Probe.csproj"
for probe in Attributes Binding; do
    defines=""
    [ "$probe" = Binding ] && defines="-p:DefineConstants=PROBE_WITH_BINDING"
    if ! dotnet build -c Release "$tmp/Probe.csproj" -p:AssemblyName=KernelOps.Probe.$probe $defines -o "$tmp/$probe" > "$tmp/build-$probe.log" 2>&1; then
        echo "generator-probes: building the $probe probe failed:" >&2
        tail -20 "$tmp/build-$probe.log" >&2
        exit 1
    fi
    rm -rf "$tmp/obj" "$tmp/bin"
done
dotnet "$bench/KernelOps.Benchmarks.dll" generator --csc \
    --analyzer "$tmp/Attributes/KernelOps.Probe.Attributes.dll" --analyzer "$tmp/Binding/KernelOps.Probe.Binding.dll" \
    --analyzer "$bench/KernelOps.Generators.dll" "$@"
