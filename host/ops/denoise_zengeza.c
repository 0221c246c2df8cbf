/* denoise_zengeza.c - lv_zengeza: SNIP baseline removal, wavelet shrinkage, clamp at zero, per
 * spectrum and in double throughout (the baseline-free signal is not rounded to float before the
 * shrinkage, so the result matches the same chain run in float64 by the reference script). */
#include <string.h>

#include "denoise_cpu.h"
#include "denoise_job.h"
#include "runtime/context.h"
#include "runtime/error.h"

LV_API void lv_zengeza_params_init(lv_zengeza_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    lv_snip_params_init(&p->snip);
    lv_wavelet_params_init(&p->wavelet);
}

typedef struct zengeza_op {
    lv_dn_snip snip;
    lv_dn_wavelet w;
} zengeza_op;

static uint64_t zengeza_need(const void *opv, uint64_t n)
{
    const zengeza_op *op = opv;
    const uint64_t wav = lv_dn_wavelet_scratch(&op->w, n), snip = 2 * n;
    return n + (wav > snip ? wav : snip);
}

static void zengeza_spectrum(const void *opv, const float *in, float *out, uint64_t n,
                             double *scratch)
{
    const zengeza_op *op = opv;
    double *y = scratch, *work = scratch + n;
    for (uint64_t i = 0; i < n; i++)
        y[i] = in[i];
    if (op->snip.iterations > 0) {
        double *base = work, *tmp = work + n;
        lv_dn_snip_baseline(&op->snip, y, n, base, tmp);
        for (uint64_t i = 0; i < n; i++)
            y[i] -= base[i];
    }
    lv_dn_wavelet_shrink(&op->w, y, n, work);
    for (uint64_t i = 0; i < n; i++)
        out[i] = y[i] > 0.0 ? (float)y[i] : 0.0f;
}

/* Checks params and resolves them (shared with lv_denoise_batch). */
static lv_status zengeza_resolve(const char *fn, const lv_zengeza_params *params, zengeza_op *op)
{
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_zengeza_params);
    lv_zengeza_params def;
    lv_zengeza_params_init(&def);
    const lv_zengeza_params *p = params ? params : &def;
    FORWARD_IF_ERROR(lv_dn_snip_resolve(fn, &p->snip, &op->snip));
    FORWARD_IF_ERROR(lv_dn_wavelet_resolve(fn, &p->wavelet, &op->w));
    return LV_OK;
}

LV_API lv_status lv_zengeza(lv_context *ctx, const lv_zengeza_params *params, uint64_t n_spectra,
                            const uint64_t *offsets, const float *intensity, float *out)
{
    static const char fn[] = "lv_zengeza";
    FORWARD_IF_ERROR(lv_dn_check_csr(fn, ctx, n_spectra, offsets, intensity, out));
    zengeza_op op;
    FORWARD_IF_ERROR(zengeza_resolve(fn, params, &op));
    if (n_spectra == 0 || offsets[n_spectra] == offsets[0]) return LV_OK;
    if (ctx->device == LV_DEVICE_CUDA) {
        lv_cuda_denoise_job job;
        memset(&job, 0, sizeof job);
        job.n_spectra = n_spectra;
        job.offsets = offsets;
        job.in = intensity;
        job.out = out;
        job.bank = op.w.bank;
        job.level = op.w.level;
        job.hard = op.w.hard;
        job.threshold = op.w.threshold;
        job.clamp = 1;
        job.snip_iterations = op.snip.iterations;
        job.snip_decreasing = op.snip.decreasing;
        char err[512] = "";
        int st = ctx->cuda->denoise_wavelet(ctx->cuda_ctx, &job, err, sizeof err);
        RETURN_ERROR_IF(st != LV_OK, (lv_status)st, "%s on %s: %s", fn, ctx->backend_name, err);
        return LV_OK;
    }
    return lv_dn_run_cpu(ctx, n_spectra, offsets, intensity, out, zengeza_spectrum, zengeza_need,
                         &op);
}
