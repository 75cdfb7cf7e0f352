"""Crash test: kill -9 kioskd across the whole tap path, hundreds of times.

Principle 2 of DESIGN.md: a handout is durably committed before the person
is told to take a set; after a crash it is in the log, and never twice.

Each round taps a few cards normally, then taps one more and kills kioskd
with SIGKILL at a chosen point of that tap: at a random moment, in the
pause before the commit, inside the open transaction, between the commit
and the feedback, or just after the feedback. (KIOSKD_TEST_PAUSE makes
kioskd announce each point on stderr and wait 2 ms there, so a kill can be
aimed inside it.) kioskd is restarted after every kill.

At the end, from the watch stream (what feedback was given) and the store
(what was logged; checked by card_id, computed here from the key):
  - every card whose "grant" feedback was seen has exactly one handout;
  - no card has more than one handout;
  - kioskctl's log holds every granted seq exactly once;
  - the counters agree: events = card rows = day counters = stock used.
CRASH_KILLS sets the number of kills (default 200; `make crash-long` more).
"""

import collections
import json
import os
import random
import sqlite3
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import KIOSKD, SLOW, Failure, Kiosk, Tap, card_id, check  # noqa: E402

KILLS = int(os.environ.get("CRASH_KILLS", "200"))
STOCK = 100000
STAGES = ("random", "before_commit", "in_transaction", "after_commit", "feedback")


class MarkedKiosk(Kiosk):
    """kioskd whose stderr is read live, for the test-pause markers."""

    def start(self, wait=True, args=()):
        self.markers = []
        self.marker_cv = threading.Condition()
        self.proc = subprocess.Popen([KIOSKD, "-c", self.config], stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, env=self.env)
        self.reader_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self.reader_thread.start()
        if wait:
            self.wait_ready()
        return self

    def _read_stderr(self):
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace")
            with self.marker_cv:
                if "test pause: " in line:
                    self.markers.append(line.split("test pause: ", 1)[1].strip())
                elif " error: " in line:
                    self.markers.append("error: " + line.strip())
                self.marker_cv.notify_all()

    def wait_marker(self, name, after, timeout=5.0):
        deadline = time.monotonic() + timeout * SLOW
        with self.marker_cv:
            while name not in self.markers[after:]:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise Failure("kioskd never reached %s" % name)
                self.marker_cv.wait(left)

    def log(self):
        return "\n".join(getattr(self, "markers", []))

    def kill9(self):
        self.proc.kill()
        self.proc.wait()
        self.reader_thread.join(timeout=5)  # reads the rest of the pipe: all markers written

    def stop(self, *a, **kw):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10 * SLOW)
        return self.proc.returncode if self.proc else None


def crash_test():
    rng = random.Random(20261129)
    k = MarkedKiosk(config_extra="[policy]\nlimit = 1",
                    env={"KIOSKD_TEST_PAUSE": "before_commit=2000,in_transaction=2000,"
                                              "after_commit=2000"})
    used = set()

    def new_uid():
        while True:
            uid = "04" + "%012x" % rng.getrandbits(48)
            if uid not in used:
                used.add(uid)
                return uid

    granted = []          # uids whose grant feedback was seen
    granted_seqs = []
    taps = []             # every uid tapped
    landed = collections.Counter()
    try:
        k.start()
        k.ctl("restock", str(STOCK), check_rc=0)
        for round_no in range(KILLS):
            if k.proc.poll() is not None:
                k.start()
            w = k.watch()
            # A stream of ordinary taps first.
            for _ in range(rng.randint(0, 2)):
                uid = new_uid()
                taps.append(uid)
                k.tap(uid, hold_ms=20)
                fb = w.feedback()
                check(fb["result"] == "grant", "ordinary tap granted: %r" % fb)
                granted.append(uid)
                granted_seqs.append(fb["seq"])
            # Then one tap with a kill aimed into it.
            stage = STAGES[round_no % len(STAGES)]
            uid = new_uid()
            taps.append(uid)
            mark = len(k.markers)
            k.tap(uid, hold_ms=20)
            if stage == "random":
                time.sleep(rng.uniform(0, 0.012))
            elif stage == "feedback":
                w.feedback()
            else:
                k.wait_marker(stage, mark)
            k.kill9()
            reached = [m for m in k.markers[mark:] if not m.startswith("error")]
            w.proc.wait(timeout=10)  # the stream ends with kioskd; all it was sent is read
            w.thread.join(timeout=10)
            # Feedback for the killed tap, if kioskd gave it before it died.
            killed_fbs = [e for e in w.all
                          if e.get("event") == "feedback" and e["seq"] not in granted_seqs]
            check(len(killed_fbs) <= 1, "one feedback per tap: %r" % killed_fbs)
            if killed_fbs:
                check(killed_fbs[0]["result"] == "grant", "killed tap's feedback: %r" % killed_fbs)
                granted.append(uid)
                granted_seqs.append(killed_fbs[0]["seq"])
                landed["after feedback"] += 1
            elif "after_commit" in reached:
                landed["between commit and feedback"] += 1
            elif "in_transaction" in reached:
                landed["inside the commit"] += 1
            else:
                landed["before the commit"] += 1
            w.close()

        # Restart once more and read the log through kioskctl.
        k.start()
        r = k.ctl("log", "--json", "--since", "30d", "--limit", "10000", check_rc=0)
        events = [json.loads(line) for line in r.stdout.splitlines()]
        handout_seqs = [e["seq"] for e in events if e["kind"] == "handout"]
        status = k.status()
        k.stop()

        db = sqlite3.connect("file:%s?mode=ro" % k.db, uri=True)
        rows = collections.Counter(cid for (cid,) in db.execute("SELECT card_id FROM card_handouts"))
        check(db.execute("PRAGMA quick_check").fetchone()[0] == "ok", "store intact")
        day_total = db.execute("SELECT sum(handouts) FROM day_counters").fetchone()[0] or 0
        db.close()

        ids = {uid: card_id(k.key, "a", uid) for uid in taps}
        lost = [uid for uid in granted if rows[ids[uid]] != 1]
        doubled = [uid for uid in taps if rows[ids[uid]] > 1]
        check(not lost, "%d handouts given feedback but not logged once" % len(lost))
        check(not doubled, "%d cards logged twice" % len(doubled))
        check(sorted(set(granted_seqs)) == sorted(granted_seqs), "seqs unique")
        missing = set(granted_seqs) - set(handout_seqs)
        check(not missing, "granted seqs missing from kioskctl log: %r" % sorted(missing)[:10])
        check(len(handout_seqs) == len(set(handout_seqs)), "log seqs unique")
        n_rows = sum(rows.values())
        check(len(handout_seqs) == n_rows == day_total == STOCK - status["stock"]["level"],
              "counts agree: log %d, card rows %d, day counters %d, stock used %d" % (
                  len(handout_seqs), n_rows, day_total, STOCK - status["stock"]["level"]))
        for where in ("before the commit", "inside the commit", "between commit and feedback",
                      "after feedback"):
            check(landed[where] >= KILLS // 10,
                  "too few kills landed %s: %r" % (where, dict(landed)))
        summary = ", ".join("%s %d" % (w_, n) for w_, n in landed.items())
        print("# %d kills survived: 0 lost, 0 doubled; %d taps, %d handouts logged; kills landed: %s"
              % (KILLS, len(taps), n_rows, summary))
    finally:
        k.cleanup()


def main():
    t = Tap()
    t.run("kill -9 x%d across the tap path: nothing lost, nothing doubled" % KILLS, crash_test)
    t.done()


if __name__ == "__main__":
    main()
