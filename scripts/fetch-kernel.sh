#!/usr/bin/env bash
# Fetches Debian's cloud kernel (linux-image-cloud-amd64 and the versioned image it depends on) with
# `apt-get download`, unpacks it with dpkg-deb -x (never installs it on the host), runs depmod on the
# unpacked tree and points $REPO/.cache/kernel/current at it. Idempotent: exits at once when present.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="$REPO/.cache/kernel"
META_PKG="linux-image-cloud-amd64"

log() { echo "fetch-kernel: $*"; }

if [[ -e "$CACHE/current/vmlinuz" && -e "$CACHE/current/lib/modules" ]]; then
  log "present: $(readlink "$CACHE/current")"
  exit 0
fi

if [[ $(id -u) -ne 0 ]]; then
  echo "fetch-kernel: must run as root (apt-get download into a root-owned directory)" >&2
  exit 1
fi

mkdir -p "$CACHE"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
chmod 755 "$WORK"
cd "$WORK"

# The meta package depends on exactly one versioned image package; ask apt which.
IMAGE_PKG="$(apt-cache depends "$META_PKG" 2>/dev/null | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')"
if [[ -z "$IMAGE_PKG" ]]; then
  echo "fetch-kernel: cannot resolve the image package $META_PKG depends on (apt-get update?)" >&2
  exit 1
fi
log "downloading $META_PKG -> $IMAGE_PKG"
# apt warns that _apt cannot access the directory when run as root; the download still succeeds.
apt-get download "$META_PKG" "$IMAGE_PKG" 2>&1 | grep -v "_apt" || true
DEB="$(ls "$WORK"/"$IMAGE_PKG"_*.deb 2>/dev/null | head -n1)"
if [[ -z "$DEB" ]]; then
  echo "fetch-kernel: apt-get download produced no $IMAGE_PKG package" >&2
  exit 1
fi

mkdir unpacked
dpkg-deb -x "$DEB" unpacked
RELEASE="$(ls unpacked/lib/modules | head -n1)"
if [[ -z "$RELEASE" || ! -f "unpacked/boot/vmlinuz-$RELEASE" ]]; then
  echo "fetch-kernel: unexpected package layout in $DEB" >&2
  exit 1
fi
log "kernel release $RELEASE"

DEST="$CACHE/$RELEASE"
STAGE="$CACHE/.$RELEASE.tmp"
rm -rf "$STAGE"
mkdir -p "$STAGE/lib"
cp "unpacked/boot/vmlinuz-$RELEASE" "$STAGE/vmlinuz"
cp "unpacked/boot/config-$RELEASE" "$STAGE/config"
[[ -f "unpacked/boot/System.map-$RELEASE" ]] && cp "unpacked/boot/System.map-$RELEASE" "$STAGE/System.map"
mv unpacked/lib/modules "$STAGE/lib/modules"
echo "$RELEASE" > "$STAGE/kernel-release"
depmod -b "$STAGE" "$RELEASE"

rm -rf "$DEST"
mv "$STAGE" "$DEST"
# Replace the link atomically so a concurrent reader never sees it missing.
ln -sfn "$RELEASE" "$CACHE/.current.tmp"
mv -T "$CACHE/.current.tmp" "$CACHE/current"
log "ready: $DEST"
