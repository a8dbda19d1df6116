#!/usr/bin/env bash
# Side-by-side benchmark of the bundler and multirootca: cfssl 1.6.5's
# against ours, same inputs, in one run.
#
#   1. `cfssl bundle -cert leaf.pem -ca-bundle roots.pem -int-bundle ints.pem
#      -metadata meta.json` (fixtures/bundle/ubiquity: two chains to choose
#      from, three platforms): --runs runs of each binary, alternating;
#      median wall time of a whole run;
#   2. `serve` with the same pools and metadata: POST /api/v1/cfssl/bundle
#      with {"certificate": leaf}, loaded by wrk (-t2 -c16, --duration
#      seconds) for --rounds rounds, the order flipped every round, each
#      server started afresh on a free 127.0.0.1 port;
#   3. `multirootca` with one root (the P-256 CA of fixtures/multirootca,
#      profile with an auth_key): POST /api/v1/cfssl/authsign with one
#      authenticated request (the same body every time), as in 2;
#   4. prints a markdown report: medians, p50 and p99, errors (non-2xx
#      answers and socket errors), peak RSS, ratios ours/cfssl.
#
# Options (each also settable through the environment variable shown):
#   --bin-dir DIR   folder holding our `cfssl` and `multirootca`
#                   (BENCH_BIN_DIR; default: build with build-release.sh)
#   --ref-dir DIR   folder holding cfssl 1.6.5's `cfssl` and `multirootca`
#                   (CFSSL_REF_BIN_DIR; required)
#   --runs N        runs of the bundle command per binary (BENCH_RUNS, 30)
#   --rounds N      load rounds per server (BENCH_ROUNDS, 3)
#   --duration S    seconds of load per round (BENCH_DURATION, 8)
#
# Needs wrk, curl, python3, awk. Servers listen on 127.0.0.1 only and are
# stopped at the end, also on errors.

set -euo pipefail
umask 022
script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$script_dir/.." && pwd -P)
# shellcheck source=bench-lib.sh
. "$script_dir/bench-lib.sh"

bin_dir=${BENCH_BIN_DIR:-}
ref_dir=${CFSSL_REF_BIN_DIR:-}
runs=${BENCH_RUNS:-30}
rounds=${BENCH_ROUNDS:-3}
duration=${BENCH_DURATION:-8}
die() { printf 'bench-bundle: %s\n' "$*" >&2; exit 1; }
note() { printf 'bench-bundle: %s\n' "$*" >&2; }
while (($#)); do
    case $1 in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --ref-dir) ref_dir=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    -h | --help) sed -n '2,30p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
    esac
done
[[ -n $ref_dir && -x $ref_dir/cfssl && -x $ref_dir/multirootca ]] ||
    die "set --ref-dir or CFSSL_REF_BIN_DIR to the folder of cfssl 1.6.5's cfssl and multirootca"
command -v wrk >/dev/null || die "wrk is needed (Debian package wrk)"
if [[ -z $bin_dir ]]; then
    bin_dir=$(bash "$script_dir/build-release.sh")
fi
ours_dir=$(cd -- "$bin_dir" && pwd -P)
ref_dir=$(cd -- "$ref_dir" && pwd -P)

work=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf -- "$work"
}
trap cleanup EXIT
cp "$repo"/fixtures/bundle/ubiquity/{leaf.pem,roots.pem,ints.pem,meta.json,ks-rsa.pem,ks-ec.pem,int-by-rsa.pem,int-key.pem} "$work/"
cp -r "$repo"/fixtures/multirootca "$work/mr"
cd "$work"

# 1. The bundle command.
python3 - "$ours_dir/cfssl" "$ref_dir/cfssl" "$runs" >bundle-times <<'PY'
import subprocess, sys, time
ours, ref, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
args = ["bundle", "-cert", "leaf.pem", "-ca-bundle", "roots.pem", "-int-bundle", "ints.pem", "-metadata", "meta.json"]
t = {"ours": [], "cfssl": []}
for i in range(runs):
    for side, b in (("ours", ours), ("cfssl", ref)) if i % 2 == 0 else (("cfssl", ref), ("ours", ours)):
        s = time.perf_counter()
        p = subprocess.run([b, *args], capture_output=True)
        t[side].append(time.perf_counter() - s)
        assert p.returncode == 0, p.stderr
for side in ("cfssl", "ours"):
    v = sorted(t[side])
    print(side, "%.2f" % (v[len(v) // 2] * 1000))
PY
note "bundle command timed"

python3 - <<'PY'
import base64, hashlib, hmac, json
leaf = open("leaf.pem").read()
open("bundle.lua", "w").write('wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n'
                              % json.dumps(json.dumps({"certificate": leaf})))
PY

: >samples
# start KIND BIN: a server on a free port; sets port and pid.
start() {
    port=$(free_port)
    case $1 in
    serve)
        "$2" serve -address 127.0.0.1 -port "$port" -ca int-by-rsa.pem -ca-key int-key.pem \
            -ca-bundle roots.pem -int-bundle ints.pem -metadata meta.json >/dev/null 2>"log-$port" </dev/null &
        ;;
    multirootca)
        (cd mr && exec "$2" -a "127.0.0.1:$port" -roots bench-roots.conf -l primary >/dev/null 2>"../log-$port" </dev/null) &
        ;;
    esac
    pid=$!
    pids+=("$pid")
    for _ in $(seq 100); do
        curl -s -o /dev/null -X POST -d '{}' "http://127.0.0.1:$port/api/v1/cfssl/info" 2>/dev/null && return 0
        sleep 0.1
    done
    die "$1 ($2) did not start: $(tail -n 3 "log-$port")"
}
stop() { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }

# The multirootca root (no nets, no database) and its authenticated
# request, signed with the profile's auth_key.
(
    cd mr
    printf '[ primary ]\nprivate = file://primary-ca-key.pem\ncertificate = primary-ca.pem\nconfig = config-primary.json\n' \
        >bench-roots.conf
    python3 - <<'PY'
import base64, hashlib, hmac, json
cfg = json.load(open("config-primary.json"))
profile, p = next((n, p) for n, p in cfg["signing"]["profiles"].items() if p.get("auth_key"))
key = bytes.fromhex(cfg["auth_keys"][p["auth_key"]]["key"])
req = json.dumps({"certificate_request": open("leaf.csr").read(), "profile": profile, "label": "primary"}).encode()
tok = base64.b64encode(hmac.new(key, req, hashlib.sha256).digest()).decode()
body = json.dumps({"token": tok, "request": base64.b64encode(req).decode()})
open("../authsign.lua", "w").write('wrk.method = "POST"\nwrk.body = %s\nwrk.headers["Content-Type"] = "application/json"\n' % json.dumps(body))
PY
)

for kind in serve multirootca; do
    if [[ $kind == serve ]]; then path=/api/v1/cfssl/bundle lua=bundle.lua; else path=/api/v1/cfssl/authsign lua=authsign.lua; fi
    for ((r = 0; r < rounds; r++)); do
        if ((r % 2 == 0)); then order=(ours cfssl); else order=(cfssl ours); fi
        for side in "${order[@]}"; do
            if [[ $side == ours ]]; then d=$ours_dir; else d=$ref_dir; fi
            if [[ $kind == serve ]]; then b=$d/cfssl; else b=$d/multirootca; fi
            start "$kind" "$b"
            printf '%s %s %s %s\n' "$kind" "$side" "$(wrk_sample "$duration" "$lua" "http://127.0.0.1:$port$path")" \
                "$(hwm_kib "$pid")" >>samples
            stop
        done
        note "$kind round $((r + 1))/$rounds done"
    done
done

awk -v runs="$runs" -v rounds="$rounds" -v duration="$duration" '
function median(list, n,    a, i, j, t) {
    n = split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
FILENAME == "bundle-times" { ms[$1] = $2; next }
{ k = $1 SUBSEP $2; rps[k] = rps[k] " " $3; p50[k] = p50[k] " " $4; p99[k] = p99[k] " " $5; err[k] += $6; rss[k] = rss[k] " " $7 }
END {
    printf "`cfssl bundle` (two chains, three platforms), median of %d runs each: cfssl 1.6.5 %.2f ms, ours %.2f ms, **%.2f× faster**.\n\n", runs, ms["cfssl"], ms["ours"], ms["cfssl"] / ms["ours"]
    printf "Load: %d rounds of %d s of `wrk -t2 -c16` per server; medians over the rounds.\n\n", rounds, duration
    print "| endpoint | server | requests/s | p50 ms | p99 ms | errors | peak RSS MiB |"
    print "| --- | --- | ---: | ---: | ---: | ---: | ---: |"
    split("serve multirootca", kinds, " ")
    for (i = 1; i <= 2; i++) {
        kind = kinds[i]; name = kind == "serve" ? "serve `/bundle`" : "multirootca `/authsign`"
        for (s = 1; s <= 2; s++) {
            side = s == 1 ? "cfssl" : "ours"; k = kind SUBSEP side
            m[side, "rps"] = median(rps[k]); m[side, "p99"] = median(p99[k]); m[side, "rss"] = median(rss[k]) / 1024
            printf "| %s | %s | %.0f | %.2f | %.2f | %d | %.1f |\n", name, side == "ours" ? "ours" : "cfssl 1.6.5", m[side, "rps"], median(p50[k]), m[side, "p99"], err[k], m[side, "rss"]
        }
        printf "| %s | **ratio ours/cfssl** | **%.2f×** | | **%.2f** | | **%.2f** |\n", name, m["ours", "rps"] / m["cfssl", "rps"], m["ours", "p99"] / m["cfssl", "p99"], m["ours", "rss"] / m["cfssl", "rss"]
    }
}' bundle-times samples
