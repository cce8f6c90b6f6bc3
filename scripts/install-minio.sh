#!/usr/bin/env bash
# Installs the S3 server of the tests and benchmarks: MinIO, pinned, built from the Go module
# proxy with `go install` (MinIO's documented way of installing from source) into Go's bin
# directory, so that CI's kept Go module and build caches make a rebuild quick. MinIO (AGPL) is a
# test tool only: mdbop neither ships nor links it. Idempotent: nothing is built when that
# version is already there. Prints the path of the minio binary on stdout; messages go to stderr.
set -euo pipefail

module=github.com/minio/minio
# MinIO has no semver tags on the proxy: this pseudo-version was @latest when pinned.
version=v0.0.0-20260212201848-7aac2a2c5b7c

go=$(command -v go || true)
[[ -n $go ]] || { [[ -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go; }
if [[ -z $go ]]; then
  echo "install-minio: Go is missing (neither 'go' on PATH nor /usr/local/go/bin/go):" \
    "install Go from https://go.dev/dl to build MinIO, the S3 server of the tests" >&2
  exit 1
fi

# Where `go install` puts binaries: GOBIN, else the first GOPATH entry's bin.
bin_dir=$("$go" env GOBIN)
[[ -n $bin_dir ]] || bin_dir="$("$go" env GOPATH | cut -d: -f1)/bin"
minio="$bin_dir/minio"

installed_version() {
  "$go" version -m "$minio" 2>/dev/null | awk -v m="$module" '$1 == "mod" && $2 == m {print $3}'
}

if [[ -x $minio && $(installed_version) == "$version" ]]; then
  echo "$minio"
  exit 0
fi
echo "install-minio: building $module@$version with go install (a few minutes the first time)" >&2
"$go" install "$module@$version" >&2
if [[ $(installed_version) != "$version" ]]; then
  echo "install-minio: $minio is not $module@$version after go install" >&2
  exit 1
fi
echo "$minio"
