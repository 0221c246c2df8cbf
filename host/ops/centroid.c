/* centroid.c - lv_centroid: profile spectra to centroids on the CPU or the CUDA backend.
 *
 * Per spectrum: the threshold max(min_intensity, snr * noise) (the MAD noise is computed only
 * when it can matter, i.e. snr > 0 and no fixed noise was given), then every scipy-style local
 * maximum at or above it becomes one centroid, fitted by peak_math.h.  Output staging is the
 * "half slot" scheme of localmax.c: a spectrum of m points yields at most (m - 1) / 2 centroids. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/centroid_cpu.h"
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

uint64_t lv_centroid_spectrum(const double *mz, const float *x, uint64_t n, double threshold,
                              int area, double *out_mz, float *out_intensity, float *out_fwhm)
{
    uint64_t count = 0;
    uint64_t i = 1;
    while (i + 1 < n) {
        uint64_t right;
        int64_t m = lv_peak_at_left_edge(x, n, i, &right);
        if (m < 0) {
            i++;
            continue;
        }
        i = right + 2; /* the sample after the plateau is lower: it cannot start a peak */
        const uint64_t c = (uint64_t)m;
        if (!((double)x[c] >= threshold)) continue;
        double apex_mz, height;
        lv_gauss3_apex(mz, x, c, &apex_mz, &height);
        double value = height;
        if (area || out_fwhm) {
            uint64_t lo, hi;
            lv_peak_extent(x, n, c, &lo, &hi);
            if (area) value = lv_peak_area(mz, x, lo, hi);
            if (out_fwhm) out_fwhm[count] = (float)lv_peak_fwhm(mz, x, c, lo, hi, height);
        }
        out_mz[count] = apex_mz;
        out_intensity[count] = (float)value;
        count++;
    }
    return count;
}

typedef struct centroid_job {
    lv_centroid_params p;
    const uint64_t *offsets;
    const double *mz;
    const float *x;
    double *slot_mz; /* half-slot staging */
    float *slot_intensity;
    float *slot_fwhm; /* NULL unless FWHM was asked for */
    uint64_t *counts; /* out_offsets: counts at [i + 1] until packed */
    lv_spectrum_chunks chunks;
    lv_peak_scratch *scratch; /* one per worker, for the MAD */
} centroid_job;

static lv_status centroid_task(void *arg, size_t task, uint32_t worker)
{
    const centroid_job *job = arg;
    const uint64_t base = job->offsets[0];
    const int need_noise = job->p.noise == 0.0 && job->p.snr > 0.0;
    for (uint64_t i = job->chunks.first[task]; i < job->chunks.first[task + 1]; i++) {
        const uint64_t begin = job->offsets[i], n = job->offsets[i + 1] - begin;
        const double *mz = job->mz + begin;
        const float *x = job->x + begin;
        for (uint64_t j = 1; j < n; j++)
            RETURN_ERROR_IF(!(mz[j] >= mz[j - 1]), LV_ERR_INVALID_ARGUMENT,
                            "lv_centroid: spectrum %llu: m/z does not ascend at point %llu "
                            "(%.10g after %.10g)",
                            (unsigned long long)i, (unsigned long long)j, mz[j], mz[j - 1]);
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
    centroid_job job;
    memset(&job, 0, sizeof job);
    job.p = *p;
    job.offsets = offsets;
    job.mz = mz;
    job.x = intensity;
    job.counts = out_offsets;
    void *own = NULL;
    const int in_place = capacity >= slots && out_mz && out_intensity;
    if (in_place) {
        job.slot_mz = out_mz;
        job.slot_intensity = out_intensity;
        job.slot_fwhm = out_fwhm;
    } else {
        const size_t per = sizeof(double) + sizeof(float) + (out_fwhm ? sizeof(float) : 0);
        own = malloc((size_t)slots * per);
        RETURN_IF_NULL_ALLOC(own, (size_t)slots * per);
        job.slot_mz = own;
        job.slot_intensity = (float *)(job.slot_mz + slots);
        job.slot_fwhm = out_fwhm ? job.slot_intensity + slots : NULL;
    }
    job.scratch = calloc(ctx->n_threads, sizeof *job.scratch);
    lv_status st = job.scratch
                       ? LV_OK
                       : lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes",
                                      (size_t)ctx->n_threads * sizeof *job.scratch);
    if (st == LV_OK) st = lv_spectrum_chunks_make(offsets, n_spectra, ctx->n_threads, &job.chunks);
    if (st == LV_OK) st = lv_context_parallel(ctx, job.chunks.n_tasks, centroid_task, &job);
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
                if (!c) continue;
                memmove(out_mz + to, job.slot_mz + from, (size_t)c * sizeof *out_mz);
                memmove(out_intensity + to, job.slot_intensity + from,
                        (size_t)c * sizeof *out_intensity);
                if (out_fwhm)
                    memmove(out_fwhm + to, job.slot_fwhm + from, (size_t)c * sizeof *out_fwhm);
            }
        }
    }
    if (job.scratch)
        for (uint32_t w = 0; w < ctx->n_threads; w++)
            free(job.scratch[w].buf);
    free(job.scratch);
    lv_spectrum_chunks_free(&job.chunks);
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
