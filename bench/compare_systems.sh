# shellcheck shell=bash
# Sourced by bench/compare.sh: one measured run of each system. `run_system NAME CONNS`
# starts that server anew on fresh state in $work (under $server_pin), drives it for $seconds
# with CONNS connections and two load-generator threads (under $client_pin), stops it, and
# appends "CONNS NAME requests/s p50_ms p99_ms granted" to $work/runs. `run_flood NAME
# BINARY` runs the opening-day flood against that loket and appends to $work/floods.
# Ports: nginx 18181, PostgreSQL 15432, Redis 16379, loket 18080, all on 127.0.0.1.

pg_bin=/usr/lib/postgresql/15/bin

wait_for_port() {
  for _ in $(seq 200); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "compare: nothing listens on port $1" >&2
  return 1
}
stop_pid() {
  kill "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
# wrk with bench/registrations.lua prints "Requests/sec: N", "p50 X ms" and "p99 X ms".
wrk_figures() {  # url conns -> "rps p50 p99"
  local out
  out="$("${client_pin[@]}" wrk -t2 -c"$2" -d"${seconds}s" -s bench/registrations.lua "$1")"
  echo "$out" >>"$work/wrk.log"
  if awk '/^requests .*errors/ { exit !($5 + $7 + $9 + $11 + $13 > 0) }' <<<"$out"; then
    echo "compare: $1 at $2 connections: $(grep '^requests ' <<<"$out")" >&2
  fi
  awk '/^Requests\/sec/ {r = $2} /^p50 / {p50 = $2} /^p99 / {p99 = $2} END {print r, p50, p99}' \
    <<<"$out"
}

run_nginx() {  # conns
  if [ ! -f "$work/nginx.conf" ]; then
    cat >"$work/nginx.conf" <<CONF
worker_processes 2;
daemon off;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
worker_rlimit_nofile 8192;
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
  fi
  "${server_pin[@]}" nginx -c "$work/nginx.conf" -p "$work" &
  local pid=$!
  started+=("$pid")
  wait_for_port 18181
  figures="$(wrk_figures http://127.0.0.1:18181 "$1") -"
  stop_pid "$pid"
}

# PostgreSQL is started by pg_ctl, so it is no child to wait for: on exit, stop it first.
bench_before_stop() {
  [ ! -f "$work/pg/postmaster.pid" ] ||
    runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -m immediate -w stop >/dev/null 2>&1
}
psql_run() { runuser -u postgres -- psql -q -h 127.0.0.1 -p 15432 -d postgres "$@"; }
# PostgreSQL, durable: fsync and synchronous_commit on (the defaults). One cluster, made on
# the first run; every run restarts it with emptied tables.
run_postgresql() {  # conns
  if [ ! -d "$work/pg" ]; then
    mkdir "$work/pg" "$work/pgbench" && touch "$work/pg.log"
    chown postgres "$work/pg" "$work/pgbench" "$work/pg.log"
    runuser -u postgres -- "$pg_bin/initdb" -D "$work/pg" -A trust >/dev/null
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
  fi
  "${server_pin[@]}" runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -l "$work/pg.log" \
    -w -t 60 start -o "-p 15432 -k $work/pg -c listen_addresses=127.0.0.1 \
      -c max_connections=$pg_max_connections -c fsync=on -c synchronous_commit=on" >/dev/null
  started+=("$(head -1 "$work/pg/postmaster.pid")")
  psql_run -c "SET client_min_messages = warning;
               CREATE TABLE IF NOT EXISTS tranche (id int PRIMARY KEY, remaining int NOT NULL);
               CREATE TABLE IF NOT EXISTS registration (participant text PRIMARY KEY,
                                                        granted bool NOT NULL);
               TRUNCATE tranche, registration; INSERT INTO tranche VALUES (2, 55000);
               CHECKPOINT;"
  rm -f "$work"/pgbench/log.*
  # pgbench's -T counts from before it connects, and 1,000 connections take seconds: the run
  # is longer by that much; its tps leaves the connecting out, its log starts after it.
  if ! (cd "$work/pgbench" && "${client_pin[@]}" runuser -u postgres -- "$pg_bin/pgbench" \
    -h 127.0.0.1 -p 15432 -n -c "$1" -j 2 -T $((seconds + 1 + $1 / 200)) \
    -f "$work/register.sql" -l --log-prefix=log postgres >"$work/pgbench.out" 2>&1) ||
    ! grep -q '^tps' "$work/pgbench.out"; then
    cat "$work/pgbench.out" >&2
    return 1
  fi
  # Per-transaction log: the third field is the latency in microseconds.
  figures="$(awk '/^tps/ {print $3}' "$work/pgbench.out") $(cat "$work"/pgbench/log.* |
    awk '{print $3}' | sort -n | awk '{v[NR] = $1} END {
      i = int(NR * 0.5 + 0.5); j = int(NR * 0.99 + 0.5); if (i < 1) i = 1; if (j < 1) j = 1
      printf "%.2f %.2f", v[i] / 1000, v[j] / 1000 }')"
  figures+=" $(psql_run -t -A -c "SELECT count(*) FROM registration WHERE granted")"
  runuser -u postgres -- "$pg_bin/pg_ctl" -D "$work/pg" -m fast -w stop >/dev/null
}

# Redis, durable: append-only file synced on every write, a new one each run. redis-benchmark
# sends a count, not a duration: the count is the previous run's rate times $seconds (a short
# unrecorded run finds the first rate).
declare -A redis_rate=()
# One line: redis-benchmark puts the command into its CSV output.
redis_script="if redis.call('SETNX', KEYS[2], 1) == 0 then return -1 end \
local left = tonumber(redis.call('GET', KEYS[1])) \
if left > 0 then redis.call('DECR', KEYS[1]) return 1 end return 0"
redis_bench() {  # conns requests
  "${client_pin[@]}" redis-benchmark -p 16379 -c "$1" --threads 2 -n "$2" -r 1000000000 \
    --csv EVAL "$redis_script" 2 remaining "participant:__rand_int__" >"$work/redis.csv"
  redis_rate[$1]="$(awk -F'"' 'NR == 2 {printf "%d", $4}' "$work/redis.csv")"
}
run_redis() {  # conns
  rm -rf "$work/redis" && mkdir "$work/redis"
  "${server_pin[@]}" redis-server --port 16379 --bind 127.0.0.1 --dir "$work/redis" \
    --appendonly yes --appendfsync always --save '' --maxclients 10000 \
    >"$work/redis.log" 2>&1 &
  local pid=$!
  started+=("$pid")
  wait_for_port 16379
  redis-cli -p 16379 SET remaining 55000 >/dev/null
  if [ -z "${redis_rate[$1]:-}" ]; then
    redis_bench "$1" 5000
    redis-cli -p 16379 FLUSHALL >/dev/null
    redis-cli -p 16379 SET remaining 55000 >/dev/null
  fi
  redis_bench "$1" $((redis_rate[$1] * seconds > 1000 ? redis_rate[$1] * seconds : 1000))
  # CSV: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms",
  # "p99_latency_ms","max_latency_ms"
  figures="$(awk -F'"' 'NR == 2 {print $4, $10, $14}' "$work/redis.csv")"
  figures+=" $((55000 - $(redis-cli -p 16379 GET remaining)))"
  stop_pid "$pid"
}

start_loket() {  # binary data
  rm -rf "$2"
  "${server_pin[@]}" "$1" serve --data "$2" --listen 127.0.0.1:18080 2>"$2.log" &
  loket_pid=$!
  started+=("$loket_pid")
  wait_for_port 18080
}
# loket: a new journal each run, synced before every answer.
run_loket() {  # binary conns
  start_loket "$1" "$work/loket-data"
  figures="$(wrk_figures http://127.0.0.1:18080 "$2")"
  stop_pid "$loket_pid"
  figures+=" $("$1" export --data "$work/loket-data" --what decisions |
    grep -c '"outcome":"granted"' || true)"
}

run_system() {  # name conns
  case "$1" in
    nginx) run_nginx "$2" ;;
    postgresql) run_postgresql "$2" ;;
    redis) run_redis "$2" ;;
    loket) run_loket "$loket" "$2" ;;
    baseline) run_loket "$LOKET_BASELINE" "$2" ;;
  esac
  echo "$2 $1 $figures" >>"$work/runs"
}

# The opening-day flood: 55,000 unique registrations (the cap) from 1,000 connections at
# once. `loket loadtest` compares every receipt with the server's export; on top of that, the
# journal on disk, read after the server stopped: granted at most the cap and equal to the
# grants acknowledged, and every acknowledged registration's id on record.
run_flood() {  # name binary
  start_loket "$2" "$work/loket-data"
  rm -f "$work/flood.json"
  local status=0
  "${client_pin[@]}" "$2" loadtest --target http://127.0.0.1:18080 --tranche t2 \
    --registrations 55000 --connections 1000 --profile flood --duplicates 0 --bad 0 \
    --duration 120 --report "$work/flood.json" >"$work/flood.out" 2>&1 || status=$?
  stop_pid "$loket_pid"
  cat "$work/flood.out" >>"$work/flood.log"
  if [ ! -s "$work/flood.json" ]; then
    echo "compare: flood of $1: no report" >&2
    cat "$work/flood.out" >&2
    echo "$1 - - - - - - no_report_(loadtest_exit_$status)" >>"$work/floods"
    return 0
  fi
  local elapsed p50 p99 p999 sent acked granted
  read -r elapsed p50 p99 p999 sent acked granted < <(jq -r '[.elapsed_seconds,
    .latency_us.p50 / 1000, .latency_us.p99 / 1000, .latency_us.p99_9 / 1000, .sent,
    (.answers_by_status["201"] // 0), (.decisions.granted // 0)] | @tsv' "$work/flood.json")
  local journal
  journal="$("$2" export --data "$work/loket-data" --what decisions | awk -v sent="$sent" '
    match($0, /"id":"[^"]*"/) {
      id = substr($0, RSTART + 6, RLENGTH - 7); n = id; sub(/.*-/, "", n)
      run = id; sub(/-[0-9]+$/, "", run); if (NR == 1) first = run
      if (run == first && n ~ /^[0-9]+$/ && n + 0 < sent) seen[n + 0] = 1
    }
    /"outcome":"granted"/ { granted++ }
    END { print granted + 0, length(seen) }')"
  local journal_granted=${journal% *} on_record=${journal#* } verdict="ok"
  [ "$status" -eq 0 ] || verdict="loadtest exit $status"
  [ "$journal_granted" -le 55000 ] || verdict="journal: $journal_granted granted, over the cap"
  [ "$journal_granted" -eq "$granted" ] ||
    verdict="journal: $journal_granted granted, $granted acknowledged as granted"
  # Ids are RUN-0 .. RUN-(sent-1): when all were acknowledged, every one must be on record.
  if [ "$acked" -eq "$sent" ] && [ "$on_record" -ne "$sent" ]; then
    verdict="journal: $on_record of $sent acknowledged ids on record"
  elif [ "$on_record" -lt "$acked" ]; then
    verdict="journal: $on_record ids on record, $acked acknowledged"
  fi
  [ "$verdict" = ok ] || { echo "compare: flood of $1: $verdict" >&2; cat "$work/flood.out" >&2; }
  echo "$1 $elapsed $p50 $p99 $p999 $journal_granted $acked ${verdict// /_}" >>"$work/floods"
}
