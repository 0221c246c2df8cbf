/* element_table.h - element and isotope data (generated from OpenMS Elements.xml). */
#ifndef LV_ELEMENT_TABLE_H
#define LV_ELEMENT_TABLE_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lv_isotope {
    int mass_number;  /* nucleons */
    double abundance; /* natural abundance, fraction of 1 */
    double mass;      /* atomic mass in u */
} lv_isotope;

typedef struct lv_element {
    const char *symbol;
    int atomic_number;
    int n_isotopes;
    int mono;                   /* index of the most abundant isotope (OpenMS' monoisotopic one) */
    const lv_isotope *isotopes; /* ascending mass number */
} lv_element;

extern const lv_element lv_elements[];
extern const int lv_element_count;

#ifdef __cplusplus
}
#endif

#endif
