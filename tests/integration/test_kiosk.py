"""kioskd end to end with the reader's test double: taps, counts through
kioskctl, debounce, limits, stock, reload, and the control socket's rules."""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import kiosk_case, Failure, Kiosk, Tap, check, wait_until  # noqa: E402


def with_kiosk(config_extra="", stock=10, env=None):
    """Decorator: runs the test with a started, stocked kiosk and a watcher."""
    return kiosk_case(stock=stock, config_extra=config_extra, env=env)


def counters(k):
    return k.status()["today"]


@with_kiosk()
def tap_is_logged_handout(k, w):
    k.tap("04a1b2c3d4e5f6")
    fb = w.feedback()
    check(fb["result"] == "grant" and not fb["repeat"], "first tap granted: %r" % fb)
    s = k.status()
    check(s["today"]["handouts"] == 1, "one handout today")
    check(s["today"]["new_cards"] == 1, "one new card")
    check(s["stock"]["level"] == 9, "stock 10 -> 9")
    check(s["month"]["handouts"] == 1, "one handout this month")
    log = k.ctl("log", "--json", check_rc=0).stdout.splitlines()
    kinds = [json.loads(l)["kind"] for l in log]
    check(kinds == ["restock", "handout"], "log: %r" % kinds)
    handout = json.loads(log[-1])
    check(handout["seq"] == fb["seq"], "feedback's seq is the logged handout's")


@with_kiosk()
def held_card_is_one_tap(k, w):
    k.reader("place a 04a1b2c3d4e5f6")
    first = w.feedback()
    check(first["result"] == "grant", "granted")
    # Held: no further tap event while it stays; lifted and put back within
    # the debounce window: the same tap, shown again.
    k.reader("remove")
    k.reader("place a 04a1b2c3d4e5f6")
    again = w.feedback()
    check(again["repeat"] and again["result"] == "grant" and again["seq"] == first["seq"],
          "same tap again: %r" % again)
    k.reader("remove")
    check(counters(k)["handouts"] == 1, "one handout, not two")


@with_kiosk(config_extra="[policy]\ndebounce_seconds = 1")
def limit_enforced_across_taps(k, w):
    uid = "04a1b2c3d4e5f6"
    k.tap(uid)
    first = w.feedback()
    check(first["result"] == "grant", "first tap granted")

    # Back at once: the same tap, shown again.
    k.tap(uid)
    again = w.feedback()
    check(again["repeat"] and again["result"] == "grant", "same tap: %r" % again)
    # Back after the 1 s debounce window (the wait is the rule under test,
    # not a guess at timing): a new tap, over the limit.
    time.sleep(1.3)
    k.tap(uid)
    ev = w.feedback()
    check(not ev["repeat"] and ev["result"] == "limit", "limit: %r" % ev)
    check("next_eligible" in ev, "a limit denial says when: %r" % ev)
    c = counters(k)
    check(c["handouts"] == 1, "still one handout")
    check(c["denied_limit"] >= 1, "denial counted")
    # Another card is not affected.
    k.tap("04a1b2c3d4e5f7")
    check(w.feedback()["result"] == "grant", "another card granted")


@with_kiosk(stock=2)
def out_of_stock_then_restock(k, w):
    for uid in ("04000000000001", "04000000000002"):
        k.tap(uid)
        check(w.feedback()["result"] == "grant", "granted while stocked")
    k.tap("04000000000003")
    check(w.feedback()["result"] == "out_of_stock", "out of stock")
    s = k.status()
    check(s["stock"]["level"] == 0 and s["stock"]["low"], "stock 0, low")
    check(s["today"]["denied_out_of_stock"] == 1, "counted")
    k.ctl("restock", "5", check_rc=0)
    k.reader("tap a 04000000000004")
    check(w.feedback()["result"] == "grant", "granted after restock")
    k.ctl("stock", "set", "3", check_rc=0)
    s = k.status()
    check(s["stock"]["level"] == 3, "stock set")
    check(s["today"]["restocked_sets"] == 7, "restocks counted, the correction not")


@with_kiosk()
def felica_and_unusable_cards(k, w):
    k.tap("0123456789abcdef", tech="felica")
    check(w.feedback()["result"] == "grant", "FeliCa card granted")
    k.tap("08a1b2c3")
    check(w.feedback()["result"] == "unusable_card", "random-UID card is unusable")
    c = counters(k)
    check(c["handouts"] == 1 and c["denied_unusable_card"] == 1, "counted: %r" % c)


@with_kiosk()
def sighup_reloads_config(k, w):
    k.write_config("[policy]\nlimit = 2\ndebounce_seconds = 0")
    k.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "reload: done" in k.log(), 10, "the reload")
    uid = "04a1b2c3d4e5f6"
    for want in ("grant", "grant", "limit"):
        k.tap(uid)
        got = w.feedback()["result"]
        check(got == want, "limit 2 after reload: wanted %s, got %s" % (want, got))
    # A broken file on reload: kept running with the old config.
    with open(k.config, "a") as f:
        f.write("[policy]\nlimmit = 3\n")
    k.proc.send_signal(signal.SIGHUP)
    wait_until(lambda: "keeping the running configuration" in k.log(), 10, "the refused reload")
    check("unknown key" in k.log(), "the error is logged: " + k.log()[-400:])
    check(k.proc.poll() is None, "still running")
    k.tap("04a1b2c3d4e5f7")
    check(w.feedback()["result"] == "grant", "still serving")


@with_kiosk()
def repeat_names_its_own_handout(k, w):
    k.tap("04a1b2c3d4e5f6")
    a = w.feedback()
    k.tap("04a1b2c3d4e5f7")
    b = w.feedback()
    check(a["result"] == b["result"] == "grant" and a["seq"] != b["seq"], "two grants")
    # The first card again within its debounce window, after another card.
    k.tap("04a1b2c3d4e5f6")
    again = w.feedback()
    check(again["repeat"] and again["seq"] == a["seq"],
          "a repeat names the handout it repeats: %r (first was %r)" % (again, a))
    check(counters(k)["handouts"] == 2, "two handouts")


def pipelined_requests_and_half_close():
    """Many requests written at once, then the writing side shut: every answer
    arrives, in order (kioskd reads the next request only once the last
    answer is out, and finishes answering after the client's end of file)."""
    import socket as socketmod
    k = Kiosk().start()
    try:
        n = 400
        s = socketmod.socket(socketmod.AF_UNIX, socketmod.SOCK_STREAM)
        s.connect(k.socket)
        s.sendall(b"".join(b'{"cmd":"status"}\n' for _ in range(n)))
        s.shutdown(socketmod.SHUT_WR)
        # Not reading for a moment lets kioskd fill the socket and see our end
        # of file while answers are still queued (the case under test). If the
        # moment is too short the test is weaker, never wrong.
        time.sleep(0.5)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        lines = data.decode().splitlines()
        check(len(lines) == n, "%d answers for %d requests (%d bytes)" % (len(lines), n, len(data)))
        check(all(json.loads(line)["ok"] for line in lines), "all answered ok")
        check(len(data) > 300000, "more than a socket buffer's worth: %d bytes" % len(data))
        check(k.status()["ok"], "still serving")
    finally:
        k.cleanup()


def check_config_errors():
    k = Kiosk()
    try:
        with open(k.config, "a") as f:
            f.write("[policy]\nlimmit = 2\n")
        lines = open(k.config).read().splitlines()
        r = k_run([k.config])
        check(r.returncode == 1, "exit 1 on a bad config, got %d" % r.returncode)
        line_no = lines.index("limmit = 2") + 1
        want = "%s:%d: unknown key \"limmit\" in [policy] (did you mean \"limit\"?)" % (
            k.config, line_no)
        check(want in r.stderr, "error names file, line and key:\n" + r.stderr)
        k.write_config()
        r = k_run([k.config])
        check(r.returncode == 0 and "valid" in r.stdout, "a good config passes: " + r.stderr)
        r = k_run([k.config, "-o", "policy.limit=-1"])
        check(r.returncode == 1 and "command line" in r.stderr, "override checked: " + r.stderr)
    finally:
        k.cleanup()


def k_run(args):
    import subprocess
    from harness import KIOSKD
    return subprocess.run([KIOSKD, "--check-config"] + args, capture_output=True, text=True)


def key_file_refused():
    import subprocess
    from harness import KIOSKD
    k = Kiosk()
    try:
        os.chmod(k.key_file, 0o644)
        r = subprocess.run([KIOSKD, "-c", k.config], capture_output=True, text=True, timeout=30)
        check(r.returncode == 1, "refuses a readable key")
        check("chmod 600" in r.stderr, "says how to fix it: " + r.stderr)
        os.unlink(k.key_file)
        r = subprocess.run([KIOSKD, "-c", k.config], capture_output=True, text=True, timeout=30)
        check(r.returncode == 1 and "kioskctl keygen" in r.stderr,
              "a missing key says how to install one: " + r.stderr)
        check(not os.path.exists(k.socket), "did not start serving")
    finally:
        k.cleanup()


def kioskctl_bad_input():
    k = Kiosk().start()
    try:
        for args in (["frobnicate"], ["restock"], ["restock", "0"], ["restock", "-3"],
                     ["restock", "12abc"], ["stock", "set"], ["stock", "get", "1"],
                     ["log", "--limit", "x"], ["export", "xml"], ["status", "--yaml"], []):
            r = k.ctl(*args)
            check(r.returncode == 2, "kioskctl %r: exit 2, got %d" % (args, r.returncode))
            check("usage" in r.stderr, "kioskctl %r prints usage" % (args,))
        r = k.ctl("log", "--since", "yesterday-ish")
        check(r.returncode == 1 and "since" in r.stderr, "a bad --since is explained")
        # Raw protocol: bad JSON, unknown command, wrong types; the daemon keeps serving.
        check(not k.request({"cmd": "nope"})["ok"], "unknown command refused")
        check("sets" in k.request({"cmd": "restock", "sets": "ten"})["error"], "field named")
        check(not k.request({"cmd": "restock", "sets": 10**9})["ok"], "range checked")
        check(not k.request(["status"])["ok"], "non-object refused")
        check(k.status()["ok"], "still serving")
    finally:
        k.cleanup()


def socket_peer_rules():
    if os.geteuid() != 0:
        return "SKIP needs root to act as another user"
    import grp
    k = Kiosk(config_extra="[control]\ngroup = nogroup").start()
    try:
        st = os.stat(k.socket)
        check(st.st_mode & 0o777 == 0o660, "socket mode 0660, got %o" % (st.st_mode & 0o777))
        check(st.st_gid == grp.getgrnam("nogroup").gr_gid, "socket group from config")
        nobody = 65534
        os.chmod(k.dir, 0o755)  # let others reach the socket's directory
        # A member of the group is served.
        r = k.ctl("status", "--json", user=(nobody, nobody, [grp.getgrnam("nogroup").gr_gid]))
        check(r.returncode == 0, "group member served: " + r.stderr)
        # Someone else: the file mode stops them ...
        r = k.ctl("status", user=(nobody, 12345, []))
        check(r.returncode == 1 and "Permission denied" in r.stderr, "mode stops others: " + r.stderr)
        # ... and if the mode were wrong, the peer check still does.
        os.chmod(k.socket, 0o666)
        r = k.ctl("status", user=(nobody, 12345, []))
        check(r.returncode == 1 and "not allowed" in r.stderr, "peer check: " + r.stderr)
        check("is not allowed" in k.log(), "refusal logged")
        check(k.status()["ok"], "still serving")
    finally:
        k.cleanup()


def store_locked_then_free():
    import sqlite3
    k = Kiosk()
    try:
        k.start()
        k.ctl("restock", "5", check_rc=0)
        k.stop()
        holder = sqlite3.connect(k.db, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        k.start()
        s = k.status()
        check(s["store"]["state"] == "unavailable" and "locked" in s["store"]["error"],
              "locked store reported: %r" % s["store"])
        w = k.watch()
        k.tap("04a1b2c3d4e5f6")
        check(w.feedback()["result"] == "out_of_service", "nothing handed out while locked")
        holder.execute("ROLLBACK")
        holder.close()
        k.reader("tap a 04a1b2c3d4e5f7 100")
        check(w.feedback()["result"] == "grant", "served once the lock is gone")
        check(k.status()["stock"]["level"] == 4, "stock intact")
        w.close()
    finally:
        k.cleanup()


def damaged_store_untouched():
    import hashlib
    import sqlite3
    k = Kiosk()
    try:
        os.makedirs(k.data_dir)
        cases = {
            "not a database": lambda: open(k.db, "wb").write(b"not a database\n" * 300),
            "newer schema": lambda: sqlite3.connect(k.db).execute("PRAGMA user_version = 99"),
        }
        for what, make in cases.items():
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(k.db + suffix):
                    os.unlink(k.db + suffix)
            make()
            before = hashlib.sha256(open(k.db, "rb").read()).hexdigest()
            k.start()
            s = k.status()
            check(s["store"]["state"] == "unavailable", "%s: reported" % what)
            check(("newer" if what == "newer schema" else "not a kiosk database")
                  in s["store"]["error"], "%s: explained: %s" % (what, s["store"]["error"]))
            r = k.ctl("restock", "3")
            check(r.returncode == 1 and "store unavailable" in r.stderr, "%s: restock refused" % what)
            k.stop()
            after = hashlib.sha256(open(k.db, "rb").read()).hexdigest()
            check(before == after, "%s: file untouched" % what)
    finally:
        k.cleanup()


def second_kioskd_refused():
    k = Kiosk().start()
    try:
        import subprocess
        from harness import KIOSKD
        r = subprocess.run([KIOSKD, "-c", k.config], capture_output=True, text=True, timeout=30)
        check(r.returncode == 1 and "another kioskd" in r.stderr, "refused: " + r.stderr)
        check(k.status()["ok"], "the first keeps serving")
    finally:
        k.cleanup()


def export_csv_for_excel():
    k = Kiosk().start()
    try:
        k.ctl("restock", "4", check_rc=0)
        w = k.watch()
        k.tap("04a1b2c3d4e5f6")
        w.feedback()
        import subprocess
        raw = subprocess.run([__import__("harness").KIOSKCTL, "-s", k.socket, "export", "csv"],
                             capture_output=True, timeout=30).stdout
        check(raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM")
        import csv
        import io
        rows = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"))))
        check(len(rows) == 1, "one day")
        check(rows[0]["handouts"] == "1" and rows[0]["restocked_sets"] == "4", "counts: %r" % rows)
        check(rows[0]["date"] == k.status()["today"]["date"], "local date")
        w.close()
    finally:
        k.cleanup()


def main():
    t = Tap()
    for fn in (tap_is_logged_handout, held_card_is_one_tap, limit_enforced_across_taps,
               out_of_stock_then_restock, felica_and_unusable_cards, sighup_reloads_config,
               repeat_names_its_own_handout, pipelined_requests_and_half_close,
               check_config_errors, key_file_refused, kioskctl_bad_input, socket_peer_rules,
               store_locked_then_free, damaged_store_untouched, second_kioskd_refused,
               export_csv_for_excel):
        t.run(fn.__name__, fn)
    t.done()


if __name__ == "__main__":
    main()
