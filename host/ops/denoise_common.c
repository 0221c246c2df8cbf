/* denoise_common.c - argument checks, the parallel per-spectrum driver and median selection
 * shared by the denoising operations. */
#include <stdlib.h>

#include "denoise_cpu.h"
#include "runtime/context.h"
#include "runtime/error.h"

/* Points per CPU task: enough to amortize a task hand-out, few enough to balance 2-16 threads
 * on a 1,000-spectrum batch. */
#define DN_TASK_POINTS ((uint64_t)1 << 16)

lv_status lv_dn_check_csr(const char *fn, lv_context *ctx, uint64_t n_spectra,
                          const uint64_t *offsets, const float *intensity, const void *out)
{
    RETURN_ERROR_IF(ctx == NULL, LV_ERR_INVALID_ARGUMENT, "%s: ctx is NULL", fn);
    if (n_spectra == 0) return LV_OK;
    RETURN_ERROR_IF(offsets == NULL, LV_ERR_INVALID_ARGUMENT, "%s: offsets is NULL", fn);
    for (uint64_t i = 0; i < n_spectra; i++)
        RETURN_ERROR_IF(offsets[i + 1] < offsets[i], LV_ERR_INVALID_ARGUMENT,
                        "%s: offsets decrease at spectrum %llu (%llu > %llu)", fn,
                        (unsigned long long)i, (unsigned long long)offsets[i],
                        (unsigned long long)offsets[i + 1]);
    const uint64_t points = offsets[n_spectra] - offsets[0];
    RETURN_ERROR_IF(points > SIZE_MAX / sizeof(double), LV_ERR_INVALID_ARGUMENT,
                    "%s: %llu points exceed the address space", fn, (unsigned long long)points);
    RETURN_ERROR_IF(points > 0 && (intensity == NULL || out == NULL), LV_ERR_INVALID_ARGUMENT,
                    "%s: %s is NULL with %llu points", fn, intensity == NULL ? "intensity" : "out",
                    (unsigned long long)points);
    return LV_OK;
}

typedef struct dn_job {
    const uint64_t *offsets;
    const uint64_t *task_first; /* n_tasks + 1 spectrum indices */
    const float *in;
    float *out;
    lv_dn_spectrum_fn fn;
    const void *op;
    double *scratch; /* per worker, stride doubles each */
    uint64_t stride;
} dn_job;

static lv_status dn_task(void *arg, size_t task, uint32_t worker)
{
    const dn_job *job = arg;
    double *scratch = job->scratch + (size_t)worker * job->stride;
    for (uint64_t i = job->task_first[task]; i < job->task_first[task + 1]; i++) {
        const uint64_t b = job->offsets[i], n = job->offsets[i + 1] - b;
        if (n) job->fn(job->op, job->in + b, job->out + b, n, scratch);
    }
    return LV_OK;
}

lv_status lv_dn_run_cpu(lv_context *ctx, uint64_t n_spectra, const uint64_t *offsets,
                        const float *in, float *out, lv_dn_spectrum_fn fn, lv_dn_scratch_fn need,
                        const void *op)
{
    if (n_spectra == 0) return LV_OK;
    /* Tasks of whole spectra; the scratch fits the most demanding spectrum. */
    uint64_t n_tasks = 0, acc = 0, stride = 1;
    for (uint64_t i = 0; i < n_spectra; i++) {
        const uint64_t n = offsets[i + 1] - offsets[i];
        const uint64_t s = need(op, n);
        if (s > stride) stride = s;
        acc += n;
        if (acc >= DN_TASK_POINTS || i + 1 == n_spectra) {
            n_tasks++;
            acc = 0;
        }
    }
    uint64_t *first = malloc((size_t)(n_tasks + 1) * sizeof *first);
    RETURN_IF_NULL_ALLOC(first, (size_t)(n_tasks + 1) * sizeof *first);
    uint64_t t = 0;
    acc = 0;
    first[0] = 0;
    for (uint64_t i = 0; i < n_spectra; i++) {
        acc += offsets[i + 1] - offsets[i];
        if (acc >= DN_TASK_POINTS || i + 1 == n_spectra) {
            first[++t] = i + 1;
            acc = 0;
        }
    }
    const uint32_t workers = lv_pool_size(ctx->pool);
    const size_t scratch_bytes = (size_t)workers * (size_t)stride * sizeof(double);
    double *scratch = malloc(scratch_bytes);
    if (!scratch) {
        free(first);
        RETURN_IF_NULL_ALLOC(scratch, scratch_bytes);
    }
    dn_job job = {offsets, first, in, out, fn, op, scratch, stride};
    lv_status st = lv_context_parallel(ctx, (size_t)n_tasks, dn_task, &job);
    free(scratch);
    free(first);
    return st;
}

/* Moves the elements of v[lo, hi) that satisfy `pred(t)` to the front, keeping the rest behind;
 * returns the end of the front part.  Branch-free (Lomuto with a conditional advance): the
 * outcome of a comparison against a pivot is unpredictable, and a mispredicted branch per
 * element cost more than the whole swap. */
#define PARTITION_FRONT(v, lo, hi, pred, out)                                                      \
    do {                                                                                           \
        uint64_t p_ = (lo);                                                                        \
        for (uint64_t i_ = (lo); i_ < (hi); i_++) {                                                \
            const double t_ = (v)[i_];                                                             \
            const int c_ = (pred);                                                                 \
            (v)[i_] = (v)[p_];                                                                     \
            (v)[p_] = t_;                                                                          \
            p_ += (uint64_t)c_;                                                                    \
        }                                                                                          \
        (out) = p_;                                                                                \
    } while (0)

static double median3(double a, double b, double c)
{
    if (b < a) {
        const double t = a;
        a = b;
        b = t;
    }
    return c < a ? a : (b < c ? b : c);
}

/* k-th smallest of v[0, n) by quickselect: a median-of-3 pivot (of 3 samples, or of 3 medians
 * of 3 for long ranges), then the values < pivot are moved to the front.  When none is (the
 * pivot is the minimum, as with runs of zeros, common in spectra), the values == pivot are
 * moved to the front of the rest, so that equal runs take linear time.  Every loop is bounded by
 * indices, and a step that makes no progress (only possible with a NaN pivot) ends the search,
 * so NaNs cannot run it out of bounds or forever.  Afterwards v[i] >= v[k] for every i > k
 * (without NaNs). */
static double select_kth(double *v, uint64_t n, uint64_t k)
{
    uint64_t lo = 0, hi = n; /* k in [lo, hi); [0, lo) <= [lo, hi) <= [hi, n) */
    while (hi - lo > 16) {
        const uint64_t len = hi - lo, q = len / 4, mid = lo + len / 2;
        double pivot;
        if (len > 256) {
            const uint64_t e = len / 8;
            pivot = median3(median3(v[lo], v[lo + e], v[lo + 2 * e]),
                            median3(v[mid - e], v[mid], v[mid + e]),
                            median3(v[hi - 1 - 2 * e], v[hi - 1 - e], v[hi - 1]));
        } else {
            pivot = median3(v[lo + q], v[mid], v[hi - 1 - q]);
        }
        uint64_t lt;
        PARTITION_FRONT(v, lo, hi, t_ < pivot, lt);
        if (k < lt) {
            hi = lt;
        } else if (lt > lo) {
            lo = lt;
        } else {
            uint64_t eq;
            PARTITION_FRONT(v, lo, hi, t_ <= pivot, eq);
            if (eq == lo) return v[k]; /* NaN pivot: no progress possible */
            if (k < eq) return v[k];   /* == pivot */
            lo = eq;
        }
    }
    for (uint64_t i = lo + 1; i < hi; i++) { /* insertion sort of the last few */
        const double t = v[i];
        uint64_t j = i;
        while (j > lo && t < v[j - 1]) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = t;
    }
    return v[k];
}

double lv_dn_median(double *v, uint64_t n)
{
    const uint64_t k = (n - 1) / 2;
    const double a = select_kth(v, n, k);
    if (n % 2) return a;
    /* The upper middle is the smallest value right of position k after the selection. */
    double b = v[k + 1];
    for (uint64_t i = k + 2; i < n; i++)
        if (v[i] < b) b = v[i];
    return (a + b) / 2;
}
