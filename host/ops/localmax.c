/* localmax.c - lv_localmax: scipy.signal.find_peaks(x, height, distance) per spectrum.
 *
 * The CPU path runs one task per chunk of spectra (balanced by points) on the context's pool.
 * Each spectrum's peaks go first to a "half slot": a spectrum of m points has at most
 * (m - 1) / 2 peaks, so spectrum i can write at (offsets[i] - offsets[0] + 1) / 2 without
 * touching its neighbours' slots, and no task needs to know how many peaks came before it.  Once
 * all counts are known the slots are packed to the front, in order; every packed position is at
 * or before its slot, so the packing can run in place in out_index when that is large enough. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ops/localmax_cpu.h"
#include "ops/spectrum_chunks.h"
#include "peak_math.h"
#include "runtime/context.h"
#include "runtime/error.h"

LV_API void lv_localmax_params_init(lv_localmax_params *params)
{
    if (!params) return;
    memset(params, 0, sizeof *params);
    params->size = sizeof *params;
    params->min_height = -INFINITY;
    params->min_distance = 1;
}

/* A peak and its rank key for the distance rule. */
typedef struct ranked_peak {
    float height;
    uint32_t k; /* position in the spectrum's list of peaks */
} ranked_peak;

/* Highest first; among equal heights the later peak first.  scipy visits peaks in the reverse of
 * np.argsort(heights): with a stable sort, equal heights keep their order, so the later one comes
 * first in reverse.  (np.argsort's default kind is not stable on every build: see DESIGN notes in
 * tests/fixtures/make_peak_fixtures.py.) */
static int ranked_cmp(const void *a, const void *b)
{
    const ranked_peak *p = a, *q = b;
    if (p->height != q->height) return p->height > q->height ? -1 : 1;
    return p->k > q->k ? -1 : (p->k < q->k ? 1 : 0);
}

uint64_t lv_localmax_spectrum(const float *x, uint64_t n, double min_height, uint32_t min_distance,
                              uint32_t *out, lv_peak_scratch *scratch, lv_status *status)
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
        if ((double)x[m] >= min_height) out[count++] = (uint32_t)m;
        i = right + 2; /* the sample after the plateau is lower: it cannot start a peak */
    }
    if (min_distance <= 1 || count < 2) return count;

    /* scipy's _select_by_peak_distance: visit peaks by priority, each removes the lower-priority
     * peaks closer than min_distance samples that are still kept. */
    size_t need = (size_t)count * (sizeof(ranked_peak) + 1);
    if (scratch->cap < need) {
        void *p = realloc(scratch->buf, need);
        if (!p) {
            *status = lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes", need);
            return 0;
        }
        scratch->buf = p;
        scratch->cap = need;
    }
    ranked_peak *order = scratch->buf;
    uint8_t *keep = (uint8_t *)(order + count);
    for (uint64_t k = 0; k < count; k++) {
        order[k] = (ranked_peak){x[out[k]], (uint32_t)k};
        keep[k] = 1;
    }
    if (count > 1) qsort(order, (size_t)count, sizeof *order, ranked_cmp);
    for (uint64_t r = 0; r < count; r++) {
        const uint64_t j = order[r].k;
        if (!keep[j]) continue;
        for (uint64_t k = j; k > 0 && out[j] - out[k - 1] < min_distance; k--)
            keep[k - 1] = 0;
        for (uint64_t k = j + 1; k < count && out[k] - out[j] < min_distance; k++)
            keep[k] = 0;
    }
    uint64_t kept = 0;
    for (uint64_t k = 0; k < count; k++)
        if (keep[k]) out[kept++] = out[k];
    return kept;
}

typedef struct localmax_job {
    const uint64_t *offsets;
    const float *x;
    double min_height;
    uint32_t min_distance;
    uint32_t *slots;  /* half-slot staging (see the top of the file) */
    uint64_t *counts; /* out_offsets: counts at [i + 1] until packed */
    lv_spectrum_chunks chunks;
    lv_peak_scratch *scratch; /* one per worker */
} localmax_job;

static lv_status localmax_task(void *arg, size_t task, uint32_t worker)
{
    const localmax_job *job = arg;
    const uint64_t base = job->offsets[0];
    lv_status st = LV_OK;
    for (uint64_t i = job->chunks.first[task]; i < job->chunks.first[task + 1]; i++) {
        const uint64_t begin = job->offsets[i], n = job->offsets[i + 1] - begin;
        uint32_t *out = job->slots + lv_half_slot(begin - base);
        job->counts[i + 1] = lv_localmax_spectrum(
            job->x + begin, n, job->min_height, job->min_distance, out, &job->scratch[worker], &st);
        if (st != LV_OK)
            return lv_error_prefix(st, "lv_localmax: spectrum %llu", (unsigned long long)i);
    }
    return LV_OK;
}

LV_API lv_status lv_localmax(lv_context *ctx, const lv_localmax_params *params, uint64_t n_spectra,
                             const uint64_t *offsets, const float *intensity, uint64_t capacity,
                             uint32_t *out_index, uint64_t *out_offsets)
{
    RETURN_ERROR_IF(ctx == NULL, LV_ERR_INVALID_ARGUMENT, "lv_localmax: ctx is NULL");
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_localmax_params);
    lv_localmax_params p;
    lv_localmax_params_init(&p);
    if (params) p = *params;
    RETURN_ERROR_IF(p.min_distance < 1, LV_ERR_INVALID_ARGUMENT,
                    "lv_localmax: min_distance is 0, it must be >= 1");
    RETURN_ERROR_IF(isnan(p.min_height), LV_ERR_INVALID_ARGUMENT, "lv_localmax: min_height is NaN");
    RETURN_ERROR_IF(out_offsets == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_localmax: out_offsets is NULL");
    FORWARD_IF_ERROR(lv_check_offsets("lv_localmax", n_spectra, offsets, UINT32_MAX));
    const uint64_t total = offsets[n_spectra] - offsets[0];
    RETURN_ERROR_IF(total > 0 && intensity == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_localmax: intensity is NULL with %llu points", (unsigned long long)total);
    RETURN_ERROR_IF(total > 2 && out_index == NULL && capacity > 0, LV_ERR_INVALID_ARGUMENT,
                    "lv_localmax: out_index is NULL with capacity %llu",
                    (unsigned long long)capacity);

    if (ctx->device == LV_DEVICE_CUDA) {
        char err[512] = "";
        uint64_t needed = 0;
        int st = ctx->cuda->localmax(ctx->cuda_ctx, p.min_height, p.min_distance, n_spectra,
                                     offsets, intensity, capacity, out_index, out_offsets, &needed,
                                     err, sizeof err);
        RETURN_ERROR_IF(st == LV_ERR_INVALID_ARGUMENT && needed > capacity, LV_ERR_INVALID_ARGUMENT,
                        "lv_localmax: %llu peaks found but capacity is %llu",
                        (unsigned long long)needed, (unsigned long long)capacity);
        RETURN_ERROR_IF(st != LV_OK, (lv_status)st, "lv_localmax on %s: %s", ctx->backend_name,
                        err);
        return LV_OK;
    }

    out_offsets[0] = 0;
    if (n_spectra == 0) return LV_OK;
    const uint64_t slot_entries = lv_half_slot(total) + 1;
    localmax_job job = {offsets, intensity,   p.min_height, p.min_distance,
                        NULL,    out_offsets, {0, NULL},    NULL};
    uint32_t *own = NULL;
    if (capacity >= slot_entries && out_index) {
        job.slots = out_index;
    } else {
        own = malloc((size_t)slot_entries * sizeof *own);
        RETURN_IF_NULL_ALLOC(own, (size_t)slot_entries * sizeof *own);
        job.slots = own;
    }
    job.scratch = calloc(ctx->n_threads, sizeof *job.scratch);
    lv_status st = job.scratch
                       ? LV_OK
                       : lv_error_set(LV_ERR_NO_MEMORY, "out of memory allocating %zu bytes",
                                      (size_t)ctx->n_threads * sizeof *job.scratch);
    if (st == LV_OK) st = lv_spectrum_chunks_make(offsets, n_spectra, ctx->n_threads, &job.chunks);
    if (st == LV_OK) st = lv_context_parallel(ctx, job.chunks.n_tasks, localmax_task, &job);
    if (st == LV_OK) {
        /* Pack: spectrum i moves from its half slot to out_offsets[i]. */
        const uint64_t found = lv_counts_to_offsets(out_offsets, n_spectra);
        if (found > capacity || (found > 0 && out_index == NULL)) {
            st = lv_error_set(LV_ERR_INVALID_ARGUMENT,
                              "lv_localmax: %llu peaks found but capacity is %llu",
                              (unsigned long long)found, (unsigned long long)capacity);
        } else {
            for (uint64_t i = 0; i < n_spectra; i++) {
                const uint64_t c = out_offsets[i + 1] - out_offsets[i];
                const uint32_t *src = job.slots + lv_half_slot(offsets[i] - offsets[0]);
                if (c) memmove(out_index + out_offsets[i], src, (size_t)c * sizeof *src);
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
