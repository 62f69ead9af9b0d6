#!/usr/bin/env bash
# make soak (not part of the tests): a bounded load run against Odoo in prefork
# mode on loopback. Installs (or updates) the throw-away database $SOAK_DB with
# website_preorder and Odoo's demo payment provider, builds this run's fixtures,
# serves it with --workers 4 --max-cron-threads 2 on 127.0.0.1:$SOAK_PORT,
# drives $SOAK_USERS Locust shoppers (headless) through cart, checkout and
# payment while a staff user triggers the catalogue, release and pre-sale price
# jobs and restocks, then checks the invariants in the database, the Locust
# stats and the server log. Writes docs/perf/SOAK.md; exits non-zero when an
# invariant breaks.
# A second Odoo server (another host, as a deployment beyond one machine runs
# it) serves the same database on $SOAK_PORT2; the shoppers are split between
# the two. While Locust runs, tools/soak/check.py samples every supply line
# (allocated + held <= ordered at every sample, not only at the end).
#   SOAK_SCENARIO=mixed   every kind, again and again, with the jobs and restocks;
#                 launch  launch day: each shopper adds one unit of a product with
#                         3 units on its request, and all check out and pay at once
#                         (SOAK_USERS=16 SOAK_SPAWN_RATE=16 SOAK_RUN_TIME=45s by
#                         default; report in docs/perf/SOAK-launch.md)
#                 throughput  plain Odoo and the addon side by side: one hot
#                         product (in stock / a national pre-order with checkout
#                         holds) bought again and again by the same shoppers, on
#                         the same servers (tools/soak/throughput.sh; report in
#                         docs/perf/SOAK-throughput.md)
#   SOAK_USERS=40 SOAK_SPAWN_RATE=10 SOAK_RUN_TIME=60s  Locust's -u, -r, --run-time
#   RESET_DB=1   rebuild $SOAK_DB instead of updating it
#   SOAK_REPORT=docs/perf/SOAK.md  where the results go ("" to write none)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tools/env.sh"
source "$here/tools/odoo_conf.sh"
: "${SOAK_DB:=preorder_soak}"
: "${SOAK_PORT:=8169}"
: "${SOAK_GEVENT_PORT:=8172}"
: "${SOAK_PORT2:=8179}"
: "${SOAK_GEVENT_PORT2:=8182}"
: "${SOAK_SCENARIO:=mixed}"
if [ "$SOAK_SCENARIO" = throughput ]; then
    : "${SOAK_USERS:=20}"
    : "${SOAK_SPAWN_RATE:=5}"
    : "${SOAK_RUN_TIME:=60s}"
    : "${SOAK_REPORT=$here/docs/perf/SOAK-throughput.md}"
fi
if [ "$SOAK_SCENARIO" = launch ]; then
    : "${SOAK_USERS:=16}"
    : "${SOAK_SPAWN_RATE:=16}"
    : "${SOAK_RUN_TIME:=45s}"
    : "${SOAK_REPORT=$here/docs/perf/SOAK-launch.md}"
fi
: "${SOAK_USERS:=40}"
: "${SOAK_SPAWN_RATE:=10}"
: "${SOAK_RUN_TIME:=60s}"
: "${SOAK_REPORT=$here/docs/perf/SOAK.md}"
export SOAK_DB SOAK_PORT SOAK_GEVENT_PORT SOAK_USERS SOAK_SPAWN_RATE SOAK_RUN_TIME \
    SOAK_PORT2 SOAK_GEVENT_PORT2 SOAK_SCENARIO
started=$(date +%s)
bash "$here/tools/setup.sh"

# Locust and its Flask, constrained by what Odoo pins (see the file's comments).
stamp="$VENV/.website_preorder_soak_stamp"
want=$(cat "$here/tools/requirements-soak.txt" | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "[soak] installing Locust into $VENV"
    echo "setuptools<81" > "$VENV/soak-constraints.txt"
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$VENV/bin/pip" install -q \
        -r "$here/tools/requirements-soak.txt" -c "$VENV/odoo-requirements.txt" \
        -c "$here/tools/requirements-dev.txt" -c "$VENV/soak-constraints.txt"
    echo "$want" > "$stamp"
fi

# Order confirmation e-mails attach the quotation PDF: Odoo needs wkhtmltopdf.
if ! command -v wkhtmltopdf >/dev/null; then
    echo "[soak] installing wkhtmltopdf from Debian (Odoo's PDF reports)"
    [ -f /var/lib/apt/.website_preorder_updated ] || { apt-get update -qq \
        && touch /var/lib/apt/.website_preorder_updated; }
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wkhtmltopdf \
        >/dev/null
fi

conf=$(odoo_conf)
out="$here/var/soak"
mkdir -p "$out"
rm -f "$out"/locust_* "$out"/events.jsonl "$out"/server.log "$out"/server2.log "$out"/samples.json
odoo=("$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$conf")
pg=(-h "$PGHOST" -p "$PGPORT" -U "$PGUSER")

# One Odoo at a time on this machine: the whole Odoo part runs under the lock.
exec 9>"${PREORDER_LOCK:-/tmp/website_preorder_odoo.lock}"
echo "[soak] waiting for the machine-wide Odoo lock"
flock 9
locked=$(date +%s)
if [ "$SOAK_SCENARIO" = throughput ]; then
    # plain Odoo and the addon side by side: tools/soak/throughput.sh runs both
    source "$here/tools/soak/throughput.sh"
fi

installed=$(psql "${pg[@]}" -d "$SOAK_DB" -tAq -c \
    "select count(*) from ir_module_module where state='installed'
     and name in ('website_preorder', 'payment_demo')" 2>/dev/null || true)
if [ "$installed" = 2 ] && [ "${RESET_DB:-0}" != 1 ]; then
    echo "[soak] updating website_preorder in $SOAK_DB"
    "${odoo[@]}" -d "$SOAK_DB" -u website_preorder --stop-after-init --log-level=warn \
        --logfile="$out/install.log"
else
    echo "[soak] creating $SOAK_DB with website_preorder and payment_demo (no demo data)"
    dropdb "${pg[@]}" --if-exists "$SOAK_DB"
    "${odoo[@]}" -d "$SOAK_DB" -i website_preorder,payment_demo --without-demo=all \
        --stop-after-init --log-level=warn --logfile="$out/install.log"
fi
installed_at=$(date +%s)

run_id=$(date -u +%Y%m%d%H%M%S)
echo "[soak] fixtures of run $run_id"
SOAK_RUN=$run_id "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$conf" -d "$SOAK_DB" \
    --no-http --log-level=warn < "$here/tools/soak/fixture.py" > "$out/fixture.out"
grep '^SOAK_FIXTURE ' "$out/fixture.out" | cut -d' ' -f2- > "$out/fixture.json"
[ -s "$out/fixture.json" ] || { cat "$out/fixture.out"; echo "[soak] fixture failed" >&2; exit 2; }
run_started=$(date -u '+%Y-%m-%d %H:%M:%S')

echo "[soak] Odoo on 127.0.0.1:$SOAK_PORT (4 workers, 2 cron threads) and :$SOAK_PORT2 (2 workers)"
# ODOO_NOTIFY_CRON_CHANGES: a job's nextcall moved by the staff user wakes the
# cron workers at once (Odoo's own switch, see ir_cron._notifydb).
ODOO_NOTIFY_CRON_CHANGES=1 "${odoo[@]}" -d "$SOAK_DB" --db-filter="^$SOAK_DB\$" \
    --http-interface=127.0.0.1 --http-port="$SOAK_PORT" --gevent-port="$SOAK_GEVENT_PORT" \
    --workers=4 --max-cron-threads=2 --log-level=info --logfile="$out/server.log" &
server=$!
# the second host: the same database, HTTP workers only (one server runs the crons)
"${odoo[@]}" -d "$SOAK_DB" --db-filter="^$SOAK_DB\$" \
    --http-interface=127.0.0.1 --http-port="$SOAK_PORT2" --gevent-port="$SOAK_GEVENT_PORT2" \
    --workers=2 --max-cron-threads=0 --log-level=info --logfile="$out/server2.log" &
server2=$!
sampler=
stop_server() {
    [ -n "$sampler" ] && kill -TERM "$sampler" 2>/dev/null && wait "$sampler" 2>/dev/null
    sampler=
    for pid in "$server" "$server2"; do
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
            kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
        fi
        wait "$pid" 2>/dev/null || true
    done
}
trap stop_server EXIT
for port in "$SOAK_PORT" "$SOAK_PORT2"; do
    for _ in $(seq 1 90); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/web/health" && break
        sleep 1
    done
    curl -sf -o /dev/null "http://127.0.0.1:$port/web/health" \
        || { echo "[soak] Odoo did not start on $port, see $out/server*.log" >&2; exit 2; }
done
rm -f "$out/samples.json"
"$VENV/bin/python" "$here/tools/soak/check.py" sample "$out" &
sampler=$!

echo "[soak] locust: $SOAK_USERS shoppers, spawn rate $SOAK_SPAWN_RATE/s, $SOAK_RUN_TIME"
set +e
SOAK_FIXTURE="$out/fixture.json" SOAK_EVENTS="$out/events.jsonl" \
    SOAK_HOSTS="http://127.0.0.1:$SOAK_PORT,http://127.0.0.1:$SOAK_PORT2" \
    "$VENV/bin/locust" -f "$here/tools/soak/locustfile.py" --headless \
    -u "$SOAK_USERS" -r "$SOAK_SPAWN_RATE" --run-time "$SOAK_RUN_TIME" --stop-timeout 30 \
    -H "http://127.0.0.1:$SOAK_PORT" --csv "$out/locust" --only-summary \
    --loglevel WARNING > "$out/locust.out" 2>&1
locust_rc=$?
set -e
tail -n 40 "$out/locust.out"
# let the jobs the run triggered finish, then stop Odoo before reading the database
"$VENV/bin/python" "$here/tools/soak/check.py" wait-jobs
"$VENV/bin/python" "$here/tools/soak/check.py" probe-websocket > "$out/websocket.json" || true
stop_server
trap - EXIT
finished=$(date +%s)

SOAK_LOCUST_RC=$locust_rc SOAK_RUN_STARTED="$run_started" \
    SOAK_TIMINGS="install=$((installed_at - locked)) wait_lock=$((locked - started)) total=$((finished - started))" \
    exec "$VENV/bin/python" "$here/tools/soak/check.py" report "$out" "$SOAK_REPORT"
