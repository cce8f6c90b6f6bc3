#!/usr/bin/env bash
# Installs everything mdbop needs to build, run and test on Debian 12, plus the packages named as
# arguments (scripts/fuzz.sh adds clang). Idempotent.
set -euo pipefail

packages=(
  build-essential cmake g++ clang-format pkg-config
  mariadb-server galera-4 mariadb-backup mariadb-client socat rsync prometheus-mysqld-exporter
  libmariadb-dev libyaml-cpp-dev nlohmann-json3-dev libcurl4-openssl-dev libssl-dev
  libzstd-dev libbz2-dev zlib1g-dev libfmt-dev libspdlog-dev libcli11-dev libgtest-dev libgmock-dev
  libbenchmark-dev libhowardhinnant-date-dev libexpected-dev libtinyxml2-dev prometheus-cpp-dev libcpp-httplib-dev zstd bzip2 gzip
  sysbench procps s3cmd stunnel4
  # the kubelet test double resolves pods' DNS names for the processes it starts through it,
  # and makes its pod network local with ip (iproute2)
  libnss-wrapper iproute2
  # promtool (in Debian's prometheus) checks and tests monitoring/, python3 runs its checkers
  prometheus python3
  "$@"
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
  sudo_cmd=()
  [[ $(id -u) -eq 0 ]] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  # The packaged mariadb service must not grab port 3306 or run beside us.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# Debian starts the packaged server and exporter on install; mdbop runs its own mariadbd
# processes and one exporter beside each.
for service in mariadb prometheus-mysqld-exporter; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" || true
  fi
done
