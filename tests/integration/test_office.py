"""officed on its own: the kiosk registry, content publication, and what it
does with bad input (401, 403, 400 naming the field, 413, 415, 404, 405,
stalled clients), storing every report whole or not at all and serving on
throughout. Then the same on PostgreSQL: a cluster the test starts itself
(as an unprivileged user, on a free port), officed on it, two officed
instances sharing it, and the storage unit tests (tests/unit/
test_office_storage.c) run against it as they run against SQLite.
"""

import gzip
import json
import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (BUILD, ROOT, SLOW, Failure, Kiosk, Office, Postgres, Tap, check,  # noqa: E402
                     connect_kiosk, kiosk_days, wait_until)

CONTENT = os.path.join(ROOT, "firmware", "content.example.json")
COUNTERS = ("handouts", "denied_limit", "denied_revoked", "denied_not_issued",
            "denied_out_of_stock", "denied_unusable_card", "not_taken", "restocked_sets",
            "new_cards", "help_requests")


def day(date, revision, handouts=1, **more):
    d = {"date": date, "revision": revision, "clock_unsynced": 0}
    d.update({c: 0 for c in COUNTERS})
    d["handouts"] = handouts
    d.update(more)
    return d


def report(kiosk_id="k1", site_id="12", days=(), sent_at=None, synced=True, events=()):
    return {"protocol": 1, "kiosk_id": kiosk_id, "site_id": site_id, "firmware": "test",
            "sent_at": int(time.time()) if sent_at is None else sent_at,
            "clock_synchronized": synced,
            "stock": {"level": 5, "low_water": 2, "low": False},
            "health": {"reader": "ok", "display": "none", "last_error": ""},
            "days": list(days), "card_events": list(events)}


def post(office, token, body, headers=None):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    status, h, raw = office.request("POST", "/v1/report", token=token, body=data, headers=headers)
    try:
        answer = json.loads(raw) if raw else {}
    except ValueError:
        answer = {"raw": raw}
    return status, answer


def registry():
    office = Office()
    try:
        r = office.cli("kiosk", "add", "k1", "--site", "12")
        token = r.stdout.strip()
        check(len(token) == 43 and "\n" not in token, "one token line: %r" % r.stdout)
        check(token not in r.stderr, "the token is printed once, on stdout only")
        r = office.cli("kiosk", "add", "k1", "--site", "12", check_rc=1)
        check("already registered" in r.stderr, "a second add: %r" % r.stderr)
        r = office.cli("kiosk", "add", "bad id", "--site", "12", check_rc=2)
        office.cli("kiosk", "add", "k2", "--site", "13")
        r = office.cli("kiosk", "list", "--json")
        rows = [json.loads(line) for line in r.stdout.splitlines()]
        check([x["kiosk_id"] for x in rows] == ["k1", "k2"], "list: %r" % rows)
        office.cli("kiosk", "revoke", "k2")
        r = office.cli("kiosk", "revoke", "nope", check_rc=1)
        check("no kiosk nope" in r.stderr, "revoke unknown: %r" % r.stderr)
        rows = {json.loads(line)["kiosk_id"]: json.loads(line)
                for line in office.cli("kiosk", "list", "--json").stdout.splitlines()}
        check(rows["k2"]["state"] == "revoked", "revoked: %r" % rows)
        db = sqlite3.connect(os.path.join(office.dir, "office.db"))
        stored = db.execute("SELECT token_sha256 FROM kiosks WHERE kiosk_id = 'k1'").fetchone()[0]
        import hashlib
        check(stored == hashlib.sha256(token.encode()).hexdigest(), "SHA-256 stored, not the token")
        db.close()
    finally:
        office.cleanup()


def bad_input():
    office = Office(body_cap=4096, extra={"server": {"timeout": "2"}}).start()
    token = office.add_kiosk("k1", "12")
    other = office.add_kiosk("k2", "13")
    try:
        good = report(days=[day("2026-11-01", 3)])
        # 401
        for t in (None, "not-a-token", token + "x"):
            status, a = post(office, t, good)
            check(status == 401 and "token" in a["error"], "token %r: %d %r" % (t, status, a))
        status, _, _ = office.request("GET", "/v1/content", headers={"Authorization": "Basic eDp5"})
        check(status == 401, "Basic auth: %d" % status)
        # 403: another kiosk's data, another site
        status, a = post(office, other, good)
        check(status == 403 and "k2" in a["error"], "another kiosk: %d %r" % (status, a))
        status, a = post(office, token, report(site_id="13", days=[day("2026-11-01", 3)]))
        check(status == 403 and "site" in a["error"], "another site: %d %r" % (status, a))
        # 400 naming the field
        cases = [
            (b"{not json", None),
            (report(days=[day("2026-11-01", 3, handouts=-1)]), "days[0].handouts"),
            (report(days=[day("2026-11-01", 3), day("2026-02-30", 1)]), "days[1].date"),
            (report(days=[day("2026-11-01", 0)]), "days[0].revision"),
            (report(days=[day("2026-11-01", 3), day("2026-11-01", 4)]), "days[1].date"),
            (dict(report(), stock={"level": "5"}), "stock.level"),
            (dict(report(), protocol=2), "protocol"),
            ({k: v for k, v in report().items() if k != "kiosk_id"}, "kiosk_id"),
            (report(events=[{"card_id": "04a1b2c3d4e5f6", "action": "revoked", "at": 1}]),
             "card_events[0].card_id"),
        ]
        for body, field in cases:
            status, a = post(office, token, body)
            check(status == 400, "%r: %d %r" % (field, status, a))
            if field:
                check(a.get("field") == field and field in a["error"], "%s: %r" % (field, a))
        status, a = post(office, token, report(days=[day("2026-11-01", 3), day("2026-11-02", 3,
                                                                               denied_limit=2.5)]))
        check(status == 400 and a["day_index"] == 1 and a["date"] == "2026-11-02",
              "the day at fault is named: %r" % a)
        # Never half a report: three good days and a bad one store nothing.
        status, a = post(office, token, report(days=[day("2026-10-0%d" % i, 2) for i in (1, 2, 3)]
                                               + [day("2026-10-04", 2, restocked_sets=10 ** 9)]))
        check(status == 400, "bad fourth day: %d" % status)
        check(not any(d.startswith("2026-10") for d in office.state(token)), "nothing stored")
        # 413: declared, chunked and inflated past the cap
        big = json.dumps(report(days=[day("2026-%02d-%02d" % (m, d), 1) for m in range(1, 4)
                                      for d in range(1, 28)])).encode()
        check(len(big) > 4096, "big is big")
        status, a = post(office, token, big)
        check(status == 413 and a["body_cap"] == 4096, "over the cap: %d %r" % (status, a))
        bomb = gzip.compress(b'{"protocol":1,"pad":"' + b"a" * 1000000 + b'"}')
        status, a = post(office, token, bomb, headers={"Content-Encoding": "gzip"})
        check(status == 413, "a gzip bomb: %d %r" % (status, a))
        status, a = post(office, token, b"\x1f\x8b garbage", headers={"Content-Encoding": "gzip"})
        check(status == 400 and "gzip" in a["error"], "bad gzip: %d %r" % (status, a))
        status, a = post(office, token, gzip.compress(json.dumps(good).encode()),
                         headers={"Content-Encoding": "gzip"})
        check(status == 200, "good gzip: %d %r" % (status, a))
        status, a = post(office, token, good, headers={"Content-Encoding": "br"})
        check(status == 415, "brotli: %d" % status)
        status, a = post(office, token, good, headers={"Content-Type": "text/plain"})
        check(status == 415, "text/plain: %d" % status)
        # chunked, no Content-Length, over the cap
        s = socket.create_connection(("127.0.0.1", office.port))
        s.sendall(("POST /v1/report HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                   % token).encode())
        for _ in range(8):
            s.sendall(b"400\r\n" + b" " * 1024 + b"\r\n")
        s.sendall(b"0\r\n\r\n")
        s.settimeout(10)
        answer = s.recv(4096).decode()
        s.close()
        check(" 413 " in answer.split("\r\n")[0], "chunked over the cap: %r" % answer[:80])
        # 404, 405
        status, _, _ = office.request("GET", "/v1/nope", token=token)
        check(status == 404, "unknown route: %d" % status)
        status, h, _ = office.request("GET", "/v1/report", token=token)
        check(status == 405 and h.get("Allow") == "POST", "GET /v1/report: %d %r" % (status, h))
        # A stalled client is cut off; others are served meanwhile.
        s = socket.create_connection(("127.0.0.1", office.port))
        s.sendall(("POST /v1/report HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\n"
                   "Content-Type: application/json\r\nContent-Length: 900\r\n\r\n{\"prot"
                   % token).encode())
        t0 = time.monotonic()
        status, a = post(office, token, report(days=[day("2026-11-05", 1)]))
        check(status == 200, "served while another client stalls: %d" % status)
        s.settimeout(30)
        rest = s.recv(4096)
        elapsed = time.monotonic() - t0
        s.close()
        check(rest == b"" and elapsed < 10 * SLOW, "stalled client closed after %.1fs: %r"
              % (elapsed, rest[:60]))
        status, _, body = office.request("GET", "/healthz")
        check(status == 200 and json.loads(body)["ok"], "still healthy: %r" % body)
        check(office.proc.poll() is None, "officed kept running")
        # Revoked: refused within the cache's lifetime, and nothing stored after.
        office.cli("kiosk", "revoke", "k1")
        wait_until(lambda: post(office, token, good)[0] == 401, 10, "the revoked token's 401")
    finally:
        office.cleanup()


def clock_flags():
    office = Office().start()
    token = office.add_kiosk("k1", "12")
    try:
        post(office, token, report(days=[day("2026-11-01", 1)]))
        post(office, token, report(days=[day("2026-11-02", 1)], synced=False))
        post(office, token, report(days=[day("2026-11-03", 1)], sent_at=int(time.time()) - 7200))
        post(office, token, report(days=[day("2026-11-04", 1, clock_unsynced=2)]))
        db = sqlite3.connect(os.path.join(office.dir, "office.db"))
        rows = {r[0]: (r[1], r[2]) for r in db.execute(
            "SELECT day, flag_unsynchronized, flag_clock_disagrees FROM days")}
        db.close()
        check(rows == {"2026-11-01": (0, 0), "2026-11-02": (1, 0), "2026-11-03": (0, 1),
                       "2026-11-04": (1, 0)}, "flags: %r" % rows)
        status, a = post(office, token, report(days=[], synced=False))
        check(a["clock_flagged"] is True, "the answer says so: %r" % a)
    finally:
        office.cleanup()


def revisions_and_answers():
    office = Office().start()
    token = office.add_kiosk("k1", "12")
    office.add_kiosk("k2", "13")
    office.cli("content", "import", CONTENT)
    try:
        status, a = post(office, token, report(days=[day("2026-11-01", 5, handouts=5)]))
        check(status == 200 and a["held"] == [{"date": "2026-11-01", "revision": 5}], "%r" % a)
        # An older revision never overwrites a newer one; the answer says what is held.
        status, a = post(office, token, report(days=[day("2026-11-01", 3, handouts=3)]))
        check(a["held"][0]["revision"] == 5, "older: %r" % a)
        check(office.state(token)["2026-11-01"]["handouts"] == 5, "kept the newer")
        # The same again: harmless.
        for _ in range(3):
            post(office, token, report(days=[day("2026-11-01", 5, handouts=5)]))
        check(office.state(token)["2026-11-01"]["handouts"] == 5, "resent: still 5")
        check(a["body_cap"] == 262144 and a["content_etag"].startswith('"1-'), "answer: %r" % a)
        # Nearby stock: site 13 (k2) reported, and it is near site 12 in the bundle.
        tok2 = office.add_kiosk("k3", "13")
        post(office, tok2, report("k3", "13"))
        status, a = post(office, token, report())
        check([n["site_id"] for n in a["nearby"]] == ["13"] and a["nearby"][0]["level"] == 5,
              "nearby: %r" % a["nearby"])
        # Content: ETag stable, 304, gzip on request.
        s1, h1, b1 = office.request("GET", "/v1/content", token=token)
        s2, h2, b2 = office.request("GET", "/v1/content", token=token)
        check(s1 == s2 == 200 and h1["ETag"] == h2["ETag"] and b1 == b2, "stable")
        s3, _, _ = office.request("GET", "/v1/content", token=token,
                                  headers={"If-None-Match": h1["ETag"]})
        check(s3 == 304, "304: %d" % s3)
        s4, h4, b4 = office.request("GET", "/v1/content", token=token,
                                    headers={"Accept-Encoding": "gzip"})
        check(h4.get("Content-Encoding") == "gzip" and gzip.decompress(b4) == b1, "gzip")
        # A bundle with a fault is refused, naming the field; nothing published.
        bad = json.load(open(CONTENT))
        bad["sites"][0]["lat"] = 123
        path = os.path.join(office.dir, "bad.json")
        json.dump(bad, open(path, "w"))
        r = office.cli("content", "import", path, check_rc=1)
        check("sites[0]" in r.stderr and "nothing published" in r.stderr, "refused: %r" % r.stderr)
        s5, h5, _ = office.request("GET", "/v1/content", token=token)
        check(h5["ETag"] == h1["ETag"], "still the same version")
    finally:
        office.cleanup()


def run_storage_tests(database_url, label):
    """tests/unit/test_office_storage on another backend; its cases become ours."""
    binary = os.path.join(BUILD, "tests", "test_office_storage")
    env = dict(os.environ, CMOCKA_MESSAGE_OUTPUT="TAP", OFFICE_TEST_DATABASE=database_url)
    r = subprocess.run([binary], capture_output=True, text=True, env=env, timeout=300 * SLOW)
    oks = [line for line in r.stdout.splitlines() if line.startswith("ok ")]
    bad = [line for line in r.stdout.splitlines() if line.startswith("not ok")]
    check(r.returncode == 0 and not bad and oks, "%s storage tests:\n%s%s" % (label, r.stdout,
                                                                              r.stderr))
    print("# %s: %d storage test cases passed" % (label, len(oks)))


def postgresql():
    pg = Postgres()
    why = pg.available()
    if why:
        return why
    pg.start()
    offices = []
    kiosks = []
    try:
        run_storage_tests(pg.url("postgres"), "PostgreSQL")
        # Two stateless officed on one database.
        a = Office(database=pg.url()).start()
        b = Office(database=pg.url()).start()
        offices += [a, b]
        a.cli("content", "import", CONTENT)
        tokens = [a.add_kiosk("test-kiosk-1", "12"), b.add_kiosk("k2", "13")]
        status, ans = post(b, tokens[1], report("k2", "13", days=[day("2026-11-01", 2)]))
        check(status == 200 and ans["content_etag"].startswith('"1-'), "via b: %r" % ans)
        check(a.state(tokens[1])["2026-11-01"]["handouts"] == 1, "a sees what b stored")
        # A real kiosk against the PostgreSQL office.
        k = connect_kiosk(Kiosk(), b.url, tokens[0], extra="report_delay = 0\n[policy]\nlimit = 0\n")
        kiosks.append(k)
        k.start()
        w = k.watch()
        k.request({"cmd": "restock", "sets": 4})
        for uid in ("04000000000011", "04000000000012"):
            k.tap(uid, hold_ms=1)
            w.feedback(10)
        r = k.ctl("sync", "now")
        check(r.returncode == 0, "sync via PostgreSQL: %s %s" % (r.stdout, r.stderr))
        mine, theirs = kiosk_days(k), a.state(tokens[0])
        for date in mine:
            check(mine[date]["handouts"] == theirs[date]["handouts"] and
                  mine[date]["revision"] == theirs[date]["revision"], "%s" % date)
        w.close()
        # Card events through both instances at once: versions never collide.
        results = []

        def send(office, token, kiosk_id, site, n):
            for i in range(n):
                ev = [{"card_id": "%032x" % (hash((kiosk_id, i)) & (2 ** 128 - 1)),
                       "action": "revoked", "at": 1700000000 + i}]
                results.append(post(office, token, report(kiosk_id, site, events=ev))[0])
        t1 = threading.Thread(target=send, args=(a, tokens[0], "test-kiosk-1", "12", 10))
        t2 = threading.Thread(target=send, args=(b, tokens[1], "k2", "13", 10))
        t1.start()
        t2.start()
        t1.join()
        t2.join()
        check(results == [200] * 20, "all stored: %r" % results)
        versions = pg.psql("office", "SELECT count(*), max(version), count(DISTINCT version) "
                           "FROM content").strip().split("|")
        check(versions[0] == versions[1] == versions[2] and int(versions[0]) >= 2,
              "versions 1..n, no gaps or twins: %r" % versions)
        status, _, body = b.request("GET", "/v1/content", token=tokens[1])
        check(len(json.loads(body)["revoked_cards"]) == 20, "all 20 folded in")
    finally:
        for k in kiosks:
            k.cleanup()
        for o in offices:
            o.cleanup()
        pg.stop()


def check_config():
    office = Office()
    try:
        r = subprocess.run([os.path.join(BUILD, "officed"), "--check-config", office.config],
                           capture_output=True, text=True)
        check(r.returncode == 0, "valid: %r" % r.stderr)
        bad = os.path.join(office.dir, "bad.conf")
        with open(bad, "w") as f:
            f.write("[server]\nlisten = 0.0.0.0:80\n[office]\nbody_cap = 10\nnope = 1\n")
        r = subprocess.run([os.path.join(BUILD, "officed"), "--check-config", bad],
                           capture_output=True, text=True)
        check(r.returncode == 1 and "bad.conf:4: [office] body_cap" in r.stderr and
              "bad.conf:5: unknown key \"nope\"" in r.stderr, "errors: %r" % r.stderr)
        with open(bad, "w") as f:
            f.write("[server]\nlisten = 0.0.0.0:80\n")
        r = subprocess.run([os.path.join(BUILD, "officed"), "--check-config", bad],
                           capture_output=True, text=True)
        check(r.returncode == 1 and "loopback" in r.stderr, "plain HTTP off loopback: %r" % r.stderr)
    finally:
        office.cleanup()


if __name__ == "__main__":
    t = Tap()
    t.run("officed.conf: every problem named with its line; plain HTTP only on loopback",
          check_config)
    t.run("kiosk add (token printed once, SHA-256 kept), list, revoke", registry)
    t.run("bad input: 401, 403, 400 naming the field, 413, 415, 404, 405, stalled clients; "
          "never half a report", bad_input)
    t.run("highest revision kept, answers with what is held, nearby stock, content ETag",
          revisions_and_answers)
    t.run("days from an unsynchronized or wrong clock are flagged", clock_flags)
    t.run("PostgreSQL: storage tests, two officed on one database, a kiosk syncing",
          postgresql)
    t.done()
