"""The office's view, through a real browser: officed's dashboard, exports,
content management, public help pages and /metrics, in headless Chromium
(Debian's chromium and chromium-driver, driven with python3-selenium).

Every page is opened, logged in to, looked at and (for content) edited in
Chromium; the figures it shows are checked against the database itself;
screenshots are kept under $BUILD/screenshots-office/. Then what an attacker
or a slip of the hand would try: wrong passwords until the rate limit, an
expired session, forged or missing CSRF tokens, a kiosk's token at the
dashboard and a dashboard cookie at the kiosk API, <script> in every text
field, an oversized upload, a CSV import with bad rows; officed serves on
throughout. Also: the Cabinet Office's holiday CSV (Shift_JIS), a backup
restored and compared, `officed export`, and /metrics read by the
Prometheus client's own parser. SQLite first, then the same figures and
content flow on PostgreSQL.
"""

import csv
import datetime
import http.client
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import (BUILD, ROOT, SLOW, Failure, Office, Postgres, Tap, check,  # noqa: E402
                     wait_until)

try:
    import selenium  # noqa: F401
except ImportError:
    # Debian's python3-selenium and python3-prometheus-client live in the
    # system's dist-packages; a python3 from elsewhere (pyenv) finds them there.
    sys.path.append("/usr/lib/python3/dist-packages")

CONTENT = os.path.join(ROOT, "firmware", "content.example.json")
SHOTS = os.path.join(BUILD, "screenshots-office")
COUNTERS = ("handouts", "denied_limit", "denied_revoked", "denied_not_issued",
            "denied_out_of_stock", "denied_unusable_card", "not_taken", "restocked_sets",
            "new_cards", "help_requests")
PASSWORD = "correct horse battery staple"
XSS = "<script>alert(1)</script>"
TZ = datetime.timezone(datetime.timedelta(hours=9))  # Asia/Tokyo, no DST


def today():
    return datetime.datetime.now(TZ).date()


def day(date, revision=1, **counts):
    d = {"date": date.isoformat(), "revision": revision, "clock_unsynced": 0}
    d.update({c: 0 for c in COUNTERS})
    d.update(counts)
    return d


def report(kiosk_id, site_id, days, stock=7, low=False, firmware="1.0.0", last_error="",
           reader="ok"):
    return {"protocol": 1, "kiosk_id": kiosk_id, "site_id": site_id, "firmware": firmware,
            "sent_at": int(time.time()), "clock_synchronized": True,
            "stock": {"level": stock, "low_water": 3, "low": low},
            "health": {"reader": reader, "display": "ok", "last_error": last_error},
            "days": days, "card_events": []}


def post_report(office, token, body):
    status, _, raw = office.request("POST", "/v1/report", token=token, body=json.dumps(body).encode())
    check(status == 200, "report: %d %r" % (status, raw))


# ---- a browser ----

class Browser:
    """Headless Chromium with a fresh profile; quits and removes it at the end."""

    def __init__(self, width=1280, height=900):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
        self.profile = tempfile.mkdtemp(prefix="chromium-")
        opts = webdriver.ChromeOptions()
        opts.binary_location = "/usr/bin/chromium"
        # No network on this machine: everything that would phone home is off.
        for a in ("--headless", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-sandbox",
                  "--disable-dev-shm-usage", "--user-data-dir=" + self.profile,
                  "--window-size=%d,%d" % (width, height), "--lang=en-US"):
            opts.add_argument(a)
        self.d = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
        self.d.set_page_load_timeout(30 * SLOW)

    def get(self, url):
        self.d.get(url)
        return self

    def css(self, sel):
        return self.d.find_elements("css selector", sel)

    def one(self, sel):
        found = self.css(sel)
        check(found, "no %s on %s" % (sel, self.d.current_url))
        return found[0]

    def text(self, sel):
        return self.one(sel).text.strip()

    def shot(self, name):
        os.makedirs(SHOTS, exist_ok=True)
        path = os.path.join(SHOTS, name + ".png")
        # The whole page, not only the window.
        h = self.d.execute_script("return document.documentElement.scrollHeight")
        w = self.d.get_window_size()["width"]
        self.d.set_window_size(w, min(max(h, 400), 4000))
        self.d.save_screenshot(path)
        return path

    def no_alert(self):
        from selenium.common.exceptions import NoAlertPresentException
        try:
            self.d.switch_to.alert
        except NoAlertPresentException:
            return True
        return False

    def cookie(self, name):
        c = self.d.get_cookie(name)
        return c["value"] if c else None

    def quit(self):
        try:
            self.d.quit()
        finally:
            shutil.rmtree(self.profile, ignore_errors=True)


def login(b, office, user="alice", password=PASSWORD):
    b.get(office.url + "/login")
    b.one("#user").send_keys(user)
    b.one("#password").send_keys(password)
    b.one("#login").click()


def http(office, method, path, cookie=None, body=None, headers=None, token=None):
    h = dict(headers or {})
    if cookie:
        h["Cookie"] = "officed_session=" + cookie
    if body is not None and "Content-Type" not in h:
        h["Content-Type"] = "application/x-www-form-urlencoded"
    return office.request(method, path, token=token, body=body, headers=h)


def form(**fields):
    return urllib.parse.urlencode(fields).encode()


def stop_clean(office):
    """Stops officed and checks that its sanitizers (check-asan) found nothing."""
    office.stop()
    log = office.log()
    check("Sanitizer" not in log and "runtime error" not in log, "officed's log: %s" % log[-3000:])


def content_version(office):
    status, _, raw = office.request("GET", "/healthz")
    return json.loads(raw)["content_version"]


# ---- the database, read directly ----

class Db:
    """Sums from the office's own tables, to check the pages against."""

    def __init__(self, office, pg=None):
        self.office, self.pg = office, pg

    def rows(self, sql):
        if self.pg:
            out = self.pg.psql("office", sql)
            return [tuple(line.split("|")) for line in out.splitlines() if line]
        db = sqlite3.connect(os.path.join(self.office.dir, "office.db"))
        try:
            return [tuple(str(v) for v in r) for r in db.execute(sql).fetchall()]
        finally:
            db.close()

    def site_sum(self, site, counter, first, last):
        r = self.rows("SELECT coalesce(sum(d.%s), 0) FROM days d JOIN kiosks k ON k.kiosk_id = d.kiosk_id"
                      " WHERE k.site_id = '%s' AND d.day BETWEEN '%s' AND '%s'"
                      % (counter, site, first.isoformat(), last.isoformat()))
        return int(r[0][0])


def month_start(d):
    return d.replace(day=1)


def prev_month(d):
    return (d.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


# ---- set-up shared by SQLite and PostgreSQL ----

def prepare(office, with_xss=False):
    """Content, three kiosks at two sites, a user, and reports over two months."""
    bundle = json.load(open(CONTENT, encoding="utf-8"))
    if with_xss:
        for s in bundle["sites"]:
            s["name"] = s["name"] + XSS
        for w in bundle["windows"]:
            w["name"] += XSS
            w["address"] = XSS
        for s in bundle["sessions"]:
            s["place"] += XSS
            s["note"] = XSS
        for h in bundle["hotlines"]:
            h["name"] += XSS
            h["note"] = XSS
            h["hours"] = XSS
    # Sessions in the coming days, so the pages have some to show.
    t = today()
    for i, s in enumerate(bundle["sessions"]):
        s["date"] = (t + datetime.timedelta(days=2 + i)).isoformat()
    path = os.path.join(office.dir, "content.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(bundle, f, ensure_ascii=False)
    office.cli("content", "import", path)
    tokens = {"k1": office.add_kiosk("k1", "12"), "k2": office.add_kiosk("k2", "12"),
              "k3": office.add_kiosk("k3", "13")}
    r = subprocess.run([os.path.join(BUILD, "officed"), "-c", office.config, "user", "add", "alice"],
                       input=PASSWORD + "\n", capture_output=True, text=True, timeout=60 * SLOW)
    check(r.returncode == 0, "user add: %s" % r.stderr)
    t = today()
    prev = prev_month(t)
    post_report(office, tokens["k1"], report("k1", "12", [
        day(t, handouts=5, denied_limit=2, help_requests=3, new_cards=4, restocked_sets=10),
        day(prev.replace(day=10), handouts=8, new_cards=6, help_requests=1, denied_out_of_stock=2),
        day(t - datetime.timedelta(days=40), handouts=2)],
        stock=2, low=True, firmware="1.2.3" + (XSS if with_xss else ""),
        last_error=XSS if with_xss else ""))
    post_report(office, tokens["k2"], report("k2", "12", [
        day(t, handouts=1, denied_out_of_stock=1, help_requests=1, new_cards=1),
        day(month_start(t), handouts=3 if t.day != 1 else 0)], stock=9))
    post_report(office, tokens["k3"], report("k3", "13", [
        day(t, handouts=4, help_requests=2, new_cards=2),
        day(prev.replace(day=3), handouts=2, new_cards=2)], stock=12))
    return tokens


def check_overview(b, office, db):
    t = today()
    b.get(office.url + "/")
    check(b.text("h1") in ("Overview", "概要"), "overview title: %r" % b.text("h1"))
    for site in ("12", "13"):
        row = b.one('tr[data-site="%s"]' % site)
        today_shown = int(row.find_element("css selector", "td.today").text)
        month_shown = int(row.find_element("css selector", "td.month").text)
        help_shown = int(row.find_element("css selector", "td.help-month").text)
        check(today_shown == db.site_sum(site, "handouts", t, t),
              "site %s today: page %d, database %d" % (site, today_shown, db.site_sum(site, "handouts", t, t)))
        check(month_shown == db.site_sum(site, "handouts", month_start(t), t),
              "site %s month: page %d" % (site, month_shown))
        check(help_shown == db.site_sum(site, "help_requests", month_start(t), t),
              "site %s help: page %d" % (site, help_shown))
    stock = b.one('tr[data-site="12"] td.stock')
    check("low" in stock.get_attribute("class") and stock.text.startswith("11"),
          "site 12: stock 2 + 9, low: %r %r" % (stock.text, stock.get_attribute("class")))
    check(b.css("svg rect"), "a chart on the overview")


def check_site(b, office, db):
    t = today()
    b.get(office.url + "/site/12")
    first = t - datetime.timedelta(days=89)
    for counter in ("handouts", "denied_limit", "denied_out_of_stock", "restocked_sets", "help_requests"):
        shown = int(b.one('tr[data-counter="%s"] td.d90' % counter).text)
        want = db.site_sum("12", counter, first, t)
        check(shown == want, "site 12 %s over 90 days: page %d, database %d" % (counter, shown, want))
    bars = b.css("svg rect[fill='#8e4fa6']")
    check(len(bars) >= 90, "90 bars: %d" % len(bars))
    check(b.css("svg polyline"), "the stock line")


def check_programme(b, office, db):
    t = today()
    b.get(office.url + "/programme")
    this, prev = month_start(t), prev_month(t)
    row = b.one('#months tr[data-month="%s"]' % this.strftime("%Y-%m"))
    shown = int(row.find_element("css selector", "td.handouts").text)
    want = sum(db.site_sum(s, "handouts", this, t) for s in ("12", "13"))
    check(shown == want, "programme this month: page %d, database %d" % (shown, want))
    before = sum(db.site_sum(s, "handouts", prev, this - datetime.timedelta(days=1)) for s in ("12", "13"))
    change = row.find_elements("css selector", "td.change")[0].text
    check(change.startswith("%+d" % (want - before)), "change %r, want %+d" % (change, want - before))
    new = int(b.one('#bysite tr[data-site="13"] td.new_cards').text)
    check(new == db.site_sum("13", "new_cards", this, t), "new cards at 13: %d" % new)


def check_exports(office, cookie, db, label):
    t = today()
    for lang in ("en", "ja"):
        status, h, raw = http(office, "GET", "/export/days.csv",
                              headers={"Cookie": "officed_session=%s; officed_lang=%s" % (cookie, lang)})
        check(status == 200 and h.get("Content-Type", "").startswith("text/csv"), "days.csv: %d" % status)
        check(raw.startswith(b"\xef\xbb\xbf"), "a BOM first")
        rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
        head = rows[0]
        check(head[0] == ("日付" if lang == "ja" else "date") and
              head[3] == ("配布数" if lang == "ja" else "handouts"), "%s header: %r" % (lang, head))
        got = {(r[0], r[1]): int(r[3]) for r in rows[1:]}
        for site in ("12", "13"):
            check(got[(t.isoformat(), site)] == db.site_sum(site, "handouts", t, t),
                  "%s: days.csv site %s today" % (label, site))
        for r in rows[1:]:
            check(re.fullmatch(r"\d{4}-\d{2}-\d{2}", r[0]), "a date as YYYY-MM-DD: %r" % r[0])
    status, _, raw = http(office, "GET", "/export/programme.csv", cookie=cookie)
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    total = [r for r in rows if r[1] == "total" and r[0] == t.strftime("%Y-%m")]
    want = sum(db.site_sum(s, "handouts", month_start(t), t) for s in ("12", "13"))
    check(total and int(total[0][3]) == want, "programme.csv total: %r, want %d" % (total, want))
    status, _, raw = http(office, "GET", "/export/months.csv?from=%s&to=%s" % (
        prev_month(t).strftime("%Y-%m"), t.strftime("%Y-%m")), cookie=cookie)
    rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
    got = {(r[0], r[1]): int(r[3]) for r in rows[1:]}
    pm = prev_month(t)
    check(got[(pm.strftime("%Y-%m"), "12")] ==
          db.site_sum("12", "handouts", pm, month_start(t) - datetime.timedelta(days=1)),
          "months.csv: %r" % got)
    status, _, raw = http(office, "GET", "/export/days.csv?from=2026-02-30", cookie=cookie)
    check(status == 400 and b"not a date" in raw, "a bad date: %d" % status)


def content_flow(b, office, token, label):
    """Edit a window and add a session in Chromium; import CSV; preview."""
    v0 = content_version(office)
    b.get(office.url + "/content?edit=w-women")
    name = b.one("#f-name")
    name.clear()
    name.send_keys("女性相談窓口（%s）" % label)
    mon = b.one("#f-mon")
    mon.clear()
    mon.send_keys("9:00-12:00 13:00-17:00")
    b.one("#save-window").click()
    wait_until(lambda: b.css("#published"), 10, "the published message")
    check(content_version(office) == v0 + 1, "a new version after the edit")
    status, _, raw = office.request("GET", "/v1/content", token=token)
    bundle = json.loads(raw)
    win = [w for w in bundle["windows"] if w["id"] == "w-women"][0]
    check(win["name"] == "女性相談窓口（%s）" % label and win["hours"]["mon"] == [["09:00", "12:00"], ["13:00", "17:00"]],
          "kiosks get the edit: %r" % win)
    # A session through the form.
    b.get(office.url + "/content")
    d = today() + datetime.timedelta(days=3)
    b.d.execute_script("document.getElementById('f-date').value = arguments[0];"
                       "document.getElementById('f-start').value = '10:00';"
                       "document.getElementById('f-end').value = '12:30';", d.isoformat())
    b.one("#session-form #f-place").send_keys("公民館 %s" % label)
    b.one("#session-form #f-lat").send_keys("43.77")
    b.one("#session-form #f-lon").send_keys("142.36")
    b.one("#save-session").click()
    wait_until(lambda: b.css("#published"), 10, "the session published")
    check(content_version(office) == v0 + 2, "a version for the session")
    # The same session edited in place: its form comes filled, the edit
    # replaces it (no second row), and kiosks get the new place and time.
    _, _, raw = office.request("GET", "/v1/content", token=token)
    sessions = json.loads(raw)["sessions"]
    idx = [s["place"] for s in sessions].index("公民館 %s" % label)
    b.get(office.url + "/content?edit_session=%d" % idx)
    check(b.one("#session-form #f-place").get_attribute("value") == "公民館 %s" % label,
          "the edit form is filled")
    check(b.one("#session-form #f-start").get_attribute("value") == "10:00", "with the start time")
    b.one("#session-form #f-place").clear()
    b.one("#session-form #f-place").send_keys("図書館 %s" % label)
    b.d.execute_script("document.getElementById('f-end').value = '13:00';")
    b.one("#save-session").click()
    wait_until(lambda: b.css("#published"), 10, "the edited session published")
    check(content_version(office) == v0 + 3, "a version for the edit")
    _, _, raw = office.request("GET", "/v1/content", token=token)
    after = json.loads(raw)["sessions"]
    check(len(after) == len(sessions), "edited in place, not added: %d -> %d" % (len(sessions), len(after)))
    check(after[idx]["place"] == "図書館 %s" % label and after[idx]["end"] == "13:00",
          "kiosks get the edited session: %r" % after[idx])
    # An import with bad rows: rejected whole, every bad line named.
    bad = os.path.join(office.dir, "sessions-bad.csv")
    with open(bad, "w", encoding="utf-8-sig", newline="") as f:
        f.write("日付,開始,終了,場所,緯度,経度,備考\r\n"
                "2026/12/5,13:00,16:00,市民ホール,43.80,142.37,予約不要\r\n"
                "2026/13/5,13:00,16:00,市民ホール,43.80,142.37,\r\n"
                "2026/12/6,17:00,16:00,,95,142.37,\r\n")
    b.get(office.url + "/content")
    from selenium.webdriver.support.ui import Select
    Select(b.one("#f-kind")).select_by_value("sessions")
    b.one("#f-file").send_keys(bad)
    b.one("#import").click()
    wait_until(lambda: b.css("#errors"), 10, "the import's errors")
    errors = b.text("#errors")
    for want in ("line 3, date", "line 4, end", "line 4, place", "line 4, lat"):
        check(want in errors, "%s in %r" % (want, errors))
    check("line 2" not in errors, "a good line is not blamed")
    check(content_version(office) == v0 + 3, "nothing published by a bad import")
    b.shot("content-import-errors-" + label)
    # The same file in Shift_JIS as Excel saves it, corrected: published.
    good = os.path.join(office.dir, "sessions.csv")
    rows = "日付,開始,終了,場所,緯度,経度,備考\r\n"
    for i in range(3):
        rows += "%s,9:30,11:30,地区センター%d,43.78,142.36,無料\r\n" % (
            (today() + datetime.timedelta(days=i + 1)).strftime("%Y/%-m/%-d"), i)
    with open(good, "wb") as f:
        f.write(rows.encode("cp932"))
    b.get(office.url + "/content")
    Select(b.one("#f-kind")).select_by_value("sessions")
    b.one("#f-file").send_keys(good)
    b.one("#import").click()
    wait_until(lambda: b.css("#published"), 10, "the import published")
    status, _, raw = office.request("GET", "/v1/content", token=token)
    places = [s["place"] for s in json.loads(raw)["sessions"]]
    check(places == ["地区センター0", "地区センター1", "地区センター2"], "imported sessions: %r" % places)
    # Preview what k1 shows.
    b.get(office.url + "/content/preview?kiosk=k1")
    check(len(b.css("#preview-windows li")) >= 1 and len(b.css("#preview-sessions li")) >= 1,
          "the preview lists windows and sessions")
    check("地区センター0" in b.text("#preview-sessions"), "the next session first")
    b.shot("content-preview-" + label)


# ---- the tests ----

def dashboard_sqlite():
    office = Office(extra={"dashboard": {"public_url": "HTTP://127.0.0.1:1"}})
    b = None
    try:
        office.start()
        tokens = prepare(office)
        db = Db(office)
        b = Browser()
        b.get(office.url + "/")
        check("/login" in b.d.current_url, "pages ask for a login first")
        b.shot("login")
        login(b, office)
        wait_until(lambda: b.css("tr[data-site]"), 10, "the overview after login")
        cookie = b.cookie("officed_session")
        c = b.d.get_cookie("officed_session")
        check(c["httpOnly"] and c.get("sameSite") == "Strict", "cookie flags: %r" % c)
        check_overview(b, office, db)
        b.shot("overview")
        b.get(office.url + "/?lang=ja")
        check(b.text("h1") == "概要", "Japanese")
        b.shot("overview-ja")
        b.get(office.url + "/?lang=en")
        check_site(b, office, db)
        b.shot("site-12")
        check_programme(b, office, db)
        b.shot("programme")
        b.get(office.url + "/kiosks")
        check(len(b.css("#kiosks tbody tr")) == 3, "three kiosks")
        check(b.text('tr[data-kiosk="k1"] td.state') == "trouble" or
              b.text('tr[data-kiosk="k1"] td.state') == "ok", "k1's state")
        b.shot("kiosks")
        b.get(office.url + "/exports")
        b.shot("exports")
        # Download a CSV the way staff do: the form's button, in Chromium.
        downloads = os.path.join(office.dir, "downloads")
        os.makedirs(downloads)
        b.d.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": downloads})
        b.one("#export-programme button").click()
        name = wait_until(lambda: [f for f in os.listdir(downloads) if f.endswith(".csv")], 20,
                          "the download")[0]
        raw = open(os.path.join(downloads, name), "rb").read()
        check(name == "programme.csv" and raw.startswith(b"\xef\xbb\xbf"), "downloaded %s" % name)
        rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
        total = [r for r in rows if r[1] == "total" and r[0] == today().strftime("%Y-%m")]
        want = sum(db.site_sum(s, "handouts", month_start(today()), today()) for s in ("12", "13"))
        check(total and int(total[0][3]) == want, "the downloaded programme: %r" % total)
        check_exports(office, cookie, db, "sqlite")
        content_flow(b, office, tokens["k1"], "sqlite")
        b.get(office.url + "/content")
        b.shot("content")
        # A phone.
        b.d.set_window_size(390, 844)
        b.get(office.url + "/")
        wide = b.d.execute_script("return document.body.scrollWidth <= window.innerWidth + 1")
        check(wide, "the overview fits a phone's width (tables scroll inside)")
        b.shot("overview-phone")
        # Log out: the cookie no longer opens pages.
        b.d.set_window_size(1280, 900)
        b.get(office.url + "/")
        b.one("header form button").click()
        wait_until(lambda: "/login" in b.d.current_url, 10, "back at the login")
        status, h, _ = http(office, "GET", "/", cookie=b.cookie("officed_session") or "x")
        check(status == 303, "after logout: %d" % status)
        check(office.proc.poll() is None, "officed kept serving")
        stop_clean(office)
    finally:
        if b:
            b.quit()
        office.cleanup()


def security():
    office = Office(extra={"dashboard": {"session_seconds": "5", "login_attempts": "3",
                                         "upload_cap": "65536"}})
    try:
        office.start()
        tokens = prepare(office)

        def login_http(user="alice", password=PASSWORD):
            status, h, raw = http(office, "GET", "/login")
            pre = re.search(r"officed_login=([0-9a-f]+)", h.get("Set-Cookie", "")).group(1)
            csrf = re.search(rb'name="csrf" value="([0-9a-f]+)"', raw).group(1).decode()
            status, h, raw = office.request("POST", "/login", body=form(csrf=csrf, user=user, password=password),
                                            headers={"Cookie": "officed_login=" + pre,
                                                     "Content-Type": "application/x-www-form-urlencoded"})
            m = re.search(r"officed_session=([^;]*)", h.get("Set-Cookie", ""))
            return status, (m.group(1) if m else None), raw

        status, cookie, _ = login_http()
        check(status == 303 and cookie, "login: %d" % status)
        # The login form's own CSRF: a post without it is refused.
        status, _, _ = office.request("POST", "/login", body=form(user="alice", password=PASSWORD),
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
        check(status == 403, "login without its token: %d" % status)
        # A kiosk token opens nothing on the dashboard...
        status, h, _ = http(office, "GET", "/", token=tokens["k1"])
        check(status == 303 and "/login" in h.get("Location", ""), "kiosk token at /: %d" % status)
        status, _, _ = http(office, "GET", "/export/days.csv", token=tokens["k1"])
        check(status == 401, "kiosk token at an export: %d" % status)
        # ... and a dashboard cookie nothing on the kiosk API.
        for path in ("/v1/content", "/v1/kiosk/state"):
            status, _, _ = http(office, "GET", path, cookie=cookie)
            check(status == 401, "cookie at %s: %d" % (path, status))
        status, _, _ = http(office, "POST", "/v1/report", cookie=cookie, body=b"{}",
                            headers={"Content-Type": "application/json"})
        check(status == 401, "cookie at /v1/report: %d" % status)
        # CSRF: a form without the session's token, or with another, changes nothing.
        page = http(office, "GET", "/content", cookie=cookie)[2]
        csrf = re.search(rb'name="csrf" value="([0-9a-f]+)"', page).group(1).decode()
        v0 = content_version(office)
        fields = dict(id="w-new", name="New", phone="000", lat="43.7", lon="142.3")
        for forged in (None, "0" * 32, csrf[:-1] + ("0" if csrf[-1] != "0" else "1")):
            f = dict(fields)
            if forged:
                f["csrf"] = forged
            status, _, raw = http(office, "POST", "/content/window", cookie=cookie, body=form(**f))
            check(status == 403 and b"Nothing was changed" in raw, "forged CSRF %r: %d" % (forged, status))
        check(content_version(office) == v0, "nothing published by a forged form")
        # Bad form values: named, nothing saved.
        status, _, raw = http(office, "POST", "/content/window", cookie=cookie,
                              body=form(csrf=csrf, id="w-x", name="", phone="1", lat="north", lon="142",
                                        mon="25:00-26:00"))
        check(status == 400 and b"name: is required" in raw and b"lat:" in raw and b"mon:" in raw,
              "bad window: %d %r" % (status, raw[:200]))
        check(content_version(office) == v0, "nothing published by a bad form")
        # Oversized upload: refused before it is read; officed serves on.
        big = b"x" * 70000
        status, _, raw = http(office, "POST", "/content/import", cookie=cookie, body=big,
                              headers={"Content-Type": "multipart/form-data; boundary=zz"})
        check(status == 413, "oversized upload: %d" % status)
        status, _, _ = office.request("GET", "/healthz")
        check(status == 200, "still serving")
        # Sessions expire.
        time.sleep(5.5)
        status, h, _ = http(office, "GET", "/", cookie=cookie)
        check(status == 303 and "/login" in h.get("Location", ""), "an expired session: %d" % status)
        status, _, raw = http(office, "POST", "/content/window", cookie=cookie, body=form(csrf=csrf, **fields))
        check(status == 401 and b"nothing was changed" in raw, "a form on an expired session: %d" % status)
        # Rate limit: three failures, then even the right password waits.
        for _ in range(3):
            status, c, _ = login_http(password="wrong password!")
            check(status == 401 and not c, "a wrong password: %d" % status)
        status, c, raw = login_http()
        check(status == 429 and not c and b"Too many" in raw, "rate limited: %d" % status)
        # A changed password ends the old sessions (new officed, fresh limiter).
        office.stop()
        office.start()
        status, cookie, _ = login_http()
        check(status == 303, "login after restart: %d" % status)
        r = subprocess.run([os.path.join(BUILD, "officed"), "-c", office.config, "user", "passwd", "alice"],
                           input="another good password\n", capture_output=True, text=True)
        check(r.returncode == 0, "passwd: %s" % r.stderr)
        status, _, _ = http(office, "GET", "/", cookie=cookie)
        check(status == 303, "a session of the old password: %d" % status)
        r = subprocess.run([os.path.join(BUILD, "officed"), "-c", office.config, "user", "add", "bob"],
                           input="short\n", capture_output=True, text=True)
        check(r.returncode == 1 and "at least 10" in r.stderr, "a short password: %r" % r.stderr)
        office.cli("user", "remove", "alice")
        office.cli("user", "remove", "alice", check_rc=1)
        # Nothing of a password or session reaches the log.
        log = office.log()
        check(PASSWORD not in log and "another good password" not in log and cookie not in log,
              "no secrets in the log")
        check(office.proc.poll() is None, "officed kept serving")
        stop_clean(office)
    finally:
        office.cleanup()


def escaping():
    """<script> in every text field: escaped on every page, in Chromium no alert."""
    office = Office()
    b = None
    try:
        office.start()
        prepare(office, with_xss=True)
        b = Browser()
        login(b, office)
        wait_until(lambda: b.css("tr[data-site]"), 10, "the overview")
        pages = ["/", "/site/12", "/site/13", "/programme", "/kiosks", "/content", "/exports",
                 "/content/preview?kiosk=k1", "/S/12", "/S/13", "/S/12?l=en", "/S/12?l=easy"]
        cookie = b.cookie("officed_session")
        for p in pages:
            status, _, raw = http(office, "GET", p, cookie=cookie)
            check(status == 200, "%s: %d" % (p, status))
            check(b"<script" not in raw, "%s: a raw <script> on the page" % p)
            b.get(office.url + p)
            check(b.no_alert(), "%s: a script ran" % p)
            check(b.d.execute_script("return document.scripts.length") == 0, "%s: no scripts at all" % p)
        check(b"&lt;script&gt;" in http(office, "GET", "/kiosks", cookie=cookie)[2], "shown, escaped")
        b.get(office.url + "/")
        b.shot("escaped-overview")
        status, _, raw = http(office, "GET", "/export/days.csv", cookie=cookie)
        rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
        check(any(XSS in r[2] for r in rows[1:]), "CSV keeps the text as text")
        status, _, raw = http(office, "GET", "/content?edit=%3Cscript%3E", cookie=cookie)
        check(b"<script" not in raw, "a query argument is not echoed raw")
        stop_clean(office)
    finally:
        if b:
            b.quit()
        office.cleanup()


def help_pages():
    office = Office(extra={"dashboard": {"public_url": "HTTP://127.0.0.1:9"}})
    b = None
    try:
        office.start()
        tokens = prepare(office)
        status, _, raw = office.request("GET", "/v1/content", token=tokens["k1"])
        template = json.loads(raw)["help_url_template"]
        check(template == "HTTP://127.0.0.1:9/S/{site}", "the kiosks' QR URL: %r" % template)
        url = template.replace("{site}", "12")
        check(len(url) <= 38 and re.fullmatch(r"[0-9A-Z $%*+\-./:]+", url),
              "fits QR version 2 in alphanumeric mode: %r" % url)
        sites = [s["id"] for s in json.load(open(CONTENT, encoding="utf-8"))["sites"]]
        b = Browser(360, 740)
        log_before = office.log()
        for site in sites:
            for lang, h1 in (("ja", "相談できるところ"), ("easy", "そうだん できる ところ"),
                             ("en", "Where to get help")):
                path = "/S/%s?l=%s" % (site.upper(), lang)
                status, h, raw = office.request("GET", path)
                check(status == 200, "%s: %d" % (path, status))
                check("Set-Cookie" not in h, "%s sets no cookie" % path)
                check(len(raw) < 20000, "%s is light: %d bytes" % (path, len(raw)))
                check(not re.search(rb'(src|href)="(https?:)?//', raw), "%s: no third-party resources" % path)
                b.get(office.url + path)
                check(b.text("h1") == h1, "%s: %r" % (path, b.text("h1")))
                check(len(b.css("#windows li")) >= 1 and b.css("#sessions li"), "%s: windows and sessions" % path)
                fits = b.d.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")
                check(fits, "%s fits 360 px" % path)
                res = b.d.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
                check(all(r.startswith(office.url) for r in res), "%s loads only from officed: %r" % (path, res))
                b.shot("help-%s-%s" % (site, lang))
        # Windows open now come first (the example has none open at every hour;
        # the order is the kiosk's own selection, tested in test_content).
        check("127.0.0.1" not in office.log()[len(log_before):], "no client address in the log")
        status, _, _ = office.request("GET", "/S/999")
        check(status == 404, "an unknown site: %d" % status)
        stop_clean(office)
    finally:
        if b:
            b.quit()
        office.cleanup()


def metrics():
    from prometheus_client.parser import text_string_to_metric_families
    office = Office()
    try:
        office.start()
        tokens = prepare(office)
        office.request("GET", "/v1/content", token="not-a-token")
        office.request("POST", "/v1/report", token=tokens["k1"], body=b"{not json")
        for _ in range(3):
            office.request("GET", "/S/12")
        fams = {}

        def scrape():
            status, h, raw = office.request("GET", "/metrics")
            check(status == 200 and h.get("Content-Type", "").startswith("text/plain; version=0.0.4"),
                  "/metrics: %d %r" % (status, h.get("Content-Type")))
            fams.clear()
            fams.update({f.name: f for f in text_string_to_metric_families(raw.decode())})

        def value(name, **labels):
            for fam in fams.values():
                for s in fam.samples:
                    if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
                        return s.value
            raise Failure("no sample %s %r" % (name, labels))

        # A request's latency is recorded when libmicrohttpd completes it,
        # just after its answer is sent: scrape until the last one is in.
        def settled():
            scrape()
            return value("officed_http_request_duration_seconds_count", route="help") == 3
        wait_until(settled, 10, "the help pages' latencies")
        check(value("officed_reports_stored_total") == 3, "three reports stored")
        check(value("officed_reports_received_total") == 4, "four received")
        check(value("officed_reports_rejected_total", reason="unauthorized") == 1, "one 401")
        check(value("officed_reports_rejected_total", reason="bad_request") == 1, "one 400")
        check(value("officed_kiosks", state="ok") == 3, "three kiosks ok")
        check(value("officed_http_request_duration_seconds_count", route="report") == 4, "report latencies")
        check(value("officed_http_request_duration_seconds_count", route="help") == 3, "help latencies")
        check(value("officed_database_errors_total") == 0, "no database errors")
        check(fams["officed_http_request_duration_seconds"].type == "histogram", "a histogram")
        stop_clean(office)
    finally:
        office.cleanup()


HOLIDAY_ROWS = [("2025/1/1", "元日"), ("2025/2/11", "建国記念の日"), ("2026/1/1", "元日"),
                ("2026/1/12", "成人の日"), ("2026/5/6", "休日"), ("2027/1/1", "元日")]


def holidays():
    office = Office()
    try:
        office.start()
        tokens = prepare(office)
        path = os.path.join(office.dir, "syukujitsu.csv")
        # The Cabinet Office's layout: Shift_JIS, CRLF, its header, dates as 2026/1/1.
        text = "国民の祝日・休日月日,国民の祝日・休日名称\r\n" + "".join(
            "%s,%s\r\n" % r for r in [("1955/1/1", "元日")] + HOLIDAY_ROWS)
        with open(path, "wb") as f:
            f.write(text.encode("shift_jis"))
        r = office.cli("holidays", "import", path)
        check("7 holidays in the file" in r.stdout, "summary: %r" % r.stdout)
        status, _, raw = office.request("GET", "/v1/content", token=tokens["k1"])
        got = json.loads(raw)["holidays"]
        since = "%d-01-01" % (today().year - 1)
        want = sorted({datetime.date(*map(int, d.split("/"))).isoformat() for d, _ in HOLIDAY_ROWS} |
                      set(json.load(open(CONTENT, encoding="utf-8"))["holidays"]))
        want = [d for d in want if d >= since or d in json.load(open(CONTENT, encoding="utf-8"))["holidays"]]
        check(all(d in got for d in want if d >= since), "holidays published: %r" % got)
        check("1955-01-01" not in got, "old holidays are left out")
        check(got == sorted(set(got)), "sorted, no repeats")
        bad = os.path.join(office.dir, "bad.csv")
        with open(bad, "wb") as f:
            f.write("国民の祝日・休日月日,国民の祝日・休日名称\r\n2026/1/1,元日\r\n2026/2/30,x\r\n".encode("shift_jis"))
        v = content_version(office)
        r = office.cli("holidays", "import", bad, check_rc=1)
        check("line 3" in r.stderr and "nothing published" in r.stderr, "bad file: %r" % r.stderr)
        check(content_version(office) == v, "nothing published")
        with open(bad, "wb") as f:
            f.write(b"date,name\r\n2026-01-01,x\r\n")
        r = office.cli("holidays", "import", bad, check_rc=1)
        check("header" in r.stderr, "wrong header: %r" % r.stderr)
        stop_clean(office)
    finally:
        office.cleanup()


def backup_and_cli_export():
    office = Office()
    try:
        office.start()
        tokens = prepare(office)
        target = os.path.join(office.dir, "backup.db")
        # Reports keep arriving while the copy is made.
        post_report(office, tokens["k3"], report("k3", "13", [day(today(), revision=2, handouts=9)]))
        r = office.cli("backup", target)
        check(os.path.exists(target), "a backup file: %s" % r.stderr)
        live = sqlite3.connect(os.path.join(office.dir, "office.db"))
        copy = sqlite3.connect(target)
        for table in ("kiosks", "days", "content", "content_base", "users", "settings", "card_events"):
            a = live.execute("SELECT * FROM %s ORDER BY 1, 2" % table).fetchall()
            b = copy.execute("SELECT * FROM %s ORDER BY 1, 2" % table).fetchall()
            check(a == b, "table %s differs in the backup" % table)
        check(copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "the copy is sound")
        live.close()
        copy.close()
        # Restored: an officed on the copy serves the same figures and logins.
        office.stop()
        shutil.copy(target, os.path.join(office.dir, "office.db"))
        for side in ("-wal", "-shm"):
            try:
                os.unlink(os.path.join(office.dir, "office.db" + side))
            except FileNotFoundError:
                pass
        office.start()
        check(office.state(tokens["k3"])[today().isoformat()]["handouts"] == 9, "restored figures")
        out = os.path.join(office.dir, "days.csv")
        office.cli("export", "days", "--lang", "ja", "-o", out)
        raw = open(out, "rb").read()
        check(raw.startswith(b"\xef\xbb\xbf"), "BOM")
        rows = list(csv.reader(io.StringIO(raw[3:].decode("utf-8"))))
        check(rows[0][:4] == ["日付", "拠点ID", "拠点名", "配布数"], "header: %r" % rows[0])
        got = {(r[0], r[1]): int(r[3]) for r in rows[1:]}
        check(got[(today().isoformat(), "13")] == 9, "the CLI's export: %r" % got)
        r = office.cli("export", "programme")
        check(r.stdout.startswith("\ufeffmonth,site_id"), "programme to stdout: %r" % r.stdout[:40])
        r = office.cli("export", "nope", check_rc=1)
        check("no such export" in r.stderr, "unknown export: %r" % r.stderr)
        stop_clean(office)
    finally:
        office.cleanup()


def postgresql():
    pg = Postgres()
    why = pg.available()
    if why:
        return why
    pg.start()
    office = None
    b = None
    try:
        office = Office(database=pg.url()).start()
        tokens = prepare(office)
        db = Db(office, pg)
        b = Browser()
        login(b, office)
        wait_until(lambda: b.css("tr[data-site]"), 10, "the overview")
        check_overview(b, office, db)
        check_site(b, office, db)
        check_programme(b, office, db)
        check_exports(office, b.cookie("officed_session"), db, "postgresql")
        content_flow(b, office, tokens["k2"], "postgresql")
        b.get(office.url + "/")
        b.shot("overview-postgresql")
        r = office.cli("backup", os.path.join(office.dir, "x.db"), check_rc=1)
        check("pg_dump" in r.stderr, "backup on PostgreSQL points at pg_dump: %r" % r.stderr)
        stop_clean(office)
    finally:
        if b:
            b.quit()
        if office:
            office.cleanup()
        pg.stop()


if __name__ == "__main__":
    t = Tap()
    t.run("dashboard in Chromium on SQLite: login, overview, site, programme, kiosks, exports, "
          "content edits, CSV import with bad rows, preview, phone width; figures equal the database",
          dashboard_sqlite)
    t.run("login rate limit, session expiry, CSRF, kiosk token vs dashboard cookie, bad forms, "
          "oversized upload, password change; officed serves on", security)
    t.run("<script> in every text field is escaped on every page", escaping)
    t.run("public help pages: every site, ja / easy / en, 360 px, no cookies, no third parties, "
          "QR-sized URL", help_pages)
    t.run("/metrics parsed by the Prometheus client's parser", metrics)
    t.run("holidays import from the Cabinet Office's Shift_JIS CSV", holidays)
    t.run("backup while serving, restored and compared; officed export", backup_and_cli_export)
    t.run("PostgreSQL: the same figures, exports and content flow", postgresql)
    t.done()
