#!/usr/bin/env bash
# Side-by-side benchmarks of revocation: cfssl 1.6.5 against ours, same
# inputs, in one run.
#
#   1. builds our binaries as shipped (scripts/build-release.sh), unless
#      --bin-dir names a folder holding our `cfssl`;
#   2. makes the inputs with the reference cfssl in a scratch folder: a
#      P-256 CA, a delegated P-256 OCSP responder, --certs certificates
#      signed into an SQLite database (cfssl's migrations), a quarter of them
#      revoked, the responses of cfssl's `ocsprefresh`, and its `ocspdump`
#      as the responses file; one OCSP request per certificate (`openssl
#      ocsp -reqout`, SHA-1 CertID, no nonce);
#   3. `ocspserve -responses FILE`: for GET and for POST, --rounds rounds;
#      each round starts each responder afresh on its own free 127.0.0.1
#      port (order flipped every round), warms it up for 1 s, then loads it
#      with wrk (-t2 -c16 for --duration seconds, --latency), the requests
#      taken in turn from the whole set, and reads its peak RSS (VmHWM);
#   4. `crl -db-config` on a database of --crl-rows revoked certificates
#      (rows written by python3's sqlite3 as cfssl stores them, each with
#      a real certificate PEM), --rounds runs each, wall time and peak RSS
#      (GNU time's "Maximum resident set size");
#   5. prints a markdown report: medians over the rounds, and the ratios
#      ours/cfssl.
#
# Options (each also settable through the environment variable shown):
#   --bin-dir DIR   folder holding our `cfssl` (BENCH_BIN_DIR); skips the build
#   --ref-dir DIR   folder holding cfssl 1.6.5's `cfssl` and `cfssljson`
#                   (CFSSL_REF_BIN_DIR; required)
#   --rounds N      rounds (BENCH_ROUNDS, default 5)
#   --duration S    seconds of load per run (BENCH_DURATION, default 8)
#   --certs N       certificates answered for (BENCH_CERTS, default 200)
#   --crl-rows N    revoked rows for the CRL case (BENCH_CRL_ROWS, default 100000)
#   --out FILE      also write the report to FILE (BENCH_OUT)
#
# Needs wrk and GNU time (Debian's `wrk` and `time`, installed when missing
# and we are root), openssl, curl, python3 and awk. Servers listen on
# 127.0.0.1 only and are all stopped at the end, also on errors.

set -euo pipefail
umask 022

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$script_dir/.." && pwd -P)
# shellcheck source=bench-lib.sh
. "$script_dir/bench-lib.sh"

bin_dir=${BENCH_BIN_DIR:-}
ref_dir=${CFSSL_REF_BIN_DIR:-}
rounds=${BENCH_ROUNDS:-5}
duration=${BENCH_DURATION:-8}
certs=${BENCH_CERTS:-200}
crl_rows=${BENCH_CRL_ROWS:-100000}
out=${BENCH_OUT:-}

die() {
    printf 'bench-ocsp: %s\n' "$*" >&2
    exit 1
}
note() { printf 'bench-ocsp: %s\n' "$*" >&2; }

while (($#)); do
    case $1 in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --ref-dir) ref_dir=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --certs) certs=$2; shift 2 ;;
    --crl-rows) crl_rows=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h | --help) sed -n '2,40p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
    esac
done

[[ -n $ref_dir && -x $ref_dir/cfssl && -x $ref_dir/cfssljson ]] ||
    die "set --ref-dir or CFSSL_REF_BIN_DIR to the folder holding cfssl 1.6.5's cfssl and cfssljson"
for n in "$rounds" "$duration" "$certs" "$crl_rows"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || die "--rounds, --duration, --certs and --crl-rows take positive integers"
done

need_pkg() { # command package
    command -v "$1" >/dev/null 2>&1 && return 0
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
        note "installing $2"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "$2" >/dev/null
    else
        die "$1 is needed (Debian package $2)"
    fi
}
need_pkg wrk wrk
[[ -x /usr/bin/time ]] || need_pkg /usr/bin/time time
for tool in curl python3 awk openssl; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool is needed"
done

if [[ -z $bin_dir ]]; then
    note "building the shipped binaries (scripts/build-release.sh)"
    bin_dir=$(bash "$repo/scripts/build-release.sh")
fi
[[ -x $bin_dir/cfssl ]] || die "no cfssl in $bin_dir"
ours=$(cd -- "$bin_dir" && pwd -P)/cfssl
ref=$(cd -- "$ref_dir" && pwd -P)/cfssl
jq=$ref_dir/cfssljson

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf -- "$work"
}
trap cleanup EXIT
cd -- "$work"

note "making $certs certificates, their responses and requests with cfssl 1.6.5"
"$ref" gencert -initca <(printf '%s' '{"CN":"Bench OCSP CA","key":{"algo":"ecdsa","size":256}}') 2>/dev/null |
    "$jq" -bare ca
printf '%s' '{"signing":{"default":{"expiry":"87600h","usages":["signing","key encipherment","server auth"]},"profiles":{"ocsp":{"expiry":"87600h","usages":["digital signature","ocsp signing"]}}}}' >config.json
"$ref" gencert -ca ca.pem -ca-key ca-key.pem -config config.json -profile ocsp \
    <(printf '%s' '{"CN":"Bench OCSP responder","key":{"algo":"ecdsa","size":256}}') 2>/dev/null |
    "$jq" -bare responder
"$ref" genkey <(printf '%s' '{"CN":"leaf.bench.example","hosts":["leaf.bench.example"],"key":{"algo":"ecdsa","size":256}}') 2>/dev/null |
    "$jq" -bare leaf
MIGRATIONS=$repo/crates/certdb/migrations/sqlite DB=certs.db python3 - <<'EOF'
import os, sqlite3
c = sqlite3.connect(os.environ["DB"])
for f in ("001_CreateCertificates.sql", "002_AddMetadataToCertificates.sql"):
    c.executescript(open(os.path.join(os.environ["MIGRATIONS"], f)).read().split("-- +goose Down")[0])
c.commit()
EOF
printf '{"driver":"sqlite3","data_source":"%s/certs.db"}' "$work" >db.json
mkdir -p certs reqs
for ((i = 0; i < certs; i++)); do
    "$ref" sign -db-config db.json -ca ca.pem -ca-key ca-key.pem -config config.json leaf.csr 2>/dev/null |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["cert"], end="")' >"certs/$i.pem"
    openssl ocsp -issuer ca.pem -cert "certs/$i.pem" -no_nonce -reqout "reqs/$i.der" >/dev/null
done
aki=$(openssl x509 -in ca.pem -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :' | tr 'A-F' 'a-f')
python3 - "$aki" <<'EOF'
import sqlite3, sys
c = sqlite3.connect("certs.db")
rows = [r[0] for r in c.execute("select serial_number from certificates")]
for s in rows[::4]:
    c.execute("update certificates set status='revoked', reason=1, revoked_at='2026-01-01 00:00:00+00:00' where serial_number=?", (s,))
c.commit()
EOF
"$ref" ocsprefresh -db-config db.json -ca ca.pem -responder responder.pem -responder-key responder-key.pem \
    -interval 87600h 2>/dev/null
"$ref" ocspdump -db-config db.json >responses.txt
[[ $(wc -l <responses.txt) -eq $certs ]] || die "ocspdump printed $(wc -l <responses.txt) responses, not $certs"
CERTS=$certs python3 - <<'EOF'
import base64, os, urllib.parse
n = int(os.environ["CERTS"])
reqs = [open(f"reqs/{i}.der", "rb").read() for i in range(n)]
def lua_str(b):
    return '"' + "".join("\\%d" % x for x in b) + '"'
with open("post.lua", "w") as f:
    f.write("local bodies = {%s}\n" % ",".join(lua_str(r) for r in reqs))
    f.write('local i = 0\nrequest = function()\n  i = i % #bodies + 1\n'
            '  return wrk.format("POST", "/", {["Content-Type"] = "application/ocsp-request"}, bodies[i])\nend\n')
with open("get.lua", "w") as f:
    paths = ["/" + urllib.parse.quote(base64.b64encode(r).decode(), safe="") for r in reqs]
    f.write("local paths = {%s}\n" % ",".join('"%s"' % p for p in paths))
    f.write('local i = 0\nrequest = function()\n  i = i % #paths + 1\n  return wrk.format("GET", paths[i])\nend\n')
EOF

# start BIN: starts a responder on the responses file; sets $pid, $port.
start() {
    port=$(free_port)
    "$1" ocspserve -address 127.0.0.1 -port "$port" -responses responses.txt \
        >/dev/null 2>"ocspserve-$port.log" </dev/null &
    pid=$!
    pids+=("$pid")
    local probe=/$(python3 -c 'import base64,sys,urllib.parse; print(urllib.parse.quote(base64.b64encode(open("reqs/0.der","rb").read()).decode(), safe=""))')
    for _ in $(seq 100); do
        curl -fsS -o /dev/null "http://127.0.0.1:$port$probe" 2>/dev/null && return 0
        sleep 0.1
    done
    die "responder $1 did not start (ocspserve-$port.log: $(tail -n 3 "ocspserve-$port.log"))"
}

stop() {
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# load METHOD SIDE: one wrk run on the current responder; appends a sample.
load() {
    local script=post.lua
    [[ $1 == GET ]] && script=get.lua
    printf '%s %s %s %s\n' "$1" "$2" "$(wrk_sample "$duration" "$script" "http://127.0.0.1:$port/")" \
        "$(hwm_kib "$pid")" >>samples
}

: >samples
for method in GET POST; do
    for ((r = 0; r < rounds; r++)); do
        if ((r % 2 == 0)); then order=(ours cfssl); else order=(cfssl ours); fi
        for side in "${order[@]}"; do
            if [[ $side == ours ]]; then bin=$ours; else bin=$ref; fi
            start "$bin"
            load "$method" "$side"
            stop
        done
        note "ocspserve $method round $((r + 1))/$rounds done"
    done
done

note "writing $crl_rows revoked rows for the CRL case"
cp certs.db crl.db
CRL_ROWS=$crl_rows python3 - "$aki" <<'EOF'
import os, random, sqlite3, sys
aki = sys.argv[1]
pem = open("certs/0.pem").read()
c = sqlite3.connect("crl.db")
c.execute("delete from certificates")
c.execute("delete from ocsp_responses")
rnd = random.Random(20261203)
rows = ((str(rnd.getrandbits(159)), aki, "", "revoked", 1, "2036-01-01 00:00:00+00:00",
         "2026-06-01 12:00:00+00:00", pem, "2026-01-01 00:00:00+00:00", "2026-01-01 00:00:00+00:00",
         b"null", b"null", "leaf.bench.example") for _ in range(int(os.environ["CRL_ROWS"])))
c.executemany("insert into certificates values (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
c.commit()
EOF
printf '{"driver":"sqlite3","data_source":"%s/crl.db"}' "$work" >crl-db.json
: >crl-samples
for ((r = 0; r < rounds; r++)); do
    if ((r % 2 == 0)); then order=(ours cfssl); else order=(cfssl ours); fi
    for side in "${order[@]}"; do
        if [[ $side == ours ]]; then bin=$ours; else bin=$ref; fi
        /usr/bin/time -f '%e %M' -o crl-time "$bin" crl -db-config crl-db.json -ca ca.pem -ca-key ca-key.pem \
            >"crl-$side.b64" 2>/dev/null
        read -r secs kib <crl-time
        n=$(base64 -d "crl-$side.b64" | openssl crl -inform DER -noout -text | grep -c 'Serial Number:')
        printf '%s %s %s %s\n' "$side" "$secs" "$kib" "$n" >>crl-samples
    done
    note "crl round $((r + 1))/$rounds done"
done

report=$(
    awk -v rounds="$rounds" -v duration="$duration" -v certs="$certs" -v rows="$crl_rows" '
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
    FILENAME == "crl-samples" { t[$1] = t[$1] " " $2; m[$1] = m[$1] " " $3; n[$1] = $4; next }
    END {
        printf "`ocspserve -responses` with %d responses (cfssl 1.6.5'"'"'s `ocspdump`), %d rounds of %d s of `wrk -t2 -c16` per method, requests in turn over all %d certificates; medians over the rounds.\n\n", certs, rounds, duration, certs
        print "| method | server | responses/s | p50 ms | p99 ms | errors | peak RSS MiB |"
        print "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
        split("GET POST", methods, " ")
        for (x = 1; x <= 2; x++) {
            meth = methods[x]
            for (s = 1; s <= 2; s++) {
                side = s == 1 ? "cfssl" : "ours"
                k = meth SUBSEP side
                v[side, "rps"] = median(rps[k]); v[side, "p99"] = median(p99[k]); v[side, "rss"] = median(rss[k]) / 1024
                printf "| %s | %s | %.0f | %.2f | %.2f | %d | %.1f |\n", meth, side == "ours" ? "ours" : "cfssl 1.6.5", v[side, "rps"], median(p50[k]), v[side, "p99"], err[k], v[side, "rss"]
            }
            printf "| %s | **ratio ours/cfssl** | **%.2f×** | | **%.2f** | | **%.2f** |\n", meth, v["ours", "rps"] / v["cfssl", "rps"], v["ours", "p99"] / v["cfssl", "p99"], v["ours", "rss"] / v["cfssl", "rss"]
        }
        printf "\n`crl -db-config` over %d revoked rows (SQLite), %d runs each; medians.\n\n", rows, rounds
        print "| server | seconds | peak RSS MiB | entries |"
        print "| --- | ---: | ---: | ---: |"
        printf "| cfssl 1.6.5 | %.2f | %.1f | %d |\n", median(t["cfssl"]), median(m["cfssl"]) / 1024, n["cfssl"]
        printf "| ours | %.2f | %.1f | %d |\n", median(t["ours"]), median(m["ours"]) / 1024, n["ours"]
        printf "| **ratio ours/cfssl** | **%.2f** | **%.2f** | |\n", median(t["ours"]) / median(t["cfssl"]), median(m["ours"]) / median(m["cfssl"])
    }' samples crl-samples
)
printf '%s\n' "$report"
if [[ -n $out ]]; then
    printf '%s\n' "$report" >"$out"
fi
