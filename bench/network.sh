#!/usr/bin/env bash
# Benchmark of issue 5 (networking), printed side by side from one run, TCP throughput of:
#   floor:  host loopback, busybox nc to busybox nc
#   vic:    container -> container on one bridge network, and host -> container through a published port
#   podman: the same two paths between process containers of the peer (Debian's podman), when available
# Each transfer is timed on the host from the first byte sent until the receiver reports every byte counted
# (polled with `docker exec`, ~0.1 s each), so nothing still sitting in socket buffers is counted as delivered.
# Every path uses busybox nc at both ends (the only tool inside busybox containers), so the floor is busybox nc's
# own loopback rate and the ratios compare like with like.
# Usage: bench/network.sh [MB]   (default 64; needs scripts/build.sh first; run as root)
set -euo pipefail
cd "$(dirname "$0")/.."
mb=${1:-64}
root=$(mktemp -d /tmp/vic-bench.XXXXXX)
export VIC_HOME=$root
machine=out/machine/vic-machine
peer=""
cleanup() {
  $machine delete --name bench --force >/dev/null 2>&1 || true
  [ -n "$peer" ] && DOCKER_HOST=$peer docker rm -f bsrv bcli >/dev/null 2>&1
  pkill -f "busybox nc -l -p 5998" 2>/dev/null || true
  pkill -f "nc -l -p 5998" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
count=$((mb * 16))   # 64 KiB blocks
bytes=$((count * 65536))
rate() { echo "scale=1; $mb / $1" | bc -l; }
now() { date +%s.%N; }
# nc ends when its stdin ends: the listener reads a FIFO opened read-write, which never ends and never sends.
serve='mkfifo /tmp/f; while true; do nc -l -p 5001 <>/tmp/f | wc -c > /tmp/n.tmp; mv /tmp/n.tmp /tmp/n; done'
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# timed SENDER_CMD... ; RECEIVED_CMD prints the receiver's last count. Prints seconds until the receiver has it all.
timed() {
  local received=$1; shift
  local s e
  s=$(now)
  "$@" >/dev/null 2>&1
  until [ "$(eval "$received" 2>/dev/null)" = "$bytes" ]; do
    if [ "$(echo "$(now) - $s > 300" | bc)" = 1 ]; then echo "transfer not delivered: $*" >&2; exit 1; fi
    sleep 0.05
  done
  e=$(now)
  echo "$e - $s" | bc -l
}

# Floor: host loopback.
rm -f "$root/n"; mkfifo "$root/f"
(sh -c "busybox nc -l -p 5998 <>$root/f | wc -c > $root/n" &); sleep 0.3
floor=$(timed "cat $root/n" sh -c "dd if=/dev/zero bs=65536 count=$count 2>/dev/null | busybox nc 127.0.0.1 5998")

$machine create --name bench --endpoint-port 0 >/dev/null 2>&1
vch=unix://$root/bench/docker.sock
bash scripts/make-busybox-image.sh "$root/busybox.tar" busybox:latest >/dev/null
DOCKER_HOST=$vch docker load -i "$root/busybox.tar" >/dev/null
DOCKER_HOST=$vch docker network create bench >/dev/null
port=$(free_port)
DOCKER_HOST=$vch docker run -d --name bsrv --network bench -p 127.0.0.1:$port:5001 busybox sh -c "$serve" >/dev/null
DOCKER_HOST=$vch docker run -d --name bcli --network bench busybox sleep 3600 >/dev/null
sleep 2
got="DOCKER_HOST=$vch docker exec bsrv cat /tmp/n"
DOCKER_HOST=$vch docker exec bsrv rm -f /tmp/n
vic_c2c=$(timed "$got" env DOCKER_HOST=$vch docker exec bcli sh -c "dd if=/dev/zero bs=65536 count=$count 2>/dev/null | nc bsrv 5001")
DOCKER_HOST=$vch docker exec bsrv rm -f /tmp/n
vic_pub=$(timed "$got" sh -c "dd if=/dev/zero bs=65536 count=$count 2>/dev/null | busybox nc 127.0.0.1 $port")

if [ -f ../shared/peers/podman-service.sh ]; then peer=$(bash ../shared/peers/podman-service.sh 2>/dev/null | tail -1) || peer=""; fi
if [ -n "$peer" ]; then
  DOCKER_HOST=$peer docker load -i "$root/busybox.tar" >/dev/null
  pport=$(free_port)
  DOCKER_HOST=$peer docker run -d --name bsrv -p 127.0.0.1:$pport:5001 busybox sh -c "$serve" >/dev/null
  DOCKER_HOST=$peer docker run -d --name bcli busybox sleep 3600 >/dev/null
  sleep 2
  srv_ip=$(DOCKER_HOST=$peer docker inspect -f '{{.NetworkSettings.IPAddress}}' bsrv)
  pgot="DOCKER_HOST=$peer docker exec bsrv cat /tmp/n"
  DOCKER_HOST=$peer docker exec bsrv rm -f /tmp/n
  pod_c2c=$(timed "$pgot" env DOCKER_HOST=$peer docker exec bcli sh -c "dd if=/dev/zero bs=65536 count=$count 2>/dev/null | nc $srv_ip 5001")
  DOCKER_HOST=$peer docker exec bsrv rm -f /tmp/n
  pod_pub=$(timed "$pgot" sh -c "dd if=/dev/zero bs=65536 count=$count 2>/dev/null | busybox nc 127.0.0.1 $pport")
fi

printf '%-44s %10s\n' "path ($mb MB)" "MB/s"
printf '%-44s %10s\n' "floor: host loopback" "$(rate "$floor")"
printf '%-44s %10s\n' "vic: container -> container (one network)" "$(rate "$vic_c2c")"
printf '%-44s %10s\n' "vic: host -> published port" "$(rate "$vic_pub")"
if [ -n "$peer" ]; then
  printf '%-44s %10s\n' "podman: container -> container" "$(rate "$pod_c2c")"
  printf '%-44s %10s\n' "podman: host -> published port" "$(rate "$pod_pub")"
  echo "published-port ratio vic/podman: $(echo "scale=2; $pod_pub / $vic_pub" | bc -l)   (target >= 0.25)"
fi
