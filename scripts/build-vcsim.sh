#!/usr/bin/env bash
# Builds tools/vcsim (our vCenter simulator wrapper) into out/vcsim/vcsim from Debian's golang-go and
# golang-github-vmware-govmomi-dev: GOPATH mode against /usr/share/gocode, so nothing is downloaded.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v go >/dev/null || { echo "build-vcsim.sh: go not found (apt-get install golang-go)" >&2; exit 1; }
[ -d /usr/share/gocode/src/github.com/vmware/govmomi/simulator ] ||
  { echo "build-vcsim.sh: govmomi not found (apt-get install golang-github-vmware-govmomi-dev)" >&2; exit 1; }
mkdir -p out/vcsim .cache/go-build
out="$PWD/out/vcsim/vcsim"
# Skip the ~20 s compile when the binary is newer than its source.
if [ -x "$out" ] && [ -z "$(find tools/vcsim -newer "$out" -print -quit)" ]; then
  exit 0
fi
(cd tools/vcsim &&
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$OLDPWD/.cache/go-build" GOPROXY=off \
    go build -o "$out.tmp" .)
mv "$out.tmp" "$out"
