#!/usr/bin/env bash
# Installs what vic needs on Debian 12 (run as root): QEMU, disk tools, test tools, and the .NET 10 SDK when absent.
# Idempotent: packages already present are not reinstalled.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "install-prereqs.sh: run as root (it installs Debian packages)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive

packages=(
  qemu-system-x86 qemu-utils            # the hypervisor and qcow2 tooling
  qemu-system-common                    # /usr/lib/qemu/virtiofsd: bind mounts (Debian 12 has no separate virtiofsd package)
  e2fsprogs                             # mkfs.ext4 for the empty base layer, debugfs for tests
  cpio kmod zstd                        # container base: initramfs, depmod
  clang lld zlib1g-dev                  # NativeAOT toolchain for the tether
  busybox-static                        # the userland of test images
  docker-registry skopeo umoci          # loopback registry and image tooling for tests
  iproute2 procps psmisc curl ca-certificates
  iptables                              # the VCH namespace's own nat table: containers' outbound TCP to the VCH's proxy
  python3-docker python3-pytest         # docker-py, for API fidelity checks
  docker-compose                        # compose v1 (Debian), brings up multi-service apps in tests
  hyperfine                             # benchmarks
  golang-go golang-github-vmware-govmomi-dev  # tools/vcsim: the vCenter simulator the vSphere tests run against
  xorriso isolinux syslinux-common      # container-base.iso: what VMs on vSphere boot from
  dnsmasq-base                          # DHCP server on a test namespace's bridge: container networks by DHCP
  socat                                 # the appliance end-to-end test: QEMU's guestfwd to the simulator on loopback
  systemd                               # systemd-analyze verify checks vic-machine's unit files
  chromium fonts-dejavu-core            # headless browser for vicadmin's browser test (driven by Playwright, nothing downloaded)
)
missing=()
for p in "${packages[@]%%#*}"; do
  [ -z "$p" ] && continue
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "==> installing Debian packages: ${missing[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The docker CLI is the client users bring; Debian ships it as docker.io (the CLI only is used).
if ! command -v docker >/dev/null; then
  echo "==> installing the docker CLI (docker.io)"
  apt-get install -y -qq --no-install-recommends docker.io >/dev/null
fi
# docker.io pulls in dockerd; vic must not depend on it and nothing here starts it.

if ! command -v dotnet >/dev/null || ! dotnet --list-sdks | grep -q '^10\.'; then
  echo "==> installing the .NET 10 SDK from Microsoft's Debian 12 package repository"
  curl -fsSL https://packages.microsoft.com/config/debian/12/packages-microsoft-prod.deb -o /tmp/packages-microsoft-prod.deb
  dpkg -i /tmp/packages-microsoft-prod.deb >/dev/null
  apt-get update -qq
  apt-get install -y -qq dotnet-sdk-10.0 >/dev/null
fi
echo "==> prerequisites ready: $(qemu-system-x86_64 --version | head -1); dotnet $(dotnet --version)"
