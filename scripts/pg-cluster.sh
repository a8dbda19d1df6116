#!/usr/bin/env bash
# A throw-away PostgreSQL cluster for the certificate database tests.
#
#   eval "$(scripts/pg-cluster.sh start)"   # exports CFSSL_TEST_PG_URL and CFSSL_TEST_PG_DIR
#   cargo test --workspace --locked         # the PostgreSQL tests use it
#   scripts/pg-cluster.sh stop              # stops it and removes its folder
#   scripts/pg-cluster.sh pause|resume      # stops the server at once (as a
#                                           # crash would) and starts it again
#                                           # on its port, the data kept
#
# It runs initdb and pg_ctl from Debian's postgresql (installed by .ci/run
# when missing) as an unprivileged user (`postgres` when run as root, else
# the caller), on a free loopback port, trust authentication for loopback
# only, with the data in a fresh temporary folder. Nothing else of the
# machine is touched. With CFSSL_PG_TLS_CERT and CFSSL_PG_TLS_KEY set to a
# PEM certificate and key, `start` turns TLS on with them.
set -euo pipefail

die() { printf 'pg-cluster: %s\n' "$*" >&2; exit 1; }
bindir=
for d in /usr/lib/postgresql/*/bin; do
    [[ -x $d/initdb ]] && bindir=$d
done
[[ -n $bindir ]] || die "no initdb found (Debian: apt-get install postgresql)"

as_user=()
owner=$(id -un)
if [[ $(id -u) -eq 0 ]]; then
    id postgres >/dev/null 2>&1 || die "running as root needs the postgres user (from Debian's postgresql package)"
    as_user=(runuser -u postgres --)
    owner=postgres
fi

case ${1:-} in
start)
    dir=$(mktemp -d -t cfssl-pg.XXXXXX)
    chown "$owner" "$dir"
    chmod 700 "$dir"
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    "${as_user[@]}" "$bindir/initdb" -D "$dir/data" -U cfssl --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1 ||
        { cat "$dir/initdb.log" >&2; die "initdb failed"; }
    opts="-h 127.0.0.1 -p $port -k $dir -c fsync=off"
    if [[ -n ${CFSSL_PG_TLS_CERT:-} ]]; then
        install -m 0600 -o "$owner" "$CFSSL_PG_TLS_CERT" "$dir/server.crt"
        install -m 0600 -o "$owner" "${CFSSL_PG_TLS_KEY:?CFSSL_PG_TLS_KEY goes with CFSSL_PG_TLS_CERT}" "$dir/server.key"
        opts="$opts -c ssl=on -c ssl_cert_file=$dir/server.crt -c ssl_key_file=$dir/server.key"
    fi
    printf '%s\n' "$opts" >"$dir/opts"
    "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "$opts" start >/dev/null ||
        { cat "$dir/server.log" >&2; die "pg_ctl start failed"; }
    "${as_user[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U cfssl certdb_test
    printf 'export CFSSL_TEST_PG_URL=%q\n' "postgres://cfssl@127.0.0.1:$port/certdb_test"
    printf 'export CFSSL_TEST_PG_DIR=%q\n' "$dir"
    ;;
stop)
    dir=${CFSSL_TEST_PG_DIR:-}
    [[ -n $dir && -d $dir/data ]] || die "CFSSL_TEST_PG_DIR names no cluster"
    "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
    rm -rf "$dir"
    ;;
pause)
    dir=${CFSSL_TEST_PG_DIR:-}
    [[ -n $dir && -d $dir/data ]] || die "CFSSL_TEST_PG_DIR names no cluster"
    "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null
    ;;
resume)
    dir=${CFSSL_TEST_PG_DIR:-}
    [[ -n $dir && -f $dir/opts ]] || die "CFSSL_TEST_PG_DIR names no cluster"
    "${as_user[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
        -o "$(cat "$dir/opts")" start >/dev/null ||
        { cat "$dir/server.log" >&2; die "pg_ctl start failed"; }
    ;;
*)
    die "usage: pg-cluster.sh start|stop|pause|resume"
    ;;
esac
