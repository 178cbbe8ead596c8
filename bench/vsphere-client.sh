#!/usr/bin/env bash
# vSphere client latency against our vCenter simulator (tools/vcsim): connect (RetrieveServiceContent + Login)
# and a VM create + power on + power off + destroy round trip. Usage: bench/vsphere-client.sh [rounds]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-vcsim.sh
fifo=$(mktemp -u); mkfifo "$fifo"
# The simulator runs until its stdin closes: hold the fifo open in this shell and close it on exit.
out/vcsim/vcsim <"$fifo" >"$fifo.json" 2>/dev/null & sim=$!
exec 3>"$fifo"
trap 'exec 3>&-; wait $sim 2>/dev/null; rm -f "$fifo" "$fifo.json"' EXIT
for _ in $(seq 100); do [ -s "$fifo.json" ] && break; sleep 0.1; done
read -r url user password thumbprint < <(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["url"], d["username"], d["password"], d["thumbprint"])' "$fifo.json")
dotnet run -c Release bench/vsphere-client/vsphere-client.cs -- "$url" "$user" "$password" "$thumbprint" "${1:-20}"
