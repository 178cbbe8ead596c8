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

# The same kernel and initramfs as a bootable ISO: what a VM on vSphere boots from (its IDE CD-ROM), containerVMs
# and the appliance alike. Console on tty0: the first serial port carries the tether's log frames there.
BASE_DIR="$(readlink -f .cache/container-base/current)"
if [[ ! -f "$BASE_DIR/container-base.iso" ]]; then
  log "container-base.iso (isolinux)"
  ISO_STAGE="$REPO/.cache/container-base-iso"
  rm -rf "$ISO_STAGE"
  mkdir -p "$ISO_STAGE/isolinux"
  cp /usr/lib/ISOLINUX/isolinux.bin /usr/lib/syslinux/modules/bios/ldlinux.c32 "$ISO_STAGE/isolinux/"
  cp "$BASE_DIR/vmlinuz" "$BASE_DIR/initramfs.cpio" "$ISO_STAGE/"
  printf '%s\n' "DEFAULT vic" "PROMPT 0" "TIMEOUT 0" "LABEL vic" "  KERNEL /vmlinuz" "  INITRD /initramfs.cpio" \
    "  APPEND console=tty0 quiet panic=-1" > "$ISO_STAGE/isolinux/isolinux.cfg"
  xorriso -as mkisofs -quiet -o "$BASE_DIR/container-base.iso.tmp" -V VIC_BASE -b isolinux/isolinux.bin -c isolinux/boot.cat \
    -no-emul-boot -boot-load-size 4 -boot-info-table "$ISO_STAGE"
  mv "$BASE_DIR/container-base.iso.tmp" "$BASE_DIR/container-base.iso"
  rm -rf "$ISO_STAGE"
fi

log "ready: $BASE_DIR"
