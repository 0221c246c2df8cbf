/* compound_table.h - internals of lv_compound_db: the OpenMS compound and adduct tables,
 * and molecular formulas. */
#ifndef LV_COMPOUND_TABLE_H
#define LV_COMPOUND_TABLE_H

#include <stdint.h>

#include "io/mzml.h"
#include "lavoisier.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Most distinct (element, isotope) keys in one formula; HMDB formulas have at most ~10. */
#define LV_FORMULA_MAX_KEYS 24

/* A parsed formula.  key = element index * 256 + explicit mass number (0 = natural abundance):
 * as in OpenMS, "(2)H" and "H" are different atoms, also for the adduct compatibility check. */
typedef struct lv_formula {
    int n;
    uint16_t key[LV_FORMULA_MAX_KEYS];
    int32_t count[LV_FORMULA_MAX_KEYS];
    double mass;   /* monoisotopic */
    double l1, l2; /* isotope series (ops/isotope.h); explicit isotopes contribute nothing */
} lv_formula;

/* Parses `len` bytes of s ("C6H12O6", "C10(2)H3(1)H16NO4", "CH3CN").  sign scales the counts
 * (+1 / -1) and the result is ADDED to *f (so terms accumulate); start from a zeroed lv_formula.
 * On failure returns LV_ERR_FORMAT with a message naming the offending character. */
lv_status lv_formula_add(lv_formula *f, const char *s, size_t len, int sign);

/* Count of key in f (0 when absent). */
int32_t lv_formula_count(const lv_formula *f, uint16_t key);

typedef struct lv_adduct {
    uint32_t name; /* arena offset */
    int32_t charge;
    uint32_t mult;
    double mass; /* net formula's monoisotopic mass (no electrons) */
    lv_formula ef;
} lv_adduct;

/* Parses one adduct line ("2M+CH3CN+Na;1+") as OpenMS AdductInfo::parseAdductString does. */
lv_status lv_adduct_parse(const char *s, size_t len, lv_adduct *out);

typedef struct lv_db_entry {
    uint32_t formula, ids, name; /* arena offsets */
    uint32_t elem_first;         /* into db->elem_key / elem_count */
    uint16_t elem_n;
    double l1, l2; /* the molecule's isotope series */
} lv_db_entry;

struct lv_compound_db {
    uint64_t n;
    double *mass;       /* n, ascending: the binary-search key */
    lv_db_entry *entry; /* n, same order */
    uint16_t *elem_key; /* per entry element keys (CSR by elem_first/elem_n) */
    int32_t *elem_count;
    lv_adduct *adducts[2]; /* [0] positive, [1] negative */
    uint32_t n_adducts[2];
    lv_bytes arena; /* NUL-terminated strings */
};

/* Electron mass (u), as OpenMS Constants::ELECTRON_MASS_U. */
#define LV_ELECTRON_MASS 0.00054857990946

#ifdef __cplusplus
}
#endif

#endif
