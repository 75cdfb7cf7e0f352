#!/usr/bin/env python3
"""A fault-injecting HTTP proxy between a kiosk and the office, as a process
of its own: neither kioskd nor officed has a fault hook, so what the tests
prove is what the real programs do when the network misbehaves.

    fault_proxy.py --upstream 127.0.0.1:8080 --seed 7 --stats FILE [--dump FILE]
                   [--faults drop_before=0.1,drop_after=0.1,...] [--stall-seconds 2]
                   [--max-stalls 10]

It prints "ready PORT" once it listens on 127.0.0.1. Each request (one per
connection: it answers "Connection: close") meets one fault, drawn from a
seeded random generator, so a run is the same every time:

    ok           forwarded; the office's answer passed back
    drop_before  the connection is closed before anything reaches the office
    drop_after   forwarded, the office commits and answers; the connection is
                 closed before the answer reaches the kiosk
    e500         forwarded (the office commits), then answered 500 instead
    e503         answered 503 without forwarding
    e429         answered 429 with Retry-After: --retry-after (default 0), not forwarded
    stall        nothing forwarded and nothing answered for --stall-seconds
                 (past the kiosk's timeout), then closed
    duplicate    forwarded twice; the second answer passed back
    replay       forwarded and answered, and sent to the office once more a
                 few requests later (an old report arriving after newer ones)

--stats is rewritten after every request with the count of each fault and
the largest request body seen (bytes on the wire).
--dump appends every request body (inflated if gzipped) as one line, for
tests that search what crossed the network. Ends on SIGTERM.
"""

import argparse
import gzip
import http.client
import json
import os
import random
import signal
import socket
import sys
import threading
import time

FAULTS = ("ok", "drop_before", "drop_after", "e500", "e503", "e429", "stall", "duplicate",
          "replay")


def parse_faults(spec):
    weights = {}
    for item in spec.split(","):
        if not item:
            continue
        name, _, value = item.partition("=")
        if name not in FAULTS:
            raise SystemExit("fault_proxy: unknown fault %r (known: %s)" % (name, ", ".join(FAULTS)))
        weights[name] = float(value)
    weights["ok"] = max(0.0, 1.0 - sum(v for k, v in weights.items() if k != "ok"))
    return weights


class Proxy:
    def __init__(self, args):
        self.upstream = args.upstream.rsplit(":", 1)
        self.weights = parse_faults(args.faults)
        self.rng = random.Random(args.seed)
        self.stall_seconds = args.stall_seconds
        self.retry_after = args.retry_after
        self.max_stalls = args.max_stalls
        self.stats_path = args.stats
        self.dump_path = args.dump
        self.counts = {f: 0 for f in FAULTS}
        self.requests = 0
        self.max_body = 0
        self.times = []  # when requests arrived (time.monotonic), the last ones
        self.replays = []  # (due at request number, method, path, headers, body)
        self.lock = threading.Lock()

    def pick(self):
        with self.lock:
            self.requests += 1
            self.times.append(time.monotonic())
            r = self.rng.random()
            acc = 0.0
            fault = "ok"
            for name in FAULTS:
                acc += self.weights.get(name, 0.0)
                if r < acc:
                    fault = name
                    break
            if fault == "stall" and self.counts["stall"] >= self.max_stalls:
                fault = "ok"
            self.counts[fault] += 1
            due = [x for x in self.replays if x[0] <= self.requests]
            self.replays = [x for x in self.replays if x[0] > self.requests]
            return fault, due

    def save_stats(self):
        with self.lock:
            data = dict(self.counts, requests=self.requests, times=self.times[-50:],
                        faulted=self.requests - self.counts["ok"], max_body=self.max_body)
        tmp = self.stats_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(data, f)
        os.replace(tmp, self.stats_path)

    def forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(self.upstream[0], int(self.upstream[1]), timeout=30)
        fwd = {k: v for k, v in headers.items() if k.lower() not in ("host", "connection")}
        conn.request(method, path, body=body, headers=fwd)
        r = conn.getresponse()
        data = r.read()
        result = (r.status, r.reason, r.getheaders(), data)
        conn.close()
        return result

    def dump(self, headers, body):
        if not self.dump_path or not body:
            return
        if headers.get("content-encoding", "").lower() == "gzip":
            try:
                body = gzip.decompress(body)
            except OSError:
                pass
        with self.lock, open(self.dump_path, "ab") as f:
            f.write(body.replace(b"\n", b" ") + b"\n")

    def handle(self, client):
        client.settimeout(60)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = client.recv(65536)
            if not chunk:
                return
            data += chunk
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip()] = v.strip()
        lower = {k.lower(): v for k, v in headers.items()}
        length = int(lower.get("content-length", "0"))
        body = rest
        while len(body) < length:
            chunk = client.recv(65536)
            if not chunk:
                return
            body += chunk
        with self.lock:
            self.max_body = max(self.max_body, len(body))
        self.dump(lower, body)

        fault, due = self.pick()
        self.save_stats()  # now, not only when done: a stall lasts a while
        for _, m, p, h, b in due:
            try:
                self.forward(m, p, h, b)  # the old request, once more; its answer goes nowhere
            except OSError:
                pass
        try:
            if fault == "drop_before":
                return
            if fault == "stall":
                time.sleep(self.stall_seconds)
                return
            if fault in ("e503", "e429"):
                code = 503 if fault == "e503" else 429
                extra = "Retry-After: %d\r\n" % self.retry_after if fault == "e429" else ""
                text = b'{"ok":false,"error":"injected by the fault proxy"}'
                client.sendall(("HTTP/1.1 %d Injected\r\nContent-Type: application/json\r\n"
                                "Content-Length: %d\r\n%sConnection: close\r\n\r\n"
                                % (code, len(text), extra)).encode() + text)
                return
            status, reason, rheaders, rbody = self.forward(method, path, headers, body)
            if fault == "duplicate":
                status, reason, rheaders, rbody = self.forward(method, path, headers, body)
            if fault == "replay":
                with self.lock:
                    self.replays.append((self.requests + self.rng.randint(2, 6), method, path,
                                         headers, body))
            if fault == "drop_after":
                return
            if fault == "e500":
                text = b'{"ok":false,"error":"injected by the fault proxy"}'
                client.sendall(("HTTP/1.1 500 Injected\r\nContent-Type: application/json\r\n"
                                "Content-Length: %d\r\nConnection: close\r\n\r\n"
                                % len(text)).encode() + text)
                return
            out = "HTTP/1.1 %d %s\r\n" % (status, reason)
            for k, v in rheaders:
                if k.lower() in ("connection", "transfer-encoding", "content-length", "date"):
                    continue
                out += "%s: %s\r\n" % (k, v)
            out += "Content-Length: %d\r\nConnection: close\r\n\r\n" % len(rbody)
            client.sendall(out.encode("latin-1") + rbody)
        finally:
            self.save_stats()

    def serve(self, sock):
        while True:
            client, _ = sock.accept()
            t = threading.Thread(target=self.serve_one, args=(client,), daemon=True)
            t.start()

    def serve_one(self, client):
        try:
            self.handle(client)
        except OSError:
            pass
        finally:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            client.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--faults", default="")
    ap.add_argument("--stall-seconds", type=float, default=2.0)
    ap.add_argument("--max-stalls", type=int, default=10)
    ap.add_argument("--retry-after", type=int, default=0)
    ap.add_argument("--stats", required=True)
    ap.add_argument("--dump")
    ap.add_argument("--port", type=int, default=0)
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    proxy = Proxy(args)
    proxy.save_stats()
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", args.port))
    sock.listen(64)
    print("ready %d" % sock.getsockname()[1], flush=True)
    proxy.serve(sock)


if __name__ == "__main__":
    sys.exit(main())
