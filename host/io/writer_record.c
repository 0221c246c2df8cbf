/* writer_record.c - rewrites one processed spectrum (see writer.h).
 *
 * The record's markup is walked tag by tag with byte scans (base64 cannot contain '<', so one
 * memchr skips a whole payload).  Only four things change; every other byte is copied:
 *   - the start tag: defaultArrayLength gets the new length, dataProcessingRef names the new
 *     dataProcessing (replaced or added);
 *   - the representation term (MS:1000127 centroid / MS:1000128 profile) follows the batch's
 *     representation: a cvParam with the other term is replaced; a referenceableParamGroupRef
 *     whose group carries the other term is expanded in place into that group's params with the
 *     term replaced (the group itself is shared with other spectra and stays); when no term is
 *     present one is added where the spectrum's (1.0: spectrumDescription's) cvParams go;
 *   - the binaryDataArrayList is replaced by the batch's arrays: m/z 64-bit float, intensity
 *     32-bit float, each extra array in its own type, zlib-compressed when asked. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/base64.h"
#include "io/writer.h"
#include "sim/sim_deflate.h"

void wr_scratch_free(wr_scratch *s)
{
    if (!s) return;
    free(s->raw);
    free(s->z);
    memset(s, 0, sizeof *s);
}

static lv_status grow(uint8_t **p, size_t *cap, size_t want)
{
    if (*cap >= want) return LV_OK;
    uint8_t *q = realloc(*p, want);
    RETURN_IF_NULL_ALLOC(q, want);
    *p = q;
    *cap = want;
    return LV_OK;
}

/* ---- arrays ---- */

static size_t dtype_bytes(lv_dtype t)
{
    switch (t) {
    case LV_DTYPE_F32:
    case LV_DTYPE_I32: return 4;
    case LV_DTYPE_F64:
    case LV_DTYPE_I64: return 8;
    default: return 1;
    }
}

static const char *dtype_cv(lv_dtype t)
{
    switch (t) {
    case LV_DTYPE_F32: return "accession=\"MS:1000521\" name=\"32-bit float\"";
    case LV_DTYPE_F64: return "accession=\"MS:1000523\" name=\"64-bit float\"";
    case LV_DTYPE_I32: return "accession=\"MS:1000519\" name=\"32-bit integer\"";
    case LV_DTYPE_I64: return "accession=\"MS:1000522\" name=\"64-bit integer\"";
    default: return "accession=\"MS:1001479\" name=\"null-terminated ASCII string\"";
    }
}

/* Array types with their own CV term (the reader names extra arrays by these names); any other
 * name becomes MS:1000786 "non-standard data array" with the name as its value. */
static const char *const known_arrays[][2] = {
    {"charge array", "MS:1000516"},     {"signal to noise array", "MS:1000517"},
    {"wavelength array", "MS:1000617"}, {"flow rate array", "MS:1000820"},
    {"pressure array", "MS:1000821"},   {"temperature array", "MS:1000822"},
};

static lv_status array_type_cv(lv_bytes *out, const char *name)
{
    for (size_t k = 0; k < sizeof known_arrays / sizeof known_arrays[0]; k++)
        if (strcmp(name, known_arrays[k][0]) == 0)
            return wr_printf(out, "<cvParam cvRef=\"MS\" accession=\"%s\" name=\"%s\" value=\"\"/>",
                             known_arrays[k][1], known_arrays[k][0]);
    lv_status st = wr_puts(out, "<cvParam cvRef=\"MS\" accession=\"MS:1000786\" "
                                "name=\"non-standard data array\" value=\"");
    if (st == LV_OK) st = wr_put_escaped(out, name);
    /* FWHM (what lv_centroid_batch adds) is a width in m/z */
    if (st == LV_OK && strcmp(name, "FWHM") == 0)
        st = wr_puts(out, "\" unitCvRef=\"MS\" unitAccession=\"MS:1000040\" unitName=\"m/z");
    if (st == LV_OK) st = wr_puts(out, "\"/>");
    return st;
}

/* mzML arrays are little-endian; on a big-endian host each value is reversed. */
static const uint8_t *little_endian(wr_scratch *s, const void *data, size_t count, size_t elem,
                                    lv_status *st)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    *st = grow(&s->raw, &s->raw_cap, count * elem + 1);
    if (*st != LV_OK) return NULL;
    const uint8_t *src = data;
    for (size_t i = 0; i < count; i++)
        for (size_t b = 0; b < elem; b++)
            s->raw[i * elem + b] = src[i * elem + elem - 1 - b];
    return s->raw;
#else
    (void)s;
    (void)count;
    (void)elem;
    *st = LV_OK;
    return data;
#endif
}

/* One <binaryDataArray>.  array_length is written as arrayLength when it differs from the
 * spectrum's defaultArrayLength. */
static lv_status put_array(lv_bytes *out, wr_scratch *s, const void *data, size_t count,
                           lv_dtype dtype, const char *type_cv, const char *type_name,
                           uint64_t array_length, uint64_t default_length, int compress)
{
    size_t bytes = count * dtype_bytes(dtype);
    lv_status st = LV_OK;
    const uint8_t *payload = NULL;
    size_t payload_len = 0;
    if (bytes > 0) {
        payload = little_endian(s, data, count, dtype_bytes(dtype), &st);
        FORWARD_IF_ERROR(st);
        payload_len = bytes;
        if (compress) {
            FORWARD_IF_ERROR(grow(&s->z, &s->z_cap, sim_zlib_bound(bytes)));
            /* Code lengths from a sample: a fifth faster, streams ~0.3% larger. */
            payload_len = sim_zlib_compress_sampled(payload, bytes, s->z);
            payload = s->z;
        }
    }
    size_t enc = payload_len ? lv_base64_encoded_size(payload_len) : 0;
    FORWARD_IF_ERROR(wr_printf(out, "            <binaryDataArray encodedLength=\"%zu\"", enc));
    if (array_length != default_length)
        FORWARD_IF_ERROR(wr_printf(out, " arrayLength=\"%llu\"", (unsigned long long)array_length));
    FORWARD_IF_ERROR(wr_printf(out,
                               ">\n              <cvParam cvRef=\"MS\" %s value=\"\"/>\n"
                               "              <cvParam cvRef=\"MS\" %s value=\"\"/>\n"
                               "              ",
                               dtype_cv(dtype),
                               compress ? "accession=\"MS:1000574\" name=\"zlib compression\""
                                        : "accession=\"MS:1000576\" name=\"no compression\""));
    FORWARD_IF_ERROR(type_cv ? wr_puts(out, type_cv) : array_type_cv(out, type_name));
    FORWARD_IF_ERROR(wr_puts(out, "\n              <binary>"));
    FORWARD_IF_ERROR(lv_bytes_reserve(out, out->len + enc + 1));
    if (enc) out->len += lv_base64_encode(payload, payload_len, (char *)out->data + out->len);
    return wr_puts(out, "</binary>\n            </binaryDataArray>\n");
}

static uint64_t ascii_strings(const uint8_t *p, size_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '\0' || i + 1 == n) k++;
    return k;
}

static lv_status put_array_list(lv_bytes *out, const wr_record_in *in, wr_scratch *s)
{
    const lv_batch *b = in->batch;
    uint64_t i = in->row;
    uint64_t first = b->offsets[i];
    uint64_t n = b->offsets[i + 1] - first;
    uint32_t present = 0;
    for (uint32_t k = 0; k < b->n_extra; k++)
        present += b->extras[k].offsets[i + 1] > b->extras[k].offsets[i];
    FORWARD_IF_ERROR(wr_printf(out, "<binaryDataArrayList count=\"%u\">\n", 2 + present));
    FORWARD_IF_ERROR(put_array(out, s, b->mz + first, (size_t)n, LV_DTYPE_F64,
                               "<cvParam cvRef=\"MS\" accession=\"MS:1000514\" name=\"m/z array\" "
                               "value=\"\" unitCvRef=\"MS\" unitAccession=\"MS:1000040\" "
                               "unitName=\"m/z\"/>",
                               NULL, n, n, in->compress));
    FORWARD_IF_ERROR(put_array(out, s, b->intensity + first, (size_t)n, LV_DTYPE_F32,
                               "<cvParam cvRef=\"MS\" accession=\"MS:1000515\" "
                               "name=\"intensity array\" value=\"\" unitCvRef=\"MS\" "
                               "unitAccession=\"MS:1000131\" unitName=\"number of detector "
                               "counts\"/>",
                               NULL, n, n, in->compress));
    for (uint32_t k = 0; k < b->n_extra; k++) {
        const lv_batch_extra_col *c = &b->extras[k];
        uint64_t lo = c->offsets[i], hi = c->offsets[i + 1];
        if (hi == lo) continue;
        const uint8_t *data = (const uint8_t *)c->data + lo * dtype_bytes(c->dtype);
        uint64_t len =
            c->dtype == LV_DTYPE_ASCII ? ascii_strings(data, (size_t)(hi - lo)) : hi - lo;
        FORWARD_IF_ERROR(put_array(out, s, data, (size_t)(hi - lo), c->dtype, NULL, c->name, len, n,
                                   in->compress));
    }
    return wr_puts(out, "          </binaryDataArrayList>\n");
}

/* ---- the record's markup ---- */

typedef struct local_edit {
    size_t start, end; /* record-relative bytes replaced */
    size_t text, len;  /* replacement: pool[text .. text + len) */
    int seq;           /* order of planning: breaks ties between insertions at one position */
} local_edit;

#define MAX_EDITS 64

typedef struct rewrite {
    const wr_record_in *in;
    lv_bytes pool;
    local_edit edits[MAX_EDITS];
    int n_edits;
} rewrite;

static lv_status edit_begin(rewrite *r, size_t start, size_t end)
{
    RETURN_ERROR_IF(r->n_edits == MAX_EDITS, LV_ERR_FORMAT,
                    "more than %d representation terms or param group references to rewrite",
                    MAX_EDITS);
    r->edits[r->n_edits] = (local_edit){start, end, r->pool.len, 0, r->n_edits};
    return LV_OK;
}

static void edit_end(rewrite *r)
{
    local_edit *e = &r->edits[r->n_edits++];
    e->len = r->pool.len - e->text;
}

/* MS:1000525 "spectrum representation", the parent of both terms: OpenMS writes it when the
 * representation is unknown.  It is replaced like the opposite term. */
#define REPR_PARENT "MS:1000525"

static const char *repr_accession(int repr)
{
    return repr == LV_REPR_CENTROID ? "MS:1000127" : "MS:1000128";
}

static lv_status put_repr_cv(lv_bytes *b, int repr)
{
    return wr_printf(b, "<cvParam cvRef=\"MS\" accession=\"%s\" name=\"%s\" value=\"\"/>",
                     repr_accession(repr),
                     repr == LV_REPR_CENTROID ? "centroid spectrum" : "profile spectrum");
}

/* cvRef of an accession: its prefix ("MS", "UO", ...). */
static lv_status put_cv_ref(lv_bytes *b, const char *attr, const char *accession)
{
    const char *colon = strchr(accession, ':');
    size_t k = colon ? (size_t)(colon - accession) : strlen(accession);
    FORWARD_IF_ERROR(wr_printf(b, " %s=\"", attr));
    FORWARD_IF_ERROR(wr_put(b, accession, k));
    return wr_puts(b, "\"");
}

static lv_status put_attr(lv_bytes *b, const char *name, const char *value)
{
    if (!value) return LV_OK;
    FORWARD_IF_ERROR(wr_printf(b, " %s=\"", name));
    FORWARD_IF_ERROR(wr_put_escaped(b, value));
    return wr_puts(b, "\"");
}

/* The params of group g inline, with the representation term `other` replaced by `repr`. */
static lv_status expand_group(lv_bytes *b, const lv_param_group *g, int repr)
{
    const char *other =
        repr_accession(repr == LV_REPR_CENTROID ? LV_REPR_PROFILE : LV_REPR_CENTROID);
    for (size_t k = 0; k < g->n_params; k++) {
        const lv_param *p = &g->params[k];
        if (k) FORWARD_IF_ERROR(wr_puts(b, "\n          "));
        if (p->accession &&
            (strcmp(p->accession, other) == 0 || strcmp(p->accession, REPR_PARENT) == 0)) {
            FORWARD_IF_ERROR(put_repr_cv(b, repr));
            continue;
        }
        FORWARD_IF_ERROR(wr_puts(b, "<cvParam"));
        FORWARD_IF_ERROR(put_cv_ref(b, "cvRef", p->accession ? p->accession : ""));
        FORWARD_IF_ERROR(put_attr(b, "accession", p->accession));
        FORWARD_IF_ERROR(put_attr(b, "name", p->name ? p->name : ""));
        FORWARD_IF_ERROR(put_attr(b, "value", p->value ? p->value : ""));
        if (p->unit_accession) {
            FORWARD_IF_ERROR(put_cv_ref(b, "unitCvRef", p->unit_accession));
            FORWARD_IF_ERROR(put_attr(b, "unitAccession", p->unit_accession));
            FORWARD_IF_ERROR(put_attr(b, "unitName", p->unit_name));
        }
        FORWARD_IF_ERROR(wr_puts(b, "/>"));
    }
    return LV_OK;
}

static int group_has(const lv_param_group *g, const char *accession)
{
    for (size_t k = 0; g && k < g->n_params; k++)
        if (g->params[k].accession && strcmp(g->params[k].accession, accession) == 0) return 1;
    return 0;
}

static int attr_is(const uint8_t *tag, size_t tl, const char *name, const char *value)
{
    const uint8_t *v;
    size_t vl;
    return lv_xml_find_attr(tag, tl, name, &v, &vl) && vl == strlen(value) &&
           memcmp(v, value, vl) == 0;
}

/* Name of the tag at p ('<' then name) into name[cap]; returns its length. */
static size_t tag_name(const uint8_t *p, size_t n, char *name, size_t cap)
{
    size_t i = 1, k = 0;
    if (i < n && p[i] == '/') i++;
    while (i < n && k + 1 < cap && p[i] != '>' && p[i] != '/' && p[i] != ' ' && p[i] != '\t' &&
           p[i] != '\r' && p[i] != '\n')
        name[k++] = (char)p[i++];
    name[k] = '\0';
    return k;
}

/* Skips "<!--...-->", "<?...?>" and "<![CDATA[...]]>" at p; returns bytes skipped or 0. */
static size_t skip_special(const uint8_t *p, size_t n)
{
    static const char *const open[] = {"<!--", "<?", "<![CDATA["};
    static const char *const close[] = {"-->", "?>", "]]>"};
    for (int k = 0; k < 3; k++) {
        size_t ol = strlen(open[k]);
        if (n >= ol && memcmp(p, open[k], ol) == 0) {
            const uint8_t *e = memmem(p + ol, n - ol, close[k], strlen(close[k]));
            return e ? (size_t)(e - p) + strlen(close[k]) : n;
        }
    }
    return 0;
}

typedef struct walk {
    size_t end;        /* one past the record's end tag */
    size_t end_tag;    /* offset of "</spectrum" */
    size_t bdal_start; /* SIZE_MAX when the record has no binaryDataArrayList */
    size_t bdal_end;
    size_t insert_at; /* where a representation cvParam may be added */
    int found_repr;   /* the wanted term is (or will be, after the edits) present */
} walk;

/* Walks the children of the spectrum, planning representation edits. */
static lv_status walk_record(rewrite *r, const uint8_t *p, size_t n, size_t start_tag_len, int repr,
                             walk *w)
{
    const lv_mzml_header *h = r->in->header;
    const char *want = repr_accession(repr);
    const char *other =
        repr_accession(repr == LV_REPR_CENTROID ? LV_REPR_PROFILE : LV_REPR_CENTROID);
    int depth = 1, in_desc = 0;
    size_t insert_top = SIZE_MAX, insert_desc = SIZE_MAX;
    w->bdal_start = SIZE_MAX;
    w->found_repr = 0;
    size_t i = start_tag_len;
    size_t encoded = SIZE_MAX; /* encodedLength of the current binaryDataArray */
    char name[64];
    while (i < n) {
        const uint8_t *lt = memchr(p + i, '<', n - i);
        if (!lt) break;
        i = (size_t)(lt - p);
        size_t sk = skip_special(p + i, n - i);
        if (sk) {
            i += sk;
            continue;
        }
        size_t tl = lv_xml_tag_length(p + i, n - i);
        if (tl == 0) break;
        tag_name(p + i, tl, name, sizeof name);
        if (p[i + 1] == '/') {
            depth--;
            if (depth == 0) {
                w->end_tag = i;
                w->end = i + tl;
                if (insert_top == SIZE_MAX) insert_top = i;
                w->insert_at = insert_desc != SIZE_MAX ? insert_desc : insert_top;
                return LV_OK;
            }
            if (depth == 1 && strcmp(name, "binaryDataArrayList") == 0) w->bdal_end = i + tl;
            if (depth == 1 && strcmp(name, "spectrumDescription") == 0) {
                if (insert_desc == SIZE_MAX) insert_desc = i;
                in_desc = 0;
            }
            i += tl;
            continue;
        }
        int self_closing = p[i + tl - 2] == '/';
        int param_level = depth == 1 || (depth == 2 && in_desc);
        if (param_level && repr != LV_REPR_UNKNOWN) {
            size_t *insert = depth == 1 ? &insert_top : &insert_desc;
            if (strcmp(name, "referenceableParamGroupRef") == 0) {
                const uint8_t *v;
                size_t vl;
                const lv_param_group *g = NULL;
                if (lv_xml_find_attr(p + i, tl, "ref", &v, &vl)) {
                    char *ref = lv_xml_unescape(v, vl);
                    RETURN_IF_NULL_ALLOC(ref, vl + 1);
                    g = lv_mzml_header_group(h, ref);
                    free(ref);
                }
                if (group_has(g, want)) w->found_repr = 1;
                if (group_has(g, other) || group_has(g, REPR_PARENT)) {
                    FORWARD_IF_ERROR(edit_begin(r, i, i + tl));
                    FORWARD_IF_ERROR(expand_group(&r->pool, g, repr));
                    edit_end(r);
                    w->found_repr = 1;
                }
            } else {
                if (*insert == SIZE_MAX) *insert = i;
                if (strcmp(name, "cvParam") == 0) {
                    if (attr_is(p + i, tl, "accession", want)) w->found_repr = 1;
                    if (attr_is(p + i, tl, "accession", other) ||
                        attr_is(p + i, tl, "accession", REPR_PARENT)) {
                        FORWARD_IF_ERROR(edit_begin(r, i, i + tl));
                        FORWARD_IF_ERROR(put_repr_cv(&r->pool, repr));
                        edit_end(r);
                        w->found_repr = 1;
                    }
                }
            }
        }
        if (depth == 1 && strcmp(name, "binaryDataArrayList") == 0) {
            w->bdal_start = i;
            w->bdal_end = i + tl; /* self-closing; else set by its end tag */
        }
        if (depth == 1 && strcmp(name, "spectrumDescription") == 0 && !self_closing) {
            in_desc = 1;
            insert_desc = SIZE_MAX;
        }
        if (strcmp(name, "binaryDataArray") == 0) encoded = lv_xml_encoded_length(p + i, tl);
        if (!self_closing) depth++;
        i += tl;
        /* A payload is most of a record's bytes, and base64 has no '<': when the array's
         * encodedLength lands on "</binary>", jump there instead of scanning (the reader decoded
         * exactly those bytes as base64, so they hold no markup). */
        if (!self_closing && strcmp(name, "binary") == 0 && encoded != SIZE_MAX &&
            encoded <= n - i && n - i - encoded >= 9 &&
            memcmp(p + i + encoded, "</binary>", 9) == 0)
            i += encoded;
        if (strcmp(name, "binary") == 0) encoded = SIZE_MAX;
    }
    return lv_error_set(r->in->at_eof ? LV_ERR_TRUNCATED : LV_ERR_FORMAT,
                        "the spectrum's end tag is not within %zu bytes", n);
}

static int edit_cmp(const void *a, const void *b)
{
    const local_edit *x = a, *y = b;
    if (x->start != y->start) return x->start < y->start ? -1 : 1;
    return x->seq - y->seq;
}

lv_status wr_rewrite_spectrum(const wr_record_in *in, wr_scratch *scratch, lv_bytes *out,
                              size_t *consumed)
{
    const uint8_t *p = in->bytes;
    size_t n = in->limit;
    const lv_batch *b = in->batch;
    uint64_t npts = b->offsets[in->row + 1] - b->offsets[in->row];
    int repr = b->representation[in->row];
    out->len = 0;
    RETURN_ERROR_IF(!lv_xml_is_start_tag(p, n, "spectrum"), LV_ERR_INTERNAL,
                    "the record does not start with <spectrum");
    size_t tl = lv_xml_tag_length(p, n);
    RETURN_ERROR_IF(tl == 0, LV_ERR_FORMAT, "the <spectrum> start tag does not end");
    int self_closing = p[tl - 2] == '/';

    rewrite r = {in, {0}, {{0}}, 0};
    lv_status st = LV_OK;
    walk w = {0};
    if (self_closing) {
        w.end = tl;
        w.end_tag = tl;
        w.bdal_start = SIZE_MAX;
        w.insert_at = tl;
    } else {
        st = walk_record(&r, p, n, tl, repr, &w);
    }

    /* Start tag: new length, our dataProcessingRef; a self-closing tag gets a body. */
    const uint8_t *v;
    size_t vl;
    size_t tag_close = self_closing ? tl - 2 : tl - 1;
    if (st == LV_OK && lv_xml_find_attr(p, tl, "defaultArrayLength", &v, &vl)) {
        st = edit_begin(&r, (size_t)(v - p), (size_t)(v - p) + vl);
        if (st == LV_OK) st = wr_printf(&r.pool, "%llu", (unsigned long long)npts);
        if (st == LV_OK) edit_end(&r);
    }
    if (st == LV_OK && lv_xml_find_attr(p, tl, "index", &v, &vl)) {
        char want[24];
        int k = snprintf(want, sizeof want, "%llu", (unsigned long long)in->index);
        if ((size_t)k != vl || memcmp(v, want, vl) != 0) {
            st = edit_begin(&r, (size_t)(v - p), (size_t)(v - p) + vl);
            if (st == LV_OK) st = wr_puts(&r.pool, want);
            if (st == LV_OK) edit_end(&r);
        }
    }
    if (st == LV_OK && lv_xml_find_attr(p, tl, "dataProcessingRef", &v, &vl)) {
        st = edit_begin(&r, (size_t)(v - p), (size_t)(v - p) + vl);
        if (st == LV_OK) st = wr_puts(&r.pool, in->processing_id);
        if (st == LV_OK) edit_end(&r);
    }
    if (st == LV_OK) {
        /* attributes added before the tag's '>' (or "/>", which becomes '>') */
        st = edit_begin(&r, tag_close, self_closing ? tl : tag_close);
        if (st == LV_OK && !lv_xml_find_attr(p, tl, "defaultArrayLength", &v, &vl))
            st = wr_printf(&r.pool, " defaultArrayLength=\"%llu\"", (unsigned long long)npts);
        if (st == LV_OK && !lv_xml_find_attr(p, tl, "dataProcessingRef", &v, &vl))
            st = wr_printf(&r.pool, " dataProcessingRef=\"%s\"", in->processing_id);
        if (st == LV_OK && self_closing) st = wr_puts(&r.pool, ">\n");
        if (st == LV_OK) edit_end(&r);
    }
    if (st == LV_OK && repr != LV_REPR_UNKNOWN && !w.found_repr) {
        st = edit_begin(&r, w.insert_at, w.insert_at);
        if (st == LV_OK) st = put_repr_cv(&r.pool, repr);
        if (st == LV_OK) st = wr_puts(&r.pool, "\n          ");
        if (st == LV_OK) edit_end(&r);
    }
    if (st == LV_OK) {
        size_t s = w.bdal_start != SIZE_MAX ? w.bdal_start : w.end_tag;
        size_t e = w.bdal_start != SIZE_MAX ? w.bdal_end : w.end_tag;
        st = edit_begin(&r, s, e);
        if (st == LV_OK) st = put_array_list(&r.pool, in, scratch);
        if (st == LV_OK && self_closing) st = wr_puts(&r.pool, "        </spectrum>");
        if (st == LV_OK) edit_end(&r);
    }
    if (st == LV_OK) {
        qsort(r.edits, (size_t)r.n_edits, sizeof r.edits[0], edit_cmp);
        size_t pos = 0;
        for (int k = 0; st == LV_OK && k < r.n_edits; k++) {
            const local_edit *e = &r.edits[k];
            if (e->start < pos) {
                st = lv_error_set(LV_ERR_INTERNAL, "overlapping rewrites at byte %zu", e->start);
                break;
            }
            st = wr_put(out, p + pos, e->start - pos);
            if (st == LV_OK) st = wr_put(out, r.pool.data + e->text, e->len);
            pos = e->end;
        }
        if (st == LV_OK) st = wr_put(out, p + pos, w.end - pos);
    }
    lv_bytes_free(&r.pool);
    if (st == LV_OK) *consumed = w.end;
    return st;
}
