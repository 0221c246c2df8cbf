#!/usr/bin/env bash
# run_centroid_bench.sh SIZE [REPEATS] - the main job end to end, side by side in one session:
# `lavoisier centroid` (MS1, CPU, 1 and 2 threads) against OpenMS PeakPickerHiRes
# (-algorithm:ms_levels 1) on the same simulated run of SIZE (e.g. 1G).  Prints every run (wall
# seconds and peak RSS from /usr/bin/time) and the medians and ratios.  OPENMS_REPS limits the
# OpenMS repeats (it is slow); LV_SKIP_OPENMS=1 skips it; LV_BENCH_OVERWRITE=1 times each run
# over the previous run's output instead of into a fresh file.
set -euo pipefail
cd "$(dirname "$0")/.."
size=${1:-1G}
reps=${2:-3}
build=${BUILD:-build}
dir=${BENCH_DIR:-/tmp}
file=$dir/lv_bench_$size.mzML
[ -f "$file" ] || "$build"/lavoisier simulate --size "$size" --seed 42 "$file"
echo "file: $file ($(stat -L -c %s "$file") bytes), $(nproc) CPUs, $(date -u +%F)"
echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
log=$(mktemp)
timed() { # label command...: one line "label<TAB>seconds<TAB>peak_rss_MB"
    local label=$1; shift
    # The previous run's output is removed untimed: replacing a ~430 MB file costs the kernel
    # ~0.15-0.25 s of freeing its blocks (in lavoisier's final rename, in OpenMS's truncating
    # open), which is the file system's bill for the last repetition, not the tool's work.
    # LV_BENCH_OVERWRITE=1 keeps the outputs and times the overwrite.
    [ -n "${LV_BENCH_OVERWRITE:-}" ] || { rm -f "$dir/lv_centroid.mzML" "$dir/openms_centroid.mzML"; sync; }
    /usr/bin/time -f "%e %M" -o "$log.t" "$@" >"$log.out" 2>&1 || { cat "$log.out"; exit 1; }
    read -r secs kb <"$log.t"
    printf '%s\t%s\t%.1f\n' "$label" "$secs" "$(echo "$kb / 1024" | bc -l)" | tee -a "$log"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
for _ in $(seq "$reps"); do
    timed "lavoisier_2t" "$build"/lavoisier centroid "$file" -o "$dir/lv_centroid.mzML" \
        --ms-levels 1 --device cpu --threads 2 --quiet
    timed "lavoisier_1t" "$build"/lavoisier centroid "$file" -o "$dir/lv_centroid.mzML" \
        --ms-levels 1 --device cpu --threads 1 --quiet
done
# One more 2-thread run with its summary (stage times, pipeline waits), then the output read
# back with its index and checksum verified.
[ -n "${LV_BENCH_OVERWRITE:-}" ] || rm -f "$dir/lv_centroid.mzML"
"$build"/lavoisier centroid "$file" -o "$dir/lv_centroid.mzML" --ms-levels 1 --device cpu \
    --threads 2 --quiet
"$build"/lavoisier info --verify-checksum "$dir/lv_centroid.mzML" | grep -E "^(index|checksum)"
if command -v PeakPickerHiRes >/dev/null && [ -z "${LV_SKIP_OPENMS:-}" ]; then
    for _ in $(seq "${OPENMS_REPS:-$reps}"); do
        timed "openms" PeakPickerHiRes -in "$file" -out "$dir/openms_centroid.mzML" \
            -algorithm:ms_levels 1 -threads 1
    done
fi
for label in lavoisier_2t lavoisier_1t openms; do
    grep -q "^$label	" "$log" || continue
    s=$(grep "^$label	" "$log" | cut -f2 | median)
    m=$(grep "^$label	" "$log" | cut -f3 | median)
    echo "median $label: ${s} s, peak RSS ${m} MB"
    eval "med_$label=$s"
done
if [ -n "${med_openms:-}" ]; then
    echo "speed-up vs OpenMS: 2 threads $(echo "$med_openms / $med_lavoisier_2t" | bc -l | cut -c1-5)x," \
        "1 thread $(echo "$med_openms / $med_lavoisier_1t" | bc -l | cut -c1-5)x"
fi
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -f "$log" "$log.t" "$log.out"
