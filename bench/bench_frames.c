/* bench_frames.c - heatmap frame rasterization against numpy in the same run.
 *
 *   bench_frames [WORKDIR]
 *
 * Simulates a run (lavoisier's simulator, 20,000 profile points per MS1 spectrum), reads its
 * first 1,000 MS1 spectra and draws 1,000 frames of 512 x 512 RGB: m/z 100-1000 on rows, a 10 s
 * RT window sliding by one 1 s cycle (about 10 spectra, 200,000 points per frame), summed
 * intensities, log1p, per-frame normalization, viridis.  Measured, each as the median of 5 runs:
 *   - lv_frames on the CPU backend with 1 and 2 threads (rasterization alone: frames into memory,
 *     100 frames per call);
 *   - the bound it is compared with: bench/frames_numpy.py, numpy.histogram2d + matplotlib
 *     colormap on the same spectra (median of 3 runs of 300 frames);
 *   - separately, encoding the 1,000 frames to H.264 MP4 through ffmpeg (lv_video_*), when
 *     ffmpeg is installed.
 * Prints frames/s per measurement and the speed-up over numpy. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lavoisier.h"

#define N_SPECTRA 1000
#define WIDTH     512
#define HEIGHT    512
#define GROUP     100
#define REPS      5

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct spectra {
    uint64_t n, cap_p;
    uint64_t offsets[N_SPECTRA + 1];
    double rt[N_SPECTRA];
    double *mz;
    float *intensity;
} spectra;

static int fail(const char *what, lv_status st)
{
    fprintf(stderr, "bench_frames: %s: %s: %s\n", what, lv_status_string(st), lv_last_error());
    return 1;
}

static int load(const char *path, spectra *s)
{
    lv_reader *r = NULL;
    lv_status st = lv_reader_open(path, NULL, &r);
    if (st != LV_OK) return fail(path, st);
    s->offsets[0] = 0;
    while (s->n < N_SPECTRA) {
        lv_batch *b = NULL;
        if ((st = lv_reader_next(r, &b)) != LV_OK) return fail(path, st);
        if (!b) break;
        lv_batch_view v;
        v.size = sizeof v;
        lv_batch_get_view(b, &v);
        for (uint64_t i = 0; i < v.n_records && s->n < N_SPECTRA; i++) {
            if (v.ms_level[i] != 1) continue;
            uint64_t n = v.offsets[i + 1] - v.offsets[i], at = s->offsets[s->n];
            if (at + n > s->cap_p) {
                s->cap_p = 2 * (at + n);
                s->mz = realloc(s->mz, s->cap_p * sizeof *s->mz);
                s->intensity = realloc(s->intensity, s->cap_p * sizeof *s->intensity);
                if (!s->mz || !s->intensity) return 1;
            }
            memcpy(s->mz + at, v.mz + v.offsets[i], n * sizeof *s->mz);
            memcpy(s->intensity + at, v.intensity + v.offsets[i], n * sizeof *s->intensity);
            s->rt[s->n] = v.rt_seconds[i];
            s->offsets[++s->n] = at + n;
        }
        lv_batch_destroy(b);
    }
    lv_reader_close(r);
    return s->n == N_SPECTRA ? 0
                             : (fprintf(stderr, "bench_frames: only %llu MS1 spectra\n",
                                        (unsigned long long)s->n),
                                1);
}

static int dump(const char *dir, const char *name, const void *p, size_t bytes)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    int ok = f && fwrite(p, 1, bytes, f) == bytes;
    if (f) ok &= fclose(f) == 0;
    return ok ? 0 : 1;
}

/* All frames with lv_frames in groups of GROUP frames; returns seconds. */
static double rasterize(lv_context *ctx, const lv_frame_params *base, const spectra *s,
                        uint64_t n_frames, uint8_t *out, uint64_t frame_bytes, lv_status *st)
{
    double t = now();
    for (uint64_t f0 = 0; f0 < n_frames && *st == LV_OK; f0 += GROUP) {
        lv_frame_params p = *base;
        p.rt_start = base->rt_start + (double)f0 * base->rt_stride;
        uint64_t n = n_frames - f0 < GROUP ? n_frames - f0 : GROUP;
        *st = lv_frames(ctx, &p, s->n, s->offsets, s->mz, s->intensity, s->rt, NULL, n,
                        out + f0 * frame_bytes);
    }
    return now() - t;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "/tmp/lv_bench_frames";
    char path[4096], cmd[8192];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
    if (system(cmd) != 0) return 1;
    snprintf(path, sizeof path, "%s/run.mzML", dir);

    lv_simulate_params sp;
    lv_simulate_params_init(&sp);
    sp.ms2_per_cycle = 1;
    sp.target_bytes = 300ull << 20; /* a little over 1,000 cycles */
    lv_status st = lv_simulate(path, &sp);
    if (st != LV_OK) return fail("simulate", st);
    static spectra s;
    if (load(path, &s)) return 1;

    lv_frame_params p;
    lv_frame_params_init(&p);
    p.width = WIDTH;
    p.height = HEIGHT;
    p.mz_min = 100;
    p.mz_max = 1000;
    p.rt_start = s.rt[0];
    p.rt_window = 10.0 * sp.cycle_seconds;
    p.rt_stride = sp.cycle_seconds;
    p.ms_level = 0;
    p.accumulate = LV_ACCUMULATE_SUM;
    p.scale = LV_SCALE_LOG1P;
    p.blur_sigma = 0;
    p.colormap = LV_COLORMAP_VIRIDIS;
    p.format = LV_FRAME_RGB8;
    uint64_t n_frames = 0, frame_bytes = 0;
    lv_frames_count(&p, s.n, s.rt, NULL, &n_frames);
    if (n_frames > N_SPECTRA) n_frames = N_SPECTRA;
    lv_frame_size(&p, NULL, &frame_bytes);
    uint8_t *out = malloc(n_frames * frame_bytes);
    if (!out) return 1;
    printf("bench_frames: %llu MS1 spectra, %llu points, %llu frames of %dx%d RGB "
           "(window %.0f s, stride %.0f s, sum, log1p, viridis)\n",
           (unsigned long long)s.n, (unsigned long long)s.offsets[s.n],
           (unsigned long long)n_frames, WIDTH, HEIGHT, p.rt_window, p.rt_stride);

    double fps[3] = {0, 0, 0};
    for (uint32_t threads = 1; threads <= 2; threads++) {
        lv_context_params cp;
        lv_context_params_init(&cp);
        cp.device = LV_DEVICE_CPU;
        cp.n_threads = threads;
        lv_context *ctx = NULL;
        if ((st = lv_context_create(&cp, &ctx)) != LV_OK) return fail("context", st);
        double v[REPS];
        for (int k = 0; k < REPS; k++) {
            double sec = rasterize(ctx, &p, &s, n_frames, out, frame_bytes, &st);
            if (st != LV_OK) return fail("lv_frames", st);
            v[k] = (double)n_frames / sec;
        }
        fps[threads] = median(v, REPS);
        printf("lv_frames cpu, %u thread%s: %.1f frames/s (median of %d)\n", threads,
               threads > 1 ? "s" : "", fps[threads], REPS);
        lv_context_destroy(ctx);
    }

    /* The numpy peer on the same spectra. */
    double np_fps = 0;
    FILE *pf = NULL;
    snprintf(path, sizeof path, "%s/params.txt", dir);
    if ((pf = fopen(path, "w")) != NULL) {
        fprintf(pf, "%d %d %.17g %.17g %.17g %.17g %.17g\n", WIDTH, HEIGHT, p.mz_min, p.mz_max,
                p.rt_start, p.rt_window, p.rt_stride);
        fclose(pf);
    }
    if (dump(dir, "offsets.u64", s.offsets, (s.n + 1) * sizeof(uint64_t)) ||
        dump(dir, "mz.f64", s.mz, s.offsets[s.n] * sizeof(double)) ||
        dump(dir, "intensity.f32", s.intensity, s.offsets[s.n] * sizeof(float)) ||
        dump(dir, "rt.f64", s.rt, s.n * sizeof(double)))
        return 1;
    snprintf(cmd, sizeof cmd, "python3 '%s/frames_numpy.py' '%s' 300 3", LV_BENCH_DIR, dir);
    FILE *py = popen(cmd, "r");
    double v[3];
    int nv = 0;
    char line[256];
    while (py && fgets(line, sizeof line, py))
        if (nv < 3 && sscanf(line, "numpy_frames_per_s %lf", &v[nv]) == 1) nv++;
    if (py) pclose(py);
    if (nv > 0) {
        np_fps = median(v, nv);
        printf("numpy histogram2d + matplotlib viridis: %.1f frames/s (median of %d)\n", np_fps,
               nv);
        printf("speed-up over numpy: %.1fx (1 thread), %.1fx (2 threads)\n", fps[1] / np_fps,
               fps[2] / np_fps);
    } else {
        printf("numpy peer not run (python3 with numpy and matplotlib needed)\n");
    }

    /* Encoding alone, separately. */
    snprintf(path, sizeof path, "%s/frames.mp4", dir);
    lv_video *video = NULL;
    double t = now();
    st = lv_video_open(path, WIDTH, HEIGHT, 3, NULL, &video);
    if (st == LV_OK) st = lv_video_write(video, out, n_frames);
    if (st == LV_OK) st = lv_video_finish(video);
    lv_video_close(video);
    if (st == LV_OK)
        printf("ffmpeg libx264 encode of %llu frames: %.2f s (%.1f frames/s)\n",
               (unsigned long long)n_frames, now() - t, (double)n_frames / (now() - t));
    else
        printf("ffmpeg encode not measured: %s\n", lv_last_error());
    free(out);
    free(s.mz);
    free(s.intensity);
    return 0;
}
