#!/usr/bin/env bash
# The main job: install what is needed, build, start the operator in the background, bring up
# the example 3-node Galera cluster and print its status. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
mdbop=build/mdbop
"$mdbop" operator start
"$mdbop" apply -f examples/galera.yaml
"$mdbop" wait mariadb/mariadb-galera --for=condition=Ready --timeout=300s
"$mdbop" get mariadb
"$mdbop" get pods -o wide
