/* denoise_job.h - what the core hands the CUDA backend for one denoising call (plain C, seen by
 * host/ops/denoise_*.c and kernels/{wavelet,savgol,snip}.cu).  Every spectrum is one thread
 * block; the parameters are resolved and checked by the core. */
#ifndef LV_DENOISE_JOB_H
#define LV_DENOISE_JOB_H

#include <stdint.h>

#include "wavelet_math.h"

typedef struct lv_cuda_denoise_job {
    uint64_t n_spectra;
    const uint64_t *offsets; /* n_spectra + 1, CSR over in / out */
    const float *in;
    float *out; /* may alias in */

    /* Wavelet shrinkage (denoise_wavelet); zengeza = SNIP removal first plus clamp. */
    lv_wavelet_bank bank;
    uint32_t level; /* 0 = dwt_max_level per spectrum */
    int hard;
    double threshold; /* < 0 = universal */
    int clamp;        /* 1 = max(y, 0) on the result */

    /* SNIP (denoise_snip alone; before the wavelet when snip_iterations > 0 in denoise_wavelet) */
    uint32_t snip_iterations;
    int snip_decreasing;
    int snip_remove; /* denoise_snip: 1 = write intensity - baseline, 0 = the baseline */

    /* Savitzky-Golay (denoise_savgol): window, its centre weights and its edge weights as
     * savgol_math.h's lv_savgol_coeffs returns them (host memory). */
    int window;
    const double *centre;
    const double *edge;
} lv_cuda_denoise_job;

#endif
