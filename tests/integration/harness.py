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

    def __init__(self, directory, paced=False, extra_args=()):
        self.dir = directory
        self.link = os.path.join(directory, "pn532.pty")
        self.control = os.path.join(directory, "pn532.ctl")
        self.paced = paced
        self.extra_args = list(extra_args)
        self.proc = None

    def start(self):
        args = [PN532_SIM, "--link", self.link, "--control", self.control] + self.extra_args
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
                 paced=False, sim_args=()):
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
        self.sim = Sim(self.dir, paced=paced, extra_args=sim_args) if sim else None
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


# ---- the office (officed), its database and its TLS ----------------------

OFFICED = os.path.join(BUILD, "officed")


def free_port():
    """A loopback port nothing listens on now (for a server we start next)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def make_test_ca(directory):
    """A throwaway CA and a server certificate for 127.0.0.1 and localhost,
    ECDSA P-256, made with the openssl CLI. Returns a dict of paths and the
    server key's pin ("sha256//...", as libcurl takes it)."""
    def run(*args, stdin=None):
        r = subprocess.run(["openssl"] + list(args), cwd=directory, capture_output=True,
                           input=stdin, timeout=60)
        if r.returncode != 0:
            raise Failure("openssl %s: %s" % (" ".join(args), r.stderr.decode()))
        return r.stdout
    ext = os.path.join(directory, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                "extendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n")
    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "ca.key")
    run("req", "-x509", "-new", "-key", "ca.key", "-subj", "/CN=kiosk test CA", "-days", "2",
        "-sha256", "-out", "ca.pem", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", "server.key")
    run("req", "-new", "-key", "server.key", "-subj", "/CN=localhost", "-out", "server.csr")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-days", "2", "-sha256", "-extfile", ext, "-out", "server.pem")
    os.chmod(os.path.join(directory, "server.key"), 0o600)
    der = run("pkey", "-in", "server.key", "-pubout", "-outform", "DER")
    import base64
    pin = "sha256//" + base64.b64encode(hashlib.sha256(der).digest()).decode()
    return {"ca": os.path.join(directory, "ca.pem"), "cert": os.path.join(directory, "server.pem"),
            "key": os.path.join(directory, "server.key"), "pin": pin}


def _pg_bindir():
    base = "/usr/lib/postgresql"
    if not os.path.isdir(base):
        return None
    versions = sorted((v for v in os.listdir(base) if v.isdigit()), key=int)
    for v in reversed(versions):
        d = os.path.join(base, v, "bin")
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    return None


class Postgres:
    """A PostgreSQL of the test's own: initdb and pg_ctl from Debian's
    postgresql package, run as an unprivileged user (initdb refuses root:
    as root the cluster belongs to the "postgres" user the package made),
    in a temporary directory, on a free loopback port, with trust
    authentication on loopback only. Stopped by stop(), by pg_ctl."""

    def __init__(self):
        self.bindir = _pg_bindir()
        self.dir = None
        self.port = None
        self.started = False

    def available(self):
        if not self.bindir:
            return "SKIP PostgreSQL is not installed (Debian package postgresql)"
        if os.geteuid() == 0:
            try:
                import pwd
                pwd.getpwnam("postgres")
            except KeyError:
                return "SKIP no unprivileged \"postgres\" user to run PostgreSQL as"
        return None

    def _as_user(self, args):
        if os.geteuid() == 0:
            return ["setpriv", "--reuid=postgres", "--regid=postgres", "--clear-groups",
                    "--reset-env"] + args
        return args

    def start(self):
        self.dir = tempfile.mkdtemp(prefix="officed-pg-")
        os.chmod(self.dir, 0o755)
        data = os.path.join(self.dir, "data")
        if os.geteuid() == 0:
            import pwd
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        r = subprocess.run(self._as_user([os.path.join(self.bindir, "initdb"), "-D", data,
                                          "-U", "postgres", "--auth=trust", "-E", "UTF8",
                                          "--no-sync", "--locale=C.UTF-8"]),
                           capture_output=True, timeout=120 * SLOW)
        if r.returncode != 0:
            raise Failure("initdb: %s" % r.stderr.decode())
        self.port = free_port()
        opts = ("-c listen_addresses=127.0.0.1 -c port=%d -c unix_socket_directories=%s "
                "-c max_connections=300 -c shared_buffers=128MB -c fsync=on "
                "-c synchronous_commit=on" % (self.port, self.dir))
        r = subprocess.run(self._as_user([os.path.join(self.bindir, "pg_ctl"), "-D", data, "-w",
                                          "-t", "60", "-l", os.path.join(self.dir, "pg.log"),
                                          "-o", opts, "start"]),
                           capture_output=True, timeout=120 * SLOW)
        if r.returncode != 0:
            raise Failure("pg_ctl start: %s %s" % (r.stderr.decode(), self.log()))
        self.started = True
        self.psql("postgres", "CREATE DATABASE office")
        return self

    def url(self, db="office"):
        return "postgresql://postgres@127.0.0.1:%d/%s" % (self.port, db)

    def psql(self, db, sql):
        r = subprocess.run(["psql", "-X", "-q", "-At", "-h", "127.0.0.1", "-p", str(self.port),
                            "-U", "postgres", "-d", db, "-c", sql],
                           capture_output=True, text=True, timeout=60 * SLOW)
        if r.returncode != 0:
            raise Failure("psql: %s" % r.stderr)
        return r.stdout

    def log(self):
        try:
            with open(os.path.join(self.dir, "pg.log")) as f:
                return f.read()
        except OSError:
            return ""

    def stop(self):
        if self.started:
            subprocess.run(self._as_user([os.path.join(self.bindir, "pg_ctl"), "-D",
                                          os.path.join(self.dir, "data"), "-w", "-m", "fast",
                                          "stop"]),
                           capture_output=True, timeout=120 * SLOW)
            self.started = False
        if self.dir:
            shutil.rmtree(self.dir, ignore_errors=True)


class Office:
    """An officed in a temporary directory: SQLite by default, or the given
    database URL; plain HTTP on loopback, or HTTPS with a test CA (tls=True).
    It listens on port 0; the port is read from its log line."""

    def __init__(self, database=None, tls=False, body_cap=None, extra=None, timezone="Asia/Tokyo"):
        self.dir = tempfile.mkdtemp(prefix="officed-test-")
        self.config = os.path.join(self.dir, "officed.conf")
        self.log_path = os.path.join(self.dir, "officed.log")
        self.database = database or "sqlite:" + os.path.join(self.dir, "office.db")
        self.tls = make_test_ca(self.dir) if tls else None
        self.proc = None
        self.port = None
        keys = {"server": {"listen": "127.0.0.1:0", "timeout": "5"},
                "storage": {"database": self.database},
                "office": {"timezone": timezone}}
        if self.tls:
            keys["server"].update({"tls_cert": self.tls["cert"], "tls_key": self.tls["key"]})
        if body_cap:
            keys["office"]["body_cap"] = str(body_cap)
        for section, values in (extra or {}).items():
            keys.setdefault(section, {}).update(values)
        with open(self.config, "w") as f:
            for section, values in keys.items():
                f.write("[%s]\n" % section)
                for k, v in values.items():
                    f.write("%s = %s\n" % (k, v))

    def cli(self, *args, check_rc=0):
        r = subprocess.run([OFFICED, "-c", self.config] + list(args), capture_output=True,
                           text=True, timeout=60 * SLOW)
        if check_rc is not None and r.returncode != check_rc:
            raise Failure("officed %s: exit %d\n%s%s" % (" ".join(args), r.returncode, r.stdout,
                                                          r.stderr))
        return r

    def add_kiosk(self, kiosk_id, site_id="12"):
        """Registers a kiosk; returns its token (printed once, on stdout)."""
        return self.cli("kiosk", "add", kiosk_id, "--site", site_id).stdout.strip()

    def start(self):
        skip = len(self.log())  # a restart appends: read only its own lines
        self.log_file = open(self.log_path, "ab")
        self.proc = subprocess.Popen([OFFICED, "-c", self.config], stdout=self.log_file,
                                     stderr=subprocess.STDOUT)

        def listening():
            if self.proc.poll() is not None:
                raise Failure("officed exited with %d:\n%s" % (self.proc.returncode, self.log()))
            for line in self.log()[skip:].splitlines():
                if "listening on" in line and "(port " in line:
                    return int(line.split("(port ")[1].split(")")[0])
            return None
        self.port = wait_until(listening, 20, "officed to listen")
        return self

    @property
    def url(self):
        return "%s://127.0.0.1:%d" % ("https" if self.tls else "http", self.port)

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def request(self, method, path, token=None, body=None, headers=None, timeout=20):
        """One HTTP request (http.client); returns (status, headers, body bytes)."""
        import http.client
        import ssl
        if self.tls:
            ctx = ssl.create_default_context(cafile=self.tls["ca"])
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=ctx,
                                               timeout=timeout * SLOW)
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout * SLOW)
        h = dict(headers or {})
        if token:
            h["Authorization"] = "Bearer " + token
        if body is not None and "Content-Type" not in h:
            h["Content-Type"] = "application/json"
        conn.request(method, path, body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        conn.close()
        return r.status, dict(r.getheaders()), data

    def state(self, token):
        """What the office holds for the kiosk whose token this is: {date: day}."""
        status, _, body = self.request("GET", "/v1/kiosk/state", token=token)
        check(status == 200, "kiosk state: %d %r" % (status, body))
        return {d["date"]: d for d in json.loads(body)["days"]}

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout=20 * SLOW)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise Failure("officed did not stop")
        if getattr(self, "log_file", None):
            self.log_file.close()
            self.log_file = None

    def cleanup(self):
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def connect_kiosk(kiosk, office_url, token, ca=None, pin=None, extra=""):
    """Points a Kiosk at an office: its token file (mode 0600) and [office] keys.
    The kiosk's clock counts as synchronized unless extra says otherwise."""
    token_file = os.path.join(kiosk.dir, "office.token")
    fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, (token + "\n").encode())
    os.close(fd)
    office = "[office]\nurl = %s\ntoken_file = %s\n" % (office_url, token_file)
    if ca:
        office += "ca_file = %s\n" % ca
    if pin:
        office += "pin = %s\n" % pin
    synced = os.path.join(kiosk.dir, "timesync.synchronized")
    open(synced, "w").close()
    kiosk.env.setdefault("KIOSKD_TIMESYNC_FLAG", synced)
    kiosk.write_config(office + extra)
    kiosk.token = token
    return kiosk


def day_counters(day):
    """The ten counters of a day (kiosk export row or office state), as a tuple."""
    names = ("handouts", "denied_limit", "denied_revoked", "denied_not_issued",
             "denied_out_of_stock", "denied_unusable_card", "not_taken", "restocked_sets",
             "new_cards", "help_requests")
    return tuple(int(day[n]) for n in names)


def kiosk_days(kiosk):
    """The kiosk's per-day counters and revisions, from the export command."""
    return {d["date"]: d for d in kiosk.request({"cmd": "export"})["days"]}


FAULT_PROXY = os.path.join(ROOT, "tests", "tools", "fault_proxy.py")


class FaultProxy:
    """tests/tools/fault_proxy.py in front of an office (see that file)."""

    def __init__(self, directory, upstream_port, seed, faults="", stall_seconds=1.5,
                 max_stalls=8, retry_after=0):
        self.stats_path = os.path.join(directory, "proxy-stats.json")
        self.dump_path = os.path.join(directory, "proxy-bodies.txt")
        self.proc = subprocess.Popen(
            [sys.executable, FAULT_PROXY, "--upstream", "127.0.0.1:%d" % upstream_port, "--seed",
             str(seed), "--faults", faults, "--stall-seconds", str(stall_seconds),
             "--max-stalls", str(max_stalls), "--retry-after", str(retry_after), "--stats", self.stats_path, "--dump",
             self.dump_path],
            stdout=subprocess.PIPE, stderr=open(os.path.join(directory, "proxy.log"), "ab"),
            text=True)
        line = self.proc.stdout.readline()
        if not line.startswith("ready "):
            raise Failure("fault proxy did not start: %r" % line)
        self.port = int(line.split()[1])
        self.url = "http://127.0.0.1:%d" % self.port

    def stats(self):
        try:
            with open(self.stats_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return {}

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def kiosk_case(stock=20, **kiosk_args):
    """Decorator: runs fn(k, w) with a started kiosk (Kiosk(**kiosk_args)),
    stocked with `stock` sets, and a watcher; prints kioskd's log on a
    failure and always cleans up."""
    def wrap(fn):
        def run():
            k = Kiosk(**kiosk_args)
            w = None
            try:
                k.start()
                if stock:
                    k.ctl("restock", str(stock), check_rc=0)
                w = k.watch()
                return fn(k, w)
            except Failure:
                print("#   kioskd log:\n" + "\n".join(
                    "#     " + line for line in k.log().splitlines()[-30:]))
                raise
            finally:
                if w:
                    w.close()
                k.cleanup()
        run.__name__ = fn.__name__
        return run
    return wrap
