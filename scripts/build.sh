#!/usr/bin/env bash
# Builds mdbop into build/ (and, with --sanitize, the unit tests into build-sanitize/ under
# AddressSanitizer and UndefinedBehaviorSanitizer), warnings as errors. Idempotent: only what
# changed is rebuilt.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMDBOP_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
if [[ ${1:-} == --sanitize ]]; then
  cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DMDBOP_SANITIZE=ON -DMDBOP_WERROR=ON >/dev/null
  cmake --build build-sanitize -j"$jobs" --target mdbop_unit_tests
fi
