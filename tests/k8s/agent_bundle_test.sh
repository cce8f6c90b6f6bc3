#!/usr/bin/env bash
# The agent bundle (scripts/agent-bundle.sh) as mdbop's image carries it: every library mdbop
# and the exporter load resolves inside the bundle through its own loader (none from the
# machine's directories), both run that way with an empty environment (the exporter through its
# wrapper), making it again over itself works, and a directory that is not a bundle is refused
# and left as it was.
#
#   bash tests/k8s/agent_bundle_test.sh MDBOP_BINARY
set -euo pipefail
mdbop=$1
exporter=$(command -v prometheus-mysqld-exporter) || {
  echo "FAIL: prometheus-mysqld-exporter is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
}
script=$(dirname "$0")/../../scripts/agent-bundle.sh
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

bundle=$work/bundle
bash "$script" "$mdbop" "$bundle" "$exporter"
bash "$script" "$mdbop" "$bundle" "$exporter" # again over the bundle it made
loader=(env -i "$bundle/lib/ld-linux-x86-64.so.2" --library-path "$bundle/lib")

for program in "$bundle/bin/mdbop" "$bundle/libexec/prometheus-mysqld-exporter"; do
  listing=$("${loader[@]}" --list "$program")
  outside=$(grep -v -e "linux-vdso" -e "$bundle/lib/" <<<"$listing" || true)
  [[ -z $outside ]] || fail "$program: libraries resolved outside the bundle: $outside"
  grep -q "libc.so.6 => $bundle/lib/" <<<"$listing" || fail "$program: no bundled libc: $listing"
done

help=$("${loader[@]}" "$bundle/bin/mdbop" agent --help) || fail "bundled mdbop agent --help failed"
[[ $help == *"--pod-address"* ]] || fail "bundled mdbop agent --help: $help"
version=$(env -i "$bundle/bin/prometheus-mysqld-exporter" --version 2>&1) ||
  fail "the exporter's wrapper failed: $version"
[[ $version == *mysqld_exporter* ]] || fail "the exporter's wrapper printed: $version"
cmp -s "$mdbop" "$bundle/bin/mdbop" || fail "bin/mdbop is not the binary given"

mkdir "$work/precious"
echo keep >"$work/precious/file"
mkdir -p "$work/precious/bin" && cp "$mdbop" "$work/precious/bin/mdbop"
if bash "$script" "$mdbop" "$work/precious" 2>/dev/null; then
  fail "a directory that is not a bundle was taken"
fi
[[ $(cat "$work/precious/file" 2>/dev/null) == keep ]] || fail "a refused directory was changed"
if bash "$script" "$mdbop" "" 2>/dev/null; then fail "an empty OUT was taken"; fi

((failures == 0)) && echo "agent bundle: ok"
exit $((failures > 0))
