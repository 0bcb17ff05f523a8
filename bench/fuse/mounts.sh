# Sourced by bench/fuse/*.sh: a work directory with two mount points (kernelops, c), the server
# pids to stop, and a trap that unmounts both, stops the servers and removes the directory.
work="$(mktemp -d)"
mkdir -p "$work/kernelops" "$work/c"
pids=()
cleanup() {
  for m in "$work/kernelops" "$work/c"; do fusermount3 -u "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true; done
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
