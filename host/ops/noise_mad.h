/* noise_mad.h - the noise level of one spectrum from the median absolute deviation (CPU). */
#ifndef LV_NOISE_MAD_H
#define LV_NOISE_MAD_H

#include <stdint.h>

/* 1.4826 * median(|x - median(x)|) over the non-NaN intensities of x[0..n); 0 when there are none.
 * A median of an even count is the mean of the two middle values (numpy's convention); the
 * deviations are taken in double.  scratch must hold n doubles. */
double lv_mad_noise(const float *x, uint64_t n, double *scratch);

#endif
