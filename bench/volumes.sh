#!/usr/bin/env bash
# Benchmark of issue 6, printed side by side from one run: sequential write and read of SIZE_MIB (default 1024)
# and FILES (default 10000) small-file creates, inside a containerVM on its root disk, on a named volume and on a
# bind mount, on the host filesystem (the floor), and the same three in a process container of the podman peer
# (Debian's podman with a Docker-compatible socket, ../shared/peers/podman-service.sh; skipped when absent). Writes end with fsync; reads start with cold caches
# (drop_caches in the guest; on the host for the host and bind runs).
# Usage: bench/volumes.sh [SIZE_MIB] [FILES]   (needs scripts/build.sh first; run as root)
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1024}; files=${2:-10000}
root=$(mktemp -d /tmp/vic-bench.XXXXXX)
export VIC_HOME=$root
machine=out/machine/vic-machine
peer=""
cleanup() {
  $machine delete --name benchvol --force >/dev/null 2>&1 || true
  if [ -n "$peer" ]; then DOCKER_HOST=$peer docker volume rm -f benchvol-peer >/dev/null 2>&1 || true; fi
  rm -rf "$root"
}
trap cleanup EXIT

$machine create --name benchvol --endpoint-port 0 >/dev/null
export DOCKER_HOST=unix://$root/benchvol/docker.sock
bash scripts/make-busybox-image.sh "$root/busybox.tar" busybox:latest >/dev/null
docker load -i "$root/busybox.tar" >/dev/null
docker volume create --opt Capacity=$((size * 2))MB benchvol >/dev/null
mkdir -p "$root/bind" "$root/host"

# One shell script for every place: prints "write_s read_s files_s" (seconds, from the guest's or host's clock).
cat > "$root/io.sh" <<'SH'
dir=$1; size=$2; files=$3; mkdir -p $dir
now() { cut -d' ' -f1 /proc/uptime; }  # 10 ms resolution, in the guest and on the host
t0=$(now); dd if=/dev/zero of=$dir/big bs=1M count=$size conv=fsync 2>/dev/null; t1=$(now)
sync; echo 3 > /proc/sys/vm/drop_caches 2>/dev/null || true
t2=$(now); dd if=$dir/big of=/dev/null bs=1M 2>/dev/null; t3=$(now)
rm -f $dir/big; mkdir -p $dir/small
t4=$(now); i=0; while [ $i -lt $files ]; do : > $dir/small/f$i; i=$((i+1)); done; sync; t5=$(now)
rm -rf $dir/small
echo "$t0 $t1 $t2 $t3 $t4 $t5" | awk '{printf "%.2f %.2f %.2f\n", $2-$1, $4-$3, $6-$5}'
SH
guest() { # guest DIR [docker run options...]
  local dir=$1; shift
  docker run --rm "$@" busybox sh -c "$(cat "$root/io.sh")" sh "$dir" "$size" "$files"
}
report() { # place write_s read_s files_s
  awk -v p="$1" -v w="$2" -v r="$3" -v f="$4" -v s="$size" -v n="$files" \
    'BEGIN { printf "%-22s write %7.1f MiB/s   read %7.1f MiB/s   creates %8.0f files/s\n", p, s/w, s/r, n/f }'
}
echo "vic volumes benchmark: ${size} MiB sequential, ${files} small files ($(nproc) cores, $(out/machine/vic-machine version 2>/dev/null | head -1))"
report "host filesystem" $(sh "$root/io.sh" "$root/host" "$size" "$files")
report "containerVM root disk" $(guest /bench)
report "containerVM volume" $(guest /v -v benchvol:/v)
report "containerVM bind mount" $(guest /b -v "$root/bind:/b")

if [ -f ../shared/peers/podman-service.sh ]; then
  peer=$(bash ../shared/peers/podman-service.sh 2>/dev/null | tail -1) || peer=""
fi
if [ -n "$peer" ]; then
  DOCKER_HOST=$peer docker load -i "$root/busybox.tar" >/dev/null
  DOCKER_HOST=$peer docker volume create benchvol-peer >/dev/null
  mkdir -p "$root/peer-bind"
  # --privileged: the guest script drops the page cache before reading, as it does in the VM.
  peer_run() { local dir=$1; shift; DOCKER_HOST=$peer docker run --rm --privileged "$@" busybox sh -c "$(cat "$root/io.sh")" sh "$dir" "$size" "$files"; }
  report "podman root fs" $(peer_run /bench)
  report "podman volume" $(peer_run /v -v benchvol-peer:/v)
  report "podman bind mount" $(peer_run /b -v "$root/peer-bind:/b")
else
  echo "podman peer: not available (../shared/peers/podman-service.sh)"
fi
