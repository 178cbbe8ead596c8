#!/usr/bin/env bash
# Benchmark of issue 2, printed side by side from one run:
#   (a) `docker run --rm busybox true` end to end through the docker CLI against a local VCH
#   (b) the floor: the same QEMU command line the VCH uses (same kernel, initramfs, disk chain, process `true`),
#       booted and powered off directly, without the VCH
#   (c) for context, the same docker run against a process-container peer (podman), when available
# and the host memory (PSS) of one idle containerVM with default settings.
# Usage: bench/docker-run.sh [RUNS]   (needs scripts/build.sh first; run as root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-10}
root=$(mktemp -d /tmp/vic-bench.XXXXXX)
export VIC_HOME=$root
machine=out/machine/vic-machine
cleanup() { $machine delete --name bench --force >/dev/null 2>&1 || true; rm -rf "$root"; }
trap cleanup EXIT

$machine create --name bench --endpoint-port 0 >/dev/null
export DOCKER_HOST=unix://$root/bench/docker.sock
bash scripts/make-busybox-image.sh "$root/busybox.tar" busybox:latest >/dev/null
docker load -i "$root/busybox.tar" >/dev/null
docker run --rm busybox true   # warm-up: first use of the image's layer

# The floor: copy the QEMU command line of a real containerVM and replay it for `true` without the VCH.
id=$(docker run -d busybox sleep 30)
pid=$(pgrep -f "containers/$id" | head -1)
sleep 3
pss_kib=$(awk '/^Pss:/ {print $2}' /proc/$pid/smaps_rollup)
floor=$root/floor; mkdir -p "$floor"
python3 - "$pid" "$floor" "$root/bench/datastore/containers/$id" <<'PY'
import json, sys, shlex, os
pid, floor, cdir = sys.argv[1], sys.argv[2], sys.argv[3]
args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[:-1]
args = [a.decode() for a in args]
spec = json.load(open(os.path.join(cdir, "spec.json")))
spec["Process"]["Args"] = ["true"]
spec["Process"]["OpenStdin"] = False
json.dump(spec, open(os.path.join(floor, "spec.json"), "w"))
out, skip = [], 0
for i, a in enumerate(args):
    if skip: skip -= 1; continue
    if a in ("-daemonize",): continue
    if a in ("-pidfile", "-qmp"): skip = 1; continue
    a = a.replace(os.path.join(cdir, "spec.json"), os.path.join(floor, "spec.json"))
    a = a.replace(os.path.join(cdir, "disk.qcow2"), os.path.join(floor, "disk.qcow2"))
    a = a.replace(os.path.join(cdir, "output.log"), os.path.join(floor, "output.log"))
    a = a.replace(os.path.join(cdir, "console.log"), os.path.join(floor, "console.log"))
    out.append(a)
# the control channel is not needed for `true`
i = 0; final = []
while i < len(out):
    if out[i] == "-chardev" and out[i+1].startswith("socket,id=vctl"): i += 2; continue
    if out[i] == "-device" and "chardev=vctl" in out[i+1]: i += 2; continue
    final.append(out[i]); i += 1
open(os.path.join(floor, "boot.sh"), "w").write("cd %s && exec %s\n" % (shlex.quote(floor), " ".join(shlex.quote(a) for a in final)))
PY
backing=$(qemu-img info -U --output=json "$root/bench/datastore/containers/$id/disk.qcow2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["full-backing-filename"])')
qemu-img create -q -f qcow2 -F qcow2 -b "$backing" "$floor/disk.qcow2"
docker rm -f "$id" >/dev/null

echo "== (a) docker run --rm busybox true, through the CLI, $runs runs"
hyperfine --runs "$runs" --warmup 1 --export-json "$root/a.json" 'docker run --rm busybox true' >/dev/null
echo "== (b) the same containerVM booted by hand (the floor)"
hyperfine --runs "$runs" --warmup 1 --export-json "$root/b.json" "bash $floor/boot.sh" >/dev/null
peer=""
if [ -x ../shared/peers/podman-service.sh ] || [ -x /work/shared/peers/podman-service.sh ]; then
  script=$( [ -x ../shared/peers/podman-service.sh ] && echo ../shared/peers/podman-service.sh || echo /work/shared/peers/podman-service.sh )
  if peer_host=$(bash "$script" 2>/dev/null); then
    if DOCKER_HOST=$peer_host docker load -i "$root/busybox.tar" >/dev/null 2>&1; then
      echo "== (c) docker run --rm busybox true against podman (process containers, for context)"
      DOCKER_HOST=$peer_host hyperfine --runs "$runs" --warmup 1 --export-json "$root/c.json" 'docker run --rm busybox true' >/dev/null && peer=$root/c.json
    fi
  fi
fi
python3 - "$root/a.json" "$root/b.json" "$peer" "$pss_kib" <<'PY'
import json, sys
def stats(p):
    r = json.load(open(p))["results"][0]
    return r["median"], r["min"], r["max"]
a, b = stats(sys.argv[1]), stats(sys.argv[2])
print()
print(f"{'measure':<52} {'median':>9} {'min':>9} {'max':>9}")
print(f"{'(a) docker run --rm busybox true (VCH, CLI)':<52} {a[0]:>8.3f}s {a[1]:>8.3f}s {a[2]:>8.3f}s")
print(f"{'(b) bare qemu boot + power-off, same VM (floor)':<52} {b[0]:>8.3f}s {b[1]:>8.3f}s {b[2]:>8.3f}s")
if sys.argv[3]:
    c = stats(sys.argv[3])
    print(f"{'(c) docker run --rm busybox true (podman peer)':<52} {c[0]:>8.3f}s {c[1]:>8.3f}s {c[2]:>8.3f}s")
print(f"ratio a/b (median): {a[0]/b[0]:.2f}   target <= 1.30")
print(f"idle containerVM host memory (PSS): {int(sys.argv[4])/1024:.1f} MiB   target <= 80 MiB")
PY
