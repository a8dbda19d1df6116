#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the project's fixtures. Run from anywhere;
# existing corpus files are kept (libFuzzer merges by content).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
corpus="$here/corpus"
mkdir -p "$corpus"/{csr_request_json,config_json,pem_key,pem_cert,pem_csr,csr_der,cfssljson_input}

put() { # put TARGET FILE [PREFIX-BYTE]
  local target=$1 file=$2 sum
  if [ $# -eq 3 ]; then
    sum=$({ printf "\\x$3"; cat "$file"; } | sha1sum | cut -c1-40)
    { printf "\\x$3"; cat "$file"; } > "$corpus/$target/$sum"
  else
    sum=$(sha1sum < "$file" | cut -c1-40)
    cp "$file" "$corpus/$target/$sum"
  fi
}

cd "$root/fixtures"
while IFS= read -r -d '' f; do
  put csr_request_json "$f"
  put config_json "$f"
done < <(find . -name '*.json' -type f -print0)

while IFS= read -r -d '' f; do
  case "$(head -c 200 "$f")" in
    *"PRIVATE KEY"*|*"EC PARAMETERS"*) put pem_key "$f" ;;
    *"CERTIFICATE REQUEST"*) put pem_csr "$f" ;;
    *CERTIFICATE*) put pem_cert "$f" ;;
  esac
done < <(find . \( -name '*.pem' -o -name '*.csr' -o -name '*.key' -o -name '*.crt' \) -type f -print0)

# DER CSRs: the base64 body of every PEM CSR.
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
while IFS= read -r -d '' f; do
  if grep -q "BEGIN CERTIFICATE REQUEST" "$f"; then
    sed -n '/BEGIN CERTIFICATE REQUEST/,/END CERTIFICATE REQUEST/p' "$f" \
      | grep -v -- '-----' | base64 -d > "$tmp" 2>/dev/null || continue
    put csr_der "$tmp"
  fi
done < <(find . \( -name '*.pem' -o -name '*.csr' \) -type f -print0)

# cfssljson: cfssl's recorded stdout (JSON) and the cfssljson fixtures, each
# with the four mode bytes of the target.
while IFS= read -r -d '' f; do
  if head -c 1 "$f" | grep -q '{'; then
    for m in 00 01 02 03; do put cfssljson_input "$f" "$m"; done
  fi
done < <(find . \( -name '*.stdout' -o -name '*.json' \) -path '*' -type f -print0)

for d in "$corpus"/*; do
  printf '%-18s %5d seeds\n' "$(basename "$d")" "$(find "$d" -type f | wc -l)"
done
