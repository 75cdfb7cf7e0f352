#!/bin/sh
# mk/sysroot.sh ARCH DIR: a sysroot of Debian 12's -dev packages for ARCH
# (arm64, armhf) in DIR/sysroot, for cross-compiling kioskd and officed.
#
# The host's dpkg and its multiarch setup are never touched: apt runs with
# a private state, cache and architecture (DIR/apt), downloads the packages
# in mk/sysroot-packages.txt with every dependency (an empty "installed"
# list makes apt fetch the whole closure), and dpkg -x unpacks them. Some
# -dev packages cannot be co-installed across architectures (libusb-dev,
# which libnfc-dev needs, is not Multi-Arch: same), which is why a sysroot
# rather than `dpkg --add-architecture`. The .debs stay in DIR/apt/archives,
# so a second run downloads nothing and only unpacks.
set -eu
arch=$1
dir=$2
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$dir/apt/state/lists/partial" "$dir/apt/archives/partial" "$dir/apt/parts"
dir=$(cd "$dir" && pwd)
: >"$dir/apt/status"
cat >"$dir/apt/apt.conf" <<CONF
APT::Architecture "$arch";
APT::Architectures { "$arch"; };
Dir::State "$dir/apt/state";
Dir::State::status "$dir/apt/status";
Dir::Cache "$dir/apt/cache";
Dir::Cache::archives "$dir/apt/archives";
Dir::Etc::parts "$dir/apt/parts";
Dir::Etc::preferencesparts "$dir/apt/parts";
Debug::NoLocking "true";
APT::Install-Recommends "false";
APT::Sandbox::User "root";
CONF
export APT_CONFIG="$dir/apt/apt.conf"
pkgs=$(grep -v '^#' "$root/mk/sysroot-packages.txt" | tr '\n' ' ')
stamp="$dir/sysroot/.packages"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$pkgs" ]; then
	exit 0
fi
# Lists older than a day are refreshed; otherwise reruns work offline.
if [ -z "$(find "$dir/apt/state/lists" -name '*Packages*' -mtime -1 2>/dev/null)" ]; then
	# A mirror in mid-sync fails an index now and then: try again, and go
	# on with what arrived if the main suite is there (a warning, since the
	# security suite may then be missing).
	tries=0
	until apt-get -q update >"$dir/apt/update.log" 2>&1; do
		tries=$((tries + 1))
		if [ "$tries" -ge 3 ]; then
			if ls "$dir"/apt/state/lists/*_bookworm_main_binary-*_Packages* >/dev/null 2>&1; then
				echo "sysroot-$arch: warning: apt-get update failed (log below); going on" >&2
				grep '^E:' "$dir/apt/update.log" >&2
				break
			fi
			cat "$dir/apt/update.log"
			exit 1
		fi
		sleep 5
	done
fi
# shellcheck disable=SC2086
apt-get -q -y --download-only install $pkgs >"$dir/apt/download.log" 2>&1 ||
	{ tail -30 "$dir/apt/download.log"; exit 1; }
rm -rf "$dir/sysroot"
mkdir -p "$dir/sysroot"
for deb in "$dir"/apt/archives/*.deb; do
	dpkg-deb -x "$deb" "$dir/sysroot"
done
cd "$dir/sysroot"
# Debian 12 ships some files in /lib: merge them into /usr/lib, as a
# merged-/usr system has them, so one -L path and one -rpath-link serve.
for d in lib lib64 bin sbin; do
	if [ -d "$d" ] && [ ! -L "$d" ]; then
		mkdir -p "usr/$d"
		cp -a "$d"/. "usr/$d"/
		rm -rf "$d"
	fi
	[ -e "$d" ] || ln -s "usr/$d" "$d"
done
# Absolute symlinks (libfoo.so -> /lib/...) would point into the host:
# make them relative to the sysroot.
find . -type l | while read -r link; do
	target=$(readlink "$link")
	case $target in
	/*)
		up=$(dirname "$link" | sed -e 's|^\./||' -e 's|[^/][^/]*|..|g')
		ln -snf "$up$target" "$link"
		;;
	esac
done
# For dpkg-shlibdeps (packaging/mkdeb.sh): each library package unpacked
# on its own with its DEBIAN/ (symbols, shlibs), as if it were being built.
rm -rf "$dir/shlibs"
mkdir -p "$dir/shlibs"
for deb in "$dir"/apt/archives/*.deb; do
	if dpkg-deb -I "$deb" symbols >/dev/null 2>&1 || dpkg-deb -I "$deb" shlibs >/dev/null 2>&1; then
		dpkg-deb -R "$deb" "$dir/shlibs/$(basename "$deb" .deb)"
	fi
done
echo "$pkgs" >"$stamp"
echo "sysroot-$arch: $(ls "$dir"/apt/archives/*.deb | wc -l) packages in $dir/sysroot"
