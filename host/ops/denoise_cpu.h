/* denoise_cpu.h - internals shared by the denoising operations (host/ops/denoise_*.c): argument
 * checks of CSR input, the per-spectrum parallel driver with per-worker scratch, median
 * selection, and the double-precision cores that the zengeza pipeline chains. */
#ifndef LV_DENOISE_CPU_H
#define LV_DENOISE_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "lavoisier.h"
#include "wavelet_math.h"

/* Checks ctx, offsets (non-decreasing, no overflow) and the arrays; fn names the caller. */
lv_status lv_dn_check_csr(const char *fn, lv_context *ctx, uint64_t n_spectra,
                          const uint64_t *offsets, const float *intensity, const void *out);

/* One spectrum: in[0, n) to out[0, n) (out may alias in: read everything first), with scratch
 * of the size scratch_doubles(op, n) returned. */
typedef void (*lv_dn_spectrum_fn)(const void *op, const float *in, float *out, uint64_t n,
                                  double *scratch);
typedef uint64_t (*lv_dn_scratch_fn)(const void *op, uint64_t n);

/* Runs fn on every spectrum over the context's CPU threads, in tasks of whole spectra of about
 * 64 Ki points, each worker with its own scratch sized for the longest spectrum. */
lv_status lv_dn_run_cpu(lv_context *ctx, uint64_t n_spectra, const uint64_t *offsets,
                        const float *in, float *out, lv_dn_spectrum_fn fn, lv_dn_scratch_fn need,
                        const void *op);

/* The median of v[0, n) (n >= 1), numpy's: the mean of the two middle values when n is even.
 * Reorders v.  Safe (terminates, stays in bounds) with NaNs, whose result is unspecified. */
double lv_dn_median(double *v, uint64_t n);

/* Wavelet shrinkage, resolved once per call. */
typedef struct lv_dn_wavelet {
    lv_wavelet_bank bank;
    uint32_t level; /* 0 = dwt_max_level per spectrum */
    int hard;
    double threshold; /* < 0 = universal */
} lv_dn_wavelet;

lv_status lv_dn_wavelet_resolve(const char *fn, const lv_wavelet_params *params,
                                lv_dn_wavelet *out);
/* Levels used for a spectrum of n points. */
uint32_t lv_dn_wavelet_levels(const lv_dn_wavelet *w, uint64_t n);
uint64_t lv_dn_wavelet_scratch(const lv_dn_wavelet *w, uint64_t n);
/* Shrinks x[0, n) in place (double), with lv_dn_wavelet_scratch(w, n) doubles of scratch. */
void lv_dn_wavelet_shrink(const lv_dn_wavelet *w, double *x, uint64_t n, double *scratch);

typedef struct lv_dn_snip {
    uint32_t iterations;
    int decreasing;
} lv_dn_snip;

lv_status lv_dn_snip_resolve(const char *fn, const lv_snip_params *params, lv_dn_snip *out);
/* Baseline of y[0, n) into base[0, n); tmp holds n doubles. */
void lv_dn_snip_baseline(const lv_dn_snip *s, const double *y, uint64_t n, double *base,
                         double *tmp);

#endif
