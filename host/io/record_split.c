/* record_split.c - separates one record's markup from its base64 payloads.
 *
 * libxml2 tokenizes at about half the speed at which one core decodes base64, so payloads never
 * go through it: this walk copies the markup (tags and the little text between them) into a
 * buffer for libxml2 and only notes where each <binary> text lies.  Base64 cannot contain '<',
 * so one memchr jumps over a whole payload.  Better still, a <binaryDataArray> normally states its
 * payload's encodedLength: when the byte that many characters on is the '<' of the end tag, the
 * payload is not read at all here, so its bytes come from memory once (in the decoder) instead of
 * twice.  A wrong encodedLength that happens to land on a '<' cannot hide markup: base64 has no
 * '<', so the decoder rejects such a span with the byte offset of the '<'. */
#include <stdlib.h>
#include <string.h>

#include "io/mzml.h"
#include "runtime/error.h"

static lv_status append(lv_bytes *b, const uint8_t *src, size_t n)
{
    FORWARD_IF_ERROR(lv_bytes_reserve(b, b->len + n + 1));
    memcpy(b->data + b->len, src, n);
    b->len += n;
    return LV_OK;
}

static lv_status add_span(lv_span_list *s, size_t off, size_t len)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 8;
        lv_span *items = realloc(s->items, cap * sizeof *items);
        RETURN_IF_NULL_ALLOC(items, cap * sizeof *items);
        s->items = items;
        s->cap = cap;
    }
    s->items[s->n++] = (lv_span){off, len};
    return LV_OK;
}

/* Length of "</name" + optional whitespace + ">" at p, or 0 (k = strlen(name)). */
static size_t end_tag_length(const uint8_t *p, size_t n, const char *name, size_t k)
{
    if (n < k + 3 || p[0] != '<' || p[1] != '/' || memcmp(p + 2, name, k) != 0) return 0;
    size_t i = k + 2;
    while (i < n && lv_xml_is_blank(p[i]))
        i++;
    return (i < n && p[i] == '>') ? i + 1 : 0;
}

/* lv_xml_is_start_tag with the name's length known (this runs at every '<' of every record). */
static int is_start_tag(const uint8_t *p, size_t n, const char *name, size_t k)
{
    if (n < k + 2 || memcmp(p + 1, name, k) != 0) return 0;
    uint8_t c = p[k + 1];
    return lv_xml_is_blank(c) || c == '>' || c == '/';
}

/* The walk of lv_record_split.  With compact, whitespace-only text between a '>' and the next
 * '<' is left out of the markup (the indentation of pretty-printed mzML, some 15% of a record's
 * markup).  The reader keeps no text content, only attributes, so libxml2 reports the same start
 * tags and attributes without it, and the markup stays well-formed or not: the blanks are
 * character data between constructs (or text inside a CDATA section or PI, whose content is
 * ignored; comments are skipped whole).  Only line numbers in libxml2's messages change, so the
 * reader parses a failing record again without compact for its message. */
static lv_status split(const uint8_t *p, size_t n, lv_record_kind kind, int at_eof, int compact,
                       lv_bytes *markup, lv_span_list *spans, size_t *end)
{
    const char *name = kind == LV_RECORD_SPECTRUM ? "spectrum" : "chromatogram";
    size_t name_len = kind == LV_RECORD_SPECTRUM ? 8 : 12;
    markup->len = 0;
    spans->n = 0;
    RETURN_ERROR_IF(!lv_xml_is_start_tag(p, n, name), LV_ERR_INTERNAL,
                    "record does not start with <%s", name);
    size_t seg = 0; /* start of markup not yet copied */
    size_t i = 1;
    size_t declared = SIZE_MAX; /* encodedLength of the enclosing <binaryDataArray> */
    for (;;) {
        const uint8_t *lt = i < n ? memchr(p + i, '<', n - i) : NULL;
        if (!lt) break;
        i = (size_t)(lt - p);
        if (compact) {
            size_t k = i;
            while (k > seg && lv_xml_is_blank(p[k - 1]))
                k--;
            if (k < i && k > seg && p[k - 1] == '>') { /* blanks between tags: left out */
                FORWARD_IF_ERROR(append(markup, p + seg, k - seg));
                seg = i;
            }
        }
        size_t rest = n - i;
        uint8_t c1 = rest >= 2 ? p[i + 1] : 0;
        if (c1 == '/') {
            size_t len = end_tag_length(p + i, rest, name, name_len);
            if (len) {
                FORWARD_IF_ERROR(append(markup, p + seg, i + len - seg));
                markup->data[markup->len] = '\0';
                *end = i + len;
                return LV_OK;
            }
            i += 2;
        } else if (c1 == '!' && rest >= 4 && memcmp(p + i, "<!--", 4) == 0) {
            const uint8_t *close = memmem(p + i + 4, rest - 4, "-->", 3);
            if (!close) break;
            i = (size_t)(close - p) + 3;
        } else if (c1 == 'b' && is_start_tag(p + i, rest, "binary", 6)) {
            size_t tl = lv_xml_tag_length(p + i, rest);
            if (tl == 0) break;
            size_t payload = i + tl;
            if (p[payload - 2] == '/') { /* <binary/>: an empty array */
                FORWARD_IF_ERROR(add_span(spans, payload, 0));
                i = payload;
                continue;
            }
            const uint8_t *stop = declared < n - payload && p[payload + declared] == '<'
                                      ? p + payload + declared
                                      : memchr(p + payload, '<', n - payload);
            declared = SIZE_MAX;
            if (!stop) break;
            FORWARD_IF_ERROR(append(markup, p + seg, payload - seg));
            FORWARD_IF_ERROR(add_span(spans, payload, (size_t)(stop - p) - payload));
            seg = (size_t)(stop - p);
            i = seg;
        } else if (c1 == 'b' && is_start_tag(p + i, rest, "binaryDataArray", 15)) {
            size_t tl = lv_xml_tag_length(p + i, rest);
            if (tl == 0) break;
            declared = lv_xml_encoded_length(p + i, tl);
            i += tl;
        } else if (c1 == (uint8_t)name[0] && is_start_tag(p + i, rest, name, name_len)) {
            return lv_error_set(LV_ERR_FORMAT,
                                "<%s> has no end tag before the next <%s> at record byte %zu", name,
                                name, i);
        } else {
            i++;
        }
    }
    if (at_eof)
        return lv_error_set(LV_ERR_TRUNCATED, "the file ends inside this <%s> (%zu bytes in)", name,
                            n);
    return lv_error_set(LV_ERR_FORMAT, "no </%s> end tag within %zu bytes", name, n);
}

lv_status lv_record_split(const uint8_t *p, size_t n, lv_record_kind kind, int at_eof,
                          lv_bytes *markup, lv_span_list *spans, size_t *end)
{
    return split(p, n, kind, at_eof, 0, markup, spans, end);
}

lv_status lv_record_split_compact(const uint8_t *p, size_t n, lv_record_kind kind, int at_eof,
                                  lv_bytes *markup, lv_span_list *spans, size_t *end)
{
    return split(p, n, kind, at_eof, 1, markup, spans, end);
}
