# shellcheck shell=bash
# Sourced by bench/compare.sh: markdown tables from $work/runs ("conns system requests/s
# p50_ms p99_ms granted", one line a run) and $work/floods ("system seconds p50_ms p99_ms
# p99.9_ms granted acknowledged verdict", one line a flood), with the issue's targets.

stats() {  # file awk-condition column -> "median min max" ("- - -" when none)
  awk "$2 && \$$3 != \"-\" {print \$$3}" "$1" | sort -g | awk '{v[NR] = $1} END {
    if (!NR) { print "- - -"; exit }
    printf "%s %s %s\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[1], v[NR] }'
}
number() {  # value -> rounded for the table: integers above 100, else 3 significant digits
  awk -v v="$1" 'BEGIN { if (v == "-") print "-"; else if (v >= 100) printf "%.0f\n", v;
    else if (v >= 10) printf "%.1f\n", v; else printf "%.2f\n", v }'
}
spread() { echo "$(number "$1") ($(number "$2")–$(number "$3"))"; }  # median min max
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
at_least() { awk -v a="$1" -v b="$2" 'BEGIN { print (a != "-" && a + 0 >= b + 0) ? "yes" : "**no**" }'; }
label() {
  case "$1" in
    nginx) echo "nginx $(nginx -v 2>&1 | sed 's|.*/||'), fixed 201 (HTTP ceiling)" ;;
    postgresql) echo "PostgreSQL $("$pg_bin/pgbench" --version | awk '{print $3}'), durable transaction" ;;
    redis) echo "Redis $(redis-server --version | sed 's/.* v=\([^ ]*\).*/\1/') Lua, appendfsync always" ;;
    loket) echo "loket serve, journal synced" ;;
    baseline) echo "loket baseline (${LOKET_BASELINE}), journal synced" ;;
  esac
}
# Medians of one connection count: m[rps:SYSTEM], m[p50:SYSTEM], m[p99:SYSTEM].
declare -A m=()
medians() {  # conns
  local system column
  for system in "${systems[@]}"; do
    for column in rps:3 p50:4 p99:5; do
      m[${column%:*}:$system]="$(stats "$work/runs" "\$1 == $1 && \$2 == \"$system\"" "${column#*:}" |
        cut -d' ' -f1)"
    done
  done
}

report() {
  local conns system rps p50 p99 granted
  echo
  echo "Measured $(date -u +%Y-%m-%d) with bench/compare.sh (checkout $(git rev-parse --short HEAD)):" \
    "$rounds round(s) of ${seconds} s per system and connection count, the order rotated each" \
    "round; ${pinning}." \
    "Median over the rounds, the spread (min–max) in brackets."
  for conns in "${connections[@]}"; do
    medians "$conns"
    echo
    echo "**${conns} connections**"
    echo
    echo "| system | requests/s | p50 ms | p99 ms | granted (cap 55,000) | loket ÷ this |"
    echo "|---|---:|---:|---:|---:|---:|"
    for system in "${systems[@]}"; do
      local condition="\$1 == $conns && \$2 == \"$system\""
      read -r -a rps < <(stats "$work/runs" "$condition" 3)
      read -r -a p50 < <(stats "$work/runs" "$condition" 4)
      read -r -a p99 < <(stats "$work/runs" "$condition" 5)
      read -r -a granted < <(stats "$work/runs" "$condition" 6)
      printf '| %s | %s | %s | %s | %s | %s× |\n' "$(label "$system")" "$(spread "${rps[@]}")" \
        "$(number "${p50[0]}")" "$(spread "${p99[@]}")" \
        "$([ "${granted[0]}" = - ] && echo - || echo "${granted[1]}–${granted[2]}")" \
        "$(ratio "${m[rps:loket]}" "${rps[0]}")"
    done
  done

  echo
  echo "**Against the issue's targets** (medians)"
  echo
  echo "| target | measured | met |"
  echo "|---|---:|---|"
  for conns in "${connections[@]}"; do
    medians "$conns"
    local r
    r="$(ratio "${m[rps:loket]}" "${m[rps:nginx]}")"
    echo "| requests/s ≥ 0.5× nginx, ${conns} conns | ${r}× | $(at_least "$r" 0.5) |"
    r="$(ratio "${m[rps:loket]}" "${m[rps:postgresql]}")"
    echo "| requests/s ≥ 50× PostgreSQL, ${conns} conns | ${r}× | $(at_least "$r" 50) |"
    r="$(ratio "${m[rps:loket]}" "${m[rps:redis]}")"
    echo "| requests/s ≥ 1.5× Redis, ${conns} conns | ${r}× | $(at_least "$r" 1.5) |"
    if [ "$conns" = 50 ]; then
      echo "| p99 ≤ Redis's p99, 50 conns | $(number "${m[p99:loket]}") ms vs $(number "${m[p99:redis]}") ms" \
        "| $(at_least "${m[p99:redis]}" "${m[p99:loket]}") |"
    fi
    if [ "$conns" = 1000 ]; then
      echo "| p99 ≤ 2× p50, 1,000 conns | $(number "${m[p99:loket]}") ms vs 2 × $(number "${m[p50:loket]}") ms" \
        "| $(at_least "$(awk -v a="${m[p50:loket]}" 'BEGIN {print 2 * a}')" "${m[p99:loket]}") |"
    fi
  done
  [ -s "$work/floods" ] || return 0
  local seconds_of_flood met
  read -r -a seconds_of_flood < <(stats "$work/floods" '$1 == "loket"' 2)
  met="$(awk '$1 == "loket" && $2 != "-" && $2 <= 1.0' "$work/floods" | wc -l)"
  echo "| flood of 55,000 acknowledged ≤ 1.0 s | $(number "${seconds_of_flood[0]}") s" \
    "(met in $met of $rounds rounds) | $(at_least 1.0 "${seconds_of_flood[0]}") |"

  echo
  echo "**Opening-day flood**: 55,000 registrations (the cap), 1,000 connections at once" \
    "(\`loket loadtest --profile flood\`), once a round"
  echo
  echo "| build | until the last is acknowledged, s | p50 ms | p99 ms | p99.9 ms | granted | record checked |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  for system in loket baseline; do
    grep -q "^$system " "$work/floods" || continue
    local condition="\$1 == \"$system\"" column figures=()
    for column in 2 3 4 5 6; do
      read -r -a values < <(stats "$work/floods" "$condition" "$column")
      figures+=("$(spread "${values[@]}")")
    done
    printf '| %s | %s | %s | %s | %s | %s | %s of %s rounds ok%s |\n' "$(label "$system")" \
      "${figures[@]}" "$(awk "$condition && \$8 == \"ok\"" "$work/floods" | wc -l)" \
      "$(grep -c "^$system " "$work/floods")" \
      "$(awk "$condition && \$8 != \"ok\" {printf \"; %s\", \$8}" "$work/floods" | tr _ ' ')"
  done
  echo
  echo "Record check: \`loket loadtest\` compares every receipt with the server's export; after" \
    "the server stopped, \`loket export --what decisions\` of the journal must show at most" \
    "55,000 granted, as many as were acknowledged granted, and every acknowledged id."
}
