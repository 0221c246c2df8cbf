/* localmax_cpu.h - the CPU peak finder for one spectrum, shared by lv_localmax and lv_centroid. */
#ifndef LV_LOCALMAX_CPU_H
#define LV_LOCALMAX_CPU_H

#include <stddef.h>
#include <stdint.h>

#include "lavoisier.h"

/* A worker's growable scratch memory. */
typedef struct lv_peak_scratch {
    void *buf;
    size_t cap;
} lv_peak_scratch;

/* Position of the half slot of a spectrum starting `rel` points after the first spectrum: a
 * spectrum of m points yields at most (m - 1) / 2 peaks, so consecutive half slots never overlap
 * and all of them fit in lv_half_slot(total points) + 1 entries. */
static inline uint64_t lv_half_slot(uint64_t rel)
{
    return (rel + 1) / 2;
}

/* scipy.signal.find_peaks(x[0..n), height=min_height, distance=min_distance): writes the peak
 * positions, ascending, to out (room for (n - 1) / 2 entries) and returns their number.  Scratch
 * is used (and grown) only when min_distance > 1; on allocation failure *status is set and 0
 * returned. */
uint64_t lv_localmax_spectrum(const float *x, uint64_t n, double min_height, uint32_t min_distance,
                              uint32_t *out, lv_peak_scratch *scratch, lv_status *status);

#endif
