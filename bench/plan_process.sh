#!/usr/bin/env bash
# Times `tpuplan plan` under a 168-hour (weekly) load curve over every shipped offering, as a
# whole process (start-up, embedded catalog, capacity at the SLO per option, the closed-form
# plan of every term, both tables). Target (issue "Every money answer at the user's workload"):
# ≤ 20 ms median. Exits 1 when the median is over the target.
# Usage: bash bench/plan_process.sh [path/to/tpuplan]   (default: build/release/apps/tpuplan/tpuplan)
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build/release/apps/tpuplan/tpuplan}"
if [ ! -x "$bin" ]; then
  cmake --preset release >/dev/null && cmake --build --preset release --target tpuplan >/dev/null
fi
if ! command -v hyperfine >/dev/null; then
  echo "installing hyperfine (Debian package)" >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq hyperfine >&2
fi
# A weekly curve: examples/diurnal-chat.csv on weekdays, 60% of it at the weekend.
curve=$(mktemp /tmp/tpuplan-week-XXXXXX.csv)
json=$(mktemp /tmp/tpuplan-plan-hyperfine-XXXXXX.json)
trap 'rm -f "$curve" "$json"' EXIT
python3 - "$curve" <<'PY'
import csv, sys
day = [float(r["requests_per_s"]) for r in csv.DictReader(l for l in open("examples/diurnal-chat.csv") if not l.startswith("#"))]
with open(sys.argv[1], "w") as f:
    f.write("hour,requests_per_s\n")
    for h in range(168):
        f.write(f"{h},{day[h % 24] * (1.0 if h // 24 < 5 else 0.6):g}\n")
PY
# --model 8b: every shipped offering holds it, so every one is estimated and planned; --all
# keeps every option (not the best per accelerator).
cmd="$bin plan --model 8b --load-curve $curve --ttft-ms 1000 --tpot-ms 50 --all"
options=$($cmd --format json | python3 -c "import json,sys; d=json.load(sys.stdin); print(len({r['offering'] for r in d['tables']['plans']['rows']}))")
names=$("$bin" catalog --format json | python3 -c "import json,sys; print(len({(r['cloud'], r['name']) for r in json.load(sys.stdin)['rows'] if r['kind'] in ('tpu', 'gpu')}))")
echo "== $cmd (stdout to /dev/null)"
echo "$options options planned of $names shipped offering names (one region each); load average $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 10 --runs 100 --export-json "$json" "$cmd" >&2
python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))['results'][0]
median = r['median'] * 1e3
print(f"median {median:.2f} ms, mean {r['mean']*1e3:.2f} ms ± {r['stddev']*1e3:.2f}, min {r['min']*1e3:.2f} ms, "
      f"user {r['user']*1e3:.2f} ms, sys {r['system']*1e3:.2f} ms, runs {len(r['times'])}")
print("target ≤ 20 ms: " + ("met" if median <= 20 else "MISSED"))
sys.exit(0 if median <= 20 else 1)
PY
