#!/usr/bin/env bash
# Builds and runs the whole test suite: the README's test command, and what CI runs.
# First the development build (warnings as errors), then the same suite under
# ThreadSanitizer, which the concurrent parts (group commit, replay pipeline, server) need.
# --quick skips the ThreadSanitizer pass, for iterating locally.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev
if [ "${1:-}" != "--quick" ]; then
  cmake --preset tsan >/dev/null
  cmake --build --preset tsan
  ctest --preset tsan
fi
