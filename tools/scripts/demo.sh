#!/usr/bin/env bash
# demo.sh - the main job on a simulated example: builds the library and CLI (installing what is
# missing), simulates a 64 MB profile-mode LC-MS/MS run, centroids it with `lavoisier centroid`
# (on the GPU when one is present, else on all CPU cores) and checks the output with
# `lavoisier info --verify-checksum`.  LV_DEMO_SIZE=1G makes it bigger.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/scripts/deps.sh
lv_install_deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target lavoisier_cli >/dev/null
mkdir -p build/demo
[ -f build/demo/run.mzML ] && [ -z "${LV_DEMO_SIZE:-}" ] ||
    ./build/lavoisier simulate --size "${LV_DEMO_SIZE:-64M}" --seed 7 build/demo/run.mzML
./build/lavoisier centroid build/demo/run.mzML -o build/demo/run.centroid.mzML
./build/lavoisier info --verify-checksum build/demo/run.centroid.mzML
