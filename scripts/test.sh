#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs the whole test suite,
# including the integration tests against llama.cpp's real server (label realserver).
# TPUPLAN_PRESET=asan runs it under AddressSanitizer + UBSan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${TPUPLAN_PRESET:-dev}"
bash scripts/deps.sh
# The real server: llama.cpp built once with a tiny model by the shared tool beside the
# repository (cached in ~/.cache after the first, ~5 min, build).
server_dir=""
for tools in "${TPUPLAN_LLAMA_SERVER_TOOLS:-}" ../shared/tools/llama-server ../../shared/tools/llama-server; do
  if [ -n "$tools" ] && [ -x "$tools/build.sh" ]; then
    server_dir=$(bash "$tools/build.sh")
    break
  fi
done
if [ -z "$server_dir" ]; then
  if [ "${CI:-}" = true ]; then
    echo "scripts/test.sh: ../shared/tools/llama-server/build.sh not found: the realserver tests cannot run" >&2
    exit 1
  fi
  echo "scripts/test.sh: warning: no llama-server build tool found; the realserver tests are skipped" >&2
fi
cmake --preset "$preset" -DTPUPLAN_LLAMA_SERVER_DIR="$server_dir"
cmake --build --preset "$preset" -- -j"$(nproc)"
if [ -n "$server_dir" ] && ! ctest --preset "$preset" -N -L realserver | grep -q "Total Tests: [1-9]"; then
  echo "scripts/test.sh: the realserver tests were not registered (llama-server in '$server_dir'?)" >&2
  exit 1
fi
ctest --preset "$preset" -j"$(nproc)" --label-exclude perf
