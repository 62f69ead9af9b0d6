"""The soak's checks (tools/soak.sh), run with the project's virtualenv.

    check.py wait-jobs            wait (bounded) until the jobs the run triggered are done
    check.py probe-websocket      open Odoo's websocket on the gevent port (prefork mode)
    check.py sample OUT           every 0.2 s until stopped: per supply line, allocated +
                                  active checkout holds against ordered (OUT/samples.json)
    check.py report OUT [REPORT]  invariants from the database, Locust's stats and
                                  the server log; prints them, writes the report
                                  (tools/soak.sh: docs/perf/SOAK.md),
                                  exits 1 when one breaks
    check.py throughput OUT [REPORT]  plain Odoo's run (OUT/plain) against the
                                  addon's (OUT/addon): checkouts per minute,
                                  checkout p95, supply-row lock time per hold;
                                  exits 1 when a run failed (errors, tracebacks,
                                  no checkout)

Reads SOAK_DB, SOAK_PORT, SOAK_GEVENT_PORT and the PG* variables of tools/env.sh.
"""

import csv
import json
import os
import platform
import re
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import psycopg2

DB = os.environ.get("SOAK_DB", "preorder_soak")
EPS = 1e-6
REQUEST_KINDS = ("national", "international", "presale")
HERE = Path(__file__).resolve().parents[2]
OUT = HERE / "var" / "soak"


def connect():
    return psycopg2.connect(
        dbname=DB,
        host=os.environ.get("PGHOST", "127.0.0.1"),
        port=os.environ.get("PGPORT", "5432"),
        user=os.environ.get("PGUSER", "odoo_preorder"),
        password=os.environ.get("PGPASSWORD", "odoo_preorder"),
    )


def fetch(cr, sql, params=()):
    cr.execute(sql, params)
    return cr.fetchall()


# ---------------------------------------------------------------------------
def wait_jobs(limit=90):
    """Until none of the addon's jobs is running, due or triggered (at most ``limit`` s)."""
    crons = list(json.loads((OUT / "fixture.json").read_text())["crons"].values())
    deadline = time.time() + limit
    with connect() as cnx:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            while time.time() < deadline:
                due = fetch(
                    cr,
                    """SELECT count(*) FROM ir_cron c WHERE c.id = ANY(%s) AND c.active
                       AND (c.nextcall <= now() AT TIME ZONE 'UTC' OR EXISTS (
                            SELECT 1 FROM ir_cron_trigger t WHERE t.cron_id = c.id
                            AND t.call_at <= now() AT TIME ZONE 'UTC'))""",
                    (crons,),
                )[0][0]
                try:
                    cr.execute("BEGIN")
                    cr.execute(
                        "SELECT id FROM ir_cron WHERE id = ANY(%s) FOR NO KEY UPDATE NOWAIT",
                        (crons,),
                    )
                    running = False
                except psycopg2.errors.LockNotAvailable:
                    running = True
                finally:
                    cr.execute("ROLLBACK")
                if not due and not running:
                    print("[soak] jobs done")
                    return
                time.sleep(2)
    print(f"[soak] jobs still due or running after {limit}s (checked anyway)")


def probe_websocket():
    import websocket  # websocket-client, in tools/requirements-dev.txt

    port = os.environ.get("SOAK_GEVENT_PORT", "8172")
    origin = f"http://127.0.0.1:{os.environ.get('SOAK_PORT', '8169')}"
    result = {"url": f"ws://127.0.0.1:{port}/websocket"}
    try:
        ws = websocket.create_connection(result["url"], origin=origin, timeout=10)
        ws.send(json.dumps({"event_name": "subscribe", "data": {"channels": [], "last": 0}}))
        result["ok"] = ws.connected
        ws.close()
    except Exception as exc:  # noqa: BLE001 - reported as a failed probe
        result.update(ok=False, error=f"{type(exc).__name__}: {exc}")
    print(json.dumps(result))
    return 0 if result.get("ok") else 1


# ---------------------------------------------------------------------------
SAMPLE_SQL = """
    SELECT pol.id, pol.product_uom_qty, pol.preorder_allocated_qty,
           COALESCE((SELECT SUM(h.quantity) FROM preorder_hold h
                      WHERE h.purchase_line_id = pol.id
                        AND h.expires_at > now() at time zone 'utc'), 0)
      FROM purchase_order_line pol JOIN purchase_order po ON po.id = pol.order_id
     WHERE po.preorder_kind IS NOT NULL AND po.state != 'cancel'
"""


def sample(out):
    """During the run, not only at its end: every 0.2 s, per supply line,
    allocated + active holds ≤ ordered (a pre-sale's multiplier oversells by
    parking, never by allocating or holding). Written to OUT/samples.json when
    stopped (SIGTERM) or after 15 minutes."""
    import signal

    out = Path(out)
    state = {"samples": 0, "violations": 0, "worst": [], "max_held": 0.0, "stop": False}

    def stop(*_args):
        state["stop"] = True

    signal.signal(signal.SIGTERM, stop)
    deadline = time.time() + 900
    with connect() as cnx:
        cnx.autocommit = True
        with cnx.cursor() as cr:
            while not state["stop"] and time.time() < deadline:
                rows = fetch(cr, SAMPLE_SQL)
                state["samples"] += 1
                for line_id, ordered, allocated, held in rows:
                    state["max_held"] = max(state["max_held"], float(held))
                    if (allocated or 0) + held > ordered + EPS:
                        state["violations"] += 1
                        if len(state["worst"]) < 5:
                            state["worst"].append([line_id, ordered, allocated, float(held)])
                time.sleep(0.2)
    state.pop("stop")
    (out / "samples.json").write_text(json.dumps(state))
    return 0


def invariants(cr):
    """[(name, ok, detail)] read from the database, over every run's data."""
    checks = []
    rows = fetch(
        cr,
        """SELECT pol.id, pol.product_uom_qty, COALESCE(SUM(a.quantity), 0),
                  pol.preorder_allocated_qty
             FROM purchase_order_line pol
             JOIN purchase_order po ON po.id = pol.order_id
        LEFT JOIN preorder_allocation a ON a.purchase_line_id = pol.id
            WHERE po.preorder_kind IS NOT NULL
         GROUP BY pol.id""",
    )
    over = [r for r in rows if r[2] > r[1] + EPS]
    stale = [r for r in rows if abs(r[2] - (r[3] or 0)) > EPS]
    checks.append(
        (
            "per supply line, allocated ≤ ordered",
            not over and not stale,
            f"{len(rows)} request lines; over-allocated: {over[:5]}; "
            f"stored allocated ≠ sum of allocations: {stale[:5]}",
        )
    )
    negative = fetch(
        cr,
        """SELECT pol.id, pol.preorder_atp,
                  pol.product_uom_qty - GREATEST(COALESCE(SUM(a.quantity), 0), pol.qty_received)
             FROM purchase_order_line pol
             JOIN purchase_order po ON po.id = pol.order_id
        LEFT JOIN preorder_allocation a ON a.purchase_line_id = pol.id
            WHERE po.preorder_kind IS NOT NULL
         GROUP BY pol.id
           HAVING pol.preorder_atp < 0
               OR pol.product_uom_qty
                  - GREATEST(COALESCE(SUM(a.quantity), 0), pol.qty_received) < 0""",
    )
    negative_parked = fetch(
        cr, "SELECT id, preorder_parked_qty FROM sale_order_line WHERE preorder_parked_qty < 0"
    )
    negative_alloc = fetch(cr, "SELECT id, quantity FROM preorder_allocation WHERE quantity <= 0")
    checks.append(
        (
            "no negative ATP anywhere",
            not negative and not negative_parked and not negative_alloc,
            f"negative ATP (stored, recomputed): {negative[:5]}; negative parked: "
            f"{negative_parked[:5]}; allocations ≤ 0: {negative_alloc[:5]}",
        )
    )
    totals = fetch(
        cr,
        """WITH alloc AS (
                SELECT sol.product_id, sol.preorder_kind AS kind, SUM(a.quantity) AS qty
                  FROM preorder_allocation a JOIN sale_order_line sol ON sol.id = a.sale_line_id
              GROUP BY 1, 2),
            held AS (
                SELECT sol.product_id, sol.preorder_kind AS kind,
                       SUM(sol.product_uom_qty - COALESCE(sol.preorder_parked_qty, 0)
                           - COALESCE(sol.preorder_stock_released_qty, 0)) AS qty
                  FROM sale_order_line sol JOIN sale_order so ON so.id = sol.order_id
                 WHERE so.state = 'sale' AND sol.preorder_kind = ANY(%s)
              GROUP BY 1, 2)
           SELECT COALESCE(alloc.product_id, held.product_id), COALESCE(alloc.kind, held.kind),
                  COALESCE(alloc.qty, 0), COALESCE(held.qty, 0)
             FROM alloc FULL OUTER JOIN held
               ON held.product_id = alloc.product_id AND held.kind = alloc.kind""",
        (list(REQUEST_KINDS),),
    )
    mismatch = [r for r in totals if abs(r[2] - r[3]) > EPS]
    lines = fetch(
        cr,
        """SELECT sol.id, sol.product_uom_qty, COALESCE(SUM(a.quantity), 0),
                  COALESCE(sol.preorder_stock_released_qty, 0), COALESCE(sol.preorder_parked_qty, 0)
             FROM sale_order_line sol JOIN sale_order so ON so.id = sol.order_id
        LEFT JOIN preorder_allocation a ON a.sale_line_id = sol.id
            WHERE so.state = 'sale' AND sol.preorder_kind = ANY(%s)
         GROUP BY sol.id""",
        (list(REQUEST_KINDS),),
    )
    bad_lines = [r for r in lines if abs(r[1] - r[2] - r[3] - r[4]) > EPS]
    wrong_kind = fetch(
        cr,
        """SELECT a.id FROM preorder_allocation a
             JOIN sale_order_line sol ON sol.id = a.sale_line_id
             JOIN purchase_order_line pol ON pol.id = a.purchase_line_id
             JOIN purchase_order po ON po.id = pol.order_id
            WHERE po.preorder_kind IS DISTINCT FROM sol.preorder_kind
               OR pol.product_id != sol.product_id OR a.product_id != sol.product_id""",
    )
    checks.append(
        (
            "per product and kind, allocations = confirmed pre-order lines − parked",
            not mismatch and not bad_lines and not wrong_kind,
            f"{len(totals)} (product, kind) pairs, {len(lines)} confirmed lines; mismatches "
            f"(product, kind, allocated, held): {mismatch[:5]}; lines where ordered ≠ "
            f"allocated + released from stock + parked: {bad_lines[:5]}; allocations of "
            f"another kind or product: {wrong_kind[:5]}",
        )
    )
    holds_left = fetch(
        cr,
        """SELECT count(*) FROM preorder_hold h
             JOIN sale_order so ON so.id = h.sale_order_id
        LEFT JOIN payment_transaction tx ON tx.reference = h.payment_reference
            WHERE so.state = 'sale' OR tx.state IN ('cancel', 'error')""",
    )[0][0]
    checks.append(
        (
            "checkout holds returned (none left on paid orders, cancelled or failed payments)",
            holds_left == 0,
            f"{holds_left} holds left behind",
        )
    )
    return checks


def launch_checks(cr, run_started, counters, samples):
    """Launch day's promises (README, "Launch day: checkout holds")."""
    parked = fetch(
        cr,
        """SELECT so.name, sol.preorder_kind, sol.preorder_parked_qty
             FROM sale_order_line sol JOIN sale_order so ON so.id = sol.order_id
            WHERE so.website_id IS NOT NULL AND so.state = 'sale' AND so.create_date >= %s
              AND sol.preorder_kind IN ('national', 'international')
              AND sol.preorder_parked_qty > 0
              AND sol.preorder_consent_state IS NULL""",
        (run_started,),
    )
    checks = [
        (
            "paid website pre-order quantity parked (without telling the customer) = 0",
            not parked,
            f"parked paid lines of this run: {parked[:5]}",
        ),
        (
            "every shopper turned away at payment was told why",
            counters["payment_refused_silently"] == 0,
            f"{counters['payment_refused']} refused with a message, "
            f"{counters['payment_refused_silently']} without",
        ),
    ]
    if samples is not None:
        checks.append(
            (
                "allocated + held ≤ ordered per supply line at every sample during the run",
                samples["samples"] > 0 and samples["violations"] == 0,
                f"{samples['samples']} samples, {samples['violations']} violations "
                f"{samples['worst']}; most held on one line at once: {samples['max_held']}",
            )
        )
    return checks


def run_counts(cr, fixture, run_started):
    products = fixture["product_ids"]
    counts = {}
    counts["orders confirmed (this run, website)"] = fetch(
        cr,
        """SELECT count(*) FROM sale_order WHERE website_id IS NOT NULL AND state = 'sale'
           AND create_date >= %s""",
        (run_started,),
    )[0][0]
    counts["carts left unpaid (this run)"] = fetch(
        cr,
        """SELECT count(*) FROM sale_order WHERE website_id IS NOT NULL
           AND state IN ('draft', 'sent') AND create_date >= %s
           AND EXISTS (SELECT 1 FROM sale_order_line l WHERE l.order_id = sale_order.id)""",
        (run_started,),
    )[0][0]
    counts["requests created by the staff user (restocks)"] = fetch(
        cr,
        """SELECT count(*) FROM purchase_order
            WHERE preorder_kind IS NOT NULL AND create_date >= %s""",
        (run_started,),
    )[0][0]
    per_product = fetch(
        cr,
        """SELECT pp.default_code, k.kind,
                  (SELECT COALESCE(SUM(pol.product_uom_qty), 0) FROM purchase_order_line pol
                     JOIN purchase_order po ON po.id = pol.order_id
                    WHERE pol.product_id = pp.id AND po.preorder_kind = k.kind
                      AND po.state != 'cancel'),
                  (SELECT COALESCE(SUM(sol.product_uom_qty), 0) FROM sale_order_line sol
                     JOIN sale_order so ON so.id = sol.order_id
                    WHERE sol.product_id = pp.id AND sol.preorder_kind = k.kind
                      AND so.state = 'sale'),
                  (SELECT COALESCE(SUM(a.quantity), 0) FROM preorder_allocation a
                     JOIN sale_order_line sol ON sol.id = a.sale_line_id
                    WHERE a.product_id = pp.id AND sol.preorder_kind = k.kind),
                  (SELECT COALESCE(SUM(sol.preorder_parked_qty), 0) FROM sale_order_line sol
                     JOIN sale_order so ON so.id = sol.order_id
                    WHERE sol.product_id = pp.id AND sol.preorder_kind = k.kind
                      AND so.state = 'sale'),
                  (SELECT COALESCE(SUM(sol.preorder_released_qty), 0) FROM sale_order_line sol
                     JOIN sale_order so ON so.id = sol.order_id
                    WHERE sol.product_id = pp.id AND sol.preorder_kind = k.kind
                      AND so.state = 'sale')
             FROM product_product pp
       CROSS JOIN (VALUES ('national'), ('international'), ('presale'), ('stock')) k(kind)
            WHERE pp.id = ANY(%s)
         ORDER BY pp.default_code, k.kind""",
        (products,),
    )
    per_product = [r for r in per_product if r[2] or r[3]]
    return counts, per_product


def locust_stats(out):
    path = out / "locust_stats.csv"
    failures = read_csv(out / "locust_failures.csv")
    # exceptions raised in the locustfile itself (a broken soak is no pass)
    failures += [
        {"Name": "locustfile", "Error": row.get("Message", ""), "Occurrences": row.get("Count")}
        for row in read_csv(out / "locust_exceptions.csv")
    ]
    return read_csv(path), failures


def read_csv(path):
    if not path.exists():
        return []
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def read_events(out):
    path = out / "events.jsonl"
    events = [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []
    summary = next((e for e in reversed(events) if e["event"] == "summary"), None)
    return events, summary


def server_log(out):
    # both hosts' logs
    text = "\n".join(
        (out / name).read_text(errors="replace")
        for name in ("server.log", "server2.log")
        if (out / name).exists()
    )
    lines = text.splitlines()
    level = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) ")
    levels = Counter(m.group(1) for m in map(level.match, lines) if m)
    tracebacks = [i for i, line in enumerate(lines) if line.startswith("Traceback")]
    # Odoo's payment status poll turns a PostgreSQL serialization failure met
    # while confirming the order into Exception('retry') (the page polls again,
    # payment/controllers/post_processing.py); http.py logs it with its
    # traceback. Two confirmations of the same product meet on the supply
    # line's row lock by design (docs/decisions.md, "Allocation"): counted, not failed.
    retries = set()
    for i in tracebacks:
        start = next((j for j in range(i, -1, -1) if level.match(lines[j])), 0)
        end = next((j for j in range(i + 1, len(lines)) if level.match(lines[j])), len(lines))
        record = "\n".join(lines[start:end])
        if "SerializationFailure" in record and "raise Exception('retry')" in record:
            retries.add(i)
        elif (
            record.rstrip().endswith(
                "psycopg2.errors.SerializationFailure: could not serialize access due to "
                "concurrent update"
            )
            and "odoo.addons.base.models.ir_cron: Job" in lines[start]
        ):
            # a scheduled action that met a concurrent update: ir_cron rolls it
            # back and the job runs again (Odoo's sale_async_emails commits per
            # e-mail, so only the e-mail being sent waits for the next run)
            retries.add(i)
    tracebacks = [i for i in tracebacks if i not in retries]
    errors = [
        line for line in lines if (m := level.match(line)) and m.group(1) in ("ERROR", "CRITICAL")
    ]
    # werkzeug's "Request timed out" in a prefork worker: a client that connected
    # but sent nothing within the worker's 2 s socket timeout (the load generator
    # starved of CPU on a small machine); counted and shown, not an Odoo error
    client_timeouts = [line for line in errors if "Request timed out: TimeoutError" in line]
    # PostgreSQL's "could not serialize" answers, logged by sql_db as a bad query
    # and retried (by Odoo's request retry, or the poll above)
    serialization = [
        i
        for i, line in enumerate(lines)
        if " ERROR " in line
        and "odoo.sql_db: bad query" in line
        and "could not serialize access" in "".join(lines[i + 1 : i + 3])
    ]
    serialization_lines = {lines[i] for i in serialization}
    poll_retry_lines = set()
    for i in retries:
        # the "Exception during request handling." line that heads a retry traceback
        j = i - 1
        while j >= 0 and not level.match(lines[j]):
            j -= 1
        poll_retry_lines.add(lines[j])
    errors = [
        line
        for line in errors
        if line not in client_timeouts
        and line not in serialization_lines
        and line not in poll_retry_lines
    ]
    gevent_started = sum("Evented Service (longpolling) running" in line for line in lines)
    excerpts = ["\n".join(lines[max(0, i - 2) : i + 25]) for i in tracebacks[:3]]
    warnings = Counter(
        re.sub(r"\d+", "N", line.split(": ", 1)[-1])[:110]
        for line in lines
        if (m := level.match(line)) and m.group(1) == "WARNING"
    )
    return {
        "levels": dict(levels),
        "tracebacks": len(tracebacks),
        "errors": errors[:10],
        "error_count": len(errors),
        "client_timeouts": len(client_timeouts),
        "serialization_failures": len(serialization),
        "poll_retries": len(poll_retry_lines),
        "gevent_started": gevent_started,
        "excerpts": excerpts,
        "warnings": warnings.most_common(8),
    }


def machine(cr):
    def run(cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=False).stdout.strip()
        except OSError:
            return "?"

    meminfo = Path("/proc/meminfo").read_text().splitlines()
    mem_kb = next((int(line.split()[1]) for line in meminfo if line.startswith("MemTotal")), 0)
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "?")
    odoo_src = os.environ.get("ODOO_SRC", "/opt/odoo")
    release = run([sys.executable, "-c", f"import sys; sys.path.insert(0, {odoo_src!r}); "
                   "from odoo import release; print(release.version)"])  # fmt: skip
    locust_version = run([sys.executable, "-c", "import locust; print(locust.__version__)"])
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": run(["nproc"]),
        "cpu": cpu,
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": fetch(cr, "SHOW server_version")[0][0],
        "odoo": release,
        "locust": locust_version,
    }


def fmt_table(header, rows):
    out = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(out)


def report(out, target):
    out = Path(out)
    fixture = json.loads((out / "fixture.json").read_text())
    run_started = os.environ.get("SOAK_RUN_STARTED", "1970-01-01 00:00:00")
    stats, failures = locust_stats(out)
    events, summary = read_events(out)
    log = server_log(out)
    websocket = {}
    if (out / "websocket.json").exists():
        try:
            websocket = json.loads((out / "websocket.json").read_text() or "{}")
        except ValueError:
            websocket = {"ok": False, "error": (out / "websocket.json").read_text()[:200]}
    counters = Counter((summary or {}).get("counters", {}))
    samples = None
    if (out / "samples.json").exists():
        samples = json.loads((out / "samples.json").read_text())
    with connect() as cnx, cnx.cursor() as cr:
        checks = invariants(cr)
        checks += launch_checks(cr, run_started, counters, samples)
        counts, per_product = run_counts(cr, fixture, run_started)
        box = machine(cr)
    status = (summary or {}).get("status_codes", {})
    http_5xx = sum(v for k, v in status.items() if k.isdigit() and int(k) >= 500)
    checks.append(
        (
            "no HTTP 500 (nor unexpected JSON-RPC error) in Locust's stats",
            summary is not None and http_5xx == 0 and not counters["rpc_error"] and not failures,
            f"status codes {status}; unexpected JSON-RPC errors: {counters['rpc_error']}; "
            "Locust failures: "
            f"{[(f['Name'], f['Error'][:120], f['Occurrences']) for f in failures][:5]}",
        )
    )
    checks.append(
        (
            "no traceback in the server log (HTTP, cron and gevent workers)",
            log["tracebacks"] == 0 and log["error_count"] == 0,
            f"{log['tracebacks']} tracebacks, {log['error_count']} ERROR/CRITICAL lines "
            f"(besides {log['client_timeouts']} client socket timeouts, "
            f"{log['serialization_failures']} serialization failures retried, "
            f"{log['poll_retries']} of them logged with a traceback by the payment poll's "
            f"retry or a scheduled action run again); "
            f"log levels {log['levels']}",
        )
    )
    checks.append(
        (
            "gevent workers up (started once per host, websocket answers)",
            log["gevent_started"] == 2 and bool(websocket.get("ok")),
            f"started {log['gevent_started']} time(s); websocket probe {websocket}",
        )
    )
    refused = counters["add_refused"]
    silent = counters["add_refused_silently"]
    checks.append(
        (
            "every refused add answered with a message",
            silent == 0 and not counters["add_error"],
            f"{refused} refused adds with a message, {silent} without; "
            f"{counters['add_error']} adds answered with an error",
        )
    )
    scenario = os.environ.get("SOAK_SCENARIO", "mixed")
    if scenario == "launch":
        supply = fixture.get("launch_supply", 3)
        did_work = counters["launch_shopper"] > supply and counters["order_paid"] == min(
            supply, counters["launch_shopper"]
        )
        checks.append(
            (
                f"launch: exactly {supply} shoppers paid, the others were told before paying",
                did_work
                and counters["payment_refused"] + counters["add_refused"]
                >= counters["launch_shopper"] - supply,
                f"shoppers {counters['launch_shopper']}, paid {counters['order_paid']}, "
                f"refused at payment {counters['payment_refused']}, refused in the cart "
                f"{counters['add_refused']}, started paying {counters['payment_started']}",
            )
        )
    else:
        did_work = counters["order_paid"] > 0 and counters["job_triggered"] > 0 and refused > 0
        checks.append(
            (
                "the run did the work (orders paid, jobs run, adds refused)",
                did_work,
                f"orders paid {counters['order_paid']}, jobs triggered "
                f"{counters['job_triggered']}, refused adds {refused}",
            )
        )
    ok = all(passed for _, passed, _ in checks)

    latency = [
        (
            r["Name"],
            r["Request Count"],
            r["Failure Count"],
            r["50%"],
            r["95%"],
            r["Max Response Time"][:6].split(".")[0],
        )
        for r in stats
    ]
    refusals = Counter(
        re.sub(r"\d+(\.\d+)?", "N", e.get("message", ""))[:90]
        for e in events
        if e["event"] in ("add_refused", "payment_refused")
    )
    lines = ["== soak: invariants"]
    for name, passed, detail in checks:
        lines.append(f"{'PASS' if passed else 'FAIL'}  {name}\n      {detail}")
    lines.append("== latency (ms) per route: requests, failures, p50, p95, max")
    lines += [
        f"  {n:<45} {c:>6} {f:>4} {p50:>6} {p95:>6} {mx:>6}" for n, c, f, p50, p95, mx in latency
    ]  # noqa: E501
    lines.append("== counts " + json.dumps(dict(counts)) + " " + json.dumps(dict(counters)))
    print("\n".join(lines))
    print(f"[soak] {'PASSED' if ok else 'FAILED'}")

    if target:
        settings = (
            f"`-u {os.environ.get('SOAK_USERS', '40')} -r {os.environ.get('SOAK_SPAWN_RATE', '10')}"
            f" --run-time {os.environ.get('SOAK_RUN_TIME', '60s')}`"
        )
        emails = (
            "sent in the request (SOAK_SYNC_EMAILS=1)"
            if fixture.get("sync_emails")
            else "sent by Odoo's cron (`sale.async_emails`)"
        )
        doc = [
            "# Soak",
            "",
            "Written by `make soak` (`tools/soak.sh`) from its last run; see *Soak* in "
            "`tools/README.md`. Regenerate with `make soak`.",
            "",
            f"**Result: {'PASSED' if ok else 'FAILED'}** — {box['date']}, run `{fixture['run']}`, "
            f"scenario `{scenario}`, "
            f"Locust {settings}, two Odoo servers on one database (`--workers 4 "
            f"--max-cron-threads 2` on 127.0.0.1:{os.environ.get('SOAK_PORT', '8169')} and "
            f"`--workers 2 --max-cron-threads 0` on 127.0.0.1:"
            f"{os.environ.get('SOAK_PORT2', '8179')}, shoppers split between them), "
            f"database `{DB}`, order confirmation e-mails "
            f"{emails}"
            f". Wall time: {os.environ.get('SOAK_TIMINGS', '?')} (seconds).",
            "",
            "## Machine",
            "",
            fmt_table(["what", "value"], list(box.items())),
            "",
            "## Invariants (read from the database after the run, over every run's data)",
            "",
            fmt_table(
                ["invariant", "result", "detail"],
                [(n, "PASS" if p else "**FAIL**", d.replace("|", "/")) for n, p, d in checks],
            ),
            "",
            "## Latency per route (ms, Locust)",
            "",
            fmt_table(["route", "requests", "failures", "p50", "p95", "max"], latency),
            "",
            "## Counts",
            "",
            fmt_table(["what", "count"], list(counts.items()) + sorted(counters.items())),
            "",
            "Per product of this run (quantities in units; `stock` lines never allocate):",
            "",
            fmt_table(
                ["product", "kind", "on requests", "confirmed", "allocated", "parked", "released"],
                per_product,
            ),
            "",
            "Refusals the shoppers were shown (numbers as N):",
            "",
            fmt_table(["message", "times"], refusals.most_common(10)),
            "",
            "## Server log",
            "",
            f"Levels: {log['levels']}; tracebacks: {log['tracebacks']}; ERROR lines "
            f"{log['error_count']} plus {log['client_timeouts']} werkzeug `Request timed out` "
            "(a client that connected but sent its request after the prefork worker's 2 s "
            "socket timeout: the load generator shares the 2 cores); gevent worker started "
            f"{log['gevent_started']} time(s). Most frequent warnings (expected refusals are "
            "logged by Odoo as warnings without traceback):",
            "",
            fmt_table(["warning", "times"], [(w.replace("|", "/"), c) for w, c in log["warnings"]]),
            "",
        ]
        if log["excerpts"]:
            doc += ["First tracebacks:", ""] + [f"```\n{e}\n```" for e in log["excerpts"]]
        Path(target).write_text("\n".join(doc) + "\n")
        print(f"[soak] results in {target}")
    return 0 if ok else 1


LOCK_RE = re.compile(r"checkout hold of \d+: supply rows locked ([\d.]+) ms")
#: issue 34's targets for the side-by-side run
THROUGHPUT_TARGETS = {"checkouts": 0.90, "p95": 1.15, "lock_ms": 20.0}


def percentile(values, share):
    if not values:
        return None
    values = sorted(values)
    return values[min(len(values) - 1, int(round(share * (len(values) - 1))))]


def throughput_run(out):
    """One side's figures: paid checkouts and their durations (events), the
    payment route's p95 and failures (Locust), the hold lock times and the
    tracebacks (server logs)."""
    events, summary = read_events(out)
    paid = [e["seconds"] for e in events if e["event"] == "order_paid"]
    stats, failures = locust_stats(out)
    route = next((r for r in stats if r.get("Name") == "/shop/payment/transaction/[id]"), {})
    log = server_log(out)
    text = "\n".join(
        (out / name).read_text(errors="replace")
        for name in ("server.log", "server2.log")
        if (out / name).exists()
    )
    locks = [float(m.group(1)) for m in LOCK_RE.finditer(text)]
    counters = (summary or {}).get("counters", {})
    return {
        "paid": len(paid),
        "checkout_p50": percentile(paid, 0.5),
        "checkout_p95": percentile(paid, 0.95),
        "route_p95_ms": float(route["95%"]) if route.get("95%") not in (None, "N/A") else None,
        "route_requests": int(route.get("Request Count") or 0),
        "refused": counters.get("payment_refused", 0),
        "failures": sum(int(f.get("Occurrences") or 0) for f in failures),
        "tracebacks": log["tracebacks"],
        "errors": log["error_count"],
        "locks": locks,
    }


def throughput(out, target):
    out = Path(out)
    run_time = os.environ.get("SOAK_RUN_TIME", "60s")
    minutes = int(re.sub(r"\D", "", run_time) or 60) / (60 if run_time.endswith("s") else 1)
    plain, addon = throughput_run(out / "plain"), throughput_run(out / "addon")
    for side in (plain, addon):
        side["per_minute"] = side["paid"] / minutes

    def ratio(key):
        if not plain[key] or addon[key] is None:
            return None
        return addon[key] / plain[key]

    locks = addon["locks"]
    lock_p95 = percentile(locks, 0.95)
    rows = [
        ("completed checkouts", plain["paid"], addon["paid"], None),
        ("checkouts per minute", f"{plain['per_minute']:.1f}", f"{addon['per_minute']:.1f}",
         ratio("per_minute")),
        ("checkout p50 (s, cart to paid)", plain["checkout_p50"], addon["checkout_p50"],
         ratio("checkout_p50")),
        ("checkout p95 (s, cart to paid)", plain["checkout_p95"], addon["checkout_p95"],
         ratio("checkout_p95")),
        ("/shop/payment/transaction p95 (ms)", plain["route_p95_ms"], addon["route_p95_ms"],
         ratio("route_p95_ms")),
        ("payments refused", plain["refused"], addon["refused"], None),
        ("Locust failures", plain["failures"], addon["failures"], None),
        ("server errors / tracebacks", f"{plain['errors']} / {plain['tracebacks']}",
         f"{addon['errors']} / {addon['tracebacks']}", None),
    ]  # fmt: skip
    checkouts_ok = (ratio("per_minute") or 0) >= THROUGHPUT_TARGETS["checkouts"]
    p95_ok = (ratio("checkout_p95") or 99) <= THROUGHPUT_TARGETS["p95"]
    lock_ok = lock_p95 is not None and lock_p95 <= THROUGHPUT_TARGETS["lock_ms"]
    broken = [
        f"{name}: {problem}"
        for name, side in (("plain", plain), ("addon", addon))
        for problem, bad in (
            ("no checkout completed", not side["paid"]),
            ("Locust failures", side["failures"]),
            ("server errors or tracebacks", side["errors"] or side["tracebacks"]),
        )
        if bad
    ]

    def cell(value):
        if value is None:
            return "–"
        return f"{value:.2f}" if isinstance(value, float) else str(value)

    doc = [
        "# Soak: launch-day throughput, plain Odoo and the addon side by side",
        "",
        f"Run {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with "
        f"`{os.environ.get('SOAK_COMMAND', 'SOAK_SCENARIO=throughput make soak')}` "
        f"on {os.cpu_count()} cores: the same Locust shoppers "
        f"({os.environ.get('SOAK_USERS')}, {run_time}) buy one hot product again and "
        "again (product page, one unit in the cart, address, payment with the demo "
        "provider, Odoo's post-processing), first on plain Odoo (website_sale_stock, "
        "sale_stock, purchase_stock; the product in stock), then on the addon (the "
        "product a national pre-order: every payment takes a checkout hold under the "
        "supply row's lock). Both served alike: 4 workers and a second host with 2 on "
        "one database.",
        "",
        "| | plain Odoo | addon | addon / plain |",
        "|---|---|---|---|",
        *(f"| {name} | {cell(a)} | {cell(b)} | {cell(r)} |" for name, a, b, r in rows),
        "",
        "Supply-row lock held per checkout hold (from the lock to the commit that "
        f"releases it, {len(locks)} holds): p50 {cell(percentile(locks, 0.5))} ms, "
        f"p95 {cell(lock_p95)} ms, max {cell(max(locks) if locks else None)} ms.",
        "",
        "## Targets (issue 34)",
        "",
        f"- completed checkouts per minute ≥ 0.90× plain: "
        f"{cell(ratio('per_minute'))}× — {'met' if checkouts_ok else 'NOT met'}",
        f"- checkout p95 ≤ 1.15× plain: {cell(ratio('checkout_p95'))}× — "
        f"{'met' if p95_ok else 'NOT met'}",
        f"- supply-row lock ≤ 20 ms per hold (p95): {cell(lock_p95)} ms — "
        f"{'met' if lock_ok else 'NOT met'}",
        "",
        "Result: " + ("PASSED (both runs clean)" if not broken else "FAILED: " + "; ".join(broken)),
    ]
    print("\n".join(doc))
    if target:
        Path(target).write_text("\n".join(doc) + "\n")
        print(f"[soak] results in {target}")
    return 1 if broken else 0


if __name__ == "__main__":
    command = sys.argv[1]
    if command == "wait-jobs":
        sys.exit(wait_jobs())
    if command == "probe-websocket":
        sys.exit(probe_websocket())
    if command == "sample":
        sys.exit(sample(sys.argv[2]))
    if command == "throughput":
        sys.exit(throughput(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""))
    if command == "report":
        sys.exit(report(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else ""))
    sys.exit(f"unknown command {command}")
