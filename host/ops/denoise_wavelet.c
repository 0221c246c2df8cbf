/* denoise_wavelet.c - lv_wavelet_denoise: PyWavelets-exact wavelet shrinkage per spectrum.
 *
 * Per spectrum, in double: wavedec (symmetric extension) to L levels, threshold every detail
 * level (universal threshold from the finest one, or a given one), waverec, cut to n.  The
 * arithmetic of each coefficient is wavelet_math.h's, shared with kernels/wavelet.cu; the CPU
 * evaluates the interior coefficients (no boundary extension needed) in loops over the output
 * index, on even / odd de-interleaved input, which the compiler vectorizes. */
#include <math.h>
#include <string.h>

#include "cpu_clones.h"
#include "denoise_cpu.h"
#include "denoise_job.h"
#include "runtime/context.h"
#include "runtime/error.h"

LV_API void lv_wavelet_params_init(lv_wavelet_params *p)
{
    if (!p) return;
    memset(p, 0, sizeof *p);
    p->size = sizeof *p;
    p->wavelet = LV_WAVELET_DB4;
    p->level = 0;
    p->mode = LV_THRESHOLD_SOFT;
    p->threshold = -1.0;
}

lv_status lv_dn_wavelet_resolve(const char *fn, const lv_wavelet_params *params, lv_dn_wavelet *out)
{
    lv_wavelet_params def;
    lv_wavelet_params_init(&def);
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_wavelet_params);
    const lv_wavelet_params *p = params ? params : &def;
    RETURN_ERROR_IF(!lv_wavelet_bank_get((int)p->wavelet, &out->bank), LV_ERR_INVALID_ARGUMENT,
                    "%s: wavelet %d is not an lv_wavelet value (0..%d)", fn, (int)p->wavelet,
                    LV_WAVELET_COUNT - 1);
    RETURN_ERROR_IF(p->level > LV_WAVELET_MAX_LEVEL, LV_ERR_INVALID_ARGUMENT,
                    "%s: level %u exceeds %d", fn, p->level, LV_WAVELET_MAX_LEVEL);
    RETURN_ERROR_IF(p->mode != LV_THRESHOLD_SOFT && p->mode != LV_THRESHOLD_HARD,
                    LV_ERR_INVALID_ARGUMENT,
                    "%s: threshold mode %d is neither soft (0) nor "
                    "hard (1)",
                    fn, (int)p->mode);
    RETURN_ERROR_IF(isnan(p->threshold), LV_ERR_INVALID_ARGUMENT, "%s: threshold is NaN", fn);
    out->level = p->level;
    out->hard = p->mode == LV_THRESHOLD_HARD;
    out->threshold = p->threshold;
    return LV_OK;
}

uint32_t lv_dn_wavelet_levels(const lv_dn_wavelet *w, uint64_t n)
{
    return w->level ? w->level : lv_dwt_max_level(n, w->bank.len);
}

/* Scratch layout: details d_1 .. d_L | A | B (approximations, reconstructions) | E | O
 * (de-interleaved input, then the even / odd synthesis outputs). */
uint64_t lv_dn_wavelet_scratch(const lv_dn_wavelet *w, uint64_t n)
{
    const uint32_t L = lv_dn_wavelet_levels(w, n);
    if (L == 0) return 0;
    uint64_t lens[LV_WAVELET_MAX_LEVEL + 1];
    const uint64_t details = lv_wavelet_level_lengths(n, w->bank.len, L, lens);
    const uint64_t M = lv_wavelet_max_len(n, w->bank.len);
    return details + 2 * M + 2 * (M / 2 + 2);
}

/* Vectors of 4 doubles (GCC / clang vector extensions): two SSE2 registers at the baseline ISA,
 * one in the AVX2 copy (LV_CPU_CLONES).  Loads and stores go through memcpy (unaligned). */
typedef double wv_v4d __attribute__((vector_size(32)));
#define WV_LOAD(dst, p) memcpy(&(dst), (p), sizeof(wv_v4d))
#define WV_STORE(p, v)  memcpy((p), &(v), sizeof(wv_v4d))

/* One analysis level: s[0, m) -> a, d[0, lv_dwt_len(m, F)).  The interior coefficients are
 * lv_dwt_coef's sums (j ascending from 0.0) over even / odd de-interleaved input, 8 outputs of
 * each filter at a time with the taps innermost; the few boundary ones call lv_dwt_coef. */
LV_CPU_CLONES static void dwt_level(const lv_wavelet_bank *b, const double *s, int64_t m, double *a,
                                    double *d, double *ev, double *od)
{
    const int F = b->len;
    const int64_t out_len = (int64_t)lv_dwt_len((uint64_t)m, F);
    int64_t k0, k1;
    lv_dwt_interior(m, F, &k0, &k1);
    if (k1 > k0) {
        for (int64_t i = 0; i < (m + 1) / 2; i++)
            ev[i] = s[2 * i];
        for (int64_t i = 0; i < m / 2; i++)
            od[i] = s[2 * i + 1];
        /* x[2k + 1 - j]: j = 2q + 1 -> ev[k - q]; j = 2q -> od[k - q]. */
        int64_t k = k0;
        for (; k + 8 <= k1; k += 8) {
            wv_v4d a0 = {0.0, 0.0, 0.0, 0.0}, a1 = a0, d0 = a0, d1 = a0;
            for (int j = 0; j < F; j++) {
                const double lo = b->dec_lo[j], hi = b->dec_hi[j];
                const double *src = ((j & 1) ? ev : od) + k - j / 2;
                wv_v4d x0, x1;
                WV_LOAD(x0, src);
                WV_LOAD(x1, src + 4);
                a0 += lo * x0;
                a1 += lo * x1;
                d0 += hi * x0;
                d1 += hi * x1;
            }
            WV_STORE(a + k, a0);
            WV_STORE(a + k + 4, a1);
            WV_STORE(d + k, d0);
            WV_STORE(d + k + 4, d1);
        }
        for (; k < k1; k++) {
            double sa = 0.0, sd = 0.0;
            for (int j = 0; j < F; j++) {
                const double x = ((j & 1) ? ev : od)[k - j / 2];
                sa += b->dec_lo[j] * x;
                sd += b->dec_hi[j] * x;
            }
            a[k] = sa;
            d[k] = sd;
        }
    }
    for (int64_t k = 0; k < out_len; k++) {
        if (k == k0 && k1 > k0) k = k1; /* the interior is done */
        if (k >= out_len) break;
        a[k] = lv_dwt_coef(s, m, b->dec_lo, F, k);
        d[k] = lv_dwt_coef(s, m, b->dec_hi, F, k);
    }
}

/* One synthesis level: a, d of length len -> dst[0, keep) (keep <= 2 * pairs).  The same sums,
 * in the same order, as lv_idwt_pair, for 4 pairs at a time; ev / od take the even and odd
 * outputs before they are interleaved into dst. */
LV_CPU_CLONES static void idwt_level(const lv_wavelet_bank *b, const double *a, const double *d,
                                     int64_t len, double *dst, int64_t keep, double *ev, double *od)
{
    const int h = b->len / 2;
    const int64_t pairs = lv_idwt_pairs(len, b->len);
    int64_t m = 0;
    for (; m + 4 <= pairs; m += 4) {
        wv_v4d ae = {0.0, 0.0, 0.0, 0.0}, ao = ae, de = ae, dd = ae;
        for (int j = 0; j < h; j++) {
            wv_v4d av, dv;
            WV_LOAD(av, a + m + h - 1 - j);
            WV_LOAD(dv, d + m + h - 1 - j);
            ae += b->rec_lo[2 * j] * av;
            ao += b->rec_lo[2 * j + 1] * av;
            de += b->rec_hi[2 * j] * dv;
            dd += b->rec_hi[2 * j + 1] * dv;
        }
        ae += de;
        ao += dd;
        WV_STORE(ev + m, ae);
        WV_STORE(od + m, ao);
    }
    for (; m < pairs; m++)
        lv_idwt_pair(a, d, b, m, &ev[m], &od[m]);
    for (int64_t i = 0; i < keep / 2; i++) {
        dst[2 * i] = ev[i];
        dst[2 * i + 1] = od[i];
    }
    if (keep & 1) dst[keep - 1] = ev[keep / 2];
}

void lv_dn_wavelet_shrink(const lv_dn_wavelet *w, double *x, uint64_t n, double *scratch)
{
    const uint32_t L = lv_dn_wavelet_levels(w, n);
    if (L == 0) return;
    const lv_wavelet_bank *b = &w->bank;
    uint64_t lens[LV_WAVELET_MAX_LEVEL + 1];
    const uint64_t details = lv_wavelet_level_lengths(n, b->len, L, lens);
    const uint64_t M = lv_wavelet_max_len(n, b->len);
    double *D = scratch, *buf[2] = {D + details, D + details + M};
    double *ev = buf[1] + M, *od = ev + M / 2 + 2;
    uint64_t det_off[LV_WAVELET_MAX_LEVEL + 1];

    /* Analysis: level l reads a_{l-1} (x for l = 1) and writes a_l to buf[l % 2]. */
    const double *s = x;
    uint64_t off = 0;
    for (uint32_t l = 1; l <= L; l++) {
        det_off[l] = off;
        double *a = buf[l % 2];
        dwt_level(b, s, (int64_t)lens[l - 1], a, D + off, ev, od);
        off += lens[l];
        s = a;
    }

    /* Threshold every detail level; the approximation a_L is left alone. */
    double t = w->threshold;
    if (t < 0) {
        double *tmp = buf[(L + 1) % 2]; /* not holding a_L */
        const double *d1 = D + det_off[1];
        for (uint64_t i = 0; i < lens[1]; i++)
            tmp[i] = fabs(d1[i]);
        t = lv_universal_threshold(lv_dn_median(tmp, lens[1]), n);
    }
    if (w->hard)
        for (uint64_t i = 0; i < details; i++)
            D[i] = lv_threshold_hard(D[i], t);
    else
        for (uint64_t i = 0; i < details; i++)
            D[i] = lv_threshold_soft(D[i], t);

    /* Synthesis: a (length lens[l]) with d_l -> lens[l - 1] points, the last level into x. */
    int cur = (int)(L % 2);
    for (uint32_t l = L; l >= 1; l--) {
        /* Into the other buffer; the last level too, since x has n places and the synthesis
         * works with 2 * pairs (n or n + 1) of temporaries. */
        double *dst = buf[1 - cur];
        idwt_level(b, buf[cur], D + det_off[l], (int64_t)lens[l], dst, (int64_t)lens[l - 1], ev,
                   od);
        if (l == 1) memcpy(x, dst, (size_t)n * sizeof(double));
        cur = 1 - cur;
    }
}

typedef struct wavelet_op {
    lv_dn_wavelet w;
} wavelet_op;

static uint64_t wavelet_need(const void *op, uint64_t n)
{
    return n + lv_dn_wavelet_scratch(&((const wavelet_op *)op)->w, n);
}

static void wavelet_spectrum(const void *opv, const float *in, float *out, uint64_t n,
                             double *scratch)
{
    const wavelet_op *op = opv;
    double *x = scratch;
    for (uint64_t i = 0; i < n; i++)
        x[i] = in[i];
    lv_dn_wavelet_shrink(&op->w, x, n, scratch + n);
    for (uint64_t i = 0; i < n; i++)
        out[i] = (float)x[i];
}

LV_API lv_status lv_wavelet_denoise(lv_context *ctx, const lv_wavelet_params *params,
                                    uint64_t n_spectra, const uint64_t *offsets,
                                    const float *intensity, float *out)
{
    static const char fn[] = "lv_wavelet_denoise";
    FORWARD_IF_ERROR(lv_dn_check_csr(fn, ctx, n_spectra, offsets, intensity, out));
    wavelet_op op;
    FORWARD_IF_ERROR(lv_dn_wavelet_resolve(fn, params, &op.w));
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
        char err[512] = "";
        int st = ctx->cuda->denoise_wavelet(ctx->cuda_ctx, &job, err, sizeof err);
        RETURN_ERROR_IF(st != LV_OK, (lv_status)st, "%s on %s: %s", fn, ctx->backend_name, err);
        return LV_OK;
    }
    return lv_dn_run_cpu(ctx, n_spectra, offsets, intensity, out, wavelet_spectrum, wavelet_need,
                         &op);
}
