#!/usr/bin/env bash
# The agent bundle (scripts/agent-bundle.sh) as mdbop's image carries it: every library the
# bundled programs load resolves inside the bundle through its own loader (none from the
# machine's directories), mdbop and the exporter run that way with an empty environment, and a
# directory that is not a bundle is refused and left as it was.
#
#   bash tests/k8s/agent_bundle_test.sh MDBOP_BINARY
set -euo pipefail
mdbop=$1
exporter=$(command -v prometheus-mysqld-exporter)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

bundle=$work/bundle
bash "$(dirname "$0")/../../scripts/agent-bundle.sh" "$mdbop" "$bundle" "$exporter"
# Again over the bundle it made: idempotent.
bash "$(dirname "$0")/../../scripts/agent-bundle.sh" "$mdbop" "$bundle" "$exporter"
loader=(env -i "$bundle/lib/ld-linux-x86-64.so.2" --library-path "$bundle/lib")

listing=$("${loader[@]}" --list "$bundle/bin/mdbop")
outside=$(grep -v -e "linux-vdso" -e "$bundle/lib/" <<<"$listing" || true)
[[ -z $outside ]] || fail "libraries resolved outside the bundle: $outside"
[[ $(grep -c "=> $bundle/lib/" <<<"$listing") -ge 10 ]] || fail "too few libraries listed: $listing"

help=$("${loader[@]}" "$bundle/bin/mdbop" agent --help) || fail "bundled mdbop agent --help failed"
[[ $help == *"--pod-address"* ]] || fail "bundled mdbop agent --help: $help"
# The exporter (a static Go program) runs as it is.
env -i "$bundle/bin/prometheus-mysqld-exporter" --version >/dev/null 2>&1 ||
  fail "bundled exporter --version failed"
cmp -s "$mdbop" "$bundle/bin/mdbop" || fail "bin/mdbop is not the binary given"

mkdir "$work/precious"
echo keep >"$work/precious/file"
if bash "$(dirname "$0")/../../scripts/agent-bundle.sh" "$mdbop" "$work/precious" 2>/dev/null; then
  fail "a directory that is not a bundle was taken"
fi
[[ $(cat "$work/precious/file") == keep ]] || fail "a refused directory was changed"

((failures == 0)) && echo "agent bundle: ok"
exit $((failures > 0))
