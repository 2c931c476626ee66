#!/usr/bin/env bash
# Runs the libFuzzer targets of the fuzz preset (docs/reliability.md).
#   fuzz/run.sh --smoke RUNS [TARGET…]   each target for RUNS executions from its seeds, in a
#                                        throw-away corpus, with a fixed random seed so that a
#                                        run is repeatable (what scripts/test.sh does)
#   fuzz/run.sh --time SECONDS [TARGET…] a long run: the corpus grows in build/fuzz/corpus/TARGET,
#                                        crash reproducers land in build/fuzz/artifacts/TARGET/
# Extra libFuzzer flags go in FUZZ_FLAGS (e.g. FUZZ_FLAGS="-jobs=2 -workers=2").
# Build first: cmake --preset fuzz && cmake --build --preset fuzz
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
amount=${2:-}
if [[ "$mode" != --smoke && "$mode" != --time ]] || ! [[ "$amount" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: fuzz/run.sh --smoke RUNS|--time SECONDS [TARGET...]" >&2
  exit 2
fi
shift 2
all=(yaml hf_config profile stream_decoder http1 json_index prometheus dataset_url)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")

# The seeds of each target: fixtures of tests/data (and the shipped examples) it parses.
seeds() {
  case "$1" in
    yaml) echo tests/data/config tests/data/catalog tests/data/breakeven tests/data/validate tests/data/fuzz/yaml examples ;;
    hf_config) echo tests/data/hf ;;
    profile) echo tests/data/profiles ;;
    stream_decoder) echo tests/data/fuzz/stream ;;
    http1) echo tests/data/fuzz/http1 ;;
    json_index) echo tests/data/fuzz/json_index tests/data/fuzz/stream tests/data/hf tests/data/profiles ;;
    prometheus) echo tests/data/fuzz/prometheus ;;
    dataset_url) echo tests/data/fuzz/dataset_url ;;
    *) echo "fuzz/run.sh: unknown target '$1'; known: ${all[*]}" >&2; exit 2 ;;
  esac
}

status=0
for t in "${targets[@]}"; do
  dirs=$(seeds "$t")
  bin=build/fuzz/fuzz/fuzz_$t
  if [ ! -x "$bin" ]; then
    echo "fuzz/run.sh: $bin is not built (cmake --preset fuzz && cmake --build --preset fuzz)" >&2
    exit 2
  fi
  if [ "$mode" = --smoke ]; then
    corpus=$(mktemp -d)
    # shellcheck disable=SC2086
    if ! "$bin" -seed="${FUZZ_SEED:-1}" -runs="$amount" -print_final_stats=1 -artifact_prefix="$corpus/" ${FUZZ_FLAGS:-} "$corpus" $dirs >"$corpus/log" 2>&1; then
      echo "fuzz/run.sh: fuzz_$t failed within $amount runs:" >&2
      tail -40 "$corpus/log" >&2
      status=1
    else
      echo "fuzz_$t: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$corpus/log" | grep -o '[0-9]*$' || echo "$amount") runs, clean"
    fi
    rm -rf "$corpus"
  else
    mkdir -p "build/fuzz/corpus/$t" "build/fuzz/artifacts/$t"
    # shellcheck disable=SC2086
    "$bin" -max_total_time="$amount" -print_final_stats=1 -artifact_prefix="build/fuzz/artifacts/$t/" \
      ${FUZZ_FLAGS:-} "build/fuzz/corpus/$t" $dirs || status=1
  fi
done
exit $status
