#!/usr/bin/env bash
# Benchmark of issue 4 (exec), printed side by side from one run:
#   `docker exec <c> true` latency against a local VCH (the process starts inside a running containerVM)
#   the same against the process-container peer (Debian's podman with a Docker-compatible socket)
# Usage: bench/exec.sh [RUNS]   (needs scripts/build.sh first; run as root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
root=$(mktemp -d /tmp/vic-bench.XXXXXX)
export VIC_HOME=$root
machine=out/machine/vic-machine
cleanup() { $machine delete --name bench --force >/dev/null 2>&1 || true; [ -n "${peer_c:-}" ] && DOCKER_HOST=$peer docker rm -f "$peer_c" >/dev/null 2>&1; rm -rf "$root"; }
trap cleanup EXIT

$machine create --name bench --endpoint-port 0 >/dev/null
vch=unix://$root/bench/docker.sock
bash scripts/make-busybox-image.sh "$root/busybox.tar" busybox:latest >/dev/null
DOCKER_HOST=$vch docker load -i "$root/busybox.tar" >/dev/null
c=$(DOCKER_HOST=$vch docker run -d busybox sleep 3600)

peer=""
if [ -x ../shared/peers/podman-service.sh ] || [ -f ../shared/peers/podman-service.sh ]; then
  peer=$(bash ../shared/peers/podman-service.sh 2>/dev/null | tail -1) || peer=""
fi
if [ -n "$peer" ]; then
  DOCKER_HOST=$peer docker load -i "$root/busybox.tar" >/dev/null
  peer_c=$(DOCKER_HOST=$peer docker run -d busybox sleep 3600)
fi

json=$root/exec.json
cmds=("DOCKER_HOST=$vch docker exec $c true")
names=("vic: docker exec true")
if [ -n "$peer" ]; then cmds+=("DOCKER_HOST=$peer docker exec $peer_c true"); names+=("podman: docker exec true"); fi
args=(); for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine -N --warmup 3 --runs "$runs" --export-json "$json" "${args[@]}" >/dev/null 2>&1 || hyperfine --warmup 3 --runs "$runs" --export-json "$json" "${args[@]}" >/dev/null
python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
med = {x["command"]: x["median"] for x in r}
for x in r:
    print(f'{x["command"]:28s} median {x["median"]*1000:8.1f} ms   mean {x["mean"]*1000:8.1f} ms ± {x["stddev"]*1000:.1f}')
names = list(med)
if len(names) == 2:
    print(f'ratio vic/podman (median): {med[names[0]]/med[names[1]]:.2f}   (target <= 2.0)')
PY
