#!/usr/bin/env bash
# Side-by-side load benchmark of `cfssl serve` signing: cfssl 1.6.5's server
# against ours, same CA, same CSR, same flags, in one run.
#
#   1. builds our binaries as shipped (scripts/build-release.sh), unless
#      --bin-dir names a folder holding our `cfssl`;
#   2. makes the inputs with the reference cfssl in a scratch folder: an
#      ECDSA P-256 CA, an RSA-2048 CA, and a P-256 CSR; the request body is
#      {"certificate_request": <CSR PEM>, "hosts": ["bench.example"]};
#   3. for each CA, runs --rounds rounds; each round starts each server
#      afresh on its own free 127.0.0.1 port (order flipped every round),
#      warms it up for 1 s, then loads it with wrk (-t2 -c16 for --duration
#      seconds, --latency) on POST /api/v1/cfssl/sign, and reads the
#      server's peak RSS (VmHWM) before stopping it;
#   4. a memory case: one request with a 64 MiB body to /sign, and the
#      growth of each server's peak RSS;
#   5. prints a markdown report: medians over the rounds of certificates
#      per second, p50 and p99 latency, errors (non-2xx answers and socket
#      errors), peak RSS, and the ratios ours/cfssl.
#
# Options (each also settable through the environment variable shown):
#   --bin-dir DIR   folder holding our `cfssl` (BENCH_BIN_DIR); skips the build
#   --ref-dir DIR   folder holding cfssl 1.6.5's `cfssl` and `cfssljson`
#                   (CFSSL_REF_BIN_DIR; required)
#   --rounds N      rounds per CA (BENCH_ROUNDS, default 5)
#   --duration S    seconds of load per run (BENCH_DURATION, default 10)
#   --out FILE      also write the report to FILE (BENCH_OUT)
#   --db KIND       none (default), sqlite or postgres (BENCH_DB): both
#                   servers run with -db-config on a fresh database of that
#                   kind per run, made with cfssl's migrations (the P-256 CA
#                   only, no 64 MiB case). SQLite: a new file in the scratch
#                   folder (SQLite's default journal, which both servers
#                   keep). PostgreSQL: a database `cfssl_bench` dropped and
#                   made again per run on the server of CFSSL_TEST_PG_URL,
#                   or on a throw-away cluster (scripts/pg-cluster.sh) when
#                   that is unset.
#
# Needs wrk (Debian's `wrk`, installed when missing and we are root), curl,
# python3 and awk. Servers listen on 127.0.0.1 only and are all stopped at
# the end, also on errors.

set -euo pipefail
umask 022

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$script_dir/.." && pwd -P)
# shellcheck source=bench-lib.sh
. "$script_dir/bench-lib.sh"

bin_dir=${BENCH_BIN_DIR:-}
ref_dir=${CFSSL_REF_BIN_DIR:-}
rounds=${BENCH_ROUNDS:-5}
duration=${BENCH_DURATION:-10}
out=${BENCH_OUT:-}
db=${BENCH_DB:-none}

die() {
    printf 'bench-serve: %s\n' "$*" >&2
    exit 1
}
note() { printf 'bench-serve: %s\n' "$*" >&2; }

while (($#)); do
    case $1 in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --ref-dir) ref_dir=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    -h | --help) sed -n '2,42p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
    esac
done

[[ -n $ref_dir && -x $ref_dir/cfssl && -x $ref_dir/cfssljson ]] ||
    die "set --ref-dir or CFSSL_REF_BIN_DIR to the folder holding cfssl 1.6.5's cfssl and cfssljson"
[[ $rounds =~ ^[1-9][0-9]*$ ]] || die "--rounds must be a positive integer"
[[ $duration =~ ^[1-9][0-9]*$ ]] || die "--duration must be a positive integer"
case $db in none | sqlite | postgres) ;; *) die "--db must be none, sqlite or postgres" ;; esac

if ! command -v wrk >/dev/null 2>&1; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        note "installing wrk"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends wrk >/dev/null
    else
        die "wrk is needed (Debian package wrk)"
    fi
fi
for tool in curl python3 awk; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"
done

if [[ -z $bin_dir ]]; then
    note "building the shipped binaries (scripts/build-release.sh)"
    bin_dir=$(bash "$repo/scripts/build-release.sh")
fi
[[ -x $bin_dir/cfssl ]] || die "no cfssl in $bin_dir"
ours=$(cd -- "$bin_dir" && pwd -P)/cfssl
ref=$(cd -- "$ref_dir" && pwd -P)/cfssl

work=$(mktemp -d)
pids=()
own_cluster=0
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    if ((own_cluster)); then
        bash "$repo/scripts/pg-cluster.sh" stop >/dev/null 2>&1 || true
    fi
    rm -rf -- "$work"
}
trap cleanup EXIT

if [[ $db == postgres && -z ${CFSSL_TEST_PG_URL:-} ]]; then
    note "starting a throw-away PostgreSQL cluster (scripts/pg-cluster.sh)"
    eval "$(bash "$repo/scripts/pg-cluster.sh" start)"
    own_cluster=1
fi

cd -- "$work"
"$ref" gencert -initca <(printf '%s' '{"CN":"Bench P-256 CA","key":{"algo":"ecdsa","size":256}}') 2>/dev/null |
    "$ref_dir/cfssljson" -bare ecdsa-ca
"$ref" gencert -initca <(printf '%s' '{"CN":"Bench RSA CA","key":{"algo":"rsa","size":2048}}') 2>/dev/null |
    "$ref_dir/cfssljson" -bare rsa-ca
"$ref" genkey <(printf '%s' '{"CN":"bench.example","key":{"algo":"ecdsa","size":256}}') 2>/dev/null |
    "$ref_dir/cfssljson" -bare leaf
python3 - <<'EOF'
import json
csr = open("leaf.csr").read()
body = json.dumps({"certificate_request": csr, "hosts": ["bench.example"]})
open("sign.lua", "w").write(
    'wrk.method = "POST"\n'
    "wrk.body = %s\n"
    'wrk.headers["Content-Type"] = "application/json"\n' % json.dumps(body)
)
with open("big.json", "wb") as f:
    f.write(b'{"certificate_request":"')
    f.write(b"A" * (64 << 20))
    f.write(b'"}')
EOF

# fresh_db: a new, empty certificate database with cfssl's schema; sets
# $db_args to the serve flags naming it.
fresh_db() {
    db_args=()
    case $db in
    none) return ;;
    sqlite)
        rm -f certs.db certs.db-wal certs.db-shm
        MIGRATIONS=$repo/crates/certdb/migrations/sqlite python3 -c '
import os, sqlite3
c = sqlite3.connect("certs.db")
for f in ("001_CreateCertificates.sql", "002_AddMetadataToCertificates.sql"):
    c.executescript(open(os.path.join(os.environ["MIGRATIONS"], f)).read().split("-- +goose Down")[0])
c.commit()
'
        printf '{"driver":"sqlite3","data_source":"%s/certs.db"}' "$work" >db.json
        ;;
    postgres)
        local admin=$CFSSL_TEST_PG_URL base
        base=${admin%/*}
        psql "$admin" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS cfssl_bench" \
            -c "CREATE DATABASE cfssl_bench" >/dev/null
        for f in 001_CreateCertificates.sql 002_AddMetadataToCertificates.sql; do
            sed '/-- +goose Down/,$d' "$repo/crates/certdb/migrations/pg/$f" |
                psql "$base/cfssl_bench" -q -v ON_ERROR_STOP=1 >/dev/null
        done
        printf '{"driver":"postgres","data_source":"%s/cfssl_bench?sslmode=disable"}' "$base" >db.json
        ;;
    esac
    db_args=(-db-config db.json)
}

# start BIN CA: starts a server, sets $pid and $port.
start() {
    port=$(free_port)
    fresh_db
    "$1" serve -address 127.0.0.1 -port "$port" -ca "$2.pem" -ca-key "$2-key.pem" "${db_args[@]}" \
        >/dev/null 2>"serve-$port.log" </dev/null &
    pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/cfssl/health" 2>/dev/null && return 0
        sleep 0.1
    done
    die "server $1 did not start (serve-$port.log: $(tail -n 3 "serve-$port.log"))"
}

stop() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# load LABEL SIDE: one wrk run on the current server; appends a sample line.
load() {
    printf '%s %s %s %s\n' "$1" "$2" "$(wrk_sample "$duration" sign.lua "http://127.0.0.1:$port/api/v1/cfssl/sign")" \
        "$(hwm_kib "$pid")" >>samples
}

: >samples
if [[ $db == none ]]; then cas="ecdsa-ca rsa-ca"; else cas="ecdsa-ca"; fi
for ca in $cas; do
    for ((r = 0; r < rounds; r++)); do
        if ((r % 2 == 0)); then order=(ours cfssl); else order=(cfssl ours); fi
        for side in "${order[@]}"; do
            if [[ $side == ours ]]; then bin=$ours; else bin=$ref; fi
            start "$bin" "$ca"
            load "$ca" "$side"
            stop
        done
        note "$ca round $((r + 1))/$rounds done"
    done
done

# Memory: one 64 MiB body (without a database).
: >memory
[[ $db != none ]] || for side in cfssl ours; do
    if [[ $side == ours ]]; then bin=$ours; else bin=$ref; fi
    start "$bin" ecdsa-ca
    before=$(hwm_kib "$pid")
    status=$(curl -s -o /dev/null -w '%{http_code}' --data-binary @big.json \
        "http://127.0.0.1:$port/api/v1/cfssl/sign" || true)
    after=$(hwm_kib "$pid")
    printf '%s %s %s %s\n' "$side" "$before" "$after" "$status" >>memory
    stop
done

report=$(
    awk -v rounds="$rounds" -v duration="$duration" -v cas="$cas" -v db="$db" '
    function median(list, n,    a, i, j, t) {
        n = split(list, a, " ")
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
        return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
    }
    FILENAME == "samples" {
        k = $1 SUBSEP $2
        rps[k] = rps[k] " " $3; p50[k] = p50[k] " " $4; p99[k] = p99[k] " " $5
        err[k] += $6; rss[k] = rss[k] " " $7
        next
    }
    FILENAME == "memory" { mem[$1] = $3 - $2; memst[$1] = $4; next }
    END {
        printf "Rounds: %d per CA, %d s of `wrk -t2 -c16` each; medians over the rounds", rounds, duration
        if (db != "none") printf "; both servers with -db-config on a fresh %s database per run", db == "sqlite" ? "SQLite" : "PostgreSQL"
        printf ".\n\n"
        print "| CA | server | certificates/s | p50 ms | p99 ms | errors | peak RSS MiB |"
        print "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
        ncas = split(cas, calist, " ")
        for (c = 1; c <= ncas; c++) {
            ca = calist[c]
            for (s = 1; s <= 2; s++) {
                side = s == 1 ? "cfssl" : "ours"
                k = ca SUBSEP side
                m[side, "rps"] = median(rps[k]); m[side, "p99"] = median(p99[k]); m[side, "rss"] = median(rss[k]) / 1024
                printf "| %s | %s | %.0f | %.2f | %.2f | %d | %.1f |\n", ca == "ecdsa-ca" ? "ECDSA P-256" : "RSA-2048", side == "ours" ? "ours" : "cfssl 1.6.5", m[side, "rps"], median(p50[k]), m[side, "p99"], err[k], m[side, "rss"]
            }
            printf "| %s | **ratio ours/cfssl** | **%.2f×** | | **%.2f** | | **%.2f** |\n", ca == "ecdsa-ca" ? "ECDSA P-256" : "RSA-2048", m["ours", "rps"] / m["cfssl", "rps"], m["ours", "p99"] / m["cfssl", "p99"], m["ours", "rss"] / m["cfssl", "rss"]
        }
        if (db != "none") exit
        print ""
        print "One POST /sign with a 64 MiB body:"
        print ""
        print "| server | HTTP status | peak RSS growth MiB |"
        print "| --- | ---: | ---: |"
        printf "| cfssl 1.6.5 | %s | %.1f |\n", memst["cfssl"], mem["cfssl"] / 1024
        printf "| ours | %s | %.1f |\n", memst["ours"], mem["ours"] / 1024
    }' samples memory
)
printf '%s\n' "$report"
if [[ -n $out ]]; then
    printf '%s\n' "$report" >"$out"
fi
