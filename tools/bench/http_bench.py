"""Latency of the product page and /shop on a running Odoo (plain vs addon).

Usage: http_bench.py LABEL BASE_URL LOGFILE PATH [PATH ...]
Prints one JSON line per path: median and p95 latency over REQUESTS requests
after WARMUP, and SQL queries per request from Odoo's request log.
"""

import json
import os
import re
import statistics
import sys
import time
import urllib.request

WARMUP, REQUESTS = 20, int(os.environ.get("BENCH_REQUESTS", 200))
label, base, logfile, *paths = sys.argv[1:]
opener = urllib.request.build_opener()
LOG = re.compile(r'"GET (?P<path>\S+) HTTP/1\.1" 200 - (?P<queries>\d+) ')


def get(path):
    start = time.perf_counter()
    with opener.open(base + path, timeout=60) as response:
        response.read()
    return time.perf_counter() - start


for path in paths:
    for _ in range(WARMUP):
        get(path)
    with open(logfile) as log:
        log.seek(0, 2)
        offset = log.tell()
    times = sorted(get(path) for _ in range(REQUESTS))
    time.sleep(0.5)
    with open(logfile) as log:
        log.seek(offset)
        counts = [int(m["queries"]) for m in LOG.finditer(log.read()) if m["path"] == path]
    row = {
        "label": label,
        "path": path,
        "median_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(times[int(len(times) * 0.95) - 1] * 1000, 1),
        "queries": round(statistics.median(counts)) if counts else None,
        "requests": REQUESTS,
    }
    print("BENCH " + json.dumps(row), flush=True)
