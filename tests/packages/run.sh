#!/bin/sh
# tests/packages/run.sh DEBDIR: checks the amd64 kioskd and officed
# packages in DEBDIR (make check-packages). TAP, then "N passed, N failed".
#
#  - lintian reports no errors;
#  - the packages unpack into a test root with the files they promise
#    (programs, units, man pages gzipped, conffiles, examples; no pn532-sim);
#  - the units pass `systemd-analyze verify` in that root (their ExecStart
#    programs and man pages are the packaged ones) and `systemd-analyze
#    security --offline` rates each "OK" or better (exposure below 5.0);
#  - the packaged kioskd accepts the packaged kioskd.conf and every board's.
# Maintainer scripts are checked for syntax only here: they run for real in
# tests/packages/install.sh (make check-install), in a Debian 12 chroot.
set -u
debdir=$1
work=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-packages.XXXXXX")
trap 'rm -rf "$work"' EXIT
n=0
failed=0
passed=0

# t NAME COMMAND...: one TAP case; the command's output is shown on failure.
t() {
	name=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/out" 2>&1; then
		echo "ok $n - $name"
		passed=$((passed + 1))
		sed 's/^/# /' "$work/out" | head -5
	else
		echo "not ok $n - $name"
		failed=$((failed + 1))
		sed 's/^/#   /' "$work/out" | tail -30
	fi
}

kioskd_deb=$(ls "$debdir"/kioskd_*_amd64.deb | tail -1)
officed_deb=$(ls "$debdir"/officed_*_amd64.deb | tail -1)
tree="$work/root"

lintian_clean() {
	lintian --fail-on error "$kioskd_deb" "$officed_deb" >"$work/lintian" 2>&1
	rc=$?
	grep -v 'running with root privileges' "$work/lintian"
	echo "lintian: $(grep -c '^E:' "$work/lintian") errors, $(grep -c '^W:' "$work/lintian") warnings"
	return $rc
}

unpack() {
	mkdir -p "$tree" &&
	dpkg-deb -x "$kioskd_deb" "$tree" && dpkg-deb -x "$officed_deb" "$tree" &&
	for f in usr/sbin/kioskd usr/bin/kioskctl usr/sbin/officed \
		lib/systemd/system/kioskd.service lib/systemd/system/officed.service \
		usr/share/man/man8/kioskd.8.gz usr/share/man/man8/kioskctl.8.gz \
		usr/share/man/man5/kioskd.conf.5.gz usr/share/man/man8/officed.8.gz \
		etc/kioskd/kioskd.conf etc/officed/officed.conf \
		usr/share/doc/kioskd/copyright usr/share/doc/kioskd/examples/content.json \
		usr/share/doc/kioskd/examples/boards/rpi5/config.txt \
		usr/share/doc/kioskd/examples/boards/zero2w/kioskd.conf; do
		[ -f "$tree/$f" ] || { echo "missing: /$f"; return 1; }
	done &&
	! dpkg-deb -c "$kioskd_deb" | grep -q pn532-sim &&
	dpkg-deb -f "$kioskd_deb" Depends | grep -q 'libnfc6' &&
	[ "$(dpkg-deb --ctrl-tarfile "$kioskd_deb" | tar -xOf - ./conffiles)" = "/etc/kioskd/kioskd.conf" ] &&
	gzip -t "$tree"/usr/share/man/man*/*.gz &&
	for s in postinst prerm postrm; do
		dpkg-deb --ctrl-tarfile "$kioskd_deb" | tar -xOf - ./$s | sh -n || return 1
	done
}

# systemd-analyze verify resolves the units' dependencies and ExecStart
# programs inside the root: the host's targets and /bin/kill are copied in,
# and MANPATH points at the packaged man pages (Documentation=).
verify_units() {
	mkdir -p "$tree/bin" && cp /bin/kill "$tree/bin/" &&
	for u in /lib/systemd/system/*.target /lib/systemd/system/*.slice \
		/lib/systemd/system/*.socket; do
		[ -e "$tree$u" ] || cp "$u" "$tree$u"
	done &&
	MANPATH="$tree/usr/share/man" systemd-analyze verify --root="$tree" \
		/lib/systemd/system/kioskd.service /lib/systemd/system/officed.service
}

# security UNIT: the overall exposure, "OK" or better (below 5.0).
security() {
	systemd-analyze security --offline=true --root="$tree" "$1" >"$work/sec" 2>&1
	line=$(grep 'Overall exposure level' "$work/sec")
	echo "$line"
	level=$(echo "$line" | sed -n 's/.*: \([0-9.]*\) .*/\1/p')
	[ -n "$level" ] && awk -v l="$level" 'BEGIN { exit !(l < 5.0) }' &&
		echo "$line" | grep -Eq ' (PERFECT|SAFE|OK) '
}

packaged_config_valid() {
	"$tree/usr/sbin/kioskd" --check-config "$tree/etc/kioskd/kioskd.conf" &&
	for c in "$tree"/usr/share/doc/kioskd/examples/boards/*/kioskd.conf; do
		"$tree/usr/sbin/kioskd" --check-config "$c" || return 1
	done &&
	"$tree/usr/sbin/kioskd" --version && "$tree/usr/sbin/officed" --version
}

t "lintian reports no errors" lintian_clean
t "packages unpack with programs, units, man pages, conffiles, examples" unpack
t "systemd-analyze verify passes both units in the test root" verify_units
t "kioskd.service rated OK or better by systemd-analyze security" security kioskd.service
t "officed.service rated OK or better by systemd-analyze security" security officed.service
t "the packaged kioskd accepts the packaged and the boards' kioskd.conf" packaged_config_valid

echo "1..$n"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
