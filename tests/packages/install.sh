#!/bin/sh
# tests/packages/install.sh DEBDIR NEXT_DEBDIR CACHE (make check-install, as
# root): the amd64 kioskd and officed packages installed for real, with apt,
# into a minimal Debian 12 root under chroot, so their maintainer scripts run.
# TAP, then "N passed, N failed".
#
# The root: `debootstrap --variant=minbase bookworm` from the mirror the
# host's apt sources name, plus systemd (no systemd runs: it is a chroot),
# built once into CACHE/base (CACHE/base/.ready marks it done) and copied
# for each run. Downloaded packages are kept in CACHE/archives. proc, sys,
# dev and dev/pts are mounted into the copy and always unmounted on exit;
# nothing outside the copy is written, and policy-rc.d forbids starting a
# service.
#
#  - apt installs DEBDIR's packages (dependencies from the mirror): the
#    system users exist, /etc/kioskd and /etc/officed are root:USER 0750
#    with their conffile 0640, the units are enabled (multi-user.target.wants
#    symlinks) although no systemd runs, and `systemd-analyze verify` passes
#    them in the root;
#  - kioskd without its key exits non-zero with the journal line (<3>) that
#    says how to install it; with a key from the packaged `kioskctl keygen`
#    and a config of its own, kioskd runs as the kioskd user with the fake
#    reader, `kioskctl status` answers, and it stops on SIGTERM by PID;
#  - NEXT_DEBDIR's packages (a newer version; the test's copy of kioskd's
#    also changes kioskd.conf, as a release may) install over them with
#    --force-confold, a store present and officed.conf deleted by the
#    administrator (it stays deleted): kiosk.db.before-upgrade is the
#    store exactly as it was before, the user's kioskd.conf is kept (the
#    package's new one is kioskd.conf.dpkg-dist), and the new kioskd serves
#    the same store;
#  - apt-get remove keeps the store, the key and the conffiles and masks the
#    units; apt-get purge removes the conffiles, the units' enablement and
#    masks, and leaves the store, its pre-upgrade copy, the key and the users.
set -eu

[ $# -eq 3 ] || { echo "usage: $0 DEBDIR NEXT_DEBDIR CACHE" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "install.sh: needs root (debootstrap, chroot, mounts)" >&2; exit 2; }
start=$(date +%s)
debdir=$1
nextdir=$2
mkdir -p "$3"
cache=$(cd "$3" && pwd)
base="$cache/base"
archives="$cache/archives"

# newest_deb DIR PKG: DIR's PKG_*_amd64.deb of the highest version (an
# older version's may be left there).
newest_deb() {
	best=
	for d in "$1"/"$2"_*_amd64.deb; do
		[ -f "$d" ] || { echo "install.sh: no ${2}_*_amd64.deb in $1" >&2; exit 2; }
		if [ -z "$best" ] || dpkg --compare-versions "$(dpkg-deb -f "$d" Version)" gt \
			"$(dpkg-deb -f "$best" Version)"; then
			best=$d
		fi
	done
	echo "$best"
}
kioskd_deb=$(newest_deb "$debdir" kioskd)
officed_deb=$(newest_deb "$debdir" officed)
kioskd_next=$(newest_deb "$nextdir" kioskd)
officed_next=$(newest_deb "$nextdir" officed)
v1=$(dpkg-deb -f "$kioskd_deb" Version)
v2=$(dpkg-deb -f "$kioskd_next" Version)
dpkg --compare-versions "$v2" gt "$v1" || { echo "install.sh: $v2 is not newer than $v1" >&2; exit 2; }

work=$(mktemp -d "${TMPDIR:-/tmp}/kiosk-install.XXXXXX")
root="$work/root"
building=   # the base being built, while it is mounted

# unmount_all DIR: every mount point under DIR, deepest first.
unmount_all() {
	for m in var/cache/apt/archives dev/pts dev proc sys; do
		if mountpoint -q "$1/$m" 2>/dev/null; then
			umount "$1/$m" 2>/dev/null || umount -l "$1/$m" || true
		fi
	done
}

# still_mounted DIR: anything mounted at or under DIR?
still_mounted() {
	awk -v d="$1" '$2 == d || index($2, d "/") == 1 { found = 1 } END { exit !found }' /proc/self/mounts
}

# stop_kioskd: a kioskd a failed case left running is killed.
stop_kioskd() {
	if [ -f "$work/kioskd.pid" ] && [ ! -f "$work/kioskd.rc" ]; then
		kill -KILL "$(cat "$work/kioskd.pid")" 2>/dev/null || true
		wait_for 10 test -s "$work/kioskd.rc" || true
	fi
}

cleanup() {
	rc=$?
	trap - EXIT INT TERM HUP
	stop_kioskd
	[ -z "$building" ] || unmount_all "$building"
	unmount_all "$root"
	# Never rm -rf through a bind mount of /dev or /sys.
	if still_mounted "$work" || { [ -n "$building" ] && still_mounted "$building"; }; then
		echo "install.sh: something is still mounted under $work or $building; left in place" >&2
	else
		rm -rf "$work"
		[ -z "$building" ] || rm -rf "$building"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# mount_root DIR: proc, sys, dev and dev/pts, as a Debian chroot wants them.
mount_root() {
	mount -t proc proc "$1/proc"
	mount --bind /sys "$1/sys"
	mount --bind /dev "$1/dev"
	mount --bind /dev/pts "$1/dev/pts"
}

# chr DIR COMMAND...: COMMAND in the chroot DIR, with a clean environment.
chr() {
	d=$1
	shift
	chroot "$d" /usr/bin/env -i HOME=/root LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		DEBIAN_FRONTEND=noninteractive "$@"
}

mirror() {
	m=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
	[ -n "$m" ] || m=$(awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
	[ -n "$m" ] || { echo "install.sh: no Debian mirror in the host's apt sources" >&2; exit 2; }
	echo "$m"
}

# ---- the base root (once) -------------------------------------------------
if [ ! -f "$base/.ready" ]; then
	command -v debootstrap >/dev/null ||
		{ echo "install.sh: debootstrap is missing (make deps installs it)" >&2; exit 2; }
	building="$cache/base.new"
	if still_mounted "$building" || still_mounted "$base"; then
		echo "install.sh: $building or $base has mounts (another run?)" >&2
		exit 2
	fi
	rm -rf "$building" "$base"
	echo "# building a minimal Debian 12 root (once) in $base"
	if ! debootstrap --variant=minbase bookworm "$building" "$(mirror)" >"$cache/debootstrap.log" 2>&1; then
		tail -20 "$cache/debootstrap.log" >&2
		echo "install.sh: debootstrap failed, see $cache/debootstrap.log" >&2
		exit 1
	fi
	# The host's Debian sources (updates and security too), if it has them.
	if [ -f /etc/apt/sources.list.d/debian.sources ]; then
		cp /etc/apt/sources.list.d/debian.sources "$building/etc/apt/sources.list.d/"
		rm -f "$building/etc/apt/sources.list"
	fi
	cp /etc/resolv.conf "$building/etc/resolv.conf"
	# As in any Debian chroot: no package may start a service here.
	printf '#!/bin/sh\nexit 101\n' >"$building/usr/sbin/policy-rc.d"
	chmod 0755 "$building/usr/sbin/policy-rc.d"
	mount_root "$building"
	chr "$building" apt-get update -qq
	chr "$building" apt-get install -y -qq --no-install-recommends systemd >"$cache/systemd.log" 2>&1 ||
		{ tail -20 "$cache/systemd.log" >&2; exit 1; }
	chr "$building" apt-get clean
	unmount_all "$building"
	touch "$building/.ready"
	mv "$building" "$base"
	building=
	echo "# base root ready after $(($(date +%s) - start)) s"
fi

cp -a "$base" "$root"
mount_root "$root"
mkdir -p "$archives/partial"
mount --bind "$archives" "$root/var/cache/apt/archives"
chr "$root" apt-get update -qq

# ---- TAP ------------------------------------------------------------------
n=0
failed=0
passed=0

# t NAME FUNCTION: one TAP case, FUNCTION run in a subshell under set -e;
# its output is shown on failure.
t() {
	name=$1
	shift
	n=$((n + 1))
	set +e
	(trap - EXIT INT TERM HUP; set -e; "$@") >"$work/out" 2>&1
	rc=$?
	set -e
	if [ "$rc" -eq 0 ]; then
		echo "ok $n - $name"
		passed=$((passed + 1))
		sed 's/^/# /' "$work/out" | head -5
	else
		echo "not ok $n - $name"
		failed=$((failed + 1))
		sed 's/^/#   /' "$work/out" | tail -30
	fi
}

# wait_for SECONDS COMMAND...: until COMMAND succeeds, at most SECONDS.
wait_for() {
	limit=$(($(date +%s) + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$(date +%s)" -lt "$limit" ] || { echo "timed out waiting for: $*"; return 1; }
		sleep 0.1
	done
}

# expect WHAT WANTED GOT
expect() {
	[ "$2" = "$3" ] || { echo "$1: wanted '$2', got '$3'"; return 1; }
}

modes() { chr "$root" stat -c '%U:%G %a' "$@"; }

apt_install() {
	rm -rf "$root/tmp/debs"
	mkdir -p "$root/tmp/debs"
	for d in "$@"; do
		install -m 0644 "$d" "$root/tmp/debs/"
	done
	chmod 0755 "$root/tmp/debs"
	set --
	for d in "$root"/tmp/debs/*.deb; do
		set -- "$@" "/tmp/debs/$(basename "$d")"
	done
	chr "$root" apt-get install -y -q -o Dpkg::Options::=--force-confold "$@" >"$work/apt.log" 2>&1 ||
		{ tail -40 "$work/apt.log"; return 1; }
	# A maintainer script's complaint (apt's own are "W:" and "E:").
	if grep -v -e '^W:' -e '^E:' "$work/apt.log" | grep -iE 'warn|error|fail'; then
		echo "a maintainer script complained"
		return 1
	fi
}

install_v1() {
	apt_install "$kioskd_deb" "$officed_deb"
	expect "kioskd's state" "install ok installed $v1" "$(chr "$root" dpkg-query -W -f '${Status} ${Version}' kioskd)"
	expect "officed's state" "install ok installed $v1" "$(chr "$root" dpkg-query -W -f '${Status} ${Version}' officed)"
	[ ! -e "$root/run/systemd/system" ]
}

users() {
	for u in kioskd officed; do
		line=$(chr "$root" getent passwd "$u")
		echo "$line"
		uid=$(echo "$line" | cut -d: -f3)
		[ "$uid" -lt 1000 ] || { echo "$u is not a system user"; return 1; }
		expect "$u's home" "/var/lib/$u" "$(echo "$line" | cut -d: -f6)"
		expect "$u's shell" /usr/sbin/nologin "$(echo "$line" | cut -d: -f7)"
		expect "$u's group" "$u" "$(chr "$root" id -gn "$u")"
	done
}

etc_modes() {
	expect /var/lib/kioskd "kioskd:kioskd 700" "$(modes /var/lib/kioskd)"
	expect /var/lib/officed "officed:officed 700" "$(modes /var/lib/officed)"
	expect /etc/kioskd "root:kioskd 750" "$(modes /etc/kioskd)"
	expect /etc/kioskd/kioskd.conf "root:kioskd 640" "$(modes /etc/kioskd/kioskd.conf)"
	expect /etc/officed "root:officed 750" "$(modes /etc/officed)"
	expect /etc/officed/officed.conf "root:officed 640" "$(modes /etc/officed/officed.conf)"
}

# enabled UNIT...: the wants symlink deb-systemd-helper makes.
enabled() {
	for u in "$@"; do
		l="$root/etc/systemd/system/multi-user.target.wants/$u"
		[ -L "$l" ] || { echo "no $l"; return 1; }
		expect "$u's symlink" "/lib/systemd/system/$u" "$(readlink "$l")"
		[ -f "$root/var/lib/systemd/deb-systemd-helper-enabled/$u.dsh-also" ] ||
			{ echo "deb-systemd-helper has no state for $u"; return 1; }
	done
}

verify_units() {
	MANPATH="$root/usr/share/man" systemd-analyze verify --root="$root" \
		/lib/systemd/system/kioskd.service /lib/systemd/system/officed.service
}

no_key() {
	set +e
	timeout 30 chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin JOURNAL_STREAM=0:0 \
		setpriv --reuid=kioskd --regid=kioskd --init-groups \
		/usr/sbin/kioskd -c /etc/kioskd/kioskd.conf >"$work/nokey.log" 2>&1
	rc=$?
	set -e
	cat "$work/nokey.log"
	[ "$rc" -ne 0 ] && [ "$rc" -ne 124 ] || { echo "exit $rc"; return 1; }
	grep -q '^<3>.*no deployment key at /etc/kioskd/card\.key' "$work/nokey.log"
	grep -qF 'kioskctl keygen card.key' "$work/nokey.log"
	grep -qF 'install -m 0600 -o kioskd -g kioskd card.key /etc/kioskd/card.key' "$work/nokey.log"
}

# The key as docs/install.md says: made elsewhere, installed 0600 kioskd's.
keygen() {
	chr "$root" kioskctl keygen /root/card.key
	chr "$root" install -m 0600 -o kioskd -g kioskd /root/card.key /etc/kioskd/card.key
	rm -f "$root/root/card.key"
	expect /etc/kioskd/card.key "kioskd:kioskd 600" "$(modes /etc/kioskd/card.key)"
}

# The user's kioskd.conf: the packaged file edited (a conffile), with the
# fake reader (no PN532 here), no display, GPIO or office.
edit_config() {
	cat >"$root/etc/kioskd/kioskd.conf" <<'CONF'
; edited for the package test
[kiosk]
id = pkgtest-1
site_id = 12
site_name = 中央図書館
latitude = 43.7706
longitude = 142.3650
data_dir = /var/lib/kioskd
key_file = /etc/kioskd/card.key
[policy]
limit = 1
period = rolling
period_days = 30
[reader]
connection = fake:/run/kioskd/reader.fifo
[control]
socket = /run/kioskd/control.sock
CONF
	cp "$root/etc/kioskd/kioskd.conf" "$work/kioskd.conf.edited"
	chr "$root" kioskd --check-config /etc/kioskd/kioskd.conf
	expect "the edited kioskd.conf" "root:kioskd 640" "$(modes /etc/kioskd/kioskd.conf)"
}

ctl() { chr "$root" kioskctl -s /run/kioskd/control.sock "$@"; }

# start_kioskd: as the unit would: UMask=0077, the RuntimeDirectory= (0755)
# systemd makes (the StateDirectory= is the package's); waits until kioskctl
# status answers. kioskd's PID is in $work/kioskd.pid, its exit status goes
# to $work/kioskd.rc.
start_kioskd() {
	chr "$root" install -d -o kioskd -g kioskd -m 0755 /run/kioskd
	rm -f "$work/kioskd.pid" "$work/kioskd.rc"
	# chroot, env and setpriv exec: $! is kioskd's PID.
	sh -c 'as_root=$1; shift
		umask 0077
		chroot "$as_root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin JOURNAL_STREAM=0:0 \
			setpriv --reuid=kioskd --regid=kioskd --init-groups \
			/usr/sbin/kioskd -c /etc/kioskd/kioskd.conf >>"$1" 2>&1 &
		echo $! >"$2.tmp" && mv "$2.tmp" "$2"
		wait $!
		echo $? >"$3"' kioskd-test "$root" "$work/kioskd.log" "$work/kioskd.pid" "$work/kioskd.rc" \
		</dev/null >/dev/null 2>&1 &
	wait_for 5 test -s "$work/kioskd.pid"
	if ! wait_for 20 ctl status; then
		tail -20 "$work/kioskd.log"
		return 1
	fi
	ps -o uid=,pid=,args= -p "$(cat "$work/kioskd.pid")"
	expect "kioskd's uid" "$(chr "$root" id -u kioskd)" "$(ps -o uid= -p "$(cat "$work/kioskd.pid")" | tr -d ' ')"
}

stop_by_pid() {
	pid=$(cat "$work/kioskd.pid")
	kill -TERM "$pid"
	wait_for 20 test -s "$work/kioskd.rc" || { tail -20 "$work/kioskd.log"; return 1; }
	expect "kioskd's exit status on SIGTERM" 0 "$(cat "$work/kioskd.rc")"
	! kill -0 "$pid" 2>/dev/null
}

first_run() {
	start_kioskd
	ctl status
	ctl restock 7
	ctl status --json | grep -q '"stock":{"level":7,' || { ctl status --json; return 1; }
	stop_by_pid
	[ -f "$root/var/lib/kioskd/kiosk.db" ]
	expect "the store" "kioskd:kioskd 600" "$(modes /var/lib/kioskd/kiosk.db)"
}

# The store's files as they are before the upgrade.
store_digest() {
	(cd "$root/var/lib/kioskd" && for f in kiosk.db kiosk.db-wal; do
		[ ! -f "$f" ] || sha256sum "$f"
	done)
}

# The test's copy of the next kioskd package with a changed kioskd.conf, as
# a release that changes the shipped config: dpkg would ask, and
# --force-confold keeps the user's.
next_kioskd_with_new_conffile() {
	x="$work/next-kioskd"
	rm -rf "$x"
	dpkg-deb -R "$kioskd_next" "$x"
	printf '; a line the next release added\n' >>"$x/etc/kioskd/kioskd.conf"
	(cd "$x" && find . -path ./DEBIAN -prune -o -type f -print | sed 's|^\./||' | sort |
		xargs md5sum) >"$x/DEBIAN/md5sums"
	dpkg-deb --root-owner-group -Zxz --build "$x" "$work/$(basename "$kioskd_next")" >/dev/null
	rm -rf "$x"
	echo "$work/$(basename "$kioskd_next")"
}

# The store as a clean shutdown may leave it, its WAL folded in, and an
# earlier upgrade's copy of a WAL beside it: a copy of this upgrade must
# not pair with that one.
earlier_upgrade() {
	sqlite3 "$root/var/lib/kioskd/kiosk.db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
	for f in kiosk.db-wal kiosk.db-shm; do
		if [ -f "$root/var/lib/kioskd/$f" ] && [ ! -s "$root/var/lib/kioskd/$f" ]; then
			rm "$root/var/lib/kioskd/$f"
		fi
	done
	[ ! -e "$root/var/lib/kioskd/kiosk.db-wal" ]
	printf 'an earlier upgrade'"'"'s WAL\n' >"$root/var/lib/kioskd/kiosk.db-wal.before-upgrade"
}

upgrade() {
	stop_kioskd
	earlier_upgrade
	store_digest >"$work/store.sha256"
	cat "$work/store.sha256"
	[ -s "$work/store.sha256" ]
	deb=$(next_kioskd_with_new_conffile)
	# An administrator deleted officed's conffile: dpkg keeps it deleted,
	# and the postinst must not trip over it.
	rm "$root/etc/officed/officed.conf"
	apt_install "$deb" "$officed_next"
	[ ! -e "$root/etc/officed/officed.conf" ]
	expect "kioskd's state" "install ok installed $v2" "$(chr "$root" dpkg-query -W -f '${Status} ${Version}' kioskd)"
	expect "officed's state" "install ok installed $v2" "$(chr "$root" dpkg-query -W -f '${Status} ${Version}' officed)"
}

pre_upgrade_copy() {
	sed 's/  \(kiosk\.db[^ ]*\)$/  \1.before-upgrade/' "$work/store.sha256" >"$work/copy.sha256"
	(cd "$root/var/lib/kioskd" && sha256sum -c "$work/copy.sha256")
	# Only the store's own files: no stale copy of a WAL it no longer has.
	(cd "$root/var/lib/kioskd" && ls -1 ./*.before-upgrade) | sed 's|^\./||' | sort >"$work/copies"
	sed 's/.*  //; s/$/.before-upgrade/' "$work/store.sha256" | sort | diff - "$work/copies"
	expect "the copy" "kioskd:kioskd 600" "$(modes /var/lib/kioskd/kiosk.db.before-upgrade)"
}

conffile_kept() {
	cmp "$work/kioskd.conf.edited" "$root/etc/kioskd/kioskd.conf"
	[ -f "$root/etc/kioskd/kioskd.conf.dpkg-dist" ] || { ls -l "$root/etc/kioskd"; return 1; }
	grep -q 'a line the next release added' "$root/etc/kioskd/kioskd.conf.dpkg-dist"
	expect /etc/kioskd "root:kioskd 750" "$(modes /etc/kioskd)"
	expect /etc/kioskd/kioskd.conf "root:kioskd 640" "$(modes /etc/kioskd/kioskd.conf)"
	expect /etc/officed "root:officed 750" "$(modes /etc/officed)"
	expect /var/lib/kioskd "kioskd:kioskd 700" "$(modes /var/lib/kioskd)"
	expect /etc/kioskd/card.key "kioskd:kioskd 600" "$(modes /etc/kioskd/card.key)"
	enabled kioskd.service officed.service
}

upgraded_serves_store() {
	stop_kioskd
	start_kioskd
	ctl status --json | grep -q '"stock":{"level":7,' || { ctl status --json; return 1; }
	stop_by_pid
}

# BOOT_TEST=1 (make check-boot): the root booted with systemd as PID 1
# (systemd-nspawn -b), the units as systemd runs them: kioskd.service
# started (Type=notify: active only after READY=1), as its own user, with
# no capabilities, NoNewPrivs and a seccomp filter; then its event loop
# wedged through the test hook (a drop-in sets KIOSKD_TEST_WEDGE and
# WatchdogSec=4s): systemd's watchdog kills it and Restart= brings it back.
# Not in CI: a container needs the host's cgroups, which a CI runner's
# chroot may not have. officed is masked for the boot: the upgrade case
# deleted its conffile on purpose.
booted_under_systemd() {
	stop_kioskd
	unmount_all "$root"
	unit=$root/etc/systemd/system
	mkdir -p "$unit/kioskd.service.d"
	cat >"$unit/kioskd.service.d/boot-test.conf" <<'UNIT'
[Service]
WatchdogSec=4s
Environment=KIOSKD_TEST_WEDGE=/var/lib/kioskd/wedge.fifo
ExecStartPre=+/bin/sh -c 'test -p /var/lib/kioskd/wedge.fifo || { mkfifo -m 0600 /var/lib/kioskd/wedge.fifo && chown kioskd:kioskd /var/lib/kioskd/wedge.fifo; }'
UNIT
	cat >"$unit/boot-test.service" <<'UNIT'
[Unit]
Description=install.sh's boot probe
After=kioskd.service
[Service]
Type=oneshot
ExecStart=/bin/sh /root/boot-probe.sh
UNIT
	cat >"$root/root/boot-probe.sh" <<'PROBE'
out=/root/boot-probe.txt
until_ok() { n=0; until "$@" >/dev/null 2>&1; do n=$((n + 1)); [ $n -lt 600 ] || return 1; sleep 0.1; done; }
{
	until_ok systemctl is-active --quiet kioskd.service && echo "active=yes"
	systemctl show kioskd.service -p NRestarts -p User -p StatusText
	pid=$(systemctl show -p MainPID --value kioskd.service)
	echo "uid=$(awk '/^Uid:/ { print $2 }' /proc/$pid/status)"
	grep -E '^(CapEff|CapBnd|NoNewPrivs|Seccomp):' /proc/$pid/status
	until_ok kioskctl -s /run/kioskd/control.sock status && echo "status=answers"
	echo 60000 >/var/lib/kioskd/wedge.fifo
	n=0
	until [ "$(systemctl show -p NRestarts --value kioskd.service)" -ge 1 ]; do
		n=$((n + 1)); [ $n -lt 600 ] || break; sleep 0.1
	done
	echo "restarts=$(systemctl show -p NRestarts --value kioskd.service)"
	until_ok kioskctl -s /run/kioskd/control.sock status && echo "status_after=answers"
	journalctl -b -u kioskd.service --no-pager | grep -c 'Watchdog timeout' | sed 's/^/watchdog_timeouts=/'
	echo "newpid=$(systemctl show -p MainPID --value kioskd.service)"
	echo "oldpid=$pid"
} >$out 2>&1
systemctl poweroff
PROBE
	rm -f "$root/root/boot-probe.txt"
	timeout 300 systemd-nspawn --quiet --register=no --keep-unit -D "$root" -b \
		--console=pipe -- systemd.mask=officed.service systemd.wants=boot-test.service \
		>"$work/nspawn.log" 2>&1 </dev/null || true
	rm -rf "$unit/kioskd.service.d" "$unit/boot-test.service" "$root/root/boot-probe.sh" \
		"$root/var/lib/kioskd/wedge.fifo"
	mount_root "$root"
	[ -f "$root/root/boot-probe.txt" ] || { tail -20 "$work/nspawn.log"; return 1; }
	r=$root/root/boot-probe.txt
	cat "$r"
	v() { sed -n "s/^$1[=:][[:space:]]*//p" "$r" | head -1; }
	expect "active after READY=1" yes "$(v active)"
	expect "User=" kioskd "$(v User)"
	expect "kioskd's uid" "$(chr "$root" id -u kioskd)" "$(v uid)"
	expect "CapEff" 0000000000000000 "$(v CapEff)"
	expect "CapBnd" 0000000000000000 "$(v CapBnd)"
	expect "NoNewPrivs" 1 "$(v NoNewPrivs)"
	expect "Seccomp (2: filter)" 2 "$(v Seccomp)"
	expect "kioskctl status" answers "$(v status)"
	expect "systemd's watchdog timeouts" 1 "$(v watchdog_timeouts)"
	expect "restarts" 1 "$(v restarts)"
	expect "kioskctl status after the restart" answers "$(v status_after)"
	[ "$(v newpid)" != "$(v oldpid)" ] || { echo "the same kioskd after the restart"; return 1; }
	rm -f "$r"
}

remove() {
	stop_kioskd
	chr "$root" apt-get remove -y -q kioskd officed >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; return 1; }
	for p in kioskd officed; do
		expect "$p's state" "deinstall ok config-files" "$(chr "$root" dpkg-query -W -f '${Status}' "$p")"
	done
	[ ! -e "$root/usr/sbin/kioskd" ] && [ ! -e "$root/lib/systemd/system/kioskd.service" ]
	for f in /var/lib/kioskd/kiosk.db /var/lib/kioskd/kiosk.db.before-upgrade \
		/etc/kioskd/card.key /etc/kioskd/kioskd.conf; do
		[ -f "$root$f" ] || { echo "remove deleted $f"; return 1; }
	done
	cmp "$work/kioskd.conf.edited" "$root/etc/kioskd/kioskd.conf"
	for u in kioskd officed; do
		expect "$u.service (masked)" /dev/null "$(readlink "$root/etc/systemd/system/$u.service")"
	done
}

purge() {
	find "$root/etc/kioskd" "$root/etc/officed" "$root/var/lib/kioskd" | sort >"$work/before-purge"
	chr "$root" apt-get purge -y -q kioskd officed >"$work/apt.log" 2>&1 || { tail -30 "$work/apt.log"; return 1; }
	for p in kioskd officed; do
		if chr "$root" dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q 'config-files\|installed'; then
			echo "$p is not purged"
			return 1
		fi
	done
	# Gone: the conffiles (and dpkg's .dpkg-dist), the enablement, the masks.
	for f in /etc/kioskd/kioskd.conf /etc/kioskd/kioskd.conf.dpkg-dist /etc/officed/officed.conf \
		/etc/officed \
		/etc/systemd/system/multi-user.target.wants/kioskd.service \
		/etc/systemd/system/multi-user.target.wants/officed.service \
		/etc/systemd/system/kioskd.service /etc/systemd/system/officed.service \
		/var/lib/systemd/deb-systemd-helper-enabled/kioskd.service.dsh-also \
		/var/lib/systemd/deb-systemd-helper-enabled/officed.service.dsh-also \
		/var/lib/systemd/deb-systemd-helper-masked/kioskd.service \
		/var/lib/systemd/deb-systemd-helper-masked/officed.service; do
		if [ -e "$root$f" ] || [ -L "$root$f" ]; then
			echo "purge left $f"
			return 1
		fi
	done
	# Kept: the store, its copy, the key, the users; nothing else went.
	for f in /var/lib/kioskd/kiosk.db /var/lib/kioskd/kiosk.db.before-upgrade /etc/kioskd/card.key; do
		[ -f "$root$f" ] || { echo "purge deleted $f"; return 1; }
	done
	(cd "$root/var/lib/kioskd" && sha256sum -c "$work/copy.sha256")
	chr "$root" getent passwd kioskd officed
	find "$root/etc/kioskd" "$root/var/lib/kioskd" | sort >"$work/after-purge"
	grep -v -e '/etc/kioskd/kioskd\.conf' -e '/etc/officed' "$work/before-purge" | diff - "$work/after-purge"
}

t "apt installs kioskd and officed $v1 into a Debian 12 root without systemd running" install_v1
t "the kioskd and officed system users and groups exist" users
t "/etc/USER is root:USER 0750, its conffile 0640; /var/lib/USER is USER's 0700" etc_modes
t "kioskd.service and officed.service are enabled (multi-user.target.wants)" enabled kioskd.service officed.service
t "systemd-analyze verify passes the installed units in the root" verify_units
t "kioskd without its key exits non-zero, its journal line says how to install it" no_key
t "a key from the packaged kioskctl keygen installs 0600 kioskd's" keygen
t "the user's kioskd.conf (fake reader) passes --check-config" edit_config
t "kioskd runs as kioskd, kioskctl status answers, it stops on SIGTERM by PID" first_run
t "apt upgrades both to $v2 over the store (new kioskd.conf, officed.conf deleted)" upgrade
t "kiosk.db.before-upgrade is the store exactly as it was before the upgrade" pre_upgrade_copy
t "the user's kioskd.conf, the key, the modes and the units survive the upgrade" conffile_kept
t "the upgraded kioskd serves the same store" upgraded_serves_store
if [ "${BOOT_TEST:-}" = 1 ]; then
	t "booted under systemd: kioskd.service ready, sandboxed; a wedged loop is killed by the watchdog and restarted" booted_under_systemd
fi
t "apt-get remove keeps the store, the key and the conffiles, masks the units" remove
t "apt-get purge removes conffiles, enablement and masks, keeps store, key, users" purge

echo "1..$n"
echo "# install test: $(($(date +%s) - start)) s"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
