#!/usr/bin/env bash
# Installs what is missing, builds the tpuplan binary alone (release; the tests are built by
# scripts/test.sh) and runs the main job:
#   tpuplan cost --model 70b   (extra arguments replace "cost --model 70b")
# Build progress goes to stderr, so stdout holds only tpuplan's output (e.g. with --format json).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
echo "tpuplan: configuring (build/release)" >&2
cmake --preset release >/dev/null
echo "tpuplan: building the tpuplan binary on $(nproc) cores (about 1.5 minutes on 2 cores the first time)" >&2
cmake --build --preset release --target tpuplan -- -j"$(nproc)" >&2
if (($#)); then
  exec build/release/apps/tpuplan/tpuplan "$@"
fi
exec build/release/apps/tpuplan/tpuplan cost --model 70b
