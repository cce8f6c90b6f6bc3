#!/usr/bin/env bash
# Fails unless every alert of mdbop-rules.yaml has, in tests/*.yaml, an alert_rule_test that
# expects it to fire and one that expects it not to (`exp_alerts: []`). ctest runs this beside
# `promtool test rules`, which checks that those expectations hold.
set -euo pipefail
cd "$(dirname "$0")"

# "NAME fire" / "NAME silent" for each alert_rule_test of the test files.
outcomes=$(awk '
  /^ *alertname:/ { name = $2; next }
  /^ *exp_alerts: *\[\] *$/ { if (name != "") print name, "silent"; name = ""; next }
  /^ *exp_alerts: *$/ { if (name != "") print name, "fire"; name = ""; next }
' tests/*.yaml | sort -u)

missing=0
for alert in $(awk '/^ *- alert:/ { print $3 }' mdbop-rules.yaml); do
  for outcome in fire silent; do
    if ! grep -qx "$alert $outcome" <<<"$outcomes"; then
      echo "no test in monitoring/prometheus/tests/ expects $alert to ${outcome/silent/stay silent}" >&2
      missing=1
    fi
  done
done
exit "$missing"
