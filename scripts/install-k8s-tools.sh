#!/usr/bin/env bash
# Builds a real Kubernetes control plane for the tests from the Go module proxy: kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl and etcd, at the versions pinned in
# tests/k8s/tools/go.mod, and helm (to check deploy/chart), pinned in tests/k8s/helm/go.mod, into
# a cache directory
#   ${MDBOP_K8S_TOOLS:-$HOME/.cache/mdbop/k8s-tools/<k8s version>}/bin
# Idempotent: a binary that is there and reports the pinned version is not rebuilt. A cold build
# takes long (several minutes per binary on 2 cores), so it runs under `nice -n 19` and `-p 2`.
# Prints the bin directory on the last line of stdout; progress goes to stderr.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
mod_dir=$root/tests/k8s/tools
helm_mod_dir=$root/tests/k8s/helm

go=$(command -v go || true)
[[ -n $go ]] || { [[ -x /usr/local/go/bin/go ]] && go=/usr/local/go/bin/go; }
[[ -n $go ]] || { echo "install-k8s-tools: Go is missing (neither 'go' on PATH nor /usr/local/go/bin/go)" >&2; exit 1; }

# The versions come from go.mod alone, so bumping them there is the whole upgrade.
pinned() { # module [module directory]: in a require block, or a one-line `require m v`
  awk -v m="$1" '$1 == m && $2 ~ /^v/ {print $2; exit} $1 == "require" && $2 == m {print $3; exit}' \
    "${2:-$mod_dir}/go.mod"
}
k8s_version=$(pinned k8s.io/kubernetes)      # e.g. v1.35.4
etcd_version=$(pinned go.etcd.io/etcd/server/v3) # e.g. v3.6.5
helm_version=$(pinned helm.sh/helm/v4 "$helm_mod_dir") # e.g. v4.3.2
[[ -n $k8s_version && -n $etcd_version && -n $helm_version ]] ||
  { echo "install-k8s-tools: versions not found in $mod_dir/go.mod or $helm_mod_dir/go.mod" >&2; exit 1; }

bin=${MDBOP_K8S_TOOLS:-$HOME/.cache/mdbop/k8s-tools/$k8s_version}/bin
mkdir -p "$bin"

# Built from the proxy there is no git tree, so the version Kubernetes reports is set the way its
# own hack/lib/version.sh does it (both the component-base and the client-go copies).
major=${k8s_version#v}; minor=${major#*.}; major=${major%%.*}; minor=${minor%%.*}
build_date=$(cd "$mod_dir" && "$go" mod download -json "k8s.io/kubernetes@$k8s_version" 2>/dev/null |
  sed -n 's/.*"Time": "\(.*\)".*/\1/p' | head -1)
kube_ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags+=" -X $pkg.gitVersion=$k8s_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  kube_ldflags+=" -X $pkg.gitCommit= -X $pkg.gitTreeState=clean -X $pkg.buildDate=${build_date:-1970-01-01T00:00:00Z}"
done
etcd_ldflags="-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=$etcd_version"
helm_ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$helm_version"

# What the binary says about its version; empty when it is missing or broken.
reported() {
  case $1 in
    kubectl) "$bin/kubectl" version --client 2>/dev/null | awk '/^Client Version:/ {print $3}' ;;
    etcd) "$bin/etcd" --version 2>/dev/null | awk '/^etcd Version:/ {print "v" $3}' ;;
    helm) "$bin/helm" version --template '{{.Version}}' 2>/dev/null ;;
    *) "$bin/$1" --version 2>/dev/null | awk '{print $2}' ;;
  esac
}

build() { # name package want ldflags [module directory]
  local name=$1 pkg=$2 want=$3 ldflags=$4 dir=${5:-$mod_dir} start
  if [[ -x $bin/$name && $(reported "$name") == "$want" ]]; then
    echo "install-k8s-tools: $name $want already in $bin" >&2
    return
  fi
  echo "install-k8s-tools: building $name $want ($pkg)" >&2
  start=$SECONDS
  # Into a temporary name first, so an interrupted build never leaves a half binary behind.
  (cd "$dir" && CGO_ENABLED=0 nice -n 19 "$go" build -p 2 -trimpath -ldflags "$ldflags" \
    -o "$bin/$name.tmp" "$pkg") >&2
  mv -f "$bin/$name.tmp" "$bin/$name"
  [[ $(reported "$name") == "$want" ]] ||
    { echo "install-k8s-tools: $bin/$name does not report $want after the build" >&2; exit 1; }
  echo "install-k8s-tools: built $name in $((SECONDS - start)) s" >&2
}

build etcd go.etcd.io/etcd/server/v3 "$etcd_version" "$etcd_ldflags"
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver "$k8s_version" "$kube_ldflags"
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager "$k8s_version" "$kube_ldflags"
build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler "$k8s_version" "$kube_ldflags"
build kubectl k8s.io/kubernetes/cmd/kubectl "$k8s_version" "$kube_ldflags"
build helm helm.sh/helm/v4/cmd/helm "$helm_version" "$helm_ldflags" "$helm_mod_dir"
echo "$bin"
