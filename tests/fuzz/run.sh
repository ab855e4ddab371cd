#!/usr/bin/env bash
# Builds the libFuzzer targets and runs each for SECONDS (default 20; CI runs a short pass,
# a long run is e.g. `tests/fuzz/run.sh 3600`). The corpus grows in build/fuzz/corpus/ and
# starts from the seeds here and the shipped schemes. A crash stops the run with its input
# saved as build/fuzz/crash-*; the figures (executions, coverage) are printed per target.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds="${1:-20}"
cmake --preset fuzz >/dev/null
targets=(http_request submission_body record_decoder scheme_loader)
cmake --build --preset fuzz --target "${targets[@]/#/fuzz_}"
for target in "${targets[@]}"; do
  corpus="build/fuzz/corpus/$target"
  mkdir -p "$corpus"
  seeds=()
  [ -d "tests/fuzz/corpus/$target" ] && seeds+=("tests/fuzz/corpus/$target")
  [ "$target" = scheme_loader ] && seeds+=(schemes)
  log="build/fuzz/$target.log"
  if ! "build/fuzz/tests/fuzz/fuzz_$target" "$corpus" "${seeds[@]}" -max_total_time="$seconds" \
    -max_len=20000 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="build/fuzz/crash-$target-" >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "fuzz: $target found a problem; the input is in build/fuzz/crash-$target-*" >&2
    exit 1
  fi
  runs="$(awk '/stat::number_of_executed_units/ {print $2}' "$log")"
  coverage="$(grep -o 'cov: [0-9]*' "$log" | tail -1)"
  echo "fuzz: $target: $runs executions in ${seconds} s, $coverage, corpus $(ls "$corpus" | wc -l) inputs, no findings"
done
