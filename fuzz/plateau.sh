#!/usr/bin/env bash
# Summarises a libFuzzer log: coverage at each quarter of the run, and when
# the last new coverage was found (by execution count). Usage: plateau.sh LOG
log=$1
total=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -E 's/^#([0-9]+).*/\1/')
last_new=$(grep -E '^#[0-9]+.*NEW' "$log" | tail -1 | sed -E 's/^#([0-9]+).*/\1/')
last_cov=$(grep -E '^#[0-9]+.*NEW' "$log" | tail -1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
inited=$(grep -E 'INITED' "$log" | head -1 | sed -E 's/.*cov: ([0-9]+).*/\1/')
echo "after loading the corpus: cov $inited"
for q in 1 2 3 4; do
  lim=$((total * q / 4))
  cov=$(grep -E '^#[0-9]+' "$log" | awk -v lim="$lim" '{n=substr($1,2)+0; if (n<=lim) l=$0} END{print l}' | sed -E 's/.*cov: ([0-9]+).*/\1/')
  printf '%s/4 of %s runs: cov %s\n' "$q" "$total" "$cov"
done
echo "last new coverage at run $last_new of $total (cov $last_cov)"
