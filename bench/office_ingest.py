#!/usr/bin/env python3
"""bench-office: how fast officed takes reports, beside the HTTP ceiling.

    make bench-office                    (BENCH_ARGS="--seconds 5" to shorten)

For 8, 64 and 256 concurrent kiosks (wrk connections, keep-alive, plain
HTTP on loopback) it measures reports acknowledged per second and the p50
and p99 latency of:

  - officed on SQLite (the default), every report durable before its answer;
  - officed on PostgreSQL (a cluster started here, as in the tests);
  - nginx answering 204 to the same POST: the ceiling for HTTP on this
    machine, and the ratio of each backend to it.

Then, as its own figure, HTTPS with a new TCP and TLS connection for every
report (as kiosks reporting minutes apart connect) with an ECDSA P-256
certificate, without and with TLS session resumption (build/office-ingest-tls,
libcurl); and the gzipped size of a 90-day catch-up report.

Each report is about 1 KB: two days of counters, stock and health, for one
of 256 registered kiosks in turn, with revisions that keep growing (so every
report changes what the office holds). Figures go to stdout and, as JSON, to
$BUILD/bench-office.json. Everything started here is stopped by PID; data
lives in a temporary directory.
"""

import argparse
import gzip
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "tests", "integration"))
from harness import BUILD, Office, Postgres, free_port, make_test_ca  # noqa: E402

KIOSKS = 256
COUNTERS = ("handouts", "denied_limit", "denied_revoked", "denied_not_issued",
            "denied_out_of_stock", "denied_unusable_card", "not_taken", "restocked_sets",
            "new_cards", "help_requests")

LUA = r'''
local ids = {%(ids)s}
local tokens = {%(tokens)s}
local n = #ids
local threads = {}
local counter = 0
local now = os.time()
local rest = '"denied_limit":1,"denied_revoked":0,"denied_not_issued":0,' ..
  '"denied_out_of_stock":0,"denied_unusable_card":0,"not_taken":0,"restocked_sets":10,' ..
  '"new_cards":3,"help_requests":1'
function setup(thread)
  thread:set("tid", #threads)
  table.insert(threads, thread)
end
request = function()
  counter = counter + 1
  local k = ((counter * 2 + tid) %% n) + 1
  local body = string.format('{"protocol":1,"kiosk_id":"%%s","site_id":"12",' ..
    '"firmware":"0.1.0","sent_at":%%d,"clock_synchronized":true,"stock":{"level":40,' ..
    '"low_water":10,"low":false},"health":{"reader":"ok","display":"ssd1306","last_error":""},' ..
    '"days":[{"date":"2026-11-28","revision":%%d,"clock_unsynced":0,"handouts":%%d,%%s},' ..
    '{"date":"2026-11-29","revision":%%d,"clock_unsynced":0,"handouts":%%d,%%s}],' ..
    '"card_events":[]}', ids[k], now, counter, counter %% 50, rest, counter, counter %% 30, rest)
  return wrk.format("POST", "/v1/report", {["Authorization"] = "Bearer " .. tokens[k],
    ["Content-Type"] = "application/json"}, body)
end
'''

# The same POST with a fixed body: wrk then spends nothing per request in
# Lua, which shows how much of the ceiling is the load generator's own.
STATIC_LUA = r'''
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %(token)s"
wrk.body = '%(body)s'
'''

NGINX_CONF = '''
worker_processes 2;
pid %(dir)s/nginx.pid;
error_log %(dir)s/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path %(dir)s/body;
  proxy_temp_path %(dir)s/proxy;
  fastcgi_temp_path %(dir)s/fastcgi;
  uwsgi_temp_path %(dir)s/uwsgi;
  scgi_temp_path %(dir)s/scgi;
  client_body_buffer_size 64k;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:%(port)d;
    location /v1/report { return 204; }
  }
}
'''


def latency_ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    value, unit = float(m.group(1)), m.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def wrk(url, script, connections, seconds):
    r = subprocess.run(["wrk", "-t2", "-c%d" % connections, "-d%ds" % seconds, "--latency",
                        "-s", script, url], capture_output=True, text=True,
                       timeout=seconds + 120)
    out = r.stdout
    if not re.search(r"99%\s+[\d.]+(us|ms|s)", out):
        raise SystemExit("wrk gave no figures:\n%s%s" % (out, r.stderr))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = latency_ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1))
    p99 = latency_ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return {"rate": rate, "p50_ms": p50, "p99_ms": p99,
            "non_2xx": int(bad.group(1)) if bad else 0,
            "socket_errors": errors.group(1) if errors else ""}


def register(office, n):
    """n kiosks, ids k1..kn, all at site 12; returns [(id, token)]."""
    return [("k%d" % i, office.add_kiosk("k%d" % i, "12")) for i in range(1, n + 1)]


def lua_script(directory, kiosks):
    path = os.path.join(directory, "report.lua")
    with open(path, "w") as f:
        f.write(LUA % {"ids": ",".join('"%s"' % k for k, _ in kiosks),
                       "tokens": ",".join('"%s"' % t for _, t in kiosks)})
    return path


def bench_office(label, office, kiosks, concurrencies, seconds, results, directory):
    script = lua_script(directory, kiosks)
    office.start()
    for c in concurrencies:
        r = wrk(office.url + "/v1/report", script, c, seconds)
        results.setdefault(label, {})[c] = r
        print("  %-11s %4d kiosks: %8.0f reports/s  p50 %6.2f ms  p99 %6.2f ms%s"
              % (label, c, r["rate"], r["p50_ms"], r["p99_ms"],
                 "  (%d not 200!)" % r["non_2xx"] if r["non_2xx"] else ""), flush=True)
    office.stop()


def bench_nginx(concurrencies, seconds, results, directory, script, static_script):
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    d = os.path.join(directory, "nginx")
    os.makedirs(d)
    port = free_port()
    conf = os.path.join(d, "nginx.conf")
    with open(conf, "w") as f:
        f.write(NGINX_CONF % {"dir": d, "port": port})
    proc = subprocess.Popen([nginx, "-p", d, "-c", conf, "-g", "daemon off;"],
                            stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                import socket
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    raise SystemExit("nginx did not start: %s" % open(
                        os.path.join(d, "nginx-error.log")).read())
                time.sleep(0.05)
        for label, lua in (("nginx 204", script), ("nginx fixed", static_script)):
            for c in concurrencies:
                r = wrk("http://127.0.0.1:%d/v1/report" % port, lua, c, seconds)
                results.setdefault(label, {})[c] = r
                print("  %-11s %4d conns:  %8.0f requests/s p50 %6.2f ms  p99 %6.2f ms"
                      % (label, c, r["rate"], r["p50_ms"], r["p99_ms"]), flush=True)
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def bench_https(seconds, results, directory):
    office = Office(tls=True)
    kiosks = register(office, 64)
    tokens = os.path.join(directory, "tokens-tls.txt")
    with open(tokens, "w") as f:
        for k, t in kiosks:
            f.write("%s %s\n" % (k, t))
    office.start()
    try:
        url = "https://localhost:%d/v1/report" % office.port
        for resume in (0, 1):
            r = subprocess.run([os.path.join(BUILD, "office-ingest-tls"), url, office.tls["ca"],
                                tokens, "64", str(seconds), str(resume)], capture_output=True,
                               text=True, timeout=seconds + 120)
            fig = json.loads(r.stdout)
            label = "with resumption" if resume else "full handshakes"
            results.setdefault("https new connection per report", {})[label] = fig
            print("  HTTPS, new connection each report, ECDSA P-256, %s: %8.0f reports/s  "
                  "p50 %6.2f ms  p99 %6.2f ms  (%.0f%% resumed, %d errors)"
                  % (label, fig["rate"], fig["p50_ms"], fig["p99_ms"], fig["resumed"] * 100,
                     fig["errors"]), flush=True)
    finally:
        office.cleanup()


def sample_report(kiosk_id):
    """One ~1 KB report, like those the Lua script makes."""
    day = {"date": "2026-11-29", "revision": 7, "clock_unsynced": 0}
    day.update({c: 1 for c in COUNTERS})
    return {"protocol": 1, "kiosk_id": kiosk_id, "site_id": "12", "firmware": "0.1.0",
            "sent_at": int(time.time()), "clock_synchronized": True,
            "stock": {"level": 40, "low_water": 10, "low": False},
            "health": {"reader": "ok", "display": "ssd1306", "last_error": ""},
            "days": [day, dict(day, date="2026-11-28")], "card_events": []}


def catch_up_size(results):
    """A 90-day catch-up report as kioskd writes it (same members, same order),
    with counts of a busy site, gzipped as the kiosk sends it (zlib level 6)."""
    rng = random.Random(90)
    days = []
    start = time.mktime(time.strptime("2026-09-01", "%Y-%m-%d"))
    for i in range(90):
        d = {"date": time.strftime("%Y-%m-%d", time.localtime(start + i * 86400 + 43200)),
             "revision": rng.randint(20, 400), "clock_unsynced": 0}
        for c in COUNTERS:
            d[c] = rng.randint(0, 40) if c in ("handouts", "denied_limit", "new_cards") else \
                rng.randint(0, 10) if c == "restocked_sets" else rng.randint(0, 2)
        days.append(d)
    report = {"protocol": 1, "kiosk_id": "asahikawa-lib-1", "site_id": "12",
              "firmware": "0.1.0", "sent_at": 1764395114, "clock_synchronized": True,
              "stock": {"level": 12, "low_water": 10, "low": False},
              "health": {"reader": "ok", "display": "ssd1306", "last_error": ""},
              "days": days, "card_events": []}
    raw = json.dumps(report, separators=(",", ":")).encode()
    gz = gzip.compress(raw, compresslevel=6)
    results["catch_up_90_days"] = {"json_bytes": len(raw), "gzip_bytes": len(gz)}
    print("  90-day catch-up report: %d bytes of JSON, %d bytes gzipped (target <= 20 KB)"
          % (len(raw), len(gz)), flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--concurrency", default="8,64,256")
    ap.add_argument("--skip-postgresql", action="store_true")
    args = ap.parse_args()
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool):
            raise SystemExit("bench-office needs %s (make deps installs it)" % tool)
    directory = tempfile.mkdtemp(prefix="bench-office-")
    results = {"machine": {"cpus": os.cpu_count()}, "seconds": args.seconds}
    pg = None
    try:
        print("officed ingest, plain HTTP keep-alive on loopback, %d s per run, %d kiosks "
              "registered" % (args.seconds, KIOSKS), flush=True)
        office = Office()
        kiosks = register(office, KIOSKS)
        bench_office("sqlite", office, kiosks, concurrencies, args.seconds, results, directory)
        office.cleanup()
        if not args.skip_postgresql:
            pg = Postgres()
            why = pg.available()
            if why:
                print("  postgresql: %s" % why)
            else:
                pg.start()
                office = Office(database=pg.url())
                kiosks = register(office, KIOSKS)
                bench_office("postgresql", office, kiosks, concurrencies, args.seconds, results,
                             directory)
                office.cleanup()
        static = os.path.join(directory, "static.lua")
        body = json.dumps(sample_report(kiosks[0][0]), separators=(",", ":"))
        with open(static, "w") as f:
            f.write(STATIC_LUA % {"token": kiosks[0][1], "body": body})
        bench_nginx(concurrencies, args.seconds, results, directory,
                    lua_script(directory, kiosks), static)
        print("  ratio to nginx's rate:", flush=True)
        for label in ("sqlite", "postgresql"):
            for c in concurrencies:
                if label in results and c in results[label]:
                    ratio = results[label][c]["rate"] / results["nginx 204"][c]["rate"]
                    results[label][c]["ratio_to_nginx"] = ratio
                    print("    %-11s %4d: %.3f" % (label, c, ratio))
        bench_https(args.seconds, results, directory)
        catch_up_size(results)
    finally:
        if pg:
            pg.stop()
        shutil.rmtree(directory, ignore_errors=True)
    out = os.path.join(BUILD, "bench-office.json")
    with open(out, "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    print("figures written to %s" % out)


if __name__ == "__main__":
    main()
