#!/usr/bin/env bash
# run_all.sh [OUTDIR] - every benchmark of bench/RESULTS.md, one after the other in one session,
# each with the load average before it (the rows of record need a quiet machine: load < 1).
# Needs a Release build in $BUILD (default build) with the benchmarks, and writes each log to
# OUTDIR (default bench/out).  Large inputs are simulated once into $BENCH_DIR (default /tmp).
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-bench/out}
mkdir -p "$out"
export BUILD=${BUILD:-build}
step() { # name command...
    local name=$1; shift
    echo "== $name  ($(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg))" | tee "$out/$name.log"
    "$@" 2>&1 | tee -a "$out/$name.log"
}
step reader bash bench/run_reader_bench.sh 1G 3
step centroid env OPENMS_REPS="${OPENMS_REPS:-1}" bash bench/run_centroid_bench.sh 1G 3
step peaks "$BUILD"/bench/bench_peaks
step denoise bash bench/run_denoise_bench.sh 5
step bayes_2t "$BUILD"/bench/bench_bayes batch 2 9
step bayes_1t "$BUILD"/bench/bench_bayes batch 1 5
step annotate "$BUILD"/bench/bench_bayes annotate 67108864 2
step frames "$BUILD"/bench/bench_frames "${BENCH_DIR:-/tmp}/lv_bench_frames"
step writer "$BUILD"/bench/bench_writer
step python_overhead env PYTHONPATH="$BUILD/python" LAVOISIER_LIBRARY="$BUILD/liblavoisier.so.0" python3 bench/bench_python_overhead.py
echo "logs in $out"
