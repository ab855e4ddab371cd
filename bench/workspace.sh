# Sourced by the bench scripts: `bench_workspace NAME` makes a temporary folder ($work) and
# stops every process added to `started` (after calling bench_before_stop, if defined) and
# removes the folder when the script exits.
bench_workspace() {
  work="$(mktemp -d "/tmp/loket-$1.XXXXXX")"
  chmod 755 "$work"
  started=()
  trap bench_stop_all EXIT
}
bench_stop_all() {
  # A script may define bench_before_stop for what a kill does not stop, or not in time.
  if declare -F bench_before_stop >/dev/null; then bench_before_stop || true; fi
  for pid in "${started[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
