#!/usr/bin/env bash
# Command 2: the whole test suite. ruff and pylint-odoo (OCA's lint, .pylintrc),
# the pure-Python unit tests of the rules
# (no Odoo), a check that Odoo's runner sees every test pytest collects
# (tools/check_test_count.py), then a fresh database with website_preorder
# installed (no demo) and the Odoo tests (TransactionCase and HttpCase tours in headless Chromium)
# through pytest-odoo. Exits non-zero on any failure; ends on pytest's summary.
#   REUSE_DB=1  keep an existing test database instead of rebuilding it
#   PYTEST_ARGS extra arguments for the Odoo pytest run (e.g. -k allocation)
#   ODOO_ONLY=1 skip the lints and the unit tests (iterating on the Odoo suite)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/tools/env.sh"
source "$here/tools/odoo_conf.sh"
cd "$here"
bash tools/setup.sh
conf=$(odoo_conf)

if [ "${ODOO_ONLY:-0}" != 1 ]; then
    echo "== ruff"
    "$VENV/bin/ruff" check .
    "$VENV/bin/ruff" format --check .

    echo "== pylint-odoo"
    "$VENV/bin/pylint" --rcfile=.pylintrc website_preorder
    "$VENV/bin/python" tools/addon_readme.py --check

    echo "== unit tests (pure rules, no Odoo)"
    "$VENV/bin/python" -m pytest -p no:odoo -p no:cacheprovider -q unit_tests
fi

# Odoo's own runner (odoo-bin --test-enable) only runs the test modules that
# tests/__init__.py imports, pytest runs every tests/test_*.py: both must see
# the same tests (read from the source with ast, no Odoo, milliseconds).
echo "== same tests for Odoo's runner and pytest"
"$VENV/bin/python" tools/check_test_count.py website_preorder

# One Odoo at a time on this machine (2 cores, one HTTP port for the tours):
# checkouts sharing it wait for each other here.
exec 9>"${PREORDER_LOCK:-/tmp/website_preorder_odoo.lock}"
flock 9

installed=$(psql -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" -d "$TEST_DB" -tAq \
    -c "select state from ir_module_module where name='website_preorder'" 2>/dev/null || true)
if [ "${REUSE_DB:-0}" = 1 ] && [ "$installed" = installed ]; then
    echo "== updating website_preorder in $TEST_DB"
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$conf" -d "$TEST_DB" -u website_preorder \
        -i payment_demo --stop-after-init --log-level=warn
else
    # payment_demo: Odoo's test payment provider, for the tours that pay
    echo "== installing website_preorder and payment_demo in a fresh $TEST_DB (no demo data)"
    dropdb -h "$PGHOST" -p "$PGPORT" -U "$PGUSER" --if-exists "$TEST_DB"
    "$VENV/bin/python" "$ODOO_SRC/odoo-bin" -c "$conf" -d "$TEST_DB" -i website_preorder,payment_demo \
        --without-demo=all --stop-after-init --log-level=warn
fi

echo "== Odoo tests (pytest-odoo, with HTTP server and Chromium tours)"
# shellcheck disable=SC2086
exec "$VENV/bin/python" -m pytest -p no:cacheprovider --odoo-config="$conf" \
    --odoo-database="$TEST_DB" --odoo-http --odoo-log-level=warn \
    ${PYTEST_ARGS:-} website_preorder/tests
