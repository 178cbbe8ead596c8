#!/usr/bin/env bash
# Builds the container base (kernel + initramfs with the tether as /init) into .cache/container-base/current.
# Steps: fetch the Debian cloud kernel, publish the tether with NativeAOT, run vic-container-base.
# Each step is quick when its inputs did not change.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
log() { echo "build-container-base: $*"; }

log "kernel"
scripts/fetch-kernel.sh

log "tether (NativeAOT publish)"
dotnet publish src/Vic.Tether -c Release -o .cache/tether -nologo -v quiet -p:DebugType=none
rm -f .cache/tether/*.dbg .cache/tether/*.pdb

log "container base"
dotnet run --project src/Vic.ContainerBase -c Release -- build \
  --kernel-dir .cache/kernel/current \
  --tether .cache/tether/vic-tether \
  --out .cache/container-base

log "ready: $(readlink -f .cache/container-base/current)"
