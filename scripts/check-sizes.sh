#!/usr/bin/env bash
# Lists the product's source files over 400 lines and functions over 70 (STYLE.md: "let a
# tool enforce it, not a reviewer"). Reads the dev build's compile_commands.json, so build
# the dev preset first. Arguments: the files to check (default: every product source and
# header; clang-tidy takes a few seconds a .cpp file, and measures functions in .cpp files
# only). Exits 1 when anything is over.
set -euo pipefail
shopt -s nullglob
cd "$(dirname "$0")/.."
file_lines_max=400
function_lines_max=70
if [ $# -eq 0 ]; then
  set -- {engine,parse,storage,core,cluster,net,app,loadgen,bench}/*.cpp \
    {engine,parse,storage,core,cluster,net,app,loadgen,bench}/*.hpp
fi
config="{CheckOptions: [{key: readability-function-size.LineThreshold, value: $function_lines_max}]}"
over=0
for file in "$@"; do
  lines=$(wc -l <"$file")
  if [ "$lines" -gt "$file_lines_max" ]; then echo "$file: $lines lines"; over=1; fi
  if [[ "$file" == *.cpp ]]; then
    found=$(clang-tidy -p build/dev --quiet -checks='-*,readability-function-size' \
      -config="$config" "$file" 2>/dev/null | grep -E "exceeds recommended size|lines including" ||
      true)
    if [ -n "$found" ]; then echo "$found"; over=1; fi
  fi
done
exit "$over"
