#!/usr/bin/env bash
# run_denoise_bench.sh [REPEATS] - bench_denoise (1 and 2 threads) and, when importable,
# PyWavelets / scipy on the same 10,000,000 points in one session; prints the ratios against
# the issue's targets (10x PyWavelets per spectrum, 10x OpenMS NoiseFilterSGolay's 22.5 Mpoints/s).
set -euo pipefail
cd "$(dirname "$0")/.."
reps=${1:-5}
build=${BUILD:-build}
data=$(mktemp --suffix=.f32)
trap 'rm -f "$data"' EXIT
out=$(mktemp)
"$build"/bench/bench_denoise "$reps" "$data" | tee "$out"
if python3 -c "import pywt" 2>/dev/null; then
    python3 bench/bench_denoise_peers.py "$data" 3 | tee -a "$out"
else
    echo "# PyWavelets not importable: peer comparison skipped"
fi
mp() { grep -P "^median\t$1\t$2" "$out" | awk -F'\t' '{print $5}' | cut -d' ' -f1; }
ours=$(mp wavelet_db4_soft_universal 2)
peer=$(mp pywavelets_db4_soft_universal 1 || true)
[ -n "$peer" ] && echo "wavelet, 2 threads: $ours Mpoints/s = $(echo "$ours / $peer" | bc -l | cut -c1-5)x PyWavelets here (target 10x)"
sg=$(mp savgol_11_4 2)
echo "savgol (11,4), 2 threads: $sg Mpoints/s = $(echo "$sg / 22.5" | bc -l | cut -c1-5)x OpenMS NoiseFilterSGolay's 22.5 Mpoints/s from the issue (target 10x)"
speer=$(mp scipy_savgol_11_4 1 || true)
[ -n "$speer" ] && echo "savgol vs scipy here: $(echo "$sg / $speer" | bc -l | cut -c1-5)x"
# OpenMS NoiseFilterSGolay (11, 4) on a simulated run in the same session: its own log times the
# "smoothing data" phase alone (loading and storing are reported separately and not counted).
if command -v NoiseFilterSGolay >/dev/null; then
    sim=${BENCH_DIR:-/tmp}/lv_bench_${SG_SIZE:-1G}.mzML
    [ -f "$sim" ] || "$build"/lavoisier simulate --size "${SG_SIZE:-1G}" --seed 42 "$sim" >/dev/null
    pts=$("$build"/lavoisier info --json "$sim" | grep -o '"total_spectrum_points": [0-9]*' | grep -o '[0-9]*$')
    log=$(mktemp)
    NoiseFilterSGolay -in "$sim" -out "$log.mzML" -algorithm:frame_length 11 \
        -algorithm:polynomial_order 4 >"$log" 2>&1 || true
    secs=$(tr '\r' '\n' <"$log" | awk '/smoothing data/ {f = 1} f && /took/ {print; exit}' | grep -o 'took [0-9.]* s (CPU), [0-9.]* s (Wall)' |
        grep -o '[0-9.]* s (Wall)' | cut -d' ' -f1)
    rm -f "$log" "$log.mzML"
    if [ -n "$secs" ]; then
        omp=$(echo "$pts / $secs / 1000000" | bc -l | cut -c1-6)
        echo "OpenMS NoiseFilterSGolay smoothing phase: $pts points in $secs s = $omp Mpoints/s ($(basename "$sim"))"
        echo "savgol (11,4), 2 threads: $(echo "$sg / $omp" | bc -l | cut -c1-5)x OpenMS NoiseFilterSGolay measured here (target 10x)"
    fi
fi
rm -f "$out"
