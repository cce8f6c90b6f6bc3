#!/usr/bin/env bash
# The manifest fuzzer (fuzz/manifest_fuzzer.cc): libFuzzer from Debian's clang over what
# `mdbop apply` does with a file. Installs clang if missing, builds in build-fuzz (the project's
# sources with clang++ under ASan + UBSan + libFuzzer coverage), replays the seed corpus and every
# regression, then fuzzes.
#   bash scripts/fuzz.sh          a fixed number of runs from a fixed seed (deterministic; CI)
#   bash scripts/fuzz.sh --ci     the same
#   bash scripts/fuzz.sh --long [SECONDS]   fuzz for SECONDS (default 1800) from a random seed,
#                                 keeping what it learns in build-fuzz/corpus-long
# A crash leaves its input as build-fuzz/crash-*: fix the bug and copy the input to
# fuzz/regressions/.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:---ci}
long_seconds=${2:-1800}
runs=${MDBOP_FUZZ_RUNS:-100000}

bash scripts/install-deps.sh clang-14 libclang-rt-14-dev

echo "== build the manifest fuzzer (clang++, ASan + UBSan + libFuzzer)"
cmake -S . -B build-fuzz -DCMAKE_PROJECT_INCLUDE="$PWD/fuzz/fuzzer.cmake" \
  -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=RelWithDebInfo -DMDBOP_SANITIZE=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link" >/dev/null
cmake --build build-fuzz -j"$(nproc)" --target manifest_fuzzer >/dev/null

# Seeds: every manifest file under examples/ and the shared production manifest, the manifests
# written inline in the tests (raw string literals holding a kind:), and the regressions.
seeds=build-fuzz/seeds
rm -rf "$seeds" && mkdir -p "$seeds"
find examples tests \( -name '*.yaml' -o -name '*.yml' \) -print |
  xargs -r cp -t "$seeds"
[[ -f ../shared/manifests/galera-production.yaml ]] && cp ../shared/manifests/galera-production.yaml "$seeds"
python3 fuzz/seeds_from_tests.py "$seeds" tests
echo "seeds: $(ls "$seeds" | wc -l) manifests, regressions: $(ls fuzz/regressions | wc -l)"

fuzzer=build-fuzz/manifest_fuzzer
options=(-dict=fuzz/yaml.dict -max_len=65536 -rss_limit_mb=2048 -timeout=10
         -artifact_prefix=build-fuzz/)
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

echo "== replay the seeds and fuzz/regressions"
if ! "$fuzzer" "${options[@]}" fuzz/regressions/* "$seeds"/* >build-fuzz/replay.log 2>&1; then
  tail -60 build-fuzz/replay.log
  exit 1
fi

started=$(date +%s)
if [[ $mode == --long ]]; then
  echo "== fuzz for ${long_seconds} s"
  corpus=build-fuzz/corpus-long  # kept between long runs
  run=(-max_total_time="$long_seconds")
else
  echo "== fuzz: $runs runs from seed 1"
  corpus=build-fuzz/corpus
  rm -rf "$corpus"
  run=(-seed=1 -runs="$runs")
fi
mkdir -p "$corpus"
log=build-fuzz/fuzz.log
if ! "$fuzzer" "${options[@]}" "${run[@]}" -print_final_stats=1 "$corpus" "$seeds" fuzz/regressions \
  >"$log" 2>&1; then
  tail -60 "$log"
  exit 1
fi
executions=$(grep -o "stat::number_of_executed_units: *[0-9]*" "$log" | grep -o "[0-9]*$")
echo "fuzzer: $executions executions in $(($(date +%s) - started)) s, no crash"
