#!/usr/bin/env python3
"""bench/tap_latency: from a card placed on the simulated PN532 to the
handout committed and the feedback given, through the real libnfc and the
real kioskd. `make bench-tap` runs it.

What is measured: pn532-sim answers a `place` with its CLOCK_MONOTONIC time
of the placement (placed_us); this process reads kioskd's watch stream on
its control socket and stamps each "feedback" event with CLOCK_MONOTONIC
as it arrives (time.monotonic uses the same clock on Linux). The latency is
the difference: reader polling, the UART exchanges, identity, policy, the
durable SQLite commit (fsync) and the feedback, plus the delivery of one
line on a Unix socket.

Taps alternate between ISO14443A (7-byte UIDs) and FeliCa (8-byte IDms),
each card new (the limit is off, so every tap is a handout). Between taps
the card is removed and the next one placed after a random pause (seeded),
so placements fall at every phase of the reader's polling cycle.

"paced": the simulator sends at 115200 baud (86.8 us a byte) and follows
the chip's documented timing (docs/simulator.md); these are the figures
that carry over to hardware. "unpaced": no UART or chip delays.

Then, paced: kioskd's CPU use over IDLE_SECONDS with no card present (from
/proc/PID/stat) and its resident memory (VmRSS, VmHWM).
"""

import argparse
import json
import os
import random
import socket
import statistics
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests",
                                "integration"))
from harness import Kiosk  # noqa: E402


class FeedbackClock:
    """kioskd's watch stream, each feedback event stamped on arrival."""

    def __init__(self, kiosk):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(kiosk.socket)
        self.sock.sendall(b'{"cmd":"watch"}\n')
        self.cv = threading.Condition()
        self.feedback = []  # (arrival_us, event)
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        buf = b""
        while True:
            chunk = self.sock.recv(65536)
            if not chunk:
                return
            now_us = time.monotonic_ns() // 1000
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                ev = json.loads(line)
                if ev.get("event") == "feedback":
                    with self.cv:
                        self.feedback.append((now_us, ev))
                        self.cv.notify_all()

    def wait_new(self, count_before, timeout=10.0):
        deadline = time.monotonic() + timeout
        with self.cv:
            while len(self.feedback) <= count_before:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise RuntimeError("no feedback within %.0f s" % timeout)
                self.cv.wait(left)
            return self.feedback[count_before]

    def close(self):
        self.sock.close()


def percentile(values, p):
    v = sorted(values)
    if not v:
        return float("nan")
    k = min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))
    return v[k]


def summary(name, lat_ms):
    return "%-10s n=%4d  p50 %6.1f ms  p95 %6.1f ms  p99 %6.1f ms  max %6.1f ms" % (
        name, len(lat_ms), percentile(lat_ms, 50), percentile(lat_ms, 95),
        percentile(lat_ms, 99), max(lat_ms) if lat_ms else float("nan"))


def run_taps(paced, taps, seed):
    rng = random.Random(seed)
    k = Kiosk(sim=True, paced=paced, config_extra="[policy]\nlimit = 0\ndebounce_seconds = 0")
    results = {"iso14443a": [], "felica": []}
    try:
        k.start()
        k.ctl("restock", "100000", check_rc=0)
        fb = FeedbackClock(k)
        used = set()
        for i in range(taps):
            felica = i % 2 == 1
            while True:
                uid = ("012e" if felica else "04") + "%0*x" % (12, rng.getrandbits(48))
                if uid not in used:
                    used.add(uid)
                    break
            before = len(fb.feedback)
            args = ["place", "--uid", uid] + (["--type", "felica"] if felica else [])
            answer = k.sim.ctl(*args)
            placed_us = int(answer.split("placed_us=")[1].split()[0])
            arrived_us, ev = fb.wait_new(before)
            if ev.get("result") != "grant":
                raise RuntimeError("tap %d: %r" % (i, ev))
            results["felica" if felica else "iso14443a"].append((arrived_us - placed_us) / 1000.0)
            k.sim.ctl("remove")
            # Let the removal be seen (a presence check that fails takes up to
            # three 51.2 ms chip timeouts), and land the next card at a random
            # phase of the polling.
            time.sleep(rng.uniform(0.25, 0.45))
        fb.close()
    finally:
        k.cleanup()
    return results


def cpu_ns(pid):
    """CPU time of every thread of pid, in ns (schedstat: finer than ticks)."""
    total = 0
    for task in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/schedstat" % (pid, task)) as f:
            total += int(f.read().split()[0])
    return total


def rss_kib(pid):
    out = {}
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                out[line.split(":")[0]] = int(line.split()[1])
    return out


def run_idle(seconds, repeats=4):
    """kioskd's CPU with no card, as the median of `repeats` runs of
    seconds/repeats each: on a virtual machine a thread's wake-up costs vary
    from run to run, so one figure would mislead."""
    runs = []
    mem = {}
    for _ in range(repeats):
        k = Kiosk(sim=True, paced=True)
        try:
            k.start()
            pid = k.proc.pid
            time.sleep(2)  # past start-up
            t0, c0 = time.monotonic(), cpu_ns(pid)
            time.sleep(seconds / repeats)
            t1, c1 = time.monotonic(), cpu_ns(pid)
            mem = rss_kib(pid)
        finally:
            k.cleanup()
        runs.append(100.0 * (c1 - c0) / 1e9 / (t1 - t0))
    return statistics.median(runs), runs, mem


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--taps", type=int, default=1000)
    ap.add_argument("--idle-seconds", type=float, default=60)
    ap.add_argument("--modes", default="paced,unpaced")
    ap.add_argument("--seed", type=int, default=20261129)
    args = ap.parse_args()

    print("tap latency: card placed on the simulated PN532 -> handout committed -> feedback")
    if os.environ.get("KIOSKD_NFC_POLL") == "cycle":
        print("polling (cycle mode): ISO14443A 106, FeliCa 212, FeliCa 424 by InListPassiveTarget, "
              "3 chip attempts each, rest between cycles %s ms" %
              os.environ.get("KIOSKD_NFC_POLL_GAP_MS", "20 (default)"))
    else:
        print("polling (slot mode): InListPassiveTarget with infinite chip retries, one modulation "
              "per slot of %s ms, ended by nfc_abort_command; slots ISO14443A 106, FeliCa 212, "
              "ISO14443A 106, FeliCa 424" % os.environ.get("KIOSKD_NFC_SLOT_MS", "20 (default)"))
    print("presence check every 50 ms while a card stays; simulator: %s" % (
        "pn532-sim, host UART with a PL011-like FIFO"))
    for mode in args.modes.split(","):
        res = run_taps(mode == "paced", args.taps, args.seed)
        print("%s (%s):" % (mode, "115200 baud, datasheet chip timing" if mode == "paced"
                            else "no UART or chip delays"))
        print("  " + summary("iso14443a", res["iso14443a"]))
        print("  " + summary("felica", res["felica"]))
        print("  " + summary("all", res["iso14443a"] + res["felica"]))
        sys.stdout.flush()
    if args.idle_seconds > 0:
        cpu, runs, mem = run_idle(args.idle_seconds)
        print("idle, paced, no card, %.0f s in 4 runs: kioskd CPU %.2f%% of one core (median; "
              "runs %s); RSS %d KiB (peak %d KiB)" % (
                  args.idle_seconds, cpu, " ".join("%.2f" % r for r in runs),
                  mem.get("VmRSS", 0), mem.get("VmHWM", 0)))


if __name__ == "__main__":
    main()
