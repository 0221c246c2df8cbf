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

/* The element and attribute names the callbacks look for.  libxml2 interns every element and
 * attribute name in its parser's dictionary, so once ours are interned in the same one a name is
 * recognized by one pointer comparison; the dictionary survives xmlCtxtResetPush, is checked per
 * record, and the pointers are trusted only after a record's start tag has shown that libxml2
 * hands over interned names (strcmp otherwise). */
enum {
    N_CVPARAM,
    N_USERPARAM,
    N_GROUP_REF,
    N_BINARY_DATA_ARRAY,
    N_BINARY,
    N_PRECURSOR,
    N_SELECTED_ION,
    N_ISOLATION_WINDOW,
    N_PRODUCT,
    N_SCAN, /* the elements, in the order of enum element - 1 */
    N_ACCESSION,
    N_VALUE,
    N_NAME,
    N_UNIT_ACCESSION,
    N_UNIT_NAME,
    N_ID,
    N_SPECTRUM,
    N_CHROMATOGRAM,
    N_NAMES
};

static const char *const NAME_TEXT[N_NAMES] = {"cvParam",
                                               "userParam",
                                               "referenceableParamGroupRef",
                                               "binaryDataArray",
                                               "binary",
                                               "precursor",
                                               "selectedIon",
                                               "isolationWindow",
                                               "product",
                                               "scan",
                                               "accession",
                                               "value",
                                               "name",
                                               "unitAccession",
                                               "unitName",
                                               "id",
                                               "spectrum",
                                               "chromatogram"};

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
    /* Names interned in the parser's dictionary (see intern_names) */
    xmlDictPtr names_dict;
    const xmlChar *names[N_NAMES];
    uint8_t by_pointer; /* names compare by pointer: verified on a record's start tag */
    uint8_t no_pointer; /* verification failed once: strcmp from then on */
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

/* ---- attribute access ----
 *
 * A record has some 45 start tags, most of them cvParams with five or more attributes, so this is
 * the reader's hottest code outside libxml2 and the decoders.  Each start tag's attributes are
 * walked once (dispatching on the name's first byte, then one strcmp to confirm), values stay
 * spans into libxml2's buffer (already entity-decoded and normalized by libxml2), and only the
 * few values that are used get copied: a number to parse, an array's name. */

typedef struct span {
    const char *p; /* NULL when the attribute is absent */
    size_t n;
} span;

static span attr_span(const xmlChar **attrs, int i)
{
    span s = {(const char *)attrs[i * 5 + 3], (size_t)(attrs[i * 5 + 4] - attrs[i * 5 + 3])};
    return s;
}

static int span_is(span s, const char *lit, size_t n)
{
    return s.p && s.n == n && memcmp(s.p, lit, n) == 0;
}

static int span_is_nocase(span s, const char *lit, size_t n)
{
    return s.p && s.n == n && strncasecmp(s.p, lit, n) == 0;
}

static int span_u64(span a, uint64_t *out)
{
    char buf[32];
    if (a.n == 0 || a.n >= sizeof buf) return 0;
    memcpy(buf, a.p, a.n);
    buf[a.n] = '\0';
    char *endp = NULL;
    unsigned long long v = strtoull(buf, &endp, 10);
    if (!endp || *endp != '\0' || buf[0] == '-') return 0;
    *out = v;
    return 1;
}

static void span_copy(span a, char *dst, size_t cap)
{
    size_t n = a.n < cap ? a.n : cap - 1;
    memcpy(dst, a.p, n);
    dst[n] = '\0';
}

/* Copies a text attribute (an id, a name) into dst[0..cap) and returns its length.  libxml2,
 * which substitutes no entities here (that would need XML_PARSE_NOENT), hands '&amp;' and '&#38;'
 * over as the text "&#38;" (for a tree it may reparse), while every other reference arrives
 * decoded; a raw '&' cannot occur in a well-formed value, so "&#38;" is exactly a decoded '&'. */
static size_t text_copy(span a, char *dst, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < a.n && o + 1 < cap;) {
        if (a.p[i] == '&' && a.n - i >= 5 && memcmp(a.p + i, "&#38;", 5) == 0) {
            dst[o++] = '&';
            i += 5;
        } else {
            dst[o++] = a.p[i++];
        }
    }
    dst[o] = '\0';
    return o;
}

/* The one attribute of a start tag that this element needs (first match by local name, as
 * libxml2 rejects duplicates); absent: p == NULL. */
static span find_attr(int n, const xmlChar **attrs, const char *name)
{
    for (int i = 0; i < n; i++)
        if (attrs[i * 5][0] == (xmlChar)name[0] && strcmp((const char *)attrs[i * 5], name) == 0)
            return attr_span(attrs, i);
    return (span){NULL, 0};
}

/* ---- params ---- */

/* One cvParam (or a param from a referenced group).  Spans of a cvParam are clipped to the
 * sizes of the fixed buffers this parser once copied them into (accession 31, value 255, name
 * 127, unit accession 31, unit name 63 bytes), so that results stay the same for absurdly long
 * values; a group's params (NUL-terminated strings from the header) are used whole. */
typedef struct param_view {
    span accession;
    span value;
    span name;
    span unit_accession;
    span unit_name;
    long ms_number;     /* N of an accession "MS:N" with exactly 7 digits, else -1 */
    uint8_t ms_prefix;  /* the accession starts with "MS:" */
    uint8_t terminated; /* value.p[value.n] == '\0' (a group's param) */
} param_view;

static void classify_accession(param_view *pv)
{
    span a = pv->accession;
    pv->ms_number = -1;
    pv->ms_prefix = a.p && a.n >= 3 && memcmp(a.p, "MS:", 3) == 0;
    if (!pv->ms_prefix || a.n != 10) return;
    long v = 0;
    for (size_t k = 3; k < 10; k++) {
        if (a.p[k] < '0' || a.p[k] > '9') return;
        v = v * 10 + (a.p[k] - '0');
    }
    pv->ms_number = v;
}

static span clip(span s, size_t cap)
{
    if (s.p && s.n >= cap) s.n = cap - 1;
    return s;
}

static span cstr_span(const char *s)
{
    return (span){s, s ? strlen(s) : 0};
}

static double time_factor(const param_view *pv)
{
    if (span_is(pv->unit_accession, "UO:0000031", 10) || span_is_nocase(pv->unit_name, "minute", 6))
        return 60.0;
    if (span_is(pv->unit_accession, "UO:0000028", 10) ||
        span_is_nocase(pv->unit_name, "millisecond", 11))
        return 1e-3;
    return 1.0; /* seconds, or no unit: seconds by convention */
}

static double param_double(const param_view *pv)
{
    if (!pv->value.p || pv->value.n == 0) return NAN;
    char buf[256];
    const char *s = pv->value.p;
    if (!pv->terminated) { /* a cvParam's value: clipped to 255 bytes above */
        span_copy(pv->value, buf, sizeof buf);
        s = buf;
    }
    char *endp = NULL;
    double v = strtod(s, &endp);
    return (endp && endp != s) ? v : NAN;
}

static lv_array_meta *current_array(lv_meta_parser *p)
{
    return p->out->n_arrays ? &p->out->arrays[p->out->n_arrays - 1] : NULL;
}

static void set_dtype(lv_array_meta *a, lv_dtype t)
{
    a->enc.dtype = t;
    a->enc.dtype_known = 1;
}

static void set_numpress(lv_array_meta *a, lv_numpress k, int with_zlib)
{
    a->enc.numpress = k;
    a->enc.zlib |= (uint8_t)with_zlib;
    a->has_compression_term = 1;
}

static void apply_array_param(lv_meta_parser *p, const param_view *pv)
{
    lv_array_meta *a = current_array(p);
    if (!a) return;
    switch (pv->ms_number) {
    case 1000514: a->role = LV_ARRAY_MZ; return;
    case 1000515: a->role = LV_ARRAY_INTENSITY; return;
    case 1000595:
        a->role = LV_ARRAY_TIME;
        a->time_scale = time_factor(pv);
        return;
    case 1000521: set_dtype(a, LV_DTYPE_F32); return;
    case 1000523: set_dtype(a, LV_DTYPE_F64); return;
    case 1000519: set_dtype(a, LV_DTYPE_I32); return;
    case 1000522: set_dtype(a, LV_DTYPE_I64); return;
    case 1001479: set_dtype(a, LV_DTYPE_ASCII); return;
    case 1000576:
        a->enc.zlib = 0;
        a->enc.numpress = LV_NUMPRESS_NONE;
        a->has_compression_term = 1;
        return;
    case 1000574:
        a->enc.zlib = 1;
        a->has_compression_term = 1;
        return;
    case 1002312: set_numpress(a, LV_NUMPRESS_LINEAR, 0); return;
    case 1002746: set_numpress(a, LV_NUMPRESS_LINEAR, 1); return;
    case 1002313: set_numpress(a, LV_NUMPRESS_PIC, 0); return;
    case 1002747: set_numpress(a, LV_NUMPRESS_PIC, 1); return;
    case 1002314: set_numpress(a, LV_NUMPRESS_SLOF, 0); return;
    case 1002748: set_numpress(a, LV_NUMPRESS_SLOF, 1); return;
    case 1000786: /* non-standard data array: its value names it */
        a->role = LV_ARRAY_EXTRA;
        if (pv->value.p && pv->value.n) text_copy(pv->value, a->name, sizeof a->name);
        return;
    default: break;
    }
    /* any other array type (charge array, signal to noise array, ion mobility ...) */
    span nm = pv->name;
    if (pv->ms_prefix && nm.p && nm.n > 6 && memcmp(nm.p + nm.n - 6, " array", 6) == 0 &&
        a->role == LV_ARRAY_UNKNOWN) {
        a->role = LV_ARRAY_EXTRA;
        text_copy(nm, a->name, sizeof a->name);
    }
}

static void apply_param(lv_meta_parser *p, const param_view *pv)
{
    lv_record_meta *m = p->out;
    if (!pv->accession.p) return;
    if (p->array_depth) {
        apply_array_param(p, pv);
        return;
    }
    if (p->product_depth) return;
    long acc = pv->ms_number;
    if (p->precursor_depth) {
        if (p->precursors_seen != 1) return; /* the first precursor describes the spectrum */
        if (p->selected_ion_depth && p->selected_ions_seen == 1) {
            if (acc == 1000744 || acc == 1000040) {
                m->precursor_mz = param_double(pv);
            } else if (acc == 1000041) {
                double z = param_double(pv);
                if (isfinite(z)) m->precursor_charge = (int32_t)z;
            } else if (acc == 1000042) {
                m->precursor_intensity = param_double(pv);
            }
        } else if (p->isolation_depth && acc == 1000827) {
            p->isolation_target = param_double(pv);
        }
        return;
    }
    switch (acc) {
    case 1000511: {
        double lvl = param_double(pv);
        if (isfinite(lvl) && lvl >= 0 && lvl < 256) m->ms_level = (uint8_t)lvl;
        break;
    }
    case 1000579:
        if (m->ms_level == 0) m->ms_level = 1; /* "MS1 spectrum" implies level 1 */
        break;
    case 1000127: m->representation = LV_REPR_CENTROID; break;
    case 1000128: m->representation = LV_REPR_PROFILE; break;
    case 1000130: m->polarity = 1; break;
    case 1000129: m->polarity = -1; break;
    case 1000016:
        /* scan start time of the first scan (or at spectrum level in old writers) */
        if (!p->rt_set && (p->scan_depth == 0 || p->scans_seen == 1)) {
            m->rt_seconds = param_double(pv) * time_factor(pv);
            p->rt_set = 1;
        }
        break;
    default: break;
    }
}

/* A cvParam's attributes in one pass (names confirmed by strcmp after a first-byte switch). */
static void cvparam_view(const lv_meta_parser *p, int n, const xmlChar **attrs, param_view *pv)
{
    memset(pv, 0, sizeof *pv);
    if (p->by_pointer) {
        const xmlChar *const *nm = p->names;
        for (int i = 0; i < n; i++) {
            const xmlChar *an = attrs[i * 5];
            span *dst = an == nm[N_ACCESSION]        ? &pv->accession
                        : an == nm[N_VALUE]          ? &pv->value
                        : an == nm[N_NAME]           ? &pv->name
                        : an == nm[N_UNIT_ACCESSION] ? &pv->unit_accession
                        : an == nm[N_UNIT_NAME]      ? &pv->unit_name
                                                     : NULL;
            size_t cap = dst == &pv->value       ? 256
                         : dst == &pv->name      ? 128
                         : dst == &pv->unit_name ? 64
                                                 : 32;
            if (dst && !dst->p) *dst = clip(attr_span(attrs, i), cap);
        }
        classify_accession(pv);
        return;
    }
    for (int i = 0; i < n; i++) {
        const char *an = (const char *)attrs[i * 5];
        span *dst = NULL;
        size_t cap = 0;
        switch (an[0]) {
        case 'a':
            if (strcmp(an, "accession") == 0) dst = &pv->accession, cap = 32;
            break;
        case 'v':
            if (strcmp(an, "value") == 0) dst = &pv->value, cap = 256;
            break;
        case 'n':
            if (strcmp(an, "name") == 0) dst = &pv->name, cap = 128;
            break;
        case 'u':
            if (strcmp(an, "unitAccession") == 0)
                dst = &pv->unit_accession, cap = 32;
            else if (strcmp(an, "unitName") == 0)
                dst = &pv->unit_name, cap = 64;
            break;
        default: break;
        }
        if (dst && !dst->p) *dst = clip(attr_span(attrs, i), cap);
    }
    classify_accession(pv);
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

/* The elements whose start tags carry facts we keep. */
typedef enum element {
    EL_OTHER,
    EL_CVPARAM,
    EL_USERPARAM,
    EL_GROUP_REF,
    EL_BINARY_DATA_ARRAY,
    EL_BINARY,
    EL_PRECURSOR,
    EL_SELECTED_ION,
    EL_ISOLATION_WINDOW,
    EL_PRODUCT,
    EL_SCAN
} element;

static element classify_element(const char *name)
{
    switch (name[0]) {
    case 'c': return strcmp(name, "cvParam") == 0 ? EL_CVPARAM : EL_OTHER;
    case 'u': return strcmp(name, "userParam") == 0 ? EL_USERPARAM : EL_OTHER;
    case 'r': return strcmp(name, "referenceableParamGroupRef") == 0 ? EL_GROUP_REF : EL_OTHER;
    case 'b':
        if (strcmp(name, "binary") == 0) return EL_BINARY;
        return strcmp(name, "binaryDataArray") == 0 ? EL_BINARY_DATA_ARRAY : EL_OTHER;
    case 'p':
        if (strcmp(name, "precursor") == 0) return EL_PRECURSOR;
        return strcmp(name, "product") == 0 ? EL_PRODUCT : EL_OTHER;
    case 's':
        if (strcmp(name, "scan") == 0) return EL_SCAN;
        return strcmp(name, "selectedIon") == 0 ? EL_SELECTED_ION : EL_OTHER;
    case 'i': return strcmp(name, "isolationWindow") == 0 ? EL_ISOLATION_WINDOW : EL_OTHER;
    default: return EL_OTHER;
    }
}

static element classify_by_pointer(const lv_meta_parser *p, const xmlChar *name)
{
    for (int k = N_CVPARAM; k <= N_SCAN; k++)
        if (name == p->names[k]) return (element)(EL_CVPARAM + k);
    return EL_OTHER;
}

static void intern_names(lv_meta_parser *p)
{
    xmlDictPtr d = p->ctxt->dict;
    p->names_dict = d;
    p->by_pointer = 0;
    for (int k = 0; k < N_NAMES; k++) {
        p->names[k] = d ? xmlDictLookup(d, (const xmlChar *)NAME_TEXT[k], -1) : NULL;
        if (!p->names[k]) p->no_pointer = 1; /* out of memory, or no dictionary */
    }
}

/* A record's start tag whose name and "id" attribute strcmp has matched: libxml2 interns names
 * iff they are our pointers. */
static void verify_pointers(lv_meta_parser *p, const xmlChar *name, const xmlChar *id_name)
{
    if (p->no_pointer) return;
    int want = p->kind == LV_RECORD_SPECTRUM ? N_SPECTRUM : N_CHROMATOGRAM;
    if (name != p->names[want] || (id_name && id_name != p->names[N_ID])) {
        p->no_pointer = 1;
        p->by_pointer = 0;
    } else if (id_name) {
        p->by_pointer = 1;
    }
}

static void on_record_start(lv_meta_parser *p, const char *name, int nb_attributes,
                            const xmlChar **attrs)
{
    lv_record_meta *m = p->out;
    const char *want = p->kind == LV_RECORD_SPECTRUM ? "spectrum" : "chromatogram";
    if (strcmp(name, want) != 0) {
        fail(p, LV_ERR_INTERNAL, "record markup does not start with its element");
        return;
    }
    span id = {NULL, 0}, dal = {NULL, 0};
    const xmlChar *id_name = NULL;
    for (int i = 0; i < nb_attributes; i++) {
        const char *an = (const char *)attrs[i * 5];
        if (!id.p && strcmp(an, "id") == 0) {
            id = attr_span(attrs, i);
            id_name = attrs[i * 5];
        } else if (!dal.p && strcmp(an, "defaultArrayLength") == 0) {
            dal = attr_span(attrs, i);
        }
    }
    verify_pointers(p, (const xmlChar *)name, id_name);
    if (id.p) {
        m->id = malloc(id.n + 1);
        if (!m->id) {
            fail(p, LV_ERR_NO_MEMORY, "out of memory for a record id");
            return;
        }
        text_copy(id, m->id, id.n + 1);
    }
    if (dal.p && !span_u64(dal, &m->default_length))
        fail(p, LV_ERR_FORMAT, "defaultArrayLength is not a non-negative integer");
}

static void on_group_ref(lv_meta_parser *p, int nb_attributes, const xmlChar **attrs)
{
    char ref[256];
    span a = find_attr(nb_attributes, attrs, "ref");
    if (!a.p) return;
    text_copy(a, ref, sizeof ref); /* decoded like the header's group ids */
    const lv_param_group *g = lv_mzml_header_group(p->header, ref);
    if (!g) {
        char msg[400];
        snprintf(msg, sizeof msg, "referenceableParamGroupRef ref='%s' names no group", ref);
        fail(p, LV_ERR_FORMAT, msg);
        return;
    }
    for (size_t i = 0; i < g->n_params; i++) {
        const lv_param *q = &g->params[i];
        param_view pv = {cstr_span(q->accession),
                         cstr_span(q->value),
                         cstr_span(q->name),
                         cstr_span(q->unit_accession),
                         cstr_span(q->unit_name),
                         -1,
                         0,
                         1};
        classify_accession(&pv);
        apply_param(p, &pv);
    }
}

static void on_binary(lv_meta_parser *p)
{
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
    p->depth++;
    if (p->depth == 1) {
        on_record_start(p, name, nb_attributes, attrs);
        return;
    }
    switch (p->by_pointer ? classify_by_pointer(p, localname) : classify_element(name)) {
    case EL_CVPARAM: {
        param_view pv;
        cvparam_view(p, nb_attributes, attrs, &pv);
        apply_param(p, &pv);
        break;
    }
    case EL_USERPARAM: {
        lv_array_meta *arr = current_array(p);
        if (p->array_depth && arr && arr->name[0] == '\0' &&
            (arr->role == LV_ARRAY_EXTRA || arr->role == LV_ARRAY_UNKNOWN)) {
            span a = find_attr(nb_attributes, attrs, "name");
            if (a.p) {
                text_copy(a, arr->name, sizeof arr->name);
                arr->role = LV_ARRAY_EXTRA;
            }
        }
        break;
    }
    case EL_GROUP_REF: on_group_ref(p, nb_attributes, attrs); break;
    case EL_BINARY_DATA_ARRAY: {
        if (!add_array(p)) {
            fail(p, LV_ERR_NO_MEMORY, "out of memory for array descriptors");
            return;
        }
        p->array_depth = p->depth;
        span a = find_attr(nb_attributes, attrs, "arrayLength");
        if (a.p && !span_u64(a, &current_array(p)->length))
            fail(p, LV_ERR_FORMAT, "arrayLength is not a non-negative integer");
        break;
    }
    case EL_BINARY: on_binary(p); break;
    case EL_PRECURSOR:
        if (!p->precursor_depth) {
            p->precursor_depth = p->depth;
            p->precursors_seen++;
        }
        break;
    case EL_SELECTED_ION:
        p->selected_ion_depth = p->depth;
        p->selected_ions_seen++;
        break;
    case EL_ISOLATION_WINDOW: p->isolation_depth = p->depth; break;
    case EL_PRODUCT: p->product_depth = p->depth; break;
    case EL_SCAN:
        p->scan_depth = p->depth;
        p->scans_seen++;
        break;
    case EL_OTHER: break;
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
                        size_t markup_len, uint64_t record_off, const lv_span_list *spans, int fast,
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

    /* Naming UTF-8 makes libxml2 copy every byte through its UTF-8 converter (some 5% of the
     * parse); undeclared, it reads UTF-8 natively and checks it as it goes. */
    const char *encoding = p->header && !fast ? p->header->encoding : NULL;
    if (xmlCtxtResetPush(p->ctxt, NULL, 0, NULL, encoding) != 0)
        return lv_error_set(LV_ERR_NO_MEMORY, "cannot reset the libxml2 parser");
    lv_xml_safe_options(p->ctxt, p);
    if (p->ctxt->dict != p->names_dict) intern_names(p);
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
