#!/usr/bin/env bash
# The whole test suite: install what is needed, check formatting, build, run the unit tests
# under ASan+UBSan, then every unit and integration test (real mariadbd + galera-4 clusters).
set -euo pipefail
cd "$(dirname "$0")/.."
# Each phase is announced with the seconds spent so far, to see where the suite's time goes.
phase() { echo "== $1 (at $SECONDS s)"; }
bash scripts/install-deps.sh
# The S3 server of the backup tests (MinIO, pinned, built by go install); the tests find it here.
MDBOP_MINIO=$(bash scripts/install-minio.sh)
export MDBOP_MINIO
# The Kubernetes control plane of the Kubernetes tests (etcd, kube-apiserver, ... pinned in
# tests/k8s/tools/go.mod, built from the Go module proxy and cached): the tests find it here.
MDBOP_K8S_BIN=$(bash scripts/install-k8s-tools.sh | tail -n 1)
export MDBOP_K8S_BIN

phase "format check (clang-format)"
git ls-files '*.cc' '*.h' | xargs clang-format --dry-run --Werror

phase "build (and sanitizer build of the unit tests)"
bash scripts/build.sh --sanitize

phase "unit tests under AddressSanitizer + UndefinedBehaviorSanitizer"
build-sanitize/mdbop_unit_tests --gtest_brief=1

phase "manifest fuzzer"
bash scripts/fuzz.sh --ci

phase "unit tests (and the checks of shipped files), two at a time"
(cd build && ctest --output-on-failure --timeout 900 -LE integration -j2)
# One at a time: each starts clusters, and the timings they wait on assume the cores are theirs.
phase "integration tests"
(cd build && ctest --output-on-failure --timeout 900 -L integration --no-tests=error)
phase "done"
