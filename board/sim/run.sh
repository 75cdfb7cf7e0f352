#!/bin/sh
# make run: the kiosk on the simulated board.
#
# The simulated board: pn532-sim (a PN532 on a pseudo-terminal that kioskd
# reaches through the real libnfc pn532_uart driver, at a real UART's pace),
# the display drawn in this terminal, and a local office server. Everything
# lives in ./tmp/run so that a second `make run` keeps the same deployment
# key and store.
#
#   sh board/sim/run.sh BUILD_DIR      run until Ctrl-C
#   DEMO=1 sh board/sim/run.sh ...     tap three cards, show the result, exit
set -eu
build=${1:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
run="$top/tmp/run"
mkdir -p "$run"
chmod 700 "$run"
key="$run/card.key"
conf="$run/kioskd.conf"
sock="$run/control.sock"
kioskctl="$top/$build/kioskctl"
sim="$top/$build/pn532-sim"

[ -f "$key" ] || "$kioskctl" keygen "$key" >/dev/null

# The office: a local officed on SQLite, with this kiosk registered (its
# token, printed once by `officed kiosk add`, kept in tmp/run/office.token)
# and the example content published, so taps reach the office's counts;
# a dashboard login "office" whose password is made once and kept in
# tmp/run/office.password, and the help pages at this office's own URL.
officed="$top/$build/officed"
office_port=${OFFICE_PORT:-8490}
office_conf="$run/officed.conf"
office_token="$run/office.token"
office_password="$run/office.password"
cat >"$office_conf" <<CONF
[server]
listen = 127.0.0.1:$office_port
[storage]
database = sqlite:$run/office.db
[dashboard]
public_url = HTTP://127.0.0.1:$office_port
CONF
if ! "$officed" -c "$office_conf" kiosk list 2>/dev/null | grep -q '^sim-kiosk-1 '; then
	(umask 077 && "$officed" -c "$office_conf" kiosk add sim-kiosk-1 --site 12 \
		>"$office_token" 2>/dev/null)
	"$officed" -c "$office_conf" content import "$top/firmware/content.example.json" >/dev/null
fi
if [ ! -s "$office_password" ]; then
	(umask 077 && od -An -N12 -tx1 /dev/urandom | tr -d ' \n' >"$office_password")
	"$officed" -c "$office_conf" user remove office >/dev/null 2>&1 || true
	"$officed" -c "$office_conf" user add office <"$office_password" 2>/dev/null
fi
"$officed" -c "$office_conf" 2>"$run/officed.log" &
officed_pid=$!

# The card reader: a simulated PN532 whose pty is reached at a stable link.
"$sim" --link "$run/pn532.pty" --control "$run/pn532.ctl" >"$run/pn532-sim.out" \
	2>"$run/pn532-sim.log" &
sim_pid=$!
tries=0
until grep -q ready "$run/pn532-sim.out" 2>/dev/null; do
	kill -0 "$sim_pid" 2>/dev/null || { cat "$run/pn532-sim.log" >&2; exit 1; }
	tries=$((tries + 1))
	[ "$tries" -lt 200 ] || { echo "pn532-sim did not start" >&2; exit 1; }
	sleep 0.05
done

sed -e "s|@RUN@|$run|g" -e "s|@OFFICE_PORT@|$office_port|g" \
	"$top/board/sim/kioskd.conf.in" >"$conf"
"$top/$build/kioskd" --check-config "$conf" >/dev/null

"$top/$build/kioskd" -c "$conf" 2>"$run/kioskd.log" &
kioskd_pid=$!
watch_pid=
stop() {
	[ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null
	kill "$kioskd_pid" 2>/dev/null && wait "$kioskd_pid" 2>/dev/null
	kill "$officed_pid" 2>/dev/null && wait "$officed_pid" 2>/dev/null
	kill "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
	true
}
trap 'stop; exit 0' INT TERM
trap stop EXIT

# Wait for the control socket to answer (kioskd may refuse to start: show why).
tries=0
until "$kioskctl" -s "$sock" status --json >/dev/null 2>&1; do
	if ! kill -0 "$kioskd_pid" 2>/dev/null; then
		cat "$run/kioskd.log" >&2
		exit 1
	fi
	tries=$((tries + 1))
	[ "$tries" -lt 200 ] || { echo "kioskd did not answer; see $run/kioskd.log" >&2; exit 1; }
	sleep 0.05
done

level=$("$kioskctl" -s "$sock" status --json | sed -n 's/.*"level":\([0-9]*\).*/\1/p')
[ "${level:-0}" -gt 0 ] || "$kioskctl" -s "$sock" restock 20 >/dev/null

cat <<MSG

  kioskd is running on the simulated board (pid $kioskd_pid).

  Tap a virtual card on the simulated PN532, from another terminal:
      sh board/sim/tap 04a1b2c3d4e5f6            (an NTAG213, 7-byte UID)
      sh board/sim/tap --felica 012e4cd3a5b6c7d8 (a FeliCa card)
  or drive the simulator itself:
      $build/pn532-sim ctl --control $run/pn532.ctl tap --uid 3c5d7e9f --type classic
      $build/pn532-sim ctl --control $run/pn532.ctl fault garbage

  The fake GPIO (buzzer, LEDs, relay) records every change in $run/gpio.log;
  press the help button:
      echo "press help_button" > $run/gpio.ctl; echo "release help_button" > $run/gpio.ctl

  Staff commands:
      $build/kioskctl -s $sock status
      $build/kioskctl -s $sock staff enroll      (then tap the staff card)
      $build/kioskctl -s $sock log
      $build/kioskctl -s $sock restock 10
      $build/kioskctl -s $sock export csv > counts.csv

  The office's dashboard: http://127.0.0.1:$office_port/
      log in as "office", password $(cat "$office_password")
      (tap cards and watch the figures move; a kiosk's help QR opens /S/12)
  The office (officed, log $run/officed.log):
      $build/officed -c $office_conf kiosk list
      $build/kioskctl -s $sock sync now

  kioskd's log: $run/kioskd.log       Ctrl-C stops it.
  Events as they happen (the watch stream):

MSG

"$kioskctl" -s "$sock" watch &
watch_pid=$!

if [ "${DEMO:-}" = 1 ]; then
	for uid in 04a1b2c3d4e5f6 04a1b2c3d4e5f6 3c5d7e9f; do
		sleep 1
		echo "  (demo) tap $uid"
		sh "$top/board/sim/tap" "$uid"
	done
	sleep 1
	"$kioskctl" -s "$sock" sync now || true
	"$kioskctl" -s "$sock" status
	"$officed" -c "$office_conf" kiosk list
	exit 0
fi
wait "$watch_pid"
