#!/usr/bin/env bash
# Kill-and-resume check (issue 14): a release job killed with SIGKILL in the
# middle of a batch leaves no half-applied batch, and the next run finishes the
# work without releasing, e-mailing or writing any line twice.
# Throw-away database preorder_killresume (dropped and rebuilt each run).
#   KR_PRODUCTS=300 KR_ORDERS=10 KR_BATCH=20 KR_KILL_AFTER=3 (committed batches)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tools/env.sh"
source "$here/tools/odoo_conf.sh"
bash "$here/tools/setup.sh"
conf=$(odoo_conf)
db=preorder_killresume
log="$here/var/kill_resume.log"
mkdir -p "$here/var"
exec 9>"${PREORDER_LOCK:-/tmp/website_preorder_odoo.lock}"
flock 9
pg=(-h "$PGHOST" -p "$PGPORT" -U "$PGUSER")
shell=("$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$conf" -d "$db" --no-http --log-level=warn)
dropdb "${pg[@]}" --if-exists "$db"
"$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$conf" -d "$db" -i website_preorder \
    --without-demo=all --stop-after-init --log-level=warn
"${shell[@]}" < "$here/tools/kill_resume/setup.py" | grep KR_
: > "$log"
"${shell[@]}" < "$here/tools/kill_resume/run.py" > "$log" 2>&1 &
pid=$!
# wait for KR_KILL_AFTER committed batches, then kill in the middle of the next
while [ "$(grep -c KR_BATCH "$log" || true)" -lt "${KR_KILL_AFTER:-3}" ]; do
    kill -0 "$pid" 2>/dev/null || { echo "run ended before the kill"; cat "$log"; exit 1; }
    sleep 0.05
done
sleep "${KR_KILL_DELAY:-0.3}"
kill -9 "$pid"; wait "$pid" 2>/dev/null || true
done_before=$(grep -c KR_BATCH "$log" || true)
echo "killed with SIGKILL after $done_before committed batches"
pending=$(psql "${pg[@]}" -d "$db" -tAq -c \
    "select count(*) from product_product where preorder_release_pending")
released=$(psql "${pg[@]}" -d "$db" -tAq -c \
    "select count(*) from sale_order_line where preorder_state = 'released'")
echo "after the kill: $released lines released, $pending products pending"
"${shell[@]}" < "$here/tools/kill_resume/run.py" | grep KR_BATCH | tail -1
"${shell[@]}" < "$here/tools/kill_resume/check.py" | grep KR_
