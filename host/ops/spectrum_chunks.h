/* spectrum_chunks.h - splits CSR spectra into CPU tasks of similar point counts, and the checks of
 * CSR arguments that every per-spectrum operation shares. */
#ifndef LV_SPECTRUM_CHUNKS_H
#define LV_SPECTRUM_CHUNKS_H

#include <stdint.h>

#include "lavoisier.h"

/* Task t covers spectra [first[t], first[t + 1]).  n_tasks >= 1 whenever n_spectra >= 1. */
typedef struct lv_spectrum_chunks {
    size_t n_tasks;
    uint64_t *first; /* n_tasks + 1 entries */
} lv_spectrum_chunks;

/* Cuts the spectra into tasks of about total_points / (n_threads * 8) points (at least 16 Ki
 * points, so that handing out a task costs little next to its work), never splitting a spectrum.
 * Spectra carry uneven point counts, so counting spectra would leave threads idle. */
lv_status lv_spectrum_chunks_make(const uint64_t *offsets, uint64_t n_spectra, uint32_t n_threads,
                                  lv_spectrum_chunks *out);
void lv_spectrum_chunks_free(lv_spectrum_chunks *c);

/* Checks CSR offsets: n_spectra + 1 non-decreasing entries, and (when max_points is not 0) no
 * spectrum longer than max_points.  `op` names the caller in the message. */
lv_status lv_check_offsets(const char *op, uint64_t n_spectra, const uint64_t *offsets,
                           uint64_t max_points);

/* In place: counts[1..n] hold per-spectrum counts; afterwards counts[i] is their prefix sum with
 * counts[0] = 0.  Returns the total. */
uint64_t lv_counts_to_offsets(uint64_t *counts, uint64_t n);

#endif
