/* denoise_batch.c - lv_denoise_batch: one of the denoising methods over a batch, into a copy of
 * the batch (same records, metadata, m/z and extra arrays; new intensities where denoised). */
#include <string.h>

#include "denoise_cpu.h"
#include "io/batch.h"
#include "io/decode.h"
#include "runtime/error.h"

LV_API void lv_denoise_params_init(lv_denoise_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->method = LV_DENOISE_ZENGEZA;
    lv_wavelet_params_init(&p->wavelet);
    lv_savgol_params_init(&p->savgol);
    lv_snip_params_init(&p->snip);
    p->ms_levels = 0xFFFFFFFFu;
}

/* A copy of every column and extra array of in. */
static lv_status batch_copy(lv_context *ctx, const lv_batch *in, lv_batch **out)
{
    const uint64_t n = in->n;
    const size_t id_bytes = (size_t)in->id_offsets[n];
    lv_batch *b;
    FORWARD_IF_ERROR(lv_batch_alloc(ctx, in->kind, n, in->n_points, id_bytes, &b));
    memcpy(b->offsets, in->offsets, (size_t)(n + 1) * sizeof(uint64_t));
    memcpy(b->index, in->index, (size_t)n * sizeof(uint64_t));
    memcpy(b->id_offsets, in->id_offsets, (size_t)(n + 1) * sizeof(uint64_t));
    memcpy(b->id_arena, in->id_arena, id_bytes);
    memcpy(b->mz, in->mz, (size_t)in->n_points * sizeof(double));
    memcpy(b->intensity, in->intensity, (size_t)in->n_points * sizeof(float));
    memcpy(b->rt_seconds, in->rt_seconds, (size_t)n * sizeof(double));
    memcpy(b->precursor_mz, in->precursor_mz, (size_t)n * sizeof(double));
    memcpy(b->precursor_intensity, in->precursor_intensity, (size_t)n * sizeof(double));
    memcpy(b->precursor_charge, in->precursor_charge, (size_t)n * sizeof(int32_t));
    memcpy(b->ms_level, in->ms_level, (size_t)n);
    memcpy(b->polarity, in->polarity, (size_t)n);
    memcpy(b->representation, in->representation, (size_t)n);
    memcpy(b->processed, in->processed, (size_t)n);
    for (uint32_t k = 0; k < in->n_extra; k++) {
        const lv_batch_extra_col *c = &in->extras[k];
        const uint64_t elements = c->offsets[n];
        uint32_t pos;
        lv_status st = lv_batch_add_extra(b, c->name, c->dtype, elements, &pos);
        if (st != LV_OK) {
            lv_batch_destroy(b);
            return st;
        }
        memcpy(b->extras[pos].offsets, c->offsets, (size_t)(n + 1) * sizeof(uint64_t));
        memcpy(b->extras[pos].data, c->data, (size_t)elements * lv_dtype_size(c->dtype));
    }
    *out = b;
    return LV_OK;
}

static int selected(const lv_batch *b, uint64_t i, uint32_t ms_levels)
{
    const uint8_t lev = b->ms_level[i];
    const int level_ok = lev < 32 && ((ms_levels >> lev) & 1u);
    return level_ok && b->representation[i] != LV_REPR_CENTROID;
}

/* The method on spectra [first, first + count) of b, in place on its intensities. */
static lv_status run_method(lv_context *ctx, const lv_denoise_params *p, lv_batch *b,
                            uint64_t first, uint64_t count)
{
    const uint64_t *off = b->offsets + first;
    float *v = b->intensity;
    switch (p->method) {
    case LV_DENOISE_ZENGEZA: {
        lv_zengeza_params z;
        lv_zengeza_params_init(&z);
        z.snip = p->snip;
        z.wavelet = p->wavelet;
        return lv_zengeza(ctx, &z, count, off, v, v);
    }
    case LV_DENOISE_WAVELET: return lv_wavelet_denoise(ctx, &p->wavelet, count, off, v, v);
    case LV_DENOISE_SAVGOL: return lv_savgol(ctx, &p->savgol, count, off, v, v);
    case LV_DENOISE_SNIP: return lv_snip_remove(ctx, &p->snip, count, off, v, v);
    }
    return lv_error_set(LV_ERR_INVALID_ARGUMENT, "method %d is not an lv_denoise_method",
                        (int)p->method);
}

LV_API lv_status lv_denoise_batch(lv_context *ctx, const lv_denoise_params *params,
                                  const lv_batch *in, lv_batch **out)
{
    static const char fn[] = "lv_denoise_batch";
    RETURN_ERROR_IF(ctx == NULL || in == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT,
                    "%s: %s is NULL", fn,
                    ctx == NULL  ? "ctx"
                    : in == NULL ? "in"
                                 : "out");
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_denoise_params);
    lv_denoise_params def;
    lv_denoise_params_init(&def);
    const lv_denoise_params *p = params ? params : &def;
    RETURN_ERROR_IF((unsigned)p->method > LV_DENOISE_SNIP, LV_ERR_INVALID_ARGUMENT,
                    "%s: method %d is not an lv_denoise_method (0..3)", fn, (int)p->method);
    lv_batch *b;
    FORWARD_IF_ERROR(batch_copy(ctx, in, &b));
    if (b->kind == LV_RECORD_SPECTRUM) {
        /* Runs of consecutive selected spectra are contiguous CSR sub-arrays: one call each. */
        uint64_t i = 0;
        while (i < b->n) {
            if (!selected(b, i, p->ms_levels)) {
                i++;
                continue;
            }
            uint64_t j = i;
            while (j < b->n && selected(b, j, p->ms_levels))
                j++;
            lv_status st = run_method(ctx, p, b, i, j - i);
            if (st != LV_OK) {
                lv_batch_destroy(b);
                return lv_error_prefix(st, "%s: spectra %llu..%llu", fn, (unsigned long long)i,
                                       (unsigned long long)(j - 1));
            }
            memset(b->processed + i, 1, (size_t)(j - i));
            i = j;
        }
    }
    *out = b;
    return LV_OK;
}
