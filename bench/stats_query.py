#!/usr/bin/env python3
"""Statistics query latency: GET /api/v1/stats (served from the aggregate) against a plain GROUP BY over the raw
evaluations, for the whole jurisdiction over the last 365 days, grouped by department.

Usage:
  python3 bench/stats_query.py sqlite DATA_DIR [BASE_URL] [RUNS]
  python3 bench/stats_query.py postgres DATABASE_URL [BASE_URL] [RUNS]

The server must run on that database. It signs in as HCP_BENCH_USER / HCP_BENCH_PASSWORD (default: the demo
supervisor of `hcp demo --demo`; otherwise create one with `hcp user add --username … --role supervisor`). The raw query runs beside it without HTTP — Python's sqlite3
on a read-only connection to the same file, or one psql session with \\timing for PostgreSQL — so it is, if
anything, flattered. It computes only a few of the figures the API returns.
"""
import datetime
import json
import os
import re
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.request

BACKEND, TARGET = sys.argv[1], sys.argv[2]
BASE = sys.argv[3] if len(sys.argv) > 3 else "http://127.0.0.1:8080"
RUNS = int(sys.argv[4]) if len(sys.argv) > 4 else 50


def post(path, body):
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    return urllib.request.urlopen(request, timeout=60)


def report(name, samples):
    samples = sorted(samples)
    p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
    print(f"{name}: p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms, max {samples[-1]:.1f} ms "
          f"({len(samples)} runs)")


cookie = post("/api/v1/session", {"username": os.environ.get("HCP_BENCH_USER", "supervisor"),
                                  "password": os.environ.get("HCP_BENCH_PASSWORD", "supervisor-demo")}).headers["set-cookie"]
cookie = cookie.split(";")[0]
today = datetime.datetime.now(datetime.timezone(datetime.timedelta(hours=8))).date()
start = today - datetime.timedelta(days=364)
path = f"/api/v1/stats?from={start}&to={today}&group_by=department"
api = []
for _ in range(RUNS + 1):
    began = time.perf_counter()
    body = urllib.request.urlopen(urllib.request.Request(BASE + path, headers={"cookie": cookie}), timeout=60).read()
    api.append((time.perf_counter() - began) * 1000)
api = api[1:]  # the first run warms the page cache
groups = json.loads(body)["groups"]
print(f"{len(groups)} departments, {sum(g['evaluations'] for g in groups)} evaluations in {start}..{today}")
report("GET /api/v1/stats (aggregate, over HTTP)", api)

lo = int(datetime.datetime.combine(start, datetime.time(), datetime.timezone(datetime.timedelta(hours=8)))
         .timestamp() * 1000)
raw_sql = ("SELECT department_id, COUNT(*), SUM(CASE WHEN adoption = 'adopted' THEN 1 ELSE 0 END), "
           "SUM(CASE WHEN level >= 3 AND adoption = 'adopted' THEN 1 ELSE 0 END), "
           "SUM(CASE WHEN level <= 2 AND adoption = 'adopted' THEN 1 ELSE 0 END) "
           f"FROM evaluations WHERE evaluated_at >= {lo} GROUP BY department_id")
raw_runs = max(3, RUNS // 10)
raw = []
if BACKEND == "sqlite":
    db = sqlite3.connect(f"file:{TARGET}/hcp.db?mode=ro", uri=True)
    for _ in range(raw_runs):
        began = time.perf_counter()
        db.execute(raw_sql).fetchall()
        raw.append((time.perf_counter() - began) * 1000)
else:
    script = "\\timing on\n" + f"{raw_sql};\n" * raw_runs
    out = subprocess.run(["psql", TARGET, "-X", "-q", "-o", "/dev/null"], input=script, capture_output=True,
                         text=True, check=True).stdout
    raw = [float(t) for t in re.findall(r"Time: ([0-9.]+) ms", out)]
report(f"plain GROUP BY over the raw evaluations ({BACKEND}, no HTTP)", raw)
