#!/usr/bin/env bash
# Builds a small busybox image from Debian's busybox-static, with no registry needed, and writes it
# as a `docker save`-style archive that `docker load` accepts.
# Usage: make-busybox-image.sh OUTPUT.tar [NAME:TAG]   (default NAME:TAG busybox:latest)
# With VOLUME_DIR=/data set, the image also declares VOLUME /data and holds /data/seed (owned by app, 1000:1000),
# for tests of Docker's copy of image content into a new volume.
set -euo pipefail
out=$(realpath -m "$1"); ref=${2:-busybox:latest}
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
umoci init --layout "$work/oci"
umoci new --image "$work/oci:latest"
umoci unpack --image "$work/oci:latest" "$work/bundle" >/dev/null
rootfs="$work/bundle/rootfs"
mkdir -p "$rootfs"/{bin,etc,tmp,root,home/app,proc,sys,dev,var}
cp /bin/busybox "$rootfs/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
done
chmod 1777 "$rootfs/tmp"
cat > "$rootfs/etc/passwd" <<'P'
root:x:0:0:root:/root:/bin/sh
app:x:1000:1000:app:/home/app:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
P
cat > "$rootfs/etc/group" <<'G'
root:x:0:
app:x:1000:
users:x:100:app
nogroup:x:65534:
G
chown 1000:1000 "$rootfs/home/app"
volume_args=()
if [ -n "${VOLUME_DIR:-}" ]; then
  mkdir -p "$rootfs$VOLUME_DIR"
  echo "from the image" > "$rootfs$VOLUME_DIR/seed"
  chown -R 1000:1000 "$rootfs$VOLUME_DIR"
  volume_args=(--config.volume "$VOLUME_DIR")
fi
umoci repack --image "$work/oci:latest" "$work/bundle" >/dev/null
umoci config --image "$work/oci:latest" --config.cmd sh --config.env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  "${volume_args[@]}" --os linux --architecture amd64 >/dev/null
umoci gc --layout "$work/oci"
rm -f "$out"
skopeo copy --quiet "oci:$work/oci:latest" "docker-archive:$out:$ref"
echo "wrote $out ($ref, $(du -h "$out" | cut -f1))"
