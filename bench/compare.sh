#!/usr/bin/env bash
# loket side by side with the alternatives on this machine, every one answering only once the
# registration is durable (except nginx, the HTTP ceiling):
#   nginx       a fixed 201 to the same POST requests (wrk with bench/registrations.lua);
#   PostgreSQL  insert the participant (unique), take a place if one is left, one durable
#               transaction each (fsync and synchronous_commit on; pgbench);
#   Redis       the same as an atomic Lua script, appendfsync always (redis-benchmark);
#   loket       `loket serve` on a new journal, synced before every answer (wrk, as nginx).
# How it measures (bench/compare_systems.sh runs one system once):
#   - every system at every connection count, with two load-generator threads each (wrk -t2,
#     pgbench -j 2, redis-benchmark --threads 2); each run starts its server anew on fresh
#     state (new journal, emptied tables, new append-only file);
#   - ROUNDS rounds; in each, every system runs once per connection count, the order rotated
#     by one each round, so that no system always runs first, or after the same neighbour, on
#     a machine whose speed drifts; reported: the median over the rounds and the spread
#     (min–max) of requests/s and p99, the median p50, and ratios of medians;
#   - then, once per round, the opening-day flood: 55,000 registrations (the cap) from 1,000
#     connections at once, `loket loadtest --profile flood`: time until the last is
#     acknowledged, p50/p99/p99.9, and the record checked (the loadtest compares every
#     receipt with the server's export; this script also reads the journal on disk: granted
#     at most the cap and every acknowledged id present).
# It installs what is missing (Debian packages; run as root), starts everything on loopback
# in a temporary folder (bench/workspace.sh), stops it and removes the folder on exit, and
# prints markdown tables for docs/benchmarks.md with the issue's targets.
#   bench/compare.sh [SECONDS [CONNECTIONS]]     # arguments win over the environment
# Environment:
#   SECONDS=15            seconds per run (read from the environment at start: bash's own
#                         $SECONDS counts up from it)
#   ROUNDS=3              rounds (LOKET_ROUNDS, the old name, also works)
#   CONNECTIONS="50 1000" connection counts, one table each
#   LOKET_BIN=path        measure this loket and do not build (default: build the release preset)
#   LOKET_BASELINE=path   another loket build, one more system in the same rounds (and floods)
#   LOKET_PIN=1           pin with taskset: every server to CPU 0, every load generator to
#                         CPU 1, so that server and client never take each other's core and
#                         every system gets the same single core (default: off, the kernel
#                         places both on either CPU)
#   FLOOD=0               skip the flood
set -euo pipefail
cd "$(dirname "$0")/.."
env_value() { tr '\0' '\n' <"/proc/$$/environ" | sed -n "s/^$1=//p" | head -1; }
seconds="${1:-$(env_value SECONDS)}"
seconds="${seconds:-15}"
rounds="${ROUNDS:-${LOKET_ROUNDS:-3}}"
read -r -a connections <<<"${2:-${CONNECTIONS:-50 1000}}"
flood="${FLOOD:-1}"
for number in "$seconds" "$rounds" "${connections[@]}"; do
  [[ "$number" =~ ^[1-9][0-9]*$ ]] || { echo "compare: not a count: '$number'" >&2; exit 2; }
done
server_pin=()
client_pin=()
if [ "${LOKET_PIN:-0}" = 1 ]; then
  [ "$(nproc)" -ge 2 ] || { echo "compare: LOKET_PIN needs 2 CPUs" >&2; exit 2; }
  server_pin=(taskset -c 0)
  client_pin=(taskset -c 1)
fi
pinning="server and load generator share the $(nproc) CPUs (not pinned)"
[ ${#server_pin[@]} = 0 ] || pinning="server pinned to CPU 0, load generator to CPU 1 (taskset)"

packages=()
command -v nginx >/dev/null || packages+=(nginx-light)
command -v wrk >/dev/null || packages+=(wrk)
command -v redis-server >/dev/null || packages+=(redis-server)
command -v jq >/dev/null || packages+=(jq)
[ -x /usr/lib/postgresql/15/bin/pgbench ] || packages+=(postgresql-15)
if [ ${#packages[@]} -gt 0 ]; then
  echo "compare: installing ${packages[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >/dev/null
fi
loket="${LOKET_BIN:-build/release/loket}"
if [ -z "${LOKET_BIN:-}" ]; then
  cmake --preset release >/dev/null
  cmake --build --preset release --target loket >/dev/null
fi
loket="$(realpath "$loket")"
[ -z "${LOKET_BASELINE:-}" ] || LOKET_BASELINE="$(realpath "$LOKET_BASELINE")"

# 1,000 connections: a descriptor each at the load generator and at the server.
max_connections="$(printf '%s\n' "${connections[@]}" 1000 | sort -n | tail -1)"
ulimit -n "$(ulimit -Hn)"
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((max_connections + 200)) ]; then
  echo "compare: open files limited to $(ulimit -n), below $((max_connections + 200))" >&2
  exit 2
fi
pg_max_connections=$((max_connections + 100))

# shellcheck source=bench/workspace.sh
. bench/workspace.sh
# shellcheck source=bench/compare_systems.sh
. bench/compare_systems.sh
bench_workspace compare
: >"$work/runs"
: >"$work/floods"

systems=(nginx loket postgresql redis)
[ -z "${LOKET_BASELINE:-}" ] || systems+=(baseline)
echo "compare: ${#systems[@]} systems, ${connections[*]} connections, $rounds rounds of" \
  "${seconds} s; $pinning" >&2
for round in $(seq "$rounds"); do
  order=()
  for i in "${!systems[@]}"; do order+=("${systems[$(((i + round - 1) % ${#systems[@]}))]}"); done
  for conns in "${connections[@]}"; do
    for system in "${order[@]}"; do
      began="$(date +%s)"
      run_system "$system" "$conns"
      echo "compare: round $round: $(tail -1 "$work/runs") ($(($(date +%s) - began)) s)" >&2
    done
  done
  [ "$flood" = 1 ] || continue
  builds=(loket)
  if [ -n "${LOKET_BASELINE:-}" ]; then
    if [ $((round % 2)) = 1 ]; then builds+=(baseline); else builds=(baseline loket); fi
  fi
  for build in "${builds[@]}"; do
    if [ "$build" = loket ]; then run_flood loket "$loket"; else run_flood baseline "$LOKET_BASELINE"; fi
    echo "compare: round $round, flood: $(tail -1 "$work/floods")" >&2
  done
done

# shellcheck source=bench/compare_report.sh
. bench/compare_report.sh
report
# A record that failed its check fails the run, whatever the figures.
awk '$8 != "ok" {failed = 1} END {exit failed}' "$work/floods"
