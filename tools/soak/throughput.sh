# Sourced by tools/soak.sh for SOAK_SCENARIO=throughput (after its set-up, under
# the machine-wide Odoo lock): the same Locust checkout flow, one hot product
# bought again and again, first against plain Odoo (website_sale_stock,
# sale_stock, purchase_stock; the product in stock), then against the addon (the
# product a national pre-order: every payment takes a checkout hold), each
# served the same way (4 workers + a second host with 2, one database), same
# shoppers, same run time. tools/soak/check.py throughput compares them
# (completed checkouts per minute, checkout p95, how long each hold kept the
# supply rows locked) and writes the report.
# shellcheck shell=bash
: "${SOAK_PLAIN_DB:=preorder_soak_plain}"
plain_modules="website_sale_stock,sale_stock,purchase_stock,payment_demo"

throughput_db() {  # db modules [module to update]: installed, or updated when it is
    local db=$1 modules=$2 update=${3:-} installed
    installed=$(psql "${pg[@]}" -d "$db" -tAq -c \
        "select count(*) from ir_module_module where state='installed' and name='payment_demo'" \
        2>/dev/null || true)
    if [ "$installed" = 1 ] && [ "${RESET_DB:-0}" != 1 ]; then
        [ -z "$update" ] || "${odoo[@]}" -d "$db" -u "$update" --stop-after-init \
            --log-level=warn --logfile="$out/install.log"
    else
        echo "[soak] creating $db with $modules (no demo data)"
        dropdb "${pg[@]}" --if-exists "$db"
        "${odoo[@]}" -d "$db" -i "$modules" --without-demo=all --stop-after-init \
            --log-level=warn --logfile="$out/install.log"
    fi
}

throughput_run() {  # label db: fixtures, both hosts, Locust; results in $out/<label>/
    local label=$1 db=$2 dir="$out/$1" server server2 port
    rm -rf "$dir"
    mkdir -p "$dir"
    SOAK_RUN=$(date -u +%Y%m%d%H%M%S) "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$conf" \
        -d "$db" --no-http --log-level=warn < "$here/tools/soak/fixture_throughput.py" \
        > "$dir/fixture.out"
    grep '^SOAK_FIXTURE ' "$dir/fixture.out" | cut -d' ' -f2- > "$dir/fixture.json"
    [ -s "$dir/fixture.json" ] || { cat "$dir/fixture.out"; echo "[soak] fixture failed" >&2; exit 2; }
    # the hold's lock time is logged at debug level by the addon (sale.order)
    local trace=(--log-handler=odoo.addons.website_preorder.models.sale_order:DEBUG)
    "${odoo[@]}" -d "$db" --db-filter="^$db\$" --http-interface=127.0.0.1 \
        --http-port="$SOAK_PORT" --gevent-port="$SOAK_GEVENT_PORT" --workers=4 \
        --max-cron-threads="$SOAK_CRON_THREADS" --log-level=info "${trace[@]}" \
        --logfile="$dir/server.log" &
    server=$!
    "${odoo[@]}" -d "$db" --db-filter="^$db\$" --http-interface=127.0.0.1 \
        --http-port="$SOAK_PORT2" --gevent-port="$SOAK_GEVENT_PORT2" --workers=2 \
        --max-cron-threads=0 --log-level=info "${trace[@]}" --logfile="$dir/server2.log" &
    server2=$!
    for port in "$SOAK_PORT" "$SOAK_PORT2"; do
        for _ in $(seq 1 90); do
            curl -sf -o /dev/null "http://127.0.0.1:$port/web/health" && break
            sleep 1
        done
    done
    echo "[soak] $label: $SOAK_USERS shoppers, spawn rate $SOAK_SPAWN_RATE/s, $SOAK_RUN_TIME"
    SOAK_DB=$db SOAK_FIXTURE="$dir/fixture.json" SOAK_EVENTS="$dir/events.jsonl" \
        SOAK_HOSTS="http://127.0.0.1:$SOAK_PORT,http://127.0.0.1:$SOAK_PORT2" \
        "$VENV/bin/locust" -f "$here/tools/soak/locustfile.py" --headless \
        -u "$SOAK_USERS" -r "$SOAK_SPAWN_RATE" --run-time "$SOAK_RUN_TIME" --stop-timeout 30 \
        -H "http://127.0.0.1:$SOAK_PORT" --csv "$dir/locust" --only-summary \
        --loglevel WARNING > "$dir/locust.out" 2>&1 || true
    tail -n 12 "$dir/locust.out"
    for pid in "$server" "$server2"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}

# no scheduled action during the measured minute, on either side: when Odoo's
# own (auto-vacuum, payment post-processing, pending e-mails) fire depends on
# when each database was made, and a run where they fire on one side only
# measures them, not the checkout (SOAK_CRON_THREADS=2 to keep them)
SOAK_CRON_THREADS=${SOAK_CRON_THREADS:-0}
throughput_db "$SOAK_PLAIN_DB" "$plain_modules"
throughput_db "$SOAK_DB" "website_preorder,payment_demo" website_preorder
throughput_run plain "$SOAK_PLAIN_DB"
throughput_run addon "$SOAK_DB"
SOAK_COMMAND="SOAK_SCENARIO=throughput SOAK_USERS=$SOAK_USERS SOAK_SPAWN_RATE=$SOAK_SPAWN_RATE SOAK_RUN_TIME=$SOAK_RUN_TIME make soak" \
    exec "$VENV/bin/python" "$here/tools/soak/check.py" throughput "$out" "$SOAK_REPORT"
