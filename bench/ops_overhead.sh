#!/usr/bin/env bash
# What watching costs the submissions, side by side in one run: the opening-day flood
# (`loket loadtest --profile flood`, 1,000 connections) against one `loket serve`, in
# alternating rounds with no dashboard and with 16 dashboard streams open (the most the
# server allows, each read by curl as a browser would). Prints each round's rate and p99,
# their means and the ratio, and how many events each stream got per second of its life
# (about 1: it stayed responsive during the flood). Needs curl.
#   bench/ops_overhead.sh [REGISTRATIONS] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/.."
registrations="${1:-55000}"
rounds="${2:-3}"
streams=16
cmake --preset release >/dev/null
cmake --build --preset release --target loket >/dev/null
loket=build/release/loket

. bench/workspace.sh
bench_workspace ops
cat >"$work/scheme.toml" <<'TOML'
[scheme]
id = "ops-bench"
name = "Dashboard overhead"
unique_participant = "scheme"
[[tranche]]
id = "t"
opens_at = "2020-12-01T08:00:00Z"
closes_at = "2099-12-01T08:00:00Z"
places = 100000000
ranking = "arrival"
TOML
"$loket" serve --scheme "$work/scheme.toml" --data "$work/journal" --listen 127.0.0.1:0 \
  --tokens app/development-tokens.toml 2>"$work/serve.log" &
started+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/serve.log" && break; sleep 0.1; done
port="$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$work/serve.log")"
[ -n "$port" ] || { echo "ops_overhead: the server did not start" >&2; cat "$work/serve.log" >&2; exit 1; }

json_number() { grep -o "\"$1\":[0-9.eE+-]*" "$2" | head -1 | cut -d: -f2; }
run_flood() {  # mode -> "rate p99_ms"
  "$loket" loadtest --target "http://127.0.0.1:$port" --tranche t --profile flood \
    --registrations "$registrations" --connections 1000 --auditor-token "" \
    --report "$work/run.json" >>"$work/loadtest.log" 2>&1
  local rate p99_us
  rate="$(json_number answers_per_second "$work/run.json")"
  p99_us="$(grep -o '"p99":[0-9]*' "$work/run.json" | head -1 | cut -d: -f2)"
  awk -v r="$rate" -v p="$p99_us" 'BEGIN { printf "%.0f %.1f\n", r, p / 1000 }'
}

declare -A rate_sum p99_sum
printf "%-6s %-11s %12s %9s %s\n" round dashboards answers/s "p99 ms" "events/s per stream"
for round in $(seq "$rounds"); do
  for mode in none "$streams"; do
    stream_pids=()
    if [ "$mode" != none ]; then
      for i in $(seq "$streams"); do
        curl -sN -H "Authorization: Bearer dev-auditor-token" \
          "http://127.0.0.1:$port/v1/ops/stream" >"$work/stream-$i.log" &
        stream_pids+=($!)
      done
      sleep 1.5
    fi
    started_at="$(date +%s.%N)"
    read -r rate p99 < <(run_flood)
    events=""
    if [ "$mode" != none ]; then
      ended_at="$(date +%s.%N)"
      kill "${stream_pids[@]}" 2>/dev/null || true
      wait "${stream_pids[@]}" 2>/dev/null || true
      # Events during the flood, per second, in the least served stream.
      events="$(for i in $(seq "$streams"); do grep -c '^data: ' "$work/stream-$i.log"; done |
        sort -n | head -1 | awk -v s="$started_at" -v e="$ended_at" \
          '{ printf "%.2f (least served of %d)", $1 / (e - s + 1.5), '"$streams"' }')"
    fi
    printf "%-6s %-11s %12s %9s %s\n" "$round" "$mode" "$rate" "$p99" "$events"
    rate_sum[$mode]=$(awk -v a="${rate_sum[$mode]:-0}" -v b="$rate" 'BEGIN { print a + b }')
    p99_sum[$mode]=$(awk -v a="${p99_sum[$mode]:-0}" -v b="$p99" 'BEGIN { print a + b }')
  done
done
awk -v rn="${rate_sum[none]}" -v rd="${rate_sum[$streams]}" -v pn="${p99_sum[none]}" \
  -v pd="${p99_sum[$streams]}" -v n="$rounds" 'BEGIN {
    printf "mean   none        %12.0f %9.1f\n", rn / n, pn / n
    printf "mean   16          %12.0f %9.1f\n", rd / n, pd / n
    printf "with 16 dashboards: %.3fx the rate, %.3fx the p99\n", rd / rn, pd / pn }'
