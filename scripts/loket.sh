#!/usr/bin/env bash
# Installs what is missing, builds the optimised `loket` and runs it with the given arguments.
# With no arguments it runs the main job: the sector scheme's sample day through
# `loket allocate`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release --target loket >/dev/null
if [ $# -eq 0 ]; then
  set -- allocate --scheme schemes/sectoraal-maatwerk-2021.toml \
    --events docs/examples/sectoraal-maatwerk-2021.jsonl
fi
exec build/release/loket "$@"
