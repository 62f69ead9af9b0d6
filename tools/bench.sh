#!/usr/bin/env bash
# Command 3 (not part of the tests): benchmarks at chosen scales. Builds, per
# scale, a synthetic database with website_preorder and one with plain Odoo
# (website_sale_stock, sale_stock, purchase_stock) holding the same generated
# data, times the scheduled jobs, serves both and measures the product page and
# /shop. Writes each measured scale's block of docs/perf/BENCHMARKS.md
# (tools/bench/report.py).
#   SCALES="1000 10000 50000"  product variants per run (default "1000 10000")
#   HTTP_SCALES="1000 10000"    scales whose pages are measured (default: SCALES)
#   BENCH_REQUESTS=200          measured requests per page (after 20 warm-up)
#   BENCH_REUSE=1               keep generated databases that exist (jobs roll back)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tools/env.sh"
source "$here/tools/odoo_conf.sh"
bash "$here/tools/setup.sh"
conf=$(odoo_conf)
SCALES=${SCALES:-"1000 10000"}
HTTP_SCALES=${HTTP_SCALES:-$SCALES}
out="$here/var/bench"
mkdir -p "$out"
results="$out/results.jsonl"
: > "$results"
odoo=("$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$conf")
odoo_shell=("$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$conf" --no-http)
pg=(-h "$PGHOST" -p "$PGPORT" -U "$PGUSER")

base_db() {  # name modules
    local name=$1 modules=$2
    local state
    state=$(psql "${pg[@]}" -d "$name" -tAq -c \
        "select count(*) from ir_module_module where state='installed' and name in ('payment_demo')" \
        2>/dev/null || true)
    if [ "$state" != 1 ]; then
        echo "[bench] installing $modules into $name"
        dropdb "${pg[@]}" --if-exists "$name"
        "${odoo[@]}" -d "$name" -i "$modules" --without-demo=all --stop-after-init --log-level=warn
    else
        "${odoo[@]}" -d "$name" -u website_preorder --stop-after-init --log-level=warn \
            >/dev/null 2>&1 || true
    fi
}

shell() {  # db script
    BENCH_SCALE=$scale "${odoo_shell[@]}" -d "$1" --log-level=warn < "$2"
}

cart_of() {  # db: the JSON of a new cart ready to be paid (tools/bench/cart.py)
    "${odoo_shell[@]}" -d "$1" --log-level=error < "$here/tools/bench/cart.py" \
        | grep '^CART ' | cut -d' ' -f2-
}

serve_and_measure() {  # db label paths...
    local db=$1 label=$2; shift 2
    local port=8170 log="$out/$db.log"
    : > "$log"
    "${odoo[@]}" -d "$db" --db-filter="^$db\$" --http-port=$port --workers=0 \
        --max-cron-threads=0 --log-level=info --logfile="$log" &
    local pid=$!
    for _ in $(seq 1 120); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/web/health" && break
        sleep 1
    done
    local peak
    "$VENV/bin/python" "$here/tools/bench/http_bench.py" "$label" "http://127.0.0.1:$port" \
        "$log" "$@" | tee -a "$out/http.txt"
    # the payment route: a cart of one unit (a pre-order on the addon's base,
    # taking its checkout hold each time; from stock on plain Odoo's), after
    # its payment page as shoppers pay, then posted alone
    "$VENV/bin/python" "$here/tools/bench/payment_bench.py" "$label" "http://127.0.0.1:$port" \
        "$log" "$(cart_of "$db")" | tee -a "$out/http.txt"
    BENCH_PAYMENT_PAGE=0 "$VENV/bin/python" "$here/tools/bench/payment_bench.py" "$label" \
        "http://127.0.0.1:$port" "$log" "$(cart_of "$db")" | tee -a "$out/http.txt"
    peak=$(awk '/VmHWM/{print int($2/1024)}' "/proc/$pid/status")
    echo "BENCH {\"label\": \"$label\", \"path\": \"server peak RSS\", \"peak_rss_mb\": $peak}" \
        | tee -a "$out/http.txt"
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

base_db preorder_bench_base website_preorder,payment_demo
base_db preorder_plain_base "website_sale_stock,sale_stock,purchase_stock,payment_demo"
: > "$out/http.txt"
for scale in $SCALES; do
    addon_db="preorder_bench_$scale"; plain_db="preorder_plain_$scale"
    for pair in "$addon_db:preorder_bench_base" "$plain_db:preorder_plain_base"; do
        db=${pair%%:*}; template=${pair##*:}
        if [ "$db" = "$plain_db" ] && [[ " $HTTP_SCALES " != *" $scale "* ]]; then continue; fi
        if [ "${BENCH_REUSE:-0}" = 1 ] && psql "${pg[@]}" -d "$db" -c "select 1" >/dev/null 2>&1; then
            echo "[bench] reusing $db"
            if [ "$db" = "$addon_db" ]; then
                # the addon's schema as this checkout has it
                "${odoo[@]}" -d "$db" -u website_preorder --stop-after-init --log-level=warn
            fi
            continue
        fi
        dropdb "${pg[@]}" --if-exists "$db"
        createdb "${pg[@]}" -T "$template" "$db"
        echo "[bench] generating $scale variants in $db"
        shell "$db" "$here/tools/bench/generate.py" | grep -E "GENERATED|done|products:"
    done
    echo "[bench] jobs at $scale"
    shell "$addon_db" "$here/tools/bench/jobs.py" | grep '^BENCH' | tee -a "$results"
    if [[ " $HTTP_SCALES " == *" $scale "* ]]; then
        url=$(echo 'print(env["product.template"].search([("default_code", "=", "BENCH-000003")]).website_url)' \
            | "${odoo_shell[@]}" -d "$addon_db" --log-level=error | tail -1)
        serve_and_measure "$addon_db" "addon $scale" "$url" /shop \
            "/shop?availability=in_stock" "/shop?availability=national" \
            "/shop?availability=international" "/shop?availability=presale" \
            "/shop?availability=next_day"
        url=$(echo 'print(env["product.template"].search([("default_code", "=", "BENCH-000003")]).website_url)' \
            | "${odoo_shell[@]}" -d "$plain_db" --log-level=error | tail -1)
        serve_and_measure "$plain_db" "plain $scale" "$url" /shop
    fi
done
grep '^BENCH' "$out/http.txt" >> "$results" || true
BENCH_COMMAND="SCALES=\"$SCALES\" HTTP_SCALES=\"$HTTP_SCALES\" make bench" \
    "$VENV/bin/python" "$here/tools/bench/report.py" "$results" "$here/docs/perf/BENCHMARKS.md"
echo "[bench] results in docs/perf/BENCHMARKS.md"
