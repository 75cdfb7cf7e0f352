"""Integration test: Debian's own libnfc tools against the PN532 simulator.

Each case starts build/pn532-sim in its own temporary directory and points
libnfc at its pty link with LIBNFC_DEVICE=pn532_uart:<link> and
LIBNFC_AUTO_SCAN=false, so the real, unchanged pn532_uart driver does the
talking: nfc-list (ISO14443A and FeliCa), nfc-poll (found, then removed),
nfc-mfultralight (a full NTAG213 dump compared with the page memory worked
out here from the UID), every injected fault (the tool fails or retries
cleanly, the simulator carries on and the next nfc-list is right), a
simulator killed with SIGKILL and restarted on the same link, SIGTERM's
clean-up, and the control CLI's exit codes. Most cases run unpaced; one
runs nfc-list paced and unpaced and prints both durations as a TAP
comment, asserting nothing about them.

Processes are ended by their PID; every wait has a deadline.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD, SLOW, Failure, Tap, check, wait_until  # noqa: E402

SIM = os.path.join(BUILD, "pn532-sim")
NTAG_UID = "04a1b2c3d4e5f6"
CLASSIC_UID = "3c5d7e9f"
FELICA_IDM = "0123456789abcdef"


class Sim:
    """A pn532-sim child process on a link in dir."""

    def __init__(self, dir, paced=False, name="pn532", log_level="debug"):
        self.dir = dir
        self.log_level = log_level
        self.link = os.path.join(dir, name)
        self.control = self.link + ".ctl"
        self.log_path = os.path.join(dir, name + ".log")
        self.paced = paced
        self.proc = None
        self.pty = None

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [SIM, "--link", self.link, "--paced" if self.paced else "--unpaced",
             "--seed", "1", "--log-level", self.log_level],
            stdout=subprocess.PIPE, stderr=log, text=True)
        log.close()
        lines = []

        def read_ready():
            lines.append(self.proc.stdout.readline())
        reader = threading.Thread(target=read_ready, daemon=True)
        reader.start()
        reader.join(10 * SLOW)
        line = lines[0] if lines else ""
        if not line.startswith("pn532-sim: ready on /dev/pts/"):
            self.stop()
            raise Failure("no ready line (got %r):\n%s" % (line, self.log()))
        check(("link %s, control %s)" % (self.link, self.control)) in line,
              "the ready line names the link and the socket: " + line)
        self.pty = line.split()[3]
        check(os.path.realpath(self.link) == self.pty, "the link points at the pty")
        return self

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-4000:]
        except FileNotFoundError:
            return ""

    def ctl(self, *args, expect=0):
        r = subprocess.run([SIM, "ctl", "--control", self.control] + list(args),
                           capture_output=True, text=True, timeout=20 * SLOW)
        if expect is not None and r.returncode != expect:
            raise Failure("pn532-sim ctl %s: exit %d (wanted %d): %s%s" % (
                " ".join(args), r.returncode, expect, r.stdout, r.stderr))
        return r.stdout.strip()

    def status(self):
        import json
        out = self.ctl("status")
        check(out.startswith("ok {"), "status answers ok: " + out)
        return json.loads(out[3:])

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self, sig=signal.SIGTERM):
        sent = False
        if self.alive():
            sent = True
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=10 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("pn532-sim did not stop on signal %d" % sig)
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        log = self.log()
        for alarm in ("Sanitizer", "runtime error:"):
            check(alarm not in log, "a sanitizer report in the simulator's log:\n" + log)
        if sent and sig == signal.SIGTERM:
            check(self.proc.returncode == 0,
                  "pn532-sim exit %s on SIGTERM:\n%s" % (self.proc.returncode, log))
        return self.proc.returncode if self.proc else None


def libnfc_env(sim):
    env = dict(os.environ)
    env["LIBNFC_DEVICE"] = "pn532_uart:" + sim.link
    env["LIBNFC_AUTO_SCAN"] = "false"
    env.pop("LIBNFC_LOG_LEVEL", None)
    return env


def run_tool(sim, *args, timeout=60):
    r = subprocess.run(list(args), capture_output=True, text=True, env=libnfc_env(sim),
                       timeout=timeout * SLOW, cwd=sim.dir)
    return r


def hex_of(line):
    """The hex digits after the colon of an nfc-list line, spaces removed."""
    return "".join(line.split(":", 1)[1].split()).lower()


def uids_in(output, label):
    return [hex_of(line) for line in output.splitlines() if label in line]


def with_sim(fn, paced=False):
    def run():
        d = tempfile.mkdtemp(prefix="pn532-sim-test-")
        sim = Sim(d, paced=paced)
        try:
            sim.start()
            return fn(sim)
        except Failure as e:
            raise Failure("%s\n--- simulator log (tail) ---\n%s" % (e, sim.log()))
        finally:
            sim.stop()
            shutil.rmtree(d, ignore_errors=True)
    return run


def ntag213_pages(uid_hex):
    """NTAG213's 45 pages as the data sheet lays them out, from the UID alone."""
    u = bytes.fromhex(uid_hex)
    mem = bytearray(45 * 4)
    mem[0:3] = u[0:3]
    mem[3] = 0x88 ^ u[0] ^ u[1] ^ u[2]
    mem[4:8] = u[3:7]
    mem[8] = u[3] ^ u[4] ^ u[5] ^ u[6]
    mem[9] = 0x48
    mem[12:16] = bytes([0xE1, 0x10, 0x12, 0x00])  # capability container
    mem[16:19] = bytes([0x03, 0x00, 0xFE])  # empty NDEF message, terminator
    mem[40 * 4 + 3] = 0xBD  # dynamic lock page's RFUI byte
    mem[41 * 4:42 * 4] = bytes([0x04, 0x00, 0x00, 0xFF])  # CFG0: AUTH0 FF
    mem[42 * 4 + 1] = 0x05  # CFG1
    return bytes(mem)


# ---- cases ----------------------------------------------------------------

def nfc_list_iso14443a(sim):
    sim.ctl("place", "--uid", NTAG_UID)
    r = run_tool(sim, "nfc-list")
    check(r.returncode == 0, "nfc-list exit %d: %s" % (r.returncode, r.stderr))
    check("1 ISO14443A passive target(s) found" in r.stdout, "one target:\n" + r.stdout)
    check(uids_in(r.stdout, "UID (NFCID1)") == [NTAG_UID], "the UID:\n" + r.stdout)
    check("00  44" in r.stdout, "ATQA 00 44:\n" + r.stdout)
    sim.ctl("place", "--uid", CLASSIC_UID)
    r = run_tool(sim, "nfc-list", "-t", "1")
    check(uids_in(r.stdout, "UID (NFCID1)") == [CLASSIC_UID], "the classic's UID:\n" + r.stdout)
    check("SAK (SEL_RES): 08" in r.stdout, "SAK 08:\n" + r.stdout)


def nfc_list_felica(sim):
    sim.ctl("place", "--uid", FELICA_IDM)
    r = run_tool(sim, "nfc-list")
    check(r.returncode == 0, "nfc-list exit %d: %s" % (r.returncode, r.stderr))
    check("1 Felica (212 kbps) passive target(s) found" in r.stdout, r.stdout)
    check("1 Felica (424 kbps) passive target(s) found" in r.stdout, r.stdout)
    check(uids_in(r.stdout, "ID (NFCID2)") == [FELICA_IDM, FELICA_IDM], "the IDm:\n" + r.stdout)
    check("ISO14443A passive target" not in r.stdout, "no type A card:\n" + r.stdout)


def nfc_list_empty_field(sim):
    r = run_tool(sim, "nfc-list")
    check(r.returncode == 0, "nfc-list exit %d: %s" % (r.returncode, r.stderr))
    check("opened" in r.stdout and "target(s) found" not in r.stdout, r.stdout)


def nfc_poll_found_then_removed(sim):
    sim.ctl("place", "--uid", NTAG_UID)
    proc = subprocess.Popen(["nfc-poll"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            env=libnfc_env(sim), cwd=sim.dir)
    out = []

    def read():
        # Raw chunks: "Waiting for card removing..." comes without a newline.
        while True:
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            out.append(chunk.decode("utf-8", "replace"))
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        wait_until(lambda: any("Waiting for card removing" in x for x in out), 20,
                   "nfc-poll to find the card")
        check(uids_in("".join(out), "UID (NFCID1)") == [NTAG_UID], "".join(out))
        # It keeps pinging the card while it stays.
        time.sleep(0.3)
        check(proc.poll() is None, "nfc-poll waits while the card stays:\n" + "".join(out))
        sim.ctl("remove")
        proc.wait(timeout=20 * SLOW)
        reader.join(5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    text = "".join(out)
    check(proc.returncode == 0, "nfc-poll exit %d:\n%s" % (proc.returncode, text))
    check("done." in text, "nfc-poll saw the removal:\n" + text)


def nfc_mfultralight_dump(sim):
    sim.ctl("place", "--uid", NTAG_UID, "--type", "ntag213")
    dump = os.path.join(sim.dir, "dump.bin")
    r = run_tool(sim, "nfc-mfultralight", "r", dump)
    check(r.returncode == 0, "nfc-mfultralight exit %d:\n%s%s" % (r.returncode, r.stdout, r.stderr))
    check("NTAG213" in r.stdout, "recognised as NTAG213 (GET_VERSION):\n" + r.stdout)
    check("45 of 45 pages read" in r.stdout, r.stdout)
    with open(dump, "rb") as f:
        data = f.read()
    want = ntag213_pages(NTAG_UID)
    check(len(data) == len(want), "dump is %d bytes, wanted %d" % (len(data), len(want)))
    check(data == want, "dump differs from the page memory:\n%s\n%s" % (data.hex(), want.hex()))


FAULTS = [
    ("garbage",), ("bad-checksum",), ("nack",), ("silence",), ("late", "1200"),
    ("late", "200"), ("disconnect",), ("garbage", "--count", "3"),
]


def faults_then_clean_list(sim):
    sim.ctl("place", "--uid", NTAG_UID)
    for fault in FAULTS:
        before = sim.status()
        answer = sim.ctl("fault", *fault)
        check(answer.startswith("ok fault=" + fault[0]), answer)
        start = time.monotonic()
        r = run_tool(sim, "nfc-list", "-t", "1")
        took = time.monotonic() - start
        # Failing cleanly: an exit status, never a signal (libnfc aborts on bad status bytes).
        check(r.returncode in (0, 1), "nfc-list under %s: exit %d\n%s%s" % (
            fault, r.returncode, r.stdout, r.stderr))
        check(sim.alive(), "the simulator survived " + " ".join(fault))
        after = sim.status()
        check(after["faults_applied"] > before["faults_applied"], "the fault was used")
        found = uids_in(r.stdout, "UID (NFCID1)")
        print("#   fault %s: nfc-list %s (%.2fs)" % (
            " ".join(fault), "listed the card" if found else "failed cleanly", took))
        check(found in ([], [NTAG_UID]), "a wrong UID under %s:\n%s" % (fault, r.stdout))
        if fault[0] == "disconnect":
            check(after["hangups"] == before["hangups"] + 1, "the line hung up")
            check(after["pty"] != before["pty"], "a new pty")
            check(os.path.realpath(sim.link) == after["pty"], "the link follows the new pty")
        # Whatever is still pending is spent on a clean run of commands first.
        while sim.status()["faults_pending"]:
            run_tool(sim, "nfc-list", "-t", "1")
        r = run_tool(sim, "nfc-list", "-t", "1")
        check(uids_in(r.stdout, "UID (NFCID1)") == [NTAG_UID],
              "nfc-list after %s:\n%s%s" % (fault, r.stdout, r.stderr))


def restart_after_sigkill(sim):
    sim.ctl("place", "--uid", NTAG_UID)
    old_pty = sim.pty
    sim.proc.send_signal(signal.SIGKILL)
    sim.proc.wait()
    check(os.path.islink(sim.link), "the dead simulator's link is left behind")
    again = Sim(sim.dir)
    try:
        again.start()
        check(os.path.realpath(sim.link) == again.pty, "the link was taken over")
        again.ctl("place", "--uid", NTAG_UID)
        r = run_tool(again, "nfc-list", "-t", "1")
        check(uids_in(r.stdout, "UID (NFCID1)") == [NTAG_UID],
              "nfc-list on the restarted simulator (old pty %s):\n%s%s" % (
                  old_pty, r.stdout, r.stderr))
    finally:
        again.stop()


def sigterm_cleans_up(sim):
    check(os.path.islink(sim.link) and os.path.exists(sim.control), "link and socket exist")
    rc = sim.stop(signal.SIGTERM)
    check(rc == 0, "exit status %s on SIGTERM" % rc)
    check(not os.path.lexists(sim.link), "the link is gone")
    check(not os.path.exists(sim.control), "the control socket is gone")
    # A second simulator refuses a live control socket, takes over a stale one.
    a = Sim(sim.dir, name="a")
    a.start()
    try:
        b = subprocess.run([SIM, "--link", os.path.join(sim.dir, "b"), "--control", a.control,
                            "--unpaced"], capture_output=True, text=True, timeout=10 * SLOW)
        check(b.returncode == 1 and "another simulator" in b.stderr, b.stderr)
    finally:
        a.stop()


def control_cli(sim):
    r = subprocess.run([SIM, "ctl", "--control", sim.control], capture_output=True, text=True)
    check(r.returncode == 2, "no command: usage, exit 2 (got %d)" % r.returncode)
    r = subprocess.run([SIM, "ctl", "--control", sim.control, "juggle"], capture_output=True,
                       text=True)
    check(r.returncode == 1 and r.stdout.startswith("error: unknown command"), r.stdout)
    r = subprocess.run([SIM, "ctl", "--control", os.path.join(sim.dir, "nope")],
                       capture_output=True, text=True)
    check(r.returncode == 2, "socket without command: usage")
    r = subprocess.run([SIM, "ctl", "--control", os.path.join(sim.dir, "nope"), "status"],
                       capture_output=True, text=True)
    check(r.returncode == 1 and "pn532-sim ctl:" in r.stderr, "no simulator: exit 1")
    env = dict(os.environ, PN532_SIM_CONTROL=sim.control)
    r = subprocess.run([SIM, "ctl", "status"], capture_output=True, text=True, env=env)
    check(r.returncode == 0 and r.stdout.startswith("ok {"), "PN532_SIM_CONTROL works")
    # tap: placed now, gone after its hold; the answer carries the monotonic placement time.
    before = int(time.monotonic() * 1e6)
    # Held 2 s: long enough that a loaded machine (ASan, other suites) still
    # asks for the status before the hold ends (300 ms once was not).
    out = sim.ctl("tap", "--uid", NTAG_UID, "--hold", "2000")
    after = int(time.monotonic() * 1e6)
    fields = dict(kv.split("=") for kv in out.split()[1:])
    check(before <= int(fields["placed_us"]) <= after,
          "placed_us %s is CLOCK_MONOTONIC (%d..%d)" % (fields["placed_us"], before, after))
    check(int(fields["remove_at_us"]) == int(fields["placed_us"]) + 2000000, out)
    check(sim.status()["card"] == "ntag213", "the card is in the field")
    wait_until(lambda: sim.status()["card"] is None, 10, "the tapped card to leave")
    # Status never shows a UID.
    sim.ctl("place", "--uid", NTAG_UID)
    status = sim.ctl("status")
    check(NTAG_UID not in status.lower(), "no UID in status: " + status)


def no_uid_at_info_level(sim):
    # The same work as the other cases, on a simulator logging at info level:
    # the UID must not appear anywhere in its log (debug level may show frames).
    sim.stop()
    quiet = Sim(sim.dir, name="quiet", log_level="info").start()
    try:
        quiet.ctl("place", "--uid", NTAG_UID)
        run_tool(quiet, "nfc-list")
        run_tool(quiet, "nfc-mfultralight", "r", os.path.join(sim.dir, "d.bin"))
        quiet.ctl("fault", "garbage")
        run_tool(quiet, "nfc-list")
        quiet.ctl("tap", "--uid", CLASSIC_UID, "--hold", "10")
    finally:
        quiet.stop()
    text = quiet.log().lower()
    check("card placed" in text, "the log says what happened:\n" + text)
    squashed = text.replace(" ", "").replace(":", "")
    for uid in (NTAG_UID, CLASSIC_UID):
        check(uid not in squashed, "no UID in the info log:\n" + text)


def paced_vs_unpaced_timing():
    took = {}
    for paced in (True, False):
        d = tempfile.mkdtemp(prefix="pn532-sim-test-")
        sim = Sim(d, paced=paced)
        try:
            sim.start()
            sim.ctl("place", "--uid", NTAG_UID)
            start = time.monotonic()
            r = run_tool(sim, "nfc-list")
            took[paced] = time.monotonic() - start
            check(uids_in(r.stdout, "UID (NFCID1)") == [NTAG_UID],
                  "nfc-list %s:\n%s" % ("paced" if paced else "unpaced", r.stdout))
        finally:
            sim.stop()
            shutil.rmtree(d, ignore_errors=True)
    print("# nfc-list (all 10 modulations, NTAG213 in the field): %.3f s paced, %.3f s unpaced"
          % (took[True], took[False]))


def main():
    tap = Tap()
    if not os.access(SIM, os.X_OK):
        print("# %s is missing: build it first" % SIM)
    if not shutil.which("nfc-list") or not shutil.which("nfc-poll"):
        tap.run("libnfc tools", lambda: "SKIP libnfc-bin / libnfc-examples not installed")
        tap.done()
    tap.run("nfc-list shows an ISO14443A card's UID", with_sim(nfc_list_iso14443a))
    tap.run("nfc-list shows a FeliCa card's IDm at 212 and 424 kbps", with_sim(nfc_list_felica))
    tap.run("nfc-list with an empty field", with_sim(nfc_list_empty_field))
    tap.run("nfc-poll finds a card and sees it removed", with_sim(nfc_poll_found_then_removed))
    tap.run("nfc-poll paced", with_sim(nfc_poll_found_then_removed, paced=True))
    tap.run("nfc-mfultralight dumps the NTAG213's page memory", with_sim(nfc_mfultralight_dump))
    tap.run("every fault: nfc-list fails or retries cleanly, the next one works",
            with_sim(faults_then_clean_list))
    tap.run("a SIGKILLed simulator restarted on the same link", with_sim(restart_after_sigkill))
    tap.run("SIGTERM removes the link and the socket", with_sim(sigterm_cleans_up))
    tap.run("the control CLI: exit codes, tap, no UID in status", with_sim(control_cli))
    tap.run("no UID in the simulator's log at info level", with_sim(no_uid_at_info_level))
    tap.run("nfc-list paced and unpaced (timings printed, not asserted)", paced_vs_unpaced_timing)
    tap.done()


if __name__ == "__main__":
    main()
