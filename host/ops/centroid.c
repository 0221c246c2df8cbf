/* centroid.c - lv_centroid: profile spectra to centroids on the CPU or the CUDA backend.
 *
 * Per spectrum: the threshold max(min_intensity, snr * noise) (the MAD noise is computed only
 * when it can matter, i.e. snr > 0 and no fixed noise was given), then every scipy-style local
 * maximum at or above it becomes one centroid, fitted by peak_math.h.  Output staging is the
 * "half slot" scheme of localmax.c: a spectrum of m points yields at most (m - 1) / 2 centroids. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "ops/centroid_cpu.h"
#include "ops/cpu_clones.h"
#include "ops/localmax_cpu.h"
#include "ops/noise_mad.h"
#include "ops/spectrum_chunks.h"
#include "peak_math.h"
#include "runtime/context.h"
#include "runtime/error.h"

LV_API void lv_centroid_params_init(lv_centroid_params *params)
{
    if (!params) return;
    memset(params, 0, sizeof *params);
    params->size = sizeof *params;
    params->snr = 0.0;
    params->min_intensity = 0.0;
    params->noise = 0.0;
    params->intensity = LV_CENTROID_APEX;
    params->ms_levels = 0xFFFFFFFFu;
    params->fwhm = 0;
}

lv_status lv_centroid_check_params(const char *op, const lv_centroid_params *params,
                                   lv_centroid_params *resolved)
{
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_centroid_params);
    lv_centroid_params p;
    lv_centroid_params_init(&p);
    if (params) p = *params;
    RETURN_ERROR_IF(!(p.snr >= 0.0) || isinf(p.snr), LV_ERR_INVALID_ARGUMENT,
                    "%s: snr is %g, it must be finite and >= 0", op, p.snr);
    RETURN_ERROR_IF(isnan(p.min_intensity), LV_ERR_INVALID_ARGUMENT, "%s: min_intensity is NaN",
                    op);
    RETURN_ERROR_IF(!(p.noise >= 0.0) || isinf(p.noise), LV_ERR_INVALID_ARGUMENT,
                    "%s: noise is %g, it must be finite and >= 0", op, p.noise);
    RETURN_ERROR_IF(p.intensity != LV_CENTROID_APEX && p.intensity != LV_CENTROID_AREA,
                    LV_ERR_INVALID_ARGUMENT, "%s: intensity mode %d is not APEX (0) or AREA (1)",
                    op, (int)p.intensity);
    RETURN_ERROR_IF(p.fwhm > 1, LV_ERR_INVALID_ARGUMENT, "%s: fwhm is %u, it must be 0 or 1", op,
                    p.fwhm);
    *resolved = p;
    return LV_OK;
}

/* ---- one spectrum ---- */

/* Candidates are collected and fitted in blocks: the scan stays branch-light, and the fits of a
 * block run as one loop over arrays, which the compiler vectorizes (four peaks per AVX2 vector):
 * at S/N 0 about every fourth point is a peak, so the fit's two divisions, three logarithms and
 * one exponential per peak are most of the work. */
#define FIT_BLOCK 256

#if defined(__SSE2__)
/* Bits k of the left edges (x[i+k-1] < x[i+k]) whose next sample does not rise
 * (x[i+k+1] <= x[i+k]) among the 8 samples from i, and in *flat those among them where the next
 * sample is equal (a plateau starts).  The comparisons are ordered, so a NaN sets no bit, as in
 * C. */
static inline unsigned edge_bits8(const float *x, uint64_t i, unsigned *flat)
{
    const __m128 v0 = _mm_loadu_ps(x + i), v1 = _mm_loadu_ps(x + i + 4);
    const __m128 l0 = _mm_loadu_ps(x + i - 1), l1 = _mm_loadu_ps(x + i + 3);
    const __m128 r0 = _mm_loadu_ps(x + i + 1), r1 = _mm_loadu_ps(x + i + 5);
    const __m128 e0 = _mm_and_ps(_mm_cmplt_ps(l0, v0), _mm_cmple_ps(r0, v0));
    const __m128 e1 = _mm_and_ps(_mm_cmplt_ps(l1, v1), _mm_cmple_ps(r1, v1));
    *flat = (unsigned)_mm_movemask_ps(_mm_and_ps(e0, _mm_cmpeq_ps(r0, v0))) |
            (unsigned)_mm_movemask_ps(_mm_and_ps(e1, _mm_cmpeq_ps(r1, v1))) << 4;
    return (unsigned)_mm_movemask_ps(e0) | (unsigned)_mm_movemask_ps(e1) << 4;
}
#endif

/* Peak positions of the left edges i in [*from, n - 1) that pass the threshold, in order, into
 * apex[0..FIT_BLOCK); stops early when the block is nearly full.  *from advances past the
 * samples examined.  Returns the count. */
static size_t scan_block(const float *x, uint64_t n, uint64_t *from, double threshold,
                         uint64_t *apex)
{
    size_t m = 0;
    uint64_t i = *from;
#if defined(__SSE2__)
    /* 64 samples at a time into one mask, walked bit by bit: the walk's one unpredictable
     * branch, its exit, comes once per 64 samples instead of once per few. */
    while (i + 65 <= n && m + 64 <= FIT_BLOCK) {
        uint64_t edges = 0, flats = 0;
        for (unsigned g = 0; g < 8; g++) {
            unsigned flat;
            edges |= (uint64_t)edge_bits8(x, i + 8 * g, &flat) << (8 * g);
            flats |= (uint64_t)flat << (8 * g);
        }
        while (edges) {
            const unsigned j = (unsigned)__builtin_ctzll(edges);
            edges &= edges - 1;
            uint64_t c = i + j, right;
            if (__builtin_expect((flats >> j) & 1, 0)) { /* a plateau starts at c */
                const int64_t p = lv_peak_at_left_edge(x, n, c, &right);
                if (p < 0) continue;
                c = (uint64_t)p;
            }
            apex[m] = c;
            m += (double)x[c] >= threshold;
        }
        i += 64;
    }
    if (i + 65 <= n) { /* the block is full: the next call goes on with vectors */
        *from = i;
        return m;
    }
#endif
    for (; i + 1 < n && m < FIT_BLOCK; i++) {
        uint64_t right;
        const int64_t p = lv_peak_at_left_edge(x, n, i, &right);
        if (p < 0) continue;
        apex[m] = (uint64_t)p;
        m += (double)x[p] >= threshold;
    }
    *from = i;
    return m;
}

/* The first j in [1, n) with !(mz[j] >= mz[j - 1]), or 0 when the m/z ascend: a reduction over
 * blocks that vectorizes, then the position found in the one block that failed. */
LV_CPU_CLONES static uint64_t first_unordered(const double *mz, uint64_t n)
{
    const uint64_t block = 1024;
    for (uint64_t lo = 1; lo < n; lo += block) {
        const uint64_t hi = n - lo > block ? lo + block : n;
        int bad = 0;
        for (uint64_t j = lo; j < hi; j++)
            bad |= !(mz[j] >= mz[j - 1]);
        if (!bad) continue;
        for (uint64_t j = lo; j < hi; j++)
            if (!(mz[j] >= mz[j - 1])) return j;
    }
    return 0;
}

/* lv_gauss3_apex of every peak of a block, as one loop over arrays (the same operations as the
 * per-peak function the GPU runs, so the same bits). */
LV_CPU_CLONES static void fit_block(const double *mz, const float *x, const uint64_t *apex,
                                    size_t m, double *out_mz, float *out_intensity)
{
    double i0[FIT_BLOCK], i1[FIT_BLOCK], i2[FIT_BLOCK], u0[FIT_BLOCK], u2[FIT_BLOCK], mc[FIT_BLOCK];
    for (size_t k = 0; k < m; k++) {
        const uint64_t c = apex[k];
        i0[k] = x[c - 1];
        i1[k] = x[c];
        i2[k] = x[c + 1];
        mc[k] = mz[c];
        u0[k] = mz[c - 1] - mz[c];
        u2[k] = mz[c + 1] - mz[c];
    }
    for (size_t k = 0; k < m; k++) {
        double u, z;
        const uint64_t ok = lv_gauss3_fit(i0[k], i1[k], i2[k], u0[k], u2[k], &u, &z);
        out_mz[k] = lv_select_bits(ok, mc[k] + u, mc[k]);
        out_intensity[k] = (float)(i1[k] * lv_exp_rise(z));
    }
}

uint64_t lv_centroid_spectrum(const double *mz, const float *x, uint64_t n, double threshold,
                              int area, double *out_mz, float *out_intensity, float *out_fwhm)
{
    uint64_t count = 0;
    uint64_t apex[FIT_BLOCK];
    uint64_t i = 1;
    while (i + 1 < n) {
        const size_t m = scan_block(x, n, &i, threshold, apex);
        if (!area && !out_fwhm) {
            fit_block(mz, x, apex, m, out_mz + count, out_intensity + count);
            count += m;
            continue;
        }
        for (size_t k = 0; k < m; k++) {
            const uint64_t c = apex[k];
            double apex_mz, height;
            lv_gauss3_apex(mz, x, c, &apex_mz, &height);
            double value = height;
            uint64_t lo, hi;
            lv_peak_extent(x, n, c, &lo, &hi);
            if (area) value = lv_peak_area(mz, x, lo, hi);
            if (out_fwhm) out_fwhm[count] = (float)lv_peak_fwhm(mz, x, c, lo, hi, height);
            out_mz[count] = apex_mz;
            out_intensity[count] = (float)value;
            count++;
        }
    }
    return count;
}

typedef struct centroid_job {
    lv_centroid_params p;
    const uint64_t *offsets;
    const double *mz;
    const float *x;
    const uint8_t *sel; /* records to centroid; NULL: all */
    double *slot_mz;    /* half-slot staging */
    float *slot_intensity;
    float *slot_fwhm; /* NULL unless FWHM was asked for */
    uint64_t *counts; /* centroids of record i at [i + 1] */
    lv_spectrum_chunks chunks;
    lv_peak_scratch *scratch; /* one per worker, for the MAD */
} centroid_job;

static lv_status centroid_task(void *arg, size_t task, uint32_t worker)
{
    const centroid_job *job = arg;
    const uint64_t base = job->offsets[0];
    const int need_noise = job->p.noise == 0.0 && job->p.snr > 0.0;
    for (uint64_t i = job->chunks.first[task]; i < job->chunks.first[task + 1]; i++) {
        job->counts[i + 1] = 0;
        if (job->sel && !job->sel[i]) continue;
        const uint64_t begin = job->offsets[i], n = job->offsets[i + 1] - begin;
        const double *mz = job->mz + begin;
        const float *x = job->x + begin;
        const uint64_t j = first_unordered(mz, n);
        RETURN_ERROR_IF(j != 0, LV_ERR_INVALID_ARGUMENT,
                        "lv_centroid: spectrum %llu: m/z does not ascend at point %llu "
                        "(%.10g after %.10g)",
                        (unsigned long long)i, (unsigned long long)j, mz[j], mz[j ? j - 1 : 0]);
        double noise = job->p.noise;
        if (need_noise) {
            lv_peak_scratch *s = &job->scratch[worker];
            const size_t need = (size_t)n * sizeof(double);
            if (s->cap < need) {
                void *q = realloc(s->buf, need);
                RETURN_IF_NULL_ALLOC(q, need);
                s->buf = q;
                s->cap = need;
            }
            noise = lv_mad_noise(x, n, s->buf);
        }
        const double threshold = lv_centroid_threshold(job->p.min_intensity, job->p.snr, noise);
        const uint64_t slot = lv_half_slot(begin - base);
        job->counts[i + 1] = lv_centroid_spectrum(
            mz, x, n, threshold, job->p.intensity == LV_CENTROID_AREA, job->slot_mz + slot,
            job->slot_intensity + slot, job->slot_fwhm ? job->slot_fwhm + slot : NULL);
    }
    return LV_OK;
}

lv_status lv_centroid_cpu_slots(lv_context *ctx, const lv_centroid_params *p, uint64_t n_spectra,
                                const uint64_t *offsets, const double *mz, const float *intensity,
                                const uint8_t *sel, double *slot_mz, float *slot_intensity,
                                float *slot_fwhm, uint64_t *counts)
{
    counts[0] = 0;
    if (n_spectra == 0) return LV_OK;
    centroid_job job;
    memset(&job, 0, sizeof job);
    job.p = *p;
    job.offsets = offsets;
    job.mz = mz;
    job.x = intensity;
    job.sel = sel;
    job.slot_mz = slot_mz;
    job.slot_intensity = slot_intensity;
    job.slot_fwhm = p->fwhm ? slot_fwhm : NULL;
    job.counts = counts;
    job.scratch = calloc(ctx->n_threads, sizeof *job.scratch);
    lv_status st = job.scratch
                       ? LV_OK
                       : lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes",
                                      (size_t)ctx->n_threads * sizeof *job.scratch);
    if (st == LV_OK) st = lv_spectrum_chunks_make(offsets, n_spectra, ctx->n_threads, &job.chunks);
    if (st == LV_OK) st = lv_context_parallel(ctx, job.chunks.n_tasks, centroid_task, &job);
    if (job.scratch)
        for (uint32_t w = 0; w < ctx->n_threads; w++)
            free(job.scratch[w].buf);
    free(job.scratch);
    lv_spectrum_chunks_free(&job.chunks);
    return st;
}

/* The CPU path, with params already checked. */
static lv_status centroid_cpu(lv_context *ctx, const lv_centroid_params *p, uint64_t n_spectra,
                              const uint64_t *offsets, const double *mz, const float *intensity,
                              uint64_t capacity, double *out_mz, float *out_intensity,
                              float *out_fwhm, uint64_t *out_offsets)
{
    out_offsets[0] = 0;
    if (n_spectra == 0) return LV_OK;
    const uint64_t total = offsets[n_spectra] - offsets[0];
    const uint64_t slots = lv_half_slot(total) + 1;
    double *slot_mz = out_mz;
    float *slot_intensity = out_intensity, *slot_fwhm = out_fwhm;
    void *own = NULL;
    if (!(capacity >= slots && out_mz && out_intensity)) {
        const size_t per = sizeof(double) + sizeof(float) + (out_fwhm ? sizeof(float) : 0);
        own = malloc((size_t)slots * per);
        RETURN_IF_NULL_ALLOC(own, (size_t)slots * per);
        slot_mz = own;
        slot_intensity = (float *)(slot_mz + slots);
        slot_fwhm = out_fwhm ? slot_intensity + slots : NULL;
    }
    lv_status st = lv_centroid_cpu_slots(ctx, p, n_spectra, offsets, mz, intensity, NULL, slot_mz,
                                         slot_intensity, slot_fwhm, out_offsets);
    if (st == LV_OK) {
        const uint64_t found = lv_counts_to_offsets(out_offsets, n_spectra);
        if (found > capacity || (found > 0 && (out_mz == NULL || out_intensity == NULL))) {
            st = lv_error_set(LV_ERR_INVALID_ARGUMENT,
                              "lv_centroid: %llu centroids found but capacity is %llu",
                              (unsigned long long)found, (unsigned long long)capacity);
        } else {
            /* Packing moves every spectrum to an earlier (or the same) position, in order. */
            for (uint64_t i = 0; i < n_spectra; i++) {
                const uint64_t c = out_offsets[i + 1] - out_offsets[i], to = out_offsets[i];
                const uint64_t from = lv_half_slot(offsets[i] - offsets[0]);
                if (!c || (to == from && slot_mz == out_mz)) continue;
                memmove(out_mz + to, slot_mz + from, (size_t)c * sizeof *out_mz);
                memmove(out_intensity + to, slot_intensity + from,
                        (size_t)c * sizeof *out_intensity);
                if (out_fwhm)
                    memmove(out_fwhm + to, slot_fwhm + from, (size_t)c * sizeof *out_fwhm);
            }
        }
    }
    free(own);
    return st;
}

lv_status lv_centroid_checked(lv_context *ctx, const lv_centroid_params *p, uint64_t n_spectra,
                              const uint64_t *offsets, const double *mz, const float *intensity,
                              uint64_t capacity, double *out_mz, float *out_intensity,
                              float *out_fwhm, uint64_t *out_offsets)
{
    if (!p->fwhm) out_fwhm = NULL;
    if (ctx->device == LV_DEVICE_CUDA) {
        char err[512] = "";
        uint64_t needed = 0;
        int st = ctx->cuda->centroid(ctx->cuda_ctx, p->snr, p->min_intensity, p->noise,
                                     (int)p->intensity, n_spectra, offsets, mz, intensity, capacity,
                                     out_mz, out_intensity, out_fwhm, out_offsets, &needed, err,
                                     sizeof err);
        RETURN_ERROR_IF(st == LV_ERR_INVALID_ARGUMENT && needed > capacity, LV_ERR_INVALID_ARGUMENT,
                        "lv_centroid: %llu centroids found but capacity is %llu",
                        (unsigned long long)needed, (unsigned long long)capacity);
        RETURN_ERROR_IF(st != LV_OK, (lv_status)st, "lv_centroid on %s: %s", ctx->backend_name,
                        err);
        return LV_OK;
    }
    return centroid_cpu(ctx, p, n_spectra, offsets, mz, intensity, capacity, out_mz, out_intensity,
                        out_fwhm, out_offsets);
}

LV_API lv_status lv_centroid(lv_context *ctx, const lv_centroid_params *params, uint64_t n_spectra,
                             const uint64_t *offsets, const double *mz, const float *intensity,
                             uint64_t capacity, double *out_mz, float *out_intensity,
                             float *out_fwhm, uint64_t *out_offsets)
{
    RETURN_ERROR_IF(ctx == NULL, LV_ERR_INVALID_ARGUMENT, "lv_centroid: ctx is NULL");
    lv_centroid_params p;
    FORWARD_IF_ERROR(lv_centroid_check_params("lv_centroid", params, &p));
    RETURN_ERROR_IF(out_offsets == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_centroid: out_offsets is NULL");
    FORWARD_IF_ERROR(lv_check_offsets("lv_centroid", n_spectra, offsets, 0));
    const uint64_t total = offsets[n_spectra] - offsets[0];
    RETURN_ERROR_IF(total > 0 && (mz == NULL || intensity == NULL), LV_ERR_INVALID_ARGUMENT,
                    "lv_centroid: %s is NULL with %llu points", mz == NULL ? "mz" : "intensity",
                    (unsigned long long)total);
    RETURN_ERROR_IF(capacity > 0 && (out_mz == NULL || out_intensity == NULL),
                    LV_ERR_INVALID_ARGUMENT, "lv_centroid: %s is NULL with capacity %llu",
                    out_mz == NULL ? "out_mz" : "out_intensity", (unsigned long long)capacity);
    return lv_centroid_checked(ctx, &p, n_spectra, offsets, mz, intensity, capacity, out_mz,
                               out_intensity, out_fwhm, out_offsets);
}
