#!/usr/bin/env bash
# Upgrade and uninstall check: databases made by earlier releases of the addon
# (with demo data: requests, allocated and parked orders) are upgraded to this
# checkout's version; their allocations, pre-order lines and scheduled actions
# must be kept, the scheduled actions must run and the shop must answer. Then
# the addon is uninstalled from the first one: nothing of it may be left, and
# the shop and an ordinary sale must still work. `.ci/run` runs it before the
# test suite. Throw-away databases preorder_upgrade_<name>.
#   UPGRADE_FROM="first:<commit> previous:<commit> ..."  the releases to start from
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tools/env.sh"
source "$here/tools/odoo_conf.sh"
bash "$here/tools/setup.sh"
conf=$(odoo_conf)
# 18.0.1.0.0: the last commit at the first version; 18.0.1.2.0: the version
# before the service models were folded into the models they concern;
# 18.0.1.3.0 (a98cf2f): checkout holds naming their payment by foreign key,
# its demo holding two box sets for a portal user
: "${UPGRADE_FROM:=first:5c34bfa previous:1f5057e held:a98cf2f}"
pg=(-h "$PGHOST" -p "$PGPORT" -U "$PGUSER")
work="$here/var/upgrade"
rm -rf "$work"; mkdir -p "$work"
odoo=("$VENV/bin/python" "$ODOO_SRC/odoo-bin")
port=$((HTTP_PORT + 200))

exec 9>"${PREORDER_LOCK:-/tmp/website_preorder_odoo.lock}"
flock 9

shop_answers() {  # database, configuration: /shop and a product page answer 200
    local db=$1 cfg=$2 log="$work/http_$1.log"
    "${odoo[@]}" -c "$cfg" -d "$db" --db-filter="^$db\$" --http-port="$port" \
        --max-cron-threads=0 --log-level=warn > "$log" 2>&1 &
    local pid=$! ok=1
    for _ in $(seq 1 60); do
        curl -sf -o /dev/null "http://127.0.0.1:$port/web/health" && break
        sleep 1
    done
    for path in /shop "/shop?preorder_availability=national"; do
        code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
        echo "[upgrade] $db: GET $path -> $code"
        [ "$code" = 200 ] || ok=0
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    if grep -q "Traceback\|ERROR" "$log"; then
        echo "[upgrade] $db: errors in the server log:"; cat "$log"; ok=0
    fi
    [ "$ok" = 1 ]
}

first_db=""
for spec in $UPGRADE_FROM; do
    name=${spec%%:*}; commit=${spec#*:}
    db="preorder_upgrade_$name"
    if ! git -C "$here" cat-file -e "$commit^{commit}" 2>/dev/null; then
        echo "[upgrade] FAILED: commit $commit ($name) is not in this clone's history" >&2
        echo "[upgrade] (a shallow clone? the check installs that release from git)" >&2
        exit 2
    fi
    old="$work/$name"
    mkdir -p "$old"
    git -C "$here" archive "$commit" website_preorder | tar -x -C "$old"
    old_conf="$work/$name.conf"
    sed "s#^addons_path = .*#addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$old#" \
        "$conf" > "$old_conf"
    version=$(grep -o '"version": "[^"]*"' "$old/website_preorder/__manifest__.py")
    echo "[upgrade] $name: installing $commit ($version) with demo data in $db"
    dropdb "${pg[@]}" --if-exists "$db"
    "${odoo[@]}" -c "$old_conf" -d "$db" -i website_preorder,payment_demo \
        --stop-after-init --log-level=warn
    UPGRADE_MODE=snapshot UPGRADE_SNAPSHOT="$work/$name.json" \
        "${odoo[@]}" shell -c "$old_conf" -d "$db" --no-http --log-level=warn \
        < "$here/tools/upgrade/state.py"
    echo "[upgrade] $name: upgrading $db to this checkout"
    "${odoo[@]}" -c "$conf" -d "$db" -u website_preorder --stop-after-init --log-level=warn \
        2>&1 | tee "$work/$name.upgrade.log"
    if grep -q "Traceback\|ERROR" "$work/$name.upgrade.log"; then
        echo "[upgrade] FAILED: errors while upgrading $db" >&2
        exit 1
    fi
    UPGRADE_MODE=check UPGRADE_SNAPSHOT="$work/$name.json" \
        "${odoo[@]}" shell -c "$conf" -d "$db" --no-http --log-level=warn \
        < "$here/tools/upgrade/state.py"
    shop_answers "$db" "$conf"
    [ -n "$first_db" ] || first_db=$db
done

echo "[upgrade] uninstalling website_preorder from $first_db"
UPGRADE_SNAPSHOT="$work/uninstall.json" "${odoo[@]}" shell -c "$conf" -d "$first_db" \
    --no-http --log-level=warn < "$here/tools/upgrade/uninstall.py"
UPGRADE_SNAPSHOT="$work/uninstall.json" "${odoo[@]}" shell -c "$conf" -d "$first_db" \
    --no-http --log-level=warn < "$here/tools/upgrade/after_uninstall.py"
shop_answers "$first_db" "$conf"
echo "[upgrade] OK: upgrades from ${UPGRADE_FROM} and the uninstall passed"
