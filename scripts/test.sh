#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs the whole test suite,
# including the integration tests against llama.cpp's real server (label realserver).
# TPUPLAN_PRESET=asan runs it under AddressSanitizer + UBSan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${TPUPLAN_PRESET:-dev}"
bash scripts/deps.sh --test
# The real server: llama.cpp built once with a tiny model by the shared build tool (cached in
# ~/.cache after the first, ~5 min, build). The tool is looked for in TPUPLAN_LLAMA_SERVER_TOOLS,
# then in shared/tools/llama-server beside the repository (or beside its parent folder), then,
# in a clone of a local repository, beside that origin.
tool_places=()
[ -n "${TPUPLAN_LLAMA_SERVER_TOOLS:-}" ] && tool_places+=("$TPUPLAN_LLAMA_SERVER_TOOLS")
tool_places+=(../shared/tools/llama-server ../../shared/tools/llama-server)
origin=$(git config --get remote.origin.url 2>/dev/null || true)
origin=${origin#file://}
# A local path: not a URL (scheme://) and not scp syntax (host:path, a colon before any slash).
if [ -n "$origin" ] && ! [[ "$origin" =~ ^[A-Za-z][A-Za-z0-9+.-]*:// ]] && ! [[ "$origin" =~ ^[^/]*: ]]; then
  [[ "$origin" = /* ]] || origin="$PWD/$origin"
  origin=${origin%/}
  [ "$(basename "$origin")" = .git ] && origin=$(dirname "$origin")
  tool_places+=("$origin/../shared/tools/llama-server")
fi
server_dir=""
for tools in "${tool_places[@]}"; do
  if [ -x "$tools/build.sh" ]; then
    server_dir=$(bash "$tools/build.sh")
    break
  fi
done
if [ -z "$server_dir" ]; then
  places=$(printf "'%s' " "${tool_places[@]}")
  if [ "${CI:-}" = true ]; then
    echo "scripts/test.sh: no llama-server build tool (build.sh) in ${places% }: the realserver tests cannot run;" \
         "set TPUPLAN_LLAMA_SERVER_TOOLS to its folder" >&2
    exit 1
  fi
  echo "scripts/test.sh: warning: no llama-server build tool (build.sh) in ${places% }; the realserver tests are" \
       "skipped (set TPUPLAN_LLAMA_SERVER_TOOLS to its folder)" >&2
fi
cmake --preset "$preset" -DTPUPLAN_LLAMA_SERVER_DIR="$server_dir"
cmake --build --preset "$preset" -- -j"$(nproc)"
if [ -n "$server_dir" ] && ! ctest --preset "$preset" -N -L realserver | grep -q "Total Tests: [1-9]"; then
  echo "scripts/test.sh: the realserver tests were not registered (llama-server in '$server_dir'?)" >&2
  exit 1
fi
ctest --preset "$preset" -j"$(nproc)" --label-exclude perf
# A smoke run of every fuzz target (fuzz/, docs/reliability.md): a fixed number of executions
# from the seeds under ASan + UBSan, not a timed run. Skipped where clang 14 is absent; the
# long runs are by hand (fuzz/run.sh --time). TPUPLAN_FUZZ_RUNS=0 skips it.
fuzz_runs="${TPUPLAN_FUZZ_RUNS:-20000}"
if [ "$fuzz_runs" != 0 ] && command -v clang++-14 >/dev/null; then
  # Unoptimised for the smoke run: half the compile time; `cmake --preset fuzz` restores -O1.
  cmake --preset fuzz -DCMAKE_CXX_FLAGS_FUZZ="-O0"
  cmake --build --preset fuzz -- -j"$(nproc)"
  bash fuzz/run.sh --smoke "$fuzz_runs"
elif [ "$fuzz_runs" != 0 ]; then
  echo "scripts/test.sh: warning: no clang++-14; the fuzz smoke run is skipped (scripts/deps.sh installs it)" >&2
fi
# Under CI the README's first command runs too (scripts/quickstart.sh: the release unity build
# of the tpuplan binary, then `tpuplan cost --model 70b`), so that it stays true.
if [ "${CI:-}" = true ]; then
  bash scripts/quickstart.sh | grep "Llama-3.1-70B" >/dev/null ||
    { echo "scripts/test.sh: scripts/quickstart.sh did not print the cost of Llama-3.1-70B" >&2; exit 1; }
fi
