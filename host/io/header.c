/* header.c - the part of an mzML document before its record lists: version, writing software,
 * and referenceable param groups (records refer to them and we resolve them when parsing).
 *
 * The header is parsed with libxml2 SAX2 as an unfinished document (the parse stops before the
 * first record list).  A DOCTYPE is refused: mzML never has one, and refusing it rules out
 * entity-expansion attacks (billion laughs) and external entity loading. */
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "io/mzml.h"
#include "runtime/error.h"

typedef struct header_state {
    xmlParserCtxtPtr ctxt;
    lv_mzml_header *h;
    int depth;
    int saw_root;
    int group_depth; /* depth of the current referenceableParamGroup, 0 outside */
    int software_depth;
    char software_id[128];
    char software_version[128];
    char software_name[128];
    lv_status status;
    char message[512];
} header_state;

static void hfail(header_state *s, lv_status st, const char *msg)
{
    if (s->status != LV_OK) return;
    s->status = st;
    snprintf(s->message, sizeof s->message, "%s", msg);
    xmlStopParser(s->ctxt);
}

/* A copy of attribute `name`'s value, or NULL when absent (or out of memory).  libxml2, which
 * substitutes no entities here, hands '&amp;' over as the text "&#38;" and every other reference
 * decoded; unescaping once more turns it into the '&' the file means (a raw '&' cannot occur in a
 * well-formed value), the same text the record parser gives for ids and group references. */
static char *attr_dup(int n, const xmlChar **attrs, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp((const char *)attrs[i * 5], name) == 0)
            return lv_xml_unescape(attrs[i * 5 + 3], (size_t)(attrs[i * 5 + 4] - attrs[i * 5 + 3]));
    return NULL;
}

static void attr_into(int n, const xmlChar **attrs, const char *name, char *dst, size_t cap)
{
    char *s = attr_dup(n, attrs, name);
    if (s) {
        snprintf(dst, cap, "%s", s);
        free(s);
    }
}

static void add_group_param(header_state *s, int n, const xmlChar **attrs)
{
    lv_param_group *g = &s->h->groups[s->h->n_groups - 1];
    lv_param *ps = realloc(g->params, (g->n_params + 1) * sizeof *ps);
    if (!ps) {
        hfail(s, LV_ERR_NO_MEMORY, "out of memory reading referenceableParamGroup");
        return;
    }
    g->params = ps;
    lv_param *p = &ps[g->n_params++];
    p->accession = attr_dup(n, attrs, "accession");
    p->value = attr_dup(n, attrs, "value");
    p->name = attr_dup(n, attrs, "name");
    p->unit_accession = attr_dup(n, attrs, "unitAccession");
    p->unit_name = attr_dup(n, attrs, "unitName");
}

static void h_start(void *user, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                    int nb_ns, const xmlChar **ns, int n, int nb_def, const xmlChar **attrs)
{
    (void)prefix;
    (void)uri;
    (void)nb_ns;
    (void)ns;
    (void)nb_def;
    header_state *s = user;
    if (s->status != LV_OK) return;
    const char *name = (const char *)localname;
    s->depth++;
    if (s->depth == 1) {
        s->saw_root = 1;
        if (strcmp(name, "mzML") != 0 && strcmp(name, "indexedmzML") != 0) {
            char msg[256];
            snprintf(msg, sizeof msg, "the root element is <%.64s>, not <mzML> or <indexedmzML>",
                     name);
            hfail(s, LV_ERR_FORMAT, msg);
            return;
        }
        s->h->indexed_root = strcmp(name, "indexedmzML") == 0;
    }
    if (strcmp(name, "mzML") == 0) {
        free(s->h->mzml_version);
        s->h->mzml_version = attr_dup(n, attrs, "version");
    } else if (strcmp(name, "referenceableParamGroup") == 0) {
        lv_param_group *gs = realloc(s->h->groups, (s->h->n_groups + 1) * sizeof *gs);
        if (!gs) {
            hfail(s, LV_ERR_NO_MEMORY, "out of memory reading referenceableParamGroupList");
            return;
        }
        s->h->groups = gs;
        lv_param_group *g = &gs[s->h->n_groups++];
        memset(g, 0, sizeof *g);
        g->id = attr_dup(n, attrs, "id");
        s->group_depth = s->depth;
    } else if (s->group_depth && strcmp(name, "cvParam") == 0) {
        add_group_param(s, n, attrs);
    } else if (strcmp(name, "software") == 0) {
        s->software_depth = s->depth;
        s->software_id[0] = s->software_version[0] = s->software_name[0] = '\0';
        attr_into(n, attrs, "id", s->software_id, sizeof s->software_id);
        attr_into(n, attrs, "version", s->software_version, sizeof s->software_version);
    } else if (s->software_depth && strcmp(name, "cvParam") == 0 && !s->software_name[0]) {
        attr_into(n, attrs, "name", s->software_name, sizeof s->software_name);
    } else if (s->software_depth && strcmp(name, "softwareParam") == 0) { /* mzML 1.0 */
        attr_into(n, attrs, "name", s->software_name, sizeof s->software_name);
        attr_into(n, attrs, "version", s->software_version, sizeof s->software_version);
    }
}

static void h_end(void *user, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)localname;
    (void)prefix;
    (void)uri;
    header_state *s = user;
    if (s->depth == s->group_depth) s->group_depth = 0;
    if (s->depth == s->software_depth) {
        s->software_depth = 0;
        const char *nm = s->software_name[0] ? s->software_name : s->software_id;
        size_t len = strlen(nm) + strlen(s->software_version) + 2;
        char *w = malloc(len);
        if (w) {
            snprintf(w, len, "%s%s%s", nm, s->software_version[0] ? " " : "", s->software_version);
            free(s->h->writer_software);
            s->h->writer_software = w;
        }
    }
    s->depth--;
}

static void h_internal_subset(void *user, const xmlChar *name, const xmlChar *eid,
                              const xmlChar *sid)
{
    (void)name;
    (void)eid;
    (void)sid;
    hfail(user, LV_ERR_FORMAT,
          "the document has a DOCTYPE declaration; mzML has none, and Lavoisier refuses DTDs "
          "(entity expansion and external entities)");
}

static void h_error(void *user, xmlErrorPtr err)
{
    header_state *s = user;
    if (!err || err->level < XML_ERR_ERROR || s->status != LV_OK) return;
    const char *m = err->message ? err->message : "parse error";
    size_t len = strlen(m);
    if (len && m[len - 1] == '\n') len--;
    s->status = LV_ERR_XML;
    snprintf(s->message, sizeof s->message, "libxml2: %.*s (line %d, column %d)", (int)len, m,
             err->line, err->int2);
}

/* The encoding named by the XML declaration, if any (libxml2 needs it for record fragments). */
static char *declared_encoding(const uint8_t *xml, size_t n)
{
    if (n < 5 || memcmp(xml, "<?xml", 5) != 0) return NULL;
    const uint8_t *end = memmem(xml, n < 512 ? n : 512, "?>", 2);
    if (!end) return NULL;
    const uint8_t *e = memmem(xml, (size_t)(end - xml), "encoding", 8);
    if (!e) return NULL;
    e += 8;
    while (e < end && (*e == ' ' || *e == '='))
        e++;
    if (e >= end || (*e != '"' && *e != '\'')) return NULL;
    uint8_t q = *e++;
    const uint8_t *close = memchr(e, q, (size_t)(end - e));
    if (!close) return NULL;
    return lv_xml_unescape(e, (size_t)(close - e));
}

lv_status lv_mzml_header_parse(const char *path, const uint8_t *xml, size_t n, lv_mzml_header *out)
{
    memset(out, 0, sizeof *out);
    header_state s;
    memset(&s, 0, sizeof s);
    s.h = out;
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = h_start;
    sax.endElementNs = h_end;
    sax.internalSubset = h_internal_subset;
    sax.serror = h_error;

    /* Feed only the header: up to the first record list, or the whole document if none. */
    const uint8_t *cut = memmem(xml, n, "<spectrumList", 13);
    const uint8_t *chrom = memmem(xml, cut ? (size_t)(cut - xml) : n, "<chromatogramList", 17);
    if (chrom) cut = chrom;
    size_t len = cut ? (size_t)(cut - xml) : n;
    int complete = cut == NULL;

    out->encoding = declared_encoding(xml, n);
    s.ctxt = lv_xml_push_parser(&sax, &s);
    if (!s.ctxt) return lv_error_set(LV_ERR_NO_MEMORY, "%s: cannot create a parser", path);
    const size_t chunk = 1 << 20;
    for (size_t off = 0; off < len && s.status == LV_OK; off += chunk) {
        size_t k = len - off < chunk ? len - off : chunk;
        int last = complete && off + k == len;
        if (xmlParseChunk(s.ctxt, (const char *)xml + off, (int)k, last) != 0 &&
            s.status == LV_OK) {
            s.status = LV_ERR_XML;
            snprintf(s.message, sizeof s.message, "libxml2 could not parse the header");
        }
    }
    if (s.status == LV_OK && complete && len == 0) xmlParseChunk(s.ctxt, NULL, 0, 1);
    xmlFreeParserCtxt(s.ctxt);
    if (s.status == LV_OK && !s.saw_root) {
        s.status = LV_ERR_XML;
        snprintf(s.message, sizeof s.message, "no root element (the file holds no XML markup)");
    }
    if (s.status != LV_OK) {
        lv_mzml_header_free(out);
        return lv_error_set(s.status, "%s: %s", path, s.message);
    }
    if (!out->mzml_version) out->mzml_version = calloc(1, 1);
    if (!out->writer_software) out->writer_software = calloc(1, 1);
    RETURN_ERROR_IF(!out->mzml_version || !out->writer_software, LV_ERR_NO_MEMORY, "out of memory");
    return LV_OK;
}

void lv_mzml_header_free(lv_mzml_header *h)
{
    if (!h) return;
    free(h->mzml_version);
    free(h->writer_software);
    free(h->encoding);
    for (size_t i = 0; i < h->n_groups; i++) {
        lv_param_group *g = &h->groups[i];
        for (size_t k = 0; k < g->n_params; k++) {
            free(g->params[k].accession);
            free(g->params[k].value);
            free(g->params[k].name);
            free(g->params[k].unit_accession);
            free(g->params[k].unit_name);
        }
        free(g->params);
        free(g->id);
    }
    free(h->groups);
    memset(h, 0, sizeof *h);
}

const lv_param_group *lv_mzml_header_group(const lv_mzml_header *h, const char *id)
{
    if (!h) return NULL;
    for (size_t i = 0; i < h->n_groups; i++)
        if (h->groups[i].id && strcmp(h->groups[i].id, id) == 0) return &h->groups[i];
    return NULL;
}
