#!/usr/bin/env bash
# Makes the agent bundle that mdbop's image carries at /usr/lib/mdbop/bundle and that each node's
# pod copies into its own /mdbop (docs/kubernetes.md): the mdbop binary in bin/, every shared
# library it and the tools given after it (the metrics exporter) load, with the dynamic loader,
# in lib/, and each tool in libexec/ behind a wrapper of its name in bin/ that runs it through
# the bundle's loader. A pod runs `/mdbop/lib/ld-linux-x86-64.so.2 --library-path /mdbop/lib
# /mdbop/bin/mdbop agent ...`, so the agent and its tools run in any x86-64 glibc image (the
# server image a manifest names) on the libraries they were built with, and the server the
# agent starts on the image's.
#
#   bash scripts/agent-bundle.sh BINARY OUT [TOOL...]
#
# OUT is made anew: it must not exist, or be a bundle this script made (it holds the marker
# .mdbop-agent-bundle); anything else is refused untouched.
set -euo pipefail

if (($# < 2)); then
  echo "usage: $0 BINARY OUT [TOOL...]" >&2
  exit 2
fi
binary=$1
out=$2
shift 2
tools=("$@")
marker=.mdbop-agent-bundle

for program in "$binary" "${tools[@]}"; do
  [[ -f $program && -x $program ]] || {
    echo "agent-bundle: $program is not an executable file" >&2
    exit 1
  }
done
if [[ -z $out || $(realpath -m "$out") == / ]]; then
  echo "agent-bundle: name a new directory for the bundle, not \"$out\"" >&2
  exit 1
fi
if [[ -e $out && ! -f $out/$marker ]]; then
  echo "agent-bundle: $out exists and is not a bundle made by this script; name a new directory" >&2
  exit 1
fi

# Made beside OUT and moved into place whole: a failure leaves no half bundle.
parent=$(dirname "$out")
mkdir -p "$parent"
work=$(mktemp -d "$parent/.agent-bundle.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/bin" "$work/lib" "$work/libexec"
cp "$binary" "$work/bin/mdbop"

# The libraries as the loader resolves them on this machine ("name => /path (address)"), and the
# loader itself ("/lib64/ld-linux-x86-64.so.2 (address)"). Files are copied under the name
# programs ask for (the symlink's, not its target's).
loader=""
for program in "$binary" "${tools[@]}"; do
  listing=$(ldd "$program" 2>&1) || {
    echo "agent-bundle: ldd $program failed: $listing" >&2
    exit 1
  }
  if [[ $listing == *"not found"* ]]; then
    echo "agent-bundle: $program needs libraries this machine lacks:" >&2
    grep "not found" <<<"$listing" >&2
    exit 1
  fi
  while read -r name arrow path _; do
    if [[ $arrow == "=>" && $path == /* ]]; then
      cp -L "$path" "$work/lib/$name"
    elif [[ $name == */ld-linux-x86-64.so.2 ]]; then
      loader=$name
    fi
  done <<<"$listing"
done
if [[ -z $loader ]]; then
  echo "agent-bundle: $binary names no x86-64 glibc loader (ld-linux-x86-64.so.2)" >&2
  exit 1
fi
cp -L "$loader" "$work/lib/ld-linux-x86-64.so.2"

# Each tool behind a wrapper (the agent finds it on PATH): the image's loader and libc are not
# the ones it was built with.
for tool in "${tools[@]}"; do
  name=$(basename "$tool")
  cp "$tool" "$work/libexec/$name"
  cat >"$work/bin/$name" <<EOF
#!/bin/sh
here=\$(dirname "\$0")/..
exec "\$here/lib/ld-linux-x86-64.so.2" --library-path "\$here/lib" "\$here/libexec/$name" "\$@"
EOF
  chmod +x "$work/bin/$name"
done
touch "$work/$marker"
chmod -R u=rwX,go=rX "$work"

rm -rf "$out"
mv "$work" "$out"
trap - EXIT
echo "agent-bundle: $out: mdbop and ${#tools[@]} tool(s), $(ls "$out/lib" | wc -l) libraries"
