# Writes the Odoo configuration file the tooling uses and prints its path.
# Sourced by run.sh, test.sh and bench.sh after env.sh. The file lives in the
# checkout's own var/ (its addons path is this checkout), so several checkouts
# (git worktrees) can share one virtualenv.
odoo_conf() {
    local conf="$here/var/odoo.conf"
    mkdir -p "$here/var"
    cat > "$conf" <<CONF
[options]
addons_path = $ODOO_SRC/addons,$ODOO_SRC/odoo/addons,$here
data_dir = $here/var/data
db_host = $PGHOST
db_port = $PGPORT
db_user = $PGUSER
db_password = $PGPASSWORD
admin_passwd = admin
http_port = $HTTP_PORT
max_cron_threads = 1
CONF
    echo "$conf"
}
