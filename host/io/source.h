/* source.h - the bytes of an input file, however they arrive.
 *
 * A regular file is memory-mapped whole (read-only, MADV_SEQUENTIAL); a pipe, FIFO or "-" (stdin)
 * is copied once into an unlinked temporary file (in $TMPDIR, bounded memory) which is then
 * mapped; gzip content (magic 1f 8b, any number of concatenated members) is inflated with zlib in
 * one streaming pass at open that measures the XML size and records access points (the inflate
 * state and 32 KiB window every few MiB, spacing chosen so they stay within a fixed memory cap)
 * so that later random access restarts near the requested offset instead of at the beginning.
 *
 * Offsets are always offsets in the XML (the decompressed stream for gzip).
 * A source is used by one thread at a time. */
#ifndef LV_SOURCE_H
#define LV_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "lavoisier.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lv_source lv_source;

/* Opens path; "-" means standard input (which is read to its end but not closed).  A gzip input
 * is checked completely here (every member's CRC-32 and length), so views never meet corrupt
 * data later; zero bytes after the last member are accepted, anything else there is an error.
 * Errors: LV_ERR_IO (with strerror text; "PATH: is a directory" for a directory),
 * LV_ERR_EMPTY_FILE (zero bytes, or a gzip stream that inflates to zero bytes), LV_ERR_GZIP
 * (corrupt or truncated gzip, with the compressed byte offset and the member number),
 * LV_ERR_NO_MEMORY, LV_ERR_INVALID_ARGUMENT (NULL path or out).  Messages start with the path.
 * A regular file must not be truncated by another process while it is open (the mapping would
 * raise SIGBUS). */
lv_status lv_source_open(const char *path, lv_source **out);
void lv_source_close(lv_source *src);

/* A second source over the same bytes with its own view state (for gzip: its own inflate stream
 * and buffer, sharing the access points), so that one thread can take views while another uses
 * src.  Nothing is re-read or re-inflated to create it.  src must stay open until the view is
 * closed (lv_source_close); releasing pages through either is only a hint to both. */
lv_status lv_source_open_view(lv_source *src, lv_source **out);

uint64_t lv_source_size(const lv_source *src);      /* bytes of XML */
uint64_t lv_source_disk_size(const lv_source *src); /* bytes on disk (compressed for gzip; for a
                                                       stream, the bytes read from it) */
int lv_source_is_gzip(const lv_source *src);
uint32_t lv_source_gzip_members(const lv_source *src); /* 0 when not gzip */

/* The whole XML as one contiguous read-only mapping (lv_source_size() bytes, valid until close),
 * or NULL for gzip sources. */
const uint8_t *lv_source_mapping(const lv_source *src);

/* A contiguous view of bytes [off, off + len), clipped at the end of the XML: *got is the number
 * of bytes available (0 at or past the end, or when len is 0; *ptr is then still non-NULL).  For
 * mapped sources the pointer is into the mapping and valid until close.  For gzip sources it
 * points into an internal buffer valid until the next lv_source_view() call on this source or
 * close; the buffer holds the whole clipped range plus read-ahead (at least 4 MiB, or half the
 * range), so bound len to what you need (a gzip view of len bytes needs about 1.5 * len of
 * memory).  Views at increasing offsets, even overlapping ones, continue the current inflate
 * stream: reading a gzip file in order costs one inflate pass.  Any other view restarts at the
 * nearest access point at or before off, so a random view inflates about one access point
 * spacing (4 MiB up to ~4 GB of XML, then doubling so that the index stays within 32 MiB) plus
 * read-ahead.  Errors: LV_ERR_INVALID_ARGUMENT, LV_ERR_NO_MEMORY, and LV_ERR_GZIP when the
 * compressed file changed since open. */
lv_status lv_source_view(lv_source *src, uint64_t off, size_t len, const uint8_t **ptr,
                         size_t *got);

/* Tells the source that bytes before off will not be needed again soon: mapped pages there are
 * dropped from this process's resident set (madvise DONTNEED), which keeps RSS bounded when a
 * huge file is streamed.  For gzip sources the pages dropped are those of the compressed bytes
 * that neither the current stream nor a restart at or after off needs.  Dropped pages fault back
 * in unchanged if they are read again.  Call it with increasing offsets while streaming; an
 * offset below the previous one starts a new pass from there.  Purely a hint. */
void lv_source_release_before(lv_source *src, uint64_t off);
/* Drops every mapped page of the file (they come back from the page cache when touched): for the
 * pages that opening touched all over the file (index, record starts), which would otherwise
 * stay resident until streaming passes them.  No-op for gzip input and second views. */
void lv_source_release_all(lv_source *src);

/* Tells the source that [off, off + len) is about to be read: the pages are mapped in one system
 * call (MADV_POPULATE_READ) instead of one page fault per few pages, which halves the kernel time
 * of streaming a file that is in the page cache.  For gzip sources and on kernels without the
 * call it does nothing.  Purely a hint. */
void lv_source_prefault(lv_source *src, uint64_t off, uint64_t len);

#ifdef __cplusplus
}
#endif
#endif
