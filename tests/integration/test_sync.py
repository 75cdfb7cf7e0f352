"""The sync client in the real kioskd against the real officed on loopback.

Over plain HTTP (loopback only) and over HTTPS with a test CA made here (the
client verifies it; a public-key pin is honoured and a wrong one refused);
a kiosk offline for 90 days (libfaketime) catching up in one sync; a
restored kiosk with an empty store; a catch-up over the office's body cap
arriving whole in several reports; a day the office refuses not holding up
the others; Retry-After; staff card events becoming a new content version
that the kiosk downloads; token mistakes; the tap path staying fast while
the office stalls; and no UID or token in what crosses the network or the
logs.
"""

import json
import os
import sqlite3
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (FAKETIME_LIB, ROOT, SLOW, Failure, FaultProxy, Kiosk, Office, Tap,  # noqa: E402
                     card_id, check, connect_kiosk, day_counters, free_port, kiosk_days,
                     wait_until)

CONTENT = os.path.join(ROOT, "firmware", "content.example.json")
FAST = ("report_delay = 0\ntimeout = 2\nconnect_timeout = 2\nbackoff_base_ms = 20\n"
        "backoff_cap_ms = 200\n")
UNLIMITED = "[policy]\nlimit = 0\ndebounce_seconds = 0\n[stock]\nlow_water = 0\n"


def sync_now(k, ok=True):
    """`kioskctl sync now`, which waits for the sync it asked for."""
    r = k.ctl("sync", "now")
    if ok:
        check(r.returncode == 0, "sync now failed: %s%s\n%s" % (r.stdout, r.stderr, k.log()[-2000:]))
    return r


def agree(k, office, token):
    mine, theirs = kiosk_days(k), office.state(token)
    check(set(mine) == set(theirs), "days: kiosk %r office %r" % (sorted(mine), sorted(theirs)))
    for date in mine:
        check(day_counters(mine[date]) == day_counters(theirs[date]) and
              mine[date]["revision"] == theirs[date]["revision"],
              "%s: kiosk %r office %r" % (date, mine[date], theirs[date]))
    return mine


def activity(k, w, uids, restock=5):
    check(k.request({"cmd": "restock", "sets": restock})["ok"], "restock")
    for uid in uids:
        k.tap(uid, hold_ms=1)
        w.feedback(10)


def plain_http_loopback():
    office = Office().start()
    token = office.add_kiosk("test-kiosk-1")
    k = connect_kiosk(Kiosk(), office.url, token, extra=FAST + UNLIMITED)
    try:
        k.start()
        w = k.watch()
        activity(k, w, ["04a1b2c3d4e5f6", "04a1b2c3d4e5f7"])
        ev = w.next(10, "sync")
        check(ev["result"] == "ok", "sync event: %r" % ev)
        sync_now(k)
        agree(k, office, token)
        s = k.status()["sync"]
        check(s["state"] in ("idle", "syncing") and s["last_success"] and s["last_error"] is None,
              "status: %r" % s)
        check(s["pending_days"] == 0, "nothing pending: %r" % s)
        w.close()
    finally:
        k.cleanup()
        office.cleanup()


def https_with_test_ca():
    office = Office(tls=True).start()
    token = office.add_kiosk("test-kiosk-1")
    tls = office.tls
    url = "https://localhost:%d" % office.port
    k = Kiosk()
    try:
        # Verified against the test CA, with the right pin.
        connect_kiosk(k, url, token, ca=tls["ca"], pin=tls["pin"], extra=FAST + UNLIMITED)
        k.start()
        w = k.watch()
        activity(k, w, ["04aa00000000b1"])
        sync_now(k)
        agree(k, office, token)
        w.close()
        k.stop()
        # The system's CAs do not know the test CA: refused, and said so.
        connect_kiosk(k, url, token, extra=FAST + UNLIMITED)
        k.start()
        r = sync_now(k, ok=False)
        check(r.returncode != 0, "a certificate from an unknown CA was accepted")
        err = k.status()["sync"]["last_error"] or ""
        check("certificate" in err.lower() or "ssl" in err.lower(), "error: %r" % err)
        k.stop()
        # A wrong pin: refused even though the CA is right.
        wrong = "sha256//" + "A" * 43 + "="
        connect_kiosk(k, url, token, ca=tls["ca"], pin=wrong, extra=FAST + UNLIMITED)
        k.start()
        r = sync_now(k, ok=False)
        check(r.returncode != 0, "a wrong public-key pin was accepted")
        err = k.status()["sync"]["last_error"] or ""
        check("public key" in err.lower() or "pinned" in err.lower(), "error: %r" % err)
    finally:
        k.cleanup()
        office.cleanup()


def faked_kiosk(start, extra):
    k = Kiosk()
    stamp = os.path.join(k.dir, "faketime")
    with open(stamp, "w") as f:
        f.write("@" + start + "\n")
    env = {"LD_PRELOAD": FAKETIME_LIB, "FAKETIME_TIMESTAMP_FILE": stamp, "FAKETIME_NO_CACHE": "1",
           "TZ": "Asia/Tokyo", "FAKETIME_DONT_FAKE_MONOTONIC": "1"}
    asan = os.environ.get("ASAN_OPTIONS", "")
    env["ASAN_OPTIONS"] = (asan + ":" if asan else "") + "verify_asan_link_order=0"
    k.env.update(env)
    k.set_time = lambda when: open(stamp, "w").write("@" + when + "\n")
    return k


def ninety_days_offline():
    if not os.path.exists(FAKETIME_LIB):
        return "SKIP libfaketime is not installed"
    port = free_port()
    office = Office(extra={"server": {"listen": "127.0.0.1:%d" % port}})
    token = office.add_kiosk("test-kiosk-1")
    # The kiosk reaches the office through a proxy that only measures.
    proxy = FaultProxy(office.dir, port, seed=1)
    start = time.time() - 89 * 86400
    k = faked_kiosk(time.strftime("%Y-%m-%d 12:00:00", time.localtime(start)), "")
    try:
        connect_kiosk(k, proxy.url, token, extra="report_delay = 0\n" + UNLIMITED)
        k.start()
        w = k.watch()
        for day in range(90):
            t = start + day * 86400
            k.set_time(time.strftime("%Y-%m-%d 12:00:00", time.localtime(t)))
            activity(k, w, ["04%012x" % (day * 7 + i) for i in range(1 + day % 3)], restock=3)
        k.set_time(time.strftime("%Y-%m-%d %H:%M:%S"))
        check(len(kiosk_days(k)) >= 90, "90 days of counts: %d" % len(kiosk_days(k)))
        office.start()
        r = sync_now(k)
        check("1 report," in r.stdout, "one report for 90 days: %r" % r.stdout)
        mine = agree(k, office, token)
        size = proxy.stats()["max_body"]
        check(size <= 20 * 1024, "the 90-day catch-up is %d bytes gzipped (> 20 KB)" % size)
        w.close()
        print("# %d days caught up in one report of %d bytes gzipped" % (len(mine), size))
    finally:
        proxy.stop()
        k.cleanup()
        office.cleanup()


def restored_kiosk_empty_store():
    port = free_port()
    office = Office(extra={"server": {"listen": "127.0.0.1:%d" % port}}).start()
    token = office.add_kiosk("test-kiosk-1")
    k = connect_kiosk(Kiosk(), "http://127.0.0.1:%d" % port, token, extra=FAST + UNLIMITED)
    try:
        k.start()
        w = k.watch()
        activity(k, w, ["04000000000001", "04000000000002", "04000000000003"], restock=10)
        sync_now(k)
        before = agree(k, office, token)
        w.close()
        k.stop()
        # The SD card is replaced: a new, empty store. The office is away when
        # the kiosk starts, and taps go on before it is back.
        import shutil
        shutil.rmtree(k.data_dir)
        office.stop()
        k.start()
        w = k.watch()
        activity(k, w, ["04000000000004"], restock=2)
        check(k.status()["sync"]["restore_pending"], "the new store asks the office first")
        office.start()
        sync_now(k)
        after = agree(k, office, token)
        today = max(before)
        check(day_counters(after[today])[0] == day_counters(before[today])[0] + 1,
              "one handout more than before: %r then %r" % (before[today], after[today]))
        check(day_counters(after[today])[7] == day_counters(before[today])[7] + 2,
              "restocks add up: %r then %r" % (before[today], after[today]))
        check(not k.status()["sync"]["restore_pending"], "restore done")
        w.close()
    finally:
        k.cleanup()
        office.cleanup()


def insert_days(k, days):
    """Counts for past days straight into a stopped kiosk's store (as if it
    had run then): (date, handouts, restocked, revision)."""
    db = sqlite3.connect(k.db)
    for date, handouts, restocked, rev in days:
        db.execute("INSERT INTO day_counters (local_date, handouts, restocked_sets, new_cards,"
                   " revision) VALUES (?, ?, ?, ?, ?)", (date, handouts, restocked, handouts, rev))
    db.commit()
    db.close()


def catch_up_over_body_cap():
    office = Office(body_cap=2048).start()
    token = office.add_kiosk("test-kiosk-1")
    k = connect_kiosk(Kiosk(), office.url, token, extra=FAST + UNLIMITED)
    try:
        k.start(wait=True)
        k.stop()
        insert_days(k, [("2026-%02d-%02d" % (1 + i // 28, 1 + i % 28), i + 1, 10, i + 2)
                        for i in range(40)])
        k.start()
        r = sync_now(k)
        reports = int(r.stdout.split("ok: ")[1].split(" report")[0])
        check(reports >= 4, "40 days under a 2 KB cap take several reports: %r" % r.stdout)
        agree(k, office, token)
        check("413" in office.log() or "split" in k.log(), "the 413 was met and split")
        print("# 40 days in %d reports under a 2048-byte cap" % reports)
    finally:
        k.cleanup()
        office.cleanup()


def refused_day_does_not_block():
    office = Office().start()
    token = office.add_kiosk("test-kiosk-1")
    k = connect_kiosk(Kiosk(), office.url, token, extra=FAST + UNLIMITED)
    try:
        k.start()
        k.stop()
        # 2026-03-02 holds a count past the protocol's range: the office refuses it.
        insert_days(k, [("2026-03-01", 3, 5, 4), ("2026-03-02", 20000000, 0, 9),
                        ("2026-03-03", 2, 0, 2)])
        k.start()
        sync_now(k)
        theirs = office.state(token)
        check("2026-03-01" in theirs and "2026-03-03" in theirs, "the good days arrived: %r" % theirs)
        check("2026-03-02" not in theirs, "the bad day was refused")
        s = k.status()["sync"]
        bad = [d for d in s["rejected_days"] if d["date"] == "2026-03-02"]
        check(bad and "handouts" in bad[0]["reason"], "flagged with the field: %r" % s)
        check(s["pending_days"] == 0, "nothing else pending: %r" % s)
        check(kiosk_days(k)["2026-03-02"]["handouts"] == 20000000, "kept on the kiosk")
        r = k.ctl("status")
        check("REFUSED" in r.stdout and "2026-03-02" in r.stdout, "kioskctl status: %s" % r.stdout)
    finally:
        k.cleanup()
        office.cleanup()


def retry_after_is_honoured():
    office = Office().start()
    token = office.add_kiosk("test-kiosk-1")
    k = Kiosk()
    proxy = FaultProxy(k.dir, office.port, seed=3, faults="e429=1.0", retry_after=2)
    try:
        connect_kiosk(k, proxy.url, token, extra=FAST + UNLIMITED)
        k.start()
        wait_until(lambda: proxy.stats().get("requests", 0) >= 1, 10, "a first request")
        t0 = proxy.stats()["times"][0]
        wait_until(lambda: proxy.stats().get("requests", 0) >= 3, 15, "two retries")
        times = proxy.stats()["times"]
        gaps = [b - a for a, b in zip(times, times[1:])]
        check(all(g >= 1.9 for g in gaps[:2]), "retries %r s apart; Retry-After: 2" % gaps)
        check(times[0] == t0, "same series")
        s = k.status()["sync"]
        check(s["state"] == "backoff" and "429" in (s["last_error"] or ""), "status: %r" % s)
    finally:
        proxy.stop()
        k.cleanup()
        office.cleanup()


def card_events_publish_content():
    office = Office().start()
    token = office.add_kiosk("test-kiosk-1")
    office.cli("content", "import", CONTENT)
    k = connect_kiosk(Kiosk(), office.url, token, extra=FAST + UNLIMITED)
    try:
        k.start()
        sync_now(k)
        first = k.status()["sync"]["content_etag"]
        check(first.startswith('"1-'), "the imported bundle reached the kiosk: %r" % first)
        cid = card_id(k.key, "a", "04c0ffee000001")
        r = k.ctl("card", "revoke", cid)
        check(r.returncode == 0, "card revoke: %s" % r.stderr)
        sync_now(k)
        s = k.status()["sync"]
        check(s["content_etag"].startswith('"2-'), "a new version with the revocation: %r" % s)
        status, headers, body = office.request("GET", "/v1/content", token=token)
        check(status == 200 and cid in json.loads(body)["revoked_cards"], "folded: %r" % body[:200])
        etag = headers["ETag"]
        status, _, _ = office.request("GET", "/v1/content", token=token,
                                      headers={"If-None-Match": etag})
        check(status == 304, "If-None-Match with the current ETag: %d" % status)
        # The kiosk enforces it: the card is refused as revoked.
        w = k.watch()
        k.tap("04c0ffee000001")
        check(w.feedback()["result"] == "revoked", "the revoked card is refused")
        w.close()
    finally:
        k.cleanup()
        office.cleanup()


def token_mistakes():
    office = Office().start()
    office.add_kiosk("test-kiosk-1")
    k = Kiosk()
    try:
        connect_kiosk(k, office.url, "x" * 43, extra=FAST + UNLIMITED)
        os.chmod(os.path.join(k.dir, "office.token"), 0o644)
        k.start()
        s = k.status()["sync"]
        check(s["state"] == "disabled" and "chmod 600" in s.get("error", ""), "status: %r" % s)
        r = k.ctl("sync", "now")
        check(r.returncode != 0 and "chmod" in r.stderr, "sync now says why: %r" % r.stderr)
        k.stop()
        # A token the office does not know: 401, shown, not retried in a loop.
        os.chmod(os.path.join(k.dir, "office.token"), 0o600)
        k.start()
        r = sync_now(k, ok=False)
        s = k.status()["sync"]
        check("401" in (s["last_error"] or ""), "status: %r" % s)
        check(s["next_attempt"] is None or s["failures"] <= 2, "not retried at once: %r" % s)
    finally:
        k.cleanup()
        office.cleanup()


def tap_path_never_waits():
    office = Office().start()
    token = office.add_kiosk("test-kiosk-1")
    k = Kiosk()
    # Every request stalls: the kiosk's one request hangs for its whole timeout.
    proxy = FaultProxy(k.dir, office.port, seed=5, faults="stall=1.0", stall_seconds=60,
                       max_stalls=100)
    try:
        connect_kiosk(k, proxy.url, token, extra="report_delay = 0\ntimeout = 30\n" + UNLIMITED)
        k.start()
        w = k.watch()
        k.request({"cmd": "restock", "sets": 20})
        wait_until(lambda: proxy.stats().get("stall", 0) >= 1, 10, "a stalled request")
        worst = 0.0
        for i in range(5):
            t = time.monotonic()
            k.tap("04d00000000%03d" % i, hold_ms=1)
            check(w.feedback(5)["result"] == "grant", "grant")
            worst = max(worst, time.monotonic() - t)
        check(k.status()["sync"]["state"] == "syncing", "the request was still hanging")
        check(worst < 0.5 * SLOW, "a tap took %.3f s while the office stalled" % worst)
        w.close()
        print("# worst tap %.1f ms with a request stalled" % (worst * 1000))
    finally:
        proxy.stop()
        k.cleanup()
        office.cleanup()


def no_uid_or_token_on_the_wire_or_in_logs():
    office = Office().start()
    token = office.add_kiosk("test-kiosk-1")
    k = Kiosk(env={})
    proxy = FaultProxy(k.dir, office.port, seed=9)
    uids = ["04a1b2c3d4e5f6", "3c5d7e9f", "0123456789abcdef"]
    try:
        connect_kiosk(k, proxy.url, token, extra=FAST + UNLIMITED + "[log]\nlevel = debug\n")
        k.start()
        w = k.watch()
        activity(k, w, uids[:2])
        k.tap(uids[2], "felica", hold_ms=1)
        w.feedback(10)
        k.ctl("card", "revoke", card_id(k.key, "a", uids[0]))
        sync_now(k)
        w.close()
        k.stop()
        office.stop()
        with open(proxy.dump_path, "rb") as f:
            wire = f.read().decode("utf-8", "replace").lower()
        check(wire, "the proxy saw the reports")
        places = {"the wire": wire, "kioskd's log": k.log().lower(), "officed's log": office.log().lower()}
        for where, text in places.items():
            for uid in uids:
                spellings = {uid, ":".join(uid[i:i + 2] for i in range(0, len(uid), 2)),
                             " ".join(uid[i:i + 2] for i in range(0, len(uid), 2))}
                for s in spellings:
                    check(s not in text, "UID %s found in %s" % (s, where))
            check(token.lower() not in text, "the token found in %s" % where)
        db = open(os.path.join(office.dir, "office.db"), "rb").read()
        check(token.encode() not in db, "the token is in the office's database")
    finally:
        proxy.stop()
        k.cleanup()
        office.cleanup()


def no_office_configured():
    k = Kiosk()
    try:
        k.start()
        s = k.status()["sync"]
        check(s["configured"] is False and s["state"] == "disabled", "status: %r" % s)
        r = k.ctl("sync", "now")
        check(r.returncode != 0 and "no office" in r.stderr, "sync now: %r" % r.stderr)
    finally:
        k.cleanup()


if __name__ == "__main__":
    t = Tap()
    t.run("sync over plain HTTP on loopback", plain_http_loopback)
    t.run("sync over HTTPS: test CA verified, pin honoured, unknown CA and wrong pin refused",
          https_with_test_ca)
    t.run("a kiosk offline for 90 days catches up in one sync (<= 20 KB gzipped)",
          ninety_days_offline)
    t.run("a restored kiosk with an empty store neither loses nor doubles",
          restored_kiosk_empty_store)
    t.run("a catch-up over the body cap arrives whole in several reports (413 splits)",
          catch_up_over_body_cap)
    t.run("a day the office refuses is flagged and does not block the others",
          refused_day_does_not_block)
    t.run("Retry-After is honoured", retry_after_is_honoured)
    t.run("staff card events become a new content version the kiosk downloads",
          card_events_publish_content)
    t.run("token file open to others, unknown token: said, not retried in a loop", token_mistakes)
    t.run("the tap path never waits for a stalled office", tap_path_never_waits)
    t.run("no UID or token on the wire, in kioskd's log or in officed's",
          no_uid_or_token_on_the_wire_or_in_logs)
    t.run("no office configured", no_office_configured)
    t.done()
