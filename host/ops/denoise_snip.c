/* denoise_snip.c - lv_snip_baseline / lv_snip_remove: the SNIP baseline of MALDIquant per
 * spectrum, in double (snip_math.h, shared with kernels/snip.cu).  Each window is one Jacobi
 * step over [i, n - i): computed into a temporary, then copied back, both straight loops that the
 * compiler vectorizes. */
#include <string.h>

#include "denoise_cpu.h"
#include "denoise_job.h"
#include "runtime/context.h"
#include "runtime/error.h"
#include "snip_math.h"

LV_API void lv_snip_params_init(lv_snip_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->iterations = 100;
    p->decreasing = 1;
}

lv_status lv_dn_snip_resolve(const char *fn, const lv_snip_params *params, lv_dn_snip *out)
{
    lv_snip_params def;
    lv_snip_params_init(&def);
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_snip_params);
    const lv_snip_params *p = params ? params : &def;
    RETURN_ERROR_IF(p->decreasing > 1, LV_ERR_INVALID_ARGUMENT,
                    "%s: snip decreasing is %u, expected 0 or 1", fn, p->decreasing);
    RETURN_ERROR_IF(p->iterations > (1u << 30), LV_ERR_INVALID_ARGUMENT,
                    "%s: snip iterations %u exceed 2^30", fn, p->iterations);
    out->iterations = p->iterations;
    out->decreasing = (int)p->decreasing;
    return LV_OK;
}

void lv_dn_snip_baseline(const lv_dn_snip *s, const double *y, uint64_t n, double *base,
                         double *tmp)
{
    memcpy(base, y, (size_t)n * sizeof(double));
    const int64_t len = (int64_t)n;
    for (uint32_t step = 0; step < s->iterations; step++) {
        const int64_t i = lv_snip_window(s->iterations, s->decreasing, step);
        if (i >= len - i) continue; /* no point has both neighbours */
        for (int64_t j = i; j < len - i; j++)
            tmp[j] = lv_snip_point(base[j], base[j - i], base[j + i]);
        memcpy(base + i, tmp + i, (size_t)(len - 2 * i) * sizeof(double));
    }
}

typedef struct snip_op {
    lv_dn_snip s;
    int remove;
} snip_op;

static uint64_t snip_need(const void *op, uint64_t n)
{
    (void)op;
    return 3 * n;
}

static void snip_spectrum(const void *opv, const float *in, float *out, uint64_t n, double *scratch)
{
    const snip_op *op = opv;
    double *y = scratch, *base = scratch + n, *tmp = scratch + 2 * n;
    for (uint64_t i = 0; i < n; i++)
        y[i] = in[i];
    lv_dn_snip_baseline(&op->s, y, n, base, tmp);
    if (op->remove)
        for (uint64_t i = 0; i < n; i++)
            out[i] = (float)(y[i] - base[i]);
    else
        for (uint64_t i = 0; i < n; i++)
            out[i] = (float)base[i];
}

static lv_status snip_run(const char *fn, int remove, lv_context *ctx, const lv_snip_params *params,
                          uint64_t n_spectra, const uint64_t *offsets, const float *intensity,
                          float *out)
{
    FORWARD_IF_ERROR(lv_dn_check_csr(fn, ctx, n_spectra, offsets, intensity, out));
    snip_op op;
    FORWARD_IF_ERROR(lv_dn_snip_resolve(fn, params, &op.s));
    op.remove = remove;
    if (n_spectra == 0 || offsets[n_spectra] == offsets[0]) return LV_OK;
    if (ctx->device == LV_DEVICE_CUDA) {
        lv_cuda_denoise_job job;
        memset(&job, 0, sizeof job);
        job.n_spectra = n_spectra;
        job.offsets = offsets;
        job.in = intensity;
        job.out = out;
        job.snip_iterations = op.s.iterations;
        job.snip_decreasing = op.s.decreasing;
        job.snip_remove = remove;
        char err[512] = "";
        int st = ctx->cuda->denoise_snip(ctx->cuda_ctx, &job, err, sizeof err);
        RETURN_ERROR_IF(st != LV_OK, (lv_status)st, "%s on %s: %s", fn, ctx->backend_name, err);
        return LV_OK;
    }
    return lv_dn_run_cpu(ctx, n_spectra, offsets, intensity, out, snip_spectrum, snip_need, &op);
}

LV_API lv_status lv_snip_baseline(lv_context *ctx, const lv_snip_params *params, uint64_t n_spectra,
                                  const uint64_t *offsets, const float *intensity,
                                  float *out_baseline)
{
    return snip_run("lv_snip_baseline", 0, ctx, params, n_spectra, offsets, intensity,
                    out_baseline);
}

LV_API lv_status lv_snip_remove(lv_context *ctx, const lv_snip_params *params, uint64_t n_spectra,
                                const uint64_t *offsets, const float *intensity, float *out)
{
    return snip_run("lv_snip_remove", 1, ctx, params, n_spectra, offsets, intensity, out);
}
