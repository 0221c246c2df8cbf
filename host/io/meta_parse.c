/* meta_parse.c - one record's metadata from its markup, through libxml2's SAX2 interface.
 *
 * The markup comes from lv_record_split (payload text removed).  One push-parser context per
 * thread is reset and reused for every record, which avoids re-allocating libxml2's state per
 * spectrum.  Only elements that carry facts we keep are tracked; everything else is skipped.
 *
 * Security: no DTD is loaded, no network is touched (XML_PARSE_NONET), entities are not
 * substituted, and a record with a DOCTYPE cannot occur (the fragment starts at its element). */
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/mzml.h"
#include "runtime/error.h"

struct lv_meta_parser {
    xmlParserCtxtPtr ctxt;
    xmlSAXHandler sax;
    const lv_mzml_header *header;
    /* state of the record being parsed */
    lv_record_kind kind;
    lv_record_meta *out;
    const lv_span_list *spans;
    uint64_t record_off;
    size_t arrays_cap;
    int depth;
    int precursor_depth; /* depth of the first <precursor>, 0 when outside */
    int precursors_seen;
    int selected_ion_depth;
    int selected_ions_seen;
    int isolation_depth;
    int product_depth;
    int scan_depth;
    int scans_seen;
    int array_depth; /* depth of the current <binaryDataArray>, 0 when outside */
    size_t binaries_seen;
    uint8_t rt_set;
    double isolation_target;
    lv_status status;
    char message[512];
};

static void fail(lv_meta_parser *p, lv_status st, const char *msg)
{
    if (p->status != LV_OK) return;
    p->status = st;
    snprintf(p->message, sizeof p->message, "%s", msg);
    xmlStopParser(p->ctxt);
}

static void structured_error(void *user, xmlErrorPtr err)
{
    lv_meta_parser *p = user;
    if (!err || err->level < XML_ERR_ERROR || p->status != LV_OK) return;
    char msg[512];
    size_t len = strlen(err->message ? err->message : "");
    snprintf(msg, sizeof msg, "libxml2: %.*s (markup line %d)",
             (int)(len && err->message[len - 1] == '\n' ? len - 1 : len),
             err->message ? err->message : "parse error", err->line);
    p->status = LV_ERR_XML;
    snprintf(p->message, sizeof p->message, "%s", msg);
}

/* ---- attribute access ---- */

typedef struct attr_ref {
    const xmlChar *begin;
    const xmlChar *end;
} attr_ref;

static int get_attr(int n, const xmlChar **attrs, const char *name, attr_ref *out)
{
    for (int i = 0; i < n; i++) {
        if (strcmp((const char *)attrs[i * 5], name) == 0) {
            out->begin = attrs[i * 5 + 3];
            out->end = attrs[i * 5 + 4];
            return 1;
        }
    }
    return 0;
}

static int attr_u64(const attr_ref *a, uint64_t *out)
{
    char buf[32];
    size_t n = (size_t)(a->end - a->begin);
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, a->begin, n);
    buf[n] = '\0';
    char *endp = NULL;
    unsigned long long v = strtoull(buf, &endp, 10);
    if (!endp || *endp != '\0' || buf[0] == '-') return 0;
    *out = v;
    return 1;
}

static void attr_copy(const attr_ref *a, char *dst, size_t cap)
{
    size_t n = (size_t)(a->end - a->begin);
    if (n >= cap) n = cap - 1;
    memcpy(dst, a->begin, n);
    dst[n] = '\0';
}

/* ---- params ---- */

/* One cvParam (or a param from a referenced group), with strings NUL-terminated. */
typedef struct param_view {
    const char *accession;
    const char *value;
    const char *name;
    const char *unit_accession;
    const char *unit_name;
} param_view;

static double time_factor(const param_view *pv)
{
    const char *ua = pv->unit_accession ? pv->unit_accession : "";
    const char *un = pv->unit_name ? pv->unit_name : "";
    if (strcmp(ua, "UO:0000031") == 0 || strcasecmp(un, "minute") == 0) return 60.0;
    if (strcmp(ua, "UO:0000028") == 0 || strcasecmp(un, "millisecond") == 0) return 1e-3;
    return 1.0; /* seconds, or no unit: seconds by convention */
}

static double param_double(const param_view *pv)
{
    if (!pv->value || !*pv->value) return NAN;
    char *endp = NULL;
    double v = strtod(pv->value, &endp);
    return (endp && endp != pv->value) ? v : NAN;
}

static int acc_is(const param_view *pv, const char *acc)
{
    return strcmp(pv->accession, acc) == 0;
}

static lv_array_meta *current_array(lv_meta_parser *p)
{
    return p->out->n_arrays ? &p->out->arrays[p->out->n_arrays - 1] : NULL;
}

static void apply_array_param(lv_meta_parser *p, const param_view *pv)
{
    lv_array_meta *a = current_array(p);
    if (!a) return;
    const char *acc = pv->accession;
    if (acc_is(pv, "MS:1000514"))
        a->role = LV_ARRAY_MZ;
    else if (acc_is(pv, "MS:1000515"))
        a->role = LV_ARRAY_INTENSITY;
    else if (acc_is(pv, "MS:1000595")) {
        a->role = LV_ARRAY_TIME;
        a->time_scale = time_factor(pv);
    } else if (acc_is(pv, "MS:1000521")) {
        a->enc.dtype = LV_DTYPE_F32;
        a->enc.dtype_known = 1;
    } else if (acc_is(pv, "MS:1000523")) {
        a->enc.dtype = LV_DTYPE_F64;
        a->enc.dtype_known = 1;
    } else if (acc_is(pv, "MS:1000519")) {
        a->enc.dtype = LV_DTYPE_I32;
        a->enc.dtype_known = 1;
    } else if (acc_is(pv, "MS:1000522")) {
        a->enc.dtype = LV_DTYPE_I64;
        a->enc.dtype_known = 1;
    } else if (acc_is(pv, "MS:1001479")) {
        a->enc.dtype = LV_DTYPE_ASCII;
        a->enc.dtype_known = 1;
    } else if (acc_is(pv, "MS:1000576")) {
        a->enc.zlib = 0;
        a->enc.numpress = LV_NUMPRESS_NONE;
        a->has_compression_term = 1;
    } else if (acc_is(pv, "MS:1000574")) {
        a->enc.zlib = 1;
        a->has_compression_term = 1;
    } else if (acc_is(pv, "MS:1002312") || acc_is(pv, "MS:1002746")) {
        a->enc.numpress = LV_NUMPRESS_LINEAR;
        a->enc.zlib |= acc_is(pv, "MS:1002746");
        a->has_compression_term = 1;
    } else if (acc_is(pv, "MS:1002313") || acc_is(pv, "MS:1002747")) {
        a->enc.numpress = LV_NUMPRESS_PIC;
        a->enc.zlib |= acc_is(pv, "MS:1002747");
        a->has_compression_term = 1;
    } else if (acc_is(pv, "MS:1002314") || acc_is(pv, "MS:1002748")) {
        a->enc.numpress = LV_NUMPRESS_SLOF;
        a->enc.zlib |= acc_is(pv, "MS:1002748");
        a->has_compression_term = 1;
    } else if (acc_is(pv, "MS:1000786")) { /* non-standard data array: its value names it */
        a->role = LV_ARRAY_EXTRA;
        if (pv->value && *pv->value) snprintf(a->name, sizeof a->name, "%s", pv->value);
    } else if (strncmp(acc, "MS:", 3) == 0 && pv->name && strlen(pv->name) > 6 &&
               strcmp(pv->name + strlen(pv->name) - 6, " array") == 0 &&
               a->role == LV_ARRAY_UNKNOWN) {
        /* any other array type (charge array, signal to noise array, ion mobility ...) */
        a->role = LV_ARRAY_EXTRA;
        snprintf(a->name, sizeof a->name, "%s", pv->name);
    }
}

static void apply_param(lv_meta_parser *p, const param_view *pv)
{
    lv_record_meta *m = p->out;
    if (!pv->accession) return;
    if (p->array_depth) {
        apply_array_param(p, pv);
        return;
    }
    if (p->product_depth) return;
    if (p->precursor_depth) {
        if (p->precursors_seen != 1) return; /* the first precursor describes the spectrum */
        if (p->selected_ion_depth && p->selected_ions_seen == 1) {
            if (acc_is(pv, "MS:1000744") || acc_is(pv, "MS:1000040")) {
                m->precursor_mz = param_double(pv);
            } else if (acc_is(pv, "MS:1000041")) {
                double z = param_double(pv);
                if (isfinite(z)) m->precursor_charge = (int32_t)z;
            } else if (acc_is(pv, "MS:1000042")) {
                m->precursor_intensity = param_double(pv);
            }
        } else if (p->isolation_depth && acc_is(pv, "MS:1000827")) {
            p->isolation_target = param_double(pv);
        }
        return;
    }
    if (acc_is(pv, "MS:1000511")) {
        double lvl = param_double(pv);
        if (isfinite(lvl) && lvl >= 0 && lvl < 256) m->ms_level = (uint8_t)lvl;
    } else if (acc_is(pv, "MS:1000579")) {
        if (m->ms_level == 0) m->ms_level = 1; /* "MS1 spectrum" implies level 1 */
    } else if (acc_is(pv, "MS:1000127")) {
        m->representation = LV_REPR_CENTROID;
    } else if (acc_is(pv, "MS:1000128")) {
        m->representation = LV_REPR_PROFILE;
    } else if (acc_is(pv, "MS:1000130")) {
        m->polarity = 1;
    } else if (acc_is(pv, "MS:1000129")) {
        m->polarity = -1;
    } else if (acc_is(pv, "MS:1000016")) {
        /* scan start time of the first scan (or at spectrum level in old writers) */
        if (!p->rt_set && (p->scan_depth == 0 || p->scans_seen == 1)) {
            m->rt_seconds = param_double(pv) * time_factor(pv);
            p->rt_set = 1;
        }
    }
}

/* ---- element callbacks ---- */

static int add_array(lv_meta_parser *p)
{
    lv_record_meta *m = p->out;
    if (m->n_arrays == p->arrays_cap) {
        size_t cap = p->arrays_cap ? p->arrays_cap * 2 : 4;
        lv_array_meta *a = realloc(m->arrays, cap * sizeof *a);
        if (!a) return 0;
        m->arrays = a;
        p->arrays_cap = cap;
    }
    lv_array_meta *a = &m->arrays[m->n_arrays++];
    memset(a, 0, sizeof *a);
    a->length = m->default_length;
    a->time_scale = 1.0;
    return 1;
}

static void on_start(void *user, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_namespaces, const xmlChar **namespaces,
                     int nb_attributes, int nb_defaulted, const xmlChar **attrs)
{
    (void)prefix;
    (void)uri;
    (void)nb_namespaces;
    (void)namespaces;
    (void)nb_defaulted;
    lv_meta_parser *p = user;
    if (p->status != LV_OK) return;
    const char *name = (const char *)localname;
    lv_record_meta *m = p->out;
    p->depth++;
    attr_ref a;
    if (p->depth == 1) {
        const char *want = p->kind == LV_RECORD_SPECTRUM ? "spectrum" : "chromatogram";
        if (strcmp(name, want) != 0) {
            fail(p, LV_ERR_INTERNAL, "record markup does not start with its element");
            return;
        }
        if (get_attr(nb_attributes, attrs, "id", &a)) {
            size_t n = (size_t)(a.end - a.begin);
            m->id = malloc(n + 1);
            if (!m->id) {
                fail(p, LV_ERR_NO_MEMORY, "out of memory for a record id");
                return;
            }
            memcpy(m->id, a.begin, n);
            m->id[n] = '\0';
        }
        if (get_attr(nb_attributes, attrs, "defaultArrayLength", &a) &&
            !attr_u64(&a, &m->default_length))
            fail(p, LV_ERR_FORMAT, "defaultArrayLength is not a non-negative integer");
        return;
    }
    if (strcmp(name, "cvParam") == 0) {
        char acc[32] = "", val[256] = "", nm[128] = "", ua[32] = "", un[64] = "";
        param_view pv = {NULL, NULL, NULL, NULL, NULL};
        if (get_attr(nb_attributes, attrs, "accession", &a)) {
            attr_copy(&a, acc, sizeof acc);
            pv.accession = acc;
        }
        if (get_attr(nb_attributes, attrs, "value", &a)) {
            attr_copy(&a, val, sizeof val);
            pv.value = val;
        }
        if (get_attr(nb_attributes, attrs, "name", &a)) {
            attr_copy(&a, nm, sizeof nm);
            pv.name = nm;
        }
        if (get_attr(nb_attributes, attrs, "unitAccession", &a)) {
            attr_copy(&a, ua, sizeof ua);
            pv.unit_accession = ua;
        }
        if (get_attr(nb_attributes, attrs, "unitName", &a)) {
            attr_copy(&a, un, sizeof un);
            pv.unit_name = un;
        }
        apply_param(p, &pv);
    } else if (strcmp(name, "userParam") == 0) {
        lv_array_meta *arr = current_array(p);
        if (p->array_depth && arr && arr->name[0] == '\0' &&
            (arr->role == LV_ARRAY_EXTRA || arr->role == LV_ARRAY_UNKNOWN) &&
            get_attr(nb_attributes, attrs, "name", &a)) {
            attr_copy(&a, arr->name, sizeof arr->name);
            arr->role = LV_ARRAY_EXTRA;
        }
    } else if (strcmp(name, "referenceableParamGroupRef") == 0) {
        char ref[256];
        if (!get_attr(nb_attributes, attrs, "ref", &a)) return;
        attr_copy(&a, ref, sizeof ref);
        const lv_param_group *g = lv_mzml_header_group(p->header, ref);
        if (!g) {
            char msg[400];
            snprintf(msg, sizeof msg, "referenceableParamGroupRef ref='%s' names no group", ref);
            fail(p, LV_ERR_FORMAT, msg);
            return;
        }
        for (size_t i = 0; i < g->n_params; i++) {
            const lv_param *q = &g->params[i];
            param_view pv = {q->accession, q->value, q->name, q->unit_accession, q->unit_name};
            apply_param(p, &pv);
        }
    } else if (strcmp(name, "binaryDataArray") == 0) {
        if (!add_array(p)) {
            fail(p, LV_ERR_NO_MEMORY, "out of memory for array descriptors");
            return;
        }
        p->array_depth = p->depth;
        if (get_attr(nb_attributes, attrs, "arrayLength", &a) &&
            !attr_u64(&a, &current_array(p)->length))
            fail(p, LV_ERR_FORMAT, "arrayLength is not a non-negative integer");
    } else if (strcmp(name, "binary") == 0) {
        lv_array_meta *arr = current_array(p);
        if (!p->array_depth || !arr) return;
        if (p->binaries_seen >= p->spans->n) {
            /* The byte scan only accepts an exact "<binary>" start tag; libxml2 may still see a
             * binary element in a mangled one (e.g. with attributes).  Input error, not a bug. */
            fail(p, LV_ERR_FORMAT,
                 "a <binary> element whose payload the byte scan did not find (only a plain "
                 "<binary> start tag is accepted)");
            return;
        }
        const lv_span *s = &p->spans->items[p->binaries_seen++];
        arr->payload_off = p->record_off + s->off;
        arr->payload_len = s->len;
    } else if (strcmp(name, "precursor") == 0) {
        if (!p->precursor_depth) {
            p->precursor_depth = p->depth;
            p->precursors_seen++;
        }
    } else if (strcmp(name, "selectedIon") == 0) {
        p->selected_ion_depth = p->depth;
        p->selected_ions_seen++;
    } else if (strcmp(name, "isolationWindow") == 0) {
        p->isolation_depth = p->depth;
    } else if (strcmp(name, "product") == 0) {
        p->product_depth = p->depth;
    } else if (strcmp(name, "scan") == 0) {
        p->scan_depth = p->depth;
        p->scans_seen++;
    }
}

static void on_end(void *user, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)localname;
    (void)prefix;
    (void)uri;
    lv_meta_parser *p = user;
    if (p->depth == p->array_depth) p->array_depth = 0;
    if (p->depth == p->precursor_depth) p->precursor_depth = 0;
    if (p->depth == p->selected_ion_depth) p->selected_ion_depth = 0;
    if (p->depth == p->isolation_depth) p->isolation_depth = 0;
    if (p->depth == p->product_depth) p->product_depth = 0;
    if (p->depth == p->scan_depth) p->scan_depth = 0;
    p->depth--;
}

lv_status lv_meta_parser_create(const lv_mzml_header *header, lv_meta_parser **out)
{
    lv_meta_parser *p = calloc(1, sizeof *p);
    RETURN_IF_NULL_ALLOC(p, sizeof *p);
    p->header = header;
    p->sax.initialized = XML_SAX2_MAGIC;
    p->sax.startElementNs = on_start;
    p->sax.endElementNs = on_end;
    p->sax.serror = structured_error;
    p->ctxt = lv_xml_push_parser(&p->sax, p);
    if (!p->ctxt) {
        free(p);
        return lv_error_set(LV_ERR_NO_MEMORY, "cannot create a libxml2 parser context");
    }
    *out = p;
    return LV_OK;
}

void lv_meta_parser_destroy(lv_meta_parser *p)
{
    if (!p) return;
    if (p->ctxt) xmlFreeParserCtxt(p->ctxt);
    free(p);
}

lv_status lv_meta_parse(lv_meta_parser *p, lv_record_kind kind, const uint8_t *markup,
                        size_t markup_len, uint64_t record_off, const lv_span_list *spans,
                        lv_record_meta *out)
{
    memset(out, 0, sizeof *out);
    out->start = record_off;
    out->rt_seconds = NAN;
    out->precursor_mz = NAN;
    out->precursor_intensity = NAN;
    p->kind = kind;
    p->out = out;
    p->spans = spans;
    p->record_off = record_off;
    p->arrays_cap = 0;
    p->depth = p->precursor_depth = p->precursors_seen = 0;
    p->selected_ion_depth = p->selected_ions_seen = p->isolation_depth = 0;
    p->product_depth = p->scan_depth = p->scans_seen = p->array_depth = 0;
    p->binaries_seen = 0;
    p->rt_set = 0;
    p->isolation_target = NAN;
    p->status = LV_OK;
    p->message[0] = '\0';

    if (xmlCtxtResetPush(p->ctxt, NULL, 0, NULL, p->header ? p->header->encoding : NULL) != 0)
        return lv_error_set(LV_ERR_NO_MEMORY, "cannot reset the libxml2 parser");
    lv_xml_safe_options(p->ctxt, p);
    int rc = xmlParseChunk(p->ctxt, (const char *)markup, (int)markup_len, 1);
    if (p->status == LV_OK && (rc != 0 || !p->ctxt->wellFormed)) {
        p->status = LV_ERR_XML;
        snprintf(p->message, sizeof p->message, "libxml2: the record markup is not well-formed");
    }
    if (p->status != LV_OK) {
        lv_status st = p->status;
        lv_record_meta_free(out);
        return lv_error_set(st, "%s", p->message);
    }
    if (kind == LV_RECORD_CHROMATOGRAM || !isfinite(out->precursor_mz))
        if (isfinite(p->isolation_target)) out->precursor_mz = p->isolation_target;
    if (!out->id) {
        out->id = calloc(1, 1);
        RETURN_IF_NULL_ALLOC(out->id, 1);
    }
    return LV_OK;
}
