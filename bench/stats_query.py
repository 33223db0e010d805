#!/usr/bin/env python3
"""Statistics query latency: the aggregate behind GET /api/v1/stats against a plain GROUP BY over the raw evaluations.

Usage: python3 bench/stats_query.py DATA_DIR [BASE_URL] [RUNS]
The server must run on DATA_DIR's SQLite database with the demo users (`hcp serve --demo --data-dir DATA_DIR`).
Both queries cover the whole jurisdiction over the last 365 days, grouped by department. The raw query runs on a
read-only connection to the same file with Python's sqlite3 (no HTTP), so it is, if anything, flattered.
"""
import datetime
import json
import sqlite3
import statistics
import sys
import time
import urllib.request

DATA_DIR = sys.argv[1]
BASE = sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8080"
RUNS = int(sys.argv[3]) if len(sys.argv) > 3 else 50


def post(path, body):
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json"})
    return urllib.request.urlopen(request, timeout=30)


def report(name, samples):
    samples = sorted(samples)
    p95 = samples[int(len(samples) * 0.95) - 1]
    print(f"{name}: p50 {statistics.median(samples):.1f} ms, p95 {p95:.1f} ms ({len(samples)} runs)")


cookie = post("/api/v1/session", {"username": "supervisor", "password": "supervisor-demo"}).headers["set-cookie"].split(";")[0]
today = datetime.date.today()
start = today - datetime.timedelta(days=365)
path = f"/api/v1/stats?from={start}&to={today}&group_by=department"
api = []
for _ in range(RUNS):
    began = time.perf_counter()
    body = urllib.request.urlopen(urllib.request.Request(BASE + path, headers={"cookie": cookie}), timeout=30).read()
    api.append((time.perf_counter() - began) * 1000)
groups = json.loads(body)["groups"]
print(f"{len(groups)} departments, {sum(g['evaluations'] for g in groups)} evaluations in the year")
report("GET /api/v1/stats (aggregate, over HTTP)", api)

db = sqlite3.connect(f"file:{DATA_DIR}/hcp.db?mode=ro", uri=True)
lo = int(datetime.datetime.combine(start, datetime.time(), datetime.timezone(datetime.timedelta(hours=8))).timestamp() * 1000)
raw_sql = ("SELECT department_id, COUNT(*), SUM(adoption = 'adopted'), SUM(level >= 3 AND adoption = 'adopted'), "
           "SUM(level <= 2 AND adoption = 'adopted') FROM evaluations WHERE evaluated_at >= ? GROUP BY department_id")
raw = []
for _ in range(RUNS):
    began = time.perf_counter()
    db.execute(raw_sql, (lo,)).fetchall()
    raw.append((time.perf_counter() - began) * 1000)
report("plain GROUP BY over raw evaluations (sqlite3, no HTTP)", raw)
