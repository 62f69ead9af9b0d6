# Shared settings of the project's tooling; every value can be overridden
# from the environment.
: "${ODOO_SRC:=/opt/odoo}"
: "${VENV:=$here/.venv}"
: "${PGHOST:=127.0.0.1}"
: "${PGPORT:=5432}"
: "${PGUSER:=odoo_preorder}"
: "${PGPASSWORD:=odoo_preorder}"
: "${RUN_DB:=preorder_demo}"
: "${TEST_DB:=preorder_test}"
: "${HTTP_PORT:=8069}"
export ODOO_SRC VENV PGHOST PGPORT PGUSER PGPASSWORD RUN_DB TEST_DB HTTP_PORT
