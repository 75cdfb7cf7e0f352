#!/bin/sh
# packaging/mkdeb.sh ARCH BUILD OUT [SHLIBS_DIR]: the kioskd and officed
# .deb packages for ARCH from the programs in BUILD, into OUT.
#
# No debhelper: two binary packages, a handful of files each, and a cross
# build whose libraries live in a sysroot, not in the host's dpkg database.
# Depends are computed by dpkg-shlibdeps: from the host's database for a
# native build; for a cross build from SHLIBS_DIR, the sysroot's packages
# unpacked one per folder with their DEBIAN/ (symbols and shlibs files),
# which dpkg-shlibdeps searches as if they were packages being built (-S).
#
# Environment: STRIP (the target's strip), VERSION (default: kioskd's).
set -eu
arch=$1
build=$2
out=$3
shlibs_dir=${4:-}
root=$(cd "$(dirname "$0")/.." && pwd)
STRIP=${STRIP:-strip}
version=${VERSION:-$(sed -n 's/^#define KIOSK_VERSION "\(.*\)"/\1/p' "$root/firmware/kiosk.h")}
maintainer="Pickup-card kiosk project <kiosk@example.jp>"
mkdir -p "$out"
out=$(cd "$out" && pwd)
build=$(cd "$build" && pwd)
[ -z "$shlibs_dir" ] || shlibs_dir=$(cd "$shlibs_dir" && pwd)
stage="$out/stage-$arch"
rm -rf "$stage"

case $arch in
amd64) triplet=x86_64-linux-gnu ;;
arm64) triplet=aarch64-linux-gnu ;;
armhf) triplet=arm-linux-gnueabihf ;;
*) echo "mkdeb.sh: unknown ARCH $arch (amd64, arm64, armhf)" >&2; exit 2 ;;
esac

# install_bin SRC DEST: stripped as Debian policy wants (debug info out).
install_bin() {
	install -D -m 0755 "$1" "$2"
	"$STRIP" --strip-unneeded --remove-section=.comment --remove-section=.note "$2"
}

# install_man PAGE DIR: gzip -9n (no name, no time: reproducible).
install_man() {
	install -d "$2"
	gzip -9n <"$1" >"$2/$(basename "$1").gz"
	chmod 0644 "$2/$(basename "$1").gz"
}

# common_docs PKG: copyright and changelog, as lintian wants them.
common_docs() {
	d="$stage/$1/usr/share/doc/$1"
	install -d "$d"
	install -m 0644 "$root/packaging/copyright" "$d/copyright"
	gzip -9n <"$root/packaging/changelog" >"$d/changelog.gz"
	chmod 0644 "$d/changelog.gz"
}

# finish PKG DESCRIPTION EXTRA_DEPENDS RECOMMENDS: control, md5sums, build.
finish() {
	pkg=$1
	desc=$2
	extra=$3
	recommends=$4
	p="$stage/$pkg"
	install -d -m 0755 "$p/DEBIAN"
	for s in postinst prerm postrm; do
		install -m 0755 "$root/packaging/$pkg/$s" "$p/DEBIAN/$s"
	done
	(cd "$p" && find etc -type f | sed 's|^|/|' | sort) >"$p/DEBIAN/conffiles"
	# dpkg-shlibdeps wants a debian/control to read; a throwaway one.
	work="$stage/shlibdeps-$pkg"
	mkdir -p "$work/debian"
	printf 'Source: kiosk\n\nPackage: %s\nArchitecture: any\n' "$pkg" >"$work/debian/control"
	set --
	for b in $(cd "$p" && ls usr/sbin/* usr/bin/* 2>/dev/null); do
		set -- "$@" "$p/$b"
	done
	sflags=
	if [ -n "$shlibs_dir" ]; then
		for d in "$shlibs_dir"/*/; do
			sflags="$sflags -S$d"
		done
	fi
	# shellcheck disable=SC2086
	deps=$(cd "$work" && DEB_HOST_ARCH=$arch DEB_HOST_MULTIARCH=$triplet \
		dpkg-shlibdeps -O --ignore-missing-info $sflags "$@" 2>"$work/shlibdeps.log" |
		sed -n 's/^shlibs:Depends=//p') || true
	if [ -z "$deps" ]; then
		echo "mkdeb.sh: dpkg-shlibdeps found no dependencies for $pkg:" >&2
		cat "$work/shlibdeps.log" >&2
		exit 1
	fi
	size=$(du -sk --exclude=DEBIAN "$p" | cut -f1)
	cat >"$p/DEBIAN/control" <<CONTROL
Package: $pkg
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $size
Depends: $deps, $extra
${recommends:+Recommends: $recommends
}Section: misc
Priority: optional
Homepage: https://kiosk.example.jp/
Description: $desc
CONTROL
	cat "$root/packaging/$pkg/description" >>"$p/DEBIAN/control"
	(cd "$p" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort |
		xargs md5sum) >"$p/DEBIAN/md5sums"
	chmod 0644 "$p/DEBIAN/control" "$p/DEBIAN/md5sums" "$p/DEBIAN/conffiles"
	deb="$out/${pkg}_${version}_${arch}.deb"
	dpkg-deb --root-owner-group -Zxz --build "$p" "$deb" >/dev/null
	echo "$deb: $(du -k "$deb" | cut -f1) KiB"
	rm -rf "$work"
}

# ---- kioskd (with kioskctl) ----------------------------------------------
p="$stage/kioskd"
install_bin "$build/kioskd" "$p/usr/sbin/kioskd"
install_bin "$build/kioskctl" "$p/usr/bin/kioskctl"
install -D -m 0644 "$root/packaging/kioskd.service" "$p/lib/systemd/system/kioskd.service"
install -D -m 0644 "$root/firmware/kioskd.conf.example" "$p/etc/kioskd/kioskd.conf"
install_man "$root/firmware/kioskd.8" "$p/usr/share/man/man8"
install_man "$root/firmware/kioskctl.8" "$p/usr/share/man/man8"
install_man "$root/firmware/kioskd.conf.5" "$p/usr/share/man/man5"
common_docs kioskd
ex="$p/usr/share/doc/kioskd/examples"
install -D -m 0644 "$root/firmware/kioskd.conf.example" "$ex/kioskd.conf"
install -m 0644 "$root/firmware/content.example.json" "$ex/content.json"
for board in "$root"/board/*/; do
	name=$(basename "$board")
	[ "$name" = sim ] && continue
	[ -f "$board/kioskd.conf" ] || continue
	install -D -m 0644 "$board/kioskd.conf" "$ex/boards/$name/kioskd.conf"
	install -m 0644 "$board/config.txt" "$ex/boards/$name/config.txt"
done
# procps: /bin/kill, the unit's ExecReload= (not in a minimal Debian root).
finish kioskd "pickup-card kiosk daemon and its staff tool" \
	"adduser, init-system-helpers (>= 1.52), procps, tzdata" \
	"xfonts-efont-unicode"

# ---- officed ---------------------------------------------------------------
p="$stage/officed"
install_bin "$build/officed" "$p/usr/sbin/officed"
install -D -m 0644 "$root/packaging/officed.service" "$p/lib/systemd/system/officed.service"
install -D -m 0644 "$root/office/officed.conf.example" "$p/etc/officed/officed.conf"
install_man "$root/office/officed.8" "$p/usr/share/man/man8"
common_docs officed
install -D -m 0644 "$root/office/officed.conf.example" \
	"$p/usr/share/doc/officed/examples/officed.conf"
finish officed "pickup-card kiosk office server" \
	"adduser, init-system-helpers (>= 1.52), tzdata" ""
