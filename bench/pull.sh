#!/usr/bin/env bash
# Benchmark of issue 3, printed side by side from one run:
#   (a) `docker pull` of a multi-layer image of about 100 MB (built here: busybox plus four layers of ~24 MiB, half
#       random bytes, half text) from Debian's docker-registry on loopback into an empty local VCH (rmi between runs)
#   (b) the same image fetched with `skopeo copy` to an OCI layout and unpacked with `umoci unpack` (the host-side
#       floor: download, verify, decompress and apply, without VMs)
# then one instrumented pull that timestamps dockerd's progress lines, to show where the time goes.
# Usage: bench/pull.sh [RUNS]   (needs scripts/build.sh first; run as root)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
root=$(mktemp -d /tmp/vic-bench-pull.XXXXXX)
export VIC_HOME=$root
machine=out/machine/vic-machine
registry_pid=""
cleanup() {
  $machine delete --name bench --force >/dev/null 2>&1 || true
  [ -n "$registry_pid" ] && kill "$registry_pid" 2>/dev/null && wait "$registry_pid" 2>/dev/null || true
  rm -rf "$root"
}
trap cleanup EXIT

# Debian's docker-registry on a free loopback port.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$root/registry.yml" <<EOF
version: 0.1
log:
  level: error
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $root/registry
http:
  addr: 127.0.0.1:$port
EOF
/usr/bin/docker-registry serve "$root/registry.yml" >"$root/registry.log" 2>&1 &
registry_pid=$!
for _ in $(seq 100); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
image=127.0.0.1:$port/bench/big:v1

# The image: busybox, then four layers each adding 16 MiB of random bytes and 8 MiB of text.
umoci init --layout "$root/oci" >/dev/null
umoci new --image "$root/oci:v1" >/dev/null
umoci unpack --image "$root/oci:v1" "$root/bundle" >/dev/null
mkdir -p "$root/bundle/rootfs/bin"
cp /bin/busybox "$root/bundle/rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -sf busybox "$root/bundle/rootfs/bin/$applet"; done
umoci repack --image "$root/oci:v1" "$root/bundle" >/dev/null
for i in 1 2 3 4; do
  rm -rf "$root/bundle"; umoci unpack --image "$root/oci:v1" "$root/bundle" >/dev/null
  mkdir -p "$root/bundle/rootfs/data$i"
  head -c $((16 << 20)) /dev/urandom >"$root/bundle/rootfs/data$i/random.bin"
  head -c $((6 << 20)) /dev/urandom | base64 >"$root/bundle/rootfs/data$i/text.txt" # ~8 MiB of text
  umoci repack --image "$root/oci:v1" "$root/bundle" >/dev/null
done
umoci config --image "$root/oci:v1" --config.cmd sh >/dev/null
skopeo copy --quiet --insecure-policy --dest-tls-verify=false "oci:$root/oci:v1" "docker://$image"
rm -rf "$root/bundle" "$root/oci"
IFS='|' read -r layer_count layer_sizes total_mib <<<"$(skopeo inspect --tls-verify=false --raw "docker://$image" | python3 -c '
import json, sys
layers = json.load(sys.stdin)["layers"]
print(len(layers), ", ".join("%.1f" % (l["size"] / 1048576) for l in layers), "%.1f" % (sum(l["size"] for l in layers) / 1048576), sep="|")')"

$machine create --name bench --endpoint-port 0 >/dev/null
export DOCKER_HOST=unix://$root/bench/docker.sock

echo "== image: $layer_count layers of $layer_sizes MiB (compressed), $total_mib MiB in all; load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "== (a) docker pull into an empty VCH, $runs runs"
hyperfine --runs "$runs" --prepare "docker rmi -f $image >/dev/null 2>&1 || true" --export-json "$root/a.json" \
  "docker pull -q $image" >/dev/null
echo "== (b) skopeo copy to an OCI layout + umoci unpack, $runs runs"
hyperfine --runs "$runs" --prepare "rm -rf $root/theirs && mkdir -p $root/theirs" --export-json "$root/b.json" \
  "skopeo copy --quiet --insecure-policy --src-tls-verify=false docker://$image oci:$root/theirs/oci:v1 && umoci unpack --image $root/theirs/oci:v1 $root/theirs/bundle" >/dev/null
rm -rf "$root/theirs"

# Where the time goes: one more pull through the Engine API, each progress line stamped on arrival.
docker rmi -f "$image" >/dev/null
python3 - "$root/bench/docker.sock" "$image" <<'PY'
import http.client, json, socket, sys, time
class Unix(http.client.HTTPConnection):
    def __init__(self, path): super().__init__("localhost"); self.path = path
    def connect(self): self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(self.path)
name, tag = sys.argv[2].rsplit(":", 1)
c = Unix(sys.argv[1]); start = time.monotonic()
c.request("POST", f"/images/create?fromImage={name}&tag={tag}")
r = c.getresponse(); first = {}; events = []
buf = b""
while chunk := r.read1(65536):
    buf += chunk
    *lines, buf = buf.split(b"\r\n")
    for line in lines:
        if not line.strip(): continue
        m = json.loads(line); t = time.monotonic() - start
        key = (m.get("id"), m.get("status"))
        if key not in first: first[key] = t; events.append((t, m.get("id") or "", m.get("status", m.get("error", ""))))
total = time.monotonic() - start
dl = [t for t, i, s in events if s == "Download complete"]
ap = [t for t, i, s in events if s == "Pull complete"]
print(f"== where the time goes (one pull, {total:.1f}s):")
print(f"   manifest+config until the first layer starts: {min(t for t, i, s in events if s in ('Pulling fs layer',)):.1f}s")
print(f"   downloads complete: first {min(dl):.1f}s, last {max(dl):.1f}s; layers applied: first {min(ap):.1f}s, last {max(ap):.1f}s")
for t, i, s in events:
    if s in ("Download complete", "Pull complete"): print(f"   {t:6.1f}s  {i}  {s}")
PY
echo "   the VCH's own account of that pull (vch.log):"
grep -E "Layer VM started|Layer sha256:[0-9a-f]+ written|layer VM of a run" "$root/bench/vch.log" | tail -6 | sed -E 's/^/   /; s/(sha256:[0-9a-f]{12})[0-9a-f]+/\1/'

python3 - "$root/a.json" "$root/b.json" <<'PY'
import json, sys
def stats(p):
    r = json.load(open(p))["results"][0]
    return r["median"], r["min"], r["max"]
a, b = stats(sys.argv[1]), stats(sys.argv[2])
print()
print(f"{'measure':<52} {'median':>9} {'min':>9} {'max':>9}")
print(f"{'(a) docker pull into an empty VCH':<52} {a[0]:>8.2f}s {a[1]:>8.2f}s {a[2]:>8.2f}s")
print(f"{'(b) skopeo copy + umoci unpack (host floor)':<52} {b[0]:>8.2f}s {b[1]:>8.2f}s {b[2]:>8.2f}s")
print(f"ratio a/b (median): {a[0]/b[0]:.2f}   target <= 3 under TCG, <= 1.5 with KVM")
PY
