#!/usr/bin/env bash
# demo.sh - the main job on a simulated example: builds the library and CLI (installing what is
# missing), simulates a 64 MB LC-MS/MS run, and reads it back with `lavoisier info`.
set -euo pipefail
cd "$(dirname "$0")/../.."
. tools/scripts/deps.sh
lv_install_deps
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target lavoisier_cli >/dev/null
mkdir -p build/demo
./build/lavoisier simulate --size "${LV_DEMO_SIZE:-64M}" --seed 7 build/demo/run.mzML
./build/lavoisier info build/demo/run.mzML
./build/lavoisier dump build/demo/run.mzML --index 0
