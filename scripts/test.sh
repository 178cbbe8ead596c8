#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) and runs every test: unit tests, QEMU boot tests of the tether and
# the backend, and end-to-end tests driving real VCHs with the docker CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-prereqs.sh
bash scripts/build.sh
echo "==> running the tests"
# Test projects run one after another: the QEMU-heavy ones would otherwise fight over the two cores.
dotnet test vic.slnx -c Release --no-build -m:1 --logger "console;verbosity=normal" "$@"
