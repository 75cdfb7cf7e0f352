"""The kiosk's GPIO on the simulated board's fake lines (hal/gpio_fake.h):
buzzer and LED patterns for each result, read back from the fake chip's
record of every line change; the help button (bounces are one press, one
opening counts once); the dispenser's relay and "taken" sensor, with the
timeout that gives the card its allowance back; lines that are missing or
busy (and a real libgpiod chip that does not exist); a low stock reaching
the office at once."""

import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (SLOW, Failure, Kiosk, Office, Tap, check, connect_kiosk,  # noqa: E402
                     wait_until)

LINES = ("buzzer = GPIO18\nled_green = GPIO23\nled_red = GPIO24\n"
         "help_button = GPIO25\n")


class Gpio:
    """The fake chip's control FIFO and record file for one kiosk."""

    def __init__(self, k):
        self.prefix = os.path.join(k.dir, "gpio")

    def config(self, extra=""):
        return "[gpio]\nchip = fake:%s\n%s" % (self.prefix, extra)

    def send(self, line):
        fd = os.open(self.prefix + ".ctl", os.O_WRONLY | os.O_NONBLOCK)
        try:
            os.write(fd, (line + "\n").encode())
        finally:
            os.close(fd)

    def record(self):
        try:
            with open(self.prefix + ".log") as f:
                rows = [l.split() for l in f.read().splitlines()]
        except FileNotFoundError:
            return []
        return [(int(r[0]), r[1], r[2], int(r[3])) for r in rows if len(r) == 4]

    def mark(self):
        return len(self.record())

    def since(self, mark):
        return self.record()[mark:]


def beeps(rows):
    """Buzzer on-times in ms, from record rows."""
    out, on_at = [], None
    for ms, role, _, value in rows:
        if role != "buzzer":
            continue
        if value and on_at is None:
            on_at = ms
        elif not value and on_at is not None:
            out.append(ms - on_at)
            on_at = None
    return out


def leds_during(rows, role):
    return [v for _, r, _, v in rows if r == role]


def gpio_kiosk(extra_lines=LINES, config_extra="", stock=20, env=None):
    def wrap(fn):
        def run():
            k = Kiosk(sim=True, env=env)
            g = Gpio(k)
            k.write_config(g.config(extra_lines) + config_extra)
            w = None
            try:
                k.start()
                if stock:
                    k.ctl("restock", str(stock), check_rc=0)
                w = k.watch()
                return fn(k, w, g)
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


def field_empty(k):
    """The last tapped card has left the simulator's field (so the next tap is a new one)."""
    wait_until(lambda: '"card":null' in k.sim.ctl("status").replace(" ", ""), 10,
               "the field to be empty")
    # kioskd's reader notices the removal at its next presence check (every
    # 20 ms or so); nothing reports it, so give it a few checks' time (on a
    # loaded machine the same card back too soon is still "on the reader").
    time.sleep(0.2 * SLOW)


def tap_feedback(k, w, uid, **kw):
    field_empty(k)
    k.tap(uid, **kw)
    while True:
        fb = w.feedback(timeout=10)
        if not fb["repeat"]:
            return fb


def pattern_of(k, w, g, tap):
    """Runs tap() and returns the record rows of the pattern it played."""
    mark = g.mark()
    result = tap()
    # A pattern ends with the buzzer off and the standing LEDs back; all are under 2 s.
    time.sleep(2.5)
    return result, g.since(mark)


@gpio_kiosk(config_extra="[policy]\ndebounce_seconds = 0\n", stock=2)
def patterns_for_each_result(k, w, g):
    # The standing state: in service, stock left: green on, red off.
    wait_until(lambda: leds_during(g.record(), "led_green")[-1:] == [1], 5, "green standing LED")
    fb, rows = pattern_of(k, w, g, lambda: tap_feedback(k, w, "04a1b2c3d4e5f6"))
    check(fb["result"] == "grant", "granted")
    b = beeps(rows)
    check(len(b) == 2 and all(80 <= x <= 400 for x in b), "granted: two short beeps: %r" % b)
    check(1 not in leds_during(rows, "led_red"), "no red during a grant: %r" % rows)
    fb, rows = pattern_of(k, w, g, lambda: tap_feedback(k, w, "04a1b2c3d4e5f6"))
    check(fb["result"] == "limit", "limit: %r" % fb)
    b = beeps(rows)
    check(len(b) == 1 and b[0] >= 500, "denied: one long beep: %r" % b)
    fb, _ = pattern_of(k, w, g, lambda: tap_feedback(k, w, "04998877665544"))
    check(fb["result"] == "grant", "the last set")
    fb, rows = pattern_of(k, w, g, lambda: tap_feedback(k, w, "04112233445566"))
    check(fb["result"] == "out_of_stock", "out of stock: %r" % fb)
    b = beeps(rows)
    check(len(b) == 3 and all(100 <= x <= 450 for x in b), "out of stock: three beeps: %r" % b)
    # Out of stock: the standing LED is red now.
    everything = g.record()
    check(leds_during(everything, "led_red")[-1:] == [1] and
          leds_during(everything, "led_green")[-1:] == [0],
          "standing LEDs red when out of stock: %r" % everything[-4:])
    check(1 not in leds_during(rows, "led_green"), "no green for out of stock")
    # An error: a card that cannot be enrolled (random UID) while enrolment waits.
    import subprocess
    from harness import KIOSKCTL
    p = subprocess.Popen([KIOSKCTL, "-s", k.socket, "staff", "enroll", "--timeout", "20"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: "waiting" in k.status()["staff"], 10, "enrolment waiting")
    fb, rows = pattern_of(k, w, g, lambda: (k.sim.ctl("tap", "--type", "random", "--hold", "150"),
                                            w.feedback(timeout=10))[1])
    p.communicate(timeout=10)
    check(fb["result"] == "error", "error feedback: %r" % fb)
    b = beeps(rows)
    check(len(b) == 6 and all(x <= 250 for x in b), "error: six fast beeps: %r" % b)
    # Every line change was recorded with the line it went to.
    check(all(line == {"buzzer": "GPIO18", "led_green": "GPIO23", "led_red": "GPIO24"}[role]
              for _, role, line, _ in g.record()), "lines as configured")


@gpio_kiosk()
def help_button_debounced_counted_once(k, w, g):
    g.send("press help_button 5")  # five bounces, then held
    ev = w.next(10, "help")
    check(ev["opened"] and ev["counted"], "help opened and counted: %r" % ev)
    g.send("release help_button")
    time.sleep(0.3 * SLOW)
    check(not [e for e in w.all if e.get("event") == "help" and e is not ev],
          "bounces made one press: %r" % [e for e in w.all if e.get("event") == "help"])
    g.send("press help_button")
    ev2 = w.next(10, "help")
    check(ev2["opened"] is False and ev2["counted"] is False, "open already: not counted again")
    g.send("release help_button")
    check(k.status()["today"]["help_requests"] == 1, "counted once")
    # A glitch shorter than the debounce window is no press at all.
    g.send("pulse help_button")
    time.sleep(0.3 * SLOW)
    check(len([e for e in w.all if e.get("event") == "help"]) == 2, "a glitch is no press")
    # Malformed control lines are skipped; the kiosk goes on.
    g.send("press nothing")
    g.send("x" * 300)
    check(tap_feedback(k, w, "04a1b2c3d4e5f6")["result"] == "grant", "taps still served")


DISPENSER = LINES + "relay = GPIO17\ntaken_sensor = GPIO27\n" \
    "relay_pulse_ms = 100\ntaken_timeout_seconds = 3\n"


@gpio_kiosk(extra_lines=DISPENSER, config_extra="[policy]\ndebounce_seconds = 0\n")
def dispenser_taken_and_not_taken(k, w, g):
    mark = g.mark()
    fb = tap_feedback(k, w, "04a1b2c3d4e5f6")
    check(fb["result"] == "grant", "granted")
    wait_until(lambda: leds_during(g.since(mark), "relay") == [1, 0], 5, "relay pulse")
    rows = [r for r in g.since(mark) if r[1] == "relay"]
    check(80 <= rows[1][0] - rows[0][0] <= 600, "pulse ~100 ms: %r" % rows)
    # The handout was committed before the relay fired.
    log = [json.loads(l) for l in k.ctl("log", "--json", check_rc=0).stdout.splitlines()]
    check(log[-1]["kind"] == "handout" and log[-1]["seq"] == fb["seq"], "handout logged")
    g.send("pulse taken_sensor")
    ev = w.next(10, "dispenser")
    check(ev["result"] == "taken" and ev["handout_seq"] == fb["seq"], "taken: %r" % ev)
    # Nobody takes the next one: not taken after the timeout, allowance back.
    fb = tap_feedback(k, w, "04112233445566")
    check(fb["result"] == "grant", "second card granted")
    ev = w.next(10, "dispenser")  # after taken_timeout_seconds
    check(ev["result"] == "not_taken" and ev["handout_seq"] == fb["seq"], "not taken: %r" % ev)
    s = k.status()
    check(s["today"]["not_taken"] == 1 and s["today"]["handouts"] == 2,
          "not_taken counted, handouts kept: %r" % s["today"])
    log = [json.loads(l) for l in k.ctl("log", "--json", check_rc=0).stdout.splitlines()]
    check([e["kind"] for e in log][-2:] == ["handout", "not_taken"], "log: %r" % log[-2:])
    # The same card again: granted (its allowance came back).
    fb2 = tap_feedback(k, w, "04112233445566")
    check(fb2["result"] == "grant", "granted again after not taken: %r" % fb2)
    check(tap_feedback(k, w, "04a1b2c3d4e5f6")["result"] == "limit", "taken card stays limited")
    check(k.status()["gpio"]["dispenser"] in ("pulsing", "waiting", "idle"), "status shows it")


@gpio_kiosk(extra_lines="buzzer = GPIO99\nled_green = GPIO5\nled_red = GPIO5\n"
            "help_button = gpiochip7:3\nrelay = GPIO18\n",
            env={"KIOSKD_FAKE_GPIO_BUSY": "GPIO18"})
def missing_and_busy_lines(k, w, g):
    log = k.log()
    for want in ('buzzer (GPIO99): fake has no line named "GPIO99"',
                 "led_red (GPIO5): line GPIO5 on fake is busy",
                 'help_button (gpiochip7:3): GPIO chip "gpiochip7" does not exist',
                 "relay (GPIO18): line GPIO18 on fake is busy",
                 "taps are still served"):
        check(want in log, "log says %r" % want)
    lines = k.status()["gpio"]["lines"]
    check(lines["led_green"]["state"] == "ok" and lines["buzzer"]["state"] == "failed" and
          "no line" in lines["buzzer"]["error"], "status per line: %r" % lines)
    check(tap_feedback(k, w, "04a1b2c3d4e5f6")["result"] == "grant", "taps are served")
    check(k.status()["gpio"]["dispenser"] == "none", "no relay: no dispenser")


def libgpiod_chip_missing():
    """The real backend: a chip this machine does not have."""
    k = Kiosk(sim=True)
    k.write_config("[gpio]\nchip = gpiochip77\nbuzzer = 18\nled_green = GPIO23\n")
    k.start()
    try:
        k.ctl("restock", "3", check_rc=0)
        w = k.watch()
        log = k.log()
        check('buzzer (18): GPIO chip "gpiochip77" does not exist' in log and "gpiodetect" in log,
              "clear message: %s" % log[-600:])
        check(tap_feedback(k, w, "04a1b2c3d4e5f6")["result"] == "grant", "taps are served")
        w.close()
    finally:
        k.cleanup()


def reload_adds_lines():
    """[gpio] changed and SIGHUP: the lines are opened without a restart."""
    k = Kiosk(sim=True).start()
    try:
        check(k.status()["gpio"]["configured"] is False, "no lines at first")
        g = Gpio(k)
        k.write_config(g.config(LINES))
        k.proc.send_signal(signal.SIGHUP)
        wait_until(lambda: k.status()["gpio"].get("lines", {}).get("buzzer", {}).get("state")
                   == "ok", 10, "the buzzer after the reload")
        k.ctl("restock", "2", check_rc=0)
        w = k.watch()
        mark = g.mark()
        check(tap_feedback(k, w, "04a1b2c3d4e5f6")["result"] == "grant", "granted")
        wait_until(lambda: len(beeps(g.since(mark))) == 2, 5, "two beeps after the reload")
        w.close()
    except Failure:
        print("#   kioskd log:\n" + "\n".join("#     " + l for l in k.log().splitlines()[-20:]))
        raise
    finally:
        k.cleanup()


def bad_gpio_config():
    k = Kiosk()
    try:
        k.write_config("[gpio]\nbuzzer = GPIO 18\nhelp_button_active = sideways\n"
                       "relay_pulse_ms = 5\nchip = fake:relative\n")
        import subprocess
        from harness import KIOSKD
        r = subprocess.run([KIOSKD, "--check-config", k.config], capture_output=True, text=True)
        check(r.returncode == 1, "refused")
        for want in ("[gpio] buzzer:", "[gpio] help_button_active:", "[gpio] relay_pulse_ms:",
                     "[gpio] chip:"):
            check(want in r.stderr, "names %s: %s" % (want, r.stderr))
    finally:
        k.cleanup()


def low_stock_reaches_office_at_once():
    office = Office().start()
    k = Kiosk(sim=True)
    try:
        token = office.add_kiosk("test-kiosk-1")
        # Ordinary changes would wait an hour: only "at once" can make it in time.
        connect_kiosk(k, office.url, token,
                      extra="report_delay = 3600\nreport_interval = 86400\n"
                            "[stock]\nlow_water = 2\n")
        k.start()
        k.ctl("sync", "now", check_rc=0)
        k.ctl("restock", "4", check_rc=0)
        w = k.watch()
        check(tap_feedback(k, w, "04a1b2c3d4e5f6")["result"] == "grant", "4 -> 3, not low")
        time.sleep(1.0 * SLOW)
        days = office.state(token)
        check(sum(d.get("handouts", 0) for d in days.values()) == 0,
              "an ordinary handout waits for report_delay: %r" % days)
        check(tap_feedback(k, w, "04112233445566")["result"] == "grant", "3 -> 2: low")
        ev = [e for e in w.all if e.get("event") == "stock"]
        check(len(ev) == 1 and ev[0]["low"] and ev[0]["level"] == 2, "low stock event: %r" % ev)
        wait_until(lambda: sum(d.get("handouts", 0) for d in office.state(token).values()) == 2,
                   10, "the office to hear of the low stock at once")
        w.close()
    except Failure:
        print("#   kioskd log:\n" + "\n".join("#     " + l for l in k.log().splitlines()[-20:]))
        raise
    finally:
        k.cleanup()
        office.cleanup()


def main():
    t = Tap()
    for fn in (patterns_for_each_result, help_button_debounced_counted_once,
               dispenser_taken_and_not_taken, missing_and_busy_lines, libgpiod_chip_missing,
               reload_adds_lines, bad_gpio_config, low_stock_reaches_office_at_once):
        t.run(fn.__name__, fn)
    t.done()


if __name__ == "__main__":
    main()
