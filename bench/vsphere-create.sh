#!/usr/bin/env bash
# docker create + docker start of N (default 50) containers in parallel against a vic-vch whose backend is the
# vCenter simulator (tools/vcsim, loopback only), with total and per-call latency (min/median/max), printed beside
#   - a baseline from the same run: N bare CreateVM_Task + PowerOnVM_Task pairs in parallel through our SOAP client
#     against the same simulator (so the VCH's own overhead shows), and
#   - VIC's published reference: about 4 s for 50 parallel creates on ESXi (other hardware, a real hypervisor: a
#     reference, not a comparison).
# Needs scripts/build.sh to have run (out/vcsim/vcsim, out/vch/vic-vch) and the docker CLI. The simulator boots no
# guest: the image is loaded with its layer-applier VMs powered off by a helper playing the guest.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-50}
for f in out/vcsim/vcsim out/vch/vic-vch; do [ -x "$f" ] || { echo "vsphere-create.sh: $f missing: run scripts/build.sh" >&2; exit 1; }; done
work=$(mktemp -d /tmp/vic-bench-vs.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  exec {sim_in}>&- 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "==> building the baseline helper"
dotnet build bench/VsphereBaseline -c Release -nologo -v q -clp:ErrorsOnly -o "$work/helper" >/dev/null
helper="$work/helper/VsphereBaseline"

echo "==> starting the simulator"
mkfifo "$work/sim.in"
out/vcsim/vcsim <"$work/sim.in" >"$work/sim.json" 2>"$work/sim.log" &
pids+=($!)
exec {sim_in}>"$work/sim.in" # vcsim exits when this closes
for _ in $(seq 100); do [ -s "$work/sim.json" ] && break; sleep 0.2; done
read -r url user pass thumb dc ds <<<"$(python3 -c '
import json,sys; d=json.load(open(sys.argv[1]))
print(d["url"], d["username"], d["password"], d["thumbprint"], d["datacenter"], d["datastore"].rsplit("/",1)[1])' "$work/sim.json")"
export VIC_VSPHERE_PASSWORD=$pass
host=${url%/sdk}
# The container base as vic-machine would upload it (a placeholder: the simulator boots nothing).
curl -sfk -X PUT --data-binary "placeholder" "$host/folder/vic-base/container-base.iso?dcPath=${dc#/}&dsName=$ds"
printf '6.1.0-bench\n' | curl -sfk -X PUT --data-binary @- "$host/folder/vic-base/kernel-release?dcPath=${dc#/}&dsName=$ds"

echo "==> starting vic-vch on the simulator"
"$helper" play-appliers "$url" "$user" "$thumb" < <(sleep 100000) &
pids+=($!)
export DOCKER_HOST="unix://$work/docker.sock" DOCKER_CONFIG="$work/.docker"
out/vch/vic-vch --name bench --socket "$work/docker.sock" --datastore "$work/local" --target "$host$dc" --thumbprint "$thumb" \
  --user "$user" --image-store "$ds/vch" --bridge-network "VM Network" --container-base "[$ds] vic-base" >"$work/vch.log" 2>&1 &
pids+=($!)
for _ in $(seq 240); do docker version >/dev/null 2>&1 && break; sleep 0.5; done
docker version >/dev/null || { cat "$work/vch.log"; exit 1; }
bash scripts/make-busybox-image.sh "$work/busybox.tar" busybox:latest >/dev/null
docker load -i "$work/busybox.tar" >/dev/null

now_ms() { date +%s%3N; }
one() {
  local t0 t1 t2 id
  t0=$(now_ms)
  id=$(docker create busybox sleep 1000)
  t1=$(now_ms)
  docker start "$id" >/dev/null
  t2=$(now_ms)
  echo "$((t1 - t0)) $((t2 - t1)) $((t2 - t0))"
}
echo "==> $N x (docker create + docker start) in parallel"
start=$(now_ms)
calls=()
for i in $(seq "$N"); do one >"$work/call.$i" & calls+=($!); done
wait "${calls[@]}"
total=$(( $(now_ms) - start ))
running=$(docker ps -q | wc -l)

echo "==> baseline: $N x (CreateVM_Task + PowerOnVM_Task) in parallel, bare client"
"$helper" baseline "$url" "$user" "$thumb" "$N" "$ds" >"$work/baseline" 2>"$work/baseline.err"
btotal=$(awk '/baseline total/ {print $3}' "$work/baseline.err")

stats() { sort -n | awk '{a[NR]=$1} END {printf "min %6.0f  median %6.0f  max %6.0f", a[1], (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2), a[NR]}'; }
echo
printf '%-44s %s\n' "what (ms)" "per call"
printf '%-44s %s\n' "vic-vch: docker create" "$(cat "$work"/call.* | awk '{print $1}' | stats)"
printf '%-44s %s\n' "vic-vch: docker start" "$(cat "$work"/call.* | awk '{print $2}' | stats)"
printf '%-44s %s\n' "vic-vch: create + start" "$(cat "$work"/call.* | awk '{print $3}' | stats)"
printf '%-44s %s\n' "baseline: CreateVM_Task + PowerOnVM_Task" "$(stats <"$work/baseline")"
echo
printf '%-44s %6d ms (%d containers running)\n' "vic-vch: $N parallel create+start, total" "$total" "$running"
printf '%-44s %6d ms\n' "baseline: $N parallel bare pairs, total" "$btotal"
printf '%-44s %6d ms (VIC on ESXi, published; other hardware)\n' "reference: 50 parallel creates" 4000
