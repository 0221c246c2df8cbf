#!/usr/bin/env bash
# run_reader_bench.sh SIZE [REPEATS] - simulate a run of SIZE (e.g. 1G), then measure in one
# session: the one-core bound, lavoisier's reader with 1 and 2 threads, and the peers that are
# installed (OpenMS FileInfo, pymzML).  Prints every run and the medians.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1G}
reps=${2:-3}
build=${BUILD:-build}
file=${BENCH_DIR:-/tmp}/lv_bench_$size.mzML
[ -f "$file" ] || "$build"/lavoisier simulate --size "$size" --seed 42 "$file"
echo "file: $file ($(stat -c %s "$file") bytes)"
run() { for _ in $(seq "$reps"); do "$@"; done; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
out=$(mktemp)
run "$build"/bench/bench_reader "$file" bound | tee -a "$out"
run "$build"/bench/bench_reader "$file" read 1 | tee -a "$out"
run "$build"/bench/bench_reader "$file" read 2 | tee -a "$out"
for mode in "bound	1" "read	1" "read	2"; do
    mbs=$(grep -P "^$mode\t" "$out" | cut -f4 | median)
    rss=$(grep -P "^$mode\t" "$out" | grep -o 'peak_rss_MB=[0-9.]*' | cut -d= -f2 | median)
    echo "median $mode: ${mbs} MB/s, peak RSS ${rss} MB"
done
if command -v FileInfo >/dev/null; then
    t0=$(date +%s.%N); FileInfo -in "$file" >/dev/null 2>&1 || true; t1=$(date +%s.%N)
    echo "OpenMS FileInfo: $(echo "$(stat -c %s "$file") / ($t1 - $t0) / 1000000" | bc -l | cut -c1-6) MB/s"
fi
if python3 -c "import pymzml" 2>/dev/null; then
    t0=$(date +%s.%N)
    python3 -c "import pymzml,sys; [s.peaks('raw') for s in pymzml.run.Reader(sys.argv[1])]" "$file"
    t1=$(date +%s.%N)
    echo "pymzML: $(echo "$(stat -c %s "$file") / ($t1 - $t0) / 1000000" | bc -l | cut -c1-6) MB/s"
fi
rm -f "$out"
