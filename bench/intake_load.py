#!/usr/bin/env python3
"""Load generator for evaluation intake: N submissions from T concurrent clients against a running server.

Usage: python3 bench/intake_load.py [BASE_URL] [N] [THREADS]
The server must have the demo users (`hcp serve --demo`); submissions are hotline calls (`phone`) entered by the
demo hotline operator, which are not rate-limited like anonymous clients. Only talks to the given local server.
"""
import json
import sys
import threading
import time
import urllib.request

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8080"
N = int(sys.argv[2]) if len(sys.argv) > 2 else 4000
THREADS = int(sys.argv[3]) if len(sys.argv) > 3 else 32


def post(path, body, cookie=None):
    headers = {"content-type": "application/json"}
    if cookie:
        headers["cookie"] = cookie
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), headers=headers)
    return urllib.request.urlopen(request, timeout=30)


login = post("/api/v1/session", {"username": "hotline_operator", "password": "hotline_operator-demo"})
cookie = login.headers["set-cookie"].split(";")[0]
latencies, errors, lock = [], [0], threading.Lock()


def worker(first):
    for i in range(first, N, THREADS):
        bad = i % 50 == 0
        body = {"channel": "phone", "window_code": "JK-SCJG-01", "level": 2 if bad else 5,
                "tags": [214] if bad else [517], "comment": f"来电{i}",
                # A caller's number on every record, so the contact rules of the integrity checks do their look-up.
                "evaluator": {"phone": f"139{i:08d}"}}
        started = time.time()
        try:
            post("/api/v1/evaluations", body, cookie).read()
            with lock:
                latencies.append(time.time() - started)
        except Exception:  # counted, not fatal: the run reports them
            with lock:
                errors[0] += 1


start = time.time()
threads = [threading.Thread(target=worker, args=(k,)) for k in range(THREADS)]
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.time() - start
latencies.sort()
p = lambda q: latencies[min(len(latencies) - 1, int(len(latencies) * q))] * 1000
print(f"{len(latencies)} created, {errors[0]} errors in {elapsed:.1f} s = {len(latencies) / elapsed:.0f}/s; "
      f"p50 {p(0.5):.1f} ms, p95 {p(0.95):.1f} ms ({THREADS} clients)")
