#!/usr/bin/env bash
# Installs what is missing, builds the optimised `loket` and runs it with the given arguments.
# With no arguments it runs the main job, `loket demo`: a server on a new journal in
# data/, a rehearsed opening of tranche 2, the close, the audit and the HTML report.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target loket >/dev/null
if [ $# -eq 0 ]; then
  set -- demo
fi
exec build/release/loket "$@"
