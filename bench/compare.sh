#!/usr/bin/env bash
# loket side by side with the alternatives, in one run on this machine, every one answering
# only once the registration is durable (except nginx, the HTTP ceiling):
#   nginx       a fixed 201 to the same POST requests (wrk, same connections as loket);
#   PostgreSQL  insert the participant (unique), take a place if one is left, one durable
#               transaction each (synchronous_commit on; pgbench, 64 connections);
#   Redis       the same as an atomic Lua script, appendfsync always (redis-benchmark);
#   loket       `loket serve` on a new journal (wrk with bench/registrations.lua).
# It installs what is missing (Debian packages), starts each server on loopback in a
# temporary folder, stops what it started, and prints throughput and p99 with ratios.
#   bench/compare.sh [SECONDS_PER_SYSTEM] [CONNECTIONS]
#   LOKET_BASELINE=/path/to/older/loket bench/compare.sh   # adds that build, same run:
#   LOKET_ROUNDS (default 3) rounds of both in alternating order, reported as means
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-15}"
connections="${2:-1000}"
pg_connections=64
redis_connections=50

packages=()
command -v nginx >/dev/null || packages+=(nginx-light)
command -v wrk >/dev/null || packages+=(wrk)
command -v redis-server >/dev/null || packages+=(redis-server)
[ -x /usr/lib/postgresql/15/bin/pgbench ] || packages+=(postgresql-15)
if [ ${#packages[@]} -gt 0 ]; then
  echo "compare: installing ${packages[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${packages[@]}" >/dev/null
fi
cmake --preset release >/dev/null
cmake --build --preset release --target loket >/dev/null

. bench/workspace.sh
bench_workspace compare
wait_for_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "compare: nothing listens on port $1" >&2
  return 1
}
# wrk with bench/registrations.lua prints "requests N, ..." and "p99 X ms".
wrk_figures() {  # url -> "rps p99_ms"
  local out
  out="$(wrk -t2 -c"$connections" -d"${seconds}s" -s bench/registrations.lua "$1")"
  echo "$out" >>"$work/wrk.log"
  local rps p99
  rps="$(echo "$out" | awk '/^Requests\/sec/ {print $2}')"
  p99="$(echo "$out" | awk '/^p99 / {print $2}')"
  echo "$rps $p99"
}

# nginx: the HTTP ceiling.
cat >"$work/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work;
  server {
    listen 127.0.0.1:18181 backlog=4096;
    location / { return 201 '{"seq":1,"outcome":"granted"}'; }
  }
}
CONF
nginx -c "$work/nginx.conf" -p "$work" &
started+=($!)
wait_for_port 18181
read -r nginx_rps nginx_p99 < <(wrk_figures http://127.0.0.1:18181)
kill "${started[-1]}"

# PostgreSQL, durable: fsync and synchronous_commit on (the defaults), data in $work.
pg_bin=/usr/lib/postgresql/15/bin
mkdir "$work/pg" && chown postgres "$work/pg"
runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg" -A trust >/dev/null
runuser -u postgres -- "$pg_bin/postgres" -D "$work/pg" -p 15432 -k "$work/pg" \
  -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on -c synchronous_commit=on \
  >"$work/pg.log" 2>&1 &
started+=($!)
wait_for_port 15432
psql_run() { runuser -u postgres -- psql -q -h 127.0.0.1 -p 15432 -d postgres "$@"; }
psql_run -c "CREATE TABLE tranche (id int PRIMARY KEY, remaining int NOT NULL);
             INSERT INTO tranche VALUES (2, 55000);
             CREATE TABLE registration (participant text PRIMARY KEY, granted bool NOT NULL);"
cat >"$work/register.sql" <<'SQL'
\set person random(1, 1000000000)
WITH claimed AS (
  UPDATE tranche SET remaining = remaining - 1
  WHERE id = 2 AND remaining > 0
    AND NOT EXISTS (SELECT 1 FROM registration WHERE participant = 'p' || :person)
  RETURNING 1)
INSERT INTO registration
SELECT 'p' || :person, EXISTS (SELECT 1 FROM claimed)
ON CONFLICT DO NOTHING;
SQL
chmod 644 "$work/register.sql"
mkdir "$work/pgbench" && chown postgres "$work/pgbench"
if ! (cd "$work/pgbench" && runuser -u postgres -- "$pg_bin/pgbench" -h 127.0.0.1 -p 15432 -n \
  -c "$pg_connections" -j 2 -T "$seconds" -f "$work/register.sql" -l --log-prefix=log \
  postgres >"$work/pgbench.out" 2>&1); then
  cat "$work/pgbench.out" >&2
  exit 1
fi
pg_tps="$(awk '/^tps/ {print $3}' "$work/pgbench.out")"
pg_p99="$(cat "$work"/pgbench/log.* | awk '{print $3}' | sort -n |
  awk '{v[NR]=$1} END {i=int(NR*0.99); if (i<1) i=1; printf "%.2f", v[i]/1000}')"
pg_granted="$(psql_run -t -A -c "SELECT count(*) FROM registration WHERE granted")"
kill "${started[-1]}"

# Redis, durable: append-only file synced on every write.
redis-server --port 16379 --bind 127.0.0.1 --dir "$work" --appendonly yes \
  --appendfsync always --save '' >"$work/redis.log" 2>&1 &
started+=($!)
wait_for_port 16379
# One line: redis-benchmark puts the command into its CSV output.
script="if redis.call('SETNX', KEYS[2], 1) == 0 then return -1 end \
local left = tonumber(redis.call('GET', KEYS[1])) \
if left > 0 then redis.call('DECR', KEYS[1]) return 1 end return 0"
redis-cli -p 16379 SET remaining 55000 >/dev/null
redis_requests=$((seconds * 40000))
redis-benchmark -p 16379 -c "$redis_connections" -n "$redis_requests" -r 1000000000 --csv \
  EVAL "$script" 2 remaining "participant:__rand_int__" >"$work/redis.csv"
redis_rps="$(awk -F'"' 'NR==2 {print $4}' "$work/redis.csv")"
redis_p99="$(awk -F'"' 'NR==2 {print $14}' "$work/redis.csv")"
redis_left="$(redis-cli -p 16379 GET remaining)"
kill "${started[-1]}"

# loket, journal synced before every answer: this checkout's build, and with LOKET_BASELINE
# set (the path of another build's `loket`), that one too, in the same run: a change's effect
# on throughput, measured side by side on the same noisy machine.
loket_figures() {  # binary port -> "rps p99 granted"
  local data="$work/loket-$2"
  "$1" serve --data "$data" --listen "127.0.0.1:$2" 2>"$data.log" &
  started+=($!)
  wait_for_port "$2"
  local rps p99
  read -r rps p99 < <(wrk_figures "http://127.0.0.1:$2")
  kill "${started[-1]}"
  wait "${started[-1]}" || true
  echo "$rps $p99 $("$1" export --data "$data" --what decisions | grep -c '"outcome":"granted"' || true)"
}
if [ -n "${LOKET_BASELINE:-}" ]; then
  # Rounds in alternating order, so that neither build always runs on the warmer machine;
  # each figure is the mean over the rounds.
  rounds="${LOKET_ROUNDS:-3}"
  figures_of_rounds=""
  for round in $(seq 1 "$rounds"); do
    if [ $((round % 2)) -eq 1 ]; then
      read -r b_rps b_p99 baseline_granted < <(loket_figures "$LOKET_BASELINE" 18082)
      read -r l_rps l_p99 loket_granted < <(loket_figures build/release/loket 18080)
    else
      read -r l_rps l_p99 loket_granted < <(loket_figures build/release/loket 18080)
      read -r b_rps b_p99 baseline_granted < <(loket_figures "$LOKET_BASELINE" 18082)
    fi
    rm -rf "$work"/loket-1808*
    echo "round $round: loket $l_rps requests/s, baseline $b_rps requests/s" >&2
    figures_of_rounds+="$l_rps $l_p99 $b_rps $b_p99"$'\n'
  done
  read -r loket_rps loket_p99 baseline_rps baseline_p99 < <(printf '%s' "$figures_of_rounds" |
    awk '{ for (i = 1; i <= 4; i++) sum[i] += $i } END {
      printf "%.0f %.2f %.0f %.2f\n", sum[1] / NR, sum[2] / NR, sum[3] / NR, sum[4] / NR }')
else
  read -r loket_rps loket_p99 loket_granted < <(loket_figures build/release/loket 18080)
fi

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "-" }'; }
echo
echo "Same machine, one run, ${seconds} s each; $(nproc) CPUs shared with the load generator."
printf '| %-55s | %12s | %9s | %13s |\n' "system" "requests/s" "p99 ms" "loket ÷ this"
printf '|%s|%s|%s|%s|\n' "---------------------------------------------------------" "--------------" \
  "-----------" "---------------"
row() { printf '| %-55s | %12.0f | %9s | %13s |\n' "$1" "$2" "$3" "$(ratio "$loket_rps" "$2")"; }
row "nginx, fixed 201 (HTTP ceiling, ${connections} conns)" "$nginx_rps" "$nginx_p99"
row "PostgreSQL 15, durable txn (${pg_connections} conns)" "$pg_tps" "$pg_p99"
row "Redis 7 Lua, appendfsync always (${redis_connections} conns)" "$redis_rps" "$redis_p99"
row "loket serve, journal synced (${connections} conns)" "$loket_rps" "$loket_p99"
if [ -n "${LOKET_BASELINE:-}" ]; then
  row "loket serve, baseline ${LOKET_BASELINE} (${connections} conns)" "$baseline_rps" "$baseline_p99"
  echo
  echo "loket ÷ baseline: $(awk -v a="$loket_rps" -v b="$baseline_rps" 'BEGIN { printf "%.3f", a / b }')" \
    "(requests/s, mean of ${rounds} rounds in alternating order). Baseline granted: ${baseline_granted}."
fi
echo
echo "Granted (cap 55,000): PostgreSQL ${pg_granted}, Redis $((55000 - redis_left)), loket ${loket_granted}."
