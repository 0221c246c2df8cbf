/* centroid_cpu.h - pieces of lv_centroid shared with lv_centroid_batch and the tests. */
#ifndef LV_CENTROID_CPU_H
#define LV_CENTROID_CPU_H

#include <stdint.h>

#include "lavoisier.h"

/* Checks params (NULL = defaults) and writes the values to use into *resolved. */
lv_status lv_centroid_check_params(const char *op, const lv_centroid_params *params,
                                   lv_centroid_params *resolved);

/* lv_centroid after its argument checks (params resolved, offsets verified). */
lv_status lv_centroid_checked(lv_context *ctx, const lv_centroid_params *p, uint64_t n_spectra,
                              const uint64_t *offsets, const double *mz, const float *intensity,
                              uint64_t capacity, double *out_mz, float *out_intensity,
                              float *out_fwhm, uint64_t *out_offsets);

/* Centroids of one spectrum whose m/z ascend, given its threshold; area != 0 selects the area
 * intensity; out_fwhm may be NULL.  Outputs need room for (n - 1) / 2 entries.  Returns the
 * count. */
uint64_t lv_centroid_spectrum(const double *mz, const float *x, uint64_t n, double threshold,
                              int area, double *out_mz, float *out_intensity, float *out_fwhm);

#endif
