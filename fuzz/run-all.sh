#!/usr/bin/env bash
# Builds the fuzz targets and runs them one after the other, one process at a
# time, each from its corpus fuzz/corpus/<target> (see seed.sh).
#
#   fuzz/run-all.sh SECONDS [TARGET[:SECONDS]...]
#
# SECONDS is the default time per target; without TARGETs, all seven run.
# Crashes land in fuzz/artifacts/<target>/, logs in fuzz/artifacts/logs/<target>.log
# (summarise one with fuzz/plateau.sh).
#
# Needs cargo-fuzz and a nightly toolchain (`cargo +nightly fuzz`); with only
# a stable toolchain, run with FUZZ_CARGO="env RUSTC_BOOTSTRAP=1 cargo".
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
secs="${1:-300}"
shift || true
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(csr_request_json config_json pem_key pem_cert pem_csr csr_der cfssljson_input)
fi
cargo_cmd=${FUZZ_CARGO:-"cargo +nightly"}
$cargo_cmd fuzz build -O
bin="$here/target/x86_64-unknown-linux-gnu/release"
mkdir -p artifacts/logs
for spec in "${targets[@]}"; do
  t=${spec%%:*}
  s=$secs
  [ "$spec" != "$t" ] && s=${spec#*:}
  mkdir -p "corpus/$t" "artifacts/$t"
  echo "== $t: ${s}s"
  ASAN_OPTIONS=detect_odr_violation=0 "$bin/$t" "corpus/$t" \
    -max_total_time="$s" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -dict=dict/cfssl.dict -artifact_prefix="artifacts/$t/" -print_final_stats=1 \
    > "artifacts/logs/$t.log" 2>&1 || echo "   $t stopped: see artifacts/logs/$t.log"
  grep -E '^#[0-9]+' "artifacts/logs/$t.log" | tail -1 || true
  find "artifacts/$t" -type f | sed 's/^/   artifact: /'
done
