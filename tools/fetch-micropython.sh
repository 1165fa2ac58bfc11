#!/usr/bin/env bash
# Fetch the pinned MicroPython source (v1.25.0) as Debian 13's source package,
# using a private apt sources list: the system's apt configuration is not changed.
#
# Usage: tools/fetch-micropython.sh DEST_DIR
# Prints the path of the unpacked source tree on stdout.
set -euo pipefail
dest="${1:?usage: fetch-micropython.sh DEST_DIR}"
version="${MICROPY_DEB_VERSION:-1.25.0}"
mkdir -p "$dest"
dest=$(cd "$dest" && pwd)
for t in "$dest"/micropython-"$version"*/; do
  if [ -f "$t/py/mpconfig.h" ]; then echo "${t%/}"; exit 0; fi
done

if ! command -v dpkg-source >/dev/null; then
  echo "fetch-micropython: installing dpkg-dev" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dpkg-dev >&2
fi

apt_dir="$dest/apt"
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
# Debian 13's main suite, from the mirror this system's apt already uses.
mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
[ -n "$mirror" ] || mirror=$(awk '$1=="deb"||$1=="deb-src"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || { echo "fetch-micropython: no Debian mirror found in the apt sources" >&2; exit 1; }
echo "deb-src $mirror trixie main" > "$apt_dir/sources.list"
apt_opts=(-o Dir::Etc::sourcelist="$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
          -o Dir::State::Lists="$apt_dir/lists" -o Dir::Cache="$apt_dir"
          -o APT::Sandbox::User=root)
apt-get "${apt_opts[@]}" update -qq >&2
( cd "$dest" && apt-get "${apt_opts[@]}" source -qq --only-source "micropython=$(apt-cache "${apt_opts[@]}" showsrc micropython \
    | awk '/^Version:/{print $2}' | grep "^$version" | head -1)" >&2 )
tree=""
for t in "$dest"/micropython-"$version"*/; do
  if [ -f "$t/py/mpconfig.h" ]; then tree="${t%/}"; fi
done
[ -n "$tree" ] || { echo "fetch-micropython: source tree not found after apt-get source" >&2; exit 1; }
echo "$tree"
