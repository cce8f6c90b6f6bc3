#!/usr/bin/env bash
# Makes the agent bundle that mdbop's image carries at /usr/lib/mdbop/bundle and that each node's
# pod copies into its own /mdbop (docs/kubernetes.md): the mdbop binary in bin/, the tools given
# after it (the metrics exporter) in bin/, and every shared library they load, with the dynamic
# loader, in lib/. A pod runs `/mdbop/lib/ld-linux-x86-64.so.2 --library-path /mdbop/lib
# /mdbop/bin/mdbop agent ...`, so the agent runs in any x86-64 glibc image (the server image a
# manifest names) on the libraries it was built with, and the server it starts on the image's.
#
#   bash scripts/agent-bundle.sh BINARY OUT [TOOL...]
#
# OUT is made anew (it must not exist, or be an earlier bundle).
set -euo pipefail

if (($# < 2)); then
  echo "usage: $0 BINARY OUT [TOOL...]" >&2
  exit 2
fi
binary=$1
out=$2
shift 2
tools=("$@")

for program in "$binary" "${tools[@]}"; do
  [[ -f $program && -x $program ]] || {
    echo "agent-bundle: $program is not an executable file" >&2
    exit 1
  }
done
if [[ -e $out && ! -f $out/bin/mdbop ]]; then
  echo "agent-bundle: $out exists and is not a bundle; name a new directory" >&2
  exit 1
fi

rm -rf "$out"
mkdir -p "$out/bin" "$out/lib"
cp "$binary" "$out/bin/mdbop"
for tool in "${tools[@]}"; do cp "$tool" "$out/bin/"; done

# The libraries as the loader resolves them on this machine ("name => /path (address)"), and the
# loader itself ("/lib64/ld-linux-x86-64.so.2 (address)"). A static program (a Go exporter) has
# none. Files are copied under the name programs ask for (the symlink's, not its target's).
loader=""
for program in "$binary" "${tools[@]}"; do
  listing=$(ldd "$program" 2>&1) || {
    [[ $listing == *"not a dynamic executable"* ]] && continue
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
      cp -L "$path" "$out/lib/$name"
    elif [[ $name == */ld-linux-x86-64.so.2 ]]; then
      loader=$name
    fi
  done <<<"$listing"
done
if [[ -z $loader ]]; then
  echo "agent-bundle: $binary names no x86-64 glibc loader (ld-linux-x86-64.so.2)" >&2
  exit 1
fi
cp -L "$loader" "$out/lib/ld-linux-x86-64.so.2"
chmod -R u=rwX,go=rX "$out"
echo "agent-bundle: $out: $(ls "$out/bin" | wc -l) programs, $(ls "$out/lib" | wc -l) libraries"
