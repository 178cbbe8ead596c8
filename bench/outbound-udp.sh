#!/usr/bin/env bash
# Benchmark of outbound UDP and ping through the VCH's relays (issue 5 item 7), printed side by side from one run.
# "Outside" is a network namespace this script makes (veth to the host, 10.239.0.1/30 on the host side): nothing leaves
# the machine. Round trips of a small datagram, each path with the same static client (tests/.../Tools/udpclient.c):
#   relay:      container -> outside echo server, through the VCH's UDP relay (re-sent from the host)
#   no relay:   container -> an echo server on its gateway address in the VCH's namespace (same VM, tap and bridge,
#               no relay): the difference to "relay" is what the relay costs
#   host:       host -> outside echo server directly, and host loopback (the floor)
# and ping (busybox) container -> outside through the ICMP relay against container -> gateway.
# Under TCG the guest's own network stack dominates the container figures; compare relay with no relay.
# Usage: bench/outbound-udp.sh [ROUNDS]   (default 1000; needs scripts/build.sh first; run as root)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-1000}
root=$(mktemp -d /tmp/vic-bench-udp.XXXXXX)
export VIC_HOME=$root
machine=out/machine/vic-machine
outside=vicbo-$$
link=vb$$
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  $machine delete --name benchudp --force >/dev/null 2>&1 || true
  ip link del "$link" 2>/dev/null || true
  ip netns del "$outside" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT
mkdir -p "$root/tools"
for tool in udpecho udpclient; do
  clang -static -O2 -o "$root/tools/$tool" "tests/Vic.Integration.Tests/Tools/$tool.c"
done
ip netns add "$outside"
ip link add "$link" type veth peer name eth0 netns "$outside"
ip addr add 10.239.0.1/30 dev "$link"; ip link set "$link" up
ip -n "$outside" addr add 10.239.0.2/30 dev eth0; ip -n "$outside" link set eth0 up; ip -n "$outside" link set lo up
ip netns exec "$outside" "$root/tools/udpecho" 7777 & pids+=($!)
"$root/tools/udpecho" 7778 & pids+=($!)

$machine create --name benchudp --endpoint-port 0 --admin-port 0 >/dev/null 2>&1
export DOCKER_HOST=unix://$root/benchudp/docker.sock
fabric=vic-$(printf '%s' "$root/benchudp/datastore" | sha256sum | cut -c1-12)
ip netns exec "$fabric" "$root/tools/udpecho" 7779 & pids+=($!)
bash scripts/make-busybox-image.sh "$root/busybox.tar" busybox:latest >/dev/null
docker load -i "$root/busybox.tar" >/dev/null
docker run -d --name bcli -v "$root/tools:/tools:ro" busybox sleep 3600 >/dev/null
gateway=$(docker exec bcli ip route | awk '/default/ {print $3}')
avg() { "$@" | awk -F'avg_us=' '/rounds=/ {split($2, a, " "); print a[1]}'; }
# Warm both paths once (flow set-up, ARP), then measure.
docker exec bcli /tools/udpclient 10.239.0.2 7777 warm >/dev/null
docker exec bcli /tools/udpclient "$gateway" 7779 warm >/dev/null
relay=$(avg docker exec bcli /tools/udpclient 10.239.0.2 7777 x "$rounds")
direct=$(avg docker exec bcli /tools/udpclient "$gateway" 7779 x "$rounds")
host=$(avg "$root/tools/udpclient" 10.239.0.2 7777 x "$rounds")
loop=$(avg "$root/tools/udpclient" 127.0.0.1 7778 x "$rounds")
ping_relay=$(docker exec bcli ping -q -c 20 -i 0.2 10.239.0.2 | awk -F/ '/round-trip/ {print $4}')
ping_gateway=$(docker exec bcli ping -q -c 20 -i 0.2 "$gateway" | awk -F/ '/round-trip/ {print $4}')
printf '%-44s %10s\n' "UDP round trip ($rounds rounds, average)" "us"
printf '%-44s %10s\n' "container -> outside (through the relay)" "$relay"
printf '%-44s %10s\n' "container -> gateway (no relay)" "$direct"
printf '%-44s %10s\n' "host -> outside" "$host"
printf '%-44s %10s\n' "host loopback (floor)" "$loop"
printf '%-44s %10s\n' "relay cost (relay - no relay)" "$((relay - direct))"
printf '%-44s %10s\n' "ping (20, average)" "ms"
printf '%-44s %10s\n' "container -> outside (through the relay)" "$ping_relay"
printf '%-44s %10s\n' "container -> gateway (no relay)" "$ping_gateway"
