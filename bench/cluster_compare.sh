#!/usr/bin/env bash
# loket replicated through etcd beside the single node, in one run on this machine: the same
# registrations (wrk, bench/registrations.lua) against `loket serve` on a new journal, and
# against the leader of a cluster of three etcd members and two loket nodes (the other
# following), every registration answered only once durable (the cluster: on the leader's
# disk and committed by an etcd quorum). Rounds alternate, and the ratio is of the means.
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

work="$(mktemp -d /tmp/loket-cluster-compare.XXXXXX)"
started=()
stop_all() {
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap stop_all EXIT
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
started+=($!)
"$loket" serve --data "$work/a" --listen 127.0.0.1:18192 --cluster "$endpoints" --node a \
  2>"$work/a.log" &
started+=($!)
wait_ready 18192
"$loket" serve --data "$work/b" --listen 127.0.0.1:18193 --cluster "$endpoints" --node b \
  2>"$work/b.log" &
started+=($!)
wait_ready 18191

run() {  # port -> "rps p50 p99"
  local out
  out="$(wrk -t2 -c"$connections" -d"${seconds}s" -s bench/registrations.lua \
    "http://127.0.0.1:$1")"
  echo "$out" >>"$work/wrk.log"
  echo "$(echo "$out" | awk '/^Requests\/sec/ {print $2}') \
$(echo "$out" | awk '/^p50 / {print $2}') $(echo "$out" | awk '/^p99 / {print $2}')"
}
declare -a single_rows cluster_rows
for round in $(seq "$rounds"); do
  if ((round % 2)); then
    single_rows+=("$(run 18191)"); cluster_rows+=("$(run 18192)")
  else
    cluster_rows+=("$(run 18192)"); single_rows+=("$(run 18191)")
  fi
done
mean() { printf '%s\n' "$@" | awk -v f="$field" '{s += $f} END {printf "%.1f", s / NR}'; }
field=1; single_rps="$(mean "${single_rows[@]}")"; cluster_rps="$(mean "${cluster_rows[@]}")"
field=2; single_p50="$(mean "${single_rows[@]}")"; cluster_p50="$(mean "${cluster_rows[@]}")"
field=3; single_p99="$(mean "${single_rows[@]}")"; cluster_p99="$(mean "${cluster_rows[@]}")"
printf '%-52s %10s %9s %9s\n' "system (${connections} connections, ${rounds}x${seconds}s)" \
  "req/s" "p50 ms" "p99 ms"
printf '%-52s %10s %9s %9s\n' "loket serve, single node" "$single_rps" "$single_p50" "$single_p99"
printf '%-52s %10s %9s %9s\n' "loket serve --cluster, leader (3 etcd, 1 follower)" \
  "$cluster_rps" "$cluster_p50" "$cluster_p99"
awk -v c="$cluster_rps" -v s="$single_rps" 'BEGIN {printf "replicated / single: %.2f\n", c / s}'
echo "the follower applied through sequence $(curl -s http://127.0.0.1:18193/metrics |
  awk '/^loket_durable_sequence / {print $2}'), the leader durable through $(curl -s \
  http://127.0.0.1:18192/metrics | awk '/^loket_durable_sequence / {print $2}')"
