# Sourced by bench/generator-twice.sh and bench/generator-probes.sh (after `set -euo pipefail`):
# sets root, bench (the built benchmark) and tmp (a scratch folder removed on exit, holding the
# repository's build settings so a project copied into it builds as it does here).
# $1: the calling script's name, for messages.
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bench="$root/bench/KernelOps.Benchmarks/bin/Release/net10.0"
if [ ! -f "$bench/KernelOps.Benchmarks.dll" ] || [ ! -f "$bench/KernelOps.Generators.dll" ]; then
    echo "$1: $bench has no KernelOps.Benchmarks.dll or KernelOps.Generators.dll; run: dotnet build -c Release bench/KernelOps.Benchmarks" >&2
    exit 2
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp "$root/Directory.Build.props" "$root/global.json" "$tmp/"
