/* xml_util.c - the few byte-level XML operations the reader does without libxml2: recognizing a
 * record's start tag and reading its id while scanning for records or verifying index offsets.
 * Everything that interprets markup beyond that goes through libxml2. */
#include <libxml/parser.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "io/mzml.h"
#include "runtime/error.h"

int lv_xml_is_start_tag(const uint8_t *p, size_t n, const char *name)
{
    /* One pass that stops at the first differing byte: the index check and the record walk call
     * this at every record and tag, mostly on other names (strlen + memcmp were a tenth of an
     * open's time). */
    if (n == 0 || p[0] != '<') return 0;
    size_t k = 0;
    for (; name[k]; k++)
        if (k + 1 >= n || p[k + 1] != (uint8_t)name[k]) return 0;
    if (n < k + 2) return 0;
    uint8_t c = p[k + 1];
    return lv_xml_is_blank(c) || c == '>' || c == '/';
}

size_t lv_xml_tag_length(const uint8_t *p, size_t n)
{
    /* Attribute values may not contain a raw '<' but may contain '>', so honour quotes. */
    uint8_t quote = 0;
    for (size_t i = 1; i < n; i++) {
        uint8_t c = p[i];
        if (quote) {
            if (c == quote) quote = 0;
        } else if (c == '"' || c == '\'') {
            quote = c;
        } else if (c == '>') {
            return i + 1;
        } else if (c == '<') {
            return 0;
        }
    }
    return 0;
}

int lv_xml_find_attr(const uint8_t *tag, size_t n, const char *name, const uint8_t **value,
                     size_t *value_len)
{
    size_t k = strlen(name);
    size_t i = 1;
    while (i < n && !lv_xml_is_blank(tag[i]) && tag[i] != '>')
        i++; /* skip the element name */
    while (i < n) {
        while (i < n && lv_xml_is_blank(tag[i]))
            i++;
        if (i >= n || tag[i] == '>' || tag[i] == '/') return 0;
        size_t name_start = i;
        while (i < n && tag[i] != '=' && !lv_xml_is_blank(tag[i]) && tag[i] != '>')
            i++;
        size_t name_len = i - name_start;
        while (i < n && lv_xml_is_blank(tag[i]))
            i++;
        if (i >= n || tag[i] != '=') return 0;
        i++;
        while (i < n && lv_xml_is_blank(tag[i]))
            i++;
        if (i >= n || (tag[i] != '"' && tag[i] != '\'')) return 0;
        uint8_t quote = tag[i++];
        size_t vstart = i;
        while (i < n && tag[i] != quote)
            i++;
        if (i >= n) return 0;
        if (name_len == k && memcmp(tag + name_start, name, k) == 0) {
            *value = tag + vstart;
            *value_len = i - vstart;
            return 1;
        }
        i++;
    }
    return 0;
}

static size_t put_utf8(char *out, unsigned long cp)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

char *lv_xml_unescape(const uint8_t *src, size_t n)
{
    char *out = malloc(n + 1); /* decoding never lengthens: "&#x10FFFF;" is 10 bytes -> 4 */
    if (!out) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        if (src[i] != '&') {
            out[o++] = (char)src[i++];
            continue;
        }
        const uint8_t *semi = memchr(src + i, ';', n - i < 12 ? n - i : 12);
        size_t len = semi ? (size_t)(semi - (src + i)) + 1 : 0;
        const char *ent = (const char *)src + i;
        if (len == 5 && memcmp(ent, "&amp;", 5) == 0)
            out[o++] = '&';
        else if (len == 4 && memcmp(ent, "&lt;", 4) == 0)
            out[o++] = '<';
        else if (len == 4 && memcmp(ent, "&gt;", 4) == 0)
            out[o++] = '>';
        else if (len == 6 && memcmp(ent, "&quot;", 6) == 0)
            out[o++] = '"';
        else if (len == 6 && memcmp(ent, "&apos;", 6) == 0)
            out[o++] = '\'';
        else if (len > 3 && ent[1] == '#') {
            char buf[16];
            memcpy(buf, ent + 2, len - 3);
            buf[len - 3] = '\0';
            char *endp = NULL;
            unsigned long cp = (buf[0] == 'x' || buf[0] == 'X') ? strtoul(buf + 1, &endp, 16)
                                                                : strtoul(buf, &endp, 10);
            if (endp && *endp == '\0' && cp > 0 && cp <= 0x10FFFF)
                o += put_utf8(out + o, cp);
            else
                len = 0;
        } else {
            len = 0;
        }
        if (len == 0) { /* not an entity we know: keep the text as it is */
            out[o++] = '&';
            i++;
        } else {
            i += len;
        }
    }
    out[o] = '\0';
    return out;
}

int lv_mzml_header_is_utf8(const lv_mzml_header *h)
{
    const char *e = h ? h->encoding : NULL;
    return !e || strcasecmp(e, "UTF-8") == 0 || strcasecmp(e, "UTF8") == 0;
}

lv_status lv_bytes_reserve(lv_bytes *b, size_t cap)
{
    if (cap <= b->cap) return LV_OK;
    size_t want = b->cap ? b->cap : 4096;
    while (want < cap)
        want *= 2;
    uint8_t *d = realloc(b->data, want);
    RETURN_IF_NULL_ALLOC(d, want);
    b->data = d;
    b->cap = want;
    return LV_OK;
}

void lv_bytes_free(lv_bytes *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void lv_record_meta_free(lv_record_meta *m)
{
    if (!m) return;
    free(m->id);
    free(m->arrays);
    m->id = NULL;
    m->arrays = NULL;
    m->n_arrays = 0;
}

/* libxml2 prints some errors through its generic handler unless told otherwise; the library never
 * prints, so that handler is silenced (per thread: libxml2 keeps it in thread-local state). */
static void silent_generic(void *ctx, const char *msg, ...)
{
    (void)ctx;
    (void)msg;
}

void lv_xml_safe_options(xmlParserCtxtPtr ctxt, void *user)
{
    xmlSetGenericErrorFunc(NULL, silent_generic);
    xmlCtxtUseOptions(ctxt,
                      XML_PARSE_NONET | XML_PARSE_HUGE | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
    ctxt->userData = user;
}

/* libxml2 sets up its global state (dictionaries' random seed, mutexes, the default SAX handler)
 * on first use; done lazily from several threads at once that races and leaks.  Every parser of
 * ours is made here, so one pthread_once before the first one covers the library. */
static void init_libxml2(void)
{
    xmlInitParser();
}

xmlParserCtxtPtr lv_xml_push_parser(xmlSAXHandler *sax, void *user)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, init_libxml2);
    xmlSetGenericErrorFunc(NULL, silent_generic);
    xmlParserCtxtPtr ctxt = xmlCreatePushParserCtxt(sax, user, NULL, 0, NULL);
    if (ctxt) lv_xml_safe_options(ctxt, user);
    return ctxt;
}

size_t lv_xml_encoded_length(const uint8_t *tag, size_t n)
{
    const uint8_t *v;
    size_t vn;
    if (!lv_xml_find_attr(tag, n, "encodedLength", &v, &vn) || vn == 0 || vn > 18) return SIZE_MAX;
    size_t len = 0;
    for (size_t k = 0; k < vn; k++) {
        if (v[k] < '0' || v[k] > '9') return SIZE_MAX;
        len = len * 10 + (size_t)(v[k] - '0');
    }
    return len;
}
