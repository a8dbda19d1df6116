# Pieces the load benchmarks share (sourced by bench-serve.sh and
# bench-ocsp.sh): a free loopback port, a process's peak RSS, and one
# measured wrk run.

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# hwm_kib PID: the process's peak resident set (VmHWM), KiB.
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }

# to_ms VALUE: wrk's latency value in ms ("1.71ms", "850.00us", "1.02s").
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000
        printf "%.2f", n }'
}

# wrk_sample SECONDS SCRIPT URL: 1 s of warm-up, then `wrk -t2 -c16
# --latency` for SECONDS; prints "requests/s p50-ms p99-ms errors" (errors:
# non-2xx/3xx answers plus socket errors).
wrk_sample() {
    wrk -t2 -c16 -d1s -s "$2" "$3" >/dev/null 2>&1 || true
    local res rps p50 p99 non2xx sockerr
    res=$(wrk -t2 -c16 -d"$1s" --latency -s "$2" "$3" 2>&1)
    rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$res")
    p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$res")")
    p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$res")")
    non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' <<<"$res")
    sockerr=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' <<<"$res")
    printf '%s %s %s %s\n' "$rps" "$p50" "$p99" "$(( ${non2xx:-0} + ${sockerr:-0} ))"
}
