/* source_gzip.c - gzip indexing (one pass at open) and random-access views over gzip content.
 *
 * The design follows zlib's examples/zran.c (see source_gzip.h): access points at deflate block
 * boundaries every `span` output bytes, each holding the bit position and the preceding 32 KiB of
 * the member's output.  What this file adds to that scheme:
 *
 *   - the compressed bytes are one contiguous buffer (a mapping), so inflate reads them in place;
 *   - a view keeps its inflate stream and output buffer between calls, so views at increasing
 *     offsets continue where the previous one stopped, and the whole file read in order costs one
 *     inflate pass;
 *   - the access point memory is capped (spacing doubles, every other point goes);
 *   - concatenated members are followed across their boundaries in both passes, and zero padding
 *     after the last member is accepted (tape and block-device images carry it).
 */
#define ZLIB_CONST

#include "source_gzip.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "runtime/error.h"

/* Deflate's window: the most history any block can refer back to. */
#define GZ_WINDOW 32768u
/* Largest amount handed to inflate at once (avail_in / avail_out are 32-bit). */
#define GZ_IO_CHUNK ((size_t)1 << 30)
/* Output buffer of the first pass.  It slides by moving its last GZ_WINDOW bytes to the front, so
 * the history for an access point is always contiguous right behind next_out. */
#define GZ_PASS_BUF ((size_t)1 << 20)
/* During the first pass, mapped input pages behind the cursor are dropped in steps this large. */
#define GZ_RELEASE_STEP ((size_t)64 << 20)

#define GZ_DEFAULT_SPAN      ((uint64_t)4 << 20)
#define GZ_DEFAULT_INDEX_CAP ((size_t)32 << 20)
#define GZ_DEFAULT_READAHEAD ((size_t)4 << 20)

typedef struct gz_point {
    uint64_t out;    /* output offset where the block starts */
    size_t in;       /* compressed offset of the first whole byte of the block */
    uint32_t dict;   /* bytes of window (less than 32 KiB near a member start) */
    uint8_t bits;    /* bits of the block in data[in - 1] (its high bits), 0..7 */
    uint8_t *window; /* the dict output bytes before `out`, NULL when dict is 0 */
} gz_point;

struct lv_gzip {
    char *path;
    const uint8_t *data;
    size_t len;
    int mapped;
    uint64_t size;
    uint32_t members;

    gz_point *points;
    size_t n_points;
    size_t points_alloc;
    uint64_t span;
    size_t index_bytes;
    size_t index_cap;
    size_t readahead;

    /* View state.  When active, zs produces output offset cur_out next, and buf holds the output
     * range [buf_off, buf_off + buf_len) with buf_off + buf_len == cur_out. */
    z_stream zs;
    int zs_ready; /* inflateInit2 succeeded (inflateEnd is due) */
    int active;
    int wrapped; /* zs parses gzip headers and trailers itself (it started at a member header) */
    uint64_t cur_out;
    uint8_t *buf;
    size_t buf_cap;
    uint64_t buf_off;
    size_t buf_len;

    uint64_t view_inflated;
    uint64_t view_restarts;
    int borrowed_points; /* a clone: the access points belong to the original */
};

void lv_gzip_tuning_init(lv_gzip_tuning *tuning)
{
    tuning->span = GZ_DEFAULT_SPAN;
    tuning->index_cap = GZ_DEFAULT_INDEX_CAP;
    tuning->view_readahead = GZ_DEFAULT_READAHEAD;
}

int lv_gzip_magic(const uint8_t *data, size_t len)
{
    return len >= 2 && data[0] == 0x1f && data[1] == 0x8b;
}

static size_t gz_page_size(void)
{
    long p = sysconf(_SC_PAGESIZE);
    return p > 0 ? (size_t)p : 4096;
}

static uInt gz_chunk(size_t n)
{
    return (uInt)(n < GZ_IO_CHUNK ? n : GZ_IO_CHUNK);
}

static size_t gz_in_pos(const lv_gzip *gz, const z_stream *s)
{
    return (size_t)(s->next_in - gz->data);
}

static int gz_all_zero(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (p[i] != 0) return 0;
    return 1;
}

/* ---- Access points ------------------------------------------------------------------------ */

static void gz_free_points(lv_gzip *gz)
{
    for (size_t i = 0; i < gz->n_points; i++)
        free(gz->points[i].window);
    free(gz->points);
    gz->points = NULL;
    gz->n_points = gz->points_alloc = 0;
    gz->index_bytes = 0;
}

/* Halves the number of points (keeping the first, which every offset can fall back to) and
 * doubles the spacing, so the remaining points still sit at least `span` apart. */
static void gz_thin_points(lv_gzip *gz)
{
    size_t kept = 0;
    gz->index_bytes = 0;
    for (size_t i = 0; i < gz->n_points; i++) {
        if (i % 2 == 0) {
            gz->points[kept++] = gz->points[i];
            gz->index_bytes += sizeof(gz_point) + gz->points[i].dict;
        } else {
            free(gz->points[i].window);
        }
    }
    gz->n_points = kept;
    if (gz->span <= UINT64_MAX / 2) gz->span *= 2;
}

/* Adds an access point at the block boundary where the first pass's stream s now stands.  The
 * window is the output right behind s->next_out, of which `history` bytes belong to the current
 * member. */
static lv_status gz_add_point(lv_gzip *gz, const z_stream *s, uint64_t out, uint64_t history)
{
    uint32_t dict = history > GZ_WINDOW ? GZ_WINDOW : (uint32_t)history;
    size_t cost = sizeof(gz_point) + dict;
    while (gz->n_points > 1 && gz->index_bytes + cost > gz->index_cap)
        gz_thin_points(gz);
    if (gz->n_points > 0) {
        if (out - gz->points[gz->n_points - 1].out < gz->span) return LV_OK;
        if (gz->index_bytes + cost > gz->index_cap) return LV_OK;
    }
    if (gz->n_points == gz->points_alloc) {
        size_t want = gz->points_alloc ? gz->points_alloc * 2 : 64;
        gz_point *grown = realloc(gz->points, want * sizeof *grown);
        RETURN_IF_NULL_ALLOC(grown, want * sizeof *grown);
        gz->points = grown;
        gz->points_alloc = want;
    }
    gz_point *p = &gz->points[gz->n_points];
    p->out = out;
    p->in = gz_in_pos(gz, s);
    p->bits = (uint8_t)(s->data_type & 7);
    p->dict = dict;
    p->window = NULL;
    if (dict) {
        p->window = malloc(dict);
        RETURN_IF_NULL_ALLOC(p->window, dict);
        memcpy(p->window, s->next_out - dict, dict);
    }
    gz->n_points++;
    gz->index_bytes += cost;
    return LV_OK;
}

/* The last access point at or before output offset off (there is always one at 0). */
static const gz_point *gz_find_point(const lv_gzip *gz, uint64_t off)
{
    size_t lo = 0, hi = gz->n_points;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (gz->points[mid].out <= off)
            lo = mid;
        else
            hi = mid;
    }
    return &gz->points[lo];
}

/* ---- First pass --------------------------------------------------------------------------- */

static lv_status gz_zlib_error(const lv_gzip *gz, const z_stream *s, int ret, uint32_t member)
{
    size_t at = gz_in_pos(gz, s);
    if (ret == Z_MEM_ERROR)
        return lv_error_set(LV_ERR_NO_MEMORY, "%s: gzip member %u: out of memory in inflate",
                            gz->path, member);
    if (ret == Z_BUF_ERROR && at >= gz->len)
        return lv_error_set(LV_ERR_GZIP,
                            "%s: gzip member %u: truncated: the data ends at compressed byte %zu "
                            "inside the member",
                            gz->path, member, gz->len);
    return lv_error_set(LV_ERR_GZIP, "%s: gzip member %u: corrupt data at compressed byte %zu: %s",
                        gz->path, member, at, s->msg ? s->msg : "inflate failed");
}

/* Inflates everything once: checks every member, counts them, measures the output and records
 * the access points.  Z_BLOCK makes inflate stop at each block boundary (and after each member
 * header), the only places where a point can be taken. */
static lv_status gz_index(lv_gzip *gz)
{
    z_stream s;
    memset(&s, 0, sizeof s);
    int ret = inflateInit2(&s, 15 + 16);
    RETURN_ERROR_IF(ret != Z_OK, ret == Z_MEM_ERROR ? LV_ERR_NO_MEMORY : LV_ERR_INTERNAL,
                    "%s: inflateInit2 failed (%d)", gz->path, ret);
    uint8_t *obuf = malloc(GZ_PASS_BUF);
    if (!obuf) {
        inflateEnd(&s);
        return lv_error_set(LV_ERR_NO_MEMORY, "%s: out of memory allocating %zu bytes", gz->path,
                            GZ_PASS_BUF);
    }
    const size_t page = gz_page_size();
    size_t released = 0;
    uint64_t total = 0, member_start = 0;
    uint32_t member = 1;
    lv_status st = LV_OK;
    s.next_in = gz->data;
    s.avail_in = 0;
    s.next_out = obuf;
    s.avail_out = (uInt)GZ_PASS_BUF;
    for (;;) {
        size_t pos = gz_in_pos(gz, &s);
        if (s.avail_in == 0) s.avail_in = gz_chunk(gz->len - pos);
        if (s.avail_out == 0) {
            memmove(obuf, obuf + GZ_PASS_BUF - GZ_WINDOW, GZ_WINDOW);
            s.next_out = obuf + GZ_WINDOW;
            s.avail_out = (uInt)(GZ_PASS_BUF - GZ_WINDOW);
        }
        uInt before = s.avail_out;
        ret = inflate(&s, Z_BLOCK);
        total += before - s.avail_out;
        if (ret == Z_OK) {
            /* At a block boundary that is not after the last block of the member. */
            if ((s.data_type & 0xc0) == 0x80 &&
                (gz->n_points == 0 || total - gz->points[gz->n_points - 1].out >= gz->span)) {
                st = gz_add_point(gz, &s, total, total - member_start);
                if (st != LV_OK) break;
            }
            pos = gz_in_pos(gz, &s);
            if (gz->mapped && pos - released >= GZ_RELEASE_STEP) {
                size_t upto = pos / page * page;
                if (madvise((void *)(uintptr_t)(gz->data + released), upto - released,
                            MADV_DONTNEED) == 0)
                    released = upto;
            }
            continue;
        }
        if (ret == Z_STREAM_END) {
            gz->members = member;
            pos = gz_in_pos(gz, &s);
            if (pos == gz->len || gz_all_zero(gz->data + pos, gz->len - pos)) break;
            inflateReset(&s);
            member++;
            member_start = total;
            continue;
        }
        st = gz_zlib_error(gz, &s, ret, member);
        break;
    }
    inflateEnd(&s);
    free(obuf);
    FORWARD_IF_ERROR(st);
    RETURN_ERROR_IF(total == 0, LV_ERR_EMPTY_FILE,
                    "%s: gzip data inflates to 0 bytes (%u member%s, %zu bytes compressed)",
                    gz->path, member, member == 1 ? "" : "s", gz->len);
    gz->size = total;
    return LV_OK;
}

/* ---- Open / close ------------------------------------------------------------------------- */

lv_status lv_gzip_open(const char *path, const uint8_t *data, size_t len, int mapped,
                       const lv_gzip_tuning *tuning, lv_gzip **out)
{
    RETURN_ERROR_IF(path == NULL || out == NULL || (data == NULL && len > 0),
                    LV_ERR_INVALID_ARGUMENT, "lv_gzip_open: NULL argument");
    lv_gzip_tuning t;
    lv_gzip_tuning_init(&t);
    if (tuning) t = *tuning;
    RETURN_ERROR_IF(t.span == 0, LV_ERR_INVALID_ARGUMENT, "%s: gzip access point span is 0", path);
    RETURN_ERROR_IF(len == 0, LV_ERR_EMPTY_FILE, "%s: file is empty (0 bytes)", path);

    lv_gzip *gz = calloc(1, sizeof *gz);
    RETURN_IF_NULL_ALLOC(gz, sizeof *gz);
    size_t plen = strlen(path) + 1;
    gz->path = malloc(plen);
    if (!gz->path) {
        free(gz);
        return lv_error_set(LV_ERR_NO_MEMORY, "%s: out of memory", path);
    }
    memcpy(gz->path, path, plen);
    gz->data = data;
    gz->len = len;
    gz->mapped = mapped;
    gz->span = t.span;
    gz->index_cap = t.index_cap;
    gz->readahead = t.view_readahead;

    lv_status st = gz_index(gz);
    if (st != LV_OK) {
        lv_gzip_close(gz);
        return st;
    }
    *out = gz;
    return LV_OK;
}

lv_status lv_gzip_clone(const lv_gzip *gz, lv_gzip **out)
{
    RETURN_ERROR_IF(gz == NULL || out == NULL, LV_ERR_INVALID_ARGUMENT, "lv_gzip_clone: NULL");
    lv_gzip *c = calloc(1, sizeof *c);
    RETURN_IF_NULL_ALLOC(c, sizeof *c);
    size_t plen = strlen(gz->path) + 1;
    c->path = malloc(plen);
    if (!c->path) {
        free(c);
        return lv_error_set(LV_ERR_NO_MEMORY, "%s: out of memory", gz->path);
    }
    memcpy(c->path, gz->path, plen);
    c->data = gz->data;
    c->len = gz->len;
    c->mapped = 0; /* the original owns the mapping's page hints */
    c->size = gz->size;
    c->members = gz->members;
    c->points = gz->points; /* immutable once the first pass is done */
    c->n_points = gz->n_points;
    c->points_alloc = gz->points_alloc;
    c->span = gz->span;
    c->index_bytes = gz->index_bytes;
    c->index_cap = gz->index_cap;
    c->readahead = gz->readahead;
    c->borrowed_points = 1;
    *out = c;
    return LV_OK;
}

void lv_gzip_close(lv_gzip *gz)
{
    if (!gz) return;
    if (gz->zs_ready) inflateEnd(&gz->zs);
    if (!gz->borrowed_points) gz_free_points(gz);
    free(gz->buf);
    free(gz->path);
    free(gz);
}

uint64_t lv_gzip_size(const lv_gzip *gz)
{
    return gz ? gz->size : 0;
}
uint32_t lv_gzip_members(const lv_gzip *gz)
{
    return gz ? gz->members : 0;
}

void lv_gzip_stats_get(const lv_gzip *gz, lv_gzip_stats *stats)
{
    memset(stats, 0, sizeof *stats);
    if (!gz) return;
    stats->size = gz->size;
    stats->members = gz->members;
    stats->points = (uint32_t)gz->n_points;
    stats->span = gz->span;
    stats->index_bytes = gz->index_bytes;
    stats->view_inflated = gz->view_inflated;
    stats->view_restarts = gz->view_restarts;
}

/* ---- Views -------------------------------------------------------------------------------- */

/* Points the view stream at access point p: a raw inflate primed with the bits of the partial
 * byte and given the window as its dictionary. */
static lv_status gz_restart(lv_gzip *gz, const gz_point *p)
{
    z_stream *s = &gz->zs;
    int ret;
    gz->active = 0;
    if (!gz->zs_ready) {
        memset(s, 0, sizeof *s);
        ret = inflateInit2(s, -15);
        RETURN_ERROR_IF(ret != Z_OK, ret == Z_MEM_ERROR ? LV_ERR_NO_MEMORY : LV_ERR_INTERNAL,
                        "%s: inflateInit2 failed (%d)", gz->path, ret);
        gz->zs_ready = 1;
    } else {
        ret = inflateReset2(s, -15);
        RETURN_ERROR_IF(ret != Z_OK, LV_ERR_INTERNAL, "%s: inflateReset2 failed (%d)", gz->path,
                        ret);
    }
    s->next_in = gz->data + p->in;
    s->avail_in = 0;
    if (p->bits) {
        ret = inflatePrime(s, p->bits, gz->data[p->in - 1] >> (8 - p->bits));
        RETURN_ERROR_IF(ret != Z_OK, LV_ERR_INTERNAL, "%s: inflatePrime failed (%d)", gz->path,
                        ret);
    }
    if (p->dict) {
        ret = inflateSetDictionary(s, p->window, p->dict);
        RETURN_ERROR_IF(ret != Z_OK, LV_ERR_INTERNAL, "%s: inflateSetDictionary failed (%d)",
                        gz->path, ret);
    }
    gz->wrapped = 0;
    gz->cur_out = p->out;
    gz->buf_off = p->out;
    gz->buf_len = 0;
    gz->active = 1;
    gz->view_restarts++;
    return LV_OK;
}

/* Inflates the next min(want, size - cur_out) output bytes of the view stream into dst, crossing
 * member boundaries.  *made is what was produced.  Errors here mean the data differs from what
 * the first pass saw (the file changed) and deactivate the stream. */
static lv_status gz_produce(lv_gzip *gz, uint8_t *dst, size_t want, size_t *made)
{
    z_stream *s = &gz->zs;
    size_t done = 0;
    if (want > gz->size - gz->cur_out) want = (size_t)(gz->size - gz->cur_out);
    while (done < want) {
        size_t pos = gz_in_pos(gz, s);
        if (s->avail_in == 0) s->avail_in = gz_chunk(gz->len - pos);
        s->next_out = dst + done;
        s->avail_out = gz_chunk(want - done);
        uInt before = s->avail_out;
        int ret = inflate(s, Z_NO_FLUSH);
        size_t n = before - s->avail_out;
        done += n;
        gz->cur_out += n;
        gz->view_inflated += n;
        if (ret == Z_OK) continue;
        if (ret == Z_STREAM_END) {
            if (gz->cur_out >= gz->size) break;
            if (!gz->wrapped) {
                /* A raw stream stops after the last block: skip the member's CRC and length. */
                pos = gz_in_pos(gz, s);
                if (gz->len - pos < 8) {
                    gz->active = 0;
                    return lv_error_set(LV_ERR_GZIP,
                                        "%s: gzip data changed since open: no member trailer at "
                                        "compressed byte %zu",
                                        gz->path, pos);
                }
                s->next_in = gz->data + pos + 8;
                s->avail_in = 0;
                ret = inflateReset2(s, 15 + 16);
                gz->wrapped = 1;
            } else {
                ret = inflateReset(s);
            }
            if (ret != Z_OK) {
                gz->active = 0;
                return lv_error_set(LV_ERR_INTERNAL, "%s: inflateReset failed (%d)", gz->path, ret);
            }
            continue;
        }
        gz->active = 0;
        if (ret == Z_MEM_ERROR)
            return lv_error_set(LV_ERR_NO_MEMORY, "%s: out of memory in inflate", gz->path);
        return lv_error_set(LV_ERR_GZIP,
                            "%s: gzip data changed since open: inflate failed at compressed byte "
                            "%zu (output offset %llu): %s",
                            gz->path, gz_in_pos(gz, s), (unsigned long long)gz->cur_out,
                            s->msg ? s->msg : "no progress");
    }
    *made = done;
    return LV_OK;
}

/* Makes the buffer hold at least cap bytes, keeping its contents. */
static lv_status gz_reserve(lv_gzip *gz, size_t cap)
{
    if (gz->buf_cap >= cap) return LV_OK;
    uint8_t *grown = realloc(gz->buf, cap);
    RETURN_ERROR_IF(grown == NULL, LV_ERR_NO_MEMORY,
                    "%s: out of memory allocating a %zu-byte gzip view buffer", gz->path, cap);
    gz->buf = grown;
    gz->buf_cap = cap;
    return LV_OK;
}

lv_status lv_gzip_view(lv_gzip *gz, uint64_t off, size_t len, const uint8_t **ptr, size_t *got)
{
    static const uint8_t empty[1] = {0};
    RETURN_ERROR_IF(gz == NULL || ptr == NULL || got == NULL, LV_ERR_INVALID_ARGUMENT,
                    "lv_gzip_view: NULL argument");
    if (off >= gz->size || len == 0) {
        *ptr = empty;
        *got = 0;
        return LV_OK;
    }
    size_t n = gz->size - off < len ? (size_t)(gz->size - off) : len;

    /* Already buffered. */
    if (gz->buf_len > 0 && off >= gz->buf_off && off - gz->buf_off <= gz->buf_len &&
        gz->buf_len - (off - gz->buf_off) >= n) {
        *ptr = gz->buf + (off - gz->buf_off);
        *got = n;
        return LV_OK;
    }

    /* Fill the buffer with the request plus read-ahead of at least half the request, so that a
     * sequence of overlapping views moves (memmove) at most about two bytes per byte inflated.
     * The fill goal follows each request, not the buffer's capacity: after one huge view, small
     * random views must not each inflate a huge buffer's worth. */
    RETURN_ERROR_IF(n > SIZE_MAX / 4, LV_ERR_NO_MEMORY, "%s: gzip view of %zu bytes is too large",
                    gz->path, n);
    size_t extra = n / 2 > gz->readahead ? n / 2 : gz->readahead;
    size_t fill = n + extra < n ? SIZE_MAX : n + extra;
    if (fill > gz->size) fill = (size_t)gz->size;
    FORWARD_IF_ERROR(gz_reserve(gz, fill));

    /* Continue the current stream when the offset is in or ahead of the buffer and no access
     * point lies between the stream's position and the offset; otherwise restart at the nearest
     * access point. */
    const gz_point *p = gz_find_point(gz, off);
    if (!gz->active || off < gz->buf_off || p->out > gz->cur_out)
        FORWARD_IF_ERROR(gz_restart(gz, p));

    if (off <= gz->cur_out) {
        size_t keep = (size_t)(gz->cur_out - off);
        if (off > gz->buf_off) memmove(gz->buf, gz->buf + (off - gz->buf_off), keep);
        gz->buf_off = off;
        gz->buf_len = keep;
    } else {
        gz->buf_len = 0;
        while (gz->cur_out < off) {
            size_t skip =
                off - gz->cur_out < gz->buf_cap ? (size_t)(off - gz->cur_out) : gz->buf_cap;
            size_t made = 0;
            FORWARD_IF_ERROR(gz_produce(gz, gz->buf, skip, &made));
            if (made == 0) break;
        }
        gz->buf_off = gz->cur_out;
    }
    size_t made = 0;
    if (fill > gz->buf_len)
        FORWARD_IF_ERROR(gz_produce(gz, gz->buf + gz->buf_len, fill - gz->buf_len, &made));
    gz->buf_len += made;
    if (gz->buf_off != off || gz->buf_len < n) {
        gz->active = 0;
        gz->buf_len = 0;
        return lv_error_set(LV_ERR_GZIP,
                            "%s: gzip data changed since open: output ends before offset %llu",
                            gz->path, (unsigned long long)(off + n));
    }
    *ptr = gz->buf;
    *got = n;
    return LV_OK;
}

size_t lv_gzip_needed_from(const lv_gzip *gz, uint64_t off)
{
    if (!gz || gz->n_points == 0) return 0;
    const gz_point *p = gz_find_point(gz, off);
    size_t need = p->bits ? p->in - 1 : p->in;
    if (gz->active) {
        size_t pos = gz_in_pos(gz, &gz->zs);
        if (pos < need) need = pos;
    }
    return need;
}
