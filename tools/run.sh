#!/usr/bin/env bash
# Command 1: set everything up and serve Odoo on http://localhost:$HTTP_PORT with
# website_preorder and its demo data installed (login admin / admin).
#   RESET_DB=1  rebuild the demo database instead of updating it
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tools/env.sh"
source "$here/tools/odoo_conf.sh"
bash "$here/tools/setup.sh"
conf=$(odoo_conf)
odoo=("$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$conf")

installed=$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$RUN_DB" -tAq \
    -c "select state from ir_module_module where name='website_preorder'" 2>/dev/null || true)
if [ "$installed" = installed ] && [ "${RESET_DB:-0}" != 1 ]; then
    echo "[run] updating website_preorder in $RUN_DB"
    "${odoo[@]}" -d "$RUN_DB" -u website_preorder -i payment_demo --stop-after-init \
        --log-level=warn
else
    echo "[run] creating $RUN_DB with website_preorder and demo data (a few minutes)"
    dropdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" --if-exists "$RUN_DB"
    # payment_demo: Odoo's test payment provider, so the demo shop can take payments
    "${odoo[@]}" -d "$RUN_DB" -i website_preorder,payment_demo --stop-after-init --log-level=warn
fi
# Balance collection and the delay timeline need payment_demo's card: their
# demo is made here (idempotent)
for demo in balances timeline; do
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" shell -c "$conf" -d "$RUN_DB" --no-http \
        --log-level=warn < "$here/tools/demo/$demo.py" | grep '^DEMO' || true
done
# A payment confirms its order in the payment request; the confirmation e-mail
# (with its quotation PDF) goes out from Odoo's cron instead, as the deployment
# notes recommend (website_preorder/readme/INSTALL.md).
psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$RUN_DB" -q -c \
    "UPDATE ir_config_parameter SET value = 'True' WHERE key = 'sale.async_emails'"
echo "[run] Odoo on http://localhost:$HTTP_PORT  (database $RUN_DB, login admin / admin)"
exec "${odoo[@]}" -d "$RUN_DB" --db-filter="^$RUN_DB\$" --http-port="$HTTP_PORT"
