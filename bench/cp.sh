#!/usr/bin/env bash
# Benchmark of issue 4 (docker cp), printed side by side from one run:
#   `docker cp` of a 64 MiB file into and out of a running container on a local VCH (the tar is made and unpacked
#   by the tether inside the containerVM, streamed through its transfer disk)
#   the same against the process-container peer (Debian's podman with a Docker-compatible socket)
#   the same into and out of a created (not running) container, through a Files VM (CP_STOPPED=0 leaves it out)
#   a host `cp` of the same file (the floor)
# Usage: bench/cp.sh [RUNS] [MIB]   (needs scripts/build.sh first; run as root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
mib=${2:-64}
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
# A created (never started) container: its copies go through a throwaway Files VM booted on its disk, two boots per
# docker cp (the CLI's stat, then the copy), so these lines include that boot time.
s=$(DOCKER_HOST=$vch docker create busybox true)

peer=""
if [ -f ../shared/peers/podman-service.sh ]; then
  peer=$(bash ../shared/peers/podman-service.sh 2>/dev/null | tail -1) || peer=""
fi
if [ -n "$peer" ]; then
  DOCKER_HOST=$peer docker load -i "$root/busybox.tar" >/dev/null
  peer_c=$(DOCKER_HOST=$peer docker run -d busybox sleep 3600)
fi

src=$root/payload.bin
head -c $((mib << 20)) /dev/urandom > "$src"
mkdir -p "$root/out"

# Each command copies the file and removes the copy, so every run writes the whole file again.
cmds=("cp $src $root/out/host.bin && rm $root/out/host.bin"
      "DOCKER_HOST=$vch docker cp $src $c:/tmp/payload.bin"
      "DOCKER_HOST=$vch docker cp $c:/tmp/payload.bin $root/out/vic.bin && rm $root/out/vic.bin")
names=("host: cp" "vic: docker cp in" "vic: docker cp out")
DOCKER_HOST=$vch docker cp "$src" "$c:/tmp/payload.bin"
if [ "${CP_STOPPED:-1}" = 1 ]; then
  DOCKER_HOST=$vch docker cp "$src" "$s:/tmp/payload.bin"
  cmds+=("DOCKER_HOST=$vch docker cp $src $s:/tmp/payload.bin"
         "DOCKER_HOST=$vch docker cp $s:/tmp/payload.bin $root/out/vic-stopped.bin && rm $root/out/vic-stopped.bin")
  names+=("vic: cp in (stopped)" "vic: cp out (stopped)")
fi
if [ -n "$peer" ]; then
  DOCKER_HOST=$peer docker cp "$src" "$peer_c:/tmp/payload.bin"
  cmds+=("DOCKER_HOST=$peer docker cp $src $peer_c:/tmp/payload.bin"
         "DOCKER_HOST=$peer docker cp $peer_c:/tmp/payload.bin $root/out/podman.bin && rm $root/out/podman.bin")
  names+=("podman: docker cp in" "podman: docker cp out")
fi
json=$root/cp.json
args=(); for i in "${!cmds[@]}"; do args+=(-n "${names[$i]}" "${cmds[$i]}"); done
hyperfine --warmup 1 --runs "$runs" --export-json "$json" "${args[@]}" >/dev/null
# The copy out must be the bytes that went in.
DOCKER_HOST=$vch docker cp "$c:/tmp/payload.bin" "$root/out/check.bin"
cmp "$src" "$root/out/check.bin"
python3 - "$json" "$mib" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
mib = float(sys.argv[2])
rate = {x["command"]: mib * 1.048576 / x["median"] for x in r}
for x in r:
    print(f'{x["command"]:24s} median {x["median"]*1000:8.0f} ms   {rate[x["command"]]:8.1f} MB/s')
floor = rate["host: cp"]
for name in [n for n in ("vic: docker cp in", "vic: docker cp out", "vic: cp in (stopped)", "vic: cp out (stopped)") if n in rate]:
    line = f'{name}: {rate[name]/floor*100:5.1f}% of host cp'
    peer = name.replace("vic", "podman").replace("podman: cp in (stopped)", "podman: docker cp in").replace("podman: cp out (stopped)", "podman: docker cp out")
    if peer in rate:
        line += f', {rate[name]/rate[peer]:.2f}x podman'
    print(line)
PY
