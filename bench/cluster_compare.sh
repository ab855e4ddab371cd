#!/usr/bin/env bash
# loket replicated through etcd beside the single node, in one run on this machine: the same
# registrations (wrk, bench/registrations.lua) against `loket serve` on a new journal, and
# against the leader of a cluster of three etcd members and two loket nodes, every
# registration answered only once durable (the cluster: on the leader's disk and committed by
# an etcd quorum). The leader is measured with its follower applying the log, and with the
# follower stopped (SIGSTOP): on one machine every process shares the same cores, so the CPU
# each one used per 10,000 requests is printed beside. Rounds alternate the order; the
# figures are means.
#   bench/cluster_compare.sh [SECONDS_PER_RUN] [CONNECTIONS]   LOKET_ROUNDS (default 3)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
connections="${2:-1000}"
rounds="${LOKET_ROUNDS:-3}"
command -v etcd >/dev/null || scripts/install-deps.sh >/dev/null
cmake --preset release >/dev/null
cmake --build --preset release --target loket >/dev/null
loket=build/release/loket

. bench/workspace.sh
bench_workspace cluster-compare
wait_ready() {  # port
  for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$1/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "cluster_compare: nothing ready on port $1" >&2
  return 1
}
peers=""
for n in 1 2 3; do peers+="${peers:+,}etcd$n=http://127.0.0.1:4${n}380"; done
for n in 1 2 3; do
  etcd --name "etcd$n" --data-dir "$work/etcd$n" \
    --listen-client-urls "http://127.0.0.1:4${n}379" \
    --advertise-client-urls "http://127.0.0.1:4${n}379" \
    --listen-peer-urls "http://127.0.0.1:4${n}380" \
    --initial-advertise-peer-urls "http://127.0.0.1:4${n}380" \
    --initial-cluster "$peers" --initial-cluster-state new >"$work/etcd$n.log" 2>&1 &
  started+=($!)
done
endpoints=http://127.0.0.1:41379,http://127.0.0.1:42379,http://127.0.0.1:43379
until ETCDCTL_API=3 etcdctl --endpoints "$endpoints" endpoint health >/dev/null 2>&1; do
  sleep 0.5
done
"$loket" serve --data "$work/single" --listen 127.0.0.1:18191 2>"$work/single.log" &
started+=($!); single_pid=$!
"$loket" serve --data "$work/a" --listen 127.0.0.1:18192 --cluster "$endpoints" --node a \
  2>"$work/a.log" &
started+=($!); leader_pid=$!
wait_ready 18192
"$loket" serve --data "$work/b" --listen 127.0.0.1:18193 --cluster "$endpoints" --node b \
  2>"$work/b.log" &
started+=($!); follower_pid=$!
wait_ready 18191
etcd_pids="$(pgrep -f "etcd --name etcd[123] --data-dir $work/" | tr '\n' ' ')"

cpu_ticks() {  # pids... -> clock ticks of CPU they used so far (user + system)
  local ticks=0 pid
  for pid in "$@"; do ticks=$((ticks + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
  echo "$ticks"
}
# One wrk run against the port; prints "rps p50 p99 cpu_node cpu_follower cpu_etcd", the CPU
# in seconds per 10,000 requests.
run() {  # port node_pid
  local out before_node before_follower before_etcd rps
  before_node="$(cpu_ticks "$2")"; before_follower="$(cpu_ticks "$follower_pid")"
  before_etcd="$(cpu_ticks $etcd_pids)"
  out="$(wrk -t2 -c"$connections" -d"${seconds}s" -s bench/registrations.lua \
    "http://127.0.0.1:$1")"
  echo "$out" >>"$work/wrk.log"
  rps="$(echo "$out" | awk '/^Requests\/sec/ {print $2}')"
  echo "$rps $(echo "$out" | awk '/^p50 / {print $2}') $(echo "$out" | awk '/^p99 / {print $2}')" \
    "$(($(cpu_ticks "$2") - before_node)) $(($(cpu_ticks "$follower_pid") - before_follower))" \
    "$(($(cpu_ticks $etcd_pids) - before_etcd))" |
    awk -v hz="$(getconf CLK_TCK)" -v s="$seconds" '{
      per = 10000 / ($1 * s) / hz
      printf "%s %s %s %.3f %.3f %.3f\n", $1, $2, $3, $4 * per, $5 * per, $6 * per }'
}
metric() {  # port name
  curl -s -H 'Authorization: Bearer dev-auditor-token' "http://127.0.0.1:$1/metrics" |
    awk -v n="$2" '$1 == n {print $2}'
}
# After the follower was stopped it has the whole frozen run to apply: wait for it, so that
# the next run measures following, not catching up.
follower_level() {
  local leader
  leader="$(metric 18192 loket_durable_sequence)"
  for _ in $(seq 1200); do
    [ "$(metric 18193 loket_durable_sequence)" = "$leader" ] && return 0
    sleep 0.1
  done
  echo "cluster_compare: the follower did not catch up to sequence $leader" >&2
  return 1
}
declare -a single_rows cluster_rows frozen_rows
for round in $(seq "$rounds"); do
  order=(single cluster frozen)
  ((round % 2)) || order=(frozen cluster single)
  for what in "${order[@]}"; do
    case "$what" in
      single) single_rows+=("$(run 18191 "$single_pid")") ;;
      cluster) cluster_rows+=("$(run 18192 "$leader_pid")") ;;
      frozen)  # the follower stopped: the leader and etcd alone
        kill -STOP "$follower_pid"
        frozen_rows+=("$(run 18192 "$leader_pid")")
        kill -CONT "$follower_pid"
        follower_level ;;
    esac
  done
done
mean() {  # field rows... -> the mean of that field
  local field="$1"; shift
  printf '%s\n' "$@" | awk -v f="$field" '{s += $f} END {printf "%.1f", s / NR}'
}
mean3() { local field="$1"; shift; printf '%s\n' "$@" | awk -v f="$field" '{s += $f} END {printf "%.3f", s / NR}'; }
row() {  # label rows...
  local label="$1"; shift
  printf '%-46s %9s %7s %7s %9s %9s %9s\n' "$label" "$(mean 1 "$@")" "$(mean 2 "$@")" \
    "$(mean 3 "$@")" "$(mean3 4 "$@")" "$(mean3 5 "$@")" "$(mean3 6 "$@")"
}
printf '%s connections, %s rounds of %s s, means; CPU: seconds per 10,000 requests\n' \
  "$connections" "$rounds" "$seconds"
printf '%-46s %9s %7s %7s %9s %9s %9s\n' "system" "req/s" "p50 ms" "p99 ms" "CPU node" \
  "follower" "etcd x3"
row "loket serve, single node" "${single_rows[@]}"
row "cluster leader, 3 etcd, 1 follower" "${cluster_rows[@]}"
row "cluster leader, 3 etcd, follower stopped" "${frozen_rows[@]}"
single_rps="$(mean 1 "${single_rows[@]}")"
awk -v c="$(mean 1 "${cluster_rows[@]}")" -v f="$(mean 1 "${frozen_rows[@]}")" -v s="$single_rps" \
  'BEGIN {printf "replicated / single: %.2f with the follower, %.2f without\n", c / s, f / s}'
sleep 2
echo "leader durable through sequence $(metric 18192 loket_durable_sequence);" \
  "follower applied through $(metric 18193 loket_durable_sequence)," \
  "lag $(metric 18193 loket_replication_lag_events) events"
