#!/usr/bin/env bash
# Times `tpuplan cost --model 70b` as a whole process (start-up, embedded data, answer) and
# reads its peak resident memory. Targets (issue "Foundation"): ≤ 5 ms median, ≤ 15 MB peak RSS.
# Usage: bash bench/cost_process.sh [path/to/tpuplan]   (default: build/release/apps/tpuplan/tpuplan)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build/release/apps/tpuplan/tpuplan}"
if [ ! -x "$bin" ]; then
  cmake --preset release >/dev/null && cmake --build --preset release >/dev/null
fi
if [ ! -x /usr/bin/time ]; then
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time >&2
fi
if ! command -v hyperfine >/dev/null; then
  echo "installing hyperfine (Debian package)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >&2
fi
cmd="$bin cost --model 70b"
echo "== $cmd (stdout to /dev/null)"
hyperfine -N --warmup 20 --runs 300 --export-json /tmp/tpuplan-cost-hyperfine.json "$cmd" >&2
python3 - <<'PY'
import json
r = json.load(open('/tmp/tpuplan-cost-hyperfine.json'))['results'][0]
print(f"median {r['median']*1e3:.2f} ms, mean {r['mean']*1e3:.2f} ms ± {r['stddev']*1e3:.2f}, min {r['min']*1e3:.2f} ms, runs {len(r['times'])}")
PY
rss_kb=$( { /usr/bin/time -f '%M' $cmd >/dev/null; } 2>&1 | tail -1 )
echo "peak RSS ${rss_kb} KiB ($(awk "BEGIN{printf \"%.1f\", $rss_kb/1024}") MiB)"
