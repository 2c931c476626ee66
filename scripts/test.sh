#!/usr/bin/env bash
# Installs what is missing, builds with warnings as errors and runs the whole test suite,
# including the integration tests against llama.cpp's real server (label realserver).
# TPUPLAN_PRESET=asan runs it under AddressSanitizer + UBSan instead.
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${TPUPLAN_PRESET:-dev}"
bash scripts/deps.sh
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
