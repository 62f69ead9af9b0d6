#!/usr/bin/env bash
# Idempotent set-up of everything the two commands need on a fresh machine:
# the Odoo source check, PostgreSQL with a dedicated role, Debian's Chromium,
# and a project virtualenv with Odoo's requirements and the test tools.
# Safe to run again: each step checks before it acts.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=tools/env.sh
source "$here/tools/env.sh"

log() { printf '[setup] %s\n' "$*"; }

require_odoo() {
    if [ ! -f "$ODOO_SRC/odoo-bin" ] || [ ! -d "$ODOO_SRC/addons/website_sale_stock" ]; then
        cat >&2 <<MSG
[setup] ERROR: no Odoo 18.0 source at ODOO_SRC=$ODOO_SRC
        (expected $ODOO_SRC/odoo-bin and $ODOO_SRC/addons/website_sale_stock).
        Put a pristine Odoo 18.0 community tree there, or set ODOO_SRC to where it is.
MSG
        exit 2
    fi
    if ! grep -q "version_info = (18, 0" "$ODOO_SRC/odoo/release.py"; then
        echo "[setup] ERROR: $ODOO_SRC is not Odoo 18.0 (see $ODOO_SRC/odoo/release.py)" >&2
        exit 2
    fi
}

apt_install() {
    if [ "$(id -u)" != 0 ]; then
        echo "[setup] ERROR: need root (or sudo) to apt-get install $*" >&2
        exit 2
    fi
    if [ ! -f /var/lib/apt/.website_preorder_updated ]; then
        apt-get update -qq && touch /var/lib/apt/.website_preorder_updated
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_system_packages() {
    local missing=()
    command -v pg_config >/dev/null || missing+=(libpq-dev)
    command -v psql >/dev/null || missing+=(postgresql-client)
    [ -f /usr/include/libxml2/libxml/parser.h ] || missing+=(libxml2-dev)
    [ -f /usr/include/libxslt/xslt.h ] || missing+=(libxslt1-dev)
    [ -f /usr/include/jpeglib.h ] || missing+=(libjpeg-dev)
    [ -f /usr/include/zlib.h ] || missing+=(zlib1g-dev)
    command -v gcc >/dev/null || missing+=(build-essential)
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing system packages: ${missing[*]}"
        apt_install "${missing[@]}"
    fi
}

ensure_chromium() {
    if command -v chromium >/dev/null || command -v chromium-browser >/dev/null \
        || command -v google-chrome >/dev/null; then
        return
    fi
    log "installing Chromium from Debian (for the browser tours)"
    apt_install chromium
}

ensure_wkhtmltopdf() {
    # Odoo renders order PDFs (the quotation attached to the confirmation
    # e-mail sent when a payment confirms an order) with wkhtmltopdf.
    command -v wkhtmltopdf >/dev/null && return
    log "installing wkhtmltopdf from Debian (Odoo's PDF reports)"
    apt_install wkhtmltopdf
}

pg_ready() { pg_isready -q -h "$PGHOST" -p "$PGPORT" 2>/dev/null; }

ensure_postgres() {
    if ! pg_ready; then
        if command -v pg_lsclusters >/dev/null && [ -n "$(pg_lsclusters -h 2>/dev/null)" ]; then
            log "starting the PostgreSQL cluster"
            local ver
            ver=$(pg_lsclusters -h | awk 'NR==1{print $1}')
            pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
        else
            log "installing PostgreSQL from Debian"
            apt_install postgresql
            local ver
            ver=$(pg_lsclusters -h | awk 'NR==1{print $1}')
            pg_ctlcluster --skip-systemctl-redirect "$ver" main start || true
        fi
        for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
        pg_ready || { echo "[setup] ERROR: PostgreSQL is not reachable on $PGHOST:$PGPORT" >&2; exit 2; }
    fi
    # Odoo refuses to run as the postgres superuser: a dedicated role.
    local su_psql=(psql -h "$PGHOST" -p "$PGPORT" -U "${PGSUPERUSER:-postgres}" -d postgres -tAq)
    if ! "${su_psql[@]}" -c "select 1" >/dev/null 2>&1; then
        su_psql=(runuser -u postgres -- psql -p "$PGPORT" -d postgres -tAq)
    fi
    if [ "$("${su_psql[@]}" -c "select 1 from pg_roles where rolname='$PGUSER'")" != 1 ]; then
        log "creating PostgreSQL role $PGUSER"
        "${su_psql[@]}" -c "create role \"$PGUSER\" login createdb password '$PGPASSWORD'"
    fi
}

link_odoo() {
    # pytest-odoo imports odoo when pytest starts: make the source importable.
    local site
    site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$ODOO_SRC" > "$site/odoo-src.pth"
}

ensure_venv() {
    local stamp="$VENV/.website_preorder_stamp"
    local want
    want=$(cat "$ODOO_SRC/requirements.txt" "$here/tools/requirements-dev.txt" | sha1sum | cut -c1-12)
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$VENV/bin/python" ]; then
        return
    fi
    log "building the virtualenv $VENV (Odoo requirements + test tools)"
    [ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
    # cbor2 5.4.2 (pinned by Odoo for Python 3.11) only builds with setuptools<81,
    # also inside pip's isolated build environments: a constraint reaches both.
    local constraints="$VENV/constraints.txt"
    echo "setuptools<81" > "$constraints"
    export PIP_CONSTRAINT="$constraints" PIP_DISABLE_PIP_VERSION_CHECK=1
    "$VENV/bin/pip" install -q "setuptools<81" "setuptools_scm<9" wheel
    # ... and newer pips no longer pass constraints into isolated builds: build
    # Odoo's cbor2 pin against the venv's own setuptools instead.
    local cbor2
    cbor2=$("$VENV/bin/python" - "$ODOO_SRC/requirements.txt" <<'PY'
import sys
from pip._vendor.packaging.requirements import Requirement
for raw in open(sys.argv[1]):
    line = raw.split("#")[0].strip()
    if line.lower().startswith("cbor2"):
        req = Requirement(line)
        if not req.marker or req.marker.evaluate():
            print(f"{req.name}{req.specifier}")
PY
)
    [ -z "$cbor2" ] || "$VENV/bin/pip" install -q --no-build-isolation "$cbor2"
    # python-ldap is only for auth_ldap, which this project never installs.
    grep -v -i '^python-ldap' "$ODOO_SRC/requirements.txt" > "$VENV/odoo-requirements.txt"
    "$VENV/bin/pip" install -q -r "$VENV/odoo-requirements.txt"
    "$VENV/bin/pip" install -q -r "$here/tools/requirements-dev.txt"
    echo "$want" > "$stamp"
}

require_odoo
ensure_system_packages
ensure_postgres
ensure_chromium
ensure_wkhtmltopdf
ensure_venv
link_odoo
log "ready: Odoo $ODOO_SRC, PostgreSQL $PGUSER@$PGHOST:$PGPORT, venv $VENV"
