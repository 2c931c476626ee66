#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs the whole test suite.
# TPUPLAN_PRESET=asan runs it under AddressSanitizer + UBSan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${TPUPLAN_PRESET:-dev}"
bash scripts/deps.sh
cmake --preset "$preset"
cmake --build --preset "$preset" -- -j"$(nproc)"
ctest --preset "$preset" -j"$(nproc)" --label-exclude perf
