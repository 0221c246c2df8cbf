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
rm -f "$out"
