#!/usr/bin/env bash
# Whole-process comparison of this project's `cfssl`/`cfssljson` with the
# system's cfssl (Debian `golang-cfssl`), run side by side in one run.
#
#   1. builds our binaries as they are shipped (scripts/build-release.sh: a
#      static release build on Linux with glibc), unless --bin-dir names a
#      folder that already holds both (e.g. target/release, the default
#      `cargo build --release`);
#   2. waits (bounded) until the machine is quiet: the 1-minute load average
#      below --max-load, polling every 15 s for at most --wait seconds; if it
#      never drops, measures anyway and says so in the report;
#   3. runs each case, alternating ours and cfssl run by run (the order within
#      a pair flips every run), with two unrecorded warm-up pairs first:
#        (a) cfssl gencert -initca, RSA-2048 request
#        (b) cfssl gencert -initca, ECDSA P-256 request
#        (c) the etcd lab's whole certificate script (fixtures/lab/certs.sh:
#            two CAs and three leaves, five RSA-2048 keys, with cfssljson),
#            each run in a fresh folder with the binaries under test first
#            on PATH
#        (d) cfssl sign of a prepared RSA-2048 CSR with an RSA-2048 CA (the
#            lab's etcd-peer profile and -hostname=127.0.0.1)
#        (e) peak resident memory of (a) and (b) (and, for information, of
#            (d)), from GNU time's %M, in separate alternating runs so that
#            the timings of (a), (b) and (d) carry no wrapper;
#   4. prints a markdown report: medians, p90, ratio ours/cfssl of the
#      medians, the target of each case and whether it is met.
#
# Wall time is taken with bash's $EPOCHREALTIME around each command (no
# extra process), so both sides carry the same fork/exec cost of the shell.
# The inputs are the lab's own files, written by one run of
# fixtures/lab/certs.sh with the reference cfssl; the CA, CA key and CSR of
# (d) come from it, so both sides sign the very same CSR.
#
# Options (each also settable through the environment variable shown):
#   --bin-dir DIR    folder holding our `cfssl` and `cfssljson` (BENCH_BIN_DIR);
#                    skips the build
#   --ref-dir DIR    folder holding the reference binaries (BENCH_REF_DIR,
#                    default /usr/bin; golang-cfssl is installed when missing)
#   --runs N         recorded runs of each side per case (BENCH_RUNS, default
#                    50, at least 30)
#   --max-load X     load average to wait for (BENCH_MAX_LOAD, default 1.0)
#   --wait S         longest wait for it, seconds (BENCH_WAIT, default 900;
#                    0 measures at once)
#   --out FILE       also write the report to FILE (BENCH_OUT)
#   --keep           keep the working folder with the raw samples (its path
#                    is printed)
#   --criterion      afterwards, also run the criterion benchmarks with the
#                    short settings of docs/performance.md
#   --cases LIST     which of a, b, c, d to run (BENCH_CASES, default "abcd");
#                    the memory runs follow the timed cases chosen
#
# Needs bash 5 (for $EPOCHREALTIME), awk, sort and GNU time (/usr/bin/time;
# Debian's `time` package is installed when missing and we are root).
# Works from any current directory.

set -euo pipefail
umask 022

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$script_dir/.." && pwd -P)

bin_dir=${BENCH_BIN_DIR:-}
ref_dir=${BENCH_REF_DIR:-/usr/bin}
runs=${BENCH_RUNS:-50}
max_load=${BENCH_MAX_LOAD:-1.0}
wait_s=${BENCH_WAIT:-900}
out=${BENCH_OUT:-}
keep=0
criterion=0
cases=${BENCH_CASES:-abcd}

die() {
    printf 'bench: %s\n' "$*" >&2
    exit 1
}
note() { printf 'bench: %s\n' "$*" >&2; }

while [[ $# -gt 0 ]]; do
    case $1 in
    --bin-dir) bin_dir=${2:?}; shift 2 ;;
    --ref-dir) ref_dir=${2:?}; shift 2 ;;
    --runs) runs=${2:?}; shift 2 ;;
    --max-load) max_load=${2:?}; shift 2 ;;
    --wait) wait_s=${2:?}; shift 2 ;;
    --out) out=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    --criterion) criterion=1; shift ;;
    --cases) cases=${2:?}; shift 2 ;;
    -h | --help)
        sed -n '2,/^$/{s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"
        exit 0
        ;;
    *) die "unknown argument: $1 (see --help)" ;;
    esac
done

[[ $runs =~ ^[0-9]+$ && $runs -ge 30 ]] || die "--runs must be a whole number, at least 30"
[[ $cases =~ ^[abcd]+$ ]] || die "--cases takes letters among a, b, c, d (e.g. --cases ab)"
# chosen CASE...: the cases of the arguments that --cases chose, in order
chosen() {
    local c
    for c in "$@"; do
        if [[ $cases == *"$c"* ]]; then echo "$c"; fi
    done
}
[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash 5 or later (\$EPOCHREALTIME)"

as_root() {
    if [[ $(id -u) -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        return 1
    fi
}

apt_install() {
    note "installing Debian package(s): $*"
    if ! as_root apt-get update -qq >&2 ||
        ! as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2; then
        die "could not install $* (install it by hand)"
    fi
}

# --- tools -----------------------------------------------------------------

if [[ ! -x /usr/bin/time ]]; then
    apt_install time
fi
gnu_time=/usr/bin/time
"$gnu_time" -f %M true 2>/dev/null >/dev/null || die "/usr/bin/time is not GNU time"

if [[ ! -x $ref_dir/cfssl || ! -x $ref_dir/cfssljson ]]; then
    [[ $ref_dir == /usr/bin ]] || die "no cfssl/cfssljson in $ref_dir"
    apt_install golang-cfssl
fi

if [[ -z $bin_dir ]]; then
    note "building: scripts/build-release.sh"
    bin_dir=$(bash "$repo/scripts/build-release.sh") || die "the release build failed"
fi
bin_dir=$(cd -- "$bin_dir" && pwd -P)
[[ -x $bin_dir/cfssl && -x $bin_dir/cfssljson ]] || die "no cfssl/cfssljson in $bin_dir"

work=$(mktemp -d -t cfssl-bench.XXXXXX)
cleanup() {
    if [[ $keep -eq 1 ]]; then
        note "kept $work"
    else
        rm -rf -- "$work"
    fi
}
trap cleanup EXIT

# Each side gets a folder holding fresh copies of its two binaries, put
# first on PATH for the lab script, and called by absolute path elsewhere.
# Copies, not links: how a file's pages came into the page cache (written by
# a linker, copied by `install`, read back from disk) changes how many page
# faults each start takes, by up to 15% of a short run for either side. A
# copy gives both sides the state of a freshly installed binary.
mkdir -p "$work/ours" "$work/cfssl" "$work/in" "$work/samples"
for tool in cfssl cfssljson; do
    install -m 0755 "$bin_dir/$tool" "$work/ours/$tool"
    install -m 0755 "$ref_dir/$tool" "$work/cfssl/$tool"
done

# --- inputs ------------------------------------------------------------------

# The inputs are the lab's own files: its certificate script
# (fixtures/lab/certs.sh) writes them, run once here with the reference cfssl.
# (a) takes the lab's CA request, (b) its ECDSA twin, (d) the lab's peer CA,
# its signing config and a CSR of the lab's peer request.
cp -- "$repo/fixtures/lab/certs.sh" "$work/in/certs.sh"
mkdir -p "$work/in/lab"
(cd -- "$work/in/lab" && PATH="$work/cfssl:$PATH" bash "$work/in/certs.sh" >/dev/null 2>&1) ||
    die "could not run fixtures/lab/certs.sh with $ref_dir/cfssl to prepare the inputs"
lab=$work/in/lab
cp -- "$lab/etcd-ca-peer-csr.json" "$work/in/ca-rsa.json"
sed -e 's/"algo": "rsa"/"algo": "ecdsa"/' -e 's/"size": 2048/"size": 256/' \
    "$lab/etcd-ca-peer-csr.json" >"$work/in/ca-ecdsa.json"
grep -q '"algo": "ecdsa"' "$work/in/ca-ecdsa.json" && grep -q '"size": 256' "$work/in/ca-ecdsa.json" ||
    die "could not derive the ECDSA request from the lab's etcd-ca-peer-csr.json"
cp -- "$lab/etcd-ca-peer-config.json" "$work/in/config.json"
cp -- "$lab/etcd-ca-peer.pem" "$work/in/ca.pem"
cp -- "$lab/etcd-ca-peer-key.pem" "$work/in/ca-key.pem"
(
    cd -- "$work/in"
    "$ref_dir/cfssl" genkey "$lab/etcd-peer-csr.json" 2>/dev/null | "$ref_dir/cfssljson" -bare leaf
) || die "could not prepare the CSR of (d) with $ref_dir/cfssl"
[[ -s $work/in/ca.pem && -s $work/in/ca-key.pem && -s $work/in/leaf.csr ]] ||
    die "the inputs of (d) are missing"

# --- the cases ---------------------------------------------------------------
# Each case is a function `case_X SIDE`: it runs one command of SIDE
# (ours|cfssl) in the current directory, a fresh empty folder, and writes its
# output to files there, as a user's would. No subshell: the only process
# started besides the command itself is the fork of this shell that execs it.

wrap=() # what cases a, b and d run their cfssl under (GNU time, for memory)
case_a() { "${wrap[@]}" "$work/$1/cfssl" gencert -initca "$work/in/ca-rsa.json" >out.json 2>log; }
case_b() { "${wrap[@]}" "$work/$1/cfssl" gencert -initca "$work/in/ca-ecdsa.json" >out.json 2>log; }
case_c() { PATH="$work/$1:$PATH" bash "$work/in/certs.sh" >log 2>&1; }
case_d() {
    "${wrap[@]}" "$work/$1/cfssl" sign -ca "$work/in/ca.pem" -ca-key "$work/in/ca-key.pem" \
        -config "$work/in/config.json" -profile etcd-peer -hostname 127.0.0.1 \
        "$work/in/leaf.csr" >out.json 2>log
}
# The harness's own cost: the same fork, exec and redirections, of a program
# that does nothing. Reported, not subtracted.
case_z() { /bin/true >out.json 2>log; }

# What a run must have written, so a failing binary cannot look fast.
check_a() { grep -q '"cert":"-----BEGIN CERTIFICATE' "$1/out.json"; }
check_b() { check_a "$1"; }
check_c() { [[ $(find "$1" -name '*.pem' | wc -l) -eq 10 && $(find "$1" -name '*.csr' | wc -l) -eq 5 ]]; }
check_d() { check_a "$1"; }
check_z() { true; }

# One timed run in a fresh folder: appends the wall time in milliseconds to
# samples/X.SIDE (unless record=0).
timed() {
    local c=$1 side=$2 dir t0 t1 rc=0
    dir=$(mktemp -d "$work/run.XXXXXX")
    cd -- "$dir"
    t0=$EPOCHREALTIME
    "case_$c" "$side" || rc=$?
    t1=$EPOCHREALTIME
    cd -- "$work"
    [[ $rc -eq 0 ]] || die "($c) failed for $side (exit $rc); see $dir/log"
    "check_$c" "$dir" || die "($c) wrote no valid output for $side; see $dir"
    if [[ ${record:-1} -eq 1 ]]; then
        awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f\n", (b - a) * 1000 }' \
            >>"$work/samples/$c.$side"
    fi
    rm -rf -- "$dir"
}

# One memory run: appends the peak RSS in KiB to samples/X.SIDE.rss. GNU
# time is the cfssl process's direct parent.
rss() {
    local c=$1 side=$2 dir rc=0
    dir=$(mktemp -d "$work/run.XXXXXX")
    cd -- "$dir"
    wrap=("$gnu_time" -f %M -o "$dir/rss")
    "case_$c" "$side" || rc=$?
    wrap=()
    cd -- "$work"
    [[ $rc -eq 0 ]] || die "($c) failed for $side under time (exit $rc); see $dir/log"
    "check_$c" "$dir" || die "($c) wrote no valid output for $side; see $dir"
    if [[ ${record:-1} -eq 1 ]]; then
        tail -n 1 "$dir/rss" >>"$work/samples/$c.$side.rss"
    fi
    rm -rf -- "$dir"
}

# Alternates ours and cfssl: pair i runs ours first when i is even, cfssl
# first when it is odd. Two warm-up pairs are not recorded.
alternate() {
    local fn=$1 c=$2 i
    record=0 "$fn" "$c" ours
    record=0 "$fn" "$c" cfssl
    record=0 "$fn" "$c" cfssl
    record=0 "$fn" "$c" ours
    for ((i = 0; i < runs; i++)); do
        if ((i % 2 == 0)); then
            "$fn" "$c" ours
            "$fn" "$c" cfssl
        else
            "$fn" "$c" cfssl
            "$fn" "$c" ours
        fi
    done
}

# --- machine and load --------------------------------------------------------

load1() { cut -d ' ' -f 1 /proc/loadavg; }
below() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a < b) }'; }

load_note="quiet"
if ! below "$(load1)" "$max_load"; then
    note "1-minute load $(load1) >= $max_load; waiting up to ${wait_s}s for it to drop"
    waited=0
    while ! below "$(load1)" "$max_load" && ((waited < wait_s)); do
        sleep 15
        waited=$((waited + 15))
    done
    if below "$(load1)" "$max_load"; then
        load_note="quiet after waiting ${waited}s"
    else
        load_note="NOT quiet: load stayed at or above $max_load for ${wait_s}s; measured anyway"
        note "$load_note"
    fi
fi
load_before=$(cut -d ' ' -f 1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M UTC')

# --- measure -----------------------------------------------------------------

for c in z $(chosen a b c d); do
    note "timing ($c): $runs runs each"
    alternate timed "$c"
done
for c in $(chosen a b d); do
    note "peak RSS ($c): $runs runs each"
    alternate rss "$c"
done

load_after=$(cut -d ' ' -f 1-3 /proc/loadavg)

# --- report ------------------------------------------------------------------

# median and p90 (nearest rank) of a file of numbers
median() { sort -g "$1" | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
p90() { sort -g "$1" | awk '{ v[NR] = $1 } END { i = int(NR * 0.9); if (i < NR * 0.9) i++; print v[i] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
fmt_ms() { awk -v a="$1" 'BEGIN { if (a >= 100) printf "%.0f", a; else printf "%.1f", a }'; }
fmt_mib() { awk -v a="$1" 'BEGIN { printf "%.1f", a / 1024 }'; }

declare -A label=(
    [a]="(a) \`gencert -initca\`, RSA-2048"
    [b]="(b) \`gencert -initca\`, ECDSA P-256"
    [c]="(c) lab certificate script (5 RSA-2048 keys)"
    [d]="(d) \`sign\`, RSA-2048 CA"
)
declare -A target=([a]=0.5 [b]=0.3 [c]=0.5 [d]=0.5 [rss]=0.5)

# "met" when ours/cfssl (unrounded, from the two medians) is at most the target.
verdict() { if awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { exit !(a / b <= t) }'; then echo "met"; else echo "**missed**"; fi; }

# A path for the report: relative to the repository when inside it.
show() { if [[ $1 == "$repo"/* ]]; then echo "${1#"$repo"/}"; else echo "$1"; fi; }

# `cfssl version` on one line.
version() { "$1" version 2>&1 | sed '/^$/d' | paste -sd ';' | sed 's/;/; /g'; }

report() {
    local ours_v ref_v c r
    echo "### Whole-process comparison"
    echo
    echo "- ours: \`$(show "$bin_dir/cfssl")\` ($(version "$bin_dir/cfssl"))"
    echo "- reference: \`$(show "$ref_dir/cfssl")\` ($(version "$ref_dir/cfssl"))"
    echo "- machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
    echo "- started $started; $runs recorded runs of each side per case, alternating, after 2 warm-up pairs"
    echo "- load average (1, 5, 15 min): $load_before before, $load_after after ($load_note)"
    cat "$work/samples/z.ours" "$work/samples/z.cfssl" >"$work/samples/z.all"
    echo "- harness floor: \`/bin/true\` timed the same way takes $(fmt_ms "$(median "$work/samples/z.all")") ms (median), included in every time below and not subtracted"
    echo
    echo "| case | ours median (ms) | ours p90 | cfssl median (ms) | cfssl p90 | ours/cfssl | target | |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    for c in $(chosen a b c d); do
        ours_v=$(median "$work/samples/$c.ours")
        ref_v=$(median "$work/samples/$c.cfssl")
        r=$(ratio "$ours_v" "$ref_v")
        echo "| ${label[$c]} | $(fmt_ms "$ours_v") | $(fmt_ms "$(p90 "$work/samples/$c.ours")") | $(fmt_ms "$ref_v") | $(fmt_ms "$(p90 "$work/samples/$c.cfssl")") | $r | ≤ ${target[$c]} | $(verdict "$ours_v" "$ref_v" "${target[$c]}") |"
    done
    # --cases c alone has no memory runs, hence no second table.
    [[ -n $(chosen a b d) ]] || return 0
    echo
    echo "| peak RSS (e) | ours median (MiB) | ours max | cfssl median (MiB) | cfssl max | ours/cfssl | target | |"
    echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
    for c in $(chosen a b d); do
        ours_v=$(median "$work/samples/$c.ours.rss")
        ref_v=$(median "$work/samples/$c.cfssl.rss")
        r=$(ratio "$ours_v" "$ref_v")
        local t="≤ ${target[rss]}" v
        v=$(verdict "$ours_v" "$ref_v" "${target[rss]}")
        if [[ $c == d ]]; then
            t="(info)"
            v=""
        fi
        echo "| ${label[$c]} | $(fmt_mib "$ours_v") | $(fmt_mib "$(sort -g "$work/samples/$c.ours.rss" | tail -n 1)") | $(fmt_mib "$ref_v") | $(fmt_mib "$(sort -g "$work/samples/$c.cfssl.rss" | tail -n 1)") | $r | $t | $v |"
    done
}

if [[ -n $out ]]; then
    report | tee "$out"
else
    report
fi

if [[ $criterion -eq 1 ]]; then
    note "criterion: cargo bench -p cfssl-core --bench core -- --warm-up-time 1 --measurement-time 5"
    (cd -- "$repo" && cargo bench --locked -p cfssl-core --bench core -- --warm-up-time 1 --measurement-time 5)
fi
