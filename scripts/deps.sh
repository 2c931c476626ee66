#!/usr/bin/env bash
# Installs the Debian 12 packages tpuplan builds with (and, with --test, those its test suite
# runs with), when any is missing.
# Run as root (or with sudo available). Installs nothing when all are present.
set -euo pipefail

# What building the tpuplan binary needs (scripts/quickstart.sh). Configuring also finds Catch2
# and cpp-httplib, the test suite's: both are small header packages.
packages=(
  build-essential cmake ninja-build git
  libcli11-dev libfmt-dev nlohmann-json3-dev libyaml-cpp-dev catch2
  libcurl4-openssl-dev libcpp-httplib-dev liburing-dev
)
# What the whole suite needs beyond that (scripts/test.sh passes --test).
test_packages=(
  xz-utils curl python3-numpy  # the real-server tests: llama.cpp's build tool and its tiny model
  chromium                     # the browser test of HTML reports (headless)
  clang-14 libclang-rt-14-dev  # the fuzz preset: libFuzzer with ASan + UBSan (fuzz/, docs/reliability.md)
)
case "${1:-}" in
  "") ;;
  --test) packages+=("${test_packages[@]}") ;;
  *) echo "scripts/deps.sh: unknown argument '$1' (accepted: --test)" >&2; exit 2 ;;
esac
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]})); then
  echo "tpuplan: installing ${missing[*]}" >&2
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi
