#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) and runs every test: unit tests, QEMU boot tests of the tether and
# the backend, and end-to-end tests driving real VCHs with the docker CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-prereqs.sh
bash scripts/build.sh
echo "==> running the tests"
# Test projects run one after another: the QEMU-heavy ones would otherwise fight over the two cores.
# The output is also kept, so that a failure is summed up at the very end, where a reader of the last lines looks.
log=$(mktemp /tmp/vic-test-output.XXXXXX)
set +e
dotnet test vic.slnx -c Release --no-build -m:1 --logger "console;verbosity=normal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e
if [ "$status" -ne 0 ]; then
  echo "==> the tests failed (exit $status); failed tests and their messages:"
  grep -E -A14 '^\s+Failed [A-Za-z]' "$log" | cut -c1-400 | head -300 || true
  grep -E -i -B2 -A8 'test run aborted|test host process crashed|blame' "$log" | cut -c1-400 | head -80 || true
  grep -E '^Test run for|^Test Run (Successful|Failed)|^\s+(Passed|Failed|Total tests):' "$log" || true
fi
rm -f "$log"
exit "$status"
