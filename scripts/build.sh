#!/usr/bin/env bash
# Builds everything: the solution, the NativeAOT tether and container base (kernel + initramfs),
# and publishes the VCH daemon and vic-machine into out/.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "==> building the solution"
dotnet build vic.slnx -c Release -nologo -v q -clp:ErrorsOnly
echo "==> building the vCenter simulator (tools/vcsim) for the vSphere tests"
bash scripts/build-vcsim.sh
echo "==> building the container base (kernel + initramfs with the tether)"
bash scripts/build-container-base.sh
echo "==> publishing vic-vch and vic-machine to out/"
dotnet publish src/Vic.Vch -c Release -nologo -v q -clp:ErrorsOnly -o out/vch
dotnet publish src/Vic.Machine -c Release -nologo -v q -clp:ErrorsOnly -o out/machine
ln -sfn ../.cache/container-base out/container-base
echo "==> built: out/machine/vic-machine, out/vch/vic-vch, out/container-base/current"
