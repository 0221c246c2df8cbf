/* index.c - where every record starts, and its id.
 *
 * An indexedmzML file carries byte offsets for every spectrum and chromatogram.  They are used
 * when they verify; checking is cheap and does not read the records' bodies:
 *   - each offset lands on a <spectrum / <chromatogram start tag whose id equals the index's idRef
 *     and whose index attribute (when present) equals its position;
 *   - offsets increase strictly;
 *   - the first record follows its list's start tag directly, and the last one is followed by the
 *     list's end tag, so no record before, between (index attributes) or after is missing.
 * Otherwise (CRLF drift, trimmed or rewritten files, offsets past the end, missing entries) or for
 * plain mzML, the index is rebuilt by one byte scan over the markup that jumps over base64
 * payloads with memchr. */
#include <libxml/parser.h>
#include <stdlib.h>
#include <string.h>

#include "io/mzml.h"
#include "io/source.h"
#include "runtime/error.h"

#define PEEK_BYTES       (64u * 1024u) /* enough for any start tag */
#define SCAN_WINDOW      (8u * 1024u * 1024u)
#define TAIL_BYTES       (1u << 20)   /* <indexListOffset> and <fileChecksum> live here */
#define INDEX_LIST_BYTES (1ull << 30) /* how far back a stale offset's <indexList> is sought */

/* ---- record tables ---- */

static lv_status table_add(lv_record_table *t, uint64_t off, const char *id, size_t id_len)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 256;
        uint64_t *o = realloc(t->offsets, cap * sizeof *o);
        RETURN_IF_NULL_ALLOC(o, cap * sizeof *o);
        t->offsets = o;
        uint64_t *io = realloc(t->id_offsets, (cap + 1) * sizeof *io);
        RETURN_IF_NULL_ALLOC(io, (cap + 1) * sizeof *io);
        t->id_offsets = io;
        t->cap = cap;
    }
    if (t->arena_len + id_len + 1 > t->arena_cap) {
        size_t cap = t->arena_cap ? t->arena_cap : 4096;
        while (cap < t->arena_len + id_len + 1)
            cap *= 2;
        char *a = realloc(t->arena, cap);
        RETURN_IF_NULL_ALLOC(a, cap);
        t->arena = a;
        t->arena_cap = cap;
    }
    t->offsets[t->n] = off;
    t->id_offsets[t->n] = t->arena_len;
    memcpy(t->arena + t->arena_len, id, id_len);
    t->arena[t->arena_len + id_len] = '\0';
    t->arena_len += id_len + 1;
    t->n++;
    return LV_OK;
}

static void table_free(lv_record_table *t)
{
    free(t->offsets);
    free(t->id_offsets);
    free(t->arena);
    free(t->hash);
    memset(t, 0, sizeof *t);
}

const char *lv_record_table_id(const lv_record_table *t, uint64_t i)
{
    return i < t->n ? t->arena + t->id_offsets[i] : NULL;
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ull;
    return h;
}

int lv_record_table_find(lv_record_table *t, const char *id, uint64_t *index)
{
    if (t->n == 0) return 0;
    if (!t->hash) {
        size_t cap = 16;
        while (cap < t->n * 2)
            cap *= 2;
        t->hash = calloc(cap, sizeof *t->hash);
        if (!t->hash) { /* no memory for the table: a linear search still answers */
            for (uint64_t i = 0; i < t->n; i++)
                if (strcmp(lv_record_table_id(t, i), id) == 0) return (*index = i), 1;
            return 0;
        }
        t->hash_cap = cap;
        for (uint64_t i = 0; i < t->n; i++) {
            size_t slot = hash_str(lv_record_table_id(t, i)) & (cap - 1);
            while (t->hash[slot])
                slot = (slot + 1) & (cap - 1);
            t->hash[slot] = i + 1;
        }
    }
    size_t slot = hash_str(id) & (t->hash_cap - 1);
    while (t->hash[slot]) { /* the first record with the id wins (ids should be unique) */
        uint64_t i = t->hash[slot] - 1;
        if (strcmp(lv_record_table_id(t, i), id) == 0) {
            uint64_t best = i;
            for (size_t s2 = (slot + 1) & (t->hash_cap - 1); t->hash[s2];
                 s2 = (s2 + 1) & (t->hash_cap - 1))
                if (t->hash[s2] - 1 < best &&
                    strcmp(lv_record_table_id(t, t->hash[s2] - 1), id) == 0)
                    best = t->hash[s2] - 1;
            *index = best;
            return 1;
        }
        slot = (slot + 1) & (t->hash_cap - 1);
    }
    return 0;
}

void lv_index_free(lv_mzml_index *idx)
{
    table_free(&idx->spectra);
    table_free(&idx->chromatograms);
}

/* ---- helpers over the source ---- */

static lv_status peek(lv_source *src, uint64_t off, size_t len, const uint8_t **p, size_t *got)
{
    if (off >= lv_source_size(src)) {
        *p = NULL;
        *got = 0;
        return LV_OK;
    }
    return lv_source_view(src, off, len, p, got);
}

static uint64_t skip_ws(lv_source *src, uint64_t off)
{
    for (;;) {
        const uint8_t *p;
        size_t got;
        if (peek(src, off, 4096, &p, &got) != LV_OK || got == 0) return off;
        size_t i = 0;
        while (i < got && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
            i++;
        off += i;
        if (i < got) return off;
    }
}

/* 1 when the bytes at off begin with token. */
static int starts_with(lv_source *src, uint64_t off, const char *token)
{
    const uint8_t *p;
    size_t got, k = strlen(token);
    if (peek(src, off, k, &p, &got) != LV_OK || got < k) return 0;
    return memcmp(p, token, k) == 0;
}

/* One past the '>' of the tag at off, or 0. */
static uint64_t tag_end(lv_source *src, uint64_t off)
{
    const uint8_t *p;
    size_t got;
    if (peek(src, off, PEEK_BYTES, &p, &got) != LV_OK || got == 0) return 0;
    size_t tl = lv_xml_tag_length(p, got);
    return tl ? off + tl : 0;
}

lv_status lv_locate_record_end(lv_source *src, lv_record_kind kind, uint64_t start,
                               lv_bytes *markup, lv_span_list *spans, uint64_t *end)
{
    uint64_t size = lv_source_size(src);
    size_t want = 1u << 20;
    for (;;) {
        const uint8_t *p;
        size_t got;
        FORWARD_IF_ERROR(peek(src, start, want, &p, &got));
        int at_eof = start + got >= size;
        size_t e;
        lv_status st = lv_record_split(p, got, kind, at_eof, markup, spans, &e);
        if (st == LV_OK) {
            *end = start + e;
            return LV_OK;
        }
        if (at_eof || st != LV_ERR_FORMAT || got < want) return st;
        want *= 4; /* a very large record: look further */
    }
}

/* Checks that the start tag at off is a `kind` record with this id and index attribute. */
static int record_tag_matches(lv_source *src, uint64_t off, lv_record_kind kind, const char *id,
                              uint64_t position, char *why, size_t why_cap)
{
    const char *name = kind == LV_RECORD_SPECTRUM ? "spectrum" : "chromatogram";
    const uint8_t *p;
    size_t got;
    if (off >= lv_source_size(src)) {
        snprintf(why, why_cap, "offset %llu of %s '%s' is past the end of the file",
                 (unsigned long long)off, name, id);
        return 0;
    }
    if (peek(src, off, PEEK_BYTES, &p, &got) != LV_OK || !lv_xml_is_start_tag(p, got, name)) {
        snprintf(why, why_cap, "offset %llu of %s '%s' does not land on a <%s> start tag",
                 (unsigned long long)off, name, id, name);
        return 0;
    }
    size_t tl = lv_xml_tag_length(p, got);
    const uint8_t *v;
    size_t vlen;
    if (!tl || !lv_xml_find_attr(p, tl, "id", &v, &vlen)) {
        snprintf(why, why_cap, "the <%s> at offset %llu has no id", name, (unsigned long long)off);
        return 0;
    }
    char *found = lv_xml_unescape(v, vlen);
    int same = found && strcmp(found, id) == 0;
    if (!same)
        snprintf(why, why_cap, "offset %llu of %s '%s' lands on the record with id '%s'",
                 (unsigned long long)off, name, id, found ? found : "?");
    free(found);
    if (!same) return 0;
    if (lv_xml_find_attr(p, tl, "index", &v, &vlen)) {
        char buf[24];
        size_t n = vlen < sizeof buf - 1 ? vlen : sizeof buf - 1;
        memcpy(buf, v, n);
        buf[n] = '\0';
        if (strtoull(buf, NULL, 10) != position) {
            snprintf(why, why_cap,
                     "index entry %llu points at %s '%s' whose index attribute is %s: the index "
                     "omits records",
                     (unsigned long long)position, name, id, buf);
            return 0;
        }
    }
    return 1;
}

/* ---- reading the file's own index ---- */

typedef struct index_sax {
    lv_mzml_index *idx;
    lv_record_table *current;
    int in_offset;
    char id[1024];
    char digits[32];
    size_t n_digits;
    lv_status status;
} index_sax;

static void ix_start(void *user, const xmlChar *localname, const xmlChar *prefix,
                     const xmlChar *uri, int nb_ns, const xmlChar **ns, int n, int nb_def,
                     const xmlChar **attrs)
{
    (void)prefix;
    (void)uri;
    (void)nb_ns;
    (void)ns;
    (void)nb_def;
    index_sax *s = user;
    const char *name = (const char *)localname;
    if (strcmp(name, "index") == 0) {
        s->current = NULL;
        for (int i = 0; i < n; i++)
            if (strcmp((const char *)attrs[i * 5], "name") == 0) {
                size_t len = (size_t)(attrs[i * 5 + 4] - attrs[i * 5 + 3]);
                if (len == 8 && memcmp(attrs[i * 5 + 3], "spectrum", 8) == 0)
                    s->current = &s->idx->spectra;
                else if (len == 12 && memcmp(attrs[i * 5 + 3], "chromatogram", 12) == 0)
                    s->current = &s->idx->chromatograms;
            }
    } else if (strcmp(name, "offset") == 0) {
        s->in_offset = 1;
        s->n_digits = 0;
        s->id[0] = '\0';
        for (int i = 0; i < n; i++)
            if (strcmp((const char *)attrs[i * 5], "idRef") == 0) {
                size_t len = (size_t)(attrs[i * 5 + 4] - attrs[i * 5 + 3]);
                if (len >= sizeof s->id) len = sizeof s->id - 1;
                memcpy(s->id, attrs[i * 5 + 3], len);
                s->id[len] = '\0';
            }
    }
}

static void ix_chars(void *user, const xmlChar *ch, int len)
{
    index_sax *s = user;
    if (!s->in_offset) return;
    for (int i = 0; i < len && s->n_digits + 1 < sizeof s->digits; i++)
        if (ch[i] != ' ' && ch[i] != '\n' && ch[i] != '\r' && ch[i] != '\t')
            s->digits[s->n_digits++] = (char)ch[i];
}

static void ix_end(void *user, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri)
{
    (void)prefix;
    (void)uri;
    index_sax *s = user;
    if (strcmp((const char *)localname, "offset") != 0 || !s->in_offset) return;
    s->in_offset = 0;
    if (!s->current || s->status != LV_OK) return;
    s->digits[s->n_digits] = '\0';
    char *endp = NULL;
    unsigned long long off = strtoull(s->digits, &endp, 10);
    if (s->n_digits == 0 || *endp != '\0') off = UINT64_MAX; /* fails verification */
    s->status = table_add(s->current, off, s->id, strlen(s->id));
}

static void ix_serror(void *user, xmlErrorPtr err)
{
    (void)user;
    (void)err;
}

/* Parses <indexList> ... (bytes [il, stop)) into the tables.  0 when it does not parse. */
static int parse_index_list(lv_source *src, uint64_t il, uint64_t stop, lv_mzml_index *idx)
{
    const uint8_t *p;
    size_t got;
    if (stop <= il || peek(src, il, (size_t)(stop - il), &p, &got) != LV_OK || got < stop - il)
        return 0;
    index_sax s;
    memset(&s, 0, sizeof s);
    s.idx = idx;
    xmlSAXHandler sax;
    memset(&sax, 0, sizeof sax);
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = ix_start;
    sax.endElementNs = ix_end;
    sax.characters = ix_chars;
    sax.serror = ix_serror;
    xmlParserCtxtPtr ctxt = lv_xml_push_parser(&sax, &s);
    if (!ctxt) return 0;
    /* The indexList is not a complete document on its own: stop at its end tag. */
    int rc = xmlParseChunk(ctxt, (const char *)p, (int)(stop - il), 0);
    xmlFreeParserCtxt(ctxt);
    return rc == 0 && s.status == LV_OK;
}

/* Finds the last occurrence of needle in [0, before). */
static int find_back(lv_source *src, uint64_t before, uint64_t limit, const char *needle,
                     uint64_t *at)
{
    size_t k = strlen(needle);
    uint64_t hi = before;
    uint64_t lowest = before > limit ? before - limit : 0;
    while (hi > lowest) {
        uint64_t lo = hi - lowest > SCAN_WINDOW ? hi - SCAN_WINDOW : lowest;
        const uint8_t *p;
        size_t got;
        uint64_t ext = hi + k - 1 < before ? hi + k - 1 : before; /* overlap the boundary */
        if (peek(src, lo, (size_t)(ext - lo), &p, &got) != LV_OK) return 0;
        for (size_t i = got >= k ? got - k + 1 : 0; i-- > 0;)
            if (p[i] == needle[0] && memcmp(p + i, needle, k) == 0) {
                *at = lo + i;
                return 1;
            }
        hi = lo;
    }
    return 0;
}

/* Checks list structure: the first record directly follows the list's start tag, the last is
 * followed by the list's end tag.  Returns the offset after the list's end tag, or 0 on failure
 * (with why set). */
static uint64_t check_list(lv_source *src, uint64_t pos, lv_record_kind kind,
                           const lv_record_table *t, lv_bytes *markup, lv_span_list *spans,
                           char *why, size_t why_cap)
{
    const char *list = kind == LV_RECORD_SPECTRUM ? "<spectrumList" : "<chromatogramList";
    const char *close = kind == LV_RECORD_SPECTRUM ? "</spectrumList" : "</chromatogramList";
    pos = skip_ws(src, pos);
    if (!starts_with(src, pos, list)) {
        if (t->n == 0) return pos; /* no such list, and the index lists none */
        snprintf(why, why_cap, "the index lists records but there is no %s> where expected", list);
        return 0;
    }
    uint64_t after = tag_end(src, pos);
    if (!after) return 0;
    const uint8_t *p;
    size_t got;
    if (peek(src, pos, (size_t)(after - pos), &p, &got) == LV_OK && got >= 2 &&
        p[after - pos - 2] == '/')
        return t->n == 0 ? after : 0; /* <spectrumList count="0"/> */
    uint64_t first = skip_ws(src, after);
    if (t->n == 0) {
        if (starts_with(src, first, close)) return tag_end(src, first);
        snprintf(why, why_cap, "the index lists no %s records but the file has some", list + 1);
        return 0;
    }
    if (first != t->offsets[0]) {
        snprintf(why, why_cap, "the index does not list the first record of %s>", list);
        return 0;
    }
    uint64_t end;
    if (lv_locate_record_end(src, kind, t->offsets[t->n - 1], markup, spans, &end) != LV_OK) {
        snprintf(why, why_cap, "the last indexed record of %s> does not end", list);
        return 0;
    }
    uint64_t next = skip_ws(src, end);
    if (!starts_with(src, next, close)) {
        snprintf(why, why_cap, "records follow the last indexed one in %s>", list);
        return 0;
    }
    return tag_end(src, next);
}

/* Checking every record's start tag touches one page per record, and the kernel maps the pages
 * around each fault too, so without this a verified open would leave the whole file resident.
 * Dropping what lies behind every RELEASE_STRIDE bytes keeps open's RSS small; the pages stay in
 * the page cache, so reading them again costs a minor fault. */
#define RELEASE_STRIDE ((uint64_t)16 << 20)

static void release_behind(lv_source *src, uint64_t off, uint64_t *last)
{
    if (off >= *last + RELEASE_STRIDE) {
        lv_source_release_before(src, off);
        *last = off;
    }
}

static int verify_index(lv_source *src, lv_mzml_index *idx, char *why, size_t why_cap)
{
    const lv_record_table *tables[2] = {&idx->spectra, &idx->chromatograms};
    uint64_t released = 0;
    for (int k = 0; k < 2; k++) {
        const lv_record_table *t = tables[k];
        for (uint64_t i = 0; i < t->n; i++) {
            release_behind(src, t->offsets[i], &released);
            if (i > 0 && t->offsets[i] <= t->offsets[i - 1]) {
                snprintf(why, why_cap, "index offsets do not increase at entry %llu",
                         (unsigned long long)i);
                return 0;
            }
            if (!record_tag_matches(src, t->offsets[i], (lv_record_kind)k, lv_record_table_id(t, i),
                                    i, why, why_cap))
                return 0;
        }
    }
    lv_bytes markup = {0};
    lv_span_list spans = {0};
    uint64_t pos = check_list(src, idx->lists_start, LV_RECORD_SPECTRUM, &idx->spectra, &markup,
                              &spans, why, why_cap);
    if (pos) {
        /* between the lists only whitespace may stand */
        pos = check_list(src, pos, LV_RECORD_CHROMATOGRAM, &idx->chromatograms, &markup, &spans,
                         why, why_cap);
    }
    lv_bytes_free(&markup);
    free(spans.items);
    return pos != 0;
}

/* ---- rebuilding by scan ---- */

static lv_status scan_records(lv_source *src, const char *path, lv_mzml_index *idx)
{
    uint64_t size = lv_source_size(src);
    uint64_t pos = idx->lists_start;
    uint64_t released = 0;
    while (pos < size) {
        const uint8_t *p;
        size_t got;
        release_behind(src, pos, &released);
        FORWARD_IF_ERROR(peek(src, pos, SCAN_WINDOW, &p, &got));
        if (got == 0) break;
        const uint8_t *lt = memchr(p, '<', got);
        if (!lt) {
            pos += got;
            continue;
        }
        uint64_t at = pos + (uint64_t)(lt - p);
        size_t left = got - (size_t)(lt - p);
        if (left < PEEK_BYTES && at + left < size) { /* a tag may straddle the window */
            FORWARD_IF_ERROR(peek(src, at, PEEK_BYTES, &p, &got));
            lt = p;
            left = got;
        }
        lv_record_kind kind;
        if (lv_xml_is_start_tag(lt, left, "spectrum"))
            kind = LV_RECORD_SPECTRUM;
        else if (lv_xml_is_start_tag(lt, left, "chromatogram"))
            kind = LV_RECORD_CHROMATOGRAM;
        else if (left >= 4 && memcmp(lt, "<!--", 4) == 0) {
            uint64_t c;
            const uint8_t *close = memmem(lt, left, "-->", 3);
            if (close)
                c = at + (uint64_t)(close - lt) + 3;
            else
                c = at + left; /* an unterminated comment runs to the window's end */
            pos = c;
            continue;
        } else {
            pos = at + 1;
            continue;
        }
        size_t tl = lv_xml_tag_length(lt, left);
        RETURN_ERROR_IF(tl == 0, at + left >= size ? LV_ERR_TRUNCATED : LV_ERR_FORMAT,
                        "%s: byte %llu: the start tag of a record does not end", path,
                        (unsigned long long)at);
        const uint8_t *v = NULL;
        size_t vlen = 0;
        lv_xml_find_attr(lt, tl, "id", &v, &vlen);
        char *id = lv_xml_unescape(v ? v : (const uint8_t *)"", vlen);
        RETURN_IF_NULL_ALLOC(id, vlen + 1);
        lv_record_table *t = kind == LV_RECORD_SPECTRUM ? &idx->spectra : &idx->chromatograms;
        lv_status st = table_add(t, at, id, strlen(id));
        free(id);
        FORWARD_IF_ERROR(st);
        pos = at + tl;
    }
    return LV_OK;
}

lv_status lv_index_load(lv_source *src, const char *path, const lv_mzml_header *header,
                        uint64_t lists_start, int force_rebuild, lv_mzml_index *out)
{
    memset(out, 0, sizeof *out);
    out->lists_start = lists_start;
    uint64_t size = lv_source_size(src);
    char why[300] = "";

    /* The tail holds <indexListOffset> and <fileChecksum>. */
    uint64_t ilo_tag = 0;
    int have_ilo =
        header->indexed_root && find_back(src, size, TAIL_BYTES, "<indexListOffset>", &ilo_tag);
    uint64_t ck_tag;
    if (header->indexed_root && find_back(src, size, TAIL_BYTES, "<fileChecksum>", &ck_tag)) {
        const uint8_t *p;
        size_t got;
        if (peek(src, ck_tag + 14, 64, &p, &got) == LV_OK) {
            size_t n = 0;
            while (n < got && n < sizeof out->file_checksum - 1 && p[n] != '<')
                n++;
            memcpy(out->file_checksum, p, n);
            out->file_checksum[n] = '\0';
            out->checksum_extent = ck_tag + 14;
        }
    }

    int valid = 0;
    if (!force_rebuild && have_ilo) {
        const uint8_t *p;
        size_t got;
        FORWARD_IF_ERROR(peek(src, ilo_tag + 17, 32, &p, &got));
        char digits[32];
        size_t n = 0;
        while (n < got && n < sizeof digits - 1 && p[n] != '<') {
            if (p[n] != ' ' && p[n] != '\n' && p[n] != '\r' && p[n] != '\t')
                digits[n] = (char)p[n];
            else
                digits[n] = ' ';
            n++;
        }
        digits[n] = '\0';
        unsigned long long il = strtoull(digits, NULL, 10);
        uint64_t at = skip_ws(src, il);
        if (il >= size || !starts_with(src, at, "<indexList")) {
            /* a stale indexListOffset: the list itself may still be right */
            uint64_t found;
            if (find_back(src, ilo_tag, INDEX_LIST_BYTES, "<indexList ", &found) ||
                find_back(src, ilo_tag, INDEX_LIST_BYTES, "<indexList>", &found)) {
                at = found;
                /* Kept if the list verifies: users should still learn that the file is off. */
                snprintf(out->message, sizeof out->message,
                         "<indexListOffset> says %llu but <indexList> starts at byte %llu; the "
                         "list itself verified and is used",
                         il, (unsigned long long)found);
            } else {
                at = size;
            }
        }
        if (at < size && parse_index_list(src, at, ilo_tag, out)) {
            valid = verify_index(src, out, why, sizeof why);
        } else {
            snprintf(why, sizeof why, "the <indexList> could not be read");
        }
        if (!valid) {
            table_free(&out->spectra);
            table_free(&out->chromatograms);
        }
    }
    if (valid) {
        out->state = LV_INDEX_VALID;
        return LV_OK;
    }
    if (force_rebuild) {
        out->state = LV_INDEX_REBUILT_FORCED;
        snprintf(out->message, sizeof out->message, "rebuilt on request");
    } else if (!header->indexed_root) {
        out->state = LV_INDEX_NONE;
    } else if (!have_ilo) {
        out->state = LV_INDEX_REBUILT_MISSING;
        snprintf(out->message, sizeof out->message,
                 "indexedmzML without <indexListOffset>: index rebuilt by scanning");
    } else {
        out->state = LV_INDEX_REBUILT_STALE;
        snprintf(out->message, sizeof out->message, "stale index rebuilt by scanning: %s", why);
    }
    return scan_records(src, path, out);
}
