"""Integration-test harness: runs the real kioskd and kioskctl.

Every test gets its own temporary directory with a deployment key, a config,
the fake reader's FIFO and the control socket. kioskd is started as a child
process and ended by its PID. Waits are on conditions (a socket that answers,
an event on the watch stream), never fixed sleeps; every wait has a deadline
so a broken daemon fails the test instead of hanging it.

Output is TAP, so tests/run.sh counts it with the unit tests.
"""

import hashlib
import hmac
import json
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.path.join(ROOT, os.environ.get("BUILD", "build"))
KIOSKD = os.path.join(BUILD, "kioskd")
KIOSKCTL = os.path.join(BUILD, "kioskctl")
PN532_SIM = os.path.join(BUILD, "pn532-sim")
FAKETIME_LIB = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1"
SANITIZED = os.environ.get("SANITIZED") == "1"
# Sanitized binaries start and run slower; deadlines stretch, never the logic.
SLOW = 4.0 if SANITIZED else 1.0

TECH_BYTE = {"a": 0x01, "felica": 0x02}


def card_id(key, tech, uid_hex):
    """card_id exactly as DESIGN.md fixes it, computed independently of kioskd."""
    msg = bytes([TECH_BYTE[tech]]) + bytes.fromhex(uid_hex)
    return hmac.new(key, msg, hashlib.sha256).hexdigest()[:32]


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


def wait_until(predicate, timeout, what):
    deadline = time.monotonic() + timeout * SLOW
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise Failure("timed out waiting for " + what)
        time.sleep(0.005)


class Watcher:
    """`kioskctl watch`'s stream, read on a thread into a queue."""

    def __init__(self, kiosk):
        self.proc = subprocess.Popen(
            [KIOSKCTL, "-s", kiosk.socket, "watch"],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        self.events = queue.Queue()
        self.all = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            line = line.strip()
            if line:
                ev = json.loads(line)
                self.all.append(ev)
                self.events.put(ev)

    def next(self, timeout=5.0, kind=None):
        deadline = time.monotonic() + timeout * SLOW
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("no %s event within %.1fs" % (kind or "watch", timeout))
            try:
                ev = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if kind is None or ev.get("event") == kind:
                return ev

    def feedback(self, timeout=5.0):
        return self.next(timeout, "feedback")

    def close(self):
        if self.proc.poll() is None:
            self.proc.terminate()
        self.proc.wait()


class Sim:
    """The simulated PN532 (build/pn532-sim) on a pseudo-terminal."""

    def __init__(self, directory, paced=False):
        self.dir = directory
        self.link = os.path.join(directory, "pn532.pty")
        self.control = os.path.join(directory, "pn532.ctl")
        self.paced = paced
        self.proc = None

    def start(self):
        args = [PN532_SIM, "--link", self.link, "--control", self.control]
        if not self.paced:
            args.append("--unpaced")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE,
                                     stderr=open(os.path.join(self.dir, "pn532-sim.log"), "ab"),
                                     text=True)
        line = self.proc.stdout.readline()
        if "ready" not in line:
            raise Failure("pn532-sim did not start: %r" % line)
        return self

    def ctl(self, *args):
        """One control command; returns the answer line ("ok ...")."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10 * SLOW)
        s.connect(self.control)
        s.sendall((" ".join(args) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        s.close()
        answer = data.decode().strip()
        if not answer.startswith("ok"):
            raise Failure("pn532-sim %s: %s" % (" ".join(args), answer))
        return answer

    def kill9(self):
        self.proc.kill()
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10 * SLOW)


class Kiosk:
    """A kioskd with the fake reader (or, with sim=True, the simulated PN532
    through libnfc) in a temporary directory."""

    def __init__(self, name="kiosk", config_extra="", env=None, keep_dir=None, sim=False,
                 paced=False):
        self.dir = keep_dir or tempfile.mkdtemp(prefix="kioskd-test-")
        self.config = os.path.join(self.dir, "kioskd.conf")
        self.key_file = os.path.join(self.dir, "card.key")
        self.fifo = os.path.join(self.dir, "reader.fifo")
        self.socket = os.path.join(self.dir, "control.sock")
        self.data_dir = os.path.join(self.dir, "data")
        self.db = os.path.join(self.data_dir, "kiosk.db")
        self.log_path = os.path.join(self.dir, "kioskd.log")
        self.env = dict(os.environ)
        self.env.pop("JOURNAL_STREAM", None)
        if env:
            self.env.update(env)
        self.proc = None
        self.log_file = None
        self.sim = Sim(self.dir, paced=paced) if sim else None
        if not os.path.exists(self.key_file):
            subprocess.run([KIOSKCTL, "keygen", self.key_file], check=True,
                           stdout=subprocess.DEVNULL)
        with open(self.key_file, "rb") as f:
            self.key = f.read()
        self.write_config(config_extra)

    def write_config(self, extra=""):
        # Sections named in extra replace the defaults' keys of the same name.
        base = {
            "kiosk": {"id": "test-kiosk-1", "site_id": "12", "site_name": "中央図書館",
                      "latitude": "43.7706", "longitude": "142.3650",
                      "data_dir": self.data_dir, "key_file": self.key_file},
            "policy": {"limit": "1", "period": "rolling", "period_days": "30"},
            "reader": {"connection": ("pn532_uart:" + self.sim.link) if self.sim
                       else ("fake:" + self.fifo)},
            "control": {"socket": self.socket},
        }
        section = None
        for line in extra.splitlines():
            line = line.strip()
            if not line:
                continue
            if line.startswith("["):
                section = line.strip("[]")
                base.setdefault(section, {})
            else:
                k, v = [x.strip() for x in line.split("=", 1)]
                base[section][k] = v
        with open(self.config, "w") as f:
            for sec, keys in base.items():
                f.write("[%s]\n" % sec)
                for k, v in keys.items():
                    f.write("%s = %s\n" % (k, v))

    def start(self, wait=True, args=()):
        if self.sim and not self.sim.proc:
            self.sim.start()
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen([KIOSKD, "-c", self.config] + list(args),
                                     stdout=self.log_file, stderr=subprocess.STDOUT,
                                     env=self.env)
        if wait:
            self.wait_ready()
        return self

    def wait_ready(self, timeout=10.0):
        def answers():
            if self.proc.poll() is not None:
                raise Failure("kioskd exited with %d:\n%s" % (self.proc.returncode, self.log()))
            try:
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(self.socket)
                s.close()
                return True
            except OSError:
                return False
        wait_until(answers, timeout, "kioskd's control socket")
        # The reader thread reports "ok" once the FIFO is open.
        wait_until(lambda: self.status().get("reader", {}).get("state") == "ok",
                   timeout, "the reader to be ready")

    def log(self):
        if self.log_file:
            self.log_file.flush()
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def stop(self, sig=signal.SIGTERM, timeout=10.0):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=timeout * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("kioskd did not stop on signal %d" % sig)
        if self.log_file:
            self.log_file.close()
            self.log_file = None
        return self.proc.returncode if self.proc else None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        if self.log_file:
            self.log_file.close()
            self.log_file = None

    def cleanup(self):
        try:
            self.stop()
        finally:
            if self.sim:
                self.sim.stop()
            shutil.rmtree(self.dir, ignore_errors=True)

    # The fake reader.
    def reader(self, line):
        fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

    def tap(self, uid, tech="a", hold_ms=100):
        if self.sim:
            kind = {"a": [], "felica": ["--type", "felica"]}[tech]
            return self.sim.ctl("tap", "--uid", uid, "--hold", str(hold_ms), *kind)
        self.reader("tap %s %s %d" % (tech, uid, hold_ms))

    # kioskctl.
    def ctl(self, *args, check_rc=None, user=None):
        cmd = [KIOSKCTL, "-s", self.socket] + list(args)
        if user:
            cmd = ["setpriv", "--reuid=%d" % user[0], "--regid=%d" % user[1]] + (
                ["--groups=%s" % ",".join(str(g) for g in user[2])] if user[2]
                else ["--clear-groups"]) + cmd
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=30 * SLOW)
        if check_rc is not None and r.returncode != check_rc:
            raise Failure("kioskctl %s: exit %d (wanted %d)\nstdout: %s\nstderr: %s" % (
                " ".join(args), r.returncode, check_rc, r.stdout, r.stderr))
        return r

    def status(self):
        r = self.ctl("status", "--json", check_rc=0)
        return json.loads(r.stdout)

    def request(self, obj):
        """One raw request on the control socket; returns the parsed answer."""
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(10 * SLOW)
        s.connect(self.socket)
        s.sendall((json.dumps(obj) + "\n").encode())
        data = b""
        while not data.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        s.close()
        return json.loads(data)

    def watch(self):
        w = Watcher(self)
        # kioskd's first event says the subscription is live.
        w.next(10, "watching")
        return w


class Tap:
    """A TAP producer: each test function is one numbered case."""

    def __init__(self):
        self.n = 0
        self.failed = 0

    def run(self, name, fn, *args):
        self.n += 1
        start = time.monotonic()
        try:
            result = fn(*args)
            note = (" # " + result) if isinstance(result, str) and result.startswith("SKIP") else ""
            print("ok %d - %s (%.2fs)%s" % (self.n, name, time.monotonic() - start, note))
        except Exception as e:  # a failure or a crash of the test itself
            self.failed += 1
            print("not ok %d - %s" % (self.n, name))
            for line in ("%s: %s" % (type(e).__name__, e)).splitlines():
                print("#   " + line)
            if not isinstance(e, Failure):
                for line in traceback.format_exc().splitlines():
                    print("#   " + line)
        sys.stdout.flush()

    def done(self):
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


def watch_and_tap(kiosk, watcher, uid, tech="a", hold_ms=100, timeout=5.0):
    """Taps a card and returns its feedback event."""
    kiosk.tap(uid, tech, hold_ms)
    return watcher.feedback(timeout)
