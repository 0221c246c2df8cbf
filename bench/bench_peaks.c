/* bench_peaks.c - peak picking and centroiding throughput on the CPU, against a bound measured in
 * the same run.
 *
 *   bench_peaks [FILE.mzML] [REPEATS]
 *
 * Without FILE, a 256 MiB run is simulated into /tmp (lv_simulate, 20000-point MS1 profile
 * spectra).  The MS1 profile spectra are read into one CSR array set, then each operation runs
 * REPEATS times (default 7) with 1 and 2 threads; the table gives medians in Mpoints/s, total and
 * per thread.  The bound is a plain streaming pass over the same intensity array (sum of floats,
 * one core): the memory read rate any per-point algorithm is limited by. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lavoisier.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct spectra {
    uint64_t n, points, cap_n, cap_points;
    uint64_t *off;
    double *mz;
    float *x;
} spectra;

static int append_ms1_profile(spectra *s, const lv_batch *b)
{
    lv_batch_view v = {.size = sizeof v};
    if (lv_batch_get_view(b, &v) != LV_OK) return -1;
    for (uint64_t i = 0; i < v.n_records; i++) {
        if (v.ms_level[i] != 1 || v.representation[i] != LV_REPR_PROFILE) continue;
        const uint64_t len = v.offsets[i + 1] - v.offsets[i];
        if (s->n + 2 > s->cap_n) {
            s->cap_n = s->cap_n ? 2 * s->cap_n : 1024;
            s->off = realloc(s->off, s->cap_n * sizeof *s->off);
        }
        if (s->points + len > s->cap_points) {
            s->cap_points = 2 * (s->points + len);
            s->mz = realloc(s->mz, s->cap_points * sizeof *s->mz);
            s->x = realloc(s->x, s->cap_points * sizeof *s->x);
        }
        if (!s->off || !s->mz || !s->x) return -1;
        memcpy(s->mz + s->points, v.mz + v.offsets[i], len * sizeof *s->mz);
        memcpy(s->x + s->points, v.intensity + v.offsets[i], len * sizeof *s->x);
        s->off[s->n] = s->points;
        s->points += len;
        s->off[++s->n] = s->points;
    }
    return 0;
}

/* The bound: one streaming read of the intensities (the result is printed so it is computed). */
static double stream_sum(const float *x, uint64_t n, double *secs)
{
    double t0 = now();
    float acc[8] = {0};
    uint64_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int k = 0; k < 8; k++)
            acc[k] += x[i + k];
    for (; i < n; i++)
        acc[0] += x[i];
    *secs = now() - t0;
    double s = 0;
    for (int k = 0; k < 8; k++)
        s += acc[k];
    return s;
}

enum { OP_LOCALMAX_D1, OP_LOCALMAX_D5, OP_CENTROID, OP_CENTROID_SNR, OP_COUNT };
static const char *op_names[OP_COUNT] = {"localmax distance=1", "localmax distance=5",
                                         "centroid snr=0 (apex)", "centroid snr=3 (MAD noise)"};

static int run_op(lv_context *ctx, int op, const spectra *s, uint32_t *idx, double *om, float *oi,
                  uint64_t *oo, uint64_t *found)
{
    const uint64_t cap = s->points;
    lv_status st;
    if (op == OP_LOCALMAX_D1 || op == OP_LOCALMAX_D5) {
        lv_localmax_params p;
        lv_localmax_params_init(&p);
        p.min_distance = op == OP_LOCALMAX_D1 ? 1 : 5;
        st = lv_localmax(ctx, &p, s->n, s->off, s->x, cap, idx, oo);
    } else {
        lv_centroid_params p;
        lv_centroid_params_init(&p);
        if (op == OP_CENTROID_SNR) p.snr = 3.0;
        st = lv_centroid(ctx, &p, s->n, s->off, s->mz, s->x, cap, om, oi, NULL, oo);
    }
    if (st != LV_OK) {
        fprintf(stderr, "%s: %s\n", op_names[op], lv_last_error());
        return -1;
    }
    *found = oo[s->n];
    return 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : NULL;
    const int repeats = argc > 2 ? atoi(argv[2]) : 7;
    char tmp[] = "/tmp/bench_peaks_sim.mzML";
    if (!path) {
        lv_simulate_params sp;
        lv_simulate_params_init(&sp);
        sp.target_bytes = (uint64_t)256 << 20;
        if (lv_simulate(tmp, &sp) != LV_OK) {
            fprintf(stderr, "simulate: %s\n", lv_last_error());
            return 1;
        }
        path = tmp;
    }
    lv_reader *r;
    if (lv_reader_open(path, NULL, &r) != LV_OK) {
        fprintf(stderr, "%s\n", lv_last_error());
        return 1;
    }
    spectra s = {0};
    lv_batch *b;
    while (lv_reader_next(r, &b) == LV_OK && b) {
        if (append_ms1_profile(&s, b) != 0) return 1;
        lv_batch_destroy(b);
    }
    lv_reader_close(r);
    if (s.n == 0) {
        fprintf(stderr, "no MS1 profile spectra in %s\n", path);
        return 1;
    }
    printf("input: %s: %llu MS1 profile spectra, %.1f Mpoints (%.0f MB of m/z + intensity)\n", path,
           (unsigned long long)s.n, s.points / 1e6, s.points * 12.0 / 1e6);

    double t[64];
    double sink = 0;
    for (int k = 0; k < repeats; k++)
        sink += stream_sum(s.x, s.points, &t[k]);
    const double bound = s.points / median(t, repeats) / 1e6;
    printf("bound: streaming read of the intensities, 1 core: %.0f Mpoints/s (%.1f GB/s)%s\n",
           bound, bound * 4e-3, sink == 12345.0 ? " " : "");

    uint32_t *idx = malloc(s.points * sizeof *idx);
    double *om = malloc(s.points * sizeof *om);
    float *oi = malloc(s.points * sizeof *oi);
    uint64_t *oo = malloc((s.n + 1) * sizeof *oo);
    if (!idx || !om || !oi || !oo) return 1;
    printf("\n%-28s %7s %10s %12s %16s %12s\n", "operation (median of runs)", "threads", "peaks",
           "Mpoints/s", "Mpoints/s/core", "core/bound");
    for (int op = 0; op < OP_COUNT; op++) {
        for (uint32_t threads = 1; threads <= 2; threads++) {
            lv_context_params cp;
            lv_context_params_init(&cp);
            cp.device = LV_DEVICE_CPU;
            cp.n_threads = threads;
            lv_context *ctx;
            if (lv_context_create(&cp, &ctx) != LV_OK) return 1;
            uint64_t found = 0;
            if (run_op(ctx, op, &s, idx, om, oi, oo, &found) != 0) return 1; /* warm-up */
            for (int k = 0; k < repeats; k++) {
                double t0 = now();
                if (run_op(ctx, op, &s, idx, om, oi, oo, &found) != 0) return 1;
                t[k] = now() - t0;
            }
            const double rate = s.points / median(t, repeats) / 1e6;
            printf("%-28s %7u %10llu %12.0f %16.0f %11.2fx\n", op_names[op], threads,
                   (unsigned long long)found, rate, rate / threads, rate / threads / bound);
            lv_context_destroy(ctx);
        }
    }
    free(idx);
    free(om);
    free(oi);
    free(oo);
    free(s.off);
    free(s.mz);
    free(s.x);
    if (path == tmp) remove(tmp);
    return 0;
}
