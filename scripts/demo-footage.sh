#!/usr/bin/env bash
# The demo's real footage (run by `npm run demo` before it starts): opencv-doc's vtest.avi,
# CCTV of people walking, which the demo's "walkway" camera plays so the object detector has
# real people to label. opencv-doc is 274 MB installed (96 MB download) and no package for a
# homeowner's Pi, so this keeps only that one 8 MB file:
#   1. opencv-doc installed (the tests install it): nothing to do, the demo reads it there;
#   2. already cached in .cache/footage/vtest.avi (gitignored): nothing to do;
#   3. else `apt-get download opencv-doc` (no root needed) into a temporary folder, take
#      vtest.avi out of the package's data and delete the rest.
# Without network the demo still runs its drawn scenes and says why the camera is missing,
# so this script never fails the demo: it says what happened and exits 0.
set -uo pipefail
cd "$(dirname "$0")/.."

member=./usr/share/doc/opencv-doc/examples/data/vtest.avi
cache=.cache/footage
say() { echo "demo-footage: $*" >&2; }

[ -f "/${member#./}" ] && exit 0
[ -s "$cache/vtest.avi" ] && exit 0

for tool in apt-get dpkg-deb tar; do
  if ! command -v "$tool" >/dev/null; then
    say "no $tool here, so the real footage (vtest.avi from Debian's opencv-doc) cannot be fetched; the demo runs without its walkway camera"
    exit 0
  fi
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# apt's download helper (user _apt) must be able to write the folder, or apt warns that it
# downloads unsandboxed.
chmod 755 "$tmp"
say "fetching the demo's real footage: Debian's opencv-doc package (96 MB, once), keeping only vtest.avi (8 MB) in $cache"
if ! (cd "$tmp" && apt-get download -q opencv-doc >download.log 2>&1); then
  say "apt-get download opencv-doc failed ($(tail -n 1 "$tmp/download.log")); no network, or apt's package lists are missing (sudo apt-get update)."
  say "the demo runs without its walkway camera; run this script again (scripts/demo-footage.sh) when Debian's archive can be reached"
  exit 0
fi
deb=$(ls "$tmp"/opencv-doc_*.deb)
mkdir -p "$cache"
# Written under a temporary name and renamed, so an interrupted run leaves no half file.
if ! dpkg-deb --fsys-tarfile "$deb" | tar -x -O "$member" >"$cache/vtest.avi.part" || [ ! -s "$cache/vtest.avi.part" ]; then
  rm -f "$cache/vtest.avi.part"
  say "the downloaded opencv-doc package holds no $member; the demo runs without its walkway camera"
  exit 0
fi
mv "$cache/vtest.avi.part" "$cache/vtest.avi"
say "kept $cache/vtest.avi ($(du -h "$cache/vtest.avi" | cut -f1)); the package itself is deleted"
