#!/usr/bin/env bash
# Installs what is missing, builds the release binary and runs the main job:
#   tpuplan cost --model 70b   (extra arguments replace "cost --model 70b")
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
cmake --preset release >/dev/null
cmake --build --preset release -- -j"$(nproc)" >/dev/null
if (($#)); then
  exec build/release/apps/tpuplan/tpuplan "$@"
fi
exec build/release/apps/tpuplan/tpuplan cost --model 70b
