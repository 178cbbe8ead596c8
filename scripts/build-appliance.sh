#!/usr/bin/env bash
# Builds the VCH appliance image into out/appliance:
#   vmlinuz, initramfs.cpio  the container base (its tether runs Mode Appliance when the spec says so)
#   appliance.img            ext4 disk, mounted read-only by the tether: a self-contained vic-vch under /opt/vic/vch,
#                            the shared libraries it loads, and the container base under /opt/vic/container-base
# The appliance's configuration is not in the image: it comes from guestinfo (see src/Vic.Tether/README.md).
# Needs the container base (scripts/build-container-base.sh) first.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"
log() { echo "build-appliance: $*"; }

BASE="$REPO/.cache/container-base/current"
OUT="$REPO/out/appliance"
STAGE="$REPO/.cache/appliance/stage"
[[ -f "$BASE/vmlinuz" && -f "$BASE/initramfs.cpio" ]] || { echo "build-appliance: container base missing at $BASE" >&2; exit 1; }

log "vic-vch (self-contained publish, invariant globalization: the image has no ICU)"
rm -rf "$STAGE"
mkdir -p "$STAGE/opt/vic/vch" "$STAGE/opt/vic/container-base"
dotnet publish src/Vic.Vch -c Release -r linux-x64 --self-contained -nologo -v quiet -clp:ErrorsOnly \
  -p:InvariantGlobalization=true -p:DebugType=none -o "$STAGE/opt/vic/vch"
rm -f "$STAGE"/opt/vic/vch/*.pdb "$STAGE"/opt/vic/vch/*.dbg

log "shared libraries"
# What the loader needs for the apphost and every native library of the runtime, plus OpenSSL, which the runtime
# loads with dlopen (TLS, certificates) and ldd therefore cannot see.
libs() {
  for f in "$STAGE/opt/vic/vch/vic-vch" "$STAGE"/opt/vic/vch/*.so; do ldd "$f" 2>/dev/null; done \
    | awk '/=> \// { print $3 } /^\s*\/lib/ { print $1 }'
  for name in libssl.so.3 libcrypto.so.3; do
    ldconfig -p | awk -v n="$name" '$1 == n && /x86-64/ { print $NF; exit }'
  done
}
for lib in $(libs | sort -u); do
  mkdir -p "$STAGE$(dirname "$lib")"
  cp -L "$lib" "$STAGE$lib"
done
# The loader at the path binaries name, and the usual lib64 link.
mkdir -p "$STAGE/lib64"
cp -L /lib64/ld-linux-x86-64.so.2 "$STAGE/lib64/ld-linux-x86-64.so.2"

log "container base $(cat "$BASE/VERSION" 2>/dev/null || readlink -f "$BASE")"
cp "$BASE/vmlinuz" "$BASE/initramfs.cpio" "$BASE/kernel-release" "$STAGE/opt/vic/container-base/"
# Mount points the tether fills (tmpfs, data disk, kernel filesystems): the image itself is read-only.
mkdir -p "$STAGE"/{etc,tmp,run,proc,sys,dev,root,var/lib/vic}

log "appliance.img"
mkdir -p "$OUT"
size_mib=$(( $(du -sm "$STAGE" | cut -f1) * 5 / 4 + 32 ))
rm -f "$OUT/appliance.img.tmp"
truncate -s "${size_mib}M" "$OUT/appliance.img.tmp"
mkfs.ext4 -q -F -L vic-appliance -d "$STAGE" -E root_owner=0:0 "$OUT/appliance.img.tmp"
mv "$OUT/appliance.img.tmp" "$OUT/appliance.img"
cp "$BASE/vmlinuz" "$BASE/initramfs.cpio" "$BASE/kernel-release" "$OUT/"
rm -rf "$STAGE"
log "ready: $OUT/appliance.img (${size_mib} MiB), $OUT/vmlinuz, $OUT/initramfs.cpio"
