#!/bin/sh
# Installs the Debian 12 packages that building, running and testing need.
# As root: installs what is missing with apt-get. Otherwise: prints the exact
# command to run. Packages are listed one per line in mk/packages.txt so that
# later pieces of work add theirs in one place.
set -eu
here=$(dirname "$0")
missing=""
for pkg in $(grep -v '^#' "$here/packages.txt"); do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
  case "$status" in
    ii*) ;;
    *) missing="$missing $pkg" ;;
  esac
done
[ -z "$missing" ] && exit 0
cmd="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
  echo "make deps: missing Debian packages:$missing" >&2
  echo "make deps: run as root:  apt-get update && $cmd" >&2
  exit 1
fi
echo "make deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
