"""The kiosk's screen end to end: the real kioskd drawing on the simulated
board's OLED (build/oled-sim, a virtual SSD1306/SH1106 on a fake I2C bus
that rebuilds the panel from the driver's bytes), the PNG and terminal
backends, the help screen and its counter, content import, a display that
fails, and that no screen carries anything about the card.

Pictures are compared with the golden files of tests/golden/ (the unit test
test_screens keeps those equal to what firmware/screens.c draws), decoded
here with a small PNG reader. QR codes are read back with zbarimg (Debian's
zbar-tools). Waits are on watch events, with deadlines; no fixed sleeps.
"""

import json
import os
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import zlib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (BUILD, ROOT, Failure, Kiosk, Tap, check,  # noqa: E402
                     wait_until)

OLED_SIM = os.path.join(BUILD, "oled-sim")
SCREENS = os.path.join(BUILD, "kiosk-screens")
GOLDEN = os.path.join(ROOT, "tests", "golden")
EXAMPLE = os.path.join(ROOT, "firmware", "content.example.json")


def png_pixels(path):
    """(width, height, rows): 1-bit grey gives 0/1, 8-bit RGB gives (r, g, b)."""
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "%s is a PNG" % path)
    pos, idat, head = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            head = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    w, h, depth, ctype = head[0], head[1], head[2], head[3]
    bpp = 3 if ctype == 2 else 1
    stride = (w * depth * bpp + 7) // 8
    raw = zlib.decompress(idat)
    rows, prev, at = [], bytearray(stride), 0
    step = max(1, depth * bpp // 8)
    for _ in range(h):
        f, line = raw[at], bytearray(raw[at + 1:at + 1 + stride])
        at += 1 + stride
        for i in range(stride):
            a = line[i - step] if i >= step else 0
            b = prev[i]
            c = prev[i - step] if i >= step else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if depth == 1:
            rows.append([(line[x // 8] >> (7 - x % 8)) & 1 for x in range(w)])
        else:
            rows.append([tuple(line[x * 3:x * 3 + 3]) for x in range(w)])
    return w, h, rows


def same_picture(a, b):
    return png_pixels(a)[2] == png_pixels(b)[2]


class OledSim:
    """build/oled-sim on a socket in the kiosk's directory."""

    def __init__(self, directory, chip="ssd1306", address="0x3c"):
        self.bus = os.path.join(directory, "i2c.sock")
        self.dump = os.path.join(directory, "panel.png")
        self.log_path = os.path.join(directory, "oled-sim.log")
        self.proc = subprocess.Popen(
            [OLED_SIM, "--bus", self.bus, "--chip", chip, "--address", address,
             "--dump", self.dump], stdout=subprocess.PIPE, stderr=open(self.log_path, "ab"),
            text=True)
        line = self.proc.stdout.readline()
        if "ready" not in line:
            raise Failure("oled-sim did not start: %r" % line)

    def log(self):
        return open(self.log_path).read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


def display_conf(bus, backend="ssd1306", extra=""):
    return "[display]\nbackend = %s\nbus = %s\n%s" % (backend, bus, extra)


def wait_screen(w, name, timeout=5.0):
    """The next "screen" event for name (a prefix: "idle" matches idle-*)."""
    while True:
        ev = w.next(timeout, "screen")
        if ev["screen"].startswith(name):
            return ev


def with_panel(chip="ssd1306", extra="", stock=5):
    def wrap(fn):
        def run():
            d = tempfile.mkdtemp(prefix="kiosk-display-")
            sim = OledSim(d, chip)
            k = Kiosk(keep_dir=d, config_extra=display_conf(sim.bus, chip, extra))
            w = None
            try:
                k.start()
                wait_until(lambda: k.status()["display"]["state"] == "ok", 5, "display ok")
                w = k.watch()
                if stock:
                    k.ctl("restock", str(stock), check_rc=0)
                return fn(k, w, sim)
            except Failure:
                print("#   kioskd log:\n" + "\n".join("#     " + l for l in k.log().splitlines()[-20:]))
                print("#   oled-sim log:\n" + "\n".join("#     " + l for l in sim.log().splitlines()[-10:]))
                raise
            finally:
                if w:
                    w.close()
                k.stop()
                sim.stop()
                k.cleanup()
        run.__name__ = fn.__name__
        return run
    return wrap


@with_panel()
def granted_on_the_panel(k, w, sim):
    k.tap("04a1b2c3d4e5f6")
    fb = w.feedback()
    check(fb["result"] == "grant" and set(fb) >= {"seq", "result", "repeat"}, "feedback: %r" % fb)
    wait_screen(w, "granted")
    check(same_picture(sim.dump, os.path.join(GOLDEN, "128x64-ja-granted.png")),
          "the virtual panel shows exactly the golden granted screen")
    s = k.status()["display"]
    check(s["state"] == "ok" and s["backend"] == "ssd1306", "display ok: %r" % s)
    check("rejected" not in sim.log(), "the panel rejected nothing")


@with_panel(chip="sh1106")
def sh1106_panel(k, w, sim):
    k.tap("04a1b2c3d4e5f6")
    w.feedback()
    wait_screen(w, "granted")
    check(same_picture(sim.dump, os.path.join(GOLDEN, "128x64-ja-granted.png")),
          "the SH1106 shows the same picture")


@with_panel(extra="result_seconds = 1\nidle_page_seconds = 2\n")
def result_returns_to_idle(k, w, sim):
    k.tap("04a1b2c3d4e5f6")
    w.feedback()
    wait_screen(w, "granted")
    ev = wait_screen(w, "idle", timeout=4.0)
    check(ev["screen"].startswith("idle-"), "back to idle: %r" % ev)
    # The idle screen turns its pages.
    first = ev["screen"]
    nxt = wait_screen(w, "idle", timeout=5.0)["screen"]
    check(nxt != first, "idle pages rotate (%s, then %s)" % (first, nxt))


@with_panel(extra="dim_after_seconds = 1\nresult_seconds = 1\n")
def dims_and_wakes(k, w, sim):
    while True:
        ev = w.next(6, "screen")
        if ev["dimmed"]:
            break
    k.tap("04a1b2c3d4e5f6")
    w.feedback()
    ev = wait_screen(w, "granted")
    check(not ev["dimmed"], "a tap wakes the screen")


@with_panel(stock=1)
def limit_and_stock_screens(k, w, sim):
    k.ctl("content", "import", EXAMPLE, check_rc=0)
    k.tap("04a1b2c3d4e5f6")
    w.feedback()
    wait_screen(w, "granted")
    k.tap("04000000000002")
    check(w.feedback()["result"] == "out_of_stock", "out of stock")
    wait_screen(w, "out-of-stock")
    # (The reader-unavailable screen is test_display_service's: the fake
    # reader comes back too fast to see it here.)


@with_panel()
def help_counted_once_per_opening(k, w, sim):
    r = json.loads(json.dumps(k.request({"cmd": "help"})))
    check(r["ok"] and r["opened"] and r["counted"], "first help: %r" % r)
    ev = w.next(5, "help")
    check(ev["counted"] and ev["seq"] > 0, "help event: %r" % ev)
    wait_screen(w, "help")
    r = k.request({"cmd": "help"})
    check(r["ok"] and not r["opened"] and not r["counted"], "while open, not again: %r" % r)
    check(k.status()["today"]["help_requests"] == 1, "counted once")
    out = k.ctl("help", check_rc=0).stdout
    check("not counted again" in out, "kioskctl says so: %r" % out)
    # A tap replaces the help screen; opening it after that is a new opening.
    k.tap("04a1b2c3d4e5f6")
    w.feedback()
    wait_screen(w, "granted")
    r = k.request({"cmd": "help"})
    check(r["opened"] and r["counted"], "a new opening: %r" % r)
    check(k.status()["today"]["help_requests"] == 2, "two openings")
    log = [json.loads(l) for l in k.ctl("log", "--json", check_rc=0).stdout.splitlines()]
    check(sum(1 for e in log if e["kind"] == "help") == 2, "two help events in the log")


@with_panel()
def content_import(k, w, sim):
    s = k.status()["display"]
    check(s["content_default"] and s["content_version"] == "default-1", "default first: %r" % s)
    out = k.ctl("content", "import", EXAMPLE, check_rc=0).stdout
    check("example-2026-11-29" in out and "3 windows" in out, out)
    check(w.next(5, "content")["version"] == "example-2026-11-29", "content event")
    bad = os.path.join(k.dir, "bad.json")
    for text, want in [('{"version": "x",', "not valid JSON"),
                       (json.dumps({"version": "v9"}), "is required"),
                       (open(EXAMPLE).read().replace('"08:45", "17:15"', '"17:15", "08:45"', 1),
                        "closes before it opens")]:
        open(bad, "w").write(text)
        r = k.ctl("content", "import", bad, check_rc=1)
        check(want in r.stderr and "example-2026-11-29 stays in use" in r.stderr,
              "refused with why: %r" % r.stderr)
    check(k.status()["display"]["content_version"] == "example-2026-11-29", "previous kept")
    check("rejected" in k.log(), "a clear log line")
    fifo = os.path.join(k.dir, "fifo.json")
    os.mkfifo(fifo)
    r = k.request({"cmd": "content_import", "path": fifo})
    check(not r["ok"] and "not a regular file" in r["error"], "a FIFO: %r" % r)
    r = k.request({"cmd": "content_import", "path": "relative.json"})
    check(not r["ok"] and "absolute" in r["error"], "relative: %r" % r)
    # The bundle survives a restart (it is in the store).
    w.close()
    k.stop()
    k.start()
    check(k.status()["display"]["content_version"] == "example-2026-11-29", "kept in the store")


def degraded_without_panel():
    """No panel on the bus: kioskd says so, serves taps, and finds the panel
    once it appears."""
    d = tempfile.mkdtemp(prefix="kiosk-display-")
    bus = os.path.join(d, "i2c.sock")
    k = Kiosk(keep_dir=d, config_extra=display_conf(bus))
    sim = None
    try:
        k.start()
        w = k.watch()
        k.ctl("restock", "2", check_rc=0)
        k.tap("04a1b2c3d4e5f6")
        check(w.feedback()["result"] == "grant", "taps are served without a display")
        wait_until(lambda: k.status()["display"]["state"] != "starting", 5, "a first attempt")
        s = k.status()["display"]
        check(s["state"] == "failed" and "i2c.sock" in s["detail"], "status says why: %r" % s)
        check("display:" in k.log() and "goes on without its screen" in k.log(), "log line")
        check(k.status()["today"]["handouts"] == 1, "and logged")
        sim = OledSim(d)
        ev = w.next(10, "display")
        while ev["state"] != "ok":
            ev = w.next(10, "display")
        wait_screen(w, "idle", timeout=10)
        w.close()
    finally:
        k.stop()
        if sim:
            sim.stop()
        k.cleanup()


def no_ack():
    """The panel answers at 0x3d, kioskd talks to 0x3c."""
    d = tempfile.mkdtemp(prefix="kiosk-display-")
    sim = OledSim(d, address="0x3d")
    k = Kiosk(keep_dir=d, config_extra=display_conf(sim.bus))
    try:
        k.start()
        wait_until(lambda: k.status()["display"]["state"] == "failed", 5, "display failed")
        check("acknowledged" in k.status()["display"]["detail"], k.status()["display"]["detail"])
        w = k.watch()
        k.ctl("restock", "1", check_rc=0)
        k.tap("04a1b2c3d4e5f6")
        check(w.feedback()["result"] == "grant", "served anyway")
        w.close()
    finally:
        k.stop()
        sim.stop()
        k.cleanup()


@with_panel(stock=3)
def no_card_data_on_screen(k, w, sim):
    """Two cards with the same result draw the same picture; no UID anywhere
    on the display's side."""
    uids = ["04a1b2c3d4e5f6", "3c5d7e9f", "04112233445566778899"]
    pictures = []
    for uid in uids[:2]:
        k.tap(uid)
        w.feedback()
        wait_screen(w, "granted")
        pictures.append(png_pixels(sim.dump)[2])
        k.request({"cmd": "help"})  # another screen in between
        wait_screen(w, "help")
    check(pictures[0] == pictures[1], "two cards, one picture")
    k.tap(uids[0])
    w.feedback()
    for ev in w.all:
        if ev.get("event") in ("screen", "display", "help", "feedback"):
            check(not set(ev) & {"card", "card_id", "uid"}, "no card member: %r" % ev)
    blobs = [open(sim.dump, "rb").read(), open(sim.log_path, "rb").read(), k.log().encode(),
             json.dumps(w.all).encode(), json.dumps(k.status()).encode()]
    for uid in uids:
        for form in (uid, uid.upper(), bytes.fromhex(uid)):
            form = form.encode() if isinstance(form, str) else form
            check(not any(form in b for b in blobs), "UID %s found" % uid)


def png_and_terminal_backends():
    for backend, size in (("png", "128x64"), ("png", "320x240"), ("terminal", "128x64")):
        d = tempfile.mkdtemp(prefix="kiosk-display-")
        out = os.path.join(d, "screen.out")
        k = Kiosk(keep_dir=d, config_extra="[display]\nbackend = %s\noutput = %s\nsize = %s\n"
                  "[kiosk]\nlanguage = en\n" % (backend, out, size))
        try:
            k.start()
            # The first (idle) picture is out before the tap.
            wait_until(lambda: k.status()["display"]["state"] == "ok", 5, "display ok")
            w = k.watch()
            k.ctl("restock", "1", check_rc=0)
            k.tap("04a1b2c3d4e5f6")
            w.feedback()
            wait_screen(w, "granted")
            if backend == "png":
                check(same_picture(out, os.path.join(GOLDEN, "%s-en-granted.png" % size)),
                      "%s %s equals the golden picture" % (backend, size))
            else:
                text = open(out, encoding="utf-8").read()
                check("\u2588" in text or "\u2580" in text, "half blocks drawn")
                check(text.count("\u250c") >= 2, "frames appended to a file")
            w.close()
        finally:
            k.stop()
            k.cleanup()


def bad_display_config():
    k = Kiosk(config_extra="[display]\nbackend = ssd1306\nrotation = 90\naddress = 0x3e\n")
    try:
        r = subprocess.run([os.path.join(BUILD, "kioskd"), "--check-config", k.config],
                           capture_output=True, text=True)
        check(r.returncode == 1, "refused")
        check('[display] address: "0x3e" is not one of 0x3c, 0x3d' in r.stderr, r.stderr)
        k.write_config("[display]\nbackend = ssd1306\nrotation = 90\n")
        r = subprocess.run([os.path.join(BUILD, "kioskd"), "--check-config", k.config],
                           capture_output=True, text=True)
        check("turns only 0 or 180 degrees" in r.stderr, r.stderr)
        k.write_config("[display]\nbackend = png\n")
        r = subprocess.run([os.path.join(BUILD, "kioskd"), "--check-config", k.config],
                           capture_output=True, text=True)
        check("[display] output is required with backend = png" in r.stderr, r.stderr)
    finally:
        k.cleanup()


def qr_codes_decode():
    """Every QR code on every screen reads back as the configured help URL."""
    if not shutil.which("zbarimg"):
        raise Failure("zbarimg (zbar-tools) is not installed: run make deps")
    out = tempfile.mkdtemp(prefix="kiosk-screens-")
    try:
        r = subprocess.run([SCREENS, "--content", EXAMPLE, "--site", "12", out],
                           capture_output=True, text=True, check=True)
        shots = [json.loads(l) for l in r.stdout.splitlines()]
        check(len(shots) == 90, "90 pictures")
        with_qr = [s for s in shots if s["qr"]]
        check(len(with_qr) == 12, "help and how-to, 3 languages, 2 sizes: %d" % len(with_qr))
        for s in with_qr:
            z = subprocess.run(["zbarimg", "-q", "--raw", s["file"]], capture_output=True,
                               text=True)
            got = z.stdout.strip()
            check(got == s["qr_text"], "%s decodes to %r" % (s["file"], got))
            check(got.lower() == "https://help.example.jp/s/12", "the configured URL")
            check(s["version"] == 2, "version 2")
        # A site id that makes the URL too long for 128x64: reported, never drawn.
        r = subprocess.run([SCREENS, "--content", EXAMPLE, "--site", "ASAHIKAWA-LIB-1",
                            "--size", "128x64", out], capture_output=True, text=True, check=True)
        for s in map(json.loads, r.stdout.splitlines()):
            if s["screen"] in ("help", "idle-howto"):
                check(not s["qr"] and "too long to fit" in s["problem"], "%r" % s)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def main():
    t = Tap()
    t.run("the virtual SSD1306 shows the golden granted screen", granted_on_the_panel)
    t.run("the virtual SH1106 shows the same", sh1106_panel)
    t.run("a result returns to idle; idle pages rotate", result_returns_to_idle)
    t.run("the idle screen dims and a tap wakes it", dims_and_wakes)
    t.run("the out-of-stock screen", limit_and_stock_screens)
    t.run("help opens, counted once per opening", help_counted_once_per_opening)
    t.run("content import: valid, refused whole, kept across restarts", content_import)
    t.run("no panel: taps served, status and log say why, panel found later",
          degraded_without_panel)
    t.run("a panel that does not acknowledge", no_ack)
    t.run("no card data on any screen", no_card_data_on_screen)
    t.run("png and terminal backends", png_and_terminal_backends)
    t.run("display config errors", bad_display_config)
    t.run("every QR code decodes to the help URL (zbarimg)", qr_codes_decode)
    t.done()


if __name__ == "__main__":
    main()
