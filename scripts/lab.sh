#!/usr/bin/env bash
# Runs the etcd TLS lab (fixtures/lab/) end to end with this project's `cfssl`
# and `cfssljson`:
#
#   1. builds them as they are shipped (scripts/build-release.sh: a static
#      release build on Linux with glibc), unless CFSSL_BIN_DIR names a folder
#      that already holds both binaries;
#   2. in a fresh temporary folder, puts only those two binaries first on PATH
#      and runs the lab's certificate blocks (fixtures/lab/certs.sh) unchanged;
#   3. checks the fifteen .pem/.csr files and their modes;
#   4. starts the lab's three etcd members (fixtures/lab/members.txt) on
#      127.0.0.1 with those certificates, waits until they are healthy, lists
#      the members, writes a key through one member and reads it through another;
#   5. checks that etcd refuses, at the TLS layer, a client without a
#      certificate, a client presenting the peer certificate, and a client that
#      verifies the server against the peer CA.
#
# Exit status: 0 when everything passed (last line `etcd lab: OK`); 77 when
# etcd/etcdctl are not installed (skipped; with CI=true this is a failure
# instead); anything else names the step that failed.
#
# Environment:
#   CFSSL_BIN_DIR   folder holding `cfssl` and `cfssljson` to test (skips the build)
#   LAB_TIMEOUT     seconds to wait for the cluster to become healthy (default 60)
#   LAB_KEEP_TMP    set to 1 to keep the temporary folder (its path is printed)
#   CI              `true` turns a missing etcd/etcdctl into a failure
#   LAB_NO_INSTALL  set to skip installing etcd-server/etcd-client with apt-get
#                   when they are missing (done only as root)
#
# Works from any current directory.

set -euo pipefail
umask 022

script_dir=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd -P)
repo=$(cd -- "$script_dir/.." && pwd -P)
fixtures=$repo/fixtures/lab

readonly members=(etcd1 etcd2 etcd3)
readonly ports=(2369 2370 2379 2380 2389 2390)
readonly timeout_s=${LAB_TIMEOUT:-60}
# Bounds for every etcdctl call, so that a refusal can never hang the script.
readonly dial_timeout=5s
readonly command_timeout=5s

step="start"
tmp=""
reported=0
declare -A pid_of=()
started_at=$SECONDS

log() { printf 'etcd lab: %s\n' "$*"; }
begin() {
    step=$1
    log "$step"
}
detail() { printf '    %s\n' "$@"; }
indent() { sed 's/^/    | /'; }
fail() {
    reported=1
    printf 'etcd lab: FAILED at step "%s": %s\n' "$step" "$*" >&2
    exit 1
}

cleanup() {
    local rc=$? name pid ticks=0
    set +e
    trap - EXIT INT TERM
    # Stop every member this script started: SIGTERM, up to 3 s for all of them
    # together (a leader that loses its followers can take several seconds to
    # give up, and its data is thrown away anyway), then SIGKILL.
    for name in "${!pid_of[@]}"; do
        kill -TERM "${pid_of[$name]}" 2>/dev/null
    done
    for name in "${!pid_of[@]}"; do
        pid=${pid_of[$name]}
        while kill -0 "$pid" 2>/dev/null && ((ticks < 30)); do
            sleep 0.1
            ticks=$((ticks + 1))
        done
        kill -KILL "$pid" 2>/dev/null
        wait "$pid" 2>/dev/null
    done
    if [[ -n $tmp && -d $tmp ]]; then
        if [[ ${LAB_KEEP_TMP:-} == 1 ]]; then
            log "kept the temporary folder $tmp" >&2
        else
            rm -rf -- "$tmp"
        fi
    fi
    if ((rc == 130 || rc == 143)) && ((reported == 0)); then
        printf 'etcd lab: INTERRUPTED at step "%s"\n' "$step" >&2
    elif ((rc != 0 && rc != 77 && reported == 0)); then
        printf 'etcd lab: FAILED at step "%s" (exit status %d)\n' "$step" "$rc" >&2
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Prints the last lines of a member's log, to show why it failed.
show_log() {
    local name=$1 file=$tmp/logs/$1.log
    if [[ -s $file ]]; then
        printf 'etcd lab: last lines of %s log:\n' "$name" >&2
        tail -n 25 -- "$file" | indent >&2
    fi
}

# ETCDCTL_API=3 etcdctl with the given arguments, run in the folder holding the
# lab's certificates (so the lab's relative file names work), bounded in time.
ctl() {
    (cd -- "$tmp/work" && ETCDCTL_API=3 timeout 60 etcdctl "$@")
}

# ---------------------------------------------------------------------------
begin "checking tools"

# Settings for etcd or etcdctl inherited from the caller would change what the
# lab runs: etcd reads ETCD_* and etcdctl ETCDCTL_* variables as flags.
while read -r var; do
    unset "$var"
done < <(compgen -e | grep -E '^ETCD(CTL)?_' || true)
# Everything here talks to 127.0.0.1; never through a proxy.
export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy=$NO_PROXY

missing=()
for tool in etcd etcdctl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
# On a fresh Debian machine, install etcd 3.4 when we may (root, apt-get
# present, LAB_NO_INSTALL unset). Debian's etcd-server would start a system
# etcd on 127.0.0.1:2379/2380, ports of the lab: service starts are refused
# during the install (policy-rc.d), as .ci/run does.
if ((${#missing[@]} > 0)) && [[ -z ${LAB_NO_INSTALL:-} ]] && [[ $(id -u) -eq 0 ]] \
    && command -v apt-get >/dev/null 2>&1; then
    detail "installing etcd-server and etcd-client (Debian packages)"
    policy=/usr/sbin/policy-rc.d
    made_policy=0
    if [[ ! -e $policy ]]; then
        printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && made_policy=1
    fi
    install_rc=0
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            etcd-server etcd-client; } 2>&1 | indent || install_rc=$?
    ((made_policy)) && rm -f "$policy"
    ((install_rc == 0)) || detail "the install failed (status $install_rc)"
    missing=()
    for tool in etcd etcdctl; do
        command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
    done
fi
if ((${#missing[@]} > 0)); then
    msg="${missing[*]} not found on PATH (Debian packages etcd-server and etcd-client)"
    if [[ ${CI:-} == true ]]; then
        fail "$msg"
    fi
    log "SKIPPED: $msg"
    exit 77
fi
for tool in timeout mktemp stat; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool not found on PATH"
done
etcd_version=$(etcd --version 2>&1) || fail "etcd --version failed: $etcd_version"
detail "$(printf '%s\n' "$etcd_version" | head -n 1) ($(command -v etcd))"
detail "$(etcdctl version 2>&1 | head -n 1) ($(command -v etcdctl))"
# etcd 3.4 refuses to start on architectures other than amd64 and ppc64le
# unless ETCD_UNSUPPORTED_ARCH names the architecture it runs on.
etcd_arch=$(printf '%s\n' "$etcd_version" | sed -n 's|^Go OS/Arch: [^/]*/||p')
if [[ -n $etcd_arch && $etcd_arch != amd64 ]]; then
    export ETCD_UNSUPPORTED_ARCH=$etcd_arch
    detail "ETCD_UNSUPPORTED_ARCH=$etcd_arch"
fi

# ---------------------------------------------------------------------------
if [[ -n ${CFSSL_BIN_DIR:-} ]]; then
    begin "using cfssl and cfssljson from CFSSL_BIN_DIR"
    [[ -d $CFSSL_BIN_DIR ]] || fail "CFSSL_BIN_DIR=$CFSSL_BIN_DIR is not a folder"
    bin_dir=$(cd -- "$CFSSL_BIN_DIR" && pwd -P)
else
    begin "building cfssl and cfssljson (scripts/build-release.sh)"
    command -v cargo >/dev/null 2>&1 || fail "cargo not found on PATH (or set CFSSL_BIN_DIR)"
    bin_dir=$(bash "$repo/scripts/build-release.sh") || fail "the release build failed"
fi
for tool in cfssl cfssljson; do
    [[ -f $bin_dir/$tool && -x $bin_dir/$tool ]] || fail "no executable $tool in $bin_dir"
done
detail "binaries from $bin_dir"

begin "checking that the lab's ports are free"
busy=()
for port in "${ports[@]}"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        busy+=("$port")
    fi
done
if ((${#busy[@]} > 0)); then
    fail "port(s) ${busy[*]} on 127.0.0.1 already in use; the lab needs ${ports[*]} (is another etcd running?)"
fi

begin "preparing a temporary folder with only our cfssl and cfssljson first on PATH"
tmp=$(mktemp -d -t cfssl-etcd-lab.XXXXXXXX)
mkdir -p -- "$tmp/bin" "$tmp/work" "$tmp/logs" "$tmp/root"
ln -s -- "$bin_dir/cfssl" "$tmp/bin/cfssl"
ln -s -- "$bin_dir/cfssljson" "$tmp/bin/cfssljson"
export PATH="$tmp/bin:$PATH"
hash -r
for tool in cfssl cfssljson; do
    found=$(command -v "$tool" || true)
    [[ $found == "$tmp/bin/$tool" ]] ||
        fail "$tool resolves to '${found}', not to the binary under test"
done
detail "temporary folder: $tmp"

# ---------------------------------------------------------------------------
begin "running the lab's certificate blocks (fixtures/lab/certs.sh)"
if ! (cd -- "$tmp/work" && bash -e -o pipefail "$fixtures/certs.sh" \
    >"$tmp/logs/certs.stdout" 2>"$tmp/logs/certs.stderr"); then
    indent <"$tmp/logs/certs.stderr" >&2
    fail "the certificate blocks failed"
fi
if [[ -s $tmp/logs/certs.stdout ]]; then
    indent <"$tmp/logs/certs.stdout" >&2
    fail "the certificate blocks printed on stdout (with cfssl 1.4.1 they print nothing there)"
fi
detail "$(grep -c . "$tmp/logs/certs.stderr" || true) log lines from cfssl on stderr"

begin "checking the fifteen certificate files and their modes"
expected=()
for base in etcd-ca-peer etcd-peer etcd-ca-cluster-to-client \
    etcd-cluster-to-client-server etcd-cluster-to-client-client; do
    expected+=("$base-key.pem:600" "$base.pem:644" "$base.csr:644")
done
for entry in "${expected[@]}"; do
    file=${entry%:*}
    want=${entry#*:}
    [[ -f $tmp/work/$file ]] || fail "$file was not written"
    [[ -s $tmp/work/$file ]] || fail "$file is empty"
    mode=$(stat -c %a -- "$tmp/work/$file")
    [[ $mode == "$want" ]] || fail "$file has mode $mode, expected $want"
done
# Besides those, the folder holds only the seven JSON files the blocks write.
extra=$(cd -- "$tmp/work" && shopt -s nullglob dotglob && for f in *; do
    case $f in
    *-config.json | *-csr.json | *.pem | *.csr) ;;
    *) printf '%s ' "$f" ;;
    esac
done)
[[ -z $extra ]] || fail "unexpected files written: $extra"
json_count=$(cd -- "$tmp/work" && shopt -s nullglob && set -- *.json && echo "$#")
[[ $json_count -eq 7 ]] || fail "expected 7 JSON files, found $json_count"
detail "${#expected[@]} files, keys 0600, certificates and CSRs 0644"

if command -v openssl >/dev/null 2>&1; then
    begin "verifying the certificate chains with openssl"
    for pair in etcd-ca-peer:etcd-peer \
        etcd-ca-cluster-to-client:etcd-cluster-to-client-server \
        etcd-ca-cluster-to-client:etcd-cluster-to-client-client; do
        ca=${pair%%:*}
        leaf=${pair#*:}
        out=$(cd -- "$tmp/work" && openssl verify -CAfile "$ca.pem" "$leaf.pem" 2>&1) ||
            fail "openssl verify -CAfile $ca.pem $leaf.pem: $out"
        detail "$out"
    done
fi

# ---------------------------------------------------------------------------
begin "installing the certificates for the three members"
# The lab's copy step, with / moved to $tmp/root.
for name in "${members[@]}"; do
    mkdir -p -- "$tmp/root/etc/$name" "$tmp/root/var/lib/$name"
    chmod 700 -- "$tmp/root/var/lib/$name"
    (cd -- "$tmp/work" && cp etcd-ca-peer.pem \
        etcd-ca-cluster-to-client.pem \
        etcd-cluster-to-client-server.pem etcd-cluster-to-client-server-key.pem \
        etcd-cluster-to-client-client.pem etcd-cluster-to-client-client-key.pem \
        etcd-peer.pem etcd-peer-key.pem \
        "$tmp/root/etc/$name/")
done

# Reads the flags of one member from members.txt into the array `member_args`.
read_member_args() {
    local want=$1 line current="" word words
    member_args=()
    while IFS= read -r line || [[ -n $line ]]; do
        case $line in
        '' | '#'*) continue ;;
        '['*']')
            current=${line#[}
            current=${current%]}
            continue
            ;;
        esac
        [[ $current == "$want" ]] || continue
        read -ra words <<<"$line"
        for word in "${words[@]}"; do
            member_args+=("${word//\{root\}/$tmp/root}")
        done
    done <"$fixtures/members.txt"
    ((${#member_args[@]} > 0)) || fail "no flags for $want in fixtures/lab/members.txt"
}

begin "starting etcd members ${members[*]}"
for name in "${members[@]}"; do
    read_member_args "$name"
    etcd "${member_args[@]}" </dev/null >"$tmp/logs/$name.log" 2>&1 &
    pid_of[$name]=$!
    detail "$name: pid ${pid_of[$name]}, log $tmp/logs/$name.log"
done

begin "waiting for the cluster to become healthy (up to ${timeout_s}s)"
client_tls=(--cacert=etcd-ca-cluster-to-client.pem
    --cert=etcd-cluster-to-client-client.pem
    --key=etcd-cluster-to-client-client-key.pem)
bounds=(--dial-timeout="$dial_timeout" --command-timeout="$command_timeout")
all_endpoints=https://127.0.0.1:2369,https://127.0.0.1:2379,https://127.0.0.1:2389
deadline=$((SECONDS + timeout_s))
wait_started=$SECONDS
while :; do
    for name in "${members[@]}"; do
        if ! kill -0 "${pid_of[$name]}" 2>/dev/null; then
            wait "${pid_of[$name]}" 2>/dev/null && status=0 || status=$?
            unset "pid_of[$name]"
            show_log "$name"
            fail "etcd member $name exited (status $status) before the cluster was healthy"
        fi
    done
    if health=$(ctl endpoint health --endpoints="$all_endpoints" \
        --dial-timeout=2s --command-timeout=3s "${client_tls[@]}" 2>&1); then
        break
    fi
    if ((SECONDS >= deadline)); then
        printf '%s\n' "$health" | indent >&2
        for name in "${members[@]}"; do show_log "$name"; done
        fail "the cluster was not healthy after ${timeout_s}s"
    fi
    sleep 1
done
printf '%s\n' "$health" | sort | indent
detail "healthy after $((SECONDS - wait_started))s"

# ---------------------------------------------------------------------------
begin "listing members (the lab's etcdctl member list against 127.0.0.1:2379)"
# Only stdout is checked: etcdctl also logs transient retries (for example a
# leader change just after the cluster formed) on stderr, and then succeeds.
ctl_err=$tmp/logs/etcdctl.stderr
out=$(cd -- "$tmp/work" && ETCDCTL_API=3 timeout 60 etcdctl member list \
    --endpoints=https://127.0.0.1:2379 \
    --cacert=etcd-ca-cluster-to-client.pem \
    --cert=etcd-cluster-to-client-client.pem \
    --key=etcd-cluster-to-client-client-key.pem 2>"$ctl_err") ||
    fail "etcdctl member list failed: $out $(cat -- "$ctl_err")"
printf '%s\n' "$out" | indent
started=$(printf '%s\n' "$out" | grep -c ', started, ' || true)
[[ $started -eq 3 ]] || fail "expected 3 started members, found $started"
for name in "${members[@]}"; do
    printf '%s\n' "$out" | grep -q ", started, $name, " || fail "member $name is not listed as started"
done

begin "writing a key through etcd1 (2369) and reading it through etcd3 (2389)"
value="written-through-etcd1-$$-$RANDOM"
out=$(ctl --endpoints=https://127.0.0.1:2369 "${bounds[@]}" "${client_tls[@]}" \
    put cfssl-lab-key "$value" 2>"$ctl_err") ||
    fail "etcdctl put through 2369 failed: $out $(cat -- "$ctl_err")"
[[ $out == OK ]] || fail "etcdctl put through 2369 printed '$out', expected OK"
out=$(ctl --endpoints=https://127.0.0.1:2389 "${bounds[@]}" "${client_tls[@]}" \
    get cfssl-lab-key --print-value-only 2>"$ctl_err") ||
    fail "etcdctl get through 2389 failed: $out $(cat -- "$ctl_err")"
[[ $out == "$value" ]] || fail "etcdctl get through 2389 returned '$out', expected '$value'"
detail "put OK on 2369, get on 2389 returned the same value"

# ---------------------------------------------------------------------------
# A refusal counts only when it happens in the TLS handshake: etcdctl must fail,
# and the TLS error must show up in etcdctl's output or as a "rejected
# connection" line in the log of the member it talked to (etcd 2, client port
# 2379), written during the attempt. etcdctl often reports only "context
# deadline exceeded" for a failed handshake, so the member's log is the
# reliable witness on the server side.
refusal() {
    local what=$1 pattern=$2
    shift 2
    local log_file=$tmp/logs/etcd2.log before out new
    begin "refusal: $what"
    before=$(stat -c %s -- "$log_file")
    if out=$(ctl --endpoints=https://127.0.0.1:2379 "${bounds[@]}" "$@" get cfssl-lab-key 2>&1); then
        printf '%s\n' "$out" | indent >&2
        fail "etcd accepted the request"
    fi
    # etcd may write the log line just after the client gave up.
    sleep 0.5
    new=$(tail -c +"$((before + 1))" -- "$log_file" | grep -F 'rejected connection' || true)
    if printf '%s\n%s\n' "$out" "$new" | grep -Eq -- "$pattern"; then
        detail "etcdctl: $(printf '%s\n' "$out" | grep -v '^{' | tail -n 1)"
        [[ -z $new ]] || detail "etcd2:   $(printf '%s\n' "$new" | head -n 1 | sed 's/^.*rejected connection/rejected connection/')"
    else
        printf '%s\n' "$out" | indent >&2
        [[ -z $new ]] || printf '%s\n' "$new" | indent >&2
        fail "etcdctl failed, but not with the expected TLS error /$pattern/"
    fi
}

refusal "a client without a certificate" \
    "rejected connection .*tls: client didn't provide a certificate" \
    --cacert=etcd-ca-cluster-to-client.pem

refusal "a client presenting the peer certificate (other CA) on the client port" \
    "rejected connection .*tls: .*x509: certificate signed by unknown authority" \
    --cacert=etcd-ca-cluster-to-client.pem --cert=etcd-peer.pem --key=etcd-peer-key.pem

refusal "a client verifying the server against the peer CA" \
    "x509: certificate signed by unknown authority|rejected connection .*tls: bad certificate" \
    --cacert=etcd-ca-peer.pem "${client_tls[@]:1}"

# ---------------------------------------------------------------------------
log "all checks passed in $((SECONDS - started_at))s"
log "OK"
