"""Turn the BENCH lines of a benchmark run into BENCHMARKS.md (one table each)."""

import json
import os
import platform
import sys
from datetime import date

results, target = sys.argv[1:]
with open(results) as handle:
    rows = [json.loads(line.split(" ", 1)[1]) for line in handle if line.startswith("BENCH ")]
jobs = [row for row in rows if "job" in row]
pages = [row for row in rows if "median_ms" in row]
servers = [row for row in rows if row.get("path") == "server peak RSS"]

plain = {}
for row in pages:
    label, scale = row["label"].split()
    if label == "plain":
        kind = "product page" if row["path"].startswith("/shop/") else row["path"]
        plain[(scale, kind)] = row["median_ms"]

lines = [
    "# Benchmarks",
    "",
    f"Run on {date.today().isoformat()} with `make bench` (`tools/bench.sh`), on "
    f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
    "PostgreSQL on the same machine. Data: `tools/bench/generate.py` (seeded).",
    "",
    "## Scheduled jobs (website_preorder database)",
    "",
    "| scale (variants) | job | wall time (s) | SQL queries | peak RSS (MB) |",
    "|---:|---|---:|---:|---:|",
]
for row in jobs:
    lines.append(
        f"| {row['scale']} | {row['job']} | {row['seconds']} | {row['queries']} | "
        f"{row['peak_rss_mb']} |"
    )
lines += [
    "",
    "Peak RSS is the high-water mark of the `odoo-bin shell` process that ran the jobs "
    "(generation runs in another process).",
    "",
    "## Pages (one Odoo worker, 200 requests after 20 warm-up)",
    "",
    "| scale | database | page | median (ms) | p95 (ms) | queries/request | × plain median |",
    "|---:|---|---|---:|---:|---:|---:|",
]
for row in pages:
    label, scale = row["label"].split()
    kind = "product page" if row["path"].startswith("/shop/") else row["path"]
    base = plain.get((scale, kind if kind in ("product page", "/shop") else "/shop"))
    ratio = f"{row['median_ms'] / base:.2f}" if base and label == "addon" else ""
    lines.append(
        f"| {scale} | {label} | {kind} | {row['median_ms']} | {row['p95_ms']} | "
        f"{row['queries']} | {ratio} |"
    )
lines += ["", "| server | peak RSS (MB) |", "|---|---:|"]
lines += [f"| {row['label']} | {row['peak_rss_mb']} |" for row in servers]
with open(target, "w") as handle:
    handle.write("\n".join(lines) + "\n")
print("\n".join(lines))
