/* bench_bayes.c - Bayesian fusion and annotation throughput.
 *
 *   bench_bayes batch [THREADS=2] [REPS=9]
 *       10,000 observations x 1,000 hypotheses x 50 evidence: lv_bayes_posterior_batch (float64)
 *       and _f32 on a CPU context with THREADS threads, against the bound measured in the same
 *       run: numpy (float64, OpenBLAS on 1 thread) on the same problem, through
 *       bench/bench_bayes_numpy.py.  Prints medians and the speed-up.
 *   bench_bayes annotate [BYTES=67108864] [THREADS=2]
 *       Simulates a run of BYTES (lv_simulate), reads its MS1 spectra and annotates all of their
 *       centroids against the full HMDB table (openms-common).  The centroids come from a simple
 *       local-maximum picker written here (LABELLED: not lv_centroid, which lives on another
 *       branch): every sample higher than both neighbours and above 1% of the spectrum's maximum
 *       becomes a centroid at its sample m/z.  Prints peaks/s of lv_annotate_batch alone. */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "lavoisier.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static uint64_t rng_state = 88172645463325252ull;
static double gauss(void)
{
    /* xorshift64 + Box-Muller: deterministic inputs, no libc rand state. */
    double u[2];
    for (int k = 0; k < 2; k++) {
        rng_state ^= rng_state << 13;
        rng_state ^= rng_state >> 7;
        rng_state ^= rng_state << 17;
        u[k] = ((rng_state >> 11) + 0.5) * (1.0 / 9007199254740992.0);
    }
    return sqrt(-2.0 * log(u[0])) * cos(6.283185307179586 * u[1]);
}

static int bench_batch(uint32_t threads, int reps)
{
    const uint64_t B = 10000;
    const uint32_t N = 1000, M = 50;
    double *e = malloc(B * M * sizeof *e), *w = malloc((size_t)N * M * sizeof *w),
           *c = malloc(N * sizeof *c), *out = malloc(B * N * sizeof *out);
    float *ef = malloc(B * M * sizeof *ef), *wf = malloc((size_t)N * M * sizeof *wf),
          *cf = malloc(N * sizeof *cf), *outf = malloc(B * N * sizeof *outf);
    if (!e || !w || !c || !out || !ef || !wf || !cf || !outf) return 1;
    for (uint64_t k = 0; k < B * M; k++)
        ef[k] = (float)(e[k] = gauss());
    for (uint64_t k = 0; k < (uint64_t)N * M; k++)
        wf[k] = (float)(w[k] = gauss());
    for (uint32_t k = 0; k < N; k++)
        cf[k] = (float)(c[k] = gauss());

    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    cp.n_threads = threads;
    lv_context *ctx;
    if (lv_context_create(&cp, &ctx) != LV_OK) return 1;
    double t64[64], t32[64];
    if (reps > 64) reps = 64;
    for (int r = -1; r < reps; r++) { /* r = -1: warm-up */
        double t0 = now();
        if (lv_bayes_posterior_batch(ctx, B, N, M, e, w, c, out, NULL) != LV_OK) {
            fprintf(stderr, "%s\n", lv_last_error());
            return 1;
        }
        double t1 = now();
        if (lv_bayes_posterior_batch_f32(ctx, B, N, M, ef, wf, cf, outf, NULL) != LV_OK) return 1;
        double t2 = now();
        if (r >= 0) {
            t64[r] = t1 - t0;
            t32[r] = t2 - t1;
        }
    }
    const double m64 = 1e3 * median(t64, reps), m32 = 1e3 * median(t32, reps);
    lv_context_destroy(ctx);

    /* The bound: numpy on one BLAS thread, same sizes, same process run. */
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python3 %s/bench_bayes_numpy.py %llu %u %u "
             "%d",
             LV_BENCH_SOURCE_DIR, (unsigned long long)B, N, M, reps);
    double np_ms = NAN;
    FILE *p = popen(cmd, "r");
    if (p) {
        char line[256];
        while (fgets(line, sizeof line, p))
            if (strncmp(line, "numpy_f64_1thread ", 18) == 0) np_ms = strtod(line + 18, NULL);
        pclose(p);
    }
    printf("bayes batch %llu x %u x %u, %u CPU threads, median of %d:\n", (unsigned long long)B, N,
           M, threads, reps);
    printf("  lv_bayes_posterior_batch     (f64): %8.2f ms  (%.1fx numpy)\n", m64, np_ms / m64);
    printf("  lv_bayes_posterior_batch_f32 (f32): %8.2f ms  (%.1fx numpy)\n", m32, np_ms / m32);
    printf("  bound: numpy f64, OpenBLAS 1 thread: %8.2f ms\n", np_ms);
    printf("  GEMM rate f64: %.1f GFLOP/s\n", 2.0 * B * N * M / (m64 * 1e-3) * 1e-9);
    free(e), free(w), free(c), free(out), free(ef), free(wf), free(cf), free(outf);
    return 0;
}

/* Local maxima above 1% of the spectrum's maximum (LABELLED simple picker, see top). */
static int bench_annotate(uint64_t bytes, uint32_t threads)
{
    char path[] = "/tmp/lv_bench_bayes_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 1;
    close(fd);
    lv_simulate_params sp;
    lv_simulate_params_init(&sp);
    sp.target_bytes = bytes;
    if (lv_simulate(path, &sp) != LV_OK) {
        fprintf(stderr, "%s\n", lv_last_error());
        return 1;
    }
    lv_context_params cp;
    lv_context_params_init(&cp);
    cp.device = LV_DEVICE_CPU;
    cp.n_threads = threads;
    lv_context *ctx;
    lv_compound_db *db;
    double t0 = now();
    if (lv_context_create(&cp, &ctx) != LV_OK || lv_compound_db_open(NULL, &db) != LV_OK) {
        fprintf(stderr, "%s\n", lv_last_error());
        return 1;
    }
    const double t_db = now() - t0;
    lv_reader_params rp;
    lv_reader_params_init(&rp);
    rp.context = ctx;
    lv_reader *rd;
    if (lv_reader_open(path, &rp, &rd) != LV_OK) return 1;
    lv_annotate_params ap;
    lv_annotate_params_init(&ap);
    ap.polarity = 1;
    uint64_t peaks = 0, rows = 0, spectra = 0;
    double t_ann = 0.0;
    lv_batch *b;
    while (lv_reader_next(rd, &b) == LV_OK && b) {
        lv_batch_view v = {.size = sizeof v};
        lv_batch_get_view(b, &v);
        /* Simple picking into plain CSR arrays. */
        uint64_t *off = malloc((v.n_records + 1) * sizeof *off);
        double *mz = malloc((v.n_points + 1) * sizeof *mz);
        float *in = malloc((v.n_points + 1) * sizeof *in);
        double *rt = malloc((v.n_records + 1) * sizeof *rt);
        uint64_t n = 0, ns = 0;
        off[0] = 0;
        for (uint64_t s = 0; s < v.n_records; s++) {
            if (v.ms_level[s] != 1) continue;
            float mx = 0;
            for (uint64_t i = v.offsets[s]; i < v.offsets[s + 1]; i++)
                if (v.intensity[i] > mx) mx = v.intensity[i];
            for (uint64_t i = v.offsets[s] + 1; i + 1 < v.offsets[s + 1]; i++)
                if (v.intensity[i] > v.intensity[i - 1] && v.intensity[i] >= v.intensity[i + 1] &&
                    v.intensity[i] >= 0.01f * mx) {
                    mz[n] = v.mz[i];
                    in[n++] = v.intensity[i];
                }
            rt[ns] = v.rt_seconds[s];
            off[++ns] = n;
        }
        double t1 = now();
        lv_annotation *ann;
        if (lv_annotate(ctx, db, &ap, ns, off, mz, in, rt, &ann) != LV_OK) {
            fprintf(stderr, "%s\n", lv_last_error());
            return 1;
        }
        t_ann += now() - t1;
        lv_annotation_view av = {.size = sizeof av};
        lv_annotation_get_view(ann, &av);
        peaks += av.n_peaks;
        rows += av.n_rows;
        spectra += ns;
        lv_annotation_destroy(ann);
        free(off), free(mz), free(in), free(rt);
        lv_batch_destroy(b);
    }
    printf("annotate: simulated run %.0f MB, %llu MS1 spectra, %llu centroids (simple local-max "
           "picker, >= 1%% of base peak), HMDB %llu entries x %u positive adducts\n",
           bytes / 1e6, (unsigned long long)spectra, (unsigned long long)peaks,
           (unsigned long long)lv_compound_db_count(db), lv_compound_db_adduct_count(db, 1));
    printf("  lv_annotate: %.3f s, %.0f peaks/s on %u threads, %.1f candidate rows/peak kept "
           "(top 5); database load %.3f s\n",
           t_ann, peaks / t_ann, threads, (double)rows / (double)(peaks ? peaks : 1), t_db);
    lv_reader_close(rd);
    lv_compound_db_destroy(db);
    lv_context_destroy(ctx);
    unlink(path);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "batch") == 0)
        return bench_batch(argc > 2 ? (uint32_t)atoi(argv[2]) : 2, argc > 3 ? atoi(argv[3]) : 9);
    if (argc >= 2 && strcmp(argv[1], "annotate") == 0)
        return bench_annotate(argc > 2 ? strtoull(argv[2], NULL, 10) : (64ull << 20),
                              argc > 3 ? (uint32_t)atoi(argv[3]) : 2);
    fprintf(stderr, "usage: bench_bayes batch [THREADS] [REPS] | annotate [BYTES] [THREADS]\n");
    return 2;
}
