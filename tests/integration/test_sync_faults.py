"""Nothing acknowledged is lost and nothing is counted twice, through a
network that misbehaves on purpose.

The real kioskd reports to the real officed through tests/tools/fault_proxy.py,
a separate process that drops connections before and after the office
commits, answers 500, 503 and 429, stalls past the kiosk's timeout, and
delivers requests twice or replays them later. The test keeps the kiosk busy
(restocks, handouts, denials) until at least SYNC_FAULTS (1,000) requests
have met a fault, lets the kiosk catch up, and then requires the office's
counters to equal the kiosk's exactly, day by day, revision by revision, and
the totals to equal what the test itself did.

Deterministic: the proxy's faults come from a seeded generator, and every
wait is on a condition with a deadline. Fast: the kiosk's backoff is set to
10-40 ms and its timeout to 1 s, so a thousand faults take seconds.
"""

import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SLOW, Failure, FaultProxy, Kiosk, Office, Tap, check,  # noqa: E402
                     connect_kiosk, day_counters, kiosk_days, wait_until)

FAULTS = int(os.environ.get("SYNC_FAULTS", "1000"))
FAULT_MIX = ("drop_before=0.12,drop_after=0.14,e500=0.10,e503=0.08,e429=0.08,stall=0.01,"
             "duplicate=0.10,replay=0.08")


def thousand_faulted_syncs():
    office = Office().start()
    token = office.add_kiosk("test-kiosk-1", "12")
    k = Kiosk()
    proxy = FaultProxy(k.dir, office.port, seed=20261129, faults=FAULT_MIX)
    rng = random.Random(4242)
    restocked = handed_out = denied = 0
    try:
        connect_kiosk(k, proxy.url, token, extra=(
            "report_delay = 0\nreport_interval = 3600\ntimeout = 1\nconnect_timeout = 1\n"
            "backoff_base_ms = 10\nbackoff_cap_ms = 40\n"
            "[policy]\nlimit = 1\nperiod = rolling\nperiod_days = 30\ndebounce_seconds = 0\n"
            "[stock]\nlow_water = 0\n"))
        k.start()
        w = k.watch()
        cards = ["04%012x" % rng.getrandbits(48) for _ in range(40)]
        deadline = time.monotonic() + 600 * SLOW
        n = 0
        while proxy.stats().get("faulted", 0) < FAULTS:
            check(time.monotonic() < deadline,
                  "only %r faulted requests before the deadline" % proxy.stats())
            n += 1
            if n % 4:
                sets = rng.randint(1, 3)
                r = k.request({"cmd": "restock", "sets": sets})
                check(r.get("ok"), "restock: %r" % r)
                restocked += sets
            else:
                # A card seen before is denied (limit 1): both kinds of day change.
                k.tap(rng.choice(cards), hold_ms=1)
                fb = w.feedback(10)
                if fb["result"] == "grant":
                    handed_out += 1
                else:
                    check(fb["result"] == "limit", "tap: %r" % fb)
                    denied += 1
            if n % 25 == 0:
                k.request({"cmd": "sync_now"})
            time.sleep(0.004)
        faulted = proxy.stats()

        # Let it catch up (through the same faults), then one clean sync to be sure.
        def caught_up():
            s = k.status()["sync"]
            return s["pending_days"] == 0 and s["pending_card_events"] == 0 and s["failures"] == 0
        wait_until(caught_up, 120, "the kiosk to catch up")
        mine = kiosk_days(k)
        theirs = office.state(token)
        check(set(mine) == set(theirs), "days differ: kiosk %r office %r" % (sorted(mine),
                                                                           sorted(theirs)))
        for date in mine:
            check(day_counters(mine[date]) == day_counters(theirs[date]),
                  "%s: kiosk %r office %r" % (date, mine[date], theirs[date]))
            check(mine[date]["revision"] == theirs[date]["revision"],
                  "%s: revision kiosk %d office %d" % (date, mine[date]["revision"],
                                                      theirs[date]["revision"]))
        totals = [sum(day_counters(d)[i] for d in theirs.values()) for i in range(10)]
        check(totals[0] == handed_out, "office handouts %d, taps granted %d" % (totals[0], handed_out))
        check(totals[1] == denied, "office denials %d, taps denied %d" % (totals[1], denied))
        check(totals[7] == restocked, "office restocked %d, restocks %d" % (totals[7], restocked))
        for kind in ("drop_before", "drop_after", "e500", "e503", "e429", "stall", "duplicate",
                     "replay"):
            check(faulted.get(kind, 0) > 0, "no %s fault was injected: %r" % (kind, faulted))
        print("# %d requests, %d faulted (%s); kiosk and office agree on %d days: "
              "%d handouts, %d denials, %d sets restocked; difference 0"
              % (faulted["requests"], faulted["faulted"],
                 ", ".join("%s %d" % (f, faulted[f]) for f in sorted(faulted)
                           if f not in ("requests", "faulted", "max_body", "ok", "times")),
                 len(mine), handed_out, denied, restocked))
        w.close()
    except Failure:
        sys.stdout.write("".join("#   kioskd: %s\n" % line for line in k.log().splitlines()[-15:]))
        raise
    finally:
        proxy.stop()
        k.cleanup()
        office.cleanup()


if __name__ == "__main__":
    t = Tap()
    t.run("%d faulted syncs: the office's counts equal the kiosk's exactly" % FAULTS,
          thousand_faulted_syncs)
    t.done()
