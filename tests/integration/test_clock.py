"""The real kioskd under libfaketime: calendar months in Asia/Tokyo, a wall
clock that was a year ahead and is put right, and the synchronized flag.

libfaketime (Debian's faketime) moves the process's clocks; with
FAKETIME_TIMESTAMP_FILE and FAKETIME_NO_CACHE the test changes the time
while kioskd runs. By default it moves CLOCK_BOOTTIME with the wall clock
(a consistent jump in time); FAKETIME_DONT_FAKE_MONOTONIC=1 leaves the
monotonic clocks real, which is what a wall-clock correction looks like.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import FAKETIME_LIB, Kiosk, Tap, check  # noqa: E402


def faked_kiosk(start, config_extra, real_monotonic=False, extra_env=None):
    """libfaketime reads its timestamps in the process's zone, which kioskd
    sets to its own (Asia/Tokyo here): so the times given are Tokyo times."""
    k = Kiosk(config_extra=config_extra)
    stamp = os.path.join(k.dir, "faketime")
    with open(stamp, "w") as f:
        f.write("@" + start + "\n")
    env = {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME_TIMESTAMP_FILE": stamp,
           "FAKETIME_NO_CACHE": "1", "TZ": "Asia/Tokyo"}
    # Under ASan, libfaketime is preloaded before ASan's runtime; tell ASan that is fine.
    asan = os.environ.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "verify_asan_link_order=0"
    if real_monotonic:
        env["FAKETIME_DONT_FAKE_MONOTONIC"] = "1"
    env.update(extra_env or {})
    k.env.update(env)
    k.set_time = lambda when: open(stamp, "w").write("@" + when + "\n")
    return k


def month_boundary_in_tokyo():
    if not os.path.exists(FAKETIME_LIB):
        return "SKIP libfaketime is not installed"
    k = faked_kiosk("2026-01-31 23:59:50",
                    "[policy]\nperiod = month\nlimit = 1\ndebounce_seconds = 0")
    try:
        k.start()
        k.ctl("restock", "5", check_rc=0)
        w = k.watch()
        uid = "04a1b2c3d4e5f6"
        k.tap(uid)
        check(w.feedback()["result"] == "grant", "January's set")
        k.tap(uid)
        fb = w.feedback()
        check(fb["result"] == "limit", "January is used up: %r" % fb)
        check(fb["next_eligible"] == "2026-02-01T00:00:00+09:00",
              "next eligible at Tokyo's month start: %r" % fb)
        # 15 seconds later it is February in Tokyo (still January in UTC).
        k.set_time("2026-02-01 00:00:05")
        s = k.status()
        check(s["today"]["date"] == "2026-02-01", "Tokyo date: %r" % s["today"]["date"])
        k.tap(uid)
        check(w.feedback()["result"] == "grant", "February's set")
        r = k.ctl("export", "csv", check_rc=0)
        rows = [line.split(",") for line in r.stdout.lstrip("\ufeff").splitlines()]
        by_date = {row[0]: row for row in rows[1:]}
        check(by_date["2026-01-31"][1] == "1" and by_date["2026-02-01"][1] == "1",
              "one handout on each local date: %r" % rows)
        w.close()
    finally:
        k.cleanup()


def wall_clock_put_right():
    if not os.path.exists(FAKETIME_LIB):
        return "SKIP libfaketime is not installed"
    # The kiosk booted with its clock a year ahead, then NTP put it right.
    k = faked_kiosk("2027-06-01 03:00:00", "[policy]\nperiod_days = 30\ndebounce_seconds = 0",
                    real_monotonic=True)
    try:
        k.start()
        k.ctl("restock", "5", check_rc=0)
        w = k.watch()
        uid = "04a1b2c3d4e5f6"
        k.tap(uid)
        check(w.feedback()["result"] == "grant", "granted with the wrong clock")
        k.set_time("2026-06-01 03:00:00")
        k.tap(uid)
        fb = w.feedback()
        check(fb["result"] == "limit", "still one set per 30 days: %r" % fb)
        # Locked out for one period from now, not until the wrong clock's 2027.
        check(fb["next_eligible"].startswith("2026-07-01"), "next eligible: %r" % fb)
        # And across a restart in the same boot, measured on CLOCK_BOOTTIME.
        w.close()
        k.stop()
        k.start()
        w = k.watch()
        k.tap(uid)
        fb = w.feedback()
        check(fb["result"] == "limit" and fb["next_eligible"].startswith("2026-07-01"),
              "after a restart: %r" % fb)
        w.close()
    finally:
        k.cleanup()


def synchronized_flag_recorded():
    k = Kiosk(config_extra="[policy]\nlimit = 0")
    flag = os.path.join(k.dir, "synchronized")
    k.env["KIOSKD_TIMESYNC_FLAG"] = flag
    try:
        k.start()
        check(k.status()["clock_synchronized"] is False, "no flag: not synchronized")
        k.ctl("restock", "5", check_rc=0)
        open(flag, "w").close()
        check(k.status()["clock_synchronized"] is True, "flag: synchronized")
        w = k.watch()
        k.tap("04a1b2c3d4e5f6")
        w.feedback()
        r = k.ctl("log", "--json", check_rc=0)
        import json
        events = [json.loads(line) for line in r.stdout.splitlines()]
        check([e["clock_synced"] for e in events] == [False, True],
              "each event records the clock's state: %r" % events)
        r = k.ctl("export", "csv", check_rc=0)
        check(r.stdout.splitlines()[1].endswith(",no"),
              "a day with an unsynchronized event is flagged: %r" % r.stdout)
        w.close()
    finally:
        k.cleanup()


def main():
    t = Tap()
    t.run("calendar month in Asia/Tokyo across its boundary (faketime)", month_boundary_in_tokyo)
    t.run("wall clock a year ahead, then put right: locked out one period, no more",
          wall_clock_put_right)
    t.run("clock synchronization recorded with events and days", synchronized_flag_recorded)
    t.done()


if __name__ == "__main__":
    main()
