/* spectrum_chunks.c - CPU task splitting and CSR argument checks for per-spectrum operations. */
#include "ops/spectrum_chunks.h"

#include <stdlib.h>

#include "runtime/error.h"

#define MIN_TASK_POINTS ((uint64_t)1 << 14)

lv_status lv_spectrum_chunks_make(const uint64_t *offsets, uint64_t n_spectra, uint32_t n_threads,
                                  lv_spectrum_chunks *out)
{
    const uint64_t total = offsets[n_spectra] - offsets[0];
    uint64_t target = total / ((uint64_t)(n_threads ? n_threads : 1) * 8);
    if (target < MIN_TASK_POINTS) target = MIN_TASK_POINTS;
    /* Upper bound on the task count: every task but the last holds >= target points or ends at a
     * spectrum that alone crossed the target, so there are at most total / target + 1 tasks. */
    uint64_t cap = total / target + 2;
    if (cap > n_spectra + 1) cap = n_spectra + 1;
    out->first = malloc((size_t)(cap + 1) * sizeof *out->first);
    RETURN_IF_NULL_ALLOC(out->first, (size_t)(cap + 1) * sizeof *out->first);
    size_t t = 0;
    out->first[0] = 0;
    uint64_t start_point = offsets[0];
    for (uint64_t i = 0; i < n_spectra; i++) {
        if (offsets[i + 1] - start_point >= target && i + 1 < n_spectra) {
            out->first[++t] = i + 1;
            start_point = offsets[i + 1];
        }
    }
    out->first[++t] = n_spectra;
    out->n_tasks = n_spectra ? t : 0;
    return LV_OK;
}

void lv_spectrum_chunks_free(lv_spectrum_chunks *c)
{
    free(c->first);
    c->first = NULL;
    c->n_tasks = 0;
}

lv_status lv_check_offsets(const char *op, uint64_t n_spectra, const uint64_t *offsets,
                           uint64_t max_points)
{
    RETURN_ERROR_IF(offsets == NULL, LV_ERR_INVALID_ARGUMENT, "%s: offsets is NULL", op);
    for (uint64_t i = 0; i < n_spectra; i++) {
        RETURN_ERROR_IF(offsets[i + 1] < offsets[i], LV_ERR_INVALID_ARGUMENT,
                        "%s: offsets decrease at spectrum %llu (%llu then %llu)", op,
                        (unsigned long long)i, (unsigned long long)offsets[i],
                        (unsigned long long)offsets[i + 1]);
        RETURN_ERROR_IF(max_points && offsets[i + 1] - offsets[i] > max_points,
                        LV_ERR_INVALID_ARGUMENT,
                        "%s: spectrum %llu has %llu points, more than the %llu supported", op,
                        (unsigned long long)i, (unsigned long long)(offsets[i + 1] - offsets[i]),
                        (unsigned long long)max_points);
    }
    return LV_OK;
}

uint64_t lv_counts_to_offsets(uint64_t *counts, uint64_t n)
{
    uint64_t sum = 0;
    counts[0] = 0;
    for (uint64_t i = 1; i <= n; i++) {
        sum += counts[i];
        counts[i] = sum;
    }
    return sum;
}
