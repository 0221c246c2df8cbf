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

/* The CPU work of lv_centroid without the packing: the records i with sel[i] set (all when sel
 * is NULL) are centroided, record i's centroids go to slot_mz / slot_intensity / slot_fwhm
 * (FWHM only when p->fwhm) from position lv_half_slot(offsets[i] - offsets[0]) on (room for
 * lv_half_slot(total points) + 1 entries), and their number to counts[i + 1] (0 for records not
 * selected; counts[0] = 0).  Runs on the context's threads; m/z must ascend in every selected
 * record (checked: the message numbers records from 0). */
lv_status lv_centroid_cpu_slots(lv_context *ctx, const lv_centroid_params *p, uint64_t n_spectra,
                                const uint64_t *offsets, const double *mz, const float *intensity,
                                const uint8_t *sel, double *slot_mz, float *slot_intensity,
                                float *slot_fwhm, uint64_t *counts);

/* Centroids of one spectrum whose m/z ascend, given its threshold; area != 0 selects the area
 * intensity; out_fwhm may be NULL.  Outputs need room for (n - 1) / 2 entries.  Returns the
 * count. */
uint64_t lv_centroid_spectrum(const double *mz, const float *x, uint64_t n, double threshold,
                              int area, double *out_mz, float *out_intensity, float *out_fwhm);

#endif
