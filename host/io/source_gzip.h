/* source_gzip.h - random access to gzip content held in memory (the engine behind gzip sources).
 *
 * lv_gzip_open() inflates the whole compressed buffer once, in the manner of zlib's
 * examples/zran.c: inflate(Z_BLOCK) stops at every deflate block boundary, and every `span` bytes
 * of output an access point is saved there: the compressed byte and bit where the next block
 * starts and the (up to) 32 KiB of output that precede it in the same member, which is all the
 * history a deflate block can refer back to.  Restarting at an access point is then a raw inflate
 * primed with those bits and that dictionary.  A point at the end of a member header needs no
 * dictionary.  The pass also checks every member's CRC-32 and length, counts members, and
 * measures the total output, so later views never meet corrupt data (unless the file changes
 * under the mapping).
 *
 * Access points cost 32 KiB each, so they are kept under a memory cap: when the next point would
 * exceed it, the spacing is doubled and every other point is dropped.  With the default cap
 * (32 MiB, about 1000 points) a 100 GB stream ends with a spacing near 128 MiB, so a random view
 * inflates about 64 MiB on average before reaching its offset; sequential views cost nothing
 * extra because they continue the current stream.
 *
 * The source layer (source.c) owns the mapping; this module only reads the bytes it is given and,
 * when told they are a private file mapping, drops the pages behind its input cursor during the
 * first pass so that indexing a huge file does not fill the resident set.
 *
 * The tuning structure and the statistics exist for tests and benchmarks; lv_source_open() uses
 * the defaults. */
#ifndef LV_SOURCE_GZIP_H
#define LV_SOURCE_GZIP_H

#include <stddef.h>
#include <stdint.h>

#include "lavoisier.h"
#include "source.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lv_gzip lv_gzip;

typedef struct lv_gzip_tuning {
    uint64_t span;         /* initial access point spacing in output bytes (default 4 MiB, >= 1) */
    size_t index_cap;      /* memory cap for access points and their windows (default 32 MiB) */
    size_t view_readahead; /* least bytes a view buffer holds beyond a request (default 4 MiB) */
} lv_gzip_tuning;

typedef struct lv_gzip_stats {
    uint64_t size;          /* total decompressed bytes */
    uint32_t members;       /* gzip members, empty ones included */
    uint32_t points;        /* access points kept */
    uint64_t span;          /* final access point spacing (grows when the cap is reached) */
    size_t index_bytes;     /* memory held by access points and windows */
    uint64_t view_inflated; /* bytes inflated by lv_gzip_view() since open, skipped ones too */
    uint64_t view_restarts; /* times a view restarted at an access point */
} lv_gzip_stats;

void lv_gzip_tuning_init(lv_gzip_tuning *tuning);

/* 1 when data starts with the gzip magic bytes 1f 8b. */
int lv_gzip_magic(const uint8_t *data, size_t len);

/* Indexes data[0, len) (which must stay valid and unchanged until lv_gzip_close()).  path is used
 * in messages only.  mapped = 1 says data is a private read-only file mapping whose page-aligned
 * pages may be dropped with madvise(MADV_DONTNEED) and fault back in unchanged; pass 0 for heap
 * memory.  tuning may be NULL for defaults.  Errors: LV_ERR_GZIP (corrupt or truncated, with the
 * compressed byte offset and member number), LV_ERR_EMPTY_FILE (inflates to zero bytes),
 * LV_ERR_NO_MEMORY, LV_ERR_INVALID_ARGUMENT. */
lv_status lv_gzip_open(const char *path, const uint8_t *data, size_t len, int mapped,
                       const lv_gzip_tuning *tuning, lv_gzip **out);
void lv_gzip_close(lv_gzip *gz);
/* A second, independent view state over gz's data and access points (which are only read), for
 * views on another thread.  gz must outlive the clone; close the clone with lv_gzip_close(). */
lv_status lv_gzip_clone(const lv_gzip *gz, lv_gzip **out);

uint64_t lv_gzip_size(const lv_gzip *gz);
uint32_t lv_gzip_members(const lv_gzip *gz);
void lv_gzip_stats_get(const lv_gzip *gz, lv_gzip_stats *stats);

/* Same contract as lv_source_view() for gzip sources: the pointer is into an internal buffer,
 * valid until the next call or lv_gzip_close(). */
lv_status lv_gzip_view(lv_gzip *gz, uint64_t off, size_t len, const uint8_t **ptr, size_t *got);

/* The compressed offset below which no byte is needed to serve views at output offsets >= off
 * (neither by the current stream nor by a restart).  The source layer releases pages below it. */
size_t lv_gzip_needed_from(const lv_gzip *gz, uint64_t off);

/* lv_source_open() with explicit gzip tuning (NULL = defaults), for tests and benchmarks. */
lv_status lv_source_open_tuned(const char *path, const lv_gzip_tuning *tuning, lv_source **out);
/* The gzip engine of a source, or NULL when the source is not gzip. */
const lv_gzip *lv_source_gzip(const lv_source *src);

#ifdef __cplusplus
}
#endif
#endif
