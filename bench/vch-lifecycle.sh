#!/usr/bin/env bash
# Benchmark of issue 7 (vic-machine and vicadmin), printed with the issue's targets beside the figures:
#   `vic-machine create` to a ready endpoint (the Docker API answering; warm container base), and `delete`: wall time
#     over RUNS runs each (hyperfine: min / median / max)
#   the VCH daemon's idle resident memory (VmRSS) with 0 containers, with 0 and vicadmin off, and with 20 running containers
# Usage: bench/vch-lifecycle.sh [RUNS] [CONTAINERS]   (default 5 and 20; needs scripts/build.sh first; run as root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
count=${2:-20}
root=$(mktemp -d /tmp/vic-bench.XXXXXX)
export VIC_HOME=$root
machine=$PWD/out/machine/vic-machine
cleanup() {
  for n in bench idle noadmin; do $machine delete --name $n --force >/dev/null 2>&1 || true; done
  rm -rf "$root"
}
trap cleanup EXIT

# Port 0 for both endpoints: other VCHs on this host may hold 2376 and 2378.
create="$machine create --name bench --endpoint-port 0 --admin-port 0"
delete="$machine delete --name bench --force"
json=$root/lifecycle.json
# A shell runs each command (a few ms against seconds); "|| true" because the first create has nothing to delete.
hyperfine --runs "$runs" --export-json "$json.create" --prepare "$delete >/dev/null 2>&1 || true" -n create "$create" >/dev/null
$delete >/dev/null 2>&1 || true
hyperfine --runs "$runs" --export-json "$json.delete" --prepare "$create >/dev/null 2>&1" -n delete "$delete" >/dev/null

rss() { awk '/^VmRSS/ {printf "%.1f", $2/1024}' "/proc/$(cat "$root/$1/vch.pid")/status"; }

$machine create --name noadmin --endpoint-port 0 --no-admin >/dev/null 2>&1
sleep 5
rss_noadmin=$(rss noadmin)
$machine delete --name noadmin --force >/dev/null 2>&1

$machine create --name idle --endpoint-port 0 --admin-port 0 >/dev/null 2>&1
export DOCKER_HOST=unix://$root/idle/docker.sock
bash scripts/make-busybox-image.sh "$root/busybox.tar" busybox:latest >/dev/null
docker load -i "$root/busybox.tar" >/dev/null
sleep 5
rss_0=$(rss idle)
for i in $(seq 1 "$count"); do docker run -d --name "idle-$i" busybox sleep 3600 >/dev/null; done
running=$(docker ps -q | wc -l)
sleep 10
rss_n=$(rss idle)

python3 - "$json" "$rss_0" "$rss_noadmin" "$rss_n" "$count" "$running" <<'PY'
import json, sys
base, rss0, rss_noadmin, rssn, count, running = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5], sys.argv[6]
for what, target in (("create", "target <= 10 s"), ("delete", "")):
    r = json.load(open(f"{base}.{what}"))["results"][0]
    t = r["times"]
    print(f'vic-machine {what:7s} min {min(t):6.2f} s   median {r["median"]:6.2f} s   max {max(t):6.2f} s   ({len(t)} runs)   {target}')
print(f'VCH daemon idle RSS, 0 containers:              {rss0:7.1f} MiB   target <= 150 MiB')
print(f'VCH daemon idle RSS, 0 containers, --no-admin:  {rss_noadmin:7.1f} MiB   (vicadmin costs {rss0 - rss_noadmin:+.1f} MiB)')
print(f'VCH daemon idle RSS, {count} containers ({running} running): {rssn:7.1f} MiB   target <= 150 MiB')
PY
