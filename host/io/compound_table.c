/* compound_table.c - lv_compound_db: reads the compound mapping, structure and adduct tables
 * that OpenMS ships (CHEMISTRY/HMDBMappingFile.tsv, HMDB2StructMapping.tsv, PositiveAdducts.tsv,
 * NegativeAdducts.tsv) or files of the same formats, and parses molecular formulas.
 *
 * Parsing follows OpenMS AccurateMassSearchEngine/AdductInfo, because the annotation's candidate
 * sets are checked against AccurateMassSearch: mapping lines split at whitespace into mass,
 * formula and one or more ids after the two header lines; a mass of 0 is computed from the
 * formula; adducts are "[n]M(+|-)[k]FORMULA...;z(+|-)". */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/compound_table.h"
#include "io/element_table.h"
#include "ops/isotope.h"
#include "runtime/error.h"

/* ---- formulas -------------------------------------------------------------------------------- */

static int find_element(const char *s, size_t len)
{
    for (int e = 0; e < lv_element_count; e++)
        if (strlen(lv_elements[e].symbol) == len && memcmp(lv_elements[e].symbol, s, len) == 0)
            return e;
    return -1;
}

/* Element lookup is a linear scan of 72 symbols: formulas are parsed once, at load time. */
lv_status lv_formula_add(lv_formula *f, const char *s, size_t len, int sign)
{
    size_t i = 0;
    while (i < len) {
        int isotope = 0;
        if (s[i] == '(') {
            size_t j = i + 1;
            while (j < len && isdigit((unsigned char)s[j]))
                isotope = isotope * 10 + (s[j++] - '0');
            RETURN_ERROR_IF(j == i + 1 || j >= len || s[j] != ')' || isotope > 255, LV_ERR_FORMAT,
                            "formula '%.*s': bad isotope prefix at character %zu", (int)len, s,
                            i + 1);
            i = j + 1;
        }
        RETURN_ERROR_IF(i >= len || !isupper((unsigned char)s[i]), LV_ERR_FORMAT,
                        "formula '%.*s': expected an element symbol at character %zu", (int)len, s,
                        i + 1);
        size_t sym = i++;
        if (i < len && islower((unsigned char)s[i])) i++;
        int e = find_element(s + sym, i - sym);
        RETURN_ERROR_IF(e < 0, LV_ERR_FORMAT, "formula '%.*s': unknown element '%.*s'", (int)len, s,
                        (int)(i - sym), s + sym);
        long count = 1;
        if (i < len && isdigit((unsigned char)s[i])) {
            count = 0;
            while (i < len && isdigit((unsigned char)s[i])) {
                count = count * 10 + (s[i++] - '0');
                RETURN_ERROR_IF(count > 100000000L, LV_ERR_FORMAT,
                                "formula '%.*s': count too large", (int)len, s);
            }
        }
        const lv_element *el = &lv_elements[e];
        const lv_isotope *iso = &el->isotopes[el->mono];
        if (isotope) {
            iso = NULL;
            for (int k = 0; k < el->n_isotopes; k++)
                if (el->isotopes[k].mass_number == isotope) iso = &el->isotopes[k];
            RETURN_ERROR_IF(iso == NULL, LV_ERR_FORMAT, "formula '%.*s': unknown isotope (%d)%s",
                            (int)len, s, isotope, el->symbol);
        }
        const uint16_t key = (uint16_t)(e * 256 + isotope);
        const int32_t n = (int32_t)count * sign;
        int slot = 0;
        while (slot < f->n && f->key[slot] != key)
            slot++;
        if (slot == f->n) {
            RETURN_ERROR_IF(f->n == LV_FORMULA_MAX_KEYS, LV_ERR_FORMAT,
                            "formula '%.*s': more than %d distinct elements", (int)len, s,
                            LV_FORMULA_MAX_KEYS);
            f->key[f->n] = key;
            f->count[f->n++] = 0;
        }
        f->count[slot] += n;
        f->mass += n * iso->mass;
        if (!isotope) {
            double l1, l2;
            lv_isotope_element_series(e, &l1, &l2);
            f->l1 += n * l1;
            f->l2 += n * l2;
        }
    }
    return LV_OK;
}

int32_t lv_formula_count(const lv_formula *f, uint16_t key)
{
    for (int k = 0; k < f->n; k++)
        if (f->key[k] == key) return f->count[k];
    return 0;
}

/* ---- adducts --------------------------------------------------------------------------------- */

lv_status lv_adduct_parse(const char *s, size_t len, lv_adduct *out)
{
    char buf[256];
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (!isspace((unsigned char)s[i])) {
            RETURN_ERROR_IF(n + 1 >= sizeof buf, LV_ERR_FORMAT, "adduct longer than %zu bytes",
                            sizeof buf - 1);
            buf[n++] = s[i];
        }
    buf[n] = 0;
    char *semi = strchr(buf, ';');
    RETURN_ERROR_IF(semi == NULL || strchr(semi + 1, ';'), LV_ERR_FORMAT,
                    "adduct '%s': expected 'FORMULA;CHARGE' with one ';'", buf);
    *semi = 0;
    const char *charge = semi + 1;
    size_t cl = strlen(charge);
    RETURN_ERROR_IF(cl < 2 || (charge[cl - 1] != '+' && charge[cl - 1] != '-'), LV_ERR_FORMAT,
                    "adduct '%s': charge '%s' must be digits followed by + or -", buf, charge);
    long z = 0;
    for (size_t i = 0; i + 1 < cl; i++) {
        RETURN_ERROR_IF(!isdigit((unsigned char)charge[i]) || z > 1000, LV_ERR_FORMAT,
                        "adduct '%s': charge '%s' must be digits followed by + or -", buf, charge);
        z = z * 10 + (charge[i] - '0');
    }
    RETURN_ERROR_IF(z == 0, LV_ERR_FORMAT, "adduct '%s': charge 0", buf);
    memset(out, 0, sizeof *out);
    out->charge = (int32_t)(charge[cl - 1] == '+' ? z : -z);

    /* Molecule term: [n]M */
    const char *p = buf;
    size_t mlen = strcspn(p, "+-");
    RETURN_ERROR_IF(mlen == 0 || p[mlen - 1] != 'M', LV_ERR_FORMAT,
                    "adduct '%s': the first term must be M or nM", buf);
    long mult = 1;
    if (mlen > 1) {
        mult = 0;
        for (size_t i = 0; i + 1 < mlen; i++) {
            RETURN_ERROR_IF(!isdigit((unsigned char)p[i]) || mult > 1000, LV_ERR_FORMAT,
                            "adduct '%s': bad multiplier before M", buf);
            mult = mult * 10 + (p[i] - '0');
        }
        RETURN_ERROR_IF(mult == 0, LV_ERR_FORMAT, "adduct '%s': multiplier 0", buf);
    }
    out->mult = (uint32_t)mult;
    p += mlen;
    while (*p) {
        int sign = *p == '+' ? 1 : -1;
        p++;
        size_t tl = strcspn(p, "+-");
        RETURN_ERROR_IF(tl == 0, LV_ERR_FORMAT, "adduct '%s': +/- must be followed by a formula",
                        buf);
        long k = 0;
        size_t d = 0;
        while (d < tl && isdigit((unsigned char)p[d]))
            k = k * 10 + (p[d++] - '0');
        if (d == 0) k = 1;
        RETURN_ERROR_IF(d == tl || k == 0 || k > 1000, LV_ERR_FORMAT,
                        "adduct '%s': bad term '%.*s'", buf, (int)tl, p);
        for (long r = 0; r < k; r++)
            FORWARD_IF_ERROR_CTX(lv_formula_add(&out->ef, p + d, tl - d, sign), "adduct '%s'", buf);
        p += tl;
    }
    out->mass = out->ef.mass;
    return LV_OK;
}

/* ---- files ----------------------------------------------------------------------------------- */

static lv_status read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    RETURN_ERROR_IF(f == NULL, LV_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    size_t cap = 1 << 20, n = 0;
    char *buf = malloc(cap + 1);
    if (!buf) {
        fclose(f);
        RETURN_IF_NULL_ALLOC(buf, cap + 1);
    }
    for (;;) {
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        char *nb = realloc(buf, 2 * cap + 1);
        if (!nb) {
            free(buf);
            fclose(f);
            RETURN_IF_NULL_ALLOC(nb, 2 * cap + 1);
        }
        buf = nb;
        cap *= 2;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        return lv_error_set(LV_ERR_IO, "%s: read error", path);
    }
    buf[n] = 0;
    *data = buf;
    *len = n;
    return LV_OK;
}

/* Iterates over lines: sets *line and *line_len (trimmed of blanks and CR) and advances. */
static int next_line(const char *data, size_t len, size_t *pos, const char **line, size_t *line_len)
{
    if (*pos >= len) return 0;
    const char *s = data + *pos;
    const char *nl = memchr(s, '\n', len - *pos);
    size_t l = nl ? (size_t)(nl - s) : len - *pos;
    *pos += l + (nl ? 1 : 0);
    while (l > 0 && isspace((unsigned char)s[l - 1]))
        l--;
    while (l > 0 && isspace((unsigned char)*s)) {
        s++;
        l--;
    }
    *line = s;
    *line_len = l;
    return 1;
}

static lv_status arena_add(lv_bytes *a, const char *s, size_t len, uint32_t *off)
{
    RETURN_ERROR_IF(a->len + len + 1 > UINT32_MAX, LV_ERR_NO_MEMORY,
                    "compound database strings exceed 4 GiB");
    FORWARD_IF_ERROR(lv_bytes_reserve(a, a->len + len + 1));
    memcpy(a->data + a->len, s, len);
    a->data[a->len + len] = 0;
    *off = (uint32_t)a->len;
    a->len += len + 1;
    return LV_OK;
}

/* A mapping entry during loading, before sorting by mass. */
typedef struct pending {
    double mass;
    uint64_t order;
    lv_db_entry e;
} pending;

static int cmp_pending(const void *a, const void *b)
{
    const pending *x = a, *y = b;
    if (x->mass != y->mass) return x->mass < y->mass ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

typedef struct name_pair {
    const char *id;
    size_t id_len;
    const char *name;
    size_t name_len;
} name_pair;

static int cmp_name(const void *a, const void *b)
{
    const name_pair *x = a, *y = b;
    size_t n = x->id_len < y->id_len ? x->id_len : y->id_len;
    int c = memcmp(x->id, y->id, n);
    return c ? c : (x->id_len > y->id_len) - (x->id_len < y->id_len);
}

typedef struct loader {
    lv_compound_db *db;
    pending *pend;
    size_t n_pend, cap_pend;
    uint16_t *keys;
    int32_t *counts;
    size_t n_elem, cap_elem;
    name_pair *names;
    size_t n_names;
    char *struct_data;
} loader;

static lv_status load_mapping(loader *L, const char *path)
{
    char *data;
    size_t len, pos = 0, line_no = 0, nonempty = 0;
    FORWARD_IF_ERROR(read_file(path, &data, &len));
    const char *line;
    size_t ll;
    lv_status st = LV_OK;
    while (st == LV_OK && next_line(data, len, &pos, &line, &ll)) {
        line_no++;
        if (ll == 0) continue;
        nonempty++;
        if (nonempty <= 2) {
            const char *want = nonempty == 1 ? "database_name" : "database_version";
            size_t wl = strlen(want);
            if (!(ll > wl && memcmp(line, want, wl) == 0 && isspace((unsigned char)line[wl])))
                st = lv_error_set(LV_ERR_FORMAT, "%s: line %zu: expected '%s<TAB>VALUE'", path,
                                  line_no, want);
            continue;
        }
        /* Whitespace-separated fields: mass, formula, ids... */
        const char *f[3] = {0};
        size_t fl[3] = {0};
        size_t i = 0;
        int nf = 0;
        const char *ids_begin = NULL;
        while (i < ll && nf < 3) {
            while (i < ll && isspace((unsigned char)line[i]))
                i++;
            size_t b = i;
            while (i < ll && !isspace((unsigned char)line[i]))
                i++;
            if (i > b) {
                if (nf == 2) ids_begin = line + b;
                f[nf] = line + b;
                fl[nf++] = i - b;
            }
        }
        if (nf < 3) {
            st = lv_error_set(LV_ERR_FORMAT,
                              "%s: line %zu: expected 'mass formula id [id...]', found %d fields",
                              path, line_no, nf);
            break;
        }
        char num[64];
        char *end;
        snprintf(num, sizeof num, "%.*s", (int)(fl[0] < 63 ? fl[0] : 63), f[0]);
        double mass = strtod(num, &end);
        if (*end || fl[0] > 63 || !(mass >= 0.0 && mass < 1e7)) {
            st = lv_error_set(LV_ERR_FORMAT, "%s: line %zu: bad mass '%.*s'", path, line_no,
                              (int)fl[0], f[0]);
            break;
        }
        lv_formula form = {0};
        st = lv_formula_add(&form, f[1], fl[1], 1);
        if (st != LV_OK) {
            lv_error_prefix(st, "%s: line %zu", path, line_no);
            break;
        }
        if (mass == 0.0) mass = form.mass;
        if (L->n_pend == L->cap_pend) {
            size_t nc = L->cap_pend ? 2 * L->cap_pend : 4096;
            pending *np = realloc(L->pend, nc * sizeof *np);
            if (!np) {
                st = lv_error_set(LV_ERR_NO_MEMORY, "out of memory reading %s", path);
                break;
            }
            L->pend = np;
            L->cap_pend = nc;
        }
        if (L->n_elem + (size_t)form.n > L->cap_elem) {
            size_t nc = L->cap_elem ? 2 * L->cap_elem : 16384;
            uint16_t *nk = realloc(L->keys, nc * sizeof *nk);
            if (nk) L->keys = nk;
            int32_t *ncnt = nk ? realloc(L->counts, nc * sizeof *ncnt) : NULL;
            if (!nk || !ncnt) {
                st = lv_error_set(LV_ERR_NO_MEMORY, "out of memory reading %s", path);
                break;
            }
            L->counts = ncnt;
            L->cap_elem = nc;
        }
        pending *p = &L->pend[L->n_pend];
        memset(p, 0, sizeof *p);
        p->mass = mass;
        p->order = L->n_pend;
        p->e.elem_first = (uint32_t)L->n_elem;
        p->e.elem_n = (uint16_t)form.n;
        p->e.l1 = form.l1;
        p->e.l2 = form.l2;
        for (int k = 0; k < form.n; k++) {
            L->keys[L->n_elem] = form.key[k];
            L->counts[L->n_elem++] = form.count[k];
        }
        st = arena_add(&L->db->arena, f[1], fl[1], &p->e.formula);
        if (st != LV_OK) break;
        /* ids: the rest of the line, whitespace runs become ',' */
        size_t idl = (size_t)(line + ll - ids_begin);
        uint32_t off = 0;
        st = arena_add(&L->db->arena, ids_begin, idl, &off);
        if (st != LV_OK) break;
        char *ids = (char *)L->db->arena.data + off;
        size_t w = 0;
        for (size_t r = 0; r < idl; r++) {
            if (isspace((unsigned char)ids[r])) {
                if (w > 0 && ids[w - 1] != ',') ids[w++] = ',';
            } else {
                ids[w++] = ids[r];
            }
        }
        ids[w] = 0;
        p->e.ids = off;
        L->n_pend++;
    }
    free(data);
    if (st == LV_OK && nonempty < 2)
        st = lv_error_set(LV_ERR_FORMAT, "%s: line %zu: missing the database_name/version lines",
                          path, line_no);
    return st;
}

static lv_status load_structures(loader *L, const char *path)
{
    size_t len, pos = 0, line_no = 0;
    FORWARD_IF_ERROR(read_file(path, &L->struct_data, &len));
    size_t cap = 0;
    const char *line;
    size_t ll;
    while (next_line(L->struct_data, len, &pos, &line, &ll)) {
        line_no++;
        if (ll == 0) continue;
        const char *tab = memchr(line, '\t', ll);
        RETURN_ERROR_IF(tab == NULL, LV_ERR_FORMAT,
                        "%s: line %zu: expected 'ID<TAB>name<TAB>SMILES<TAB>InChI'", path, line_no);
        const char *name = tab + 1;
        const char *tab2 = memchr(name, '\t', (size_t)(line + ll - name));
        size_t nl = tab2 ? (size_t)(tab2 - name) : (size_t)(line + ll - name);
        if (L->n_names == cap) {
            cap = cap ? 2 * cap : 65536;
            name_pair *np = realloc(L->names, cap * sizeof *np);
            RETURN_IF_NULL_ALLOC(np, cap * sizeof *np);
            L->names = np;
        }
        L->names[L->n_names++] = (name_pair){line, (size_t)(tab - line), name, nl};
    }
    if (L->n_names > 1) qsort(L->names, L->n_names, sizeof *L->names, cmp_name);
    return LV_OK;
}

static lv_status load_adducts(lv_compound_db *db, int slot, const char *path)
{
    char *data;
    size_t len, pos = 0, line_no = 0, cap = 0;
    FORWARD_IF_ERROR(read_file(path, &data, &len));
    const char *line;
    size_t ll;
    lv_status st = LV_OK;
    while (st == LV_OK && next_line(data, len, &pos, &line, &ll)) {
        line_no++;
        if (ll == 0) continue;
        if (db->n_adducts[slot] == cap) {
            cap = cap ? 2 * cap : 64;
            lv_adduct *na = realloc(db->adducts[slot], cap * sizeof *na);
            if (!na) {
                st = lv_error_set(LV_ERR_NO_MEMORY, "out of memory reading %s", path);
                break;
            }
            db->adducts[slot] = na;
        }
        lv_adduct *a = &db->adducts[slot][db->n_adducts[slot]];
        st = lv_adduct_parse(line, ll, a);
        if (st != LV_OK) {
            lv_error_prefix(st, "%s: line %zu", path, line_no);
            break;
        }
        const int32_t want = slot == 0 ? 1 : -1;
        if ((a->charge > 0 ? 1 : -1) != want) {
            st = lv_error_set(LV_ERR_FORMAT,
                              "%s: line %zu: adduct '%.*s' has charge %d in a %s "
                              "adduct file",
                              path, line_no, (int)ll, line, a->charge,
                              slot == 0 ? "positive" : "negative");
            break;
        }
        st = arena_add(&db->arena, line, ll, &a->name);
        if (st == LV_OK) db->n_adducts[slot]++;
    }
    free(data);
    return st;
}

LV_API void lv_compound_db_params_init(lv_compound_db_params *params)
{
    if (!params) return;
    memset(params, 0, sizeof *params);
    params->size = sizeof *params;
    params->mapping = LV_OPENMS_CHEMISTRY_DIR "/HMDBMappingFile.tsv";
    params->structures = LV_OPENMS_CHEMISTRY_DIR "/HMDB2StructMapping.tsv";
    params->positive_adducts = LV_OPENMS_CHEMISTRY_DIR "/PositiveAdducts.tsv";
    params->negative_adducts = LV_OPENMS_CHEMISTRY_DIR "/NegativeAdducts.tsv";
}

static lv_status finish(loader *L)
{
    lv_compound_db *db = L->db;
    if (L->n_pend > 1) qsort(L->pend, L->n_pend, sizeof *L->pend, cmp_pending);
    db->n = L->n_pend;
    db->mass = malloc((L->n_pend ? L->n_pend : 1) * sizeof *db->mass);
    db->entry = malloc((L->n_pend ? L->n_pend : 1) * sizeof *db->entry);
    RETURN_IF_NULL_ALLOC(db->mass && db->entry ? db->mass : NULL,
                         L->n_pend * (sizeof *db->mass + sizeof *db->entry));
    for (size_t i = 0; i < L->n_pend; i++) {
        db->mass[i] = L->pend[i].mass;
        db->entry[i] = L->pend[i].e;
        /* Name of the first id (ids up to the first ','). */
        const char *ids = (const char *)db->arena.data + db->entry[i].ids;
        name_pair key = {ids, strcspn(ids, ","), NULL, 0};
        const name_pair *hit =
            L->n_names ? bsearch(&key, L->names, L->n_names, sizeof *L->names, cmp_name) : NULL;
        uint32_t off = 0;
        FORWARD_IF_ERROR(
            arena_add(&db->arena, hit ? hit->name : "", hit ? hit->name_len : 0, &off));
        db->entry[i].name = off;
    }
    db->elem_key = L->keys;
    db->elem_count = L->counts;
    L->keys = NULL;
    L->counts = NULL;
    return LV_OK;
}

LV_API lv_status lv_compound_db_open(const lv_compound_db_params *params, lv_compound_db **out)
{
    RETURN_IF_BAD_PARAMS_SIZE(params, lv_compound_db_params);
    RETURN_ERROR_IF(out == NULL, LV_ERR_INVALID_ARGUMENT, "lv_compound_db_open: out is NULL");
    lv_compound_db_params def;
    lv_compound_db_params_init(&def);
    const lv_compound_db_params *p = params ? params : &def;
    const char *mapping = p->mapping ? p->mapping : def.mapping;

    lv_compound_db *db = calloc(1, sizeof *db);
    RETURN_IF_NULL_ALLOC(db, sizeof *db);
    loader L = {.db = db};
    lv_status st = load_mapping(&L, mapping);
    if (st == LV_OK && p->structures && *p->structures) st = load_structures(&L, p->structures);
    if (st == LV_OK && p->positive_adducts && *p->positive_adducts)
        st = load_adducts(db, 0, p->positive_adducts);
    if (st == LV_OK && p->negative_adducts && *p->negative_adducts)
        st = load_adducts(db, 1, p->negative_adducts);
    if (st == LV_OK) st = finish(&L);
    free(L.pend);
    free(L.keys);
    free(L.counts);
    free(L.names);
    free(L.struct_data);
    if (st != LV_OK) {
        lv_compound_db_destroy(db);
        return st;
    }
    *out = db;
    lv_error_clear();
    return LV_OK;
}

LV_API void lv_compound_db_destroy(lv_compound_db *db)
{
    if (!db) return;
    free(db->mass);
    free(db->entry);
    free(db->elem_key);
    free(db->elem_count);
    free(db->adducts[0]);
    free(db->adducts[1]);
    lv_bytes_free(&db->arena);
    free(db);
}

LV_API uint64_t lv_compound_db_count(const lv_compound_db *db)
{
    return db ? db->n : 0;
}

LV_API lv_status lv_compound_db_get(const lv_compound_db *db, uint64_t i, lv_compound_info *info)
{
    RETURN_ERROR_IF(db == NULL || info == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_compound_db_get: %s is NULL", db == NULL ? "db" : "info");
    RETURN_IF_BAD_PARAMS_SIZE(info, lv_compound_info);
    RETURN_ERROR_IF(i >= db->n, LV_ERR_NOT_FOUND,
                    "lv_compound_db_get: entry %llu of %llu does not exist", (unsigned long long)i,
                    (unsigned long long)db->n);
    const lv_db_entry *e = &db->entry[i];
    const char *arena = (const char *)db->arena.data;
    info->mass = db->mass[i];
    info->formula = arena + e->formula;
    info->ids = arena + e->ids;
    info->name = arena + e->name;
    lv_isotope_ratios(e->l1, e->l2, &info->isotope_m1, &info->isotope_m2);
    return LV_OK;
}

LV_API uint32_t lv_compound_db_adduct_count(const lv_compound_db *db, int32_t polarity)
{
    if (!db || polarity == 0) return 0;
    return db->n_adducts[polarity > 0 ? 0 : 1];
}

LV_API lv_status lv_compound_db_adduct(const lv_compound_db *db, int32_t polarity, uint32_t k,
                                       lv_adduct_info *info)
{
    RETURN_ERROR_IF(db == NULL || info == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_compound_db_adduct: %s is NULL", db == NULL ? "db" : "info");
    RETURN_IF_BAD_PARAMS_SIZE(info, lv_adduct_info);
    RETURN_ERROR_IF(polarity == 0, LV_ERR_INVALID_ARGUMENT,
                    "lv_compound_db_adduct: polarity must be +1 or -1");
    const int slot = polarity > 0 ? 0 : 1;
    RETURN_ERROR_IF(k >= db->n_adducts[slot], LV_ERR_NOT_FOUND,
                    "lv_compound_db_adduct: adduct %u of %u (%s) does not exist", k,
                    db->n_adducts[slot], slot ? "negative" : "positive");
    const lv_adduct *a = &db->adducts[slot][k];
    info->name = (const char *)db->arena.data + a->name;
    info->charge = a->charge;
    info->multiplier = a->mult;
    info->mass = a->mass;
    return LV_OK;
}
