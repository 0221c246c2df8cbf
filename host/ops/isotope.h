/* isotope.h - expected M+1 / M+2 intensities of a molecule from its element counts.
 *
 * The isotope pattern of a molecule is the product of one polynomial per atom,
 * sum_k P(isotope shift k) x^k.  Dividing each by its x^0 coefficient makes every factor a power
 * series 1 + a x + b x^2 + ...; truncated at x^2 such series form a group under multiplication
 * whose logarithm is additive: log(1 + a x + b x^2) = a x + (b - a^2/2) x^2 (mod x^3).  So each
 * element contributes count * (l1, l2), losses (negative counts, e.g. -H2O) subtract, and the
 * molecule's relative intensities are r1 = l1, r2 = l2 + l1^2 / 2: exact M+1/M+2 ratios of the
 * nominal-shift convolution in O(elements), with no over- or underflow for any atom count. */
#ifndef LV_ISOTOPE_H
#define LV_ISOTOPE_H

#ifdef __cplusplus
extern "C" {
#endif

/* The (l1, l2) of one atom of element `element` (index into lv_elements) at natural abundance.
 * Shifts count nucleons from the most abundant isotope; lighter isotopes are ignored. */
void lv_isotope_element_series(int element, double *l1, double *l2);

/* Relative intensities M+1/M and M+2/M from a summed series. */
void lv_isotope_ratios(double l1, double l2, double *r1, double *r2);

/* Mass difference 13C - 12C: the spacing of isotope peaks (divided by |charge| in m/z). */
#define LV_ISOTOPE_SPACING 1.0033548378

#ifdef __cplusplus
}
#endif

#endif
