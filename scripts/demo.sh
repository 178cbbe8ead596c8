#!/usr/bin/env bash
# The main job: on a fresh Debian 12 machine (as root), set everything up, create a local VCH,
# run a container in it (a QEMU VM) and print what to use next.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-prereqs.sh
bash scripts/build.sh

export VIC_HOME=${VIC_HOME:-/var/lib/vic}
vch=${VCH_NAME:-demo}
machine=out/machine/vic-machine
if ! $machine inspect --name "$vch" >/dev/null 2>&1; then
  echo "==> creating VCH $vch"
  $machine create --name "$vch"
else
  $machine start --name "$vch"
fi
# The env file holds DOCKER_HOST (the mutual-TLS TCP endpoint), DOCKER_TLS_VERIFY and DOCKER_CERT_PATH.
envfile=$($machine inspect --name "$vch" --format json | python3 -c 'import json,sys; print(json.load(sys.stdin)["EnvFile"])')
set -a; . "$envfile"; set +a

echo "==> loading a busybox image built from Debian's busybox-static"
bash scripts/make-busybox-image.sh .cache/busybox.tar busybox:latest
docker load -i .cache/busybox.tar

echo "==> docker info (backend and accelerator)"
docker info 2>/dev/null | grep -E 'Server Version|Storage Driver|Accelerator|Backend|Kernel Version|Operating System' || true
echo "==> docker run --rm busybox uname -r   (the guest kernel; the host runs $(uname -r))"
docker run --rm busybox uname -r
echo "==> docker run --rm busybox sh -c 'echo hello from containerVM \$(hostname); cat /proc/cpuinfo | grep -m1 \"model name\"'"
docker run --rm busybox sh -c 'echo hello from containerVM $(hostname); grep -m1 "model name" /proc/cpuinfo'
echo
echo "The VCH keeps running. Use it (mutual TLS, certificates in $DOCKER_CERT_PATH) with:"
echo "  set -a; . $envfile; set +a"
echo "or: export DOCKER_HOST=$DOCKER_HOST DOCKER_TLS_VERIFY=1 DOCKER_CERT_PATH=$DOCKER_CERT_PATH"
echo "Remove it with: $PWD/$machine delete --name $vch --force"
