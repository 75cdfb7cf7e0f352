"""kioskd under a service manager: systemd's notify protocol, spoken to a
Python listener on an AF_UNIX datagram socket (what systemd does for a
Type=notify unit). The test sees READY=1 once the control socket answers,
STATUS= lines, WATCHDOG=1 keep-alives at half of WATCHDOG_USEC, and sees
them stop while the real event loop is wedged (the KIOSKD_TEST_WEDGE hook:
the loop thread blocks inside a handler, the reader and display threads
run on; docs/decisions.md says why not SIGSTOP). Also: WATCHDOG_PID for
another process turns the keep-alives off, STOPPING=1 at shutdown, a
missing deployment key says exactly how to install it, and missing device
nodes leave kioskd serving and saying why."""

import os
import socket
import stat
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import SLOW, Failure, Kiosk, Office, Tap, check, wait_until  # noqa: E402

WATCHDOG_USEC = 400000  # keep-alives every 200 ms


class NotifyListener:
    """systemd's side of sd_notify(3): one datagram per message."""

    def __init__(self, directory):
        self.path = os.path.join(directory, "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.messages = []  # (monotonic time, "KEY=VALUE")
        self.lock = threading.Lock()
        self.running = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while self.running:
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            now = time.monotonic()
            with self.lock:
                for line in data.decode().splitlines():
                    self.messages.append((now, line))

    def times(self, message):
        with self.lock:
            return [t for t, m in self.messages if m == message]

    def lines(self, prefix):
        with self.lock:
            return [m for _, m in self.messages if m.startswith(prefix)]

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def notified_kiosk(fn, env_extra=None, config_extra=""):
    def run():
        k = Kiosk(config_extra=config_extra)
        n = NotifyListener(k.dir)
        k.env["NOTIFY_SOCKET"] = n.path
        k.env["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
        k.env.pop("WATCHDOG_PID", None)  # the watchdog is for kioskd itself
        if env_extra:
            k.env.update(env_extra)
        try:
            return fn(k, n)
        except Failure:
            print("#   kioskd log:\n" + "\n".join(
                "#     " + line for line in k.log().splitlines()[-30:]))
            raise
        finally:
            k.cleanup()
            n.close()
    run.__name__ = fn.__name__
    return run


def control_answers(k):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.connect(k.socket)
        return True
    except OSError:
        return False
    finally:
        s.close()


def ready_after_socket(k, n):
    k.start(wait=False)
    wait_until(lambda: n.times("READY=1"), 10, "READY=1")
    # READY=1 is sent only once the control socket listens: it answers now.
    check(control_answers(k), "READY=1 before the control socket listened")
    check(len(n.times("READY=1")) == 1, "READY=1 sent more than once")
    status = wait_until(lambda: n.lines("STATUS="), 5, "a STATUS= line")
    check(status[0].startswith("STATUS=serving"), "first status: %r" % status[0])
    return "STATUS: " + status[-1][len("STATUS="):]


def keepalives_at_rate(k, n):
    k.start()
    wait_until(lambda: n.times("READY=1"), 10, "READY=1")
    # Count over a 3 s window, waiting on the count rather than on time.
    start = time.monotonic()
    before = len(n.times("WATCHDOG=1"))
    wait_until(lambda: len(n.times("WATCHDOG=1")) - before >= 10, 10,
               "10 keep-alives (one per 200 ms expected)")
    took = time.monotonic() - start
    # 10 at 200 ms is 2 s; generous bounds: faster than 1.2 s would mean a
    # wrong interval, slower than 6 s (x SLOW) keep-alives too rare for systemd.
    check(took >= 1.2, "10 keep-alives in %.2fs: faster than half of WATCHDOG_USEC" % took)
    check(took <= 6.0 * SLOW, "10 keep-alives took %.2fs" % took)
    gaps = [b - a for a, b in zip(n.times("WATCHDOG=1")[before:], n.times("WATCHDOG=1")[before + 1:])]
    check(max(gaps) < WATCHDOG_USEC / 1e6 * SLOW + 0.2,
          "a gap of %.2fs between keep-alives would let systemd restart kioskd" % max(gaps))
    return "10 keep-alives in %.2fs, largest gap %.0f ms" % (took, max(gaps) * 1000)


def wedged_loop_stops_keepalives(k, n):
    wedge = os.path.join(k.dir, "wedge")
    os.mkfifo(wedge)
    k.env["KIOSKD_TEST_WEDGE"] = wedge
    k.start()
    wait_until(lambda: len(n.times("WATCHDOG=1")) >= 3, 10, "keep-alives before the wedge")
    check("test wedge is active" in k.log(), "kioskd did not warn that the wedge hook is on")
    wedge_ms = 2000
    with open(wedge, "w") as f:
        f.write("%d\n" % wedge_ms)
    wait_until(lambda: "blocking the event loop" in k.log(), 5, "the loop to wedge")
    wedged_at = time.monotonic()
    # While the loop is blocked: no keep-alive beyond the one that may
    # already have been on its way, and the control socket is not served.
    count_at_wedge = len(n.times("WATCHDOG=1"))
    time.sleep(1.0)
    during = len(n.times("WATCHDOG=1")) - count_at_wedge
    check(during <= 1, "%d keep-alives while the loop was wedged" % during)
    check(k.proc.poll() is None, "kioskd exited while wedged")
    # The loop comes back: keep-alives resume (under systemd, WatchdogSec
    # would have restarted it by then).
    wait_until(lambda: "event loop running again" in k.log(), 5, "the loop to run again")
    after = wait_until(lambda: [t for t in n.times("WATCHDOG=1") if t > wedged_at + 1.0],
                       5, "keep-alives after the wedge")
    times = n.times("WATCHDOG=1")
    gap = max(b - a for a, b in zip(times, times[1:]))
    check(gap >= 1.5, "largest gap %.2fs, the wedge was %d ms" % (gap, wedge_ms))
    check(after, "no keep-alive after the wedge")
    # A bad line is ignored, not obeyed.
    with open(wedge, "w") as f:
        f.write("forever\n")
    wait_until(lambda: "ignoring \"forever\"" in k.log(), 5, "the bad wedge line refused")
    return "no keep-alive for %.2fs while wedged %d ms" % (gap, wedge_ms)


def watchdog_pid_elsewhere(k, n):
    k.env["WATCHDOG_PID"] = "1"  # not kioskd: the variables were inherited
    k.start()
    wait_until(lambda: n.times("READY=1"), 10, "READY=1")
    time.sleep(1.0)
    check(not n.times("WATCHDOG=1"), "keep-alives sent though WATCHDOG_PID names another process")


def stopping_on_term(k, n):
    k.start()
    wait_until(lambda: n.times("READY=1"), 10, "READY=1")
    rc = k.stop()
    check(rc == 0, "kioskd exited %s" % rc)
    check(n.times("STOPPING=1"), "no STOPPING=1 at shutdown")


def missing_key_says_how(k, n):
    os.unlink(k.key_file)
    k.start(wait=False)
    rc = k.proc.wait(timeout=10 * SLOW)
    log = k.log()
    check(rc == 1, "kioskd exited %d without its key" % rc)
    for what in ("no deployment key at " + k.key_file, "kioskctl keygen", "install -m 0600 -o ",
                 "card-issuing station", "never on a kiosk"):
        check(what in log, "the log does not say %r:\n%s" % (what, log))
    check(not n.times("READY=1"), "READY=1 without a key")
    # A key others may read is refused with the fix.
    with open(k.key_file, "wb") as f:
        f.write(os.urandom(32))
    os.chmod(k.key_file, 0o644)
    k.start(wait=False)
    rc = k.proc.wait(timeout=10 * SLOW)
    check(rc == 1 and "chmod 600 " + k.key_file in k.log(), "a 0644 key was not refused")
    os.chmod(k.key_file, stat.S_IRUSR | stat.S_IWUSR)


def missing_devices_keep_serving(k, n):
    # The reader's tty, the OLED's I2C bus and the GPIO chip do not exist (a
    # board with the overlays not enabled): kioskd is ready, serves the control socket, and
    # says what is missing in its status and its log.
    k.write_config("[reader]\nconnection = pn532_uart:%s/ttyAMA9\n"
                   "[display]\nbackend = ssd1306\nbus = %s/i2c-9\n"
                   "[gpio]\nchip = gpiochip99\nbuzzer = GPIO18\nhelp_button = GPIO17\n"
                   % (k.dir, k.dir))
    k.start(wait=False)
    wait_until(lambda: n.times("READY=1"), 10, "READY=1 with no devices")
    wait_until(lambda: any("reader unavailable" in s for s in n.lines("STATUS=")), 10,
               "STATUS= naming the reader")
    st = wait_until(lambda: k.status() if k.status().get("display", {}).get("state") == "failed"
                    else None, 10, "the display to report its failure")
    check(st["reader"]["state"] != "ok", "reader state %r" % st["reader"])
    check("i2c-9" in st["display"].get("detail", ""), "display detail %r" % st["display"])
    lines = st.get("gpio", {}).get("lines", {})
    check(lines and all(v.get("state") == "failed" and "gpiochip99" in v.get("error", "")
                        for v in lines.values()), "gpio status %r" % st.get("gpio"))
    check("gpio: buzzer (GPIO18): GPIO chip \"gpiochip99\" does not exist" in k.log(),
          "no clear gpio line in the log")
    time.sleep(1.0)
    check(k.proc.poll() is None, "kioskd exited with its devices missing")
    check(len(n.times("WATCHDOG=1")) >= 2, "keep-alives stopped with devices missing")
    return "reader: %s; display: %s" % (st["reader"].get("detail", ""), st["display"]["detail"])


def officed_notifies():
    # officed: READY=1 once it listens, keep-alives, STOPPING=1. Office
    # starts officed with this process's environment.
    o = Office()
    n = NotifyListener(o.dir)
    saved = {k: os.environ.get(k) for k in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
    os.environ["NOTIFY_SOCKET"] = n.path
    os.environ["WATCHDOG_USEC"] = str(WATCHDOG_USEC)
    os.environ.pop("WATCHDOG_PID", None)
    try:
        o.start()
        wait_until(lambda: n.times("READY=1"), 10, "officed's READY=1")
        check(any("listening on 127.0.0.1" in m for m in n.lines("STATUS=")),
              "officed's STATUS=: %r" % n.lines("STATUS="))
        wait_until(lambda: len(n.times("WATCHDOG=1")) >= 5, 10, "officed's keep-alives")
        o.stop()
        check(n.times("STOPPING=1"), "officed sent no STOPPING=1")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        o.cleanup()
        n.close()


def main():
    t = Tap()
    t.run("READY=1 once the control socket listens, then STATUS=",
          notified_kiosk(ready_after_socket))
    t.run("WATCHDOG=1 at half of WATCHDOG_USEC", notified_kiosk(keepalives_at_rate))
    t.run("a wedged event loop sends no keep-alives", notified_kiosk(wedged_loop_stops_keepalives))
    t.run("WATCHDOG_PID of another process: no keep-alives", notified_kiosk(watchdog_pid_elsewhere))
    t.run("STOPPING=1 on SIGTERM", notified_kiosk(stopping_on_term))
    t.run("no deployment key: the log says how to install it",
          notified_kiosk(missing_key_says_how))
    t.run("missing reader tty, I2C bus and GPIO chip: ready, serving, saying why",
          notified_kiosk(missing_devices_keep_serving))
    t.run("officed: READY=1, WATCHDOG=1, STOPPING=1", officed_notifies)
    t.done()


if __name__ == "__main__":
    main()
