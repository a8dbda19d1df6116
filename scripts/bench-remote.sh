#!/usr/bin/env bash
# Side-by-side timing of the remote client: our `cfssl sign|gencert|info
# -remote` against cfssl 1.6.5's, both talking to one of our `cfssl serve`
# (the fixtures' P-256 CA and config, fixtures/server/setups/plain.args) on a
# free loopback port. Each command runs --runs times per side, alternating
# (order flipped every run), after two unrecorded warm-up pairs; wall time of
# the whole process (start, request, answer, exit) from Python's
# perf_counter. Prints medians and the ratio ours/cfssl.
#
# Options (or the environment variable shown):
#   --bin-dir DIR   folder holding our `cfssl` (BENCH_BIN_DIR; default: the
#                   shipped build from scripts/build-release.sh)
#   --ref-dir DIR   folder holding cfssl 1.6.5's `cfssl` (CFSSL_REF_BIN_DIR; required)
#   --runs N        recorded runs per side and command (BENCH_ROUNDS, default 30)

set -euo pipefail
script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$script_dir/.." && pwd -P)
bin_dir=${BENCH_BIN_DIR:-}
ref_dir=${CFSSL_REF_BIN_DIR:-}
runs=${BENCH_ROUNDS:-30}
die() { printf 'bench-remote: %s\n' "$*" >&2; exit 1; }
while (($#)); do
    case $1 in
    --bin-dir) bin_dir=$2; shift 2 ;;
    --ref-dir) ref_dir=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown option $1" ;;
    esac
done
[[ -n $ref_dir && -x $ref_dir/cfssl ]] || die "set --ref-dir or CFSSL_REF_BIN_DIR to the folder of cfssl 1.6.5's cfssl"
if [[ -z $bin_dir ]]; then
    bin_dir=$(bash "$script_dir/build-release.sh")
fi
bin_dir=$(cd -- "$bin_dir" && pwd -P)
ours=$bin_dir/cfssl
[[ -x $ours ]] || die "$ours is not executable"
work=$(mktemp -d)
server=
cleanup() {
    [[ -n $server ]] && kill "$server" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT
cp -r "$repo/fixtures/server/." "$work/"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cd "$work"
mapfile -t args < setups/plain.args
"$ours" serve -address 127.0.0.1 -port "$port" "${args[@]}" >/dev/null 2>serve.log </dev/null &
server=$!
for _ in $(seq 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/api/v1/cfssl/health" 2>/dev/null && break
    sleep 0.05
done
ref_dir=$(cd -- "$ref_dir" && pwd -P)
OURS=$ours REF=$ref_dir/cfssl PORT=$port RUNS=$runs python3 - <<'PY'
import os, statistics, subprocess, time
ours, ref, port, runs = os.environ["OURS"], os.environ["REF"], os.environ["PORT"], int(os.environ["RUNS"])
url = f"http://127.0.0.1:{port}"
cmds = {
    "sign -remote URL leaf-p256.csr": ["sign", "-remote", url, "leaf-p256.csr"],
    "gencert -remote URL csr-leaf-p256.json": ["gencert", "-remote", url, "csr-leaf-p256.json"],
    "info -remote URL": ["info", "-remote", url],
}
print(f"{runs} recorded runs per side, alternating, after 2 warm-up pairs; server: ours, {url}\n")
print("| command | ours median (ms) | cfssl 1.6.5 median (ms) | ours/cfssl |")
print("| --- | ---: | ---: | ---: |")
for name, args in cmds.items():
    times = {"ours": [], "ref": []}
    for i in range(runs + 2):
        order = [("ours", ours), ("ref", ref)] if i % 2 == 0 else [("ref", ref), ("ours", ours)]
        for who, binary in order:
            t = time.perf_counter()
            p = subprocess.run([binary] + args, capture_output=True)
            dt = (time.perf_counter() - t) * 1000
            if p.returncode != 0:
                raise SystemExit(f"{who} {' '.join(args)} failed: {p.stderr.decode()}")
            if i >= 2:
                times[who].append(dt)
    o, r = statistics.median(times["ours"]), statistics.median(times["ref"])
    print(f"| `{name}` | {o:.2f} | {r:.2f} | {o / r:.2f} |")
PY
