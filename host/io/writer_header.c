/* writer_header.c - plans the writer's static edits of the source document (see writer.h).
 *
 * The header is kept as written: only the lists the new entries join change (their count
 * attribute and one more child).  Elements are found by a byte scan for their tags, skipping
 * comments; the reader has already parsed this header with libxml2, so it is well-formed.
 *
 * mzML 1.0 inputs: the mzML element and its records are kept as they are (version attribute
 * included) and wrapped in indexedmzML 1.1, as every reader of indexedmzML (OpenMS, ProteoWizard,
 * our own) takes the wrapper independently of the mzML version.  Converting a 1.0 body to 1.1
 * would rewrite every record, against the rule that unprocessed records are copied byte for byte.
 * The new <software> and <dataProcessing> follow the syntax the header already uses: 1.0's
 * <softwareParam> and dataProcessing/@softwareRef when the header has them, 1.1 otherwise (real
 * files labelled 1.0 mostly use 1.1 syntax already). */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/writer.h"

#define WR_INDEXED_OPEN                                                                            \
    "<indexedmzML xmlns=\"http://psi.hupo.org/ms/mzml\" "                                          \
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "                                     \
    "xsi:schemaLocation=\"http://psi.hupo.org/ms/mzml "                                            \
    "http://psidev.info/files/ms/mzML/xsd/mzML1.1.0_idx.xsd\">\n"

/* ---- growable text ---- */

lv_status wr_put(lv_bytes *b, const void *p, size_t n)
{
    FORWARD_IF_ERROR(lv_bytes_reserve(b, b->len + n + 1));
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0'; /* the text is also usable as a C string */
    return LV_OK;
}

lv_status wr_puts(lv_bytes *b, const char *s)
{
    return wr_put(b, s, strlen(s));
}

lv_status wr_printf(lv_bytes *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    RETURN_ERROR_IF(n < 0, LV_ERR_INTERNAL, "formatting markup failed");
    FORWARD_IF_ERROR(lv_bytes_reserve(b, b->len + (size_t)n + 1));
    va_start(ap, fmt);
    vsnprintf((char *)b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return LV_OK;
}

lv_status wr_put_escaped(lv_bytes *b, const char *s)
{
    for (; *s; s++) {
        const char *rep = NULL;
        switch (*s) {
        case '&': rep = "&amp;"; break;
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&apos;"; break;
        default: break;
        }
        if (rep)
            FORWARD_IF_ERROR(wr_puts(b, rep));
        else if ((unsigned char)*s < 0x20 && *s != '\t')
            FORWARD_IF_ERROR(wr_printf(b, "&#%d;", *s)); /* newlines survive attribute parsing */
        else
            FORWARD_IF_ERROR(wr_put(b, s, 1));
    }
    return LV_OK;
}

/* ---- scanning ---- */

size_t wr_find_start_tag(const uint8_t *p, size_t n, const char *name)
{
    size_t i = 0;
    while (i < n) {
        const uint8_t *lt = memchr(p + i, '<', n - i);
        if (!lt) return SIZE_MAX;
        i = (size_t)(lt - p);
        if (n - i >= 4 && memcmp(p + i, "<!--", 4) == 0) {
            const uint8_t *e = memmem(p + i + 4, n - i - 4, "-->", 3);
            if (!e) return SIZE_MAX;
            i = (size_t)(e - p) + 3;
            continue;
        }
        if (lv_xml_is_start_tag(p + i, n - i, name)) return i;
        i++;
    }
    return SIZE_MAX;
}

/* Offset of "</name" followed by whitespace or '>' in p[0..n), or SIZE_MAX. */
static size_t find_end_tag(const uint8_t *p, size_t n, const char *name)
{
    size_t k = strlen(name);
    for (size_t i = 0; i + k + 3 <= n;) {
        const uint8_t *hit = memmem(p + i, n - i, "</", 2);
        if (!hit) return SIZE_MAX;
        i = (size_t)(hit - p);
        if (i + k + 3 <= n && memcmp(p + i + 2, name, k) == 0) {
            uint8_t c = p[i + 2 + k];
            if (c == '>' || c == ' ' || c == '\t' || c == '\r' || c == '\n') return i;
        }
        i += 2;
    }
    return SIZE_MAX;
}

/* ---- edits ---- */

static lv_status add_edit(wr_plan *plan, uint64_t start, uint64_t end, lv_bytes *text)
{
    wr_edit *e = realloc(plan->edits, (plan->n_edits + 1) * sizeof *e);
    RETURN_IF_NULL_ALLOC(e, (plan->n_edits + 1) * sizeof *e);
    plan->edits = e;
    e[plan->n_edits].start = start;
    e[plan->n_edits].end = end;
    e[plan->n_edits].text = *text; /* takes ownership */
    memset(text, 0, sizeof *text);
    plan->n_edits++;
    return LV_OK;
}

static int edit_cmp(const void *a, const void *b)
{
    const wr_edit *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return 0;
}

void wr_plan_free(wr_plan *plan)
{
    if (!plan) return;
    for (size_t i = 0; i < plan->n_edits; i++)
        lv_bytes_free(&plan->edits[i].text);
    free(plan->edits);
    memset(plan, 0, sizeof *plan);
}

/* Replaces the value of attribute `count` of the start tag at tag (file offset tag_off) with
 * value.  No edit when the tag has no count attribute. */
static lv_status edit_count(wr_plan *plan, const uint8_t *tag, size_t tag_len, uint64_t tag_off,
                            uint64_t value)
{
    const uint8_t *v;
    size_t vlen;
    if (!lv_xml_find_attr(tag, tag_len, "count", &v, &vlen)) return LV_OK;
    lv_bytes t = {0};
    lv_status st = wr_printf(&t, "%" PRIu64, value);
    if (st == LV_OK) {
        uint64_t at = tag_off + (uint64_t)(v - tag);
        st = add_edit(plan, at, at + vlen, &t);
    }
    lv_bytes_free(&t);
    return st;
}

static uint64_t attr_u64(const uint8_t *tag, size_t n, const char *name)
{
    const uint8_t *v;
    size_t vlen;
    if (!lv_xml_find_attr(tag, n, name, &v, &vlen)) return 0;
    uint64_t x = 0;
    for (size_t i = 0; i < vlen && v[i] >= '0' && v[i] <= '9'; i++)
        x = x * 10 + (uint64_t)(v[i] - '0');
    return x;
}

/* 1 when the header bytes hold id="<id>" (the new ids must not clash). */
static int id_taken(const uint8_t *p, size_t n, const char *id)
{
    char pat[96];
    snprintf(pat, sizeof pat, "id=\"%s\"", id);
    if (memmem(p, n, pat, strlen(pat))) return 1;
    snprintf(pat, sizeof pat, "id='%s'", id);
    return memmem(p, n, pat, strlen(pat)) != NULL;
}

static void unique_id(const uint8_t *p, size_t n, const char *base, char *out, size_t cap)
{
    snprintf(out, cap, "%s", base);
    for (int k = 2; id_taken(p, n, out); k++)
        snprintf(out, cap, "%s_%d", base, k);
}

/* Adds one child to the list element `list` found in hdr[0..n) (file offset 0): its count + 1
 * and child text before its end tag.  A missing list is created before the first of the anchors
 * that exists. */
static lv_status extend_list(wr_plan *plan, const char *path, const uint8_t *hdr, size_t n,
                             const char *list, const char *child, const char *const *anchors)
{
    lv_bytes t = {0};
    lv_status st = LV_OK;
    size_t at = wr_find_start_tag(hdr, n, list);
    if (at != SIZE_MAX) {
        size_t tl = lv_xml_tag_length(hdr + at, n - at);
        RETURN_ERROR_IF(tl == 0, LV_ERR_FORMAT, "%s: byte %zu: the <%s> start tag does not end",
                        path, at, list);
        uint64_t count = attr_u64(hdr + at, tl, "count");
        if (hdr[at + tl - 2] == '/') { /* <list count="0"/>: replace it by a full list */
            st = wr_printf(&t, "<%s count=\"1\">\n%s</%s>", list, child, list);
            if (st == LV_OK) st = add_edit(plan, at, at + tl, &t);
        } else {
            size_t end = find_end_tag(hdr + at, n - at, list);
            if (end == SIZE_MAX) {
                st = lv_error_set(LV_ERR_FORMAT, "%s: byte %zu: <%s> has no end tag in the header",
                                  path, at, list);
            } else {
                st = edit_count(plan, hdr + at, tl, at, count + 1);
                if (st == LV_OK) st = wr_puts(&t, child);
                if (st == LV_OK) st = add_edit(plan, at + end, at + end, &t);
            }
        }
    } else {
        size_t where = SIZE_MAX;
        for (size_t k = 0; anchors[k] && where == SIZE_MAX; k++)
            where = wr_find_start_tag(hdr, n, anchors[k]);
        if (where == SIZE_MAX)
            st = lv_error_set(LV_ERR_FORMAT,
                              "%s: the header has no <%s> and no <%s> to put one "
                              "before",
                              path, list, anchors[0]);
        if (st == LV_OK) st = wr_printf(&t, "<%s count=\"1\">\n%s</%s>\n", list, child, list);
        if (st == LV_OK) st = add_edit(plan, where, where, &t);
    }
    lv_bytes_free(&t);
    return st;
}

static lv_status software_text(lv_bytes *t, const char *id, int v10)
{
    if (v10)
        return wr_printf(t,
                         "      <software id=\"%s\">\n"
                         "        <softwareParam cvRef=\"MS\" accession=\"MS:1000799\" "
                         "name=\"custom unreleased software tool\" version=\"%s\"/>\n"
                         "      </software>\n",
                         id, LV_VERSION_STRING);
    return wr_printf(t,
                     "      <software id=\"%s\" version=\"%s\">\n"
                     "        <cvParam cvRef=\"MS\" accession=\"MS:1000799\" "
                     "name=\"custom unreleased software tool\" value=\"lavoisier\"/>\n"
                     "      </software>\n",
                     id, LV_VERSION_STRING);
}

static lv_status processing_text(lv_bytes *t, const char *id, const char *software, int v10,
                                 const lv_writer_params *p)
{
    const char *what = p->processing ? p->processing : "lavoisier";
    lv_status st = v10 ? wr_printf(t,
                                   "      <dataProcessing id=\"%s\" softwareRef=\"%s\">\n"
                                   "        <processingMethod order=\"1\">\n",
                                   id, software)
                       : wr_printf(t,
                                   "      <dataProcessing id=\"%s\">\n"
                                   "        <processingMethod order=\"1\" softwareRef=\"%s\">\n",
                                   id, software);
    if (st == LV_OK && p->peak_picking)
        st = wr_puts(t, "          <cvParam cvRef=\"MS\" accession=\"MS:1000035\" "
                        "name=\"peak picking\" value=\"\"/>\n");
    if (st == LV_OK)
        st = wr_puts(t, "          <userParam name=\"lavoisier processing\" type=\"xsd:string\" "
                        "value=\"");
    if (st == LV_OK) st = wr_put_escaped(t, what);
    if (st == LV_OK)
        st = wr_puts(t, "\"/>\n"
                        "        </processingMethod>\n"
                        "      </dataProcessing>\n");
    return st;
}

/* Fixes the count attribute of the record list start tag that precedes offset first_record. */
static lv_status fix_list_count(wr_plan *plan, lv_source *view, uint64_t lists_start,
                                uint64_t first_record, const char *list, uint64_t n)
{
    uint64_t lo = first_record > lists_start + 65536 ? first_record - 65536 : lists_start;
    if (lo > first_record) return LV_OK;
    const uint8_t *p;
    size_t got;
    FORWARD_IF_ERROR(lv_source_view(view, lo, (size_t)(first_record - lo), &p, &got));
    size_t at = SIZE_MAX, from = 0;
    for (;;) { /* the last list start tag before the record */
        size_t hit = wr_find_start_tag(p + from, got - from, list);
        if (hit == SIZE_MAX) break;
        at = from + hit;
        from = at + 1;
    }
    if (at == SIZE_MAX) return LV_OK;
    size_t tl = lv_xml_tag_length(p + at, got - at);
    if (tl == 0 || attr_u64(p + at, tl, "count") == n) return LV_OK;
    return edit_count(plan, p + at, tl, lo + at, n);
}

static lv_status locate_ends(wr_plan *plan, lv_source *view, const char *path,
                             const lv_mzml_index *index)
{
    lv_bytes markup = {0};
    lv_span_list spans = {0};
    /* Without records, </mzML> may lie before lists_start (which is then the file size). */
    uint64_t from = index->spectra.n || index->chromatograms.n ? index->lists_start : 0;
    lv_status st = LV_OK;
    const lv_record_table *tables[2] = {&index->spectra, &index->chromatograms};
    for (int k = 0; k < 2 && st == LV_OK; k++) {
        const lv_record_table *t = tables[k];
        if (t->n == 0) continue;
        uint64_t end = 0;
        st = lv_locate_record_end(view, k == 0 ? LV_RECORD_SPECTRUM : LV_RECORD_CHROMATOGRAM,
                                  t->offsets[t->n - 1], &markup, &spans, &end);
        if (st != LV_OK)
            st = lv_error_prefix(st, "%s: byte %llu: the last %s", path,
                                 (unsigned long long)t->offsets[t->n - 1],
                                 k == 0 ? "spectrum" : "chromatogram");
        if (k == 0) plan->last_spectrum_end = end;
        if (end > from) from = end;
    }
    lv_bytes_free(&markup);
    free(spans.items);
    FORWARD_IF_ERROR(st);
    /* </mzML> follows the last record after a few end tags. */
    uint64_t size = lv_source_size(view);
    for (size_t want = 1u << 16;; want *= 4) {
        const uint8_t *p;
        size_t got;
        FORWARD_IF_ERROR(lv_source_view(view, from, want, &p, &got));
        size_t at = find_end_tag(p, got, "mzML");
        if (at != SIZE_MAX) {
            const uint8_t *gt = memchr(p + at, '>', got - at);
            if (gt) {
                plan->mzml_end = from + (uint64_t)(gt - p) + 1;
                return LV_OK;
            }
        }
        RETURN_ERROR_IF(from + got >= size, LV_ERR_TRUNCATED,
                        "%s: no </mzML> end tag after byte %llu (the file is truncated)", path,
                        (unsigned long long)from);
    }
}

lv_status wr_plan_make(lv_source *view, const char *path, const lv_mzml_header *header,
                       const lv_mzml_index *index, const lv_writer_params *params, wr_plan *out)
{
    memset(out, 0, sizeof *out);
    wr_plan plan = {0};
    lv_bytes t = {0};
    lv_status st = locate_ends(&plan, view, path, index);

    /* Edits inside the header, with offsets relative to byte 0. */
    const uint8_t *hdr = NULL;
    size_t n = 0;
    if (st == LV_OK) st = lv_source_view(view, 0, (size_t)index->lists_start, &hdr, &n);
    size_t mzml = st == LV_OK ? wr_find_start_tag(hdr, n, "mzML") : 0;
    if (st == LV_OK && mzml == SIZE_MAX)
        st = lv_error_set(LV_ERR_FORMAT, "%s: no <mzML> start tag before byte %llu", path,
                          (unsigned long long)index->lists_start);
    int v10 = 0;
    char software_id[48], processing_id[64];
    if (st == LV_OK) {
        size_t sw = wr_find_start_tag(hdr, n, "softwareParam");
        v10 = sw != SIZE_MAX;
        unique_id(hdr, n, "lavoisier", software_id, sizeof software_id);
        unique_id(hdr, n, "lavoisier_processing", processing_id, sizeof processing_id);
    }
    if (st == LV_OK && !header->indexed_root) {
        st = wr_puts(&t, WR_INDEXED_OPEN);
        if (st == LV_OK) st = add_edit(&plan, mzml, mzml, &t);
    }
    if (st == LV_OK) {
        static const char *const sw11[] = {"scanSettingsList", "instrumentConfigurationList",
                                           "dataProcessingList", "run", NULL};
        static const char *const sw10[] = {"dataProcessingList", "acquisitionSettingsList", "run",
                                           NULL};
        st = software_text(&t, software_id, v10);
        if (st == LV_OK)
            st = extend_list(&plan, path, hdr, n, "softwareList", (const char *)t.data,
                             v10 ? sw10 : sw11);
        t.len = 0;
    }
    if (st == LV_OK) {
        static const char *const dp11[] = {"run", NULL};
        static const char *const dp10[] = {"acquisitionSettingsList", "run", NULL};
        st = processing_text(&t, processing_id, software_id, v10, params);
        if (st == LV_OK)
            st = extend_list(&plan, path, hdr, n, "dataProcessingList", (const char *)t.data,
                             v10 ? dp10 : dp11);
        t.len = 0;
    }
    /* Record lists whose count attribute disagrees with the records present. */
    if (st == LV_OK && index->spectra.n)
        st = fix_list_count(&plan, view, index->lists_start, index->spectra.offsets[0],
                            "spectrumList", index->spectra.n);
    if (st == LV_OK && index->chromatograms.n)
        st = fix_list_count(&plan, view, index->lists_start, index->chromatograms.offsets[0],
                            "chromatogramList", index->chromatograms.n);
    lv_bytes_free(&t);
    if (st != LV_OK) {
        wr_plan_free(&plan);
        return st;
    }
    if (plan.n_edits > 1) qsort(plan.edits, plan.n_edits, sizeof *plan.edits, edit_cmp);
    snprintf(plan.processing_id, sizeof plan.processing_id, "%s", processing_id);
    *out = plan;
    return LV_OK;
}
