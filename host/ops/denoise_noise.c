/* denoise_noise.c - lv_noise_level: MAD or median noise level per spectrum, on the CPU threads
 * (a selection per spectrum; not worth a device round trip on either backend). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "denoise_cpu.h"
#include "runtime/context.h"
#include "runtime/error.h"

/* R's mad() constant: 1 / qnorm(3/4), rounded as R documents it. */
#define MAD_CONSTANT 1.4826

LV_API void lv_noise_params_init(lv_noise_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->method = LV_NOISE_MAD;
}

/* Noise of one spectrum; v holds n doubles. */
static double noise_of(int mad, const float *in, uint64_t n, double *v)
{
    for (uint64_t i = 0; i < n; i++)
        v[i] = in[i];
    const double med = lv_dn_median(v, n);
    if (!mad) return med;
    for (uint64_t i = 0; i < n; i++)
        v[i] = fabs((double)in[i] - med);
    return MAD_CONSTANT * lv_dn_median(v, n);
}

typedef struct noise_job {
    int mad;
    uint64_t n_spectra;
    const uint64_t *offsets;
    const float *in;
    double *out;
    double *scratch;
    uint64_t stride;
} noise_job;

#define NOISE_TASK_SPECTRA 64

static lv_status noise_task(void *arg, size_t task, uint32_t worker)
{
    const noise_job *job = arg;
    double *v = job->scratch + (size_t)worker * job->stride;
    const uint64_t first = (uint64_t)task * NOISE_TASK_SPECTRA;
    const uint64_t last =
        first + NOISE_TASK_SPECTRA < job->n_spectra ? first + NOISE_TASK_SPECTRA : job->n_spectra;
    for (uint64_t i = first; i < last; i++) {
        const uint64_t b = job->offsets[i], n = job->offsets[i + 1] - b;
        job->out[i] = n ? noise_of(job->mad, job->in + b, n, v) : 0.0;
    }
    return LV_OK;
}

LV_API lv_status lv_noise_level(lv_context *ctx, const lv_noise_params *params, uint64_t n_spectra,
                                const uint64_t *offsets, const float *intensity, double *out_noise)
{
    static const char fn[] = "lv_noise_level";
    FORWARD_IF_ERROR(lv_dn_check_csr(fn, ctx, n_spectra, offsets, intensity, intensity));
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_noise_params);
    lv_noise_params def;
    lv_noise_params_init(&def);
    const lv_noise_params *p = params ? params : &def;
    RETURN_ERROR_IF(p->method != LV_NOISE_MAD && p->method != LV_NOISE_MEDIAN,
                    LV_ERR_INVALID_ARGUMENT,
                    "%s: method %d is neither LV_NOISE_MAD (0) nor "
                    "LV_NOISE_MEDIAN (1)",
                    fn, (int)p->method);
    if (n_spectra == 0) return LV_OK;
    RETURN_ERROR_IF(out_noise == NULL, LV_ERR_INVALID_ARGUMENT, "%s: out_noise is NULL", fn);
    uint64_t stride = 1;
    for (uint64_t i = 0; i < n_spectra; i++)
        if (offsets[i + 1] - offsets[i] > stride) stride = offsets[i + 1] - offsets[i];
    const uint32_t workers = lv_pool_size(ctx->pool);
    const size_t bytes = (size_t)workers * (size_t)stride * sizeof(double);
    double *scratch = malloc(bytes);
    RETURN_IF_NULL_ALLOC(scratch, bytes);
    noise_job job = {
        p->method == LV_NOISE_MAD, n_spectra, offsets, intensity, out_noise, scratch, stride};
    const size_t tasks = (size_t)((n_spectra + NOISE_TASK_SPECTRA - 1) / NOISE_TASK_SPECTRA);
    lv_status st = lv_context_parallel(ctx, tasks, noise_task, &job);
    free(scratch);
    return st;
}
