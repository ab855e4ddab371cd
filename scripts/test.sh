#!/usr/bin/env bash
# Builds and runs the whole test suite: the README's test command, and what CI runs.
# First the development build (warnings as errors), then the unit tier in the optimised
# release build (what users run: `scripts/loket.sh` builds it), then the same suite under
# ThreadSanitizer (the concurrent parts: group commit, replay pipeline, server) and under
# AddressSanitizer with UndefinedBehaviorSanitizer, then a short pass of each fuzzer. The
# release build is also packaged as a .deb, installed and smoke-tested.
# --quick runs only the development build's suite, for iterating locally.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
# ccache keys on paths relative to the checkout, so a clone in another folder (CI's) reuses
# what an earlier build on this machine compiled. The debug info then names the first
# checkout's paths; nothing else differs.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true
cmake --preset dev >/dev/null
cmake --build --preset dev
ctest --preset dev
if [ "${1:-}" != "--quick" ]; then
  # Only the unit tier's programs: the process tier and the benchmarks add build time and
  # little the development build does not already show.
  cmake --preset release >/dev/null
  cmake --build --preset release --target loket_tests
  ctest --preset release
  scripts/package-test.sh  # the .deb installs and runs the demo (issue 17)
  for sanitizer in tsan asan; do
    cmake --preset "$sanitizer" >/dev/null
    cmake --build --preset "$sanitizer"
    ctest --preset "$sanitizer"
  done
  tests/fuzz/run.sh 15
fi
