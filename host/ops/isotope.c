/* isotope.c - isotope-pattern series per element (see isotope.h for the math). */
#include "ops/isotope.h"

#include "io/element_table.h"

void lv_isotope_element_series(int element, double *l1, double *l2)
{
    const lv_element *e = &lv_elements[element];
    const lv_isotope *mono = &e->isotopes[e->mono];
    double a = 0.0, b = 0.0;
    for (int k = 0; k < e->n_isotopes; k++) {
        const int shift = e->isotopes[k].mass_number - mono->mass_number;
        if (shift == 1) a += e->isotopes[k].abundance / mono->abundance;
        if (shift == 2) b += e->isotopes[k].abundance / mono->abundance;
    }
    *l1 = a;
    *l2 = b - 0.5 * a * a;
}

void lv_isotope_ratios(double l1, double l2, double *r1, double *r2)
{
    *r1 = l1;
    *r2 = l2 + 0.5 * l1 * l1;
}
